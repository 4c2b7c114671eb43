//! The `keyhole` command: `keyhole serve` runs the emulator; `keyhole policy` checks and
//! simulates policy documents offline.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use keyhole::init_hooks::InitHooks;
use keyhole::instance::{DecisionLog, Instance};
use keyhole::{DenyMessageStyle, Settings};
use tokio::net::TcpListener;

/// Requests allocate many small, short-lived strings; mimalloc serves them faster than the
/// system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "keyhole",
    version,
    about = "Local emulator of AWS KMS, AWS Backup and AWS Organizations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the emulator.
    Serve(ServeArgs),
    /// Check and simulate IAM policy documents offline, with the emulator's evaluator.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Documented AWS failures as data: list, show, run, and start new ones.
    Scenario(ScenarioArgs),
    /// Training labs: a scenario served broken, to fix with the AWS CLI or the console.
    Lab(LabArgs),
    /// Seed files: write a running world as one, or check files before serving them.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// The policy corpus: authorization cases kept as JSON tests.
    #[command(subcommand)]
    Corpus(CorpusCommand),
    /// Exit 0 when a keyhole answers GET /_keyhole/health with 200: the Docker image's
    /// health check, which has no shell or curl.
    Health {
        /// The port of a keyhole on 127.0.0.1.
        #[arg(long, env = "KEYHOLE_PORT", default_value_t = 4566)]
        port: u16,
    },
}

#[derive(Subcommand)]
enum SeedCommand {
    /// Writes the world of a running keyhole as a seed file (docs/seed-files.md), to give
    /// back to `keyhole serve --seed`.
    Export {
        /// The running keyhole to read (default http://127.0.0.1:4566).
        #[arg(
            long,
            env = "KEYHOLE_ENDPOINT",
            default_value = "http://127.0.0.1:4566"
        )]
        endpoint: String,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Checks seed files as `keyhole serve --seed` does, on an empty world, without serving.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CorpusCommand {
    /// Adds a case (a check's `witness.corpusCase`, or one written by hand) to a corpus
    /// file, its `expect` filled from today's decision when it has none.
    Dump {
        /// The corpus file, created when missing (e.g. emulator/tests/policy_corpus/mine.json).
        #[arg(long)]
        into: PathBuf,
        /// The case's name.
        #[arg(long)]
        name: Option<String>,
        /// The case; standard input when absent.
        case: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct LabArgs {
    /// The folder that holds one folder per scenario.
    #[arg(
        long,
        env = "KEYHOLE_SCENARIOS",
        default_value = "scenarios",
        global = true
    )]
    dir: PathBuf,
    /// Where labs keep the learner's world and progress (one folder per lab).
    #[arg(
        long,
        env = "KEYHOLE_LAB_DIR",
        default_value = ".keyhole-lab",
        global = true
    )]
    lab_dir: PathBuf,
    /// en, ja, zh, ko or fr; else KEYHOLE_LANG, else LANG, else (for a running lab) the
    /// language it started in.
    #[arg(long, global = true)]
    lang: Option<keyhole::lab::Lang>,
    /// A lab server's address, instead of the one the lab folder records.
    #[arg(long, global = true)]
    endpoint: Option<String>,
    #[command(subcommand)]
    command: LabCommand,
}

#[derive(Subcommand)]
enum LabCommand {
    /// Every lab, with its title.
    List,
    /// Serves a lab in its broken state and prints the task; Ctrl-C stops it, and
    /// starting it again resumes where the learner was.
    Start {
        name: String,
        /// Port to listen on (127.0.0.1); 0 picks a free one.
        #[arg(long, default_value_t = 4566)]
        port: u16,
    },
    /// The running lab's progress.
    Status,
    /// One more hint.
    Hint,
    /// Whether the learner's fix works, and is no broader than needed (exit status 1 if not).
    Check,
    /// The cause, the least-privilege fix and its commands.
    Solution,
    /// Back to the broken state.
    Reset,
}

#[derive(clap::Args)]
struct ScenarioArgs {
    /// The folder that holds one folder per scenario.
    #[arg(
        long,
        env = "KEYHOLE_SCENARIOS",
        default_value = "scenarios",
        global = true
    )]
    dir: PathBuf,
    /// text, json, or (for list) markdown.
    #[arg(long, value_enum, default_value = "text", global = true)]
    format: keyhole::scenario::cli::Format,
    #[command(subcommand)]
    command: ScenarioCommand,
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Each scenario's name, what a user sees, and the check that fails.
    List,
    /// One scenario's accounts, steps, expected answers and policies.
    Show { name: String },
    /// Runs scenarios on fresh in-process emulators; exit status 1 if any answer differs.
    Run {
        names: Vec<String>,
        /// Every scenario in the folder.
        #[arg(long, conflicts_with = "names")]
        all: bool,
    },
    /// Prints a bash script of AWS CLI calls that reproduces the scenario against
    /// AWS_ENDPOINT_URL.
    Script { name: String },
    /// Writes a new scenario folder from a template that runs.
    New { name: String },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy document: the service's verdict (AWS's message when it is invalid)
    /// and IAM Access Analyzer's findings with their lines and columns. Exits 0 when the
    /// document is valid with no ERROR or SECURITY_WARNING finding, 1 when it is invalid or
    /// has one, 2 on a usage or I/O error.
    Validate {
        /// identity, kms-key, backup-vault, trust, scp, rcp or resource.
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        /// text, or json: exactly Access Analyzer's ValidatePolicy response.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        file: PathBuf,
    },
    /// Evaluate a SimulateCustomPolicy-shaped request (with OrganizationPolicyLevels,
    /// ResourceControlPolicyLevels and SessionPolicy); prints `{"EvaluationResults": [...]}`.
    Simulate {
        /// Read one request per line on standard input, write one result per line.
        #[arg(long)]
        batch: bool,
        /// Print the reasoning for a person instead of JSON.
        #[arg(long)]
        explain: bool,
        /// The request file; standard input when absent.
        request: Option<PathBuf>,
    },
    /// CheckNoNewAccess: does NEW allow any request EXISTING does not? Exit 0 PASS, 1 FAIL
    /// (with the request that shows it), 2 bad input, 3 cannot decide exactly.
    CheckNoNewAccess {
        #[arg(long)]
        existing: PathBuf,
        #[arg(long)]
        new: PathBuf,
        /// identity, resource, kms-key, backup-vault, trust, scp or rcp.
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// CheckAccessNotGranted: does the policy allow any of the actions (on any of the
    /// resources)? At most 100 of each, as on AWS.
    CheckAccessNotGranted {
        #[arg(long = "type", value_name = "TYPE", default_value = "identity")]
        policy_type: String,
        /// Actions, comma-separated or repeated.
        #[arg(long, value_delimiter = ',')]
        actions: Vec<String>,
        /// Resource ARNs, comma-separated or repeated.
        #[arg(long, value_delimiter = ',')]
        resources: Vec<String>,
        policy: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// CheckNoPublicAccess: does the resource policy allow an account it does not name?
    CheckNoPublicAccess {
        /// AWS::KMS::Key, AWS::Backup::BackupVault, AWS::IAM::AssumeRolePolicyDocument, ...
        #[arg(long)]
        resource_type: String,
        policy: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// Is anyone outside the account (or the organization) allowed?
    CheckNoExternalAccess {
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        /// account or organization.
        #[arg(long, value_parser = ["account", "organization"], default_value = "account")]
        zone: String,
        /// The organization's ID, for --zone organization.
        #[arg(long, required_if_eq("zone", "organization"))]
        org_id: Option<String>,
        /// Other member accounts of the organization (repeatable).
        #[arg(long = "org-account")]
        org_accounts: Vec<String>,
        policy: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// Does everything A allows, B allow too? FAIL prints a request A allows and B does not.
    Implies {
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        a: PathBuf,
        b: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// Who may perform ACTION on RESOURCE in a running or saved keyhole world: each
    /// account's root, every IAM user, a session of every role and the service principals
    /// the resource's policy names, each with the decision a request of its own would get.
    /// Exit status 0 when at least one principal is allowed, 1 when none is, 2 when the
    /// question could not be asked (keyhole unreachable, bad state file, unknown resource).
    WhoCan {
        /// An action, SERVICE:Operation: kms:Decrypt, backup:StartCopyJob, sts:AssumeRole.
        action: String,
        /// A KMS key ARN or alias ARN, a backup vault ARN, or an IAM role ARN.
        resource: String,
        /// The running keyhole to ask (default http://127.0.0.1:4566).
        #[arg(long, env = "KEYHOLE_ENDPOINT", conflicts_with = "state")]
        endpoint: Option<String>,
        /// A saved world (the JSON of GET /_keyhole/state) to ask instead of a running one.
        #[arg(long)]
        state: Option<PathBuf>,
        /// text for a person, json for a program.
        #[arg(long, value_enum, default_value = "text")]
        format: keyhole::who_can::cli::Format,
    },
    /// Do A and B allow exactly the same requests?
    Equivalent {
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        a: PathBuf,
        b: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The account that owns the policy (or the resource it guards).
    #[arg(long, default_value = "111122223333")]
    account: String,
    /// The resource a resource-based policy guards; a key or vault ARN of --account when absent.
    #[arg(long)]
    resource: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: keyhole::policy::analysis::report::Format,
}

impl CheckArgs {
    fn common(self) -> keyhole::policy::analysis::cli::Common {
        keyhole::policy::analysis::cli::Common {
            account: self.account,
            resource: self.resource,
            format: self.format,
        }
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Runtime worker threads serving connections; one per core when absent (slow calls
    /// such as RSA key generation run on a separate blocking pool). BENCHMARKS.md compares
    /// one thread with one per core.
    #[arg(long, env = "KEYHOLE_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: Option<u16>,
    /// Address to listen on.
    #[arg(long, env = "KEYHOLE_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on; 0 picks a free port.
    #[arg(long, env = "KEYHOLE_PORT", default_value_t = 4566)]
    port: u16,
    /// Account of callers whose access key keyhole does not know.
    #[arg(long, env = "KEYHOLE_DEFAULT_ACCOUNT", default_value = "000000000000")]
    default_account: String,
    /// Region of requests that name none.
    #[arg(long, env = "KEYHOLE_DEFAULT_REGION", default_value = "us-east-1")]
    default_region: String,
    /// Refuse access keys keyhole did not issue (12-digit account keys excepted).
    #[arg(long, env = "KEYHOLE_STRICT_AUTH", default_value_t = false)]
    strict_auth: bool,
    /// Wording of explicit-deny messages: `arn` ends them with the denying policy's ARN as
    /// AWS does since 2026; `legacy` gives the older wording without it.
    #[arg(long, env = "KEYHOLE_DENY_MESSAGE_STYLE", default_value = "arn",
          value_parser = ["arn", "legacy"])]
    deny_message_style: String,
    /// A seed file (docs/seed-files.md) applied before keyhole listens; repeat for several,
    /// applied in order. KEYHOLE_SEED takes a comma-separated list. A file with a problem
    /// is reported as FILE:LINE:COLUMN: reason and keyhole exits with status 2.
    #[arg(
        long = "seed",
        value_name = "FILE",
        env = "KEYHOLE_SEED",
        value_delimiter = ','
    )]
    seeds: Vec<PathBuf>,
    /// Keep the world in DIR/keyhole-state.sqlite: every change is saved before it is
    /// answered and loaded again at the next start. Without it nothing touches the disk.
    #[arg(long, env = "KEYHOLE_STATE_DIR", value_name = "DIR")]
    state_dir: Option<std::path::PathBuf>,
    // Init hooks and the decision log (README "Init hooks", "The decision log").
    /// A folder of init hooks: its executable files run one at a time, in byte order of
    /// their names, once keyhole answers, with AWS_ENDPOINT_URL and the default account's
    /// credentials set. GET /_keyhole/health reports each under `init`.
    #[arg(long, env = "KEYHOLE_INIT_DIR", value_name = "DIR")]
    init_dir: Option<PathBuf>,
    /// Seconds one init hook may run before it is killed and counted as failed.
    #[arg(
        long,
        env = "KEYHOLE_INIT_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 300
    )]
    init_timeout: u64,
    /// How many authorization decisions GET /_keyhole/decisions keeps (0 keeps none).
    #[arg(long, env = "KEYHOLE_DECISIONS_KEPT", value_name = "N",
          default_value_t = keyhole::instance::DECISIONS_KEPT)]
    decisions_kept: usize,
    /// Append every authorization decision to FILE, one JSON line each.
    #[arg(long, env = "KEYHOLE_DECISION_LOG", value_name = "FILE")]
    decision_log: Option<PathBuf>,
    // Limits (README "Limits").
    /// Connections served at once; one more is answered 503 ServiceUnavailable.
    #[arg(long, env = "KEYHOLE_MAX_CONNECTIONS", value_name = "N",
          default_value_t = keyhole::server::MAX_CONNECTIONS,
          value_parser = clap::value_parser!(usize))]
    max_connections: usize,
    /// Seconds a connection may stay idle, or take to send a request's headers, before
    /// keyhole closes it.
    #[arg(long, env = "KEYHOLE_IDLE_TIMEOUT", value_name = "SECONDS",
          default_value_t = keyhole::server::IDLE_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Scenario(args) => scenario(args),
        Command::Lab(args) => lab(args),
        Command::Policy(command) => policy(command),
        Command::Seed(SeedCommand::Export { endpoint, out }) => {
            exit_code(keyhole::seed::cli::export(&endpoint, out.as_deref()))
        }
        Command::Seed(SeedCommand::Check { files }) => {
            exit_code(keyhole::seed::cli::check(&files, Settings::default()))
        }
        Command::Health { port } => health(port),
        Command::Corpus(CorpusCommand::Dump { into, name, case }) => exit_code(
            keyhole::policy::corpus::run_dump(case.as_deref(), &into, name.as_deref()),
        ),
    }
}

fn policy(command: PolicyCommand) -> ExitCode {
    use keyhole::policy::analysis::{cli, Zone};
    let printed = match command {
        PolicyCommand::Validate {
            policy_type,
            format,
            file,
        } => {
            return exit_code(keyhole::policy::cli::run_validate(
                &policy_type,
                &file,
                format == "json",
            ))
        }
        PolicyCommand::Simulate {
            batch,
            explain,
            request,
        } => {
            return exit_code(keyhole::policy::cli::run_simulate(
                request.as_deref(),
                batch,
                explain,
            ))
        }
        PolicyCommand::CheckNoNewAccess {
            existing,
            new,
            policy_type,
            common,
        } => cli::no_new_access(&existing, &new, &policy_type, &common.common()),
        PolicyCommand::CheckAccessNotGranted {
            policy_type,
            actions,
            resources,
            policy,
            common,
        } => cli::access_not_granted(
            &policy,
            &policy_type,
            &actions,
            &resources,
            &common.common(),
        ),
        PolicyCommand::CheckNoPublicAccess {
            resource_type,
            policy,
            common,
        } => cli::no_public_access(&policy, &resource_type, &common.common()),
        PolicyCommand::CheckNoExternalAccess {
            policy_type,
            zone,
            org_id,
            org_accounts,
            policy,
            common,
        } => {
            let zone = match (zone.as_str(), org_id) {
                ("organization", Some(id)) => Zone::Organization {
                    id,
                    accounts: org_accounts,
                },
                _ => Zone::Account,
            };
            cli::no_external_access(&policy, &policy_type, &zone, &common.common())
        }
        PolicyCommand::Implies {
            policy_type,
            a,
            b,
            common,
        } => cli::compare(&a, &b, &policy_type, false, &common.common()),
        PolicyCommand::Equivalent {
            policy_type,
            a,
            b,
            common,
        } => cli::compare(&a, &b, &policy_type, true, &common.common()),
        PolicyCommand::WhoCan {
            action,
            resource,
            endpoint,
            state,
            format,
        } => {
            use keyhole::who_can::cli::{run, Source};
            let source = match (&state, &endpoint) {
                (Some(file), _) => Source::State(file),
                (None, Some(url)) => Source::Endpoint(url),
                (None, None) => Source::Endpoint("http://127.0.0.1:4566"),
            };
            let printed = run(&action, &resource, source, format);
            print!("{}", printed.text);
            return exit_code(printed.status);
        }
    };
    print!("{}", printed.text);
    exit_code(printed.status)
}

fn scenario(args: ScenarioArgs) -> ExitCode {
    use keyhole::scenario::cli;
    let printed = match args.command {
        ScenarioCommand::List => cli::list(&args.dir, args.format),
        ScenarioCommand::Show { name } => cli::show(&args.dir, &name),
        ScenarioCommand::Run { names, all } => {
            if names.is_empty() && !all {
                eprintln!("keyhole: name the scenarios to run, or --all");
                return ExitCode::from(2);
            }
            cli::run(&args.dir, &names, args.format)
        }
        ScenarioCommand::Script { name } => cli::script(&args.dir, &name),
        ScenarioCommand::New { name } => cli::new(&args.dir, &name),
    };
    print!("{}", printed.text);
    exit_code(printed.status)
}

fn lab(args: LabArgs) -> ExitCode {
    use keyhole::lab::cli::{self, Remote, StartOptions};
    use keyhole::lab::Lang;
    let env = |name: &str| std::env::var(name).ok();
    let remote = match args.command {
        LabCommand::List => {
            let printed = cli::list(&args.dir, Lang::choose(args.lang, env));
            print!("{}", printed.text);
            return exit_code(printed.status);
        }
        LabCommand::Start { name, port } => {
            let options = StartOptions {
                scenarios: args.dir,
                name,
                lab_dir: args.lab_dir,
                lang: Lang::choose(args.lang, env),
                port,
            };
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(error) => {
                    eprintln!("keyhole: cannot start the runtime: {error}");
                    return ExitCode::FAILURE;
                }
            };
            return match runtime.block_on(cli::start(
                options,
                |intro| print!("{intro}"),
                shutdown_signal(),
            )) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("keyhole: {error}");
                    ExitCode::from(2)
                }
            };
        }
        LabCommand::Status => Remote::Status,
        LabCommand::Hint => Remote::Hint,
        LabCommand::Check => Remote::Check,
        LabCommand::Solution => Remote::Solution,
        LabCommand::Reset => Remote::Reset,
    };
    // A running lab answers in its own language unless the learner asks for another.
    let lang = args
        .lang
        .or_else(|| env("KEYHOLE_LANG").and_then(|v| Lang::from_locale(&v)));
    let printed = cli::remote(remote, &args.lab_dir, args.endpoint.as_deref(), lang);
    print!("{}", printed.text);
    exit_code(printed.status)
}

fn health(port: u16) -> ExitCode {
    use std::io::{Read, Write};
    let answered = (|| -> std::io::Result<bool> {
        let timeout = Some(std::time::Duration::from_secs(3));
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(timeout)?;
        stream.write_all(
            b"GET /_keyhole/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.ends_with(b" 200"))
    })();
    match answered {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("keyhole: 127.0.0.1:{port} answered GET /_keyhole/health, not with 200");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("keyhole: no keyhole answers on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn serve(args: ServeArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEYHOLE_LOG")
                // Init hooks' output and failures show without KEYHOLE_LOG.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(format!(
                        "warn,{}=info",
                        keyhole::init_hooks::LOG_TARGET
                    ))
                }),
        )
        .with_writer(std::io::stderr)
        .init();
    if !keyhole::world::is_account_id(&args.default_account) {
        eprintln!(
            "keyhole: --default-account must be 12 digits, got {:?}",
            args.default_account
        );
        return ExitCode::from(2);
    }
    let (instance, hooks) = match instance_of(&args) {
        Ok(parts) => parts,
        Err(error) => {
            eprintln!("keyhole: {error}");
            return ExitCode::from(2);
        }
    };
    // Before the port is bound: a state dir that cannot be used serves nothing.
    let loaded = match &args.state_dir {
        Some(dir) => match open_state(&instance, dir) {
            Ok(loaded) => loaded,
            Err(message) => {
                eprintln!("keyhole: {message}");
                return ExitCode::from(2);
            }
        },
        None => false,
    };
    // Every seed is checked and applied before the port is bound: a bad file never leaves
    // a half-seeded keyhole answering. A world loaded from the state dir is not seeded again.
    if !args.seeds.is_empty() && !loaded {
        let now = instance.clock.now();
        let mut world = instance.world();
        if let Err(e) = keyhole::seed::apply_seed_files(&mut world, &args.seeds, now) {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        if let Some(store) = instance.store.get() {
            if let Err(message) = store.save_all(&mut world, instance.clock.offset_seconds()) {
                eprintln!("keyhole: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = args.workers {
        builder.worker_threads(usize::from(workers));
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("keyhole: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::bind((args.host.as_str(), args.port)).await {
            Ok(l) => l,
            Err(error) => {
                eprintln!(
                    "keyhole: cannot listen on {}:{}: {error}",
                    args.host, args.port
                );
                return ExitCode::FAILURE;
            }
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(error) => {
                eprintln!("keyhole: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("keyhole listening on http://{addr}");
        if let Some(hooks) = hooks {
            keyhole::init_hooks::start(instance.clone(), hooks, addr);
        }
        let limits = keyhole::server::Limits {
            max_connections: keyhole::server::connection_cap(args.max_connections.max(1)),
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
            ..keyhole::server::Limits::default()
        };
        keyhole::server::run_with(listener, instance.clone(), limits, shutdown_signal()).await;
        // A graceful stop also saves what was not worth a write of its own (last-use times).
        if let Some(store) = instance.store.get() {
            let mut world = instance.world();
            if let Err(message) = store.save_all(&mut world, instance.clock.offset_seconds()) {
                eprintln!("keyhole: {message}");
                return ExitCode::FAILURE;
            }
        }
        ExitCode::SUCCESS
    })
}

/// Opens the state dir, loads the world it holds (the flags' settings win over the stored
/// ones: they are this run's configuration) and saves it whole, as the file's new baseline.
/// `Ok(true)` when it held a world.
fn open_state(instance: &Instance, dir: &std::path::Path) -> Result<bool, String> {
    let opened = keyhole::persist::Store::open(dir).map_err(|e| e.to_string())?;
    let store = opened.store;
    let mut world = instance.world();
    let loaded = opened.world.is_some();
    match opened.world {
        Some(mut loaded) => {
            loaded.settings = world.settings.clone();
            keyhole::services::registry::schedule_all(&mut loaded);
            *world = loaded;
            instance.clock.advance(opened.clock_offset_seconds);
            // The rule for --seed files: a state dir that holds a world is not seeded again.
            eprintln!(
                "keyhole loaded its world from {} ({} accounts); seed files are not applied \
                 to a loaded world",
                store.file().display(),
                world.accounts.len()
            );
        }
        None => eprintln!("keyhole keeps its world in {}", store.file().display()),
    }
    store.save_all(&mut world, instance.clock.offset_seconds())?;
    drop(world);
    let _ = instance.store.set(Arc::new(store));
    Ok(loaded)
}

/// The emulator `args` describe, with its init hooks; an unreadable init folder or decision
/// log file is an error before anything listens.
fn instance_of(args: &ServeArgs) -> Result<(Arc<Instance>, Option<Arc<InitHooks>>), String> {
    let settings = Settings {
        default_account: args.default_account.clone(),
        default_region: args.default_region.clone(),
        strict_auth: args.strict_auth,
        // clap accepts only the names `from_name` knows.
        deny_message_style: DenyMessageStyle::from_name(&args.deny_message_style)
            .unwrap_or_default(),
    };
    let mut instance = Instance::new(settings);
    let file = match &args.decision_log {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("--decision-log {}: {e}", path.display()))?,
        ),
        None => None,
    };
    instance.decisions = DecisionLog::new(args.decisions_kept, file);
    let hooks = match &args.init_dir {
        Some(dir) => Some(Arc::new(InitHooks::discover(
            dir,
            Duration::from_secs(args.init_timeout),
        )?)),
        None => None,
    };
    Ok((Arc::new(instance), hooks))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

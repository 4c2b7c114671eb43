//! Init hooks: `keyhole serve --init-dir DIR` runs the executable files of DIR, one at a
//! time in byte order of their names, once the server answers, with the AWS CLI's
//! environment pointed at it. Their output goes to the log line by line; each hook's outcome
//! shows in `GET /_keyhole/health` under `init`.
//!
//! A failing hook does not stop the others: LocalStack, whose `ready.d` users know, does the
//! same ("If an init script fails, the remaining scripts will still be executed in order",
//! docs.localstack.cloud/references/init-hooks, "Execution Order and Script Failures").

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

use crate::instance::{AdminExtension, Instance};
use crate::protocol::{HttpRequest, HttpResponse};

/// The log target of hook output and outcomes: `keyhole serve` shows it at `info` without
/// `KEYHOLE_LOG`, so a user sees what the hooks printed and why one failed.
pub const LOG_TARGET: &str = "keyhole::init";

/// The secret hooks sign with: keyhole does not check a 12-digit access key's secret, in
/// strict mode either, so any value works; this one says where it comes from.
const SECRET: &str = "keyhole-init-hook";

/// How long hooks wait for the server to answer its health check before giving up.
const READY_WAIT: Duration = Duration::from_secs(30);

/// How long a finished hook's output is still read: a background process the hook started
/// may hold its pipes open for ever.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// One file of the init folder.
#[derive(Debug, Clone)]
struct Hook {
    name: String,
    path: PathBuf,
    /// Why it does not run, when it does not.
    skip: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Running,
    Ok,
    Failed,
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
struct Outcome {
    name: String,
    status: Status,
    exit_code: Option<i32>,
    duration_ms: Option<u64>,
    reason: Option<String>,
}

/// The hooks of one `keyhole serve` and how far they got: the `init` member of
/// `GET /_keyhole/health`.
#[derive(Debug)]
pub struct InitHooks {
    dir: PathBuf,
    timeout: Duration,
    hooks: Vec<Hook>,
    outcomes: Mutex<(bool, Vec<Outcome>)>,
}

impl InitHooks {
    /// The hooks of `dir`, in the order they will run. A folder that cannot be read is an
    /// error: a misspelt `--init-dir` would otherwise run nothing without a word.
    pub fn discover(dir: &Path, timeout: Duration) -> Result<InitHooks, String> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("--init-dir {}: cannot read the folder: {e}", dir.display()))?;
        let mut names: Vec<OsString> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            // Dotfiles (`.gitkeep`, an editor's swap file) are not hooks, as for run-parts.
            .filter(|n| !n.as_bytes().starts_with(b"."))
            .collect();
        // Byte order of the names, whatever the locale: `10-a` before `9-b`, `B` before `a`.
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let hooks = names
            .into_iter()
            .map(|name| {
                let path = dir.join(&name);
                Hook {
                    name: name.to_string_lossy().into_owned(),
                    skip: why_not_run(&path),
                    path,
                }
            })
            .collect::<Vec<_>>();
        let outcomes = hooks
            .iter()
            .map(|h| Outcome {
                name: h.name.clone(),
                status: Status::Pending,
                exit_code: None,
                duration_ms: None,
                reason: None,
            })
            .collect();
        Ok(InitHooks {
            dir: dir.to_owned(),
            timeout,
            hooks,
            outcomes: Mutex::new((false, outcomes)),
        })
    }

    /// Runs every hook against the server at `addr` (once it answers), then returns.
    pub async fn run(&self, instance: &Instance, addr: SocketAddr) {
        let endpoint = endpoint_url(addr);
        if let Err(reason) = wait_until_answering(addr).await {
            tracing::warn!(target: LOG_TARGET, "init hooks not run: {reason}");
            for index in 0..self.hooks.len() {
                self.set(index, Status::Failed, None, None, Some(reason.clone()));
            }
            self.finish();
            return;
        }
        let env = HookEnv::of(instance, &endpoint);
        tracing::info!(
            target: LOG_TARGET,
            "running {} init hook(s) from {} against {endpoint}",
            self.hooks.len(),
            self.dir.display()
        );
        for (index, hook) in self.hooks.iter().enumerate() {
            if let Some(reason) = &hook.skip {
                tracing::warn!(target: LOG_TARGET, "init hook {} skipped: {reason}", hook.name);
                self.set(index, Status::Skipped, None, None, Some(reason.clone()));
                continue;
            }
            self.set(index, Status::Running, None, None, None);
            tracing::info!(target: LOG_TARGET, "init hook {} started", hook.name);
            let started = Instant::now();
            let result = run_one(hook, &env, self.timeout).await;
            let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match result {
                Ok(()) => {
                    tracing::info!(
                        target: LOG_TARGET,
                        "init hook {} succeeded in {} ms",
                        hook.name,
                        ms
                    );
                    self.set(index, Status::Ok, Some(0), Some(ms), None);
                }
                Err((code, reason)) => {
                    tracing::warn!(
                        target: LOG_TARGET,
                        "init hook {} failed after {} ms: {reason}; the hooks after it still run",
                        hook.name,
                        ms
                    );
                    self.set(index, Status::Failed, code, Some(ms), Some(reason));
                }
            }
        }
        self.finish();
        let (_, outcomes) = &*self.lock();
        let count = |s: Status| outcomes.iter().filter(|o| o.status == s).count();
        tracing::info!(
            target: LOG_TARGET,
            "init hooks done: {} ok, {} failed, {} skipped",
            count(Status::Ok),
            count(Status::Failed),
            count(Status::Skipped)
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (bool, Vec<Outcome>)> {
        self.outcomes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(
        &self,
        index: usize,
        status: Status,
        exit_code: Option<i32>,
        duration_ms: Option<u64>,
        reason: Option<String>,
    ) {
        if let Some(outcome) = self.lock().1.get_mut(index) {
            outcome.status = status;
            outcome.exit_code = exit_code;
            outcome.duration_ms = duration_ms;
            outcome.reason = reason;
        }
    }

    fn finish(&self) {
        self.lock().0 = true;
    }

    /// `{"state": "running|done|failed", "hooks": [...]}`: `failed` once every hook has had
    /// its turn and one failed; `done` when none did.
    pub fn status_json(&self) -> Value {
        let (finished, outcomes) = &*self.lock();
        let state = if !finished {
            "running"
        } else if outcomes.iter().any(|o| o.status == Status::Failed) {
            "failed"
        } else {
            "done"
        };
        let hooks: Vec<Value> = outcomes
            .iter()
            .map(|o| {
                let mut hook = json!({
                    "name": o.name,
                    "status": o.status.as_str(),
                    "exitCode": o.exit_code,
                    "durationMs": o.duration_ms,
                });
                if let Some(reason) = &o.reason {
                    hook["reason"] = json!(reason);
                }
                hook
            })
            .collect();
        json!({"state": state, "dir": self.dir.display().to_string(), "hooks": hooks})
    }
}

/// The hooks' health member; they add no endpoint.
impl AdminExtension for InitHooks {
    fn handle(&self, _: &Instance, _: &HttpRequest) -> Option<HttpResponse> {
        None
    }

    fn health(&self) -> (&'static str, Value) {
        ("init", self.status_json())
    }
}

/// Why `path` is not run, or `None` when it is an executable file.
fn why_not_run(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Err(e) => Some(format!("cannot be read: {e}")),
        Ok(m) if m.is_dir() => {
            Some("a folder, not a file (hooks in subfolders are not run)".into())
        }
        Ok(m) if m.permissions().mode() & 0o111 == 0 => Some(format!(
            "not executable; `chmod +x {}` to run it",
            path.display()
        )),
        Ok(_) => None,
    }
}

/// The URL hooks reach the server at: a wildcard listen address (`0.0.0.0`, the image's)
/// is reached on loopback.
fn endpoint_url(addr: SocketAddr) -> String {
    format!("http://{}", reachable(addr))
}

fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// What every hook's environment adds: the endpoint, and the default account's root as
/// keyhole's convention has it (a 12-digit access key id, accepted under `--strict-auth` too).
struct HookEnv {
    vars: Vec<(&'static str, String)>,
}

impl HookEnv {
    fn of(instance: &Instance, endpoint: &str) -> HookEnv {
        let (account, region) = {
            let world = instance.world();
            (
                world.settings.default_account.clone(),
                world.settings.default_region.clone(),
            )
        };
        HookEnv {
            vars: vec![
                ("AWS_ENDPOINT_URL", endpoint.to_owned()),
                ("KEYHOLE_ENDPOINT", endpoint.to_owned()),
                ("AWS_ACCESS_KEY_ID", account),
                ("AWS_SECRET_ACCESS_KEY", SECRET.to_owned()),
                ("AWS_DEFAULT_REGION", region.clone()),
                ("AWS_REGION", region),
            ],
        }
    }
}

/// Waits until `GET /_keyhole/health` answers 200 at `addr`.
async fn wait_until_answering(addr: SocketAddr) -> Result<(), String> {
    let target = reachable(addr);
    let deadline = Instant::now() + READY_WAIT;
    loop {
        if health_answers(target).await {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "keyhole did not answer GET /_keyhole/health at {target} within {} s",
                READY_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn health_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return false;
    };
    let request =
        format!("GET /_keyhole/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.is_ok() && head.ends_with(b" 200")
}

/// Runs one hook to its end, its output logged; `Err((exit code, reason))` when it failed.
async fn run_one(
    hook: &Hook,
    env: &HookEnv,
    timeout: Duration,
) -> Result<(), (Option<i32>, String)> {
    let mut command = Command::new(&hook.path);
    command
        .envs(env.vars.iter().map(|(k, v)| (*k, v.as_str())))
        // A session token left in keyhole's own environment would be sent with the root's key.
        .env_remove("AWS_SESSION_TOKEN")
        .current_dir(hook.path.parent().unwrap_or(Path::new(".")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills what the hook started too.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        (
            None,
            format!("cannot be started: {e} (does it start with a `#!` line?)"),
        )
    })?;
    let readers = [
        child
            .stdout
            .take()
            .map(|out| log_lines(hook.name.clone(), "stdout", out)),
        child
            .stderr
            .take()
            .map(|err| log_lines(hook.name.clone(), "stderr", err)),
    ];
    let waited = tokio::time::timeout(timeout, child.wait()).await;
    let status = match waited {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(e)) => Err(format!("could not be waited for: {e}")),
        Err(_) => {
            kill_group(&child);
            let _ = child.kill().await;
            Err(format!(
                "still running after {} s (--init-timeout), killed",
                timeout.as_secs()
            ))
        }
    };
    for reader in readers.into_iter().flatten() {
        let _ = tokio::time::timeout(OUTPUT_GRACE, reader).await;
    }
    match status {
        Ok(status) => verdict(status),
        Err(reason) => Err((None, reason)),
    }
}

fn verdict(status: ExitStatus) -> Result<(), (Option<i32>, String)> {
    match (status.code(), status.signal()) {
        (Some(0), _) => Ok(()),
        (Some(code), _) => Err((Some(code), format!("exited with status {code}"))),
        (None, Some(signal)) => Err((None, format!("killed by signal {signal}"))),
        (None, None) => Err((None, format!("ended with {status}"))),
    }
}

fn kill_group(child: &tokio::process::Child) {
    let Some(pid) = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
}

/// Logs each line `stream` gives, with the hook's name, until it ends.
fn log_lines(
    name: String,
    stream: &'static str,
    pipe: impl AsyncRead + Unpin + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(target: LOG_TARGET, "init hook {name} {stream}: {line}");
        }
    })
}

/// Starts the hooks of `hooks` against the server at `addr`, in the background: requests are
/// served meanwhile. Their state shows in `GET /_keyhole/health`.
pub fn start(instance: Arc<Instance>, hooks: Arc<InitHooks>, addr: SocketAddr) {
    let _ = instance.extension.set(hooks.clone());
    tokio::spawn(async move { hooks.run(&instance, addr).await });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_is_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:4566".parse().unwrap();
        assert_eq!(endpoint_url(any), "http://127.0.0.1:4566");
        let any6: SocketAddr = "[::]:4566".parse().unwrap();
        assert_eq!(endpoint_url(any6), "http://[::1]:4566");
        let one: SocketAddr = "10.0.0.7:80".parse().unwrap();
        assert_eq!(endpoint_url(one), "http://10.0.0.7:80");
    }
}

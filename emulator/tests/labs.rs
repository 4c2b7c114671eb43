//! Training labs: every scenario is a lab with texts in five languages; each lab starts
//! broken, is solved by its own least-privilege fix, refuses an over-broad one, and keeps
//! the learner's world and progress across a restart of the lab server (in process and
//! through the `keyhole lab` binary).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyhole::instance::Instance;
use keyhole::lab::{command, load_texts, verdict, Lab, Lang};
use keyhole::scenario::library;
use keyhole::scenario::run::apply_fix;
use keyhole::scenario::transport::{Credentials, InProcess, Transport};
use keyhole::world::Settings;
use serde_json::json;

const LAB: &str = "key-policy-missing-destination-account";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenarios() -> PathBuf {
    repo().join("scenarios")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyhole-lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(name: &str, dir: &Path, lang: Lang) -> (Lab, Arc<Instance>, bool) {
    let instance = Arc::new(Instance::new(Settings::default()));
    let (lab, resumed) = Lab::open(
        &scenarios(),
        name,
        dir,
        lang,
        &instance,
        "http://127.0.0.1:1",
    )
    .unwrap();
    (lab, instance, resumed)
}

fn put_key_policy(instance: &Arc<Instance>, lab: &Lab, policy: &str) {
    let key = lab.progress().bindings.captures["sourceKey"].clone();
    InProcess::over(instance.clone())
        .call(
            &Credentials::root("111111111111"),
            "us-east-1",
            "kms",
            "PutKeyPolicy",
            json!({"KeyId": key, "PolicyName": "default", "Policy": policy}),
        )
        .unwrap();
}

#[test]
fn every_scenario_is_a_lab_in_five_languages() {
    let all = library(&scenarios()).unwrap();
    assert!(all.len() >= 28, "{} scenarios", all.len());
    for scenario in &all {
        let texts = load_texts(scenario).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(texts.len(), 5, "{}", scenario.name);
        for lang in [Lang::Ja, Lang::Zh, Lang::Ko, Lang::Fr] {
            assert_ne!(
                texts[&lang].title,
                texts[&Lang::En].title,
                "{} {lang} is not translated",
                scenario.name
            );
            assert_eq!(
                texts[&lang].hints.len(),
                texts[&Lang::En].hints.len(),
                "{} {lang}",
                scenario.name
            );
        }
    }
}

#[test]
fn every_lab_starts_broken_and_its_own_solution_solves_it() {
    let dir = scratch("all");
    for scenario in library(&scenarios()).unwrap() {
        let (lab, instance, _) = open(&scenario.name, &dir, Lang::En);
        let before = verdict::check(&lab, &instance, Lang::En).unwrap();
        // A baseline, or a scenario whose point is that both forms work, passes at once.
        let s = &scenario.scenario;
        let passes_at_once =
            serde_json::to_value(&s.broken).unwrap() == serde_json::to_value(&s.fixed).unwrap();
        assert_eq!(
            before.verdict,
            if passes_at_once { "solved" } else { "failing" },
            "{}",
            scenario.name
        );
        let bindings = lab.progress().bindings.clone();
        apply_fix(
            &lab.scenario,
            &mut InProcess::over(instance.clone()),
            bindings,
        )
        .unwrap();
        let after = verdict::check(&lab, &instance, Lang::En).unwrap();
        assert_eq!(after.verdict, "solved", "{}: {:?}", scenario.name, after);
        assert_eq!(lab.progress().checks, 2);
        assert!(lab.progress().solved);
        for c in verdict::solution(&lab, Lang::En).unwrap().commands {
            // `name=$(aws ...)` keeps an answer for the next command.
            let c = match c.split_once("=$(") {
                Some((_, inner)) => inner.strip_suffix(')').unwrap().to_owned(),
                None => c,
            };
            if c.starts_with("aws ") {
                command::parse(&c).unwrap_or_else(|e| panic!("{}: {c}: {e}", scenario.name));
            } else {
                assert!(
                    c.starts_with("curl -s -X POST \"$AWS_ENDPOINT_URL/_keyhole/"),
                    "{c}"
                );
            }
        }
    }
}

#[test]
fn an_over_broad_fix_does_not_count_and_progress_survives_a_restart() {
    let dir = scratch("broad");
    let (lab, instance, resumed) = open(LAB, &dir, Lang::En);
    assert!(!resumed);
    let failing = verdict::check(&lab, &instance, Lang::En).unwrap();
    assert_eq!(failing.verdict, "failing");
    assert_eq!(
        failing.summary,
        r#"Not yet: the check still fails. Expected {"CopyJob.State":"COMPLETED"}, got {"CopyJob.State":"FAILED"}."#
    );
    // kms:* for the destination account: the copy works, but too much is granted.
    let wide = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root",
            "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"]},
        "Action": "kms:*", "Resource": "*"}]});
    put_key_policy(&instance, &lab, &wide.to_string());
    let broad = verdict::check(&lab, &instance, Lang::En).unwrap();
    assert_eq!(broad.verdict, "too-broad");
    assert!(broad.answer.matched, "the copy itself works");
    let key = lab.progress().bindings.captures["sourceKey"].clone();
    let expected: Vec<String> = ["kms:GenerateMac", "kms:GetKeyRotationStatus", "kms:GetPublicKey", "kms:Sign"]
        .iter()
        .map(|a| format!("arn:aws:iam::222222222222:root may now call {a} on {key}, which no backup copy needs: grant the other account only the actions the copy uses."))
        .collect();
    assert_eq!(broad.findings, expected);
    // Principal "*": anyone outside may use the key.
    put_key_policy(&instance, &lab, &wide.to_string().replace(r#"{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root","arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"]}"#, r#""*""#));
    let public = verdict::check(&lab, &instance, Lang::Ja).unwrap();
    assert_eq!(public.verdict, "too-broad");
    assert!(public.findings.contains(&format!("このラボの外のアカウント arn:aws:iam::999999999999:root が、{key} に対して kms:Decrypt を実行できるようになっています。")), "{:?}", public.findings);
    let least = std::fs::read_to_string(
        scenarios()
            .join(LAB)
            .join("policies/shared-key-policy.json"),
    )
    .unwrap();
    put_key_policy(&instance, &lab, &least);
    let solved = verdict::check(&lab, &instance, Lang::Fr).unwrap();
    assert_eq!(solved.verdict, "solved");
    assert_eq!(solved.summary, "Résolu : la vérification répond maintenant comme prévu, et votre correction n'accorde rien de plus que nécessaire.");
    assert_eq!(lab.progress().checks, 4);
    drop(lab);

    // A new server process on the same folder: the learner's world and progress are back.
    let (lab, instance, resumed) = open(LAB, &dir, Lang::Ko);
    assert!(resumed);
    let progress = lab.progress().clone();
    assert_eq!(
        (progress.checks, progress.solved, progress.language),
        (4, true, Lang::Ko)
    );
    assert_eq!(
        verdict::check(&lab, &instance, Lang::En).unwrap().verdict,
        "solved"
    );
    lab.reset(&instance).unwrap();
    let progress = lab.progress().clone();
    assert_eq!((progress.checks, progress.solved), (0, false));
    assert_eq!(
        verdict::check(&lab, &instance, Lang::En).unwrap().verdict,
        "failing"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn keyhole(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyhole"));
    c.arg("lab")
        .args(args)
        .arg("--dir")
        .arg(scenarios())
        .arg("--lab-dir")
        .arg(dir)
        .env_remove("KEYHOLE_LANG")
        .env("LANG", "C.UTF-8");
    c
}

/// Starts the lab server and waits until it has written its endpoint.
fn start(dir: &Path, lang: &str) -> (Server, String) {
    let _ = std::fs::remove_file(dir.join("endpoint"));
    let child = keyhole(dir, &["start", LAB, "--port", "0", "--lang", lang])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join("endpoint").exists() {
        assert!(Instant::now() < deadline, "the lab server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        server,
        std::fs::read_to_string(dir.join("endpoint")).unwrap(),
    )
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = keyhole(dir, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_lab_command_serves_hints_checks_and_resumes_after_kill() {
    let dir = scratch("binary");
    let (mut server, endpoint) = start(&dir, "ja");
    let (status, hint) = run(&dir, &["hint"]);
    assert_eq!(status, 0);
    assert!(hint.starts_with("ヒント 1/3:\n"), "{hint}");
    let (status, check) = run(&dir, &["check"]);
    assert_eq!(status, 1);
    assert_eq!(check, "まだ解決していません。チェックは引き続き失敗します。期待値 {\"CopyJob.State\":\"COMPLETED\"}、実際 {\"CopyJob.State\":\"FAILED\"}。\n");
    // An explicit language wins over the lab's.
    let (_, status_en) = run(&dir, &["status", "--lang", "en"]);
    assert_eq!(
        status_en,
        format!("Lab {LAB} (ja) at {endpoint}: 1 of 3 hints shown, 1 checks, not solved yet.\n")
    );
    // kill -9: progress was written when each answer was given.
    server.0.kill().unwrap();
    let _ = server.0.wait();
    let (mut server, endpoint) = start(&dir, "ja");
    let mut intro = String::new();
    let stdout = server.0.stdout.as_mut().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !intro.contains("## 課題") && Instant::now() < deadline {
        let mut buf = [0u8; 4096];
        let n = std::io::Read::read(stdout, &mut buf).unwrap();
        intro.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(intro.contains("再開しました。"), "{intro}");
    assert!(
        intro.contains(&format!("export AWS_ENDPOINT_URL={endpoint}")),
        "{intro}"
    );
    let (_, status_ja) = run(&dir, &["status"]);
    assert_eq!(
        status_ja,
        format!("ラボ {LAB} (ja、{endpoint}): ヒント 1/3 表示済み、チェック 1 回、未解決。\n")
    );
    drop(server);
    let (status, none) = run(
        &dir,
        &["status", "--endpoint", "http://127.0.0.1:9", "--lang", "en"],
    );
    assert_eq!(status, 2);
    assert!(
        none.starts_with("No lab is running at http://127.0.0.1:9 ("),
        "{none}"
    );
}

#[test]
fn a_vault_policy_opened_to_everyone_does_not_count() {
    let dir = scratch("vault");
    let (lab, instance, _) = open("vault-policy-missing-copy-into", &dir, Lang::En);
    let policy = |principal: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
            "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]})
        .to_string()
    };
    let put = |policy: String| {
        InProcess::over(instance.clone())
            .call(
                &Credentials::root("222222222222"),
                "us-east-1",
                "backup",
                "PutBackupVaultAccessPolicy",
                json!({"BackupVaultName": "destination-vault", "Policy": policy}),
            )
            .unwrap();
    };
    put(policy("*"));
    let open_to_all = verdict::check(&lab, &instance, Lang::En).unwrap();
    assert_eq!(open_to_all.verdict, "too-broad");
    let vault = lab.progress().bindings.captures["destinationVault"].clone();
    assert_eq!(
        open_to_all.findings,
        [format!("arn:aws:iam::999999999999:root, an account outside this lab, may now call backup:CopyIntoBackupVault on {vault}.")]
    );
    put(policy("arn:aws:iam::111111111111:root").replace(
        r#""arn:aws:iam::111111111111:root""#,
        r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
    ));
    assert_eq!(
        verdict::check(&lab, &instance, Lang::En).unwrap().verdict,
        "solved"
    );
}

#[test]
fn a_copy_role_allowed_everything_does_not_count() {
    let dir = scratch("role");
    let (lab, instance, _) = open("copy-role-without-permissions", &dir, Lang::En);
    InProcess::over(instance.clone())
        .call(
            &Credentials::root("111111111111"),
            "us-east-1",
            "iam",
            "AttachRolePolicy",
            json!({"RoleName": "BackupRole", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        )
        .unwrap();
    let admin = verdict::check(&lab, &instance, Lang::En).unwrap();
    assert_eq!(admin.verdict, "too-broad", "{admin:?}");
    assert!(
        admin.findings.contains(&"arn:aws:iam::111111111111:role/BackupRole may now call iam:CreateUser on every resource.".to_owned()),
        "{:?}",
        admin.findings
    );
}

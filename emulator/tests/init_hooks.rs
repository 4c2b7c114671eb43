//! `keyhole serve --init-dir`: hooks run in name order once keyhole answers, with its
//! endpoint and credentials, their outcomes in `GET /_keyhole/health`; through the binary.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;

/// A fresh folder for one test's hooks and what they write.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyhole-init-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ready.d")).expect("scratch folder");
    dir
}

fn hook(dir: &Path, name: &str, script: &str, executable: bool) {
    let path = dir.join("ready.d").join(name);
    std::fs::write(&path, script).expect("hook written");
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> Served {
    let (child, addr) = support::spawn_serving(
        Command::new(env!("CARGO_BIN_EXE_keyhole"))
            .args(["serve", "--port", "0", "--default-account", "123456789012"])
            .arg("--init-dir")
            .arg(dir.join("ready.d"))
            .args(extra)
            .env_remove("KEYHOLE_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr file")),
    );
    Served { child, addr }
}

/// `init` of the health answer once the hooks are through (30 s at most).
fn init_when_finished(served: &Served) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let init = support::get_json(&served.addr, "/_keyhole/health")["init"].clone();
        if init["state"] != "running" || Instant::now() > deadline {
            return init;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The hooks without their durations, which vary.
fn without_durations(init: &Value) -> Value {
    let mut init = init.clone();
    for hook in init["hooks"].as_array_mut().expect("hooks") {
        assert!(
            hook["durationMs"].is_u64() || hook["status"] == "skipped",
            "{hook}"
        );
        hook.as_object_mut().expect("hook").remove("durationMs");
    }
    init
}

#[test]
fn hooks_run_in_name_order_with_the_endpoint_and_a_failure_is_reported() {
    let dir = scratch("order");
    let out = dir.join("out");
    let log = format!(
        "#!/bin/sh\necho \"$0 $AWS_ENDPOINT_URL $KEYHOLE_ENDPOINT $AWS_ACCESS_KEY_ID $AWS_DEFAULT_REGION $AWS_REGION\" >> {}\n",
        out.display()
    );
    hook(&dir, "20-second.sh", &log, true);
    hook(&dir, "10-first.sh", &log, true);
    hook(
        &dir,
        "15-fails.sh",
        "#!/bin/sh\necho going wrong >&2\nexit 3\n",
        true,
    );
    hook(&dir, "12-notes.txt", "not a hook\n", false);
    hook(&dir, "9-last-by-bytes.sh", &log, true);
    let served = serve(&dir, &[]);
    let init = init_when_finished(&served);
    let ready = dir.join("ready.d").display().to_string();
    assert_eq!(
        without_durations(&init),
        json!({"state": "failed", "dir": ready, "hooks": [
            {"name": "10-first.sh", "status": "ok", "exitCode": 0},
            {"name": "12-notes.txt", "status": "skipped", "exitCode": null,
             "reason": format!("not executable; `chmod +x {ready}/12-notes.txt` to run it")},
            {"name": "15-fails.sh", "status": "failed", "exitCode": 3, "reason": "exited with status 3"},
            {"name": "20-second.sh", "status": "ok", "exitCode": 0},
            {"name": "9-last-by-bytes.sh", "status": "ok", "exitCode": 0},
        ]})
    );
    let url = format!("http://{}", served.addr);
    let env = format!("{url} {url} 123456789012 us-east-1 us-east-1");
    assert_eq!(
        std::fs::read_to_string(&out).expect("hooks wrote"),
        format!("{ready}/10-first.sh {env}\n{ready}/20-second.sh {env}\n{ready}/9-last-by-bytes.sh {env}\n")
    );
    drop(served);
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    for expected in [
        "init hook 15-fails.sh stderr: going wrong",
        "init hook 15-fails.sh failed after ",
        "exited with status 3; the hooks after it still run",
        &format!("init hook 12-notes.txt skipped: not executable; `chmod +x {ready}/12-notes.txt` to run it"),
        "init hooks done: 3 ok, 1 failed, 1 skipped",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
}

#[test]
fn a_hook_that_hangs_is_killed_after_the_timeout() {
    let dir = scratch("timeout");
    hook(&dir, "10-hangs.sh", "#!/bin/sh\nsleep 60\n", true);
    let served = serve(&dir, &["--init-timeout", "1"]);
    let init = init_when_finished(&served);
    assert_eq!(
        without_durations(&init)["hooks"],
        json!([{"name": "10-hangs.sh", "status": "failed", "exitCode": null,
                "reason": "still running after 1 s (--init-timeout), killed"}])
    );
}

#[test]
fn a_missing_init_folder_is_refused_before_listening() {
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0", "--init-dir", "/nonexistent/ready.d"])
        .output()
        .expect("keyhole runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "keyhole: --init-dir /nonexistent/ready.d: cannot read the folder: No such file or directory (os error 2)\n"
    );
}

#[test]
fn a_hook_creates_a_kms_key_with_the_aws_cli() {
    let cli = std::env::var("KEYHOLE_AWS_CLI").unwrap_or_else(|_| "aws".into());
    if Command::new(&cli).arg("--version").output().is_err() {
        eprintln!("SKIPPED: no AWS CLI (KEYHOLE_AWS_CLI, set by tools/test, or `aws` on PATH)");
        return;
    }
    let dir = scratch("kms");
    hook(
        &dir,
        "10-key.sh",
        &format!(
            "#!/bin/sh\nset -e\nid=$({cli} kms create-key --description from-a-hook --query KeyMetadata.KeyId --output text)\n{cli} kms create-alias --alias-name alias/from-hook --target-key-id \"$id\"\necho created $id\n"
        ),
        true,
    );
    let served = serve(&dir, &["--strict-auth"]);
    let init = init_when_finished(&served);
    assert_eq!(init["state"], "done", "{init}");
    let state = support::get_json(&served.addr, "/_keyhole/state");
    let account = &state["accounts"]["123456789012"];
    let text = account.to_string();
    assert!(
        text.contains("alias/from-hook") && text.contains("\"from-a-hook\""),
        "{account:#}"
    );
}

//! A lab solved with the AWS CLI by following only what keyhole prints: the `export` lines
//! and commands of `keyhole lab start --lang ja`, then the commands of `keyhole lab
//! solution`, then `keyhole lab check`. Nothing else is typed.

use std::path::{Path, PathBuf};
use std::process::Command;

use keyhole::lab::cli::{self, Remote, StartOptions};
use keyhole::lab::Lang;

use crate::common;

const LAB: &str = "key-policy-missing-destination-account";

/// The command lines of what keyhole printed: indented `export`, `aws` and `name=$(aws ...)`.
fn commands(printed: &str) -> Vec<String> {
    printed
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with("export ") || l.starts_with("aws ") || l.contains("=$(aws "))
        .map(str::to_owned)
        .collect()
}

/// Runs `lines` in one bash, with the project's AWS CLI first on PATH.
fn bash(lines: &[String]) -> String {
    let cli = PathBuf::from(common::aws_cli());
    let path = match cli.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let script = format!("set -e\n{}\n", lines.join("\n"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{script}\n{text}");
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn the_japanese_lab_is_solved_with_the_aws_cli_from_the_printed_instructions() {
    let lab_dir = std::env::temp_dir().join(format!("keyhole-cli-lab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&lab_dir);
    let options = StartOptions {
        scenarios: Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"),
        name: LAB.to_owned(),
        lab_dir: lab_dir.clone(),
        lang: Lang::Ja,
        port: 0,
    };
    let (intro_tx, intro_rx) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cli::start(
        options,
        move |intro| {
            let _ = intro_tx.send(intro);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let intro = intro_rx.await.expect("the lab starts");
    assert!(intro.contains("## 課題"), "{intro}");
    assert!(
        intro.contains("    CopyJob.StatusMessage: Given key ID is not accessible"),
        "{intro}"
    );
    let endpoint = intro
        .lines()
        .find_map(|l| l.trim().strip_prefix("export AWS_ENDPOINT_URL="))
        .expect("an endpoint line")
        .to_owned();
    let printed = commands(&intro);
    let exports: Vec<String> = printed
        .iter()
        .filter(|l| l.starts_with("export "))
        .cloned()
        .collect();
    assert_eq!(exports.len(), 3, "{intro}");

    // What start printed: the failure reproduces and the investigation shows its cause.
    let seen = tokio::task::spawn_blocking({
        let printed = printed.clone();
        move || bash(&printed)
    })
    .await
    .unwrap();
    assert!(
        seen.contains("\"StatusMessage\": \"Given key ID is not accessible\""),
        "{seen}"
    );
    assert!(
        seen.contains("Enable IAM User Permissions"),
        "the key policy is shown: {seen}"
    );

    let remote = move |command: Remote| {
        let (dir, endpoint) = (lab_dir.clone(), endpoint.clone());
        tokio::task::spawn_blocking(move || cli::remote(command, &dir, Some(&endpoint), None))
    };
    let check = remote(Remote::Check).await.unwrap();
    assert_eq!(check.status, 1, "{}", check.text);

    // What solution prints, run the same way, then the failing step again.
    let solution = remote(Remote::Solution).await.unwrap();
    assert!(
        solution.text.starts_with("## 失敗する理由\n"),
        "{}",
        solution.text
    );
    let mut fix = exports.clone();
    fix.extend(commands(&solution.text));
    fix.extend(printed.iter().filter(|l| l.contains("copy-job")).cloned());
    let after = tokio::task::spawn_blocking(move || bash(&fix))
        .await
        .unwrap();
    assert!(after.contains("\"State\": \"COMPLETED\""), "{after}");

    let check = remote(Remote::Check).await.unwrap();
    assert_eq!(
        (check.status, check.text.as_str()),
        (0, "解決しました。チェックは期待どおりの結果になり、修正で必要以上の権限も付与されていません。\n")
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

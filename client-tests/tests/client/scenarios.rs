//! Every scenario under `scenarios/` through the official clients, with no scenario-specific
//! code: keyhole's own runner over the AWS SDK for Rust (a dispatch table, `scenario_sdk.rs`),
//! boto3 and the JavaScript SDK v3 through one generic executor each
//! (`python/scenario_runner.py`, `js/scenario_runner.mjs`), the AWS CLI through
//! the bash script `keyhole scenario script` writes. A failure names the scenario, the client
//! and the step whose answer differs.

use std::path::{Path, PathBuf};
use std::process::Output;

use keyhole::scenario::{library, script::script, Loaded};

use crate::common;

fn scenarios() -> Vec<Loaded> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    library(&root).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs a generic executor (`program script ENDPOINT DIR...`) over every scenario on one
/// emulator (each scenario resets it) and checks each scenario's JSON line.
async fn through(client: &str, program: String, script: String) {
    let emu = common::start().await;
    let all = scenarios();
    let mut cmd = std::process::Command::new(program);
    cmd.arg(script)
        .arg(emu.endpoint_url())
        .args(all.iter().map(|s| &s.dir))
        .env("NO_PROXY", "127.0.0.1,localhost");
    let output = tokio::task::spawn_blocking(move || cmd.output().expect("the runner starts"))
        .await
        .unwrap();
    let results: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(results.len(), all.len(), "{client}: {}", text(&output));
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r["passed"] != true)
        .map(|r| format!("{client}, scenario {}: {r}", r["name"]))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(output.status.success(), "{client}: {}", text(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_through_boto3() {
    let script = format!("{}/python/scenario_runner.py", env!("CARGO_MANIFEST_DIR"));
    through("boto3", common::python(), script).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_through_the_javascript_sdk_v3() {
    let node = std::env::var("KEYHOLE_NODE").unwrap_or_else(|_| "node".into());
    let script = format!("{}/js/scenario_runner.mjs", env!("CARGO_MANIFEST_DIR"));
    through("JavaScript SDK v3", node, script).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_through_the_rust_sdk() {
    let emu = common::start().await;
    let runtime = tokio::runtime::Handle::current();
    let failed = tokio::task::spawn_blocking(move || {
        let mut transport = crate::scenario_sdk::SdkTransport { emu: &emu, runtime };
        scenarios()
            .iter()
            .map(|s| keyhole::scenario::run_with(s, &mut transport))
            .filter(|r| !r.passed)
            .map(|r| {
                format!(
                    "Rust SDK, scenario {}: {}",
                    r.name,
                    serde_json::to_string_pretty(&r).unwrap()
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The scripts run two at a time, each against its own emulator (a script resets keyhole).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_through_the_aws_cli_script() {
    let all = scenarios();
    let dir = std::env::temp_dir().join(format!("keyhole-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cli = PathBuf::from(common::aws_cli());
    let path = match cli.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(bin) => format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(2));
    let mut runs = Vec::new();
    for scenario in all {
        let file = dir.join(format!("{}.sh", scenario.name));
        std::fs::write(&file, script(&scenario)).unwrap();
        let (slots, path) = (slots.clone(), path.clone());
        runs.push(tokio::spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let emu = common::start().await;
            let mut cmd = std::process::Command::new("bash");
            cmd.arg(&file)
                .env("PATH", path)
                .env("AWS_ENDPOINT_URL", emu.endpoint_url())
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .env("NO_PROXY", "127.0.0.1,localhost");
            let output = tokio::task::spawn_blocking(move || cmd.output().expect("bash runs"))
                .await
                .unwrap();
            (scenario.name, output)
        }));
    }
    let mut failed = Vec::new();
    for run in runs {
        let (name, output) = run.await.unwrap();
        if !output.status.success() {
            failed.push(format!("AWS CLI, scenario {name}:\n{}", text(&output)));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

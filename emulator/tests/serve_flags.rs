//! `keyhole serve` flags and their environment variables, through the binary itself.

use std::process::{Command, Stdio};

mod support;

/// Starts `keyhole serve --port 0 <args>` with `env`, asks `GET /_keyhole/settings`, stops it.
fn settings_of(args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let (mut child, addr) = support::spawn_serving(
        Command::new(env!("CARGO_BIN_EXE_keyhole"))
            .args(["serve", "--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let settings = support::get_json(&addr, "/_keyhole/settings");
    let _ = child.kill();
    let _ = child.wait();
    settings
}

#[test]
fn deny_message_style_flag_and_environment_variable() {
    assert_eq!(settings_of(&[], &[])["denyMessageStyle"], "arn");
    assert_eq!(
        settings_of(&["--deny-message-style", "legacy"], &[])["denyMessageStyle"],
        "legacy"
    );
    assert_eq!(
        settings_of(&[], &[("KEYHOLE_DENY_MESSAGE_STYLE", "legacy")])["denyMessageStyle"],
        "legacy"
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0", "--deny-message-style", "short"])
        .output()
        .expect("keyhole runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("invalid value 'short' for '--deny-message-style <DENY_MESSAGE_STYLE>'")
            && stderr.contains("[possible values: arn, legacy]"),
        "{stderr}"
    );
}

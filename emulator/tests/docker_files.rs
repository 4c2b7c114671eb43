//! What can be checked of docker/Dockerfile, .dockerignore and docker/compose.yaml without a
//! Docker engine: the stages come in an order the legacy builder can build up to `prebuilt`
//! without Rust, the files the runtime stage copies exist, the variables it sets are ones
//! `keyhole serve` reads, its health check is a command the binary has, and compose publishes
//! the port the image exposes. docker_image.rs builds and runs the image.

use std::path::Path;
use std::process::Command;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The instructions of each stage, in order, without comments; a stage starts at its FROM.
fn stages(dockerfile: &str) -> Vec<Vec<&str>> {
    let mut stages: Vec<Vec<&str>> = Vec::new();
    for line in dockerfile.lines().map(str::trim) {
        if line.starts_with("FROM ") {
            stages.push(Vec::new());
        }
        if let Some(stage) = stages.last_mut() {
            if !line.is_empty() && !line.starts_with('#') {
                stage.push(line);
            }
        }
    }
    stages
}

/// The instructions of the stage every image builds on (what users run, but the binary).
fn runtime_stage(dockerfile: &str) -> Vec<&str> {
    stages(dockerfile)
        .into_iter()
        .find(|s| s[0].ends_with(" AS runtime"))
        .expect("a runtime stage")
}

#[test]
fn the_stages_before_build_need_no_rust_and_the_last_adds_only_the_compiled_binary() {
    let dockerfile = repo_file("docker/Dockerfile");
    let firsts: Vec<&str> = stages(&dockerfile).iter().map(|s| s[0]).collect();
    // The legacy builder builds every stage up to --target: `--target prebuilt` (the test's)
    // must not reach the Rust stage.
    assert_eq!(
        firsts,
        [
            "FROM debian:bookworm-slim AS runtime",
            "FROM runtime AS prebuilt",
            "FROM rust:1.95-slim AS build",
            "FROM runtime"
        ]
    );
    let stages = stages(&dockerfile);
    assert_eq!(stages[1][1..], ["COPY docker/prebuilt/ /usr/local/bin/"]);
    assert_eq!(
        stages[3][1..],
        ["COPY --from=build /src/target/release/keyhole /usr/local/bin/keyhole"]
    );
    // A folder in git, so that the prebuilt stage builds from a fresh clone too.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    assert!(root.join("docker/prebuilt/README.md").is_file());

    let ignore = repo_file(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for big in ["target", ".git", ".venv", "client-tests/js/node_modules"] {
        assert!(patterns.contains(&big), "{big} not in .dockerignore");
    }
    assert!(
        !patterns.iter().any(|p| p.starts_with("docker/prebuilt/k")),
        "the prebuilt binary must stay in the context"
    );
}

#[test]
fn the_image_copies_files_that_exist_and_sets_variables_keyhole_reads() {
    let dockerfile = repo_file("docker/Dockerfile");
    let stage = runtime_stage(&dockerfile);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for line in &stage {
        let Some(copy) = line.strip_prefix("COPY ") else {
            continue;
        };
        if copy.starts_with("--from=") {
            continue;
        }
        let source = copy.split_whitespace().next().expect("a source");
        assert!(
            root.join(source).exists(),
            "COPY {source}: no such path in the repository"
        );
    }
    // The image's variables configure `keyhole serve`, and `keyhole scenario` run inside it.
    let help: String = [["serve", "--help"], ["scenario", "--help"]]
        .iter()
        .map(|args| {
            let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
                .args(args)
                .output()
                .expect("keyhole runs");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    let env = stage
        .iter()
        .find_map(|l| l.strip_prefix("ENV "))
        .expect("an ENV line");
    let mut names = Vec::new();
    for pair in env.split_whitespace() {
        let (name, _) = pair.split_once('=').expect("NAME=value");
        assert!(
            help.contains(&format!("[env: {name}=")),
            "{name} is not a `keyhole serve` or `keyhole scenario` variable"
        );
        names.push(name);
    }
    assert_eq!(
        names,
        [
            "KEYHOLE_HOST",
            "KEYHOLE_PORT",
            "KEYHOLE_INIT_DIR",
            "KEYHOLE_SCENARIOS"
        ]
    );
    assert!(stage.contains(&"COPY scenarios/ /usr/share/keyhole/scenarios/"));
    assert!(env.contains("KEYHOLE_INIT_DIR=/etc/keyhole/init/ready.d"));
    assert!(stage.contains(&"COPY docker/init/ /etc/keyhole/init/"));
    assert!(root.join("docker/init/ready.d").is_dir());

    let check = stage
        .iter()
        .find_map(|l| {
            l.split_once(" CMD ")
                .filter(|_| l.starts_with("HEALTHCHECK"))
        })
        .map(|(_, cmd)| cmd)
        .expect("a HEALTHCHECK");
    assert_eq!(check, r#"["keyhole", "health"]"#);
    let health = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["health", "--help"])
        .output()
        .expect("keyhole runs");
    assert!(health.status.success());
    assert!(stage.contains(&r#"ENTRYPOINT ["keyhole", "serve"]"#));
}

#[test]
fn compose_publishes_the_exposed_port_and_checks_health_as_the_image_does() {
    let dockerfile = repo_file("docker/Dockerfile");
    let stage = runtime_stage(&dockerfile);
    let exposed = stage
        .iter()
        .find_map(|l| l.strip_prefix("EXPOSE "))
        .expect("EXPOSE");
    assert!(stage
        .iter()
        .any(|l| l.contains(&format!("KEYHOLE_PORT={exposed}"))));
    let compose = repo_file("docker/compose.yaml");
    let lines: Vec<&str> = compose.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"services:") && lines.contains(&"keyhole:"),
        "{compose}"
    );
    assert!(
        lines.contains(&format!("- \"127.0.0.1:{exposed}:{exposed}\"").as_str()),
        "compose does not publish {exposed} on loopback:\n{compose}"
    );
    assert!(
        lines.contains(&r#"test: ["CMD", "keyhole", "health"]"#),
        "{compose}"
    );
    assert!(
        lines.contains(&"dockerfile: docker/Dockerfile"),
        "{compose}"
    );
    // The state in a named volume, which Docker gives the image's owner of the folder.
    assert!(
        lines.contains(&r#"KEYHOLE_STATE_DIR: "/var/lib/keyhole""#)
            && lines.contains(&"- keyhole-state:/var/lib/keyhole")
            && lines.contains(&"keyhole-state:"),
        "{compose}"
    );
    assert!(
        dockerfile.contains("install -d -o keyhole -g keyhole /var/lib/keyhole"),
        "the image's /var/lib/keyhole must belong to its user"
    );
}

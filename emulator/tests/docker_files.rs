//! What can be checked of docker/Dockerfile and docker/compose.yaml without a Docker engine:
//! the files the final image copies exist, the variables it sets are ones `keyhole serve`
//! reads, its health check is a command the binary has, and compose publishes the port the
//! image exposes. Building and running the image is not tested here.

use std::path::Path;
use std::process::Command;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The instructions of the last stage (the image users run).
fn final_stage(dockerfile: &str) -> Vec<&str> {
    let last = dockerfile.rfind("\nFROM ").expect("a FROM");
    dockerfile[last..]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn the_image_copies_files_that_exist_and_sets_variables_keyhole_reads() {
    let dockerfile = repo_file("docker/Dockerfile");
    let stage = final_stage(&dockerfile);
    assert_eq!(stage[0], "FROM debian:bookworm-slim");
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
    let stage = final_stage(&dockerfile);
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
}

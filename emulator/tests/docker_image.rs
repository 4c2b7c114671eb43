//! The image of docker/Dockerfile, built and run by a real Docker engine: its `prebuilt`
//! stage (the runtime stage users get, with the `keyhole` cargo built in this run instead of
//! one compiled in the image) has the settings users rely on, runs init hooks and reports them
//! in its health, keeps a state volume across a SIGKILL, and runs the scenario library.
//!
//! tools/test makes the engine ready (tools/docker_engine) and sets KEYHOLE_DOCKER=1; then a
//! missing or broken engine fails these tests. Without KEYHOLE_DOCKER (plain `cargo test`)
//! they print a line and pass. Containers use the host's network on loopback: no bridge.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "123456789012";
/// Images this test binary tags; the tag is the process id, so concurrent runs do not share.
const REPOSITORY: &str = "keyhole-test";

/// Whether to run: tools/test said an engine is ready. Without it, a printed line.
fn wanted() -> bool {
    if std::env::var("KEYHOLE_DOCKER").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("SKIPPED: no KEYHOLE_DOCKER=1 (tools/test sets it once a Docker engine is ready)");
    false
}

/// Runs `docker <args>`; its stdout, or a panic with what it wrote on stderr.
fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap_or_else(|e| panic!("docker {args:?}: {e} (tools/test installs docker.io)"));
    assert!(
        out.status.success(),
        "docker {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `prebuilt` image, built once per test binary: its tag.
fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let info = Command::new("docker").arg("info").output();
        if !info.as_ref().is_ok_and(|o| o.status.success()) {
            let why = info.map_or_else(
                |e| e.to_string(),
                |o| String::from_utf8_lossy(&o.stderr).trim().to_owned(),
            );
            panic!(
                "KEYHOLE_DOCKER=1 (tools/test made an engine ready) but `docker info` fails: \
                 {why}\nRun tools/docker_engine alone to see why the engine is not ready."
            );
        }
        remove_stale_images();
        let root = repo_root();
        // Into the build context through a link (a copy across file systems), renamed into
        // place so that a concurrent build reads a whole file.
        let staged = root.join("docker/prebuilt/keyhole");
        let partial = root.join(format!("docker/prebuilt/.keyhole.{}", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        let binary = env!("CARGO_BIN_EXE_keyhole");
        if std::fs::hard_link(binary, &partial).is_err() {
            std::fs::copy(binary, &partial).expect("the binary copied into the build context");
        }
        std::fs::rename(&partial, &staged).expect("the binary staged");
        // Renaming a link onto another link of the same file leaves both.
        let _ = std::fs::remove_file(&partial);
        let tag = format!("{REPOSITORY}:{}", std::process::id());
        let dockerfile = root.join("docker/Dockerfile").display().to_string();
        let context = root.display().to_string();
        docker(&[
            "build",
            "--quiet",
            "--target",
            "prebuilt",
            "--file",
            &dockerfile,
            "--tag",
            &tag,
            &context,
        ]);
        tag
    })
}

/// Removes the images of earlier runs whose process is gone (a test binary cannot remove its
/// own at exit), with the layers only they used.
fn remove_stale_images() {
    let tags = docker(&["image", "ls", REPOSITORY, "--format", "{{.Tag}}"]);
    for tag in tags.lines() {
        let alive = tag
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = Command::new("docker")
                .args(["image", "rm", "--force", &format!("{REPOSITORY}:{tag}")])
                .output();
        }
    }
}

/// A container, removed (with its anonymous volumes) when dropped.
struct Container {
    name: String,
    addr: SocketAddr,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "--force", "--volumes", &self.name])
            .output();
    }
}

/// A named volume, removed when dropped.
struct Volume(String);

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["volume", "rm", "--force", &self.0])
            .output();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts the image in the background on a free loopback port of the host's network,
/// with `extra` arguments before the image; returns once keyhole answers.
fn run(test: &str, extra: &[&str]) -> Container {
    let port = free_port();
    let container = Container {
        name: format!("keyhole-test-{}-{test}", std::process::id()),
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    let port_env = format!("KEYHOLE_PORT={port}");
    let mut args = vec!["run", "--detach", "--name", &container.name];
    args.extend(["--network", "host", "-e", "KEYHOLE_HOST=127.0.0.1"]);
    args.extend([
        "-e",
        &port_env,
        "-e",
        "KEYHOLE_DEFAULT_ACCOUNT=123456789012",
    ]);
    args.extend(extra);
    args.push(image());
    docker(&args);
    wait_until_answering(&container);
    container
}

/// Waits (30 s at most) until keyhole in `container` accepts connections.
fn wait_until_answering(container: &Container) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(container.addr).is_err() {
        if Instant::now() > deadline {
            let logs = Command::new("docker")
                .args(["logs", &container.name])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .unwrap_or_default();
            panic!(
                "{} did not answer in 30 s; its log:\n{logs}",
                container.name
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn admin(addr: SocketAddr, path: &str) -> Value {
    support::get_json(&addr.to_string(), path)
}

/// A KMS call by the default account's root; the answer's JSON.
fn kms(addr: SocketAddr, operation: &str, input: Value) -> Value {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let target = format!("TrentService.{operation}");
    let answer = rt.block_on(support::aws_json(addr, ACCOUNT, "kms", &target, &input));
    assert_eq!(answer.status, 200, "{operation}: {}", answer.body);
    answer.json()
}

/// The ids of the default account's KMS keys in GET /_keyhole/state, sorted.
fn key_ids(state: &Value) -> Vec<String> {
    let keys = &state["accounts"][ACCOUNT]["regions"]["us-east-1"]["kms"]["keys"];
    let mut ids: Vec<String> = keys
        .as_object()
        .map(|keys| keys.keys().cloned().collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

#[test]
fn the_image_is_configured_as_the_dockerfile_says() {
    if !wanted() {
        return;
    }
    let config: Value = serde_json::from_str(&docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config}}",
        image(),
    ]))
    .expect("JSON");
    assert_eq!(config["Entrypoint"], json!(["keyhole", "serve"]));
    assert_eq!(config["Cmd"], Value::Null);
    assert_eq!(
        config["Healthcheck"],
        json!({"Test": ["CMD", "keyhole", "health"], "Interval": 5_000_000_000u64,
               "Timeout": 3_000_000_000u64, "StartPeriod": 2_000_000_000u64, "Retries": 10})
    );
    assert_eq!(config["ExposedPorts"], json!({"4566/tcp": {}}));
    assert_eq!(config["User"], "10001:10001");
    assert_eq!(config["WorkingDir"], "/var/lib/keyhole");
    let env: Vec<&str> = config["Env"]
        .as_array()
        .expect("Env")
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("KEYHOLE_"))
        .collect();
    assert_eq!(
        env,
        [
            "KEYHOLE_HOST=0.0.0.0",
            "KEYHOLE_PORT=4566",
            "KEYHOLE_INIT_DIR=/etc/keyhole/init/ready.d",
            "KEYHOLE_SCENARIOS=/usr/share/keyhole/scenarios"
        ]
    );
    // The binary in the image is the one cargo built.
    let version = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "keyhole",
        image(),
        "--version",
    ]);
    assert_eq!(version, format!("keyhole {}", env!("CARGO_PKG_VERSION")));
}

/// A hook that creates a KMS key with bash alone (the image has neither the AWS CLI nor curl):
/// one awsJson request over bash's /dev/tcp, signed by scope only as keyhole accepts.
const KEY_HOOK: &str = r#"#!/bin/bash
set -euo pipefail
hostport=${AWS_ENDPOINT_URL#http://}
body='{"Description":"made by a hook in the image"}'
exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
printf 'POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.CreateKey\r\nX-Amz-Date: 20240101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=%s/20240101/%s/kms/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$hostport" "$AWS_ACCESS_KEY_ID" "$AWS_REGION" "${#body}" "$body" >&3
answer=$(cat <&3)
case $answer in
    "HTTP/1.1 200"*) echo "created a key" ;;
    *) echo "$answer" >&2; exit 1 ;;
esac
"#;

#[test]
fn hooks_run_in_the_image_and_it_turns_healthy() {
    if !wanted() {
        return;
    }
    let hooks = std::env::temp_dir().join(format!("keyhole-docker-hooks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&hooks);
    std::fs::create_dir_all(&hooks).expect("hooks folder");
    for (name, script) in [
        ("10-key.sh", KEY_HOOK),
        ("20-fails.sh", "#!/bin/sh\necho going wrong >&2\nexit 3\n"),
    ] {
        let path = hooks.join(name);
        std::fs::write(&path, script).expect("hook written");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // Readable by the image's user whatever the umask.
    std::fs::set_permissions(&hooks, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mount = format!("{}:/etc/keyhole/init/ready.d:ro", hooks.display());
    let container = run("hooks", &["-v", &mount]);

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut init = admin(container.addr, "/_keyhole/health")["init"].clone();
    while init["state"] == "running" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        init = admin(container.addr, "/_keyhole/health")["init"].clone();
    }
    for hook in init["hooks"].as_array_mut().expect("hooks") {
        hook.as_object_mut().expect("hook").remove("durationMs");
    }
    assert_eq!(
        init,
        json!({"state": "failed", "dir": "/etc/keyhole/init/ready.d", "hooks": [
            {"name": "10-key.sh", "status": "ok", "exitCode": 0},
            {"name": "20-fails.sh", "status": "failed", "exitCode": 3, "reason": "exited with status 3"},
        ]})
    );
    let state = admin(container.addr, "/_keyhole/state");
    let ids = key_ids(&state);
    assert_eq!(ids.len(), 1, "one key, the hook's: {state:#}");
    let key = kms(container.addr, "DescribeKey", json!({"KeyId": ids[0]}));
    assert_eq!(
        key["KeyMetadata"]["Description"],
        "made by a hook in the image"
    );

    // Docker's own verdict, from the image's HEALTHCHECK (`keyhole health`, every 5 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = String::new();
    while status != "healthy" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        status = docker(&[
            "inspect",
            "--format",
            "{{.State.Health.Status}}",
            &container.name,
        ]);
    }
    assert_eq!(status, "healthy");
    let _ = std::fs::remove_dir_all(&hooks);
}

#[test]
fn a_state_volume_keeps_the_keys_across_a_sigkill() {
    if !wanted() {
        return;
    }
    // A named volume, as in compose.yaml: Docker gives it the image's owner of
    // /var/lib/keyhole, the image's user.
    let volume = Volume(format!("keyhole-test-{}-state", std::process::id()));
    docker(&["volume", "create", &volume.0]);
    let mount = format!("{}:/var/lib/keyhole", volume.0);
    let container = run(
        "state",
        &["-v", &mount, "-e", "KEYHOLE_STATE_DIR=/var/lib/keyhole"],
    );
    let mut made: Vec<String> = (0..3)
        .map(|i| {
            let key = kms(
                container.addr,
                "CreateKey",
                json!({"Description": format!("key {i}")}),
            );
            support::s(&key, "/KeyMetadata/KeyId").to_owned()
        })
        .collect();
    made.sort();
    kms(
        container.addr,
        "CreateAlias",
        json!({"AliasName": "alias/kept", "TargetKeyId": made[0]}),
    );
    let before = admin(container.addr, "/_keyhole/state");
    assert_eq!(key_ids(&before), made);

    docker(&["kill", "--signal", "KILL", &container.name]);
    docker(&["start", &container.name]);
    wait_until_answering(&container);
    let after = admin(container.addr, "/_keyhole/state");
    assert_eq!(key_ids(&after), made);
    assert!(
        before == after,
        "the world changed across the SIGKILL:\nbefore {before:#}\nafter {after:#}"
    );
}

#[test]
fn the_scenario_library_passes_inside_the_image() {
    if !wanted() {
        return;
    }
    let out = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "keyhole",
        image(),
        "scenario",
        "run",
        "--all",
    ]);
    let count = std::fs::read_dir(repo_root().join("scenarios"))
        .expect("scenarios")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    assert!(
        out.ends_with(&format!("{count} of {count} scenarios passed")),
        "{out}"
    );
}

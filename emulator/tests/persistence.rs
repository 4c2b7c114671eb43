//! `keyhole serve --state-dir`: through the binary, a world survives a graceful stop and a
//! `kill -9`; a damaged or newer file is refused; reads write nothing; without the flag
//! nothing touches the disk.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "111111111111";
const FILE: &str = "keyhole-state.sqlite";

fn temp_dir(name: &str) -> PathBuf {
    support::temp_dir("persistence", name)
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

/// Starts `keyhole serve --port 0 <args>` in `cwd` and waits for its ready line.
fn start(cwd: &Path, args: &[&str]) -> Server {
    let (child, addr) = support::spawn_serving(
        Command::new(env!("CARGO_BIN_EXE_keyhole"))
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    Server {
        child,
        addr: addr.parse().expect("an address"),
    }
}

/// A test that fails midway leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGTERM, and the exit it leads to.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(self.child.wait().expect("exit").success());
    }

    /// SIGKILL: no chance to save anything more.
    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

fn refused_start(dir: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0", "--state-dir"])
        .arg(dir)
        .output()
        .expect("keyhole runs");
    assert!(
        out.stdout.is_empty(),
        "nothing served: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn kms(addr: SocketAddr, operation: &str, input: Value) -> Value {
    aws_json(addr, "kms", &format!("TrentService.{operation}"), input)
}

fn aws_json(addr: SocketAddr, service: &str, target: &str, input: Value) -> Value {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let answer = rt.block_on(support::aws_json(addr, ACCOUNT, service, target, &input));
    assert_eq!(answer.status, 200, "{target}: {}", answer.body);
    answer.json()
}

/// A REST or query call by the root of ACCOUNT.
fn call(addr: SocketAddr, method: &str, path: &str, service: &str, body: &str) -> String {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let auth = support::root_authorization(ACCOUNT, "us-east-1", service);
    let mut headers = vec![
        ("X-Amz-Date", "20240101T000000Z"),
        ("Authorization", auth.as_str()),
    ];
    if service == "iam" {
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    }
    let answer = rt.block_on(support::send(addr, method, path, &headers, body));
    assert_eq!(answer.status, 200, "{service} {path}: {}", answer.body);
    answer.body
}

fn admin(addr: SocketAddr, path: &str) -> Value {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let answer = rt.block_on(support::send(addr, "GET", path, &[], ""));
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.json()
}

/// The first JSON pointer where two documents differ, to name it in a failure.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys()
                .chain(y.keys())
                .find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(u, v, format!("{at}/{k}")),
                    _ => Some(format!("{at}/{k} (present on one side only)")),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, format!("{at}/{i}"))),
        _ => (a != b).then(|| format!("{at}: {a} != {b}")),
    }
}

fn assert_same_world(before: &Value, after: &Value) {
    if let Some(at) = first_difference(before, after, String::new()) {
        panic!("the world changed across the restart at {at}");
    }
}

/// KMS keys with aliases, a grant and a policy; a vault; an IAM user; an organization.
fn build_world(addr: SocketAddr) -> String {
    let key = kms(addr, "CreateKey", json!({"Description": "kept"}));
    let key_id = key["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("key id")
        .to_owned();
    kms(
        addr,
        "CreateAlias",
        json!({"AliasName": "alias/kept", "TargetKeyId": key_id}),
    );
    kms(
        addr,
        "CreateGrant",
        json!({"KeyId": key_id, "GranteePrincipal": format!("arn:aws:iam::{ACCOUNT}:root"),
               "Operations": ["Decrypt"]}),
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*",
        "Resource": "*"}]});
    kms(
        addr,
        "PutKeyPolicy",
        json!({"KeyId": key_id, "PolicyName": "default", "Policy": policy.to_string()}),
    );
    call(addr, "PUT", "/backup-vaults/kept-vault", "backup", "{}");
    call(
        addr,
        "POST",
        "/",
        "iam",
        "Action=CreateUser&UserName=alice&Version=2010-05-08",
    );
    aws_json(
        addr,
        "organizations",
        "AWSOrganizationsV20161128.CreateOrganization",
        json!({"FeatureSet": "ALL"}),
    );
    key_id
}

fn writes(addr: SocketAddr) -> u64 {
    admin(addr, "/_keyhole/health")["persistence"]["writes"]
        .as_u64()
        .expect("a write count")
}

#[test]
fn a_world_survives_a_graceful_stop_and_a_kill_9() {
    let dir = temp_dir("survives");
    let state_dir = dir.join("state");
    let flag = ["--state-dir", state_dir.to_str().expect("utf-8")];
    let server = start(&dir, &flag);
    build_world(server.addr);
    let built = admin(server.addr, "/_keyhole/state");
    server.stop();

    let server = start(&dir, &flag);
    assert_same_world(&built, &admin(server.addr, "/_keyhole/state"));
    // A burst of acknowledged writes, then SIGKILL at once.
    let mut acknowledged = Vec::new();
    for i in 0..40 {
        let key = kms(server.addr, "CreateKey", json!({}));
        let id = key["KeyMetadata"]["KeyId"].as_str().expect("id").to_owned();
        kms(
            server.addr,
            "CreateAlias",
            json!({"AliasName": format!("alias/burst-{i}"), "TargetKeyId": id}),
        );
        acknowledged.push(id);
    }
    let before_kill = admin(server.addr, "/_keyhole/state");
    server.kill_9();

    let server = start(&dir, &flag);
    let after = admin(server.addr, "/_keyhole/state");
    assert_same_world(&before_kill, &after);
    let keys = &after["accounts"][ACCOUNT]["regions"]["us-east-1"]["kms"]["keys"];
    let aliases = &after["accounts"][ACCOUNT]["regions"]["us-east-1"]["kms"]["aliases"];
    for (i, id) in acknowledged.iter().enumerate() {
        assert!(keys.get(id).is_some(), "key {id} lost");
        assert_eq!(
            aliases[format!("alias/burst-{i}")]["targetKeyId"],
            id.as_str()
        );
    }
    server.stop();
}

#[test]
fn reads_write_nothing_and_changes_write_once() {
    let dir = temp_dir("reads");
    let state_dir = dir.join("state");
    let server = start(&dir, &["--state-dir", state_dir.to_str().expect("utf-8")]);
    let key_id = build_world(server.addr);
    let before = writes(server.addr);
    let blob = kms(
        server.addr,
        "Encrypt",
        json!({"KeyId": key_id, "Plaintext": "aGk="}),
    );
    kms(
        server.addr,
        "Decrypt",
        json!({"CiphertextBlob": blob["CiphertextBlob"]}),
    );
    kms(server.addr, "DescribeKey", json!({"KeyId": key_id}));
    kms(server.addr, "ListKeys", json!({}));
    kms(server.addr, "ListAliases", json!({}));
    kms(server.addr, "GetKeyPolicy", json!({"KeyId": key_id}));
    kms(
        server.addr,
        "GenerateDataKey",
        json!({"KeyId": key_id, "KeySpec": "AES_256"}),
    );
    assert_eq!(writes(server.addr), before, "reads wrote to the state file");
    kms(server.addr, "CreateKey", json!({}));
    assert_eq!(writes(server.addr), before + 1);
    let health = admin(server.addr, "/_keyhole/health");
    assert_eq!(health["persistence"]["lastError"], Value::Null);
    assert_eq!(
        health["persistence"]["file"],
        state_dir.join(FILE).display().to_string()
    );
    server.stop();
}

/// Stops a server that has saved a world, and folds the WAL into the file.
fn saved_state_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let state_dir = dir.join("state");
    let server = start(&dir, &["--state-dir", state_dir.to_str().expect("utf-8")]);
    build_world(server.addr);
    server.stop();
    let conn = rusqlite::Connection::open(state_dir.join(FILE)).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    state_dir
}

/// Flips one bit of the first `needle` (a record's body: a flip in a page SQLite no longer
/// uses changes nothing, so the test aims at live data) in the state file and starts keyhole on it.
fn flip_and_start(name: &str, needle: &[u8]) -> (PathBuf, Option<i32>, String) {
    let state_dir = saved_state_dir(name);
    let file = state_dir.join(FILE);
    let mut bytes = std::fs::read(&file).expect("read");
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the text is in the file");
    bytes[at + needle.len() - 2] ^= 0x20;
    std::fs::write(&file, &bytes).expect("write");
    let (code, stderr) = refused_start(&state_dir);
    (file, code, stderr)
}

#[test]
fn a_changed_byte_in_a_record_is_reported_and_nothing_is_served() {
    let (file, code, stderr) = flip_and_start("flip-body", b"\"name\":\"alias/kept\"");
    assert_eq!(code, Some(2));
    let expected = format!(
        "keyhole: {} cannot be loaded: record kms.alias \"{ACCOUNT}/us-east-1\" \"alias/kept\" \
         does not match its checksum",
        file.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}

#[test]
fn a_truncated_file_is_reported_and_nothing_is_served() {
    let state_dir = saved_state_dir("truncate");
    let file = state_dir.join(FILE);
    let bytes = std::fs::read(&file).expect("read");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("write");
    let (code, stderr) = refused_start(&state_dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!("keyhole: {} cannot be loaded: ", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("keyhole did not start, so nothing was lost"),
        "{stderr}"
    );
}

#[test]
fn a_file_from_a_newer_keyhole_is_refused() {
    let state_dir = saved_state_dir("future");
    let conn = rusqlite::Connection::open(state_dir.join(FILE)).expect("open");
    conn.execute("UPDATE meta SET value = '7' WHERE name = 'version'", [])
        .expect("update");
    drop(conn);
    let (code, stderr) = refused_start(&state_dir);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr.trim_end(),
        format!(
            "keyhole: {} cannot be loaded: it was written in state format version 7 by a newer \
             keyhole; this keyhole reads versions up to 1. Run the newer keyhole, or start this \
             one with another --state-dir. keyhole did not start, so nothing was lost; restore \
             a copy of the file, or move it away to start with an empty world",
            state_dir.join(FILE).display()
        )
    );
}

#[test]
fn without_a_state_dir_nothing_touches_the_disk() {
    let dir = temp_dir("memory");
    let server = start(&dir, &[]);
    build_world(server.addr);
    assert_eq!(
        admin(server.addr, "/_keyhole/health").get("persistence"),
        None
    );
    server.stop();
    let left: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_unwritable_state_dir_is_refused_at_start() {
    let dir = temp_dir("unwritable");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"").expect("write");
    let (code, stderr) = refused_start(&file);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!(
            "keyhole: keyhole cannot create the state dir {}: ",
            file.display()
        )),
        "{stderr}"
    );
}

/// The rule for `--seed` with `--state-dir`: the first start seeds the empty state dir and
/// saves the result (it survives a kill -9); later starts load the saved world and do not
/// seed it again, so what the API changed since (a deleted alias) stays changed.
#[test]
fn seeds_apply_to_an_empty_state_dir_only() {
    let dir = temp_dir("seeded");
    let state_dir = dir.join("state");
    let seed = dir.join("seed.json");
    let key_id = "0b7e0a4e-8d8e-4c57-9b7b-2f5cfe3b1c11";
    std::fs::write(
        &seed,
        format!(
            r#"{{"keyholeSeed": 1, "accounts": {{"{ACCOUNT}": {{"regions": {{"us-east-1": {{"kms": {{
                "keys": [{{"keyId": "{key_id}"}}],
                "aliases": [{{"name": "alias/seeded", "targetKeyId": "{key_id}"}}]}}}}}}}}}}}}"#
        ),
    )
    .expect("seed file");
    let args = [
        "--state-dir",
        state_dir.to_str().expect("utf-8"),
        "--seed",
        seed.to_str().expect("utf-8"),
    ];
    let server = start(&dir, &args);
    let described = kms(server.addr, "DescribeKey", json!({"KeyId": "alias/seeded"}));
    assert_eq!(described["KeyMetadata"]["KeyId"], key_id);
    server.kill_9();

    let server = start(&dir, &args);
    let described = kms(server.addr, "DescribeKey", json!({"KeyId": key_id}));
    assert_eq!(described["KeyMetadata"]["KeyId"], key_id);
    kms(
        server.addr,
        "DeleteAlias",
        json!({"AliasName": "alias/seeded"}),
    );
    server.stop();

    let server = start(&dir, &args);
    let world = admin(server.addr, "/_keyhole/state");
    let kms_state = &world["accounts"][ACCOUNT]["regions"]["us-east-1"]["kms"];
    assert!(
        kms_state["keys"].get(key_id).is_some(),
        "the seeded key is kept"
    );
    assert!(
        kms_state["aliases"].get("alias/seeded").is_none(),
        "the seed was applied again: {}",
        kms_state["aliases"]
    );
    server.stop();
}

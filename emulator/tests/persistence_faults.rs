//! `keyhole serve --state-dir` when things go wrong, through the binary: `kill -9` during
//! writes from several clients, a torn or damaged write-ahead log, a full disk.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "111111111111";
const WAL: &str = "keyhole-state.sqlite-wal";
/// The state file's page size (SQLite's default) plus a WAL frame's header.
const FRAME: u64 = 4096 + 24;

fn temp_dir(name: &str) -> PathBuf {
    support::temp_dir("faults", name)
}

/// A keyhole serving `state_dir`, its stderr kept in `log`.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(state_dir: &Path) -> Server {
    // Not beside the state dir: on the full-disk test's small file system it would fill up.
    let log = std::env::temp_dir().join(format!(
        "keyhole-faults-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let (child, addr) = support::spawn_serving(
        Command::new(env!("CARGO_BIN_EXE_keyhole"))
            .args(["serve", "--port", "0", "--state-dir"])
            .arg(state_dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file")),
    );
    Server {
        child,
        addr: addr.parse().expect("an address"),
        log,
    }
}

impl Server {
    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).expect("log")
    }

    fn persistence(&self) -> Value {
        support::get_json(&self.addr.to_string(), "/_keyhole/health")["persistence"].clone()
    }

    fn state(&self) -> Value {
        support::get_json(&self.addr.to_string(), "/_keyhole/state")
    }
}

/// A KMS call by ACCOUNT's root on a blocking socket: `None` when the connection broke
/// (the server was killed mid-request).
fn kms(addr: SocketAddr, operation: &str, input: &Value) -> Option<(u16, Value)> {
    let auth = support::root_authorization(ACCOUNT, "us-east-1", "kms");
    let body = input.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: TrentService.{operation}\r\nX-Amz-Date: 20240101T000000Z\r\n\
         Authorization: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn create_key(addr: SocketAddr) -> Option<(u16, Value)> {
    kms(addr, "CreateKey", &json!({}))
}

fn key_id(answer: &Value) -> String {
    answer["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("a key id")
        .to_owned()
}

fn keys(state: &Value) -> Value {
    state["accounts"][ACCOUNT]["regions"]["us-east-1"]["kms"]["keys"].clone()
}

#[test]
fn kill_9_during_writes_from_several_clients_loses_no_acknowledged_write() {
    let dir = temp_dir("clients");
    let state_dir = dir.join("state");
    let server = start(&state_dir);
    let addr = server.addr;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                while let Some((status, answer)) = create_key(addr) {
                    assert_eq!(status, 200, "{answer}");
                    acknowledged.push(key_id(&answer));
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    server.kill_9();
    let acknowledged: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().expect("a client"))
        .collect();
    assert!(acknowledged.len() > 20, "{} writes", acknowledged.len());
    let server = start(&state_dir);
    let keys = keys(&server.state());
    for id in &acknowledged {
        assert!(keys.get(id).is_some(), "acknowledged key {id} lost");
    }
}

/// A state dir left by `kill -9` after three acknowledged keys: its WAL holds every commit.
fn killed_with_three_keys(name: &str) -> (PathBuf, Vec<String>) {
    let state_dir = temp_dir(name).join("state");
    let server = start(&state_dir);
    let ids = (0..3)
        .map(|_| key_id(&create_key(server.addr).expect("an answer").1))
        .collect();
    server.kill_9();
    (state_dir, ids)
}

#[test]
fn a_wal_cut_mid_frame_loses_only_its_last_transaction_and_says_so() {
    let (state_dir, ids) = killed_with_three_keys("cut");
    let wal = state_dir.join(WAL);
    let bytes = std::fs::read(&wal).expect("a WAL after kill -9");
    std::fs::write(&wal, &bytes[..bytes.len() - 100]).expect("cut");
    let server = start(&state_dir);
    let tail = server.persistence()["tornTail"].clone();
    let frames = tail["frames"].as_u64().expect("frames");
    assert!(frames >= 1, "{tail}");
    assert_eq!(tail["bytes"], frames * FRAME - 100, "{tail}");
    assert_eq!(
        tail["reason"],
        "frames of a transaction that never committed"
    );
    // The last commit lost its end: the last key is gone, the others are whole.
    let keys = keys(&server.state());
    assert!(keys.get(&ids[0]).is_some() && keys.get(&ids[1]).is_some());
    assert!(keys.get(&ids[2]).is_none());
    let log = server.log();
    assert!(
        log.contains(&format!(
            "discarding a torn tail of the state file's log (frames of a transaction that \
             never committed): {frames} frames, {} bytes. Safe: a write is acknowledged only \
             after its commit is whole in the log, so these bytes belong to no answered request",
            frames * FRAME - 100
        )),
        "{log}"
    );
}

#[test]
fn garbage_after_the_last_commit_is_dropped_and_reported() {
    let (state_dir, ids) = killed_with_three_keys("garbage");
    let mut wal = std::fs::OpenOptions::new()
        .append(true)
        .open(state_dir.join(WAL))
        .expect("a WAL after kill -9");
    wal.write_all(&[0xa5; 40]).expect("append");
    drop(wal);
    let server = start(&state_dir);
    assert_eq!(
        server.persistence()["tornTail"],
        json!({"frames": 1, "bytes": 40, "reason": "a partial frame after the last whole commit"})
    );
    let keys = keys(&server.state());
    for id in &ids {
        assert!(keys.get(id).is_some(), "acknowledged key {id} lost");
    }
}

#[test]
fn a_changed_byte_in_a_committed_frame_is_refused() {
    let (state_dir, _) = killed_with_three_keys("flip-wal");
    let wal = state_dir.join(WAL);
    let mut bytes = std::fs::read(&wal).expect("a WAL after kill -9");
    // In the first frame's page: later commits build on it.
    bytes[32 + 24 + 100] ^= 0x01;
    std::fs::write(&wal, &bytes).expect("flip");
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0", "--state-dir"])
        .arg(&state_dir)
        .output()
        .expect("keyhole runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing served");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "keyhole: {} cannot be loaded: frame 1 fails its checksum, yet a later commit \
             builds on it: a committed write was changed after it was made. keyhole did not \
             start, so nothing was lost; restore a copy of the state dir, or move it away to \
             start with an empty world",
            wal.display()
        )
    );
}

/// A 2 MiB tmpfs at a new directory, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(name: &str) -> SmallDisk {
        let at = temp_dir(name);
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(&at)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "THE FULL-DISK TEST CANNOT RUN: mounting a 2 MiB tmpfs at {} failed ({status}); \
             it needs root (or CAP_SYS_ADMIN) to make a size-limited file system",
            at.display()
        );
        SmallDisk(at)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Writes `path` until the file system is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
}

#[test]
fn a_full_disk_refuses_writes_keeps_reads_and_recovers() {
    let disk = SmallDisk::mount("full");
    let state_dir = disk.0.join("state");
    let server = start(&state_dir);
    let kept = key_id(&create_key(server.addr).expect("an answer").1);
    let filler = disk.0.join("filler");
    fill(&filler);

    // The first write that cannot be saved is answered as a failure of the server.
    let (status, answer) = (0..50)
        .map(|_| create_key(server.addr).expect("an answer"))
        .find(|(status, _)| *status != 200)
        .expect("a write fails on a full disk");
    assert_eq!(status, 500, "{answer}");
    assert_eq!(answer["__type"], "DependencyTimeoutException");
    // Then writes are refused before they apply, and said so.
    let (status, answer) = create_key(server.addr).expect("an answer");
    assert_eq!(status, 500);
    let message = answer["message"].as_str().expect("a message");
    assert!(
        message.starts_with(
            "keyhole cannot save to its state dir, so it did not apply this request; retry \
             once the state dir can be written again: "
        ),
        "{message}"
    );
    let health = server.persistence();
    assert_eq!(health["failing"], true);
    let last_error = health["lastError"].as_str().expect("the fault");
    assert!(last_error.contains("full"), "{last_error}");
    assert!(server.log().contains("state not saved"));
    // Reads answer.
    let (status, _) = kms(server.addr, "DescribeKey", &json!({"KeyId": kept})).expect("read");
    assert_eq!(status, 200);

    // Space is back: the next write saves the whole world, its own change included.
    std::fs::remove_file(&filler).expect("free space");
    let (status, answer) = create_key(server.addr).expect("an answer");
    assert_eq!(status, 200, "{answer}");
    let last = key_id(&answer);
    assert_eq!(server.persistence()["failing"], false);
    let before = keys(&server.state());
    server.kill_9();
    let server = start(&state_dir);
    let after = keys(&server.state());
    assert_eq!(
        after, before,
        "the world after the fault is the world saved"
    );
    assert!(after.get(&kept).is_some() && after.get(&last).is_some());
    drop(server);
}

//! The web console in a real browser: `keyhole lab start` serves the lab
//! key-policy-missing-destination-account, and `js/console_walk.mjs` drives Debian's
//! Chromium through playwright-core over it (five languages, then the lab walked from broken
//! to solved through the policy editor; any JavaScript error fails it). The screenshots are
//! kept in `$KEYHOLE_ARTIFACTS` (default `target/artifacts/console`), and written to
//! `docs/console/<lang>.png` with `KEYHOLE_UPDATE_SCREENSHOTS=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LAB: &str = "key-policy-missing-destination-account";
const LANGUAGES: [&str; 5] = ["en", "ja", "zh", "ko", "fr"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The keyhole binary of this build: `KEYHOLE_BIN`, else the one beside this test's
/// `deps/` folder (`cargo test --workspace` builds it).
fn keyhole_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("KEYHOLE_BIN") {
        return bin.into();
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|debug| debug.join(format!("keyhole{}", std::env::consts::EXE_SUFFIX)))
        .expect("target/<profile>/deps/<test>");
    assert!(
        bin.exists(),
        "{} is not built: run `cargo build -p keyhole` (cargo test --workspace builds it) or set KEYHOLE_BIN",
        bin.display()
    );
    bin
}

/// The lab server, stopped when dropped.
struct Lab(Child);

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the lab in `dir` and waits for the endpoint it writes to `dir/endpoint`.
fn start_lab(dir: &Path) -> (Lab, String) {
    let child = Command::new(keyhole_bin())
        .args([
            "lab",
            "start",
            LAB,
            "--port",
            "0",
            "--lang",
            "en",
            "--lab-dir",
        ])
        .arg(dir)
        .current_dir(repo())
        .env("KEYHOLE_SCENARIOS", repo().join("scenarios"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("keyhole lab start runs");
    let mut lab = Lab(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(endpoint) = std::fs::read_to_string(dir.join("endpoint")) {
            if !endpoint.trim().is_empty() {
                return (lab, endpoint.trim().to_owned());
            }
        }
        if let Ok(Some(status)) = lab.0.try_wait() {
            panic!("keyhole lab start {LAB} ended with {status} before serving");
        }
        assert!(
            Instant::now() < deadline,
            "keyhole lab start {LAB} wrote no {} within 60 s",
            dir.join("endpoint").display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyhole-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[test]
fn the_console_walks_a_lab_from_broken_to_solved_in_five_languages() {
    let lab_dir = fresh_dir("console-lab");
    let shots = fresh_dir("console-shots");
    let (_lab, endpoint) = start_lab(&lab_dir);
    let node = std::env::var("KEYHOLE_NODE").unwrap_or_else(|_| "node".into());
    let output = Command::new(node)
        .arg(repo().join("client-tests/js/console_walk.mjs"))
        .arg(&endpoint)
        .arg(&shots)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .expect("node runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Kept whatever the outcome: a failing walk's screenshots say the most.
    let artifacts = std::env::var("KEYHOLE_ARTIFACTS")
        .map_or_else(|_| repo().join("target/artifacts/console"), PathBuf::from);
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder");
    for shot in std::fs::read_dir(&shots).expect("the screenshots folder") {
        let shot = shot.expect("a screenshot").path();
        std::fs::copy(&shot, artifacts.join(shot.file_name().unwrap())).expect("copied");
    }
    assert!(output.status.success(), "console_walk.mjs:\n{printed}");
    if std::env::var("KEYHOLE_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        let docs = repo().join("docs/console");
        std::fs::create_dir_all(&docs).expect("docs/console");
        for lang in LANGUAGES {
            std::fs::copy(
                shots.join(format!("{lang}.png")),
                docs.join(format!("{lang}.png")),
            )
            .expect("a screenshot per language");
        }
    }
    for lang in LANGUAGES {
        assert!(
            shots.join(format!("{lang}.png")).exists(),
            "no screenshot for {lang}:\n{printed}"
        );
    }
    let _ = std::fs::remove_dir_all(&lab_dir);
    let _ = std::fs::remove_dir_all(&shots);
}

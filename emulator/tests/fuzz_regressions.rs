//! Every input a fuzz target crashed on, replayed through the target's own entry point
//! (tests/fuzz_entry, which fuzz/fuzz_targets include): fixtures/fuzz-regressions/<target>/
//! holds the files `tools/fuzz` printed, one test per target. The target's committed seed
//! corpus (fuzz/corpus/<target>/) is replayed too, so the seeds stay valid inputs.

mod fuzz_entry;

use fuzz_entry::http::Wire;

fn replay(target: &str, entry: fn(&[u8])) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("tests/fixtures/fuzz-regressions").join(target),
        root.join("../fuzz/corpus").join(target),
    ];
    let mut replayed = 0;
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            // A panic names the file, so the failing input is found at once.
            eprintln!("replaying {}", path.display());
            entry(&data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no corpus and no regression for {target}");
}

#[test]
fn policy_parse() {
    replay("policy_parse", fuzz_entry::parsers::policy_parse);
}

#[test]
#[ignore = "unfinished: each input brute-forces ~100,000 requests (tools/fuzz skips it too)"]
fn policy_differential() {
    replay(
        "policy_differential",
        fuzz_entry::differential::policy_differential,
    );
}

#[test]
fn sigv4_parse() {
    replay("sigv4_parse", fuzz_entry::parsers::sigv4_parse);
}

#[test]
fn sigv4_verify() {
    replay("sigv4_verify", fuzz_entry::sigv4::sigv4_verify);
}

#[test]
fn scenario_parse() {
    replay("scenario_parse", fuzz_entry::parsers::scenario_parse);
}

#[test]
fn seed_parse() {
    replay("seed_parse", fuzz_entry::parsers::seed_parse);
}

#[test]
fn lab_text() {
    replay("lab_text", fuzz_entry::parsers::lab_text);
}

#[test]
fn aws_json() {
    replay("aws_json", |d| fuzz_entry::http::http(d, Wire::AwsJson));
}

#[test]
fn rest_json() {
    replay("rest_json", |d| fuzz_entry::http::http(d, Wire::RestJson));
}

#[test]
fn aws_query() {
    replay("aws_query", |d| fuzz_entry::http::http(d, Wire::AwsQuery));
}

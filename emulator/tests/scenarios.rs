//! The scenario library: every scenario under `scenarios/` runs and matches AWS's answers
//! before and after its fix; malformed scenario files are refused with the file, line and
//! reason each `expected-error.txt` holds; a wrong expectation fails with a readable diff.

use std::path::{Path, PathBuf};

use keyhole::scenario::cli::{self, Format};
use keyhole::scenario::{library, load, run};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenarios() -> PathBuf {
    repo().join("scenarios")
}

/// A fresh folder under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyhole-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_scenario_reproduces_its_failure_and_its_fix_works() {
    let all = library(&scenarios()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(all.len() >= 20, "{} scenarios", all.len());
    for scenario in &all {
        assert!(
            scenario.dir.join("README.md").is_file(),
            "{} has no README.md saying what it reproduces and where AWS documents it",
            scenario.name
        );
        assert!(
            !scenario.scenario.documentation.is_empty(),
            "{} cites no AWS documentation",
            scenario.name
        );
        let report = run(scenario);
        assert!(
            report.passed,
            "{}",
            serde_json::to_string_pretty(&report).unwrap()
        );
    }
}

#[test]
fn malformed_scenarios_are_refused_with_file_line_and_reason() {
    let fixtures = repo().join("emulator/tests/fixtures/scenarios-malformed");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected-error.txt")).unwrap();
        let error = load(&case).expect_err(&case.display().to_string());
        assert_eq!(error.file, case.join("scenario.json"));
        let shown = format!(
            "scenario.json:{}:{}: {}",
            error.line, error.column, error.reason
        );
        assert_eq!(shown, expected.trim_end(), "{}", case.display());
    }
}

#[test]
fn a_wrong_expectation_fails_the_run_with_expected_and_actual_side_by_side() {
    let dir = scratch("wrong-expectation");
    for name in ["cross-account-copy-succeeds", "source-key-disabled"] {
        copy_dir(&scenarios().join(name), &dir.join(name));
    }
    let file = dir.join("source-key-disabled/scenario.json");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("or pending deletion", "or scheduled for deletion"),
    )
    .unwrap();

    let printed = cli::run(&dir, &["source-key-disabled".to_owned()], Format::Text);
    assert_eq!(printed.status, 1, "{}", printed.text);
    let lines: Vec<&str> = printed.text.lines().collect();
    assert!(
        lines[0].starts_with("FAIL source-key-disabled ("),
        "{}",
        printed.text
    );
    assert_eq!(lines[1], "     before the fix:");
    let differing: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("     ≠"))
        .collect();
    assert_eq!(
        differing,
        ["     ≠     \"CopyJob.StatusMessage\": \"KMS key is either disabled or scheduled for deletion or access to KMS key is denied\" │     \"CopyJob.StatusMessage\": \"KMS key is either disabled or pending deletion or access to KMS key is denied\""],
        "{}",
        printed.text
    );
    assert!(
        printed.text.contains("decision record: {"),
        "the job's decision record is shown: {}",
        printed.text
    );
    assert_eq!(lines.last(), Some(&"0 of 1 scenarios passed"));
    // The fix still works: only the answer before it differs.
    assert!(!printed.text.contains("after the fix:"), "{}", printed.text);
}

#[test]
fn a_new_scenario_starts_from_a_template_that_loads_and_passes() {
    let dir = scratch("new");
    let printed = cli::new(&dir, "alias-before-key");
    assert_eq!(printed.status, 0, "{}", printed.text);
    let ran = cli::run(&dir, &["alias-before-key".to_owned()], Format::Text);
    assert_eq!(ran.status, 0, "{}", ran.text);
    assert!(
        ran.text.starts_with("ok   alias-before-key ("),
        "{}",
        ran.text
    );
    let again = cli::new(&dir, "alias-before-key");
    assert_eq!(again.status, 2);
    assert_eq!(
        cli::new(&dir, "Bad Name").text,
        "keyhole: a scenario name is lowercase words joined by -, not \"Bad Name\"\n"
    );
}

#[test]
fn list_names_each_scenario_with_its_summary_and_failing_check() {
    let printed = cli::list(&scenarios(), Format::Json);
    assert_eq!(printed.status, 0);
    let rows: serde_json::Value = serde_json::from_str(&printed.text).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "key-policy-missing-destination-account")
        .expect("listed");
    assert_eq!(row["failingCheck"], "source key policy (KMS)");
    assert_eq!(
        row["summary"],
        "The copy job fails with \"Given key ID is not accessible\": the EBS volume's key lets only its own account use it."
    );
}

/// The published JSON Schema agrees with keyhole: every scenario validates, and the malformed
/// files it can judge (shapes, not the models or captures) are rejected. Runs with the
/// project's Python (`KEYHOLE_PYTHON`, set by tools/test, which installs jsonschema).
#[test]
fn the_json_schema_accepts_every_scenario_and_rejects_malformed_shapes() {
    let Ok(python) = std::env::var("KEYHOLE_PYTHON") else {
        eprintln!("KEYHOLE_PYTHON is not set: run through tools/test to check the schema");
        return;
    };
    let output = std::process::Command::new(python)
        .arg(repo().join("client-tests/python/check_scenario_schema.py"))
        .arg(scenarios().join("scenario.schema.json"))
        .arg(scenarios())
        .arg(repo().join("emulator/tests/fixtures/scenarios-malformed"))
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: std::collections::BTreeMap<String, Option<String>> =
        serde_json::from_slice(&output.stdout).unwrap();
    let mut rejected = Vec::new();
    for (name, error) in &results {
        match name.split_once('/') {
            Some(("scenarios", scenario)) => {
                assert_eq!(error, &None, "{scenario} does not validate: {error:?}")
            }
            Some((_, case)) if error.is_some() => rejected.push(case),
            _ => {}
        }
    }
    assert!(
        results
            .keys()
            .filter(|k| k.starts_with("scenarios/"))
            .count()
            >= 8
    );
    assert_eq!(
        rejected,
        [
            "account-id-not-12-digits",
            "misspelt-operation",
            "not-json",
            "service-keyhole-does-not-serve",
            "step-with-two-kinds",
            "unknown-step-field",
            "unknown-top-level-field",
            "unsupported-version",
            "wrong-outcome-kind"
        ]
    );
    assert_eq!(
        results["scenarios-malformed/unknown-top-level-field"].as_deref(),
        Some("Additional properties are not allowed ('summery' was unexpected)")
    );
}

#[test]
fn the_readme_lists_every_scenario_as_scenario_list_prints_it() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (_, rest) = readme
        .split_once("<!-- scenarios:begin -->\n")
        .expect("begin marker");
    let (table, _) = rest
        .split_once("<!-- scenarios:end -->")
        .expect("end marker");
    let printed = cli::list(&scenarios(), Format::Markdown);
    assert_eq!(
        table, printed.text,
        "README.md is stale: paste `keyhole scenario list --format markdown` between the markers"
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    fn texts() -> Vec<(PathBuf, String)> {
        let mut texts: Vec<(PathBuf, String)> = std::fs::read_dir(scenarios())
            .unwrap()
            .map(|e| e.unwrap().path().join("scenario.json"))
            .filter(|p| p.is_file())
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, text)
            })
            .collect();
        texts.sort();
        texts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any edit of a real scenario (a cut, an insertion, a swapped character) is read as
        /// a scenario or refused with a line that exists: never a panic.
        #[test]
        fn an_edited_scenario_is_read_or_refused_with_a_real_line(
            pick in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(),
            cut in 0usize..40,
            insert in "[\\[\\]{}\":,a-zA-Z0-9$ \\n]{0,6}",
        ) {
            let texts = texts();
            let (file, text) = &texts[pick.index(texts.len())];
            let chars: Vec<char> = text.chars().collect();
            let start = at.index(chars.len());
            let end = (start + cut).min(chars.len());
            let edited: String = chars[..start]
                .iter()
                .chain(insert.chars().collect::<Vec<_>>().iter())
                .chain(chars[end..].iter())
                .collect();
            if let Err(error) = keyhole::scenario::load::parse(file, &edited) {
                let lines = edited.lines().count().max(1) as u32;
                prop_assert!(error.line >= 1 && error.line <= lines + 1, "{error}");
                prop_assert!(!error.reason.is_empty());
            }
        }
    }
}

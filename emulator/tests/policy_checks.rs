//! `keyhole policy check-*`, `implies`, `equivalent` as a CI job runs them: the binary, its
//! output to the letter, and its exit status (0 PASS, 1 FAIL, 2 bad input, 3 cannot decide).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Runs `keyhole policy ARGS` from the fixtures folder, so file names print short.
fn keyhole(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks"))
        .arg("policy")
        .args(args)
        .output()
        .expect("keyhole runs");
    let text = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn new_access_in_a_key_policy_prints_the_request_and_the_statement() {
    let (code, out) = keyhole(&[
        "check-no-new-access",
        "--existing",
        "key-before.json",
        "--new",
        "key-after.json",
        "--type",
        "kms-key",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "FAIL check-no-new-access: The modified permissions grant new access compared to your existing policy.
  a request that shows it:
    principal  arn:aws:iam::111111111111:root
    action     kms:Decrypt
    resource   arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    context    aws:PrincipalOrgID = o-abc123
  key-before.json (key policy): implicitDeny
  key-after.json (key policy): allowed
    Allow statement 1 (Sid \"CopyRole\") at line 3, column 3
  47 request classes evaluated
"
    );
    // The other way round, nothing is new: the organization's accounts include the role's.
    let (code, out) = keyhole(&[
        "check-no-new-access",
        "--existing",
        "key-after.json",
        "--new",
        "key-before.json",
        "--type",
        "kms-key",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "principal  arn:aws:sts::444455556666:assumed-role/BackupCopy/keyhole-session"
        ),
        "{out}"
    );
}

#[test]
fn access_not_granted_passes_for_denied_actions_and_fails_with_sarif() {
    let (code, out) = keyhole(&[
        "check-access-not-granted",
        "--actions",
        "kms:ScheduleKeyDeletion,kms:PutKeyPolicy",
        "developer.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().next(),
        Some("PASS check-access-not-granted: The policy document does not grant access to perform the listed actions or resources.")
    );
    let (code, out) = keyhole(&[
        "check-access-not-granted",
        "--actions",
        "kms:Decrypt",
        "--resources",
        "arn:aws:kms:us-east-1:444455556666:key/other-account",
        "developer.json",
    ]);
    assert_eq!(
        code, 0,
        "another account's key is outside the Resource pattern: {out}"
    );
    let (code, out) = keyhole(&[
        "check-access-not-granted",
        "--actions",
        "kms:Decrypt",
        "--format",
        "sarif",
        "developer.json",
    ]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "check-access-not-granted");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "developer.json"
    );
    let witness = &result["properties"]["witness"];
    assert_eq!(witness["action"], "kms:Decrypt");
    assert_eq!(
        witness["resource"],
        "arn:aws:kms:us-east-1:111122223333:key/example"
    );
}

#[test]
fn public_and_external_access_by_zone() {
    let (code, out) = keyhole(&[
        "check-no-public-access",
        "--resource-type",
        "AWS::KMS::Key",
        "key-after.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().next(),
        Some("PASS check-no-public-access: The resource policy does not grant public access for the given resource type.")
    );
    let (code, out) = keyhole(&[
        "check-no-external-access",
        "--type",
        "kms-key",
        "--zone",
        "organization",
        "--org-id",
        "o-abc123",
        "key-after.json",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = keyhole(&[
        "check-no-external-access",
        "--type",
        "kms-key",
        "--format",
        "json",
        "key-before.json",
    ]);
    assert_eq!(code, 1, "{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["message"],
        "The policy grants access to a principal outside the account."
    );
    assert_eq!(
        json["witness"]["principal"],
        "arn:aws:sts::444455556666:assumed-role/BackupCopy/keyhole-session"
    );
    assert_eq!(
        json["witness"]["decisions"][0]["statements"][0]["sid"],
        "CopyRole"
    );
}

#[test]
fn implies_and_equivalent() {
    let (code, out) = keyhole(&[
        "implies",
        "--type",
        "kms-key",
        "key-before.json",
        "key-after.json",
    ]);
    assert_eq!(
        code, 1,
        "the role's account may be outside the organization: {out}"
    );
    let (code, out) = keyhole(&[
        "equivalent",
        "--type",
        "identity",
        "developer.json",
        "developer.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().next(),
        Some("PASS equivalent: developer.json and developer.json allow exactly the same requests.")
    );
}

#[test]
fn outside_the_fragment_says_why_and_exits_3() {
    let (code, out) = keyhole(&[
        "check-no-new-access",
        "--existing",
        "developer.json",
        "--new",
        "home-folder.json",
        "--type",
        "identity",
    ]);
    assert_eq!(code, 3);
    assert_eq!(
        out.lines().next(),
        Some("UNDECIDABLE check-no-new-access: keyhole cannot decide this exactly: the resource \"arn:aws:s3:::home/${aws:username}/*\" uses a policy variable, which ties the resource to another value of the request.")
    );
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let many: Vec<String> = (0..101).map(|i| format!("kms:Action{i}")).collect();
    let (code, out) = keyhole(&[
        "check-access-not-granted",
        "--actions",
        &many.join(","),
        "developer.json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        out,
        "keyhole: Access Analyzer takes at most 100 actions and 100 resources; split the list so the result ports to AWS\n"
    );
    let (code, out) = keyhole(&[
        "check-no-public-access",
        "--resource-type",
        "KMS",
        "key-after.json",
    ]);
    assert_eq!(code, 2);
    assert!(
        out.starts_with("keyhole: unknown resource type KMS"),
        "{out}"
    );
}

#[test]
fn a_witness_becomes_a_corpus_case() {
    let (code, out) = keyhole(&[
        "check-no-new-access",
        "--existing",
        "key-before.json",
        "--new",
        "key-after.json",
        "--type",
        "kms-key",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&out).unwrap();
    let dir = std::env::temp_dir().join(format!("keyhole-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (case, into) = (dir.join("case.json"), dir.join("kept.json"));
    std::fs::write(&case, json["witness"]["corpusCase"].to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["corpus", "dump", "--into"])
        .arg(&into)
        .args(["--name", "organization accounts decrypt"])
        .arg(&case)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "added \"organization accounts decrypt\" to {}: allowed\n",
            into.display()
        )
    );
    let family: Value = serde_json::from_str(&std::fs::read_to_string(&into).unwrap()).unwrap();
    assert_eq!(family["family"], "kept");
    let kept = &family["cases"][0];
    assert_eq!(kept["expect"]["decision"], "allowed");
    assert_eq!(kept["expect"]["layer"], "ResourcePolicy");
    // The corpus reader decides it as the check did.
    let decision = keyhole::policy::corpus::read(kept).unwrap().decide();
    assert!(decision.is_allowed(), "{}", decision.explain());
    std::fs::remove_dir_all(&dir).unwrap();
}

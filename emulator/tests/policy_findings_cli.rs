//! `keyhole policy validate` with Access Analyzer's findings: the text a person reads, the
//! JSON a CI tool reads (exactly a ValidatePolicy response), and the exit codes.

use keyhole::policy::cli::validate_report;
use serde_json::{json, Value};

fn report(ty: &str, text: &str, as_json: bool) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = validate_report(ty, text, as_json, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap(),
    )
}

const PASS_ROLE: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"iam:PassRole\", \"Resource\": \"*\"}\n  ]\n}\n";

#[test]
fn a_clean_policy_exits_0() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;
    assert_eq!(
        report("identity", doc, false),
        (
            0,
            "valid identity policy: 1 statement(s)\nAccess Analyzer: no findings\n".into()
        )
    );
    assert_eq!(
        report("identity", doc, true),
        (0, "{\n  \"findings\": []\n}\n".into())
    );
}

#[test]
fn a_security_warning_fails_with_its_line_and_column() {
    let (code, out) = report("identity", PASS_ROLE, false);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "valid identity policy: 1 statement(s)\n\
         Access Analyzer: 1 finding(s), 1 of them ERROR or SECURITY_WARNING\n\
         line 4, column 35: SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE: Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.\n  \
         see https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource\n"
    );
}

#[test]
fn json_is_the_validate_policy_response() {
    let (code, out) = report("identity", PASS_ROLE, true);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({"findings": [{
            "findingDetails": "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
            "findingType": "SECURITY_WARNING",
            "issueCode": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource",
            "locations": [
                {"path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}],
                 "span": {"start": {"line": 4, "column": 34, "offset": 80},
                          "end": {"line": 4, "column": 48, "offset": 94}}},
                {"path": [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}],
                 "span": {"start": {"line": 4, "column": 62, "offset": 108},
                          "end": {"line": 4, "column": 65, "offset": 111}}}
            ]
        }]})
    );
}

#[test]
fn the_services_verdict_still_comes_first() {
    // IAM refuses the old version, and Access Analyzer finds the missing principal of a key
    // policy: both are said, and the exit code is 1.
    let (code, out) = report(
        "kms-key",
        r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
        false,
    );
    assert_eq!(code, 1);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("MalformedPolicyDocumentException: Policy contains a statement with no principal")
    );
    assert_eq!(
        lines.next(),
        Some("Access Analyzer: 2 finding(s), 1 of them ERROR or SECURITY_WARNING")
    );
    assert!(out.contains("WARNING MISSING_VERSION"), "{out}");
    assert!(out.contains("ERROR MISSING_PRINCIPAL"), "{out}");
    // Organizations' own documents are not IAM grammar: no Access Analyzer section.
    assert_eq!(
        report("tag", "{}", false).1,
        "MalformedPolicyDocumentException: The provided policy document does not meet the requirements of the specified policy type.\n"
    );
    assert_eq!(report("nope", "{}", false).0, 2);
}

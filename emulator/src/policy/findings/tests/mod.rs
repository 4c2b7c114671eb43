//! One case per issue code: the document, the finding's exact details, its path and the
//! text its span covers.

use super::codes::CHECKS;
use super::ValidatePolicyResourceType as Rt;
use super::ValidatePolicyType::{self, *};
use super::*;

const V: &str = r#""Version":"2012-10-17""#;

/// An identity-policy document around one statement.
fn one(statement: &str) -> String {
    format!(r#"{{{V},"Statement":[{statement}]}}"#)
}

/// The one finding of `code` in `doc`, with its details, first path and spanned text.
fn expect(
    ty: ValidatePolicyType,
    rt: Option<Rt>,
    doc: &str,
    code: &str,
    details: &str,
    path: &str,
    spanned: &str,
) {
    let findings = validate_findings(doc, ty, rt);
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.issue_code == code).collect();
    assert_eq!(hits.len(), 1, "{code} in {doc}: {findings:#?}");
    let f = hits[0];
    assert_eq!(f.finding_details, details, "{code}");
    assert_eq!(f.finding_type, codes::check(code).finding_type);
    assert_eq!(f.learn_more_link, codes::check(code).learn_more_link());
    let l = &f.locations[0];
    assert_eq!(serde_json::to_string(&l.path).unwrap(), path, "{code}");
    let (s, e) = (l.span.start.offset as usize, l.span.end.offset as usize);
    assert_eq!(&doc[s..e], spanned, "{code}");
}

fn identity(doc: &str, code: &str, details: &str, path: &str, spanned: &str) {
    expect(IdentityPolicy, None, doc, code, details, path, spanned);
}

fn resource(doc: &str, code: &str, details: &str, path: &str, spanned: &str) {
    expect(ResourcePolicy, None, doc, code, details, path, spanned);
}

fn trust(doc: &str, code: &str, details: &str, path: &str, spanned: &str) {
    expect(
        ResourcePolicy,
        Some(Rt::AssumeRolePolicyDocument),
        doc,
        code,
        details,
        path,
        spanned,
    );
}

fn scp(doc: &str, code: &str, details: &str, path: &str, spanned: &str) {
    expect(
        ServiceControlPolicy,
        None,
        doc,
        code,
        details,
        path,
        spanned,
    );
}

const S0: &str = r#"[{"value":"Statement"},{"index":0}"#;

fn p(rest: &str) -> String {
    if rest.is_empty() {
        format!("{S0}]")
    } else {
        format!("{S0},{rest}]")
    }
}

mod policies;
mod values;

#[test]
fn a_clean_policy_has_no_findings() {
    let doc = one(
        r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}"#,
    );
    assert_eq!(validate_findings(&doc, IdentityPolicy, None), vec![]);
}

#[test]
fn positions_are_lines_from_one_columns_and_offsets_from_zero() {
    let doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"kms:Decrypt\", \"Resource\": \"é*\"}\n}";
    let f = validate_findings(doc, IdentityPolicy, None);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].issue_code, "INVALID_ARN_PREFIX");
    let span = f[0].locations[0].span;
    let byte = doc.find("\"é*\"").unwrap();
    assert_eq!(
        span.start,
        Position {
            line: 3,
            column: 72,
            offset: byte as u32
        }
    );
    // `é` is one character: the end offset counts characters, not bytes.
    assert_eq!(
        span.end,
        Position {
            line: 3,
            column: 76,
            offset: byte as u32 + 4
        }
    );
    assert_eq!(
        serde_json::to_value(&f[0]).unwrap(),
        serde_json::json!({
            "findingDetails": "Add the required prefix (arn) to the resource ARN.",
            "findingType": "ERROR",
            "issueCode": "INVALID_ARN_PREFIX",
            "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-arn-prefix",
            "locations": [{"path": [{"value": "Statement"}, {"value": "Resource"}],
                "span": {"start": {"line": 3, "column": 72, "offset": byte},
                         "end": {"line": 3, "column": 76, "offset": byte + 4}}}]
        })
    );
}

#[test]
fn every_code_is_documented_once_and_links_to_its_section() {
    for (i, c) in CHECKS.iter().enumerate() {
        assert!(
            CHECKS[..i].iter().all(|d| d.code != c.code),
            "{} twice",
            c.code
        );
        assert!(!c.details.is_empty(), "{}", c.code);
        assert!(c.learn_more_link().starts_with(codes::REFERENCE));
    }
    assert_eq!(
        codes::check("PASS_ROLE_WITH_STAR_IN_RESOURCE").learn_more_link(),
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource"
    );
}

#[test]
fn json_and_document_shape() {
    let doc = "{\"Version\": \"2012-10-17\",\n \"Statement\": [}";
    identity(
        doc,
        "JSON_SYNTAX_ERROR",
        "Fix the JSON syntax error at index 41 line 2 column 15.",
        "[]",
        "}",
    );
    identity(
        "[]",
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type Object.",
        "[]",
        "[]",
    );
    let doc = format!(
        r#"{{{V},"Statement":{{"Effect":"Deny","Action":"kms:*","Resource":"*"}},"Extra":1}}"#
    );
    identity(
        &doc,
        "INVALID_POLICY_ELEMENT",
        "The policy element Extra is not valid.",
        r#"[{"key":"Extra"}]"#,
        "\"Extra\"",
    );
    let doc =
        r#"{"Version":"2013-10-17","Statement":{"Effect":"Deny","Action":"kms:*","Resource":"*"}}"#;
    identity(
        doc,
        "INVALID_VERSION",
        "The version 2013-10-17 is not valid. Use one of the following versions: 2012-10-17, 2008-10-17",
        r#"[{"value":"Version"}]"#,
        "\"2013-10-17\"",
    );
    let doc = r#"{"Statement":{"Effect":"Deny","Action":"kms:*","Resource":"*"}}"#;
    identity(
        doc,
        "MISSING_VERSION",
        "We recommend that you specify the Version element to help you with debugging permission issues.",
        "[]",
        doc,
    );
    let doc = format!("{{{V}}}");
    identity(
        &doc,
        "MISSING_STATEMENT",
        "Add a statement to the policy",
        "[]",
        &doc,
    );
    let doc = format!(r#"{{{V},"Statement":["afd"]}}"#);
    identity(
        &doc,
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type Object.",
        &p(""),
        "\"afd\"",
    );
}

#[test]
fn statement_elements() {
    let doc =
        one(r#"{"Sid":"a","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Extra":1}"#);
    identity(
        &doc,
        "INVALID_POLICY_ELEMENT",
        "The policy element Extra is not valid.",
        &p(r#"{"key":"Extra"}"#),
        "\"Extra\"",
    );
    let st = r#"{"Action":"kms:Decrypt","Resource":"*"}"#;
    identity(
        &one(st),
        "MISSING_EFFECT",
        "Add an Effect element to the policy statement with a value of Allow or Deny.",
        &p(""),
        st,
    );
    identity(
        &one(r#"{"Effect":"denY","Action":"kms:Decrypt","Resource":"*"}"#),
        "INVALID_EFFECT",
        "The effect denY is not valid. Use Allow or Deny.",
        &p(r#"{"value":"Effect"}"#),
        "\"denY\"",
    );
    let st = r#"{"Effect":"Allow","Resource":"*"}"#;
    identity(
        &one(st),
        "MISSING_ACTION",
        "Add an Action or NotAction element to the policy statement.",
        &p(""),
        st,
    );
    let st = r#"{"Effect":"Allow","Action":"kms:Decrypt"}"#;
    identity(
        &one(st),
        "MISSING_RESOURCE",
        "Add a Resource or NotResource element to the policy statement.",
        &p(""),
        st,
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":"kms:Decrypt","NotAction":"kms:Encrypt","Resource":"*"}"#),
        "UNSUPPORTED_ELEMENT_COMBINATION",
        "The policy elements Action and NotAction can not be used in the same statement. Remove one of these elements.",
        &p(r#"{"key":"NotAction"}"#),
        "\"NotAction\"",
    );
    identity(
        &one(r#"{"Sid":{},"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}"#),
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type String.",
        &p(r#"{"value":"Sid"}"#),
        "{}",
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":{},"Resource":"*"}"#),
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type Array.",
        &p(r#"{"value":"Action"}"#),
        "{}",
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#),
        "EMPTY_ARRAY_ACTION",
        "This statement includes no actions and does not affect the policy. Specify actions.",
        &p(r#"{"value":"Action"}"#),
        "[]",
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":[]}"#),
        "EMPTY_ARRAY_RESOURCE",
        "This statement includes no resources and does not affect the policy. Specify resources.",
        &p(r#"{"value":"Resource"}"#),
        "[]",
    );
}

#[test]
fn sids() {
    let two = |a: &str, b: &str| {
        format!(
            r#"{{{V},"Statement":[{{"Sid":"{a}","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}},{{"Sid":"{b}","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}}]}}"#
        )
    };
    let second = r#"[{"value":"Statement"},{"index":1},{"value":"Sid"}]"#;
    identity(
        &two("s1", "s1"),
        "UNIQUE_SIDS_REQUIRED",
        "Duplicate statement IDs are not supported for this policy type. Update the Sid value.",
        second,
        "\"s1\"",
    );
    let rp = |a: &str| {
        format!(
            r#"{{{V},"Statement":[{{"Sid":"{a}","Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"kms:Decrypt","Resource":"*"}},{{"Sid":"{a}","Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#
        )
    };
    resource(&rp("Key users"), "UNIQUE_SIDS_RECOMMENDED", "We recommend that you use statement IDs that are unique to your policy. Update the Sid value.", second, "\"Key users\"");
    identity(
        &two("has space", "b"),
        "UNSUPPORTED_SID",
        "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]",
        &p(r#"{"value":"Sid"}"#),
        "\"has space\"",
    );
    identity(
        &two("", "b"),
        "EMPTY_SID_VALUE",
        "Add a value to the empty string in the Sid element.",
        &p(r#"{"value":"Sid"}"#),
        "\"\"",
    );
}

#[test]
fn text_names_the_line_and_column() {
    let doc = "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}}";
    let text = render_text(&validate_findings(doc, IdentityPolicy, None));
    assert_eq!(
        text,
        "line 1, column 1: WARNING MISSING_VERSION: We recommend that you specify the Version element to help you with debugging permission issues.\n  see https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-general-warning-missing-version\n"
    );
}

/// Every finding's spans lie inside the document, start before they end, and agree with
/// the line and column of their offset.
fn well_placed(doc: &str, findings: &[Finding]) {
    let chars: Vec<char> = doc.chars().collect();
    for f in findings {
        assert!(CHECKS.iter().any(|c| c.code == f.issue_code));
        for l in &f.locations {
            let (s, e) = (l.span.start, l.span.end);
            assert!(
                s.offset <= e.offset && e.offset as usize <= chars.len(),
                "{f:?}"
            );
            for p in [s, e] {
                let before = &chars[..p.offset as usize];
                let line = before.iter().filter(|&&c| c == '\n').count() as u32 + 1;
                let column = before.iter().rev().take_while(|&&c| c != '\n').count() as u32;
                assert_eq!((p.line, p.column), (line, column), "{f:?}");
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn any_text_is_answered_with_well_placed_findings(doc in "\\PC{0,80}") {
        for ty in [IdentityPolicy, ResourcePolicy, ServiceControlPolicy, ResourceControlPolicy] {
            well_placed(&doc, &validate_findings(&doc, ty, None));
        }
    }

    #[test]
    fn damaged_policies_are_answered_with_well_placed_findings(
        policy in crate::policy::strategies::policy_json(true),
        cut in 0usize..2000,
        insert in proptest::sample::select(vec!["", "\"", "{", "}", "[", ":", ",", "\\", "é", "${", " *"]),
    ) {
        let text = serde_json::to_string_pretty(&policy).unwrap();
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
        let doc = format!("{}{insert}{}", &text[..at], &text[at..]);
        for rt in [None, Some(Rt::AssumeRolePolicyDocument)] {
            well_placed(&doc, &validate_findings(&doc, ResourcePolicy, rt));
        }
        well_placed(&doc, &validate_findings(&doc, IdentityPolicy, None));
    }
}

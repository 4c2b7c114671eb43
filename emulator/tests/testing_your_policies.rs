//! The README's "Testing your policies" example, run: a key policy meant for one
//! organization, with a planted mistake (`StringEqualsIfExists` lets a caller with no
//! organization through); requests drawn from the policy's own classes find it, and the
//! failure names the request and the statement.

use keyhole::policy::analysis::{decide, scope_for, Subject};
use keyhole::policy::strategies::{expect_denied, requests_from};
use keyhole::policy::{validate, PolicyType, Request};
use proptest::test_runner::{Config, TestError, TestRunner};

// README: begin
const KEY_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Admins", "Effect": "Allow",
   "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
  {"Sid": "OrgDecrypt", "Effect": "Allow", "Principal": {"AWS": "*"},
   "Action": "kms:Decrypt", "Resource": "*",
   "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}}
]}"#;

/// No one outside account 111122223333 and organization o-abc123 may decrypt.
fn outsiders_cannot_decrypt(runner: &mut TestRunner) -> Result<(), Box<TestError<Request>>> {
    let policy = validate(KEY_POLICY, PolicyType::KmsKey).expect("a valid key policy");
    let key = Subject::new("key-policy.json", PolicyType::KmsKey, policy);
    let scope = scope_for(PolicyType::KmsKey, "111122223333", None);
    let requests = requests_from(std::slice::from_ref(&key), &scope).expect("decidable");
    runner
        .run(&requests, |request| {
            let outside = request.principal.account.as_deref() != Some("111122223333")
                && request
                    .context
                    .get("aws:principalorgid")
                    .is_none_or(|e| e.values[0].text() != "o-abc123");
            if outside && request.action.eq_ignore_ascii_case("kms:Decrypt") {
                expect_denied(&decide(&key, &request))?;
            }
            Ok(())
        })
        .map_err(Box::new)
}
// README: end

#[test]
fn the_planted_mistake_is_found_with_its_witness() {
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let Err(failure) = outsiders_cannot_decrypt(&mut runner) else {
        panic!("the property should fail on the planted mistake");
    };
    let TestError::Fail(reason, request) = *failure else {
        panic!("the property should fail, not abort");
    };
    // The shrunk witness: a caller from another account, with no organization at all.
    assert_ne!(request.principal.account.as_deref(), Some("111122223333"));
    assert!(
        request.context.get("aws:principalorgid").is_none(),
        "{request:?}"
    );
    let reason = reason.to_string();
    // The caller may shrink to a role, a user or a service principal: any of them is
    // outside the account and carries no organization, so each is a true witness.
    assert!(reason.contains("expected denied, got:\nallowed kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab by "), "{reason}");
    assert!(
        !reason.contains("by arn:aws:iam::111122223333:"),
        "{reason}"
    );
    assert!(
        reason.contains("Allow statement #1 Sid \"OrgDecrypt\" at line 4 column 3"),
        "{reason}"
    );
}

#[test]
fn the_readme_shows_this_example() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let this = std::fs::read_to_string(file!().replace("emulator/", "")).unwrap_or_else(|_| {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/testing_your_policies.rs"
        ))
        .unwrap()
    });
    let example = this
        .split("// README: begin\n")
        .nth(1)
        .unwrap()
        .split("// README: end")
        .next()
        .unwrap();
    assert!(
        readme.contains(example.trim()),
        "README's \"Testing your policies\" must show tests/testing_your_policies.rs's example"
    );
}

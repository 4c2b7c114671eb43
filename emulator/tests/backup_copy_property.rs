//! Issue 7's property: for random source key policies, a cross-account copy completes
//! exactly when `keyhole policy simulate` (the library function the CLI calls) allows the
//! destination's AWSServiceRoleForBackup every KMS permission the copy needs; when it does
//! not, the job fails with the resource type's text.
//!
//! The permissions are the ones AWS documents (issue 14).
//! An EBS snapshot is copied through EC2 under a grant (CloudTrail in the seeds: the caller
//! is the destination's AWSServiceRoleForBackup): kms:CreateGrant and kms:ListGrants, what
//! tecracer's working key policy gives that role, and its managed policy
//! AWSBackupServiceLinkedRolePolicyForBackup must allow them too (the identity side of a
//! cross-account KMS call). A fully managed EFS backup is copied by AWS Backup itself:
//! kms:CreateGrant, kms:GenerateDataKey and kms:Decrypt (devguide encryption.html), decided
//! by the key policy alone, which the simulator reads with an identity policy that allows
//! everything.
//!
//! Runs in-process through keyhole's request pipeline: one world, one new key per case.

use std::cell::Cell;

use http::Method;
use keyhole::instance::Instance;
use keyhole::policy::simulate::{simulate_with_decisions, ContextEntryInput, SimulationRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

mod support;

const MGMT: &str = "333333333333";
const SRC: &str = "111111111111";
const DST: &str = "222222222222";
const OTHER: &str = "999999999999";
const REGION: &str = "us-east-1";
const SLR: &str =
    "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup";
const ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";
const DEST_VAULT: &str = "arn:aws:backup:us-east-1:222222222222:backup-vault:dest";

/// The KMS permissions the seeds list for a cross-account copy (ListGrant read as
/// kms:ListGrants, the action's name).
const SEED_PERMISSIONS: [&str; 11] = [
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
];

struct Env {
    instance: Instance,
    org_id: String,
    slr_policy: String,
    n: Cell<u32>,
}

impl Env {
    fn call(
        &self,
        account: &str,
        service: &str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> (u16, Value) {
        let resp = support::in_process(
            &self.instance,
            account,
            REGION,
            service,
            method,
            path,
            headers,
            body,
        );
        let body = serde_json::from_slice(&resp.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&resp.body).into()));
        (resp.status, body)
    }

    fn json_op(&self, account: &str, service: &str, target: &str, body: Value) -> Value {
        let (status, body) = self.call(
            account,
            service,
            Method::POST,
            "/",
            &[
                ("x-amz-target", target),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            body.to_string(),
        );
        assert_eq!(status, 200, "{target}: {body}");
        body
    }

    fn kms(&self, account: &str, op: &str, body: Value) -> Value {
        self.json_op(account, "kms", &format!("TrentService.{op}"), body)
    }

    fn orgs(&self, account: &str, op: &str, body: Value) -> Value {
        let target = format!("AWSOrganizationsV20161128.{op}");
        self.json_op(account, "organizations", &target, body)
    }

    fn iam(&self, account: &str, params: &[(&str, &str)]) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().copied().chain([("Version", "2010-05-08")]))
            .finish();
        let (status, body) = self.call(
            account,
            "iam",
            Method::POST,
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            body,
        );
        assert_eq!(status, 200, "{params:?}: {body}");
    }

    fn backup(&self, account: &str, method: Method, path: &str, body: Value) -> Value {
        let (status, body) = self.call(
            account,
            "backup",
            method,
            path,
            &[("content-type", "application/json")],
            if body.is_null() {
                String::new()
            } else {
                body.to_string()
            },
        );
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    fn admin(&self, path: &str, body: Value) {
        let resp = support::admin_in_process(&self.instance, Method::POST, path, &body);
        assert_eq!(resp.status, 200, "{path}");
    }

    /// The working world of the copy, without a source key: one organization managed by
    /// MGMT, cross-account backup on, both service-linked roles, SRC's job role, DST's
    /// vault under its own key with a policy that accepts SRC's copies.
    fn build() -> Env {
        let mut env = Env {
            instance: Instance::new(keyhole::Settings::default()),
            org_id: String::new(),
            slr_policy: slr_policy(),
            n: Cell::new(0),
        };
        let org = env.orgs(MGMT, "CreateOrganization", json!({"FeatureSet": "ALL"}));
        env.org_id = org["Organization"]["Id"].as_str().unwrap().to_owned();
        for account in [SRC, DST] {
            let invite = env.orgs(
                MGMT,
                "InviteAccountToOrganization",
                json!({"Target": {"Type": "ACCOUNT", "Id": account}}),
            );
            let id = invite["Handshake"]["Id"].as_str().unwrap().to_owned();
            env.orgs(account, "AcceptHandshake", json!({"HandshakeId": id}));
            env.iam(
                account,
                &[
                    ("Action", "CreateServiceLinkedRole"),
                    ("AWSServiceName", "backup.amazonaws.com"),
                ],
            );
        }
        env.backup(
            MGMT,
            Method::PUT,
            "/global-settings",
            json!({"GlobalSettings": {"isCrossAccountBackupEnabled": "true"}}),
        );
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        env.iam(
            SRC,
            &[
                ("Action", "CreateRole"),
                ("RoleName", "BackupRole"),
                ("AssumeRolePolicyDocument", &trust.to_string()),
            ],
        );
        env.iam(
            SRC,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "BackupRole"),
                (
                    "PolicyArn",
                    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                ),
            ],
        );
        // Shared with SRC's copy role, which must be able to use it (devguide
        // logicallyairgappedvault.html, "IAM Role").
        let dest_policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{DST}:root")},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": ROLE},
             "Action": ["kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"}]});
        let dest_key = env.kms(DST, "CreateKey", json!({"Policy": dest_policy.to_string()}))
            ["KeyMetadata"]["Arn"]
            .as_str()
            .unwrap()
            .to_owned();
        env.backup(
            DST,
            Method::PUT,
            "/backup-vaults/dest",
            json!({"EncryptionKeyArn": dest_key}),
        );
        let vault_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{SRC}:root")},
            "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]});
        env.backup(
            DST,
            Method::PUT,
            "/backup-vaults/dest/access-policy",
            json!({"Policy": vault_policy.to_string()}),
        );
        env.backup(SRC, Method::PUT, "/backup-vaults/src", json!({}));
        env
    }

    /// Backs up a new resource of `kind` under a new SRC key with `policy`, copies it to
    /// DST; the key's ARN and the copy job.
    fn copy_under(&self, kind: Kind, policy: &str) -> (String, Value) {
        let n = self.n.get() + 1;
        self.n.set(n);
        let created = self.kms(
            SRC,
            "CreateKey",
            json!({"Policy": policy, "BypassPolicyLockoutSafetyCheck": true}),
        );
        let key = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
        let (vault, resource) = match kind {
            Kind::Ebs => {
                let volume = format!("arn:aws:ec2:{REGION}:{SRC}:volume/vol-{n:08}");
                self.admin(
                    "/_keyhole/resources",
                    json!({"Arn": volume, "KmsKeyArn": key}),
                );
                ("src".to_owned(), volume)
            }
            Kind::Efs => {
                // Fully managed: the backup is under the source vault's key.
                let vault = format!("efs-{n}");
                self.backup(
                    SRC,
                    Method::PUT,
                    &format!("/backup-vaults/{vault}"),
                    json!({"EncryptionKeyArn": key}),
                );
                let fs = format!("arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-{n:08}");
                (vault, fs)
            }
        };
        let started = self.backup(
            SRC,
            Method::PUT,
            "/backup-jobs",
            json!({"BackupVaultName": vault, "ResourceArn": resource, "IamRoleArn": ROLE}),
        );
        let rp = started["RecoveryPointArn"].as_str().unwrap();
        let copy = self.backup(
            SRC,
            Method::PUT,
            "/copy-jobs",
            json!({"SourceBackupVaultName": vault, "RecoveryPointArn": rp,
                "DestinationBackupVaultArn": DEST_VAULT, "IamRoleArn": ROLE,
                "Lifecycle": {"DeleteAfterDays": 14}}),
        );
        let id = copy["CopyJobId"].as_str().unwrap();
        let job = self.backup(SRC, Method::GET, &format!("/copy-jobs/{id}"), Value::Null);
        (key, job["CopyJob"].clone())
    }

    /// Which of `actions` the simulator allows the destination's service-linked role on
    /// `key` under `key_policy`, the copy going through `via`, with `identity` as the role's
    /// policy. kms:GrantIsForAWSResource comes with the grant operations only.
    fn allowed(
        &self,
        key: &str,
        key_policy: &str,
        via: &str,
        identity: &str,
        actions: &[&str],
    ) -> Vec<bool> {
        let entry = |name: &str, value: &str, ty: &str| ContextEntryInput {
            context_key_name: name.into(),
            context_key_values: vec![value.into()],
            context_key_type: ty.into(),
        };
        let decide = |action: &str| {
            let mut context_entries = vec![
                entry(
                    "kms:ViaService",
                    &format!("{via}.{REGION}.amazonaws.com"),
                    "string",
                ),
                entry("kms:CallerAccount", DST, "string"),
                entry("aws:PrincipalAccount", DST, "string"),
                entry("aws:PrincipalOrgID", &self.org_id, "string"),
            ];
            if GRANT_OPERATIONS.contains(&action) {
                context_entries.push(entry("kms:GrantIsForAWSResource", "true", "boolean"));
            }
            let request = SimulationRequest {
                policy_input_list: vec![identity.to_owned()],
                resource_policy: Some(key_policy.to_owned()),
                resource_owner: Some(format!("arn:aws:iam::{SRC}:root")),
                caller_arn: Some(SLR.to_owned()),
                action_names: vec![action.to_owned()],
                resource_arns: vec![key.to_owned()],
                context_entries,
                ..SimulationRequest::default()
            };
            let (response, _) = simulate_with_decisions(&request).expect("simulates");
            response.evaluation_results[0].eval_decision == "allowed"
        };
        actions.iter().map(|a| decide(a)).collect()
    }

    /// The seeds' permissions the destination's service-linked role can use at all through
    /// `via` (its own policy decides, the key policy allowing everything).
    fn usable(&self, via: &str) -> Vec<&'static str> {
        let open = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": SLR}, "Action": "kms:*", "Resource": "*"}]})
        .to_string();
        let key = format!("arn:aws:kms:{REGION}:{SRC}:key/00000000-0000-0000-0000-000000000000");
        let allowed = self.allowed(&key, &open, via, &self.slr_policy, &SEED_PERMISSIONS);
        SEED_PERMISSIONS
            .iter()
            .zip(allowed)
            .filter(|(_, ok)| *ok)
            .map(|(p, _)| *p)
            .collect()
    }
}

/// The operations kms:GrantIsForAWSResource is set on (KMS DG).
const GRANT_OPERATIONS: [&str; 3] = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/// An EBS copy: what tecracer's working key policy gives the destination's service-linked
/// role, less kms:RevokeGrant, which only undoes the grant.
const EBS_NEEDS: [&str; 2] = ["kms:CreateGrant", "kms:ListGrants"];

/// A fully managed copy: devguide encryption.html's minimum.
const EFS_NEEDS: [&str; 3] = ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"];

/// The identity side of a decision made by the key policy alone.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn slr_policy() -> String {
    let path = format!(
        "{}/data/managed-policies/AWSBackupServiceLinkedRolePolicyForBackup.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["document"].to_string()
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ebs,
    Efs,
}

/// One generated statement of the source key policy. Principals: the destination's root,
/// account id or AWSServiceRoleForBackup, everyone, another account. A Deny for everyone
/// spares the source account, so the owner keeps managing its key.
fn statement() -> impl Strategy<Value = Value> {
    let actions = prop::collection::vec(
        prop::sample::select(vec![
            "kms:DescribeKey",
            "kms:CreateGrant",
            "kms:ListGrants",
            "kms:RevokeGrant",
            "kms:ReEncryptFrom",
            "kms:ReEncrypt*",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:GenerateDataKey",
            "kms:GenerateDataKey*",
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:PutKeyPolicy",
            "kms:*",
        ]),
        1..6,
    );
    let principal = prop::sample::select(vec![
        json!({"AWS": format!("arn:aws:iam::{DST}:root")}),
        json!({"AWS": DST}),
        json!({"AWS": SLR}),
        json!({"AWS": [SLR, format!("arn:aws:iam::{OTHER}:root")]}),
        json!("*"),
        json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
    ]);
    let condition = prop::option::weighted(
        0.5,
        prop::sample::select(vec![
            json!({"StringEquals": {"kms:ViaService": format!("ec2.{REGION}.amazonaws.com")}}),
            json!({"StringEquals": {"kms:ViaService": format!("backup.{REGION}.amazonaws.com")}}),
            json!({"StringEquals": {"kms:ViaService": format!("rds.{REGION}.amazonaws.com")}}),
            json!({"StringLike": {"kms:ViaService": "*.us-east-1.amazonaws.com"}}),
            json!({"Bool": {"kms:GrantIsForAWSResource": "true"}}),
            json!({"Bool": {"kms:GrantIsForAWSResource": "false"}}),
            json!({"StringEquals": {"kms:CallerAccount": DST}}),
            json!({"StringEquals": {"kms:CallerAccount": OTHER}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "ORG"}}),
            json!({"StringNotEquals": {"aws:PrincipalOrgID": "ORG"}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-other00000"}}),
        ]),
    );
    (prop::bool::weighted(0.3), actions, principal, condition).prop_map(
        |(deny, actions, principal, condition)| {
            let mut s = json!({"Effect": if deny { "Deny" } else { "Allow" },
                "Principal": principal, "Action": actions, "Resource": "*"});
            let mut condition = condition.unwrap_or_else(|| json!({}));
            if deny && s["Principal"] == json!("*") {
                condition["StringNotEquals"]["kms:CallerAccount"] = json!(SRC);
            }
            if condition.as_object().is_some_and(|c| !c.is_empty()) {
                s["Condition"] = condition;
            }
            s
        },
    )
}

/// A source key policy: the owner's statement, the seeds' fix sometimes, random others.
fn key_policy() -> impl Strategy<Value = Value> {
    let seeds_fix = json!({"Sid": "Allow use of the key", "Effect": "Allow",
        "Principal": {"AWS": [format!("arn:aws:iam::{DST}:root")]},
        "Action": ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
            "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        "Resource": "*"});
    // Often an Allow of some of the permissions a copy uses, so that policies which allow
    // some but not all of them are common.
    let some = (
        prop::sample::subsequence(
            vec![
                "kms:DescribeKey",
                "kms:CreateGrant",
                "kms:ListGrants",
                "kms:ReEncryptFrom",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:GenerateDataKey",
                "kms:Decrypt",
            ],
            1..=7,
        ),
        prop::sample::select(vec![format!("arn:aws:iam::{DST}:root"), SLR.to_owned()]),
    )
        .prop_map(|(actions, principal)| {
            json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions,
                "Resource": "*"})
        });
    (
        prop::bool::weighted(0.3),
        prop::option::weighted(0.5, some),
        prop::collection::vec(statement(), 0..3),
    )
        .prop_map(move |(fix, some, random)| {
            let mut statements = vec![json!({"Sid": "owner", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{SRC}:root")},
                "Action": "kms:*", "Resource": "*"})];
            if fix {
                statements.push(seeds_fix.clone());
            }
            statements.extend(some);
            statements.extend(random);
            json!({"Version": "2012-10-17", "Statement": statements})
        })
}

#[test]
fn copy_completes_exactly_when_the_simulator_allows_every_needed_permission() {
    let env = Env::build();
    // Read off AWS's documentation and managed policy, not the engine: the EBS permissions
    // are ones the role's own policy lets it use through EC2; a fully managed copy's are
    // ones it cannot use through backup, so only the key policy can be what AWS asks.
    let through_ec2 = env.usable("ec2");
    assert!(
        EBS_NEEDS.iter().all(|p| through_ec2.contains(p)),
        "{through_ec2:?}"
    );
    assert_eq!(env.usable("backup"), ["kms:DescribeKey"]);
    let strategy = (key_policy(), prop::bool::ANY);
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let (completed, failed) = (Cell::new(0), Cell::new(0));
    runner
        .run(&strategy, |(policy, ebs)| {
            let policy = policy.to_string().replace("\"ORG\"", &format!("\"{}\"", env.org_id));
            let (kind, via, identity, needs) = if ebs {
                (Kind::Ebs, "ec2", env.slr_policy.as_str(), &EBS_NEEDS[..])
            } else {
                (Kind::Efs, "backup", ALLOW_ALL, &EFS_NEEDS[..])
            };
            let (key, job) = env.copy_under(kind, &policy);
            let allowed = env
                .allowed(&key, &policy, via, identity, needs)
                .into_iter()
                .all(|ok| ok);
            if allowed {
                completed.set(completed.get() + 1);
                prop_assert_eq!(&job["State"], "COMPLETED", "{} {}", policy, job);
            } else {
                failed.set(failed.get() + 1);
                prop_assert_eq!(&job["State"], "FAILED", "{} {}", policy, job);
                let message = match kind {
                    Kind::Ebs => "Given key ID is not accessible",
                    Kind::Efs => {
                        "KMS key is either disabled or pending deletion or access to KMS key is denied"
                    }
                };
                prop_assert_eq!(&job["StatusMessage"], message, "{} {}", policy, job);
            }
            Ok(())
        })
        .unwrap();
    // Both outcomes were exercised.
    eprintln!("completed {}, failed {}", completed.get(), failed.get());
    assert!(
        completed.get() > 0 && failed.get() > 0,
        "{completed:?} {failed:?}"
    );
}

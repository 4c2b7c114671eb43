//! `keyhole policy check-*`, `implies` and `equivalent`: read the documents, validate them
//! for their type, run the check, print it. Exit status: 0 PASS, 1 FAIL, 2 a usage or input
//! error, 3 outside what keyhole decides exactly.

use std::path::Path;

use crate::policy::validate::{validate, PolicyType};

use super::checks::{
    check_access_not_granted, check_no_external_access, check_no_new_access,
    check_no_public_access, equivalent, implies, scope_for, CheckResult, Zone, MAX_ACCESS_ACTIONS,
    MAX_ACCESS_RESOURCES,
};
use super::report::{exit_status, render, Format};
use super::subject::Subject;

/// What every check takes besides its documents.
#[derive(Debug, Clone)]
pub struct Common {
    /// The owner account: the policy's own account, or its resource's.
    pub account: String,
    /// The resource a resource-based policy guards (a key ARN, a vault ARN).
    pub resource: Option<String>,
    pub format: Format,
}

/// The printed answer and the exit status.
pub struct Printed {
    pub text: String,
    pub status: i32,
}

fn usage(message: String) -> Printed {
    Printed {
        text: format!("keyhole: {message}\n"),
        status: 2,
    }
}

/// `--type` names: the validator's, with AWS's `IDENTITY_POLICY`/`RESOURCE_POLICY` too.
pub fn policy_type(name: &str) -> Result<PolicyType, Printed> {
    match name {
        "IDENTITY_POLICY" => Ok(PolicyType::Identity),
        "RESOURCE_POLICY" => Ok(PolicyType::Resource),
        other => PolicyType::from_cli(other).ok_or_else(|| {
            usage(format!(
                "unknown policy type {other}: use identity, resource, kms-key, backup-vault, trust, scp or rcp"
            ))
        }),
    }
}

/// `--resource-type` of check-no-public-access, as Access Analyzer names them.
pub fn resource_policy_type(name: &str) -> Result<PolicyType, Printed> {
    Ok(match name {
        "AWS::KMS::Key" => PolicyType::KmsKey,
        "AWS::Backup::BackupVault" => PolicyType::BackupVault,
        "AWS::IAM::AssumeRolePolicyDocument" => PolicyType::RoleTrust,
        n if n.starts_with("AWS::") && n.matches("::").count() == 2 => PolicyType::Resource,
        other => {
            return Err(usage(format!(
                "unknown resource type {other}: use an Access Analyzer resource type such as AWS::KMS::Key or AWS::Backup::BackupVault"
            )))
        }
    })
}

/// Reads and validates one document; the subject is named after its file.
pub fn load(path: &Path, ty: PolicyType) -> Result<Subject, Printed> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let policy = validate(&text, ty).map_err(|e| Printed {
        text: format!("{}: {}: {}\n", path.display(), e.code, e.message),
        status: 2,
    })?;
    Ok(Subject::new(&path.display().to_string(), ty, policy))
}

fn print(result: CheckResult, format: Format, files: &[(&Subject, &str)]) -> Printed {
    Printed {
        text: render(&result, format, files),
        status: exit_status(&result),
    }
}

fn run(f: impl FnOnce() -> Result<Printed, Printed>) -> Printed {
    f().unwrap_or_else(|e| e)
}

pub fn no_new_access(existing: &Path, new: &Path, ty: &str, common: &Common) -> Printed {
    run(|| {
        let ty = policy_type(ty)?;
        let (a, b) = (load(existing, ty)?, load(new, ty)?);
        let scope = scope_for(ty, &common.account, common.resource.as_deref());
        let result = check_no_new_access(&a, &b, &scope);
        Ok(print(
            result,
            common.format,
            &[(&a, &a.name), (&b, &b.name)],
        ))
    })
}

pub fn access_not_granted(
    policy: &Path,
    ty: &str,
    actions: &[String],
    resources: &[String],
    common: &Common,
) -> Printed {
    run(|| {
        let ty = policy_type(ty)?;
        if actions.is_empty() && resources.is_empty() {
            return Err(usage(
                "name at least one action (--actions) or resource (--resources)".into(),
            ));
        }
        if actions.len() > MAX_ACCESS_ACTIONS || resources.len() > MAX_ACCESS_RESOURCES {
            return Err(usage(format!(
                "Access Analyzer takes at most {MAX_ACCESS_ACTIONS} actions and {MAX_ACCESS_RESOURCES} resources; \
                 split the list so the result ports to AWS"
            )));
        }
        let s = load(policy, ty)?;
        let scope = scope_for(ty, &common.account, common.resource.as_deref());
        let result = check_access_not_granted(&s, actions, resources, &scope);
        Ok(print(result, common.format, &[(&s, &s.name)]))
    })
}

pub fn no_public_access(policy: &Path, resource_type: &str, common: &Common) -> Printed {
    run(|| {
        let ty = resource_policy_type(resource_type)?;
        let s = load(policy, ty)?;
        let scope = scope_for(ty, &common.account, common.resource.as_deref());
        let result = check_no_public_access(&s, &scope);
        Ok(print(result, common.format, &[(&s, &s.name)]))
    })
}

pub fn no_external_access(policy: &Path, ty: &str, zone: &Zone, common: &Common) -> Printed {
    run(|| {
        let ty = policy_type(ty)?;
        let s = load(policy, ty)?;
        let scope = scope_for(ty, &common.account, common.resource.as_deref());
        let result = check_no_external_access(&s, zone, &scope);
        Ok(print(result, common.format, &[(&s, &s.name)]))
    })
}

/// `implies` (`equivalent: false`) or `equivalent`.
pub fn compare(a: &Path, b: &Path, ty: &str, equivalent_too: bool, common: &Common) -> Printed {
    run(|| {
        let ty = policy_type(ty)?;
        let (a, b) = (load(a, ty)?, load(b, ty)?);
        let scope = scope_for(ty, &common.account, common.resource.as_deref());
        let result = if equivalent_too {
            equivalent(&a, &b, &scope)
        } else {
            implies(&a, &b, &scope)
        };
        Ok(print(
            result,
            common.format,
            &[(&a, &a.name), (&b, &b.name)],
        ))
    })
}

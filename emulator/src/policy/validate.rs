//! Per-service validation: AWS's MalformedPolicyDocument texts and size
//! limits (evaluation.md "Grammar/limits", errors.md; IAM texts as moto
//! `iam/policy_validation.py` mirrors them).

use super::model::{
    Effect, Policy, PrincipalEntryKind, PrincipalPattern, ResourcePattern, Version,
};
use super::parser::{is_account_id, parse_full, Lint, ParseError, Parsed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// IAM managed or inline identity policy, permissions boundary, session policy.
    Identity,
    KmsKey,
    BackupVault,
    RoleTrust,
    Scp,
    Rcp,
    /// Any other resource-based policy (IAM grammar, Principal required).
    Resource,
    /// Organizations' own documents, not IAM grammar.
    TagPolicy,
    BackupPolicy,
}

impl PolicyType {
    /// The CLI's `--type` names.
    pub fn from_cli(name: &str) -> Option<PolicyType> {
        Some(match name {
            "identity" => PolicyType::Identity,
            "kms-key" => PolicyType::KmsKey,
            "backup-vault" => PolicyType::BackupVault,
            "trust" => PolicyType::RoleTrust,
            "scp" => PolicyType::Scp,
            "rcp" => PolicyType::Rcp,
            "resource" => PolicyType::Resource,
            "tag" => PolicyType::TagPolicy,
            "backup" => PolicyType::BackupPolicy,
            _ => return None,
        })
    }
}

/// A rejected document: the error code a service answers with, the
/// Organizations `Reason` where one applies, and AWS's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub code: &'static str,
    pub reason: Option<&'static str>,
    pub message: String,
}

impl ValidationError {
    fn new(code: &'static str, message: impl Into<String>) -> ValidationError {
        ValidationError {
            code,
            reason: None,
            message: message.into(),
        }
    }
}

pub const IAM_MANAGED_POLICY_LIMIT: usize = 6144;
pub const IAM_TRUST_POLICY_LIMIT: usize = 2048;
pub const KMS_KEY_POLICY_LIMIT: usize = 32768;
pub const ORGANIZATIONS_POLICY_LIMIT: usize = 5120;

const IAM_SYNTAX: &str = "Syntax errors in policy.";
const ORGS_MALFORMED: &str =
    "The provided policy document does not meet the requirements of the specified policy type.";

fn allowed_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{ff}')
}

fn charset_error(code: &'static str, member: &str, text: &str) -> Option<ValidationError> {
    // Most documents are printable ASCII: a byte test, before the per-character one.
    let ascii_ok = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7f);
    if text.is_empty() || !(text.bytes().all(|b| ascii_ok(&b)) || text.chars().all(allowed_char)) {
        return Some(ValidationError::new(
            code,
            format!(
                "1 validation error detected: Value '{text}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
            ),
        ));
    }
    None
}

/// Characters counted by IAM's size quotas (whitespace is not counted).
pub fn iam_policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Validates `text` as a policy of type `ty`, returning the compiled policy.
pub fn validate(text: &str, ty: PolicyType) -> Result<Policy, ValidationError> {
    match ty {
        PolicyType::Identity | PolicyType::RoleTrust | PolicyType::Resource => {
            validate_iam(text, ty, true)
        }
        PolicyType::KmsKey => validate_kms(text),
        PolicyType::BackupVault => validate_backup_vault(text),
        PolicyType::Scp | PolicyType::Rcp => validate_orgs(text, ty),
        PolicyType::TagPolicy | PolicyType::BackupPolicy => Err(ValidationError::new(
            "MalformedPolicyDocumentException",
            ORGS_MALFORMED,
        )),
    }
}

/// The simulator's rules: IAM grammar for every input, its own 131,072-character
/// input limit instead of each policy type's quota.
pub fn validate_for_simulation(text: &str, ty: PolicyType) -> Result<Policy, ValidationError> {
    match ty {
        PolicyType::Identity | PolicyType::RoleTrust | PolicyType::Resource => {
            validate_iam(text, ty, false)
        }
        _ => validate(text, ty),
    }
}

fn validate_iam(text: &str, ty: PolicyType, quotas: bool) -> Result<Policy, ValidationError> {
    let malformed = |m: &str| ValidationError::new("MalformedPolicyDocument", m);
    let member = if ty == PolicyType::RoleTrust {
        "assumeRolePolicyDocument"
    } else {
        "policyDocument"
    };
    if let Some(e) = charset_error("ValidationError", member, text) {
        return Err(e);
    }
    match ty {
        _ if !quotas => {}
        PolicyType::Identity if iam_policy_size(text) > IAM_MANAGED_POLICY_LIMIT => {
            return Err(ValidationError::new(
                "LimitExceeded",
                format!("Cannot exceed quota for PolicySize: {IAM_MANAGED_POLICY_LIMIT}"),
            ));
        }
        PolicyType::RoleTrust if iam_policy_size(text) > IAM_TRUST_POLICY_LIMIT => {
            return Err(ValidationError::new(
                "LimitExceeded",
                format!("Cannot exceed quota for ACLSizePerRole: {IAM_TRUST_POLICY_LIMIT}"),
            ));
        }
        _ => {}
    }
    let Parsed { policy, lints, .. } = parse_full(text).map_err(|_| malformed(IAM_SYNTAX))?;
    // Trust policies written under the 2008 grammar are still accepted by IAM.
    let old_trust = ty == PolicyType::RoleTrust && policy.version == Version::V2008_10_17;
    if policy.version != Version::V2012_10_17 && !old_trust {
        return Err(malformed(
            "Policy document must be version 2012-10-17 or greater.",
        ));
    }
    if lints
        .iter()
        .any(|l| matches!(l, Lint::EffectCase(_) | Lint::BadDateValue(_)))
    {
        return Err(malformed("The policy failed legacy parsing"));
    }
    if let Some(e) = resource_format_error(&policy) {
        if e.legacy {
            return Err(malformed("The policy failed legacy parsing"));
        }
    }
    let mut sids: Vec<&str> = Vec::new();
    for s in &policy.statements {
        if let Some(sid) = s.sid.as_deref().filter(|s| !s.is_empty()) {
            if sids.contains(&sid) {
                return Err(malformed(
                    "Statement IDs (SID) in a single policy must be unique.",
                ));
            }
            sids.push(sid);
        }
    }
    if sids
        .iter()
        .any(|s| !s.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(malformed(
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ));
    }
    if policy
        .statements
        .iter()
        .any(|s| s.action.as_ref().is_none_or(|a| a.patterns.is_empty()))
    {
        return Err(malformed("Policy statement must contain actions."));
    }
    if let Some(e) = resource_format_error(&policy) {
        return Err(malformed(&e.message));
    }
    for s in &policy.statements {
        for g in s.action.iter().flat_map(|a| &a.patterns) {
            action_prefix_error(&g.text).map_or(Ok(()), |m| Err(malformed(&m)))?;
        }
    }
    match ty {
        PolicyType::Identity => {
            // Principal: hashicorp/terraform#13449. NotPrincipal ("You cannot use the
            // NotPrincipal element in an IAM identity-based policy", IAM UG) gets the same
            // text (inferred: both are the one principal field to IAM's parser).
            if policy.statements.iter().any(|s| s.principal.is_some()) {
                return Err(malformed("Policy document should not specify a principal."));
            }
            require_resources(&policy).map_err(&malformed)?;
        }
        PolicyType::RoleTrust => {
            const TRUST_ACTIONS: [&str; 11] = [
                "sts:assumerole",
                "sts:assumerolewithsaml",
                "sts:assumerolewithwebidentity",
                "sts:decodeauthorizationmessage",
                "sts:getaccesskeyinfo",
                "sts:getcalleridentity",
                "sts:getfederationtoken",
                "sts:getservicebearertoken",
                "sts:getsessiontoken",
                "sts:setsourceidentity",
                "sts:tagsession",
            ];
            let ok = policy.statements.iter().all(|s| {
                s.action
                    .iter()
                    .flat_map(|a| &a.patterns)
                    .all(|g| TRUST_ACTIONS.contains(&g.text.as_str()))
            });
            if !ok {
                return Err(malformed(
                    "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
                ));
            }
            if policy.statements.iter().any(|s| s.resource.is_some()) {
                return Err(malformed("Has prohibited field Resource."));
            }
            // IAM UG `reference_policies_elements_notprincipal`: "You cannot use the
            // NotPrincipal element in ... an IAM role trust policy". The text is inferred from
            // IAM's "Has prohibited field Resource." and the same validator's "Has prohibited
            // field NotPrincipal" as Kinesis PutResourcePolicy quotes it.
            if policy
                .statements
                .iter()
                .any(|s| s.principal.as_ref().is_some_and(|b| b.negated))
            {
                return Err(malformed("Has prohibited field NotPrincipal."));
            }
            check_principals_iam(&policy).map_err(|m| malformed(&m))?;
        }
        _ => {
            check_principals_iam(&policy).map_err(|m| malformed(&m))?;
            require_resources(&policy).map_err(&malformed)?;
        }
    }
    Ok(policy)
}

fn require_resources(policy: &Policy) -> Result<(), &'static str> {
    if policy
        .statements
        .iter()
        .any(|s| s.resource.as_ref().is_none_or(|r| r.patterns.is_empty()))
    {
        return Err("Policy statement must contain resources.");
    }
    Ok(())
}

/// Is a Principal value one AWS accepts (format only: existence is the caller's business)?
pub fn principal_value_ok(
    kind: PrincipalEntryKind,
    value: &str,
    pattern: &PrincipalPattern,
) -> bool {
    match kind {
        PrincipalEntryKind::Star => true,
        PrincipalEntryKind::Aws => match pattern {
            PrincipalPattern::Any | PrincipalPattern::Account(_) => true,
            PrincipalPattern::Arn(a) => {
                let parts: Vec<&str> = a.splitn(6, ':').collect();
                match parts[..] {
                    ["arn", partition, svc, "", acct, res]
                        if !partition.is_empty() && is_account_id(acct) =>
                    {
                        let (ty, rest) = res.split_once('/').unwrap_or((res, ""));
                        !rest.is_empty()
                            && !rest.contains('*')
                            && match svc {
                                "iam" => matches!(ty, "user" | "role" | "federated-user"),
                                "sts" => matches!(ty, "assumed-role" | "federated-user"),
                                _ => false,
                            }
                    }
                    _ => false,
                }
            }
            PrincipalPattern::Name(_) => false,
        },
        PrincipalEntryKind::Service => {
            value.contains('.') && !value.contains('*') && !value.contains(' ')
        }
        PrincipalEntryKind::Federated | PrincipalEntryKind::CanonicalUser => {
            !value.is_empty() && !value.contains('*')
        }
    }
}

fn kind_name(kind: PrincipalEntryKind) -> &'static str {
    match kind {
        PrincipalEntryKind::Star | PrincipalEntryKind::Aws => "AWS",
        PrincipalEntryKind::Service => "Service",
        PrincipalEntryKind::Federated => "Federated",
        PrincipalEntryKind::CanonicalUser => "CanonicalUser",
    }
}

fn check_principals_iam(policy: &Policy) -> Result<(), String> {
    for s in &policy.statements {
        let Some(block) = &s.principal else {
            return Err("Missing required field Principal".into());
        };
        for e in &block.entries {
            if !principal_value_ok(e.kind, &e.value, &e.pattern) {
                return Err(format!(
                    "Invalid principal in policy: \"{}\":\"{}\"",
                    kind_name(e.kind),
                    e.value
                ));
            }
        }
    }
    Ok(())
}

struct ResourceError {
    legacy: bool,
    message: String,
}

fn resource_format_error(policy: &Policy) -> Option<ResourceError> {
    for s in &policy.statements {
        for p in s.resource.iter().flat_map(|r| &r.patterns) {
            let text = match p {
                ResourcePattern::Any => continue,
                ResourcePattern::Arn(a) => a.text(),
                ResourcePattern::Template(t) => t.text.as_str(),
            };
            if let Some(e) = one_resource_error(text) {
                return Some(e);
            }
        }
    }
    None
}

/// The partitions a Resource ARN may name (botocore's `partitions.json`); `world::partition`
/// maps regions onto the same names.
pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn one_resource_error(r: &str) -> Option<ResourceError> {
    let msg = |m: String| {
        Some(ResourceError {
            legacy: false,
            message: m,
        })
    };
    let Some((_, rest)) = r.split_once(':') else {
        return msg(format!("Resource {r} must be in ARN format or \"*\"."));
    };
    let (partition, rest) = rest.split_once(':').unwrap_or((rest, ""));
    if partition != "*" && !PARTITIONS.contains(&partition) {
        let segs: Vec<&str> = rest.split(':').collect();
        let seg = |i: usize| {
            segs.get(i)
                .copied()
                .filter(|s| !s.is_empty() || segs.len() > 1)
                .unwrap_or("*")
        };
        let tail = if segs.len() > 3 {
            segs[3..].join(":")
        } else {
            "*".into()
        };
        return msg(format!("Partition \"{partition}\" is not valid for resource \"arn:{partition}:{}:{}:{}:{tail}\".", seg(0), seg(1), seg(2)));
    }
    if !rest.contains(':') {
        return msg("Resource vendor must be fully qualified and cannot contain regexes.".into());
    }
    // "arn:aws:s3::bucket" style: fewer than six segments with an empty one.
    if r.matches(':').count() < 5 && r.contains("::") {
        return Some(ResourceError {
            legacy: true,
            message: String::new(),
        });
    }
    let (service, after) = rest.split_once(':').unwrap_or((rest, ""));
    if service == "iam" {
        let (region, after) = after.split_once(':').unwrap_or((after, ""));
        let (_, res) = after.split_once(':').unwrap_or((after, ""));
        if !region.is_empty() {
            return msg(format!(
                "IAM resource {r} cannot contain region information."
            ));
        }
        const IAM_PATHS: [&str; 13] = [
            "user/",
            "federated-user/",
            "role/",
            "group/",
            "instance-profile/",
            "mfa/",
            "server-certificate/",
            "policy/",
            "sms-mfa/",
            "saml-provider/",
            "oidc-provider/",
            "report/",
            "access-report/",
        ];
        if res != "*" && res != "root" && !IAM_PATHS.iter().any(|p| res.starts_with(p)) {
            return msg(format!(
                "IAM resource path must either be \"*\" or start with {}.",
                IAM_PATHS.join(", ")
            ));
        }
    }
    None
}

fn action_prefix_error(action: &str) -> Option<String> {
    let parts: Vec<&str> = action.split(':').collect();
    if parts.len() == 1 && parts[0] != "*" {
        return Some(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".into(),
        );
    }
    if parts.len() > 2 {
        return Some("Actions/Condition can contain only one colon.".into());
    }
    let vendor = parts[0];
    if vendor != "*"
        && vendor
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Some(format!("Vendor {vendor} is not valid"));
    }
    None
}

fn validate_kms(text: &str) -> Result<Policy, ValidationError> {
    let malformed = |m: &str| ValidationError::new("MalformedPolicyDocumentException", m);
    if let Some(e) = charset_error("ValidationException", "policy", text) {
        return Err(e);
    }
    if text.len() > KMS_KEY_POLICY_LIMIT {
        // Inferred wording: AWS documents the limit and the exception, not the text.
        return Err(ValidationError::new(
            "LimitExceededException",
            format!("Policy exceeds the maximum allowed size of {KMS_KEY_POLICY_LIMIT} bytes."),
        ));
    }
    // KMS answers a document it cannot read with an empty message (aws-sdk-ruby#1784).
    let Parsed { mut policy, .. } = parse_full(text).map_err(|_| malformed(""))?;
    for s in &mut policy.statements {
        let Some(block) = &s.principal else {
            return Err(malformed("Policy contains a statement with no principal"));
        };
        if block
            .entries
            .iter()
            .any(|e| !principal_value_ok(e.kind, &e.value, &e.pattern))
        {
            return Err(malformed(
                "Policy contains a statement with one or more invalid principals.",
            ));
        }
        // Accepted but inert (evaluation.md, KMS PutKeyPolicy).
        s.inert = s.action.is_none() || s.resource.is_none();
    }
    Ok(policy)
}

fn validate_backup_vault(text: &str) -> Result<Policy, ValidationError> {
    // Backup's wording for a bad vault policy is not documented (inferred).
    let invalid = |m: &str| ValidationError::new("InvalidParameterValueException", m);
    if let Some(e) = charset_error("InvalidParameterValueException", "Policy", text) {
        return Err(e);
    }
    let Parsed { policy, .. } =
        parse_full(text).map_err(|e: ParseError| invalid(&format!("Invalid policy: {e}")))?;
    for s in &policy.statements {
        let Some(block) = &s.principal else {
            return Err(invalid("Invalid policy: a statement has no Principal"));
        };
        if block
            .entries
            .iter()
            .any(|e| !principal_value_ok(e.kind, &e.value, &e.pattern))
        {
            return Err(invalid(
                "Invalid policy: a statement has an invalid principal",
            ));
        }
        if s.action.is_none() || s.resource.is_none() {
            return Err(invalid(
                "Invalid policy: a statement needs Action and Resource",
            ));
        }
    }
    Ok(policy)
}

fn validate_orgs(text: &str, ty: PolicyType) -> Result<Policy, ValidationError> {
    let malformed = || ValidationError::new("MalformedPolicyDocumentException", ORGS_MALFORMED);
    if text.chars().count() > ORGANIZATIONS_POLICY_LIMIT {
        // org-formation/org-formation-cli#332.
        return Err(ValidationError {
            code: "ConstraintViolationException",
            reason: Some("POLICY_CONTENT_LIMIT_EXCEEDED"),
            message: "You have exceeded the maximum policy size.".into(),
        });
    }
    // Most documents are printable ASCII: a byte test, before the per-character one.
    let ascii_ok = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7f);
    if text.is_empty() || !(text.bytes().all(|b| ascii_ok(&b)) || text.chars().all(allowed_char)) {
        return Err(malformed());
    }
    let Parsed { policy, lints, .. } = parse_full(text).map_err(|_| malformed())?;
    if lints
        .iter()
        .any(|l| matches!(l, Lint::EffectCase(_) | Lint::BadDateValue(_)))
    {
        return Err(malformed());
    }
    for s in &policy.statements {
        if s.action.as_ref().is_none_or(|a| a.patterns.is_empty())
            || s.action
                .iter()
                .flat_map(|a| &a.patterns)
                .any(|g| action_prefix_error(&g.text).is_some())
        {
            return Err(malformed());
        }
        match ty {
            PolicyType::Scp => {
                // SCPs take neither Principal nor NotPrincipal (Organizations UG SCP syntax;
                // IAM UG: "SCPs and RCPs don't support the NotPrincipal element").
                if s.principal.is_some() {
                    return Err(malformed());
                }
            }
            _ => {
                // RCPs: Principal "*" only; no NotPrincipal, no NotAction; custom
                // statements deny (only RCPFullAWSAccess allows, unconditionally).
                let Some(block) = &s.principal else {
                    return Err(malformed());
                };
                if block.negated
                    || !block
                        .entries
                        .iter()
                        .all(|e| e.pattern == PrincipalPattern::Any)
                {
                    return Err(malformed());
                }
                if s.action.as_ref().is_some_and(|a| a.negated) || s.resource.is_none() {
                    return Err(malformed());
                }
                if s.effect == Effect::Allow {
                    let all_actions = s
                        .action
                        .as_ref()
                        .is_some_and(|a| a.patterns.iter().all(|g| g.is_match_all()));
                    let all_resources = s.resource.as_ref().is_some_and(|r| {
                        !r.negated && r.patterns.iter().all(|p| matches!(p, ResourcePattern::Any))
                    });
                    if !all_actions || !all_resources || !s.conditions.is_empty() {
                        return Err(malformed());
                    }
                }
            }
        }
    }
    Ok(policy)
}

/// KMS's lockout check for CreateKey/PutKeyPolicy without
/// `BypassPolicyLockoutSafetyCheck`: the new policy must let the caller
/// call `kms:PutKeyPolicy` (pass the decision of that evaluation).
pub fn kms_lockout_error(caller_may_put_key_policy: bool) -> Option<ValidationError> {
    (!caller_may_put_key_policy).then(|| {
        ValidationError::new(
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        )
    })
}

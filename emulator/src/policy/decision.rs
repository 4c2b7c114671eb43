//! The decision record and AWS's AccessDenied wording (IAM UG
//! `troubleshoot_access-denied.md`).

use std::fmt::Write;
use std::sync::Arc;

use super::statement::{Effect, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalDecision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl EvalDecision {
    /// IAM's `PolicyEvaluationDecisionType`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allowed => "allowed",
            EvalDecision::ExplicitDeny => "explicitDeny",
            EvalDecision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// A kind of policy in the evaluation flowchart, in flowchart order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    ResourceControlPolicy,
    ServiceControlPolicy,
    ResourcePolicy,
    RoleTrustPolicy,
    Grant,
    IdentityPolicy,
    PermissionsBoundary,
    SessionPolicy,
}

impl Layer {
    /// The `{T}` of "because no {T} allows" / "with an explicit deny in {article} {T}".
    pub fn phrase(self) -> &'static str {
        match self {
            Layer::ResourceControlPolicy => "resource control policy",
            Layer::ServiceControlPolicy => "service control policy",
            Layer::ResourcePolicy | Layer::Grant => "resource-based policy",
            Layer::RoleTrustPolicy => "role trust policy",
            Layer::IdentityPolicy => "identity-based policy",
            Layer::PermissionsBoundary => "permissions boundary",
            Layer::SessionPolicy => "session policy",
        }
    }

    /// The article of "with an explicit deny in {article} {T}": "an identity-based policy"
    /// (IAM UG `troubleshoot_access-denied`, S3 UG `troubleshoot-403-errors`), "the role
    /// trust policy", "a" for every other type.
    fn article(self) -> &'static str {
        match self {
            Layer::IdentityPolicy => "an",
            Layer::RoleTrustPolicy => "the",
            _ => "a",
        }
    }

    /// The policy types whose explicit denies name the denying policy's ARN (AWS Security
    /// Blog, "Enhanced access denied error messages with policy ARNs", 2026: "service control
    /// policies (SCPs), resource control policies (RCPs), permissions boundaries policies,
    /// session policies, and identity-based policies"). Resource-based and role trust
    /// policies are not among them.
    fn names_policy_arn(self) -> bool {
        matches!(
            self,
            Layer::ServiceControlPolicy
                | Layer::ResourceControlPolicy
                | Layer::PermissionsBoundary
                | Layer::SessionPolicy
                | Layer::IdentityPolicy
        )
    }
}

/// Where a policy comes from; the first seven are IAM's `PolicySourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySource {
    User,
    Group,
    Role,
    AwsManaged,
    UserManaged,
    Resource,
    None,
    ServiceControl,
    ResourceControl,
    Session,
}

impl PolicySource {
    pub fn simulator_type(self) -> &'static str {
        match self {
            PolicySource::User => "user",
            PolicySource::Group => "group",
            PolicySource::Role => "role",
            PolicySource::AwsManaged => "aws-managed",
            PolicySource::UserManaged => "user-managed",
            PolicySource::Resource => "resource",
            _ => "none",
        }
    }
}

/// A statement that matched the request.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedStatement {
    pub policy_id: Arc<str>,
    /// The policy's ARN: managed IAM policies, SCPs, RCPs; `None` for inline policies,
    /// inline session policies and resource-based policies.
    pub policy_arn: Option<Arc<str>>,
    pub source: PolicySource,
    pub layer: Layer,
    pub sid: Option<Arc<str>>,
    pub index: usize,
    pub effect: Effect,
    pub span: Option<Span>,
}

/// Who asked for what: shared between a request and its decisions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    pub principal_arn: String,
    pub action: String,
    pub resource: String,
    pub wording: Wording,
}

/// How the AccessDenied message for a request is worded: the service and keyhole's settings
/// decide, the evaluator does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    /// Say ` on resource: *` for an action on no resource. KMS does (`kms:ListKeys on
    /// resource: *`, `kms:CreateKey on resource: *`: real transcripts, fidelity review §4.2);
    /// IAM's examples and Backup omit it (`backup:ListBackupPlans with an explicit deny …`).
    pub star_resource: bool,
    /// End an explicit deny by an SCP, RCP, permissions boundary, session policy or
    /// identity-based policy with `: <policy-arn>` when the denying policy has an ARN. AWS
    /// does so since 2026 for same-account and same-organization requests only (AWS Security
    /// Blog, "Enhanced access denied error messages with policy ARNs"): the caller sets this
    /// to `false` for other requests and for the older wording.
    pub policy_arn: bool,
}

impl Default for Wording {
    fn default() -> Self {
        Wording {
            star_resource: false,
            policy_arn: true,
        }
    }
}

/// The outcome of one authorization, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub decision: EvalDecision,
    /// Deny: the first layer (flowchart order) that denied or failed to
    /// allow. Allowed: the layer that granted access.
    pub layer: Option<Layer>,
    /// Deny: the Deny statements. Allowed: the Allow statements used.
    pub matched: Vec<MatchedStatement>,
    pub missing_context_keys: Vec<String>,
    /// `Some` when SCPs applied: every level allowed.
    pub allowed_by_organizations: Option<bool>,
    /// `Some` when RCPs applied: every level allowed.
    pub allowed_by_rcps: Option<bool>,
    /// `Some` when a permissions boundary applied.
    pub allowed_by_boundary: Option<bool>,
    /// Each evaluated layer's own verdict, indexed by `Layer as usize`
    /// (SCP/RCP: all levels together). See [`Decision::layer_decisions`].
    pub verdicts: [Option<EvalDecision>; 8],
    pub cross_account: bool,
    /// The KMS grant that allowed the request.
    pub grant_id: Option<String>,
    pub subject: Arc<Subject>,
}

const LAYERS: [Layer; 8] = [
    Layer::ResourceControlPolicy,
    Layer::ServiceControlPolicy,
    Layer::ResourcePolicy,
    Layer::RoleTrustPolicy,
    Layer::Grant,
    Layer::IdentityPolicy,
    Layer::PermissionsBoundary,
    Layer::SessionPolicy,
];

impl Decision {
    pub fn principal_arn(&self) -> &str {
        &self.subject.principal_arn
    }

    pub fn action(&self) -> &str {
        &self.subject.action
    }

    pub fn resource(&self) -> &str {
        &self.subject.resource
    }

    /// The evaluated layers' verdicts, in flowchart order.
    pub fn layer_decisions(&self) -> Vec<(Layer, EvalDecision)> {
        LAYERS
            .iter()
            .zip(self.verdicts.iter())
            .filter_map(|(l, v)| v.map(|v| (*l, v)))
            .collect()
    }

    pub fn is_allowed(&self) -> bool {
        self.decision == EvalDecision::Allowed
    }

    /// AWS's AccessDenied message; `None` when allowed.
    pub fn access_denied_message(&self) -> Option<String> {
        let layer = self.layer?;
        let resource = self.resource();
        let on = if resource.is_empty() || (resource == "*" && !self.subject.wording.star_resource)
        {
            String::new()
        } else {
            format!(" on resource: {resource}")
        };
        let head = format!(
            "User: {} is not authorized to perform: {}{on}",
            self.principal_arn(),
            self.action()
        );
        match self.decision {
            EvalDecision::Allowed => None,
            EvalDecision::ExplicitDeny => Some(format!(
                "{head} with an explicit deny in {} {}{}",
                layer.article(),
                layer.phrase(),
                self.policy_arn_suffix(layer)
            )),
            EvalDecision::ImplicitDeny => Some(format!(
                "{head} because no {} allows the {} action",
                layer.phrase(),
                self.action()
            )),
        }
    }

    /// `: <arn>` of the first denying policy of `layer` that has an ARN. Inline policies and
    /// inline session policies have none, and their denials keep the older form (inferred:
    /// the blog shows only policies with ARNs, and an inline policy has no ARN to show).
    fn policy_arn_suffix(&self, layer: Layer) -> String {
        if !self.subject.wording.policy_arn || !layer.names_policy_arn() {
            return String::new();
        }
        self.matched
            .iter()
            .filter(|m| m.layer == layer && m.effect == Effect::Deny)
            .find_map(|m| m.policy_arn.as_deref())
            .map(|arn| format!(": {arn}"))
            .unwrap_or_default()
    }

    /// A person-readable account of the decision.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {} on {} by {}{}",
            self.decision.as_str(),
            self.action(),
            self.resource(),
            self.principal_arn(),
            if self.cross_account {
                " (cross-account)"
            } else {
                ""
            }
        );
        match (self.decision, self.layer) {
            (EvalDecision::Allowed, Some(Layer::Grant)) => {
                let _ = writeln!(
                    out,
                    "  allowed by KMS grant {}",
                    self.grant_id.as_deref().unwrap_or("?")
                );
            }
            (EvalDecision::Allowed, Some(l)) => {
                let _ = writeln!(out, "  allowed: the {} grants access", l.phrase());
            }
            (EvalDecision::ExplicitDeny, Some(l)) => {
                let _ = writeln!(
                    out,
                    "  denied: a Deny statement in the {} matches",
                    l.phrase()
                );
            }
            (EvalDecision::ImplicitDeny, Some(l)) => {
                let _ = writeln!(out, "  denied: no {} allows {}", l.phrase(), self.action());
            }
            _ => {}
        }
        for m in &self.matched {
            let sid = m
                .sid
                .as_deref()
                .map(|s| format!(" Sid \"{s}\""))
                .unwrap_or_default();
            let pos = m
                .span
                .map(|s| format!(" at line {} column {}", s.start.line, s.start.column))
                .unwrap_or_default();
            let eff = if m.effect == Effect::Allow {
                "Allow"
            } else {
                "Deny"
            };
            let _ = writeln!(
                out,
                "  {eff} statement #{}{sid}{pos} of {} \"{}\"",
                m.index,
                m.layer.phrase(),
                m.policy_id
            );
        }
        for (l, d) in self.layer_decisions() {
            let _ = writeln!(out, "  {}: {}", l.phrase(), d.as_str());
        }
        if !self.missing_context_keys.is_empty() {
            let _ = writeln!(
                out,
                "  missing context keys: {}",
                self.missing_context_keys.join(", ")
            );
        }
        if let Some(m) = self.access_denied_message() {
            let _ = writeln!(out, "  message: {m}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        evaluate, parse, Authorization, IdentityLayers, NamedPolicy, Principal, Request,
        ResourceLayers,
    };
    use super::*;

    fn session_denial(managed: bool, wording: Wording) -> String {
        let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;
        let arn = "arn:aws:iam::111111111111:policy/NoGet";
        let session = NamedPolicy::new(
            if managed { arn } else { "session-policy" },
            PolicySource::Session,
            parse(deny).unwrap(),
        )
        .with_arn(managed.then_some(arn));
        let ps = IdentityLayers {
            identity: vec![NamedPolicy::new(
                "All",
                PolicySource::Role,
                parse(allow).unwrap(),
            )],
            session: vec![session],
            ..IdentityLayers::default()
        };
        let p = Principal::assumed_role("111111111111", "Dev", "s1");
        let req = Request::builder(p, "s3:GetObject", "arn:aws:s3:::b/k")
            .resource_account("111111111111")
            .wording(wording)
            .build();
        let d = evaluate(&Authorization {
            request: &req,
            principal_side: &ps,
            resource_side: &ResourceLayers::default(),
            grants: &[],
        });
        d.access_denied_message().unwrap()
    }

    #[test]
    fn session_policy_denials_name_managed_session_policies() {
        let head = "User: arn:aws:sts::111111111111:assumed-role/Dev/s1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a session policy";
        let arn = Wording::default();
        assert_eq!(
            session_denial(true, arn),
            format!("{head}: arn:aws:iam::111111111111:policy/NoGet")
        );
        assert_eq!(session_denial(false, arn), head);
        let legacy = Wording {
            policy_arn: false,
            ..arn
        };
        assert_eq!(session_denial(true, legacy), head);
    }
}

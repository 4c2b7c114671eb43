//! The decision record and AWS's AccessDenied wording (IAM UG
//! `troubleshoot_access-denied.md`).

use std::fmt::Write;
use std::sync::Arc;

use super::model::{Effect, Span};

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
    /// The `{T}` of "because no {T} allows" / "with an explicit deny in a {T}".
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
        let on = if self.resource().is_empty() || self.resource() == "*" {
            String::new()
        } else {
            format!(" on resource: {}", self.resource())
        };
        let head = format!(
            "User: {} is not authorized to perform: {}{on}",
            self.principal_arn(),
            self.action()
        );
        match self.decision {
            EvalDecision::Allowed => None,
            EvalDecision::ExplicitDeny if layer == Layer::RoleTrustPolicy => Some(format!(
                "{head} with an explicit deny in the role trust policy"
            )),
            EvalDecision::ExplicitDeny => Some(format!(
                "{head} with an explicit deny in a {}",
                layer.phrase()
            )),
            EvalDecision::ImplicitDeny => Some(format!(
                "{head} because no {} allows the {} action",
                layer.phrase(),
                self.action()
            )),
        }
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

//! The request: who (principal), what (action), on what (resource), and the
//! condition keys. `RequestBuilder` fills the global `aws:*` keys that follow
//! from the principal and resource, so services add only their own keys.

use std::sync::Arc;

use time::OffsetDateTime;

use super::context::{Context, ContextValue};
use super::decision::{Subject, Wording};
use super::principal::{Principal, PrincipalType};

/// One authorization question.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub(crate) action_lc: String,
    /// The resource ARN, or `*`.
    pub resource: String,
    /// The account that owns the resource (and its resource policy).
    pub resource_account: Option<String>,
    pub context: Context,
    /// Shared with every decision about this request (no copies per decision).
    pub(crate) subject: Arc<Subject>,
}

impl Request {
    pub fn builder(principal: Principal, action: &str, resource: &str) -> RequestBuilder {
        RequestBuilder {
            principal,
            action: action.into(),
            resource: resource.into(),
            resource_account: None,
            resource_org_id: None,
            time: None,
            called_via: Vec::new(),
            keys: Context::default(),
            derive_keys: true,
            wording: Wording::default(),
        }
    }

    pub fn action_lc(&self) -> &str {
        &self.action_lc
    }

    /// Whether the principal and the resource live in different accounts.
    pub fn is_cross_account(&self) -> bool {
        match (&self.principal.account, &self.resource_account) {
            (Some(p), Some(r)) => p != r,
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

/// Builds a [`Request`]; explicitly set keys win over derived ones.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    principal: Principal,
    action: String,
    resource: String,
    resource_account: Option<String>,
    resource_org_id: Option<String>,
    time: Option<OffsetDateTime>,
    called_via: Vec<String>,
    keys: Context,
    derive_keys: bool,
    wording: Wording,
}

impl RequestBuilder {
    /// A request with no condition keys at all, for policies that read none (see
    /// `Policy::reads_context`): building the ~25 global keys is most of a decision's cost.
    pub fn without_context(mut self) -> Self {
        self.derive_keys = false;
        self
    }

    /// How a denial of this request is worded (see [`Wording`]).
    pub fn wording(mut self, wording: Wording) -> Self {
        self.wording = wording;
        self
    }

    pub fn resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.into());
        self
    }

    pub fn resource_org_id(mut self, org_id: &str) -> Self {
        self.resource_org_id = Some(org_id.into());
        self
    }

    pub fn time(mut self, t: OffsetDateTime) -> Self {
        self.time = Some(t);
        self
    }

    /// Services that called on the principal's behalf, first to last.
    pub fn called_via(mut self, services: Vec<String>) -> Self {
        self.called_via = services;
        self
    }

    pub fn key(mut self, name: &str, value: impl Into<ContextValue>) -> Self {
        self.keys.set(name, value);
        self
    }

    pub fn key_multi(mut self, name: &str, values: Vec<ContextValue>) -> Self {
        self.keys.set_multi(name, values);
        self
    }

    pub fn context(mut self, ctx: Context) -> Self {
        for e in ctx.iter() {
            self.keys.insert(&e.name, e.values.clone(), e.multi);
        }
        self
    }

    pub fn build(self) -> Request {
        let p = &self.principal;
        let mut c = Context::default();
        let resource_account = self
            .resource_account
            .or_else(|| arn_account(&self.resource).map(str::to_string))
            .or_else(|| p.account.clone());
        if self.derive_keys {
            if p.has_identity_policies() {
                let principal_arn = if p.kind == PrincipalType::AssumedRole {
                    p.role_arn.as_ref().unwrap_or(&p.arn)
                } else {
                    &p.arn
                };
                c.set("aws:PrincipalArn", principal_arn.as_str());
            }
            if let Some(a) = &p.account {
                c.set("aws:PrincipalAccount", a.as_str());
                if self.action.to_ascii_lowercase().starts_with("kms:") {
                    c.set("kms:CallerAccount", a.as_str());
                }
            }
            if let Some(t) = p.kind.condition_value() {
                c.set("aws:PrincipalType", t);
            }
            if let Some(u) = &p.userid {
                c.set("aws:userid", u.as_str());
            }
            if p.kind == PrincipalType::User {
                if let Some(n) = &p.name {
                    c.set("aws:username", n.as_str());
                }
            }
            if let Some(o) = &p.org_id {
                c.set("aws:PrincipalOrgID", o.as_str());
                c.set_strings("aws:PrincipalOrgPaths", &p.org_paths);
            }
            for (k, v) in &p.tags {
                c.set(&format!("aws:PrincipalTag/{k}"), v.as_str());
            }
            c.set(
                "aws:PrincipalIsAWSService",
                p.kind == PrincipalType::Service,
            );
            if let Some(s) = &p.service {
                c.set("aws:PrincipalServiceName", s.as_str());
            }
            if let Some(a) = &resource_account {
                c.set("aws:ResourceAccount", a.as_str());
            }
            if let Some(o) = &self.resource_org_id {
                c.set("aws:ResourceOrgID", o.as_str());
            }
            if let Some(t) = self.time {
                c.set(
                    "aws:CurrentTime",
                    ContextValue::Date(t.unix_timestamp_nanos()),
                );
                c.set(
                    "aws:EpochTime",
                    ContextValue::Number(t.unix_timestamp() as f64),
                );
            }
            c.set("aws:ViaAWSService", !self.called_via.is_empty());
            if let (Some(first), Some(last)) = (self.called_via.first(), self.called_via.last()) {
                c.set("aws:CalledViaFirst", first.as_str());
                c.set("aws:CalledViaLast", last.as_str());
                c.set_strings("aws:CalledVia", &self.called_via);
            }
            for e in self.keys.into_entries() {
                c.insert(&e.name, e.values, e.multi);
            }
        }
        Request {
            subject: Arc::new(Subject {
                principal_arn: self.principal.arn.clone(),
                action: self.action.clone(),
                resource: self.resource.clone(),
                wording: self.wording,
            }),
            action_lc: self.action.to_lowercase(),
            action: self.action,
            resource: self.resource,
            resource_account,
            principal: self.principal,
            context: c,
        }
    }
}

/// The account segment of an ARN, if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let acct = it.nth(3)?;
    it.next()?;
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_fills_globals() {
        let p =
            Principal::user("111122223333", "alice").with_tags(vec![("Dept".into(), "x".into())]);
        let r =
            Request::builder(p, "kms:Decrypt", "arn:aws:kms:us-east-1:444455556666:key/k").build();
        assert_eq!(r.resource_account.as_deref(), Some("444455556666"));
        assert!(r.is_cross_account());
        let g = |k: &str| r.context.get(k).map(|e| e.values[0].text().into_owned());
        assert_eq!(g("aws:username").as_deref(), Some("alice"));
        assert_eq!(g("aws:principaltag/dept").as_deref(), Some("x"));
        assert_eq!(g("kms:calleraccount").as_deref(), Some("111122223333"));
        assert_eq!(g("aws:principaltype").as_deref(), Some("User"));
    }
}

//! The request: who (principal), what (action), on what (resource), and the
//! condition keys. `RequestBuilder` fills the global `aws:*` keys that follow
//! from the principal and resource, so services add only their own keys.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine;
use time::OffsetDateTime;

use std::sync::Arc;

use super::decision::{Subject, Wording};
use crate::arn::{global, DEFAULT_PARTITION};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// The account's root user.
    Root,
    User,
    /// An IAM role itself (not a session); seen in trust-policy checks.
    Role,
    AssumedRole,
    FederatedUser,
    /// A SAML or web-identity provider calling AssumeRoleWith*.
    WebIdentity,
    Service,
    Anonymous,
}

impl PrincipalType {
    /// The value of `aws:PrincipalType`.
    pub fn condition_value(self) -> Option<&'static str> {
        match self {
            PrincipalType::Root => Some("Account"),
            PrincipalType::User => Some("User"),
            PrincipalType::Role | PrincipalType::AssumedRole => Some("AssumedRole"),
            PrincipalType::FederatedUser => Some("FederatedUser"),
            PrincipalType::WebIdentity => Some("WebIdentityUser"),
            PrincipalType::Anonymous => Some("Anonymous"),
            PrincipalType::Service => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a principal ARN: {0}")]
pub struct PrincipalError(pub String);

/// The caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The caller's ARN (session ARN for sessions; the service name for services).
    pub arn: String,
    pub kind: PrincipalType,
    pub account: Option<String>,
    /// For sessions: the role's ARN, with its path.
    pub role_arn: Option<String>,
    /// User name or session name.
    pub name: Option<String>,
    pub service: Option<String>,
    pub federated_provider: Option<String>,
    pub canonical_user: Option<String>,
    /// `aws:userid` (unique ID); root defaults to the account ID.
    pub userid: Option<String>,
    pub tags: Vec<(String, String)>,
    pub org_id: Option<String>,
    pub org_paths: Vec<String>,
    pub service_linked_role: bool,
    pub management_account: bool,
}

impl Principal {
    fn base(arn: String, kind: PrincipalType, account: Option<String>) -> Principal {
        Principal {
            arn,
            kind,
            account,
            role_arn: None,
            name: None,
            service: None,
            federated_provider: None,
            canonical_user: None,
            userid: None,
            tags: Vec::new(),
            org_id: None,
            org_paths: Vec::new(),
            service_linked_role: false,
            management_account: false,
        }
    }

    /// The root of `account` in the standard partition; `root_in` for any other.
    pub fn root(account: &str) -> Principal {
        Principal::root_in(DEFAULT_PARTITION, account)
    }

    pub fn root_in(partition: &str, account: &str) -> Principal {
        let mut p = Principal::base(
            crate::arn::root(partition, account),
            PrincipalType::Root,
            Some(account.into()),
        );
        p.userid = Some(account.into());
        p
    }

    /// `path_and_name` is e.g. `alice` or `division/alice`.
    pub fn user(account: &str, path_and_name: &str) -> Principal {
        Principal::user_in(DEFAULT_PARTITION, account, path_and_name)
    }

    pub fn user_in(partition: &str, account: &str, path_and_name: &str) -> Principal {
        let mut p = Principal::base(
            global(partition, "iam", account, &format!("user/{path_and_name}")),
            PrincipalType::User,
            Some(account.into()),
        );
        p.name = path_and_name.rsplit('/').next().map(str::to_string);
        p
    }

    /// A session of role `path_and_name` (e.g. `aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`).
    pub fn assumed_role(account: &str, path_and_name: &str, session: &str) -> Principal {
        Principal::assumed_role_in(DEFAULT_PARTITION, account, path_and_name, session)
    }

    pub fn assumed_role_in(
        partition: &str,
        account: &str,
        path_and_name: &str,
        session: &str,
    ) -> Principal {
        let role_name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
        let mut p = Principal::base(
            global(
                partition,
                "sts",
                account,
                &format!("assumed-role/{role_name}/{session}"),
            ),
            PrincipalType::AssumedRole,
            Some(account.into()),
        );
        p.role_arn = Some(global(
            partition,
            "iam",
            account,
            &format!("role/{path_and_name}"),
        ));
        p.name = Some(session.into());
        p.service_linked_role = path_and_name.starts_with("aws-service-role/");
        p
    }

    pub fn federated_user(account: &str, name: &str) -> Principal {
        Principal::federated_user_in(DEFAULT_PARTITION, account, name)
    }

    pub fn federated_user_in(partition: &str, account: &str, name: &str) -> Principal {
        let mut p = Principal::base(
            global(partition, "sts", account, &format!("federated-user/{name}")),
            PrincipalType::FederatedUser,
            Some(account.into()),
        );
        p.name = Some(name.into());
        p
    }

    pub fn service(name: &str) -> Principal {
        let mut p = Principal::base(name.into(), PrincipalType::Service, None);
        p.service = Some(name.into());
        p
    }

    pub fn anonymous() -> Principal {
        Principal::base("anonymous".into(), PrincipalType::Anonymous, None)
    }

    /// Reads a caller ARN: `:root`, `:user/...`, `:role/...`,
    /// `:assumed-role/R/S`, `:federated-user/N`, or a service principal name.
    pub fn from_arn(arn: &str) -> Result<Principal, PrincipalError> {
        let bad = || PrincipalError(arn.to_string());
        if arn.ends_with(".amazonaws.com") && !arn.starts_with("arn:") {
            return Ok(Principal::service(arn));
        }
        if arn == "*" || arn == "anonymous" {
            return Ok(Principal::anonymous());
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, service, _, account, resource] = parts[..] else {
            return Err(bad());
        };
        if partition.is_empty()
            || account.len() != 12
            || !account.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let mut p = match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => Principal::root_in(partition, account),
            ("iam", Some(("user", rest))) if !rest.is_empty() => {
                Principal::user_in(partition, account, rest)
            }
            ("iam", Some(("role", rest))) if !rest.is_empty() => {
                let mut p = Principal::base(arn.into(), PrincipalType::Role, Some(account.into()));
                p.role_arn = Some(arn.into());
                p.name = rest.rsplit('/').next().map(str::to_string);
                p.service_linked_role = rest.starts_with("aws-service-role/");
                p
            }
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    let mut p = Principal::assumed_role_in(partition, account, role, session);
                    p.service_linked_role = role.starts_with("AWSServiceRoleFor");
                    p
                }
                _ => return Err(bad()),
            },
            ("sts", Some(("federated-user", rest))) if !rest.is_empty() => {
                Principal::federated_user_in(partition, account, rest)
            }
            _ => return Err(bad()),
        };
        p.arn = arn.to_string();
        Ok(p)
    }

    pub fn with_role_arn(mut self, role_arn: &str) -> Principal {
        self.service_linked_role = role_arn.contains(":role/aws-service-role/");
        self.role_arn = Some(role_arn.into());
        self
    }

    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> Principal {
        self.tags = tags;
        self
    }

    pub fn with_org(mut self, org_id: &str, paths: Vec<String>) -> Principal {
        self.org_id = Some(org_id.into());
        self.org_paths = paths;
        self
    }

    pub fn with_userid(mut self, userid: &str) -> Principal {
        self.userid = Some(userid.into());
        self
    }

    pub fn with_management_account(mut self, yes: bool) -> Principal {
        self.management_account = yes;
        self
    }

    pub fn with_service_linked_role(mut self, yes: bool) -> Principal {
        self.service_linked_role = yes;
        self
    }

    /// Whether this principal's own IAM policies are evaluated at all.
    pub fn has_identity_policies(&self) -> bool {
        !matches!(
            self.kind,
            PrincipalType::Service | PrincipalType::Anonymous | PrincipalType::WebIdentity
        )
    }

    pub fn is_session(&self) -> bool {
        matches!(
            self.kind,
            PrincipalType::AssumedRole | PrincipalType::FederatedUser
        )
    }
}

/// A typed condition-key value.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    String(String),
    Number(f64),
    Bool(bool),
    /// Unix time in nanoseconds.
    Date(i128),
    Ip(IpAddr),
    Binary(Vec<u8>),
}

impl ContextValue {
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            ContextValue::String(s) => Cow::Borrowed(s),
            ContextValue::Number(n) => Cow::Owned(format_number(*n)),
            ContextValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            ContextValue::Date(ns) => Cow::Owned(format_date(*ns)),
            ContextValue::Ip(ip) => Cow::Owned(ip.to_string()),
            ContextValue::Binary(b) => {
                Cow::Owned(base64::engine::general_purpose::STANDARD.encode(b))
            }
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            ContextValue::Number(n) => Some(*n),
            ContextValue::String(s) => s.trim().parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    pub fn date(&self) -> Option<i128> {
        match self {
            ContextValue::Date(d) => Some(*d),
            ContextValue::Number(n) => Some((*n * 1e9) as i128),
            ContextValue::String(s) => super::dates::parse_date(s),
            _ => None,
        }
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            ContextValue::Ip(ip) => Some(*ip),
            ContextValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn boolean(&self) -> Option<bool> {
        match self {
            ContextValue::Bool(b) => Some(*b),
            ContextValue::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            ContextValue::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            ContextValue::Binary(b) => Some(Cow::Borrowed(b)),
            ContextValue::String(s) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .ok()
                .map(Cow::Owned),
            _ => None,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::String(s.into())
    }
}
impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::String(s)
    }
}
impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::Bool(b)
    }
}
impl From<IpAddr> for ContextValue {
    fn from(ip: IpAddr) -> Self {
        ContextValue::Ip(ip)
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

pub fn format_date(ns: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ns)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| (ns / 1_000_000_000).to_string())
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContextEntry {
    /// As given, for reports.
    pub name: String,
    pub values: Vec<ContextValue>,
    /// Multivalued keys (lists) compare with ForAnyValue/ForAllValues.
    pub multi: bool,
}

/// A key name lower-cased; names are ASCII but for tag keys, and the ASCII path is cheap.
fn lower(name: &str) -> String {
    if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        name.to_lowercase()
    }
}

/// Condition keys; names are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    entries: Vec<(String, ContextEntry)>,
}

impl Context {
    /// `name_lc` must be lower-case (policies store keys lower-cased).
    pub fn get(&self, name_lc: &str) -> Option<&ContextEntry> {
        self.entries
            .iter()
            .find(|(k, _)| k == name_lc)
            .map(|(_, e)| e)
    }

    pub fn set(&mut self, name: &str, value: impl Into<ContextValue>) {
        self.insert(name, vec![value.into()], false);
    }

    pub fn set_multi(&mut self, name: &str, values: Vec<ContextValue>) {
        self.insert(name, values, true);
    }

    /// A multivalued key of strings (`aws:PrincipalOrgPaths`, `aws:CalledVia`).
    pub fn set_strings(&mut self, name: &str, values: &[String]) {
        let values = values
            .iter()
            .map(|s| ContextValue::from(s.as_str()))
            .collect();
        self.set_multi(name, values);
    }

    pub fn insert(&mut self, name: &str, values: Vec<ContextValue>, multi: bool) {
        let lc = lower(name);
        let entry = ContextEntry {
            name: name.to_string(),
            values,
            multi,
        };
        match self.entries.iter_mut().find(|(k, _)| *k == lc) {
            Some(slot) => slot.1 = entry,
            None => {
                if self.entries.capacity() == 0 {
                    // A request carries some 20 to 30 keys.
                    self.entries.reserve(32);
                }
                self.entries.push((lc, entry))
            }
        }
    }

    pub fn remove(&mut self, name: &str) {
        let lc = lower(name);
        self.entries.retain(|(k, _)| *k != lc);
    }

    pub fn iter(&self) -> impl Iterator<Item = &ContextEntry> {
        self.entries.iter().map(|(_, e)| e)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

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
            for (_, e) in self.keys.entries {
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
    fn principal_from_arn() {
        let p = Principal::from_arn("arn:aws:sts::111122223333:assumed-role/Admin/s1").unwrap();
        assert_eq!(p.kind, PrincipalType::AssumedRole);
        assert_eq!(
            p.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/Admin")
        );
        assert_eq!(
            Principal::from_arn("arn:aws:iam::111122223333:root")
                .unwrap()
                .kind,
            PrincipalType::Root
        );
        assert!(Principal::from_arn("arn:aws:iam::1:root").is_err());
        assert_eq!(
            Principal::from_arn("backup.amazonaws.com").unwrap().kind,
            PrincipalType::Service
        );
    }

    #[test]
    fn principal_arns_of_any_partition_keep_it() {
        let p = Principal::from_arn("arn:aws-cn:sts::111122223333:assumed-role/Admin/s1").unwrap();
        assert_eq!(p.arn, "arn:aws-cn:sts::111122223333:assumed-role/Admin/s1");
        assert_eq!(
            p.role_arn.as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/Admin")
        );
        assert_eq!(
            Principal::root_in("aws-us-gov", "111122223333").arn,
            "arn:aws-us-gov:iam::111122223333:root"
        );
    }

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

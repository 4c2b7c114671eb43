//! The decision flow over layers (evaluation.md §1; IAM UG
//! `reference_policies_evaluation-logic.md`, `…-cross-account.md`; KMS DG
//! `policy-evaluation.md`, `grants.md`).

use std::slice;
use std::sync::Arc;

use super::condition;
use super::decision::{Decision, EvalDecision, Layer, MatchedStatement, PolicySource};
use super::glob::SplitArn;
use super::matcher::ArnPattern;
use super::matcher::{match_block, not_principal_spares, PrincipalMatch};
use super::model::{Effect, Policy, ResourcePattern, Statement};
use super::principal::PrincipalType;
use super::request::Request;

/// A policy with the name the simulator and messages report.
#[derive(Debug, Clone)]
pub struct NamedPolicy {
    pub id: Arc<str>,
    /// The policy's ARN where it has one (managed policies, SCPs, RCPs), for messages.
    pub arn: Option<Arc<str>>,
    pub source: PolicySource,
    pub policy: Arc<Policy>,
}

impl NamedPolicy {
    pub fn new(id: &str, source: PolicySource, policy: Policy) -> NamedPolicy {
        NamedPolicy {
            id: Arc::from(id),
            arn: None,
            source,
            policy: Arc::new(policy),
        }
    }

    pub fn shared(id: &str, source: PolicySource, policy: Arc<Policy>) -> NamedPolicy {
        NamedPolicy {
            id: Arc::from(id),
            arn: None,
            source,
            policy,
        }
    }

    pub fn with_arn(mut self, arn: Option<&str>) -> NamedPolicy {
        self.arn = arn.map(Arc::from);
        self
    }
}

/// The principal's side: its account's policies.
#[derive(Debug, Clone, Default)]
pub struct IdentityLayers {
    /// User (with its groups) or role policies: inline and attached.
    pub identity: Vec<NamedPolicy>,
    pub boundary: Option<NamedPolicy>,
    /// Session policies (inline and managed ARNs passed to AssumeRole & co).
    pub session: Vec<NamedPolicy>,
    /// SCP levels from the root through OUs to the account. `None`: no SCPs
    /// apply (no organization, or the management account).
    pub scp_levels: Option<Vec<Vec<NamedPolicy>>>,
}

/// Which kind of resource-based policy guards the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResourcePolicyKind {
    #[default]
    Generic,
    /// Must allow, directly or by naming the caller's account root.
    KmsKeyPolicy,
    /// Cross-account, only `backup:CopyIntoBackupVault` can be allowed.
    BackupVault,
    /// Must allow `sts:AssumeRole*`.
    RoleTrust,
}

/// The resource's side: its account's policies.
#[derive(Debug, Clone, Default)]
pub struct ResourceLayers {
    pub kind: ResourcePolicyKind,
    pub resource_policy: Option<NamedPolicy>,
    /// RCP levels, root → account. `None`: no RCPs apply.
    pub rcp_levels: Option<Vec<Vec<NamedPolicy>>>,
}

impl IdentityLayers {
    /// Whether any policy of the principal's side reads condition keys.
    pub fn reads_context(&self) -> bool {
        let levels = self.scp_levels.iter().flatten().flatten();
        self.identity
            .iter()
            .chain(self.boundary.iter())
            .chain(self.session.iter())
            .chain(levels)
            .any(|p| p.policy.reads_context())
    }
}

impl ResourceLayers {
    /// Whether the resource policy or an RCP reads condition keys.
    pub fn reads_context(&self) -> bool {
        let levels = self.rcp_levels.iter().flatten().flatten();
        self.resource_policy
            .iter()
            .chain(levels)
            .any(|p| p.policy.reads_context())
    }
}

/// A KMS grant (KMS DG `grants.md`): allows its operations, never denies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grant {
    pub grant_id: String,
    /// A principal ARN; a role ARN also covers its sessions.
    pub grantee_principal: String,
    /// Operation names without prefix, e.g. `Decrypt`.
    pub operations: Vec<String>,
    pub encryption_context_equals: Option<Vec<(String, String)>>,
    pub encryption_context_subset: Option<Vec<(String, String)>>,
}

impl Grant {
    pub fn matches(&self, req: &Request) -> bool {
        let p = &req.principal;
        if self.grantee_principal != p.arn
            && p.role_arn.as_deref() != Some(self.grantee_principal.as_str())
        {
            return false;
        }
        let Some(op) = req.action.strip_prefix("kms:") else {
            return false;
        };
        if !self.operations.iter().any(|o| o == op) {
            return false;
        }
        const PREFIX: &str = "kms:encryptioncontext:";
        let ec: Vec<(&str, String)> = req
            .context
            .iter()
            .filter_map(|e| {
                let name = e.name.as_str();
                let head = name.get(..PREFIX.len())?;
                let key = name.get(PREFIX.len()..).filter(|k| !k.is_empty())?;
                (head.eq_ignore_ascii_case(PREFIX) && !e.multi).then(|| {
                    (
                        key,
                        e.values
                            .first()
                            .map(|v| v.text().into_owned())
                            .unwrap_or_default(),
                    )
                })
            })
            .collect();
        let has = |k: &str, v: &str| ec.iter().any(|(ek, ev)| *ek == k && ev == v);
        if let Some(eq) = &self.encryption_context_equals {
            if eq.len() != ec.len() || !eq.iter().all(|(k, v)| has(k, v)) {
                return false;
            }
        }
        if let Some(sub) = &self.encryption_context_subset {
            if !sub.iter().all(|(k, v)| has(k, v)) {
                return false;
            }
        }
        true
    }
}

/// Everything one decision needs. Cheap to build: policies are `Arc`s.
#[derive(Debug, Clone)]
pub struct Authorization<'a> {
    pub request: &'a Request,
    pub principal_side: &'a IdentityLayers,
    pub resource_side: &'a ResourceLayers,
    pub grants: &'a [Grant],
}

/// KMS operations that work across accounts at all (KMS DG
/// `key-policy-modifying-external-accounts.md`).
pub const KMS_CROSS_ACCOUNT_ACTIONS: [&str; 20] = [
    "kms:creategrant",
    "kms:decrypt",
    "kms:describekey",
    "kms:verifymac",
    "kms:derivesharedsecret",
    "kms:encrypt",
    "kms:generatedatakey",
    "kms:generatedatakeypair",
    "kms:generatedatakeypairwithoutplaintext",
    "kms:generatedatakeywithoutplaintext",
    "kms:generatemac",
    "kms:getkeyrotationstatus",
    "kms:getpublickey",
    "kms:listgrants",
    "kms:reencryptfrom",
    "kms:reencryptto",
    "kms:retiregrant",
    "kms:revokegrant",
    "kms:sign",
    "kms:verify",
];

fn kms_cross_account_ok(action_lc: &str) -> bool {
    KMS_CROSS_ACCOUNT_ACTIONS.contains(&action_lc)
}

/// One layer's tally; the statements themselves go to a shared list so a
/// decision costs one allocation at most.
#[derive(Debug, Default, Clone, Copy)]
struct LayerOutcome {
    denies: u32,
    allows: u32,
    best: Option<PrincipalMatch>,
}

impl LayerOutcome {
    fn allows(&self) -> bool {
        self.allows > 0
    }
    fn denies(&self) -> bool {
        self.denies > 0
    }
    fn verdict(&self) -> EvalDecision {
        if self.denies() {
            EvalDecision::ExplicitDeny
        } else if self.allows() {
            EvalDecision::Allowed
        } else {
            EvalDecision::ImplicitDeny
        }
    }
}

/// Levels of SCPs or RCPs: every level must allow.
#[derive(Debug, Default, Clone, Copy)]
struct Levels {
    applies: bool,
    denies: bool,
    all_allow: bool,
}

impl Levels {
    fn verdict(&self) -> Option<EvalDecision> {
        self.applies.then_some(if self.denies {
            EvalDecision::ExplicitDeny
        } else if self.all_allow {
            EvalDecision::Allowed
        } else {
            EvalDecision::ImplicitDeny
        })
    }
}

struct Evaluator<'a> {
    req: &'a Request,
    /// The request's resource, split once for every statement's patterns.
    resource: SplitArn<'a>,
    /// The caller has a permissions boundary: every NotPrincipal Deny then applies to it.
    has_boundary: bool,
    missing: Vec<String>,
    matched: Vec<MatchedStatement>,
}

impl Evaluator<'_> {
    /// How the statement applies: `None` when it doesn't.
    fn statement(&mut self, st: &Statement, principal_required: bool) -> Option<PrincipalMatch> {
        if st.inert {
            return None;
        }
        let req = self.req;
        let action = st.action.as_ref()?;
        if action.patterns.iter().any(|g| g.matches(&req.action_lc)) == action.negated {
            return None;
        }
        if let Some(res) = &st.resource {
            let hit = res.patterns.iter().any(|p| match p {
                ResourcePattern::Any => true,
                ResourcePattern::Arn(a) => a.matches_split(&self.resource),
                ResourcePattern::Template(t) => t.resolve(&req.context).is_some_and(|chars| {
                    ArnPattern::from_marked(&chars).matches_split(&self.resource)
                }),
            });
            if hit == res.negated {
                return None;
            }
        }
        let pm = match &st.principal {
            // IAM UG `access_policies_boundaries` and `…_notprincipal`: "The NotPrincipal
            // element with a Deny effect will always deny any IAM principal that has a
            // permissions boundary policy attached, regardless of the values specified".
            Some(block) if block.negated && st.effect == Effect::Deny => {
                if !self.has_boundary && not_principal_spares(block, &req.principal) {
                    return None;
                }
                PrincipalMatch::Direct
            }
            Some(block) => match match_block(block, &req.principal) {
                PrincipalMatch::No => return None,
                m => m,
            },
            None if principal_required => return None,
            None => PrincipalMatch::Direct,
        };
        let missing = &mut self.missing;
        let mut note = |k: &str| {
            if !missing.iter().any(|m| m.eq_ignore_ascii_case(k)) {
                missing.push(k.to_string());
            }
        };
        for c in &st.conditions {
            if !condition::evaluate(c, &req.context, &mut note) {
                return None;
            }
        }
        Some(pm)
    }

    fn layer(
        &mut self,
        policies: &[NamedPolicy],
        layer: Layer,
        principal_required: bool,
    ) -> LayerOutcome {
        let mut out = LayerOutcome::default();
        for np in policies {
            for st in np.policy.candidates(&self.req.action_lc) {
                let Some(pm) = self.statement(st, principal_required) else {
                    continue;
                };
                match st.effect {
                    Effect::Deny => out.denies += 1,
                    Effect::Allow => {
                        out.allows += 1;
                        out.best = out.best.max(Some(pm));
                    }
                }
                self.matched.push(MatchedStatement {
                    policy_id: np.id.clone(),
                    policy_arn: np.arn.clone(),
                    source: np.source,
                    layer,
                    sid: st.sid.clone(),
                    index: st.index,
                    effect: st.effect,
                    span: st.span,
                });
            }
        }
        out
    }

    fn levels(
        &mut self,
        levels: Option<&Vec<Vec<NamedPolicy>>>,
        layer: Layer,
        principal_required: bool,
    ) -> Levels {
        let Some(levels) = levels else {
            return Levels::default();
        };
        let mut out = Levels {
            applies: true,
            denies: false,
            all_allow: true,
        };
        for level in levels {
            let o = self.layer(level, layer, principal_required);
            out.denies |= o.denies();
            out.all_allow &= o.allows();
        }
        out
    }
}

/// Decides one request.
pub fn evaluate(auth: &Authorization<'_>) -> Decision {
    let req = auth.request;
    let p = &req.principal;
    let ps = auth.principal_side;
    let rs = auth.resource_side;
    let mut ev = Evaluator {
        req,
        resource: SplitArn::new(&req.resource),
        has_boundary: ps.boundary.is_some() && p.has_identity_policies(),
        missing: Vec::new(),
        matched: Vec::new(),
    };
    let cross = req.is_cross_account();

    // RCPs: not for service-linked roles, and never for kms:RetireGrant.
    let rcp_levels = rs
        .rcp_levels
        .as_ref()
        .filter(|_| !p.service_linked_role && req.action_lc != "kms:retiregrant");
    let mut rcps = ev.levels(rcp_levels, Layer::ResourceControlPolicy, true);
    // RCPs can only deny: AWS attaches RCPFullAWSAccess to every root, OU and account and
    // refuses to detach it (Organizations UG `orgs_manage_policies_rcps_evaluation`), so a
    // level always allows and AWS never says "because no resource control policy allows".
    rcps.all_allow = true;
    // SCPs: only principals of member accounts; not service-linked roles.
    let scp_levels = ps
        .scp_levels
        .as_ref()
        .filter(|_| !p.service_linked_role && !p.management_account && p.has_identity_policies());
    let scps = ev.levels(scp_levels, Layer::ServiceControlPolicy, false);
    let res_layer = if rs.kind == ResourcePolicyKind::RoleTrust {
        Layer::RoleTrustPolicy
    } else {
        Layer::ResourcePolicy
    };
    let rp = rs
        .resource_policy
        .as_ref()
        .map(|np| ev.layer(slice::from_ref(np), res_layer, true));
    let has_identity = p.has_identity_policies();
    let identity_applies = has_identity && p.kind != PrincipalType::Root;
    let idn = identity_applies.then(|| ev.layer(&ps.identity, Layer::IdentityPolicy, false));
    let bnd = ps
        .boundary
        .as_ref()
        .filter(|_| has_identity)
        .map(|b| ev.layer(slice::from_ref(b), Layer::PermissionsBoundary, false));
    let ses = (has_identity && !ps.session.is_empty())
        .then(|| ev.layer(&ps.session, Layer::SessionPolicy, false));

    let mut verdicts = [None; 8];
    verdicts[Layer::ResourceControlPolicy as usize] = rcps.verdict();
    verdicts[Layer::ServiceControlPolicy as usize] = scps.verdict();
    verdicts[res_layer as usize] = rp.map(|o| o.verdict());
    verdicts[Layer::IdentityPolicy as usize] = idn.map(|o| o.verdict());
    verdicts[Layer::PermissionsBoundary as usize] = bnd.map(|o| o.verdict());
    verdicts[Layer::SessionPolicy as usize] = ses.map(|o| o.verdict());
    let Evaluator {
        missing,
        mut matched,
        ..
    } = ev;
    let mut d = Decision {
        decision: EvalDecision::ImplicitDeny,
        layer: None,
        matched: Vec::new(),
        missing_context_keys: missing,
        allowed_by_organizations: scps.applies.then_some(scps.all_allow),
        allowed_by_rcps: rcps.applies.then_some(rcps.all_allow),
        allowed_by_boundary: bnd.map(|o| o.allows()),
        verdicts,
        cross_account: cross,
        grant_id: None,
        subject: req.subject.clone(),
    };

    // 1. An explicit deny anywhere wins; the first layer in flowchart order is named.
    if let Some(i) = verdicts
        .iter()
        .position(|v| *v == Some(EvalDecision::ExplicitDeny))
    {
        d.decision = EvalDecision::ExplicitDeny;
        d.layer = FLOW.get(i).copied();
        matched.retain(|m| m.effect == Effect::Deny);
        d.matched = matched;
        return d;
    }
    let deny = |mut d: Decision, layer: Layer| {
        d.decision = EvalDecision::ImplicitDeny;
        d.layer = Some(layer);
        d
    };
    // 2–3. Every SCP level must allow (RCP levels always do, above).
    if scps.applies && !scps.all_allow {
        return deny(d, Layer::ServiceControlPolicy);
    }
    let kind = rs.kind;
    let kms = kind == ResourcePolicyKind::KmsKeyPolicy;
    let allow =
        |mut d: Decision, layer: Layer, used: &[Layer], mut matched: Vec<MatchedStatement>| {
            d.decision = EvalDecision::Allowed;
            d.layer = Some(layer);
            matched.retain(|m| m.effect == Effect::Allow && used.contains(&m.layer));
            d.matched = matched;
            d
        };
    // Grants allow their operations on their own; they never deny.
    if kms {
        if let Some(g) = auth.grants.iter().find(|g| g.matches(req)) {
            let mut d = allow(d, Layer::Grant, &[], matched);
            d.grant_id = Some(g.grant_id.clone());
            return d;
        }
    }
    let best = rp.and_then(|o| o.best).unwrap_or(PrincipalMatch::No);
    // Services and anonymous callers have no identity policies: only the resource policy can allow.
    if !has_identity {
        return if best != PrincipalMatch::No {
            allow(d, res_layer, &[res_layer], matched)
        } else {
            deny(d, res_layer)
        };
    }
    if cross && kms && !kms_cross_account_ok(&req.action_lc) {
        return deny(d, res_layer);
    }
    if cross
        && kind == ResourcePolicyKind::BackupVault
        && req.action_lc != "backup:copyintobackupvault"
    {
        return deny(d, res_layer);
    }
    // 4. Resource-based policy.
    let must_allow = cross || kms || kind == ResourcePolicyKind::RoleTrust;
    let mut need_identity = identity_applies;
    match best {
        PrincipalMatch::No if must_allow => return deny(d, res_layer),
        PrincipalMatch::Direct if !cross && p.kind != PrincipalType::Root => {
            return allow(d, res_layer, &[res_layer], matched);
        }
        PrincipalMatch::Role if !cross => need_identity = false,
        _ => {}
    }
    // 5. Identity policies (the root user needs none in its own account).
    if need_identity && !idn.is_some_and(|o| o.allows()) {
        return deny(d, Layer::IdentityPolicy);
    }
    // 6. Permissions boundary.
    if bnd.is_some_and(|b| !b.allows()) {
        return deny(d, Layer::PermissionsBoundary);
    }
    // 7. Session policies: required for federated users, optional for role sessions.
    match ses {
        Some(s) if !s.allows() => return deny(d, Layer::SessionPolicy),
        None if p.kind == PrincipalType::FederatedUser => return deny(d, Layer::SessionPolicy),
        _ => {}
    }
    let granting = if need_identity {
        Layer::IdentityPolicy
    } else {
        res_layer
    };
    let used = [
        res_layer,
        Layer::IdentityPolicy,
        Layer::PermissionsBoundary,
        Layer::SessionPolicy,
    ];
    allow(d, granting, &used, matched)
}

/// `Layer as usize` → layer, for the verdict table.
const FLOW: [Layer; 8] = [
    Layer::ResourceControlPolicy,
    Layer::ServiceControlPolicy,
    Layer::ResourcePolicy,
    Layer::RoleTrustPolicy,
    Layer::Grant,
    Layer::IdentityPolicy,
    Layer::PermissionsBoundary,
    Layer::SessionPolicy,
];

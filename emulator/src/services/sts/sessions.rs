//! How STS makes a session: the request's session members (policies, tags, source
//! identity) checked and packed, the credentials issued, and the role-session steps shared
//! by AssumeRole and the federation operations (finding the role, its duration, the trust
//! policy decision).

use serde_json::{json, Value};

use super::errors::modeled_error;
use crate::authz::{self, Access, ResourcePolicyKind};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::policy_docs::{
    size_without_whitespace, validate_policy_document, PolicyDocumentKind,
};
use crate::services::iam::{self, roles};
use crate::world::iam::state::{Role, Session, Tag};
use crate::world::iam::{access, ids};
use crate::world::{Caller, CallerKind, IssuedCredential, World};

/// Role chaining: a role session may assume a role for one hour at most.
pub const CHAINED_MAX: i64 = 3_600;

/// The space session policies and tags pack into (PackedPolicySize is a percentage of it).
const PACKED_SPACE: usize = 2_048;

/// What an issued session is made of besides its principal.
pub struct Issue {
    pub account: String,
    pub kind: CallerKind,
    pub user_id: String,
    pub duration: i64,
    pub session: Session,
}

/// Issues temporary credentials: an ASIA key in `World::credentials` and the session record.
/// Returns the `Credentials` output member.
pub fn issue(world: &mut World, issue: Issue, now: f64) -> Value {
    let key_id = ids::access_key_id("ASIA");
    let secret = ids::secret_access_key();
    let token = ids::session_token();
    let expiration = now + issue.duration as f64;
    let state = access::iam_mut(world, &issue.account, now);
    let expired: Vec<String> = state
        .sessions
        .iter()
        .filter(|(_, s)| s.expiration <= now)
        .map(|(k, _)| k.clone())
        .collect();
    for k in &expired {
        state.sessions.remove(k);
    }
    let mut session = issue.session;
    session.access_key_id = key_id.clone();
    session.expiration = expiration;
    state.sessions.insert(key_id.clone(), session);
    for k in expired {
        world.credentials.remove(&k);
    }
    world.credentials.insert(
        key_id.clone(),
        IssuedCredential {
            secret_access_key: secret.clone(),
            session_token: Some(token.clone()),
            expiration: Some(expiration),
            active: true,
            caller: Caller {
                account: issue.account,
                kind: issue.kind,
                user_id: issue.user_id,
                access_key_id: key_id.clone(),
                // Stored callers take the partition of each request they sign (pipeline).
                partition: crate::arn::default_caller_partition(),
            },
        },
    );
    json!({
        "AccessKeyId": key_id,
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": expiration.floor(),
    })
}

/// Session policy (`Policy`), `PolicyArns` and `Tags` of a request, checked; returns the
/// packed size percentage when any is present.
pub fn session_inputs(input: &Value, session: &mut Session) -> ApiResult<Option<u64>> {
    let policy = input["Policy"].as_str();
    if let Some(policy) = policy {
        validate_policy_document(PolicyDocumentKind::Session, policy)?;
        session.policy = Some(policy.to_owned());
    }
    session.policy_arns = input["PolicyArns"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["arn"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let tags = iam::tags::tags_from(input, "Tags");
    iam::tags::check_duplicate_tags(&tags)?;
    let transitive: Vec<String> = input["TransitiveTagKeys"]
        .as_array()
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    if let Some(missing) = transitive
        .iter()
        .find(|k| !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)))
    {
        // Text inferred.
        return Err(ApiError::new(
            "InvalidParameterValue",
            format!("The specified transitive tag key must be included in the requested tags: {missing}"),
        ));
    }
    if policy.is_none() && session.policy_arns.is_empty() && tags.is_empty() {
        session.transitive_tag_keys = transitive;
        return Ok(None);
    }
    let packed = policy.map(size_without_whitespace).unwrap_or(0)
        + session.policy_arns.iter().map(String::len).sum::<usize>()
        + tags
            .iter()
            .map(|t| t.key.len() + t.value.len())
            .sum::<usize>();
    let percent = (packed * 100).div_ceil(PACKED_SPACE) as u64;
    if percent > 100 {
        // Text inferred (AWS's wording as quoted in public reports).
        return Err(modeled_error(
            "PackedPolicyTooLargeException",
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy."
            ),
        ));
    }
    merge_session_tags(&mut session.tags, tags);
    session.transitive_tag_keys.extend(transitive);
    Ok(Some(percent))
}

fn merge_session_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        existing.retain(|t| !t.key.eq_ignore_ascii_case(&tag.key));
        existing.push(tag);
    }
}

/// The transitive tags and source identity a chained session inherits from its caller.
pub(crate) fn inherited(world: &World, caller: &Caller) -> Session {
    let mut session = Session::default();
    if let Some(parent) = access::session(world, caller) {
        session.tags = parent
            .tags
            .iter()
            .filter(|t| {
                parent
                    .transitive_tag_keys
                    .contains(&t.key.to_ascii_lowercase())
            })
            .cloned()
            .collect();
        session.transitive_tag_keys = parent.transitive_tag_keys.clone();
        session.source_identity = parent.source_identity.clone();
    }
    session
}

/// Condition keys of a role-assuming request (`aws:RequestTag/...`, `sts:...`).
pub fn request_context(input: &Value, session: &Session) -> Vec<(String, Value)> {
    let mut context = iam::tags::tag_context(&iam::tags::tags_from(input, "Tags"));
    for (member, key) in [
        ("ExternalId", "sts:ExternalId"),
        ("RoleSessionName", "sts:RoleSessionName"),
        ("SourceIdentity", "sts:SourceIdentity"),
    ] {
        if let Some(value) = input[member].as_str() {
            context.push((key.into(), json!(value)));
        }
    }
    if !session.transitive_tag_keys.is_empty() {
        context.push((
            "sts:TransitiveTagKeys".into(),
            json!(session.transitive_tag_keys),
        ));
    }
    if let Some(duration) = input["DurationSeconds"].as_i64() {
        context.push(("sts:DurationSeconds".into(), json!(duration)));
    }
    context
}

/// The role a RoleArn names, if it exists with that path.
pub fn role_for_arn(world: &World, arn: &str) -> Option<(String, Role)> {
    // Any partition: the role's own ARN, compared below, carries the one it was created in.
    let rest = arn.strip_prefix("arn:")?.split_once(':')?.1;
    let (account, resource) = rest.strip_prefix("iam::")?.split_once(':')?;
    let resource = resource.strip_prefix("role/")?;
    let name = resource.rsplit('/').next()?;
    let role = roles::find(world, account, name).ok()?;
    (roles::arn_of(account, role) == arn).then(|| (account.to_owned(), role.clone()))
}

/// Duration checks shared by the AssumeRole family.
pub fn role_duration(input: &Value, role: &Role, chained: bool) -> ApiResult<i64> {
    let duration = input["DurationSeconds"].as_i64().unwrap_or(3_600);
    if duration > role.max_session_duration {
        return Err(ApiError::new(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if chained && duration > CHAINED_MAX {
        // Text inferred (AWS's wording as quoted in public reports).
        return Err(ApiError::new(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    Ok(duration)
}

/// Authorizes `action` on the role with its trust policy as the resource policy, plus
/// sts:TagSession / sts:SetSourceIdentity when the request sets tags / a source identity.
pub fn authorize_on_role(
    ctx: &RequestContext,
    world: &World,
    action: &str,
    account: &str,
    role: &Role,
    context: Vec<(String, Value)>,
    input: &Value,
) -> ApiResult<()> {
    let arn = roles::arn_of(account, role);
    let access = |action: &str| Access {
        action: action.to_owned(),
        resource: Some(arn.clone()),
        resource_account: Some(account.to_owned()),
        resource_policy: Some((
            ResourcePolicyKind::RoleTrustPolicy,
            role.assume_role_policy_document.clone(),
        )),
        context: context.clone(),
        ..Access::default()
    };
    authz::authorize(ctx, world, &access(action))?;
    if input["Tags"].as_array().is_some_and(|t| !t.is_empty()) {
        authz::authorize(ctx, world, &access("sts:TagSession"))?;
    }
    if input["SourceIdentity"].is_string() {
        authz::authorize(ctx, world, &access("sts:SetSourceIdentity"))?;
    }
    Ok(())
}

/// Issues a role session and answers the AssumeRole-family output members.
pub fn issue_role_session(
    ctx: &RequestContext,
    world: &mut World,
    account: &str,
    role: &Role,
    session_name: &str,
    duration: i64,
    session: Session,
) -> Value {
    let source_identity = session.source_identity.clone();
    let credentials = issue(
        world,
        Issue {
            account: account.to_owned(),
            kind: CallerKind::AssumedRole {
                role_name: role.name.clone(),
                role_path: role.path.clone(),
                role_id: role.id.clone(),
                session_name: session_name.to_owned(),
            },
            user_id: format!("{}:{session_name}", role.id),
            duration,
            session,
        },
        ctx.now,
    );
    if let Ok(r) = roles::find_mut(world, account, &role.name, ctx.now) {
        r.last_used = Some((ctx.now, ctx.region.clone()));
    }
    let mut out = json!({
        "Credentials": credentials,
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{}:{session_name}", role.id),
            "Arn": crate::arn::global(
                ctx.partition(),
                "sts",
                account,
                &format!("assumed-role/{}/{session_name}", role.name)
            ),
        },
    });
    if let Some(source) = source_identity {
        out["SourceIdentity"] = json!(source);
    }
    out
}

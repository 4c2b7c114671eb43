//! STS sessions in a seed file: assumed-role sessions with the credentials a test saved.
//!
//! No operation makes a session with a given access key, secret and token, and AssumeRole
//! asks the role's trust policy about a caller the seed does not have (a role trusting
//! `backup.amazonaws.com` cannot be assumed by the account's root). So a seed issues the
//! session as STS does after its decision ([`crate::services::sts::sessions::issue`]),
//! with STS's own checks of the session members, and then gives it the file's credentials.

use std::collections::BTreeMap;

use serde_json::Value;

use super::format::StsSessionSeed;
use crate::services::iam::policy_docs::{validate_policy_document, PolicyDocumentKind};
use crate::services::sts::sessions::{issue, Issue};
use crate::world::iam::state::{IamState, Session, Tag};
use crate::world::{CallerKind, World};

/// Issues `s` for a role of `account` at `now`; a refusal is its reason.
pub fn apply(world: &mut World, account: &str, s: &StsSessionSeed, now: f64) -> Result<(), String> {
    let role = crate::services::iam::roles::find(world, account, &s.role_name)
        .map_err(|e| format!("{}: {}", e.code, e.message.clone().unwrap_or_default()))?
        .clone();
    if !s.access_key_id.starts_with("ASIA") {
        return Err(format!(
            "accessKeyId {} is not a temporary key id: STS's start with ASIA",
            s.access_key_id
        ));
    }
    if world.credentials.contains_key(&s.access_key_id) {
        return Err(format!("access key {} is already in use", s.access_key_id));
    }
    if s.expiration <= now {
        return Err(format!(
            "the session expired at {} (epoch seconds), before the seed is applied; STS would refuse its key",
            s.expiration
        ));
    }
    let policy = s.policy.as_ref().map(|p| match p {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    if let Some(text) = &policy {
        validate_policy_document(PolicyDocumentKind::Session, text).map_err(|e| {
            format!(
                "policy: {}: {}",
                e.code,
                e.message.clone().unwrap_or_default()
            )
        })?;
    }
    let session = Session {
        issued_by: "AssumeRole".into(),
        policy,
        policy_arns: s.policy_arns.clone(),
        tags: s
            .tags
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
        transitive_tag_keys: s.transitive_tag_keys.clone(),
        source_identity: s.source_identity.clone(),
        chained: s.chained,
        issuer_arn: s.issuer_arn.clone(),
        ..Session::default()
    };
    let made = issue(
        world,
        Issue {
            account: account.to_owned(),
            kind: CallerKind::AssumedRole {
                role_name: role.name.clone(),
                role_path: role.path.clone(),
                role_id: role.id.clone(),
                session_name: s.session_name.clone(),
            },
            user_id: format!("{}:{}", role.id, s.session_name),
            duration: 0,
            session,
        },
        now,
    );
    // The file's credentials and expiry in place of the generated ones.
    let generated = made["AccessKeyId"].as_str().unwrap_or_default().to_owned();
    let mut credential = world
        .credentials
        .remove(&generated)
        .ok_or("the issued credential vanished")?;
    credential.secret_access_key = s.secret_access_key.clone();
    credential.session_token = Some(s.session_token.clone());
    credential.expiration = Some(s.expiration);
    credential.caller.access_key_id = s.access_key_id.clone();
    world
        .credentials
        .insert(s.access_key_id.clone(), credential);
    let sessions = &mut crate::world::iam::access::iam_mut(world, account, now).sessions;
    let mut record = sessions
        .remove(&generated)
        .ok_or("the issued session vanished")?;
    record.access_key_id = s.access_key_id.clone();
    record.expiration = s.expiration;
    sessions.insert(s.access_key_id.clone(), record);
    Ok(())
}

/// The account's live assumed-role sessions. Other sessions (GetSessionToken, federation)
/// belong to a user, not a role, and are not written.
pub fn export(world: &World, state: &IamState, now: f64) -> Vec<StsSessionSeed> {
    state
        .sessions
        .values()
        .filter(|s| s.expiration > now)
        .filter_map(|s| {
            let credential = world.credentials.get(&s.access_key_id)?;
            let CallerKind::AssumedRole {
                role_name,
                session_name,
                ..
            } = &credential.caller.kind
            else {
                return None;
            };
            Some(StsSessionSeed {
                role_name: role_name.clone(),
                session_name: session_name.clone(),
                access_key_id: s.access_key_id.clone(),
                secret_access_key: credential.secret_access_key.clone(),
                session_token: credential.session_token.clone().unwrap_or_default(),
                expiration: s.expiration,
                policy: s.policy.clone().map(Value::String),
                policy_arns: s.policy_arns.clone(),
                tags: s
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect::<BTreeMap<_, _>>(),
                transitive_tag_keys: s.transitive_tag_keys.clone(),
                source_identity: s.source_identity.clone(),
                chained: s.chained,
                issuer_arn: s.issuer_arn.clone(),
            })
        })
        .collect()
}

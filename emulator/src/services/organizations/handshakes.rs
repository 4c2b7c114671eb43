//! Handshakes (invitations, enabling all features); responsibility transfers, which use
//! them, are in `responsibility_transfers`.
//!
//! Parties: an ACCOUNT party is the 12-digit id; an EMAIL party matches the account whose
//! email that is (an account keyhole knows no email for is `<id>@example.com`).

use serde_json::{json, Value};

use super::errors;
use super::lookup::{management_org, org, org_mut, reader_org};
use super::paging::page;
use super::state::{
    random_chars, Handshake, HandshakeState, Member, Organization, Party, LOWER_ALNUM,
};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::{is_account_id, World};

/// Invitations expire after 15 days.
pub(super) const INVITE_LIFETIME: f64 = 15.0 * 24.0 * 3600.0;

fn state_now(h: &Handshake, now: f64) -> HandshakeState {
    if matches!(h.state, HandshakeState::Open | HandshakeState::Requested) && now >= h.expiration {
        HandshakeState::Expired
    } else {
        h.state
    }
}

pub(super) fn view(h: &Handshake, now: f64) -> Value {
    let parties: Vec<Value> = h
        .parties
        .iter()
        .map(|p| json!({"Id": p.id, "Type": p.party_type}))
        .collect();
    json!({
        "Id": h.id,
        "Arn": crate::arn::global(
            &h.partition,
            "organizations",
            &h.management_account,
            &format!(
                "handshake/{}/{}/{}",
                h.org_id,
                h.action.to_ascii_lowercase(),
                h.id
            )
        ),
        "Parties": parties,
        "State": state_now(h, now),
        "RequestedTimestamp": h.requested,
        "ExpirationTimestamp": h.expiration,
        "Action": h.action,
        "Resources": h.resources,
    })
}

pub(super) fn new_handshake_id(world: &World) -> String {
    loop {
        let id = format!("h-{}", random_chars(10, LOWER_ALNUM));
        if !world.organizations.handshakes.contains_key(&id) {
            return id;
        }
    }
}

/// Whether `account` is the party a handshake was sent to.
fn is_recipient(world: &World, h: &Handshake, account: &str) -> bool {
    let email = world.organizations.profile(account).email;
    h.parties
        .iter()
        .skip(1)
        .any(|p| match p.party_type.as_str() {
            "ACCOUNT" => p.id == account,
            "EMAIL" => p.id.eq_ignore_ascii_case(&email),
            _ => false,
        })
}

/// Whether `account` manages the organization that sent the handshake.
fn is_originator(world: &World, h: &Handshake, account: &str) -> bool {
    world
        .organizations
        .organizations
        .get(&h.org_id)
        .is_some_and(|o| o.management_account == account)
}

fn visible(world: &World, h: &Handshake, account: &str) -> bool {
    is_recipient(world, h, account) || is_originator(world, h, account)
}

fn organization_resource(world: &World, organization: &Organization) -> Value {
    let management = organization
        .accounts
        .get(&organization.management_account)
        .cloned()
        .unwrap_or_else(|| Member {
            email: world
                .organizations
                .profile(&organization.management_account)
                .email,
            ..Member::default()
        });
    let feature_set = if organization.feature_set == "ALL" {
        "ALL"
    } else {
        "CONSOLIDATED_BILLING"
    };
    json!({
        "Type": "ORGANIZATION",
        "Value": organization.id,
        "Resources": [
            {"Type": "MASTER_EMAIL", "Value": management.email},
            {"Type": "MASTER_NAME", "Value": management.name},
            {"Type": "ORGANIZATION_FEATURE_SET", "Value": feature_set},
        ],
    })
}

pub(super) fn target_party(op: &Request) -> ApiResult<Party> {
    let target = op.input.get("Target").ok_or_else(errors::invalid_pattern)?;
    let id = target.get("Id").and_then(Value::as_str).unwrap_or_default();
    let kind = target
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "ACCOUNT" if is_account_id(id) => {}
        "ACCOUNT" => {
            return Err(errors::invalid_input(
                "INVALID_PATTERN_TARGET_ID",
                "You specified a target ID that doesn't match the required pattern.",
            ))
        }
        "EMAIL" if id.contains('@') => {}
        "EMAIL" => {
            return Err(errors::invalid_input(
                "INVALID_EMAIL_ADDRESS_TARGET",
                "You specified an invalid email address for the invited account owner.",
            ))
        }
        _ => {
            return Err(errors::invalid_input(
                "INVALID_PARTY_TYPE_TARGET",
                "You specified the wrong type for the handshake's target party.",
            ))
        }
    }
    Ok(Party {
        id: id.to_owned(),
        party_type: kind.to_owned(),
    })
}

/// The account a target party names, if keyhole knows it.
pub(super) fn resolve_party(world: &World, party: &Party) -> Option<String> {
    match party.party_type.as_str() {
        "ACCOUNT" => Some(party.id.clone()),
        "EMAIL" => world
            .organizations
            .profiles
            .iter()
            .find(|(_, p)| p.email.eq_ignore_ascii_case(&party.id))
            .map(|(id, _)| id.clone())
            .or_else(|| {
                party
                    .id
                    .strip_suffix("@example.com")
                    .filter(|local| is_account_id(local))
                    .map(str::to_owned)
            }),
        _ => None,
    }
}

fn already_member() -> crate::protocol::ApiError {
    errors::handshake_constraint(
        "ALREADY_IN_AN_ORGANIZATION",
        "The handshake request is invalid because the invited account is already a member of an organization.",
    )
}

pub fn invite_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let target = target_party(op)?;
    let tags = super::tags::input_tags(op)?;
    let now = op.now();
    let organization = org(world, &id)?;
    if world.organizations.handshakes.values().any(|h| {
        h.org_id == id
            && h.action == "ENABLE_ALL_FEATURES"
            && state_now(h, now) == HandshakeState::Open
    }) {
        return Err(errors::handshake_constraint(
            "INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES",
            "You can't issue new invitations to join an organization while it's in the process of enabling all features.",
        ));
    }
    if let Some(account) = resolve_party(world, &target) {
        if world.organizations.org_of(&account).is_some() {
            return Err(already_member());
        }
    }
    if world.organizations.handshakes.values().any(|h| {
        h.org_id == id
            && h.action == "INVITE"
            && state_now(h, now) == HandshakeState::Open
            && h.parties.get(1) == Some(&target)
    }) {
        return Err(errors::duplicate_handshake());
    }
    let mut resources = vec![
        organization_resource(world, organization),
        json!({"Type": target.party_type, "Value": target.id}),
    ];
    if let Some(notes) = op.str("Notes") {
        resources.push(json!({"Type": "NOTES", "Value": notes}));
    }
    let handshake = Handshake {
        id: new_handshake_id(world),
        org_id: id.clone(),
        management_account: organization.management_account.clone(),
        partition: organization.partition.clone(),
        action: "INVITE".into(),
        parties: vec![
            Party {
                id: id.clone(),
                party_type: "ORGANIZATION".into(),
            },
            target,
        ],
        resources: Value::Array(resources),
        state: HandshakeState::Open,
        requested: now,
        expiration: now + INVITE_LIFETIME,
        parent_handshake_id: None,
        tags: tags.into_iter().collect(),
        transfer_id: None,
    };
    let out = view(&handshake, now);
    world
        .organizations
        .handshakes
        .insert(handshake.id.clone(), handshake);
    Ok(json!({ "Handshake": out }))
}

fn find<'w>(op: &Request, world: &'w World) -> ApiResult<&'w Handshake> {
    let id = op.req("HandshakeId")?;
    let handshake = world
        .organizations
        .handshakes
        .get(id)
        .ok_or_else(errors::handshake_not_found)?;
    if !visible(world, handshake, op.account()) {
        return Err(errors::handshake_not_found());
    }
    Ok(handshake)
}

fn set_state(world: &mut World, id: &str, state: HandshakeState) {
    if let Some(h) = world.organizations.handshakes.get_mut(id) {
        h.state = state;
    }
}

/// A responsibility transfer's status follows its handshake's state (same wire names).
fn sync_transfer(world: &mut World, handshake: &Handshake, state: HandshakeState) {
    if let Some(transfer_id) = &handshake.transfer_id {
        if let Some(t) = world.organizations.transfers.get_mut(transfer_id) {
            t.status = state.as_str().to_owned();
        }
    }
}

fn respond(world: &World, id: &str, now: f64) -> ApiResult<Value> {
    let h = world
        .organizations
        .handshakes
        .get(id)
        .ok_or_else(errors::handshake_not_found)?;
    Ok(json!({ "Handshake": view(h, now) }))
}

pub fn accept(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let now = op.now();
    let caller = op.account().to_owned();
    let handshake = find(op, world)?.clone();
    let recipient = match handshake.action.as_str() {
        // The management account accepts the handshake it started once members approved.
        "ENABLE_ALL_FEATURES" => is_originator(world, &handshake, &caller),
        _ => is_recipient(world, &handshake, &caller),
    };
    if !recipient {
        return Err(errors::access_denied());
    }
    match state_now(&handshake, now) {
        HandshakeState::Open | HandshakeState::Requested => {}
        HandshakeState::Accepted => return Err(errors::handshake_already_in_state()),
        _ => return Err(errors::invalid_handshake_transition()),
    }
    match handshake.action.as_str() {
        "INVITE" => {
            if world.organizations.org_of(&caller).is_some() {
                return Err(already_member());
            }
            let profile = world.organizations.profile(&caller);
            let email = match handshake.parties.get(1) {
                Some(p) if p.party_type == "EMAIL" => p.id.clone(),
                _ => profile.email.clone(),
            };
            let organization = org_mut(world, &handshake.org_id)?;
            let root = organization.root.id.clone();
            organization.accounts.insert(
                caller.clone(),
                Member {
                    id: caller.clone(),
                    name: profile.name.clone(),
                    email: email.clone(),
                    parent_id: root,
                    joined_method: "INVITED".into(),
                    joined_timestamp: now,
                    status: "ACTIVE".into(),
                },
            );
            organization.attach_defaults(&caller);
            let tags: Vec<(String, String)> = handshake.tags.clone().into_iter().collect();
            super::tags::apply_tags(organization, &caller, &tags)?;
            world.organizations.profiles.insert(
                caller.clone(),
                super::state::AccountProfile {
                    name: profile.name,
                    email,
                },
            );
        }
        "ENABLE_ALL_FEATURES" => {
            let pending = world.organizations.handshakes.values().any(|h| {
                h.parent_handshake_id.as_deref() == Some(handshake.id.as_str())
                    && h.state != HandshakeState::Accepted
            });
            if pending {
                return Err(errors::invalid_handshake_transition());
            }
            org_mut(world, &handshake.org_id)?.feature_set = "ALL".into();
        }
        "TRANSFER_RESPONSIBILITY" => sync_transfer(world, &handshake, HandshakeState::Accepted),
        _ => {}
    }
    set_state(world, &handshake.id, HandshakeState::Accepted);
    respond(world, &handshake.id, now)
}

pub fn decline(op: &Request, world: &mut World) -> ApiResult<Value> {
    close(op, world, is_recipient, HandshakeState::Declined)
}

pub fn cancel(op: &Request, world: &mut World) -> ApiResult<Value> {
    close(op, world, is_originator, HandshakeState::Canceled)
}

/// Declines or cancels an open handshake (`to`): only the party `may_close` names may, and
/// a handshake already in that state, or past open, refuses.
fn close(
    op: &Request,
    world: &mut World,
    may_close: fn(&World, &Handshake, &str) -> bool,
    to: HandshakeState,
) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let now = op.now();
    let handshake = find(op, world)?.clone();
    if !may_close(world, &handshake, op.account()) {
        return Err(errors::access_denied());
    }
    match state_now(&handshake, now) {
        HandshakeState::Open | HandshakeState::Requested => {}
        state if state == to => return Err(errors::handshake_already_in_state()),
        _ => return Err(errors::invalid_handshake_transition()),
    }
    sync_transfer(world, &handshake, to);
    set_state(world, &handshake.id, to);
    respond(world, &handshake.id, now)
}

pub fn describe(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let handshake = find(op, world)?;
    Ok(json!({ "Handshake": view(handshake, op.now()) }))
}

fn matches_filter(op: &Request, h: &Handshake) -> bool {
    let filter = op.input.get("Filter");
    let action = filter
        .and_then(|f| f.get("ActionType"))
        .and_then(Value::as_str);
    let parent = filter
        .and_then(|f| f.get("ParentHandshakeId"))
        .and_then(Value::as_str);
    action.is_none_or(|a| h.action == a)
        && parent.is_none_or(|p| h.parent_handshake_id.as_deref() == Some(p))
}

pub fn list_for_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let now = op.now();
    let items: Vec<Value> = world
        .organizations
        .handshakes
        .values()
        .filter(|h| visible(world, h, op.account()) && matches_filter(op, h))
        .map(|h| view(h, now))
        .collect();
    Ok(page(op, items, "Handshakes")?.into())
}

pub fn list_for_organization(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let now = op.now();
    let items: Vec<Value> = world
        .organizations
        .handshakes
        .values()
        .filter(|h| h.org_id == id && matches_filter(op, h))
        .map(|h| view(h, now))
        .collect();
    Ok(page(op, items, "Handshakes")?.into())
}

/// Starts the all-features migration: one APPROVE_ALL_FEATURES handshake per invited member;
/// the management account accepts the parent once every member approved.
pub fn enable_all_features(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let now = op.now();
    let organization = org(world, &id)?.clone();
    if organization.feature_set == "ALL" {
        return Err(errors::handshake_constraint(
            "ORGANIZATION_ALREADY_HAS_ALL_FEATURES",
            "The handshake request is invalid because the organization has already enabled all features.",
        ));
    }
    if world.organizations.handshakes.values().any(|h| {
        h.org_id == id
            && h.action == "ENABLE_ALL_FEATURES"
            && state_now(h, now) == HandshakeState::Open
    }) {
        return Err(errors::handshake_constraint(
            "ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION",
            "The handshake request is invalid because the organization is already in the process of enabling all features.",
        ));
    }
    let org_party = Party {
        id: id.clone(),
        party_type: "ORGANIZATION".into(),
    };
    let parent = Handshake {
        id: new_handshake_id(world),
        org_id: id.clone(),
        management_account: organization.management_account.clone(),
        partition: organization.partition.clone(),
        action: "ENABLE_ALL_FEATURES".into(),
        parties: vec![org_party.clone()],
        resources: json!([organization_resource(world, &organization)]),
        state: HandshakeState::Open,
        requested: now,
        expiration: now + 90.0 * 24.0 * 3600.0,
        ..Handshake::default()
    };
    let parent_id = parent.id.clone();
    let out = view(&parent, now);
    world
        .organizations
        .handshakes
        .insert(parent_id.clone(), parent);
    for member in organization
        .accounts
        .values()
        .filter(|m| m.joined_method == "INVITED")
    {
        let child = Handshake {
            id: new_handshake_id(world),
            org_id: id.clone(),
            management_account: organization.management_account.clone(),
            partition: organization.partition.clone(),
            action: "APPROVE_ALL_FEATURES".into(),
            parties: vec![
                org_party.clone(),
                Party {
                    id: member.id.clone(),
                    party_type: "ACCOUNT".into(),
                },
            ],
            resources: json!([
                organization_resource(world, &organization),
                {"Type": "PARENT_HANDSHAKE", "Value": parent_id},
            ]),
            state: HandshakeState::Open,
            requested: now,
            expiration: now + 90.0 * 24.0 * 3600.0,
            parent_handshake_id: Some(parent_id.clone()),
            ..Handshake::default()
        };
        world
            .organizations
            .handshakes
            .insert(child.id.clone(), child);
    }
    Ok(json!({ "Handshake": out }))
}

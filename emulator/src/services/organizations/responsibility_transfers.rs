//! Responsibility transfers: inviting another organization to take over a responsibility,
//! describing, listing, terminating and updating the transfers.
use serde_json::{json, Value};

use super::errors;
use super::handshakes::{new_handshake_id, resolve_party, target_party, view, INVITE_LIFETIME};
use super::lookup::{management_org, membership, org, Role};
use super::paging::page;
use super::state::{
    random_chars, Handshake, HandshakeState, Party, ResponsibilityTransfer, LOWER_ALNUM,
};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

/// A transfer's ARN as one side sees it: under that side's organization, in its partition.
pub(crate) fn transfer_arn(world: &World, t: &ResponsibilityTransfer, inbound: bool) -> String {
    let (org_id, owner, direction) = if inbound {
        (&t.target_org, &t.target_account, "inbound")
    } else {
        (&t.source_org, &t.source_account, "outbound")
    };
    let partition = world
        .organizations
        .organizations
        .get(org_id)
        .map_or(crate::arn::DEFAULT_PARTITION, |o| o.partition.as_str());
    crate::arn::global(
        partition,
        "organizations",
        owner,
        &format!("transfer/{org_id}/billing/{direction}/{}", t.id),
    )
}

pub(super) fn transfer_view(world: &World, t: &ResponsibilityTransfer, for_account: &str) -> Value {
    let inbound = world
        .organizations
        .organizations
        .get(&t.target_org)
        .is_some_and(|o| o.management_account == for_account);
    let participant = |account: &str| {
        json!({
            "ManagementAccountId": account,
            "ManagementAccountEmail": world.organizations.profile(account).email,
        })
    };
    json!({
        "Arn": transfer_arn(world, t, inbound),
        "Name": t.name,
        "Id": t.id,
        "Type": t.transfer_type,
        "Status": t.status,
        "Source": participant(&t.source_account),
        "Target": participant(&t.target_account),
        "StartTimestamp": t.start,
        "EndTimestamp": t.end,
        "ActiveHandshakeId": t.handshake_id,
    })
}

pub fn invite_transfer(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let now = op.now();
    let target = target_party(op)?;
    let organization = org(world, &id)?.clone();
    let invitee = resolve_party(world, &target)
        .ok_or_else(|| errors::handshake_constraint(
            "SOURCE_AND_TARGET_CANNOT_MATCH",
            "The handshake request is invalid because the source and target of the transfer can't be the same.",
        ))?;
    if invitee == organization.management_account {
        return Err(errors::handshake_constraint(
            "SOURCE_AND_TARGET_CANNOT_MATCH",
            "The handshake request is invalid because the source and target of the transfer can't be the same.",
        ));
    }
    let source_org = world
        .organizations
        .org_of(&invitee)
        .filter(|o| o.management_account == invitee)
        .map(|o| o.id.clone())
        .ok_or_else(|| {
            errors::invalid_input(
                "INVALID_PARTY_TYPE_TARGET",
                "You specified the wrong type for the handshake's target party.",
            )
        })?;
    let start = op
        .input
        .get("StartTimestamp")
        .and_then(Value::as_f64)
        .unwrap_or(now);
    let transfer_id = format!("rt-{}", random_chars(10, LOWER_ALNUM));
    let handshake_id = new_handshake_id(world);
    let transfer = ResponsibilityTransfer {
        id: transfer_id.clone(),
        name: op.req("SourceName")?.to_owned(),
        transfer_type: op.str("Type").unwrap_or("BILLING").to_owned(),
        source_org,
        source_account: invitee,
        target_org: id.clone(),
        target_account: organization.management_account.clone(),
        status: "REQUESTED".into(),
        start,
        end: None,
        handshake_id: handshake_id.clone(),
    };
    let management_email = world
        .organizations
        .profile(&organization.management_account)
        .email;
    let mut resources = vec![
        json!({"Type": "RESPONSIBILITY_TRANSFER", "Value": transfer_id}),
        json!({"Type": "TRANSFER_TYPE", "Value": transfer.transfer_type}),
        json!({"Type": "TRANSFER_START_TIMESTAMP", "Value": start.to_string()}),
        json!({"Type": "MANAGEMENT_ACCOUNT", "Value": organization.management_account}),
        json!({"Type": "MANAGEMENT_EMAIL", "Value": management_email}),
    ];
    if let Some(notes) = op.str("Notes") {
        resources.push(json!({"Type": "NOTES", "Value": notes}));
    }
    let handshake = Handshake {
        id: handshake_id.clone(),
        org_id: id.clone(),
        management_account: organization.management_account.clone(),
        partition: organization.partition.clone(),
        action: "TRANSFER_RESPONSIBILITY".into(),
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
        transfer_id: Some(transfer_id.clone()),
        ..Handshake::default()
    };
    let out = view(&handshake, now);
    world
        .organizations
        .handshakes
        .insert(handshake_id, handshake);
    world.organizations.transfers.insert(transfer_id, transfer);
    Ok(json!({ "Handshake": out }))
}

/// A transfer the caller's organization is a party to.
pub(super) fn own_transfer<'w>(
    op: &Request,
    world: &'w World,
) -> ApiResult<&'w ResponsibilityTransfer> {
    let (org_id, role) = membership(op, world)?;
    if role != Role::Management {
        return Err(errors::access_denied());
    }
    let id = op.req("Id")?;
    world
        .organizations
        .transfers
        .get(id)
        .filter(|t| t.source_org == org_id || t.target_org == org_id)
        .ok_or_else(errors::transfer_not_found)
}

pub fn describe_transfer(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let transfer = own_transfer(op, world)?;
    Ok(json!({ "ResponsibilityTransfer": transfer_view(world, transfer, op.account()) }))
}

pub fn list_transfers(op: &Request, world: &mut World, inbound: bool) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let wanted_type = op.str("Type");
    let wanted_id = op.str("Id");
    let items: Vec<Value> = world
        .organizations
        .transfers
        .values()
        .filter(|t| {
            if inbound {
                t.target_org == id
            } else {
                t.source_org == id
            }
        })
        .filter(|t| wanted_type.is_none_or(|w| t.transfer_type == w))
        .filter(|t| wanted_id.is_none_or(|w| t.id == w))
        .map(|t| transfer_view(world, t, op.account()))
        .collect();
    if wanted_id.is_some() && items.is_empty() {
        return Err(errors::transfer_not_found());
    }
    Ok(page(op, items, "ResponsibilityTransfers")?.into())
}

pub fn terminate_transfer(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let transfer = own_transfer(op, world)?.clone();
    match transfer.status.as_str() {
        "ACCEPTED" => {}
        "WITHDRAWN" => return Err(errors::transfer_already_in_status()),
        _ => return Err(errors::invalid_transfer_transition()),
    }
    let end = op
        .input
        .get("EndTimestamp")
        .and_then(Value::as_f64)
        .unwrap_or(op.now());
    if let Some(t) = world.organizations.transfers.get_mut(&transfer.id) {
        t.status = "WITHDRAWN".into();
        t.end = Some(end);
    }
    let transfer = own_transfer(op, world)?;
    Ok(json!({ "ResponsibilityTransfer": transfer_view(world, transfer, op.account()) }))
}

pub fn update_transfer(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let id = own_transfer(op, world)?.id.clone();
    let name = op.req("Name")?.to_owned();
    if let Some(t) = world.organizations.transfers.get_mut(&id) {
        t.name = name;
    }
    let transfer = own_transfer(op, world)?;
    Ok(json!({ "ResponsibilityTransfer": transfer_view(world, transfer, op.account()) }))
}

//! The organization itself and its accounts.

use serde_json::{json, Value};

use super::errors;
use super::lookup::{management_org, membership, org, org_mut, reader_org, Role};
use super::paging::page;
use super::state::{
    random_chars, AccountProfile, CreateAccountRequest, CreateAccountState, Member, Organization,
    Root, DIGITS, LOWER_ALNUM,
};
use super::tags::{apply_tags, input_tags};
use super::views::account_view;
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

fn organization_view(world: &World, org: &Organization) -> Value {
    let email = org
        .accounts
        .get(&org.management_account)
        .map(|m| m.email.clone())
        .unwrap_or_else(|| world.organizations.profile(&org.management_account).email);
    // Deprecated in AWS's model; AWS still reports SCPs as available with all features.
    let available: Vec<Value> = if org.feature_set == "ALL" {
        vec![json!({"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"})]
    } else {
        Vec::new()
    };
    json!({
        "Id": org.id,
        "Arn": org.arn(),
        "FeatureSet": org.feature_set,
        "MasterAccountArn": org.account_arn(&org.management_account),
        "MasterAccountId": org.management_account,
        "MasterAccountEmail": email,
        "AvailablePolicyTypes": available,
    })
}

pub fn create_organization(op: &Request, world: &mut World) -> ApiResult<Value> {
    op.authorize(world, None)?;
    let caller = op.account().to_owned();
    if world.organizations.org_of(&caller).is_some() {
        return Err(errors::already_in_organization());
    }
    let feature_set = op.str("FeatureSet").unwrap_or("ALL").to_owned();
    let id = loop {
        let candidate = format!("o-{}", random_chars(10, LOWER_ALNUM));
        if !world.organizations.organizations.contains_key(&candidate) {
            break candidate;
        }
    };
    let root_id = format!("r-{}", random_chars(4, LOWER_ALNUM));
    let profile = world.organizations.profile(&caller);
    let mut org = Organization {
        id: id.clone(),
        feature_set,
        management_account: caller.clone(),
        created: op.now(),
        partition: op.ctx.partition().to_owned(),
        root: Root {
            id: root_id.clone(),
            name: "Root".into(),
            policy_types: Vec::new(),
        },
        ..Organization::default()
    };
    org.accounts.insert(
        caller.clone(),
        Member {
            id: caller.clone(),
            name: profile.name.clone(),
            email: profile.email.clone(),
            parent_id: root_id,
            joined_method: "CREATED".into(),
            joined_timestamp: op.now(),
            status: "ACTIVE".into(),
        },
    );
    world.organizations.profiles.insert(caller, profile);
    let view = organization_view(world, &org);
    world.organizations.organizations.insert(id, org);
    Ok(json!({ "Organization": view }))
}

pub fn describe_organization(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (id, _) = membership(op, world)?;
    let org = org(world, &id)?;
    op.authorize(world, Some(org.arn()))?;
    Ok(json!({ "Organization": organization_view(world, org) }))
}

pub fn delete_organization(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.arn()))?;
    if organization.accounts.len() > 1 {
        return Err(errors::organization_not_empty());
    }
    world.organizations.organizations.remove(&id);
    world.organizations.handshakes.retain(|_, h| h.org_id != id);
    Ok(json!({}))
}

fn new_account_id(world: &World) -> String {
    loop {
        let candidate = random_chars(12, DIGITS);
        let taken = world.accounts.contains_key(&candidate)
            || world.organizations.profiles.contains_key(&candidate)
            || world.organizations.org_of(&candidate).is_some();
        if !taken && !candidate.starts_with('0') {
            return candidate;
        }
    }
}

fn status_view(request: &CreateAccountRequest) -> Value {
    json!({
        "Id": request.id,
        "AccountName": request.account_name,
        "State": request.state,
        "RequestedTimestamp": request.requested,
        "CompletedTimestamp": request.completed,
        "AccountId": request.account_id,
        "GovCloudAccountId": request.gov_cloud_account_id,
        "FailureReason": request.failure_reason,
    })
}

/// CreateAccount answers IN_PROGRESS; the account exists at once and every later read of
/// the request reports it SUCCEEDED (or FAILED), so callers' polling loops end on their
/// first poll.
pub fn create_account(op: &Request, world: &mut World, gov_cloud: bool) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let name = op.req("AccountName")?.to_owned();
    let email = op.req("Email")?.to_owned();
    let tags = input_tags(op)?;
    let now = op.now();
    let request_id = format!("car-{}", random_chars(32, super::state::HEX));
    let mut request = CreateAccountRequest {
        id: request_id,
        account_name: name.clone(),
        requested: now,
        completed: now,
        state: CreateAccountState::Succeeded,
        account_id: None,
        gov_cloud_account_id: None,
        failure_reason: None,
    };
    if world.organizations.email_in_use(&email) {
        request.state = CreateAccountState::Failed;
        request.failure_reason = Some("EMAIL_ALREADY_EXISTS".into());
    } else {
        let account_id = new_account_id(world);
        world.account_mut(&account_id, now);
        if gov_cloud {
            let gov_id = new_account_id(world);
            world.account_mut(&gov_id, now);
            request.gov_cloud_account_id = Some(gov_id);
        }
        world.organizations.profiles.insert(
            account_id.clone(),
            AccountProfile {
                name: name.clone(),
                email: email.clone(),
            },
        );
        let organization = org_mut(world, &id)?;
        let root = organization.root.id.clone();
        organization.accounts.insert(
            account_id.clone(),
            Member {
                id: account_id.clone(),
                name: name.clone(),
                email,
                parent_id: root,
                joined_method: "CREATED".into(),
                joined_timestamp: now,
                status: "ACTIVE".into(),
            },
        );
        organization.attach_defaults(&account_id);
        apply_tags(organization, &account_id, &tags)?;
        request.account_id = Some(account_id);
    }
    let organization = org_mut(world, &id)?;
    organization.create_account_requests.push(request.clone());
    Ok(json!({"CreateAccountStatus": {
        "Id": request.id,
        "AccountName": request.account_name,
        "State": CreateAccountState::InProgress,
        "RequestedTimestamp": request.requested,
    }}))
}

pub fn describe_create_account_status(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let wanted = op.req("CreateAccountRequestId")?;
    let organization = org(world, &id)?;
    let request = organization
        .create_account_requests
        .iter()
        .find(|r| r.id == wanted)
        .ok_or_else(errors::create_account_status_not_found)?;
    Ok(json!({ "CreateAccountStatus": status_view(request) }))
}

pub fn list_create_account_status(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let states: Vec<&str> = op
        .input
        .get("States")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items: Vec<Value> = org(world, &id)?
        .create_account_requests
        .iter()
        .filter(|r| states.is_empty() || states.contains(&r.state.as_str()))
        .map(status_view)
        .collect();
    Ok(page(op, items, "CreateAccountStatuses")?.into())
}

pub fn describe_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let account = op.req("AccountId")?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(account)))?;
    let member = organization
        .accounts
        .get(account)
        .ok_or_else(errors::account_not_found)?;
    Ok(json!({ "Account": account_view(organization, member) }))
}

pub fn list_accounts(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let organization = org(world, &id)?;
    let items = in_join_order(organization, organization.accounts.values())
        .into_iter()
        .map(|m| account_view(organization, m))
        .collect();
    Ok(page(op, items, "Accounts")?.into())
}

/// The order account lists answer in (AWS documents none): by join time, and within the
/// clock's millisecond the management account first (it created the organization), then
/// created accounts in request order, then by id; never the random order of the ids alone.
fn in_join_order<'a>(
    organization: &'a Organization,
    members: impl Iterator<Item = &'a Member>,
) -> Vec<&'a Member> {
    let requested = |id: &str| {
        organization
            .create_account_requests
            .iter()
            .position(|r| r.account_id.as_deref() == Some(id))
    };
    let is_management = |m: &Member| m.id == organization.management_account;
    let mut members: Vec<&Member> = members.collect();
    members.sort_by(|a, b| {
        a.joined_timestamp
            .total_cmp(&b.joined_timestamp)
            .then_with(|| is_management(b).cmp(&is_management(a)))
            .then_with(|| requested(&a.id).cmp(&requested(&b.id)))
            .then_with(|| a.id.cmp(&b.id))
    });
    members
}

pub fn list_accounts_for_parent(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let parent = op.req("ParentId")?;
    let organization = org(world, &id)?;
    if !organization.is_parent(parent) {
        return Err(errors::parent_not_found());
    }
    op.authorize(world, organization.node_arn(parent))?;
    let children = organization
        .accounts
        .values()
        .filter(|m| m.parent_id == parent);
    let items = in_join_order(organization, children)
        .into_iter()
        .map(|m| account_view(organization, m))
        .collect();
    Ok(page(op, items, "Accounts")?.into())
}

pub fn move_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let account = op.req("AccountId")?.to_owned();
    let source = op.req("SourceParentId")?.to_owned();
    let destination = op.req("DestinationParentId")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(&account)))?;
    let member = organization
        .accounts
        .get(&account)
        .ok_or_else(errors::account_not_found)?;
    if !organization.is_parent(&source) {
        return Err(errors::source_parent_not_found());
    }
    if !organization.is_parent(&destination) {
        return Err(errors::destination_parent_not_found());
    }
    if member.parent_id != source {
        return Err(errors::account_not_found());
    }
    if member.parent_id == destination {
        return Err(errors::duplicate_account());
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    if let Some(member) = organization.accounts.get_mut(&account) {
        member.parent_id = destination;
    }
    let types = organization.root.policy_types.clone();
    for policy_type in types {
        organization.touch(&policy_type, now);
    }
    Ok(json!({}))
}

/// Takes an account out of its organization (RemoveAccountFromOrganization, LeaveOrganization).
fn detach_account(world: &mut World, org_id: &str, account: &str) -> ApiResult<()> {
    let organization = org_mut(world, org_id)?;
    if organization.management_account == account {
        return Err(errors::master_cannot_leave());
    }
    if organization
        .delegated_admins
        .get(account)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(errors::constraint(
            "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG",
            "You can't remove an account that is a delegated administrator for a service. Deregister the account as a delegated administrator first.",
        ));
    }
    if let Some(member) = organization.accounts.remove(account) {
        organization.forget_node(account);
        organization.delegated_admins.remove(account);
        world.organizations.profiles.insert(
            account.to_owned(),
            AccountProfile {
                name: member.name,
                email: member.email,
            },
        );
    }
    Ok(())
}

pub fn remove_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let account = op.req("AccountId")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(&account)))?;
    if !organization.accounts.contains_key(&account) {
        return Err(errors::account_not_found());
    }
    detach_account(world, &id, &account)?;
    Ok(json!({}))
}

pub fn leave_organization(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (id, role) = membership(op, world)?;
    let caller = op.account().to_owned();
    op.authorize(world, None)?;
    if role == Role::Management {
        return Err(errors::master_cannot_leave());
    }
    detach_account(world, &id, &caller)?;
    Ok(json!({}))
}

pub fn close_account(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let account = op.req("AccountId")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(&account)))?;
    if organization.management_account == account {
        return Err(errors::constraint(
            "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
            "You can't close the management account with this operation.",
        ));
    }
    let member = organization
        .accounts
        .get(&account)
        .ok_or_else(errors::account_not_found)?;
    if member.status != "ACTIVE" {
        return Err(errors::account_already_closed());
    }
    if let Some(member) = org_mut(world, &id)?.accounts.get_mut(&account) {
        member.status = "SUSPENDED".into();
    }
    Ok(json!({}))
}

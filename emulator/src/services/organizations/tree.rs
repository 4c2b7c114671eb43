//! The root and organizational units.

use serde_json::{json, Value};

use super::errors;
use super::lookup::{management_org, org, org_mut, reader_org};
use super::paging::page;
use super::state::{random_chars, NodeKind, OrganizationalUnit, LOWER_ALNUM};
use super::tags::{apply_tags, input_tags};
use super::views::{ou_view, root_view};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

/// AWS allows five levels of OUs under the root.
const MAX_OU_DEPTH: usize = 5;

pub fn list_roots(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let organization = org(world, &id)?;
    Ok(page(op, vec![root_view(organization)], "Roots")?.into())
}

fn sibling_named(
    organization: &super::state::Organization,
    parent: &str,
    name: &str,
    except: &str,
) -> bool {
    organization
        .ous
        .values()
        .any(|ou| ou.parent_id == parent && ou.name == name && ou.id != except)
}

pub fn create_ou(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let parent = op.req("ParentId")?.to_owned();
    let name = op.req("Name")?.to_owned();
    let tags = input_tags(op)?;
    let organization = org(world, &id)?;
    if !organization.is_parent(&parent) {
        return Err(errors::parent_not_found());
    }
    op.authorize(world, organization.node_arn(&parent))?;
    if organization.ou_depth(&parent) >= MAX_OU_DEPTH {
        return Err(errors::constraint(
            "OU_DEPTH_LIMIT_EXCEEDED",
            "You attempted to create an OU tree that is too many levels deep.",
        ));
    }
    if sibling_named(organization, &parent, &name, "") {
        return Err(errors::duplicate_ou());
    }
    let root_suffix = organization
        .root
        .id
        .strip_prefix("r-")
        .unwrap_or("0000")
        .to_owned();
    let organization = org_mut(world, &id)?;
    let ou_id = loop {
        let candidate = format!("ou-{root_suffix}-{}", random_chars(8, LOWER_ALNUM));
        if !organization.ous.contains_key(&candidate) {
            break candidate;
        }
    };
    let ou = OrganizationalUnit {
        id: ou_id.clone(),
        name,
        parent_id: parent,
    };
    organization.ous.insert(ou_id.clone(), ou.clone());
    organization.attach_defaults(&ou_id);
    apply_tags(organization, &ou_id, &tags)?;
    Ok(json!({ "OrganizationalUnit": ou_view(organization, &ou) }))
}

pub fn update_ou(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let ou_id = op.req("OrganizationalUnitId")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.ou_arn(&ou_id)))?;
    let ou = organization
        .ous
        .get(&ou_id)
        .ok_or_else(errors::ou_not_found)?;
    if let Some(name) = op.str("Name") {
        if sibling_named(organization, &ou.parent_id, name, &ou_id) {
            return Err(errors::duplicate_ou());
        }
        let organization = org_mut(world, &id)?;
        if let Some(ou) = organization.ous.get_mut(&ou_id) {
            ou.name = name.to_owned();
        }
    }
    let organization = org(world, &id)?;
    let ou = organization
        .ous
        .get(&ou_id)
        .ok_or_else(errors::ou_not_found)?;
    Ok(json!({ "OrganizationalUnit": ou_view(organization, ou) }))
}

pub fn delete_ou(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let ou_id = op.req("OrganizationalUnitId")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.ou_arn(&ou_id)))?;
    if !organization.ous.contains_key(&ou_id) {
        return Err(errors::ou_not_found());
    }
    let has_children = organization.ous.values().any(|o| o.parent_id == ou_id)
        || organization.accounts.values().any(|a| a.parent_id == ou_id);
    if has_children {
        return Err(errors::ou_not_empty());
    }
    let organization = org_mut(world, &id)?;
    organization.ous.remove(&ou_id);
    organization.forget_node(&ou_id);
    Ok(json!({}))
}

pub fn describe_ou(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let ou_id = op.req("OrganizationalUnitId")?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.ou_arn(ou_id)))?;
    let ou = organization
        .ous
        .get(ou_id)
        .ok_or_else(errors::ou_not_found)?;
    Ok(json!({ "OrganizationalUnit": ou_view(organization, ou) }))
}

pub fn list_ous_for_parent(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let parent = op.req("ParentId")?;
    let organization = org(world, &id)?;
    if !organization.is_parent(parent) {
        return Err(errors::parent_not_found());
    }
    op.authorize(world, organization.node_arn(parent))?;
    let items = organization
        .ous
        .values()
        .filter(|ou| ou.parent_id == parent)
        .map(|ou| ou_view(organization, ou))
        .collect();
    Ok(page(op, items, "OrganizationalUnits")?.into())
}

pub fn list_parents(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let child = op.req("ChildId")?;
    let organization = org(world, &id)?;
    let parent = match organization.node_kind(child) {
        Some(NodeKind::Ou | NodeKind::Account) => organization.parent_of(child),
        _ => None,
    }
    .ok_or_else(errors::child_not_found)?;
    op.authorize(world, organization.node_arn(child))?;
    let kind = if parent == organization.root.id {
        "ROOT"
    } else {
        "ORGANIZATIONAL_UNIT"
    };
    let items = vec![json!({"Id": parent, "Type": kind})];
    Ok(page(op, items, "Parents")?.into())
}

pub fn list_children(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let parent = op.req("ParentId")?;
    let child_type = op.req("ChildType")?;
    let organization = org(world, &id)?;
    if !organization.is_parent(parent) {
        return Err(errors::parent_not_found());
    }
    op.authorize(world, organization.node_arn(parent))?;
    let items: Vec<Value> = if child_type == "ACCOUNT" {
        organization
            .accounts
            .values()
            .filter(|a| a.parent_id == parent)
            .map(|a| json!({"Id": a.id, "Type": "ACCOUNT"}))
            .collect()
    } else {
        organization
            .ous
            .values()
            .filter(|o| o.parent_id == parent)
            .map(|o| json!({"Id": o.id, "Type": "ORGANIZATIONAL_UNIT"}))
            .collect()
    };
    Ok(page(op, items, "Children")?.into())
}

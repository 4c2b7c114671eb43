//! Tiering configurations: which S3 backups move to the low-cost warm tier after how many
//! days, for one vault or every vault (`*`). Each vault has at most one vault-specific
//! configuration.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::lookup::{find_vault, state, state_mut};
use super::paging::page;
use super::state::tiering::TieringConfiguration;
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// "You can specify up to 100 specific resources per tiering configuration."
const MAX_RESOURCES: usize = 100;

fn config_json(c: &TieringConfiguration) -> Value {
    json!({
        "TieringConfigurationName": c.name,
        "TieringConfigurationArn": c.arn,
        "BackupVaultName": c.vault_name,
        "ResourceSelection": c.selection,
        "CreatorRequestId": c.creator_request_id,
        "CreationTime": c.creation_time,
        "LastUpdatedTime": c.last_updated_time,
    })
}

/// S3 only, 1 to 100 resources (ARNs or `*`), a vault that exists (or `*`), and no other
/// configuration already specific to that vault.
fn check(
    ctx: &RequestContext,
    world: &World,
    name: &str,
    vault: &str,
    selection: &Value,
) -> ApiResult<()> {
    let items = selection.as_array().map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        // Text inferred.
        return Err(invalid_parameter(
            "ResourceSelection must contain at least one resource selection",
        ));
    }
    let mut total = 0;
    for sel in items {
        let rtype = sel["ResourceType"].as_str().unwrap_or_default();
        if rtype != "S3" {
            // Text inferred (tiering "is currently limited to S3").
            return Err(invalid_parameter(format!(
                "Invalid resource type {rtype}. Tiering configurations support only S3."
            )));
        }
        let resources: Vec<&str> = sel["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if resources.is_empty() {
            // Text inferred.
            return Err(invalid_parameter(
                "Resources must contain at least one resource ARN or *",
            ));
        }
        for r in &resources {
            if *r != "*" && super::resources::type_of_arn(r) != Some("S3") {
                // Text inferred.
                return Err(invalid_parameter(format!("Invalid S3 resource ARN: {r}")));
            }
        }
        total += resources.len();
    }
    if total > MAX_RESOURCES {
        // Text inferred (the limit of 100 resources is documented).
        return Err(invalid_parameter(format!(
            "You can specify up to {MAX_RESOURCES} resources per tiering configuration"
        )));
    }
    if vault != "*" && find_vault(world, &ctx.caller.account, &ctx.region, vault).is_none() {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "Backup vault {vault} does not exist"
        )));
    }
    if vault != "*" {
        if let Some(other) = state(world, &ctx.caller.account, &ctx.region).and_then(|st| {
            st.tiering
                .configurations
                .values()
                .find(|c| c.vault_name == vault && c.name != name)
        }) {
            // Text inferred.
            return Err(ApiError::new(
                "AlreadyExistsException",
                format!(
                    "Backup vault {vault} already has tiering configuration {}",
                    other.name
                ),
            )
            .field("Arn", other.arn.as_str()));
        }
    }
    Ok(())
}

fn find<'w>(
    ctx: &RequestContext,
    world: &'w World,
    name: &str,
) -> ApiResult<&'w TieringConfiguration> {
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.tiering.configurations.get(name))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Tiering configuration {name} does not exist")))
}

pub fn create(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let body = &input["TieringConfiguration"];
    let name = req(body, "TieringConfigurationName")?.to_owned();
    let vault = req(body, "BackupVaultName")?.to_owned();
    let selection = body["ResourceSelection"].clone();
    let request_id = member(input, "CreatorRequestId").map(str::to_owned);
    // Text inferred: the ARN's resource part.
    let arn = format!(
        "arn:{}:backup:{}:{}:tiering-configuration:{name}",
        crate::world::partition(&ctx.region),
        ctx.region,
        ctx.caller.account
    );
    authorize(ctx, world, Some(arn.clone()), None)?;
    if let Ok(existing) = find(ctx, world, &name) {
        if request_id.is_some() && existing.creator_request_id == request_id {
            return Ok(json!({"TieringConfigurationArn": existing.arn,
                             "TieringConfigurationName": existing.name,
                             "CreationTime": existing.creation_time}));
        }
        // Text inferred.
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!("Tiering configuration {name} already exists"),
        )
        .field("Arn", existing.arn.as_str()));
    }
    check(ctx, world, &name, &vault, &selection)?;
    let config = TieringConfiguration {
        name: name.clone(),
        arn: arn.clone(),
        vault_name: vault,
        selection,
        creator_request_id: request_id,
        creation_time: ctx.now,
        last_updated_time: ctx.now,
    };
    let tags = tags_from(&input["TieringConfigurationTags"]);
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if !tags.is_empty() {
        st.tags.insert(arn.clone(), tags);
    }
    st.tiering.configurations.insert(name.clone(), config);
    Ok(
        json!({"TieringConfigurationArn": arn, "TieringConfigurationName": name,
              "CreationTime": ctx.now}),
    )
}

pub fn get(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let c = find(ctx, world, req(input, "TieringConfigurationName")?)?;
    authorize(ctx, world, Some(c.arn.clone()), None)?;
    Ok(json!({"TieringConfiguration": config_json(c)}))
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.tiering
                .configurations
                .values()
                .map(|c| {
                    json!({
                        "TieringConfigurationArn": c.arn,
                        "TieringConfigurationName": c.name,
                        "BackupVaultName": c.vault_name,
                        "CreationTime": c.creation_time,
                        "LastUpdatedTime": c.last_updated_time,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "TieringConfigurations")
}

pub fn update(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "TieringConfigurationName")?.to_owned();
    let c = find(ctx, world, &name)?;
    authorize(ctx, world, Some(c.arn.clone()), None)?;
    let body = &input["TieringConfiguration"];
    let vault = req(body, "BackupVaultName")?.to_owned();
    let selection = body["ResourceSelection"].clone();
    check(ctx, world, &name, &vault, &selection)?;
    let now = ctx.now;
    let c = state_mut(world, &ctx.caller.account, &ctx.region, now)
        .tiering
        .configurations
        .get_mut(&name)
        .ok_or_else(|| not_found(format!("Tiering configuration {name} does not exist")))?;
    c.vault_name = vault;
    c.selection = selection;
    c.last_updated_time = now;
    Ok(json!({
        "TieringConfigurationArn": c.arn,
        "TieringConfigurationName": c.name,
        "CreationTime": c.creation_time,
        "LastUpdatedTime": c.last_updated_time,
    }))
}

pub fn delete(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "TieringConfigurationName")?.to_owned();
    let c = find(ctx, world, &name)?;
    authorize(ctx, world, Some(c.arn.clone()), None)?;
    let arn = c.arn.clone();
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    st.tiering.configurations.remove(&name);
    st.tags.remove(&arn);
    Ok(json!({}))
}

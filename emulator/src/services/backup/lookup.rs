//! Backup's state of an account's Region and its vaults: found by name or ARN, and the
//! caller's vaults authorized with their access policies.

use super::authorize::authorize;
use super::errors::access_denied;
use super::state::{BackupState, Vault};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

pub(crate) fn vault_arn(region: &str, account: &str, name: &str) -> String {
    let partition = crate::world::partition(region);
    format!("arn:{partition}:backup:{region}:{account}:backup-vault:{name}")
}

/// `(region, account, name)` of a backup vault ARN.
pub(crate) fn parse_vault_arn(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts[..] {
        ["arn", _, "backup", region, account, "backup-vault", name]
            if crate::world::is_account_id(account) && !name.is_empty() && !region.is_empty() =>
        {
            Some((region.to_owned(), account.to_owned(), name.to_owned()))
        }
        _ => None,
    }
}

pub(crate) fn state<'w>(world: &'w World, account: &str, region: &str) -> Option<&'w BackupState> {
    world
        .accounts
        .get(account)?
        .regions
        .get(region)
        .map(|r| &r.backup)
}

pub(crate) fn state_mut<'w>(
    world: &'w mut World,
    account: &str,
    region: &str,
    now: f64,
) -> &'w mut BackupState {
    &mut world.region_mut(account, region, now).backup
}

pub(crate) fn find_vault<'w>(
    world: &'w World,
    account: &str,
    region: &str,
    name: &str,
) -> Option<&'w Vault> {
    state(world, account, region)?.vaults.get(name)
}

/// The caller's vault, or AWS's AccessDenied for one that does not exist; then the
/// access is authorized with the vault's access policy.
pub(crate) fn vault_for<'w>(
    ctx: &RequestContext,
    world: &'w World,
    name: &str,
) -> ApiResult<&'w Vault> {
    vault_of(ctx, world, &ctx.caller.account, name)
}

/// As [`vault_for`], for a vault of `account` (the caller's or another's) in the Region.
pub(crate) fn vault_of<'w>(
    ctx: &RequestContext,
    world: &'w World,
    account: &str,
    name: &str,
) -> ApiResult<&'w Vault> {
    let vault = find_vault(world, account, &ctx.region, name).ok_or_else(access_denied)?;
    authorize(
        ctx,
        world,
        Some(vault.arn.clone()),
        vault.access_policy.clone(),
    )?;
    Ok(vault)
}

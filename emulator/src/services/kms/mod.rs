//! AWS KMS: keys, key policies, aliases, grants, rotation, imported material and the
//! cryptographic operations, over the crypto core in [`crypto`]. Every operation asks the
//! policy engine (`crate::authz`) before acting; this module only applies KMS's own rules:
//! key lookup, key states, key usage, AWS-managed keys' immutability.

mod clock;
pub mod crypto;
mod cryptoops;
mod errors;
mod grants;
pub mod integration;
mod keys;
pub mod managed;
pub mod state;
mod stores;
#[cfg(test)]
mod tests;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::authz::{self, Access, ResourcePolicyKind};
use crate::context::RequestContext;
use crate::protocol::{ApiError, ApiResult};
use crate::world::World;
use crypto::{EncryptionContext, KeyUsage};
use state::{Key, KeyState, KmsState};

pub use managed::ensure_aws_managed_key;

/// KMS in the service registry: its clock events are key deletion, automatic rotation and
/// imported material expiry (`kms/clock.rs`).
pub static SERVICE: crate::services::registry::ServiceDef = crate::services::registry::ServiceDef {
    id: crate::protocol::ServiceId::Kms,
    handle,
    fire: clock::fire,
    schedule_all: clock::schedule_all,
    prevalidate: None,
    invalid_input: crate::services::registry::aggregate_validation_error,
    runs_long: &[
        "CreateKey",
        "ReplicateKey",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GetParametersForImport",
    ],
};

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    let op = Op { ctx, input };
    let out = route(&op, world, operation)?;
    record_use(ctx, world, &out);
    Ok(out)
}

/// The cryptographic operations GetKeyLastUsage reports.
const TRACKED: &[&str] = &[
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
];

fn record_use(ctx: &RequestContext, world: &mut World, out: &Value) {
    if !TRACKED.contains(&ctx.operation.as_str()) {
        return;
    }
    let Some(arn) = out.get("KeyId").and_then(Value::as_str) else {
        return;
    };
    let mut parts = arn.splitn(6, ':').skip(3);
    let (Some(region), Some(account), Some(resource)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let Some(id) = resource.strip_prefix("key/") else {
        return;
    };
    if let Some(key) = world
        .accounts
        .get_mut(account)
        .and_then(|a| a.regions.get_mut(region))
        .and_then(|r| r.kms.keys.get_mut(id))
    {
        key.last_usage = Some(state::LastUsage {
            timestamp: ctx.now,
            operation: ctx.operation.clone(),
            request_id: ctx.request_id.clone(),
        });
    }
}

fn route(op: &Op, world: &mut World, operation: &str) -> ApiResult<Value> {
    let ctx = op.ctx;
    match operation {
        "CreateKey" => keys::create_key(op, world),
        "DescribeKey" => keys::describe_key(op, world),
        "ListKeys" => keys::list_keys(op, world),
        "GetKeyPolicy" => keys::get_key_policy(op, world),
        "PutKeyPolicy" => keys::put_key_policy(op, world),
        "ListKeyPolicies" => keys::list_key_policies(op, world),
        "EnableKey" => keys::set_enabled(op, world, true),
        "DisableKey" => keys::set_enabled(op, world, false),
        "ScheduleKeyDeletion" => keys::schedule_key_deletion(op, world),
        "CancelKeyDeletion" => keys::cancel_key_deletion(op, world),
        "UpdateKeyDescription" => keys::update_key_description(op, world),
        "TagResource" => keys::tag_resource(op, world),
        "UntagResource" => keys::untag_resource(op, world),
        "ListResourceTags" => keys::list_resource_tags(op, world),
        "CreateAlias" => keys::create_alias(op, world),
        "UpdateAlias" => keys::update_alias(op, world),
        "DeleteAlias" => keys::delete_alias(op, world),
        "ListAliases" => keys::list_aliases(op, world),
        "EnableKeyRotation" => keys::enable_key_rotation(op, world),
        "DisableKeyRotation" => keys::disable_key_rotation(op, world),
        "GetKeyRotationStatus" => keys::get_key_rotation_status(op, world),
        "RotateKeyOnDemand" => keys::rotate_key_on_demand(op, world),
        "ListKeyRotations" => keys::list_key_rotations(op, world),
        "GetParametersForImport" => keys::get_parameters_for_import(op, world),
        "ImportKeyMaterial" => keys::import_key_material(op, world),
        "DeleteImportedKeyMaterial" => keys::delete_imported_key_material(op, world),
        "ReplicateKey" => keys::replicate_key(op, world),
        "UpdatePrimaryRegion" => keys::update_primary_region(op, world),
        "GetKeyLastUsage" => keys::get_key_last_usage(op, world),
        "CreateCustomKeyStore" => stores::create(op, world),
        "DescribeCustomKeyStores" => stores::describe(op, world),
        "UpdateCustomKeyStore" => stores::update(op, world),
        "DeleteCustomKeyStore" => stores::delete(op, world),
        "ConnectCustomKeyStore" => stores::connect(op, world, true),
        "DisconnectCustomKeyStore" => stores::connect(op, world, false),
        "Encrypt" => cryptoops::encrypt(op, world),
        "Decrypt" => cryptoops::decrypt(op, world),
        "ReEncrypt" => cryptoops::re_encrypt(op, world),
        "GenerateDataKey" => cryptoops::generate_data_key(op, world, true),
        "GenerateDataKeyWithoutPlaintext" => cryptoops::generate_data_key(op, world, false),
        "GenerateDataKeyPair" => cryptoops::generate_data_key_pair(op, world, true),
        "GenerateDataKeyPairWithoutPlaintext" => {
            cryptoops::generate_data_key_pair(op, world, false)
        }
        "GenerateRandom" => cryptoops::generate_random(op, world),
        "Sign" => cryptoops::sign(op, world),
        "Verify" => cryptoops::verify(op, world),
        "GetPublicKey" => cryptoops::get_public_key(op, world),
        "GenerateMac" => cryptoops::generate_mac(op, world),
        "VerifyMac" => cryptoops::verify_mac(op, world),
        "DeriveSharedSecret" => cryptoops::derive_shared_secret(op, world),
        "CreateGrant" => grants::create_grant(op, world),
        "ListGrants" => grants::list_grants(op, world),
        "ListRetirableGrants" => grants::list_retirable_grants(op, world),
        "RetireGrant" => grants::retire_grant(op, world),
        "RevokeGrant" => grants::revoke_grant(op, world),
        _ => Err(super::not_implemented(ctx)),
    }
}

/// Whether a Region of `account` other than `region` holds a key `key_id`: a multi-Region
/// key's copies share their id.
pub(crate) fn held_in_another_region(
    account: &crate::world::Account,
    region: &str,
    key_id: &str,
) -> bool {
    account
        .regions
        .iter()
        .any(|(other, r)| other != region && r.kms.keys.contains_key(key_id))
}

pub(crate) const DAY: f64 = 86_400.0;

/// A key pending deletion whose date has passed no longer exists, whether or not the sweep
/// has run yet.
fn deleted_by(key: &Key, now: f64) -> bool {
    key.state == KeyState::PendingDeletion && key.deletion_date.is_some_and(|d| d <= now)
}

/// One call: its context and decoded input.
pub(crate) struct Op<'a> {
    pub ctx: &'a RequestContext,
    pub input: &'a Value,
}

impl Op<'_> {
    pub fn account(&self) -> &str {
        &self.ctx.caller.account
    }

    pub fn region(&self) -> &str {
        &self.ctx.region
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Value::as_str)
    }

    /// A member the model marks required (the pipeline checked it is present).
    pub fn req(&self, key: &str) -> ApiResult<&str> {
        self.str(key).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(key)
            ))
        })
    }

    pub fn bool(&self, key: &str) -> bool {
        self.input
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.input.get(key).and_then(Value::as_i64)
    }

    /// A blob member, base64 on the canonical side.
    pub fn blob(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        let Some(text) = self.str(key) else {
            return Ok(None);
        };
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Some)
            .map_err(|_| ApiError::serialization(format!("Invalid base64 for {key}")))
    }

    pub fn req_blob(&self, key: &str) -> ApiResult<Vec<u8>> {
        self.req(key)?;
        self.blob(key)?
            .ok_or_else(|| ApiError::serialization(format!("Invalid base64 for {key}")))
    }

    pub fn encryption_context(&self, key: &str) -> EncryptionContext {
        self.input
            .get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// DryRun: after authorization and KMS's checks pass.
    pub fn dry_run(&self) -> ApiResult<()> {
        if self.bool("DryRun") {
            return Err(ApiError::new(
                "DryRunOperationException",
                "The request would have succeeded, but the DryRun option is set.",
            ));
        }
        Ok(())
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

// ---------------------------------------------------------------------------------------
// Key lookup

/// Where a key lives, once its reference is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyRef {
    pub account: String,
    pub region: String,
    pub key_id: String,
}

pub(crate) fn key_arn(region: &str, account: &str, key_id: &str) -> String {
    let partition = crate::world::partition(region);
    format!("arn:{partition}:kms:{region}:{account}:key/{key_id}")
}

pub(crate) fn alias_arn(region: &str, account: &str, alias_name: &str) -> String {
    let partition = crate::world::partition(region);
    format!("arn:{partition}:kms:{region}:{account}:{alias_name}")
}

pub(crate) fn kms_state<'w>(world: &'w World, account: &str, region: &str) -> Option<&'w KmsState> {
    world
        .accounts
        .get(account)
        .and_then(|a| a.regions.get(region))
        .map(|r| &r.kms)
}

pub(crate) fn kms_state_mut<'w>(
    world: &'w mut World,
    account: &str,
    region: &str,
    now: f64,
) -> &'w mut KmsState {
    &mut world.region_mut(account, region, now).kms
}

fn not_found_key(region: &str, account: &str, key_id: &str) -> ApiError {
    ApiError::new(
        "NotFoundException",
        format!("Key '{}' does not exist", key_arn(region, account, key_id)),
    )
}

fn not_found_alias(region: &str, account: &str, alias_name: &str) -> ApiError {
    ApiError::new(
        "NotFoundException",
        format!(
            "Alias {} is not found.",
            alias_arn(region, account, alias_name)
        ),
    )
}

/// A key id as KMS accepts it: a UUID, or `mrk-` and 32 hex digits.
pub(crate) fn is_key_id(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("mrk-") {
        return hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}

/// Resolves a KeyId (key id, key ARN, alias name, alias ARN) as seen from `account` in
/// `region`. A key ARN in another account names that account's key.
pub(crate) fn resolve(
    world: &World,
    account: &str,
    region: &str,
    key_id: &str,
    now: f64,
) -> ApiResult<KeyRef> {
    let (owner, reference) = parse_reference(account, region, key_id)?;
    lookup(world, owner, region, reference, now)
}

/// The account a KeyId points into and the key id or `alias/...` name it names there.
fn parse_reference<'k>(
    account: &'k str,
    region: &str,
    key_id: &'k str,
) -> ApiResult<(&'k str, &'k str)> {
    let (owner, reference) = if let Some(rest) = key_id.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [_partition, service, arn_region, arn_account, resource] = parts[..] else {
            return Err(ApiError::new("NotFoundException", "Invalid arn"));
        };
        if service != "kms" || !crate::world::is_account_id(arn_account) {
            return Err(ApiError::new("NotFoundException", "Invalid arn"));
        }
        if arn_region != region {
            return Err(ApiError::new(
                "NotFoundException",
                format!("Invalid arn {arn_region}"),
            ));
        }
        if let Some(id) = resource.strip_prefix("key/") {
            (arn_account, id)
        } else if resource.starts_with("alias/") {
            (arn_account, resource)
        } else {
            return Err(ApiError::new("NotFoundException", "Invalid arn"));
        }
    } else {
        (account, key_id)
    };
    if !reference.starts_with("alias/") && !is_key_id(reference) {
        return Err(ApiError::new(
            "NotFoundException",
            format!("Invalid keyId '{reference}'"),
        ));
    }
    Ok((owner, reference))
}

fn lookup(
    world: &World,
    owner: &str,
    region: &str,
    reference: &str,
    now: f64,
) -> ApiResult<KeyRef> {
    let state = kms_state(world, owner, region);
    if reference.starts_with("alias/") {
        let alias = state
            .and_then(|s| s.aliases.get(reference))
            .ok_or_else(|| not_found_alias(region, owner, reference))?;
        return Ok(KeyRef {
            account: owner.to_owned(),
            region: region.to_owned(),
            key_id: alias.target_key_id.clone(),
        });
    }
    match state.and_then(|s| s.keys.get(reference)) {
        Some(key) if !deleted_by(key, now) => Ok(KeyRef {
            account: owner.to_owned(),
            region: region.to_owned(),
            key_id: reference.to_owned(),
        }),
        _ => Err(not_found_key(region, owner, reference)),
    }
}

/// Whether a KeyId is an alias name or an alias ARN.
pub(crate) fn names_alias(key_id: &str) -> bool {
    key_id.starts_with("alias/")
        || (key_id.starts_with("arn:")
            && key_id
                .splitn(6, ':')
                .nth(5)
                .is_some_and(|r| r.starts_with("alias/")))
}

/// What a KeyId member may name, as the API reference documents each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// "key ID, key ARN, alias name, or alias ARN" (DescribeKey, the cryptographic
    /// operations).
    KeyOrAlias,
    /// "Specify the key ID or key ARN of the KMS key" (the botocore model's documentation
    /// of every other KeyId member): an alias name or alias ARN is refused.
    KeyOnly,
}

/// Resolves a KeyId for the request's caller. A key of another account that does not
/// exist is denied as KMS denies a cross-account call ([`errors::access_denied`]), not
/// reported missing.
pub(crate) fn resolve_for(op: &Op, world: &World, key_id: &str, names: Names) -> ApiResult<KeyRef> {
    let (owner, reference) = parse_reference(op.account(), op.region(), key_id)?;
    if names == Names::KeyOnly && reference.starts_with("alias/") {
        return Err(errors::invalid_key_id(key_id));
    }
    lookup(world, owner, op.region(), reference, op.ctx.now).map_err(|e| {
        if owner == op.account() || reference.starts_with("alias/") {
            return e;
        }
        let missing = Access {
            action: op.ctx.action(),
            resource: Some(key_arn(op.region(), owner, reference)),
            resource_account: Some(owner.to_owned()),
            ..Access::default()
        };
        let decision = authz::decide_request(op.ctx, world, &missing);
        if decision.is_allowed() {
            e
        } else {
            errors::access_denied(&decision)
        }
    })
}

/// Resolves like [`resolve_for`], first creating the AWS-managed key a caller names with
/// `alias/aws/<service>` in its own account (AWS creates them on first use).
pub(crate) fn resolve_creating(op: &Op, world: &mut World, key_id: &str) -> ApiResult<KeyRef> {
    let service = key_id.strip_prefix("alias/aws/").or_else(|| {
        // Formatted only for alias ARNs: this runs on every key-using call.
        key_id.contains(":alias/aws/").then_some(())?;
        let own_alias_arn = alias_arn(op.region(), op.account(), "alias/aws/");
        key_id.strip_prefix(own_alias_arn.as_str())
    });
    if let Some(service) = service.filter(|s| managed::is_known_service(s)) {
        ensure_aws_managed_key(world, op.account(), op.region(), service, op.ctx.now);
    }
    resolve_for(op, world, key_id, Names::KeyOrAlias)
}

pub(crate) fn key<'w>(world: &'w World, r: &KeyRef) -> ApiResult<&'w Key> {
    kms_state(world, &r.account, &r.region)
        .and_then(|s| s.keys.get(&r.key_id))
        .ok_or_else(|| not_found_key(&r.region, &r.account, &r.key_id))
}

pub(crate) fn key_mut<'w>(world: &'w mut World, r: &KeyRef, now: f64) -> ApiResult<&'w mut Key> {
    kms_state_mut(world, &r.account, &r.region, now)
        .keys
        .get_mut(&r.key_id)
        .ok_or_else(|| not_found_key(&r.region, &r.account, &r.key_id))
}

/// The UUID a key's ciphertext blobs carry (multi-Region ids map their 32 hex digits).
pub(crate) fn key_uuid(key_id: &str) -> uuid::Uuid {
    let text = key_id.strip_prefix("mrk-").unwrap_or(key_id);
    uuid::Uuid::parse_str(text).unwrap_or_default()
}

/// Finds the key a symmetric blob names: the caller's account first, then any account in
/// the region (key ids are unique).
pub(crate) fn find_by_uuid(
    world: &World,
    account: &str,
    region: &str,
    id: &uuid::Uuid,
    now: f64,
) -> Option<KeyRef> {
    let matches = |k: &Key| key_uuid(&k.key_id) == *id && !deleted_by(k, now);
    let own = kms_state(world, account, region)
        .and_then(|s| s.keys.values().find(|k| matches(k)))
        .map(|k| (account.to_owned(), k.key_id.clone()));
    let found = own.or_else(|| {
        world.accounts.iter().find_map(|(acct, a)| {
            a.regions
                .get(region)
                .and_then(|r| r.kms.keys.values().find(|k| matches(k)))
                .map(|k| (acct.clone(), k.key_id.clone()))
        })
    })?;
    Some(KeyRef {
        account: found.0,
        region: region.to_owned(),
        key_id: found.1,
    })
}

// ---------------------------------------------------------------------------------------
// Authorization

/// Condition keys every access to `key` carries.
pub(crate) fn key_context(key: &Key, caller_account: &str) -> Vec<(String, Value)> {
    let mut context = vec![
        ("kms:CallerAccount".to_owned(), json!(caller_account)),
        ("kms:KeySpec".to_owned(), json!(key.key_spec.as_str())),
        ("kms:KeyUsage".to_owned(), json!(key.key_usage.as_str())),
        ("kms:KeyOrigin".to_owned(), json!(key.origin)),
        ("kms:MultiRegion".to_owned(), json!(key.multi_region)),
    ];
    for (k, v) in &key.tags {
        context.push((format!("aws:ResourceTag/{k}"), json!(v)));
    }
    context
}

pub(crate) fn encryption_context_keys(ec: &EncryptionContext) -> Vec<(String, Value)> {
    if ec.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(String, Value)> = ec
        .iter()
        .map(|(k, v)| (format!("kms:EncryptionContext:{k}"), json!(v)))
        .collect();
    let keys: Vec<&String> = ec.iter().map(|(k, _)| k).collect();
    out.push(("kms:EncryptionContextKeys".to_owned(), json!(keys)));
    out
}

pub(crate) fn key_access(action: &str, key: &Key, caller_account: &str) -> Access {
    Access {
        action: action.to_owned(),
        resource: Some(key.arn.clone()),
        resource_account: Some(key.account.clone()),
        resource_policy: Some((ResourcePolicyKind::KmsKeyPolicy, key.policy.clone())),
        context: key_context(key, caller_account),
        grants: key.grants.iter().map(|g| g.to_policy_grant()).collect(),
    }
}

/// Asks the engine about `kms:<Operation>` on `key`, with extra condition keys.
pub(crate) fn authorize_key(
    op: &Op,
    world: &World,
    key: &Key,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    authorize_key_action(op, world, key, &op.ctx.action(), extra)
}

pub(crate) fn authorize_key_action(
    op: &Op,
    world: &World,
    key: &Key,
    action: &str,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    let mut access = key_access(action, key, op.account());
    access.context.extend(extra);
    let decision = authz::decide_request(op.ctx, world, &access);
    if decision.is_allowed() {
        return Ok(());
    }
    tracing::debug!(explanation = %decision.explain(), "access denied");
    Err(errors::access_denied(&decision))
}

/// Access to no key (CreateKey, ListKeys, ListAliases, GenerateRandom, ...).
pub(crate) fn authorize_keyless(
    op: &Op,
    world: &World,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    authz::authorize(
        op.ctx,
        world,
        &Access {
            action: op.ctx.action(),
            resource: None,
            context: extra,
            ..Access::default()
        },
    )
}

// ---------------------------------------------------------------------------------------
// Key states and usage

pub(crate) fn disabled(key: &Key) -> ApiError {
    ApiError::new("DisabledException", format!("{} is disabled.", key.arn))
}

pub(crate) fn invalid_state(key: &Key, what: &str) -> ApiError {
    ApiError::new(
        "KMSInvalidStateException",
        format!("{} is {what}.", key.arn),
    )
}

/// The state check of the cryptographic operations.
pub(crate) fn require_usable(key: &Key) -> ApiResult<()> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(disabled(key)),
        KeyState::PendingDeletion => Err(invalid_state(key, "pending deletion")),
        // Text inferred from the PendingDeletion one.
        KeyState::PendingReplicaDeletion => Err(invalid_state(key, "pending replica deletion")),
        KeyState::PendingImport => Err(invalid_state(key, "pending import")),
        KeyState::Unavailable => Err(invalid_state(key, "unavailable")),
        other => Err(invalid_state(key, &other.as_str().to_lowercase())),
    }
}

/// Administrative operations refuse keys pending deletion.
pub(crate) fn require_not_pending_deletion(key: &Key) -> ApiResult<()> {
    match key.state {
        KeyState::PendingDeletion => Err(invalid_state(key, "pending deletion")),
        KeyState::PendingReplicaDeletion => Err(invalid_state(key, "pending replica deletion")),
        _ => Ok(()),
    }
}

pub(crate) fn require_usage(key: &Key, usage: KeyUsage, operation: &str) -> ApiResult<()> {
    if key.key_usage != usage {
        return Err(ApiError::new(
            "InvalidKeyUsageException",
            format!(
                "{} key usage is {} which is not valid for {operation}.",
                key.arn, key.key_usage
            ),
        ));
    }
    Ok(())
}

/// AWS-managed keys belong to their service: their policy, state, description, tags and
/// rotation cannot be changed.
pub(crate) fn require_customer_managed(key: &Key) -> ApiResult<()> {
    if key.is_aws_managed() {
        return Err(ApiError::new(
            "UnsupportedOperationException",
            format!("{} is an AWS managed key and cannot be modified.", key.arn),
        ));
    }
    Ok(())
}

pub(crate) fn crypto_error(error: crypto::CryptoError) -> ApiError {
    use crypto::CryptoError as E;
    match &error {
        E::InvalidCiphertext | E::InvalidSignature | E::InvalidMac => {
            ApiError::without_message(error.aws_code())
        }
        E::Internal(_) => ApiError::new(error.aws_code(), error.to_string()).status(500),
        _ => ApiError::new(error.aws_code(), error.to_string()),
    }
}

/// Pages a listing with an opaque numeric marker.
pub(crate) fn paginate(items: Vec<Value>, op: &Op, member: &str) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let start = match op.str("Marker") {
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| ApiError::new("InvalidMarkerException", "Invalid marker"))?,
        None => 0,
    };
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut out = json!({ member: page, "Truncated": end < items.len() });
    if end < items.len() {
        out["NextMarker"] = json!(end.to_string());
    }
    Ok(out)
}

/// A page of an ordered map: `Limit` (default 100, 1 to 1000) entries from the `Marker`
/// cursor on (see [`crate::services::cursor`]), shaped as KMS lists are.
pub(crate) fn paginate_map<V>(
    map: &std::collections::BTreeMap<String, V>,
    op: &Op,
    member: &str,
    keep: impl Fn(&V) -> bool,
    view: impl Fn(&V) -> Value,
) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let start = match op.str("Marker") {
        Some(m) => Some(
            crate::services::cursor::decode(m)
                .ok_or_else(|| ApiError::new("InvalidMarkerException", "Invalid marker"))?,
        ),
        None => None,
    };
    let page = crate::services::cursor::page(map, start.as_deref(), limit, keep);
    let items: Vec<Value> = page.items.into_iter().map(view).collect();
    let mut out = json!({ member: items, "Truncated": page.next.is_some() });
    if let Some(next) = page.next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}

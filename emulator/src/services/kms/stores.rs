//! Custom key stores as records with connection states: CreateCustomKeyStore,
//! DescribeCustomKeyStores, UpdateCustomKeyStore, DeleteCustomKeyStore,
//! ConnectCustomKeyStore, DisconnectCustomKeyStore. No HSM or proxy stands behind them;
//! keys in a store are usable while it is connected and Unavailable while it is not.

use serde_json::{json, Value};

use super::authorize::authorize_keyless;
use super::errors::modeled_error;
use super::paging::paginate;
use super::regions::{kms_state, kms_state_mut};
use super::state::{CustomKeyStore, KeyState};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

pub(crate) fn store_not_found(id: &str) -> ApiError {
    modeled_error(
        "CustomKeyStoreNotFoundException",
        format!("Custom key store '{id}' does not exist"),
    )
}

pub(crate) fn invalid_store_state(id: &str, state: &str) -> ApiError {
    modeled_error(
        "CustomKeyStoreInvalidStateException",
        format!("Custom key store {id} is {state}."),
    )
}

fn entry(store: &CustomKeyStore) -> Value {
    let mut e = json!({
        "CustomKeyStoreId": store.id,
        "CustomKeyStoreName": store.name,
        "CustomKeyStoreType": store.store_type,
        "ConnectionState": store.connection_state,
        "CreationDate": store.creation_date,
    });
    if let Some(c) = &store.cloud_hsm_cluster_id {
        e["CloudHsmClusterId"] = json!(c);
    }
    if let Some(t) = &store.trust_anchor_certificate {
        e["TrustAnchorCertificate"] = json!(t);
    }
    if let Some(x) = &store.xks_proxy {
        e["XksProxyConfiguration"] = x.clone();
    }
    e
}

fn xks_configuration(op: &Request, previous: Option<&Value>) -> Value {
    let mut config = previous.cloned().unwrap_or_else(|| json!({}));
    let pairs = [
        ("XksProxyConnectivity", "Connectivity"),
        ("XksProxyUriEndpoint", "UriEndpoint"),
        ("XksProxyUriPath", "UriPath"),
        ("XksProxyVpcEndpointServiceName", "VpcEndpointServiceName"),
        ("XksProxyVpcEndpointServiceOwner", "VpcEndpointServiceOwner"),
    ];
    for (input, output) in pairs {
        if let Some(v) = op.str(input) {
            config[output] = json!(v);
        }
    }
    if let Some(id) = op
        .input
        .get("XksProxyAuthenticationCredential")
        .and_then(|c| c.get("AccessKeyId"))
    {
        config["AccessKeyId"] = id.clone();
    }
    config
}

fn required(op: &Request, members: &[&str], store_type: &str) -> ApiResult<()> {
    for m in members {
        if op.input.get(*m).is_none() {
            return Err(ApiError::validation(format!(
                "{m} is required for a custom key store of type {store_type}."
            )));
        }
    }
    Ok(())
}

pub fn create(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let name = op.req("CustomKeyStoreName")?.to_owned();
    let store_type = op
        .str("CustomKeyStoreType")
        .unwrap_or("AWS_CLOUDHSM")
        .to_owned();
    if store_type == "AWS_CLOUDHSM" {
        required(
            op,
            &[
                "CloudHsmClusterId",
                "TrustAnchorCertificate",
                "KeyStorePassword",
            ],
            &store_type,
        )?;
    } else {
        required(
            op,
            &[
                "XksProxyUriEndpoint",
                "XksProxyUriPath",
                "XksProxyAuthenticationCredential",
                "XksProxyConnectivity",
            ],
            &store_type,
        )?;
    }
    let now = op.ctx.now;
    let state = kms_state_mut(world, op.account(), op.region(), now);
    if state.custom_key_stores.values().any(|s| s.name == name) {
        return Err(modeled_error(
            "CustomKeyStoreNameInUseException",
            format!("Custom key store name '{name}' is already in use."),
        ));
    }
    let id = format!("cks-{}", &uuid::Uuid::new_v4().simple().to_string()[..17]);
    let store = CustomKeyStore {
        id: id.clone(),
        name,
        xks_proxy: (store_type == "EXTERNAL_KEY_STORE").then(|| xks_configuration(op, None)),
        store_type,
        cloud_hsm_cluster_id: op.str("CloudHsmClusterId").map(str::to_owned),
        trust_anchor_certificate: op.str("TrustAnchorCertificate").map(str::to_owned),
        connection_state: "DISCONNECTED".into(),
        creation_date: now,
    };
    state.custom_key_stores.insert(id.clone(), store);
    Ok(json!({ "CustomKeyStoreId": id }))
}

pub fn describe(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let stores: Vec<&CustomKeyStore> = kms_state(world, op.account(), op.region())
        .map(|s| s.custom_key_stores.values().collect())
        .unwrap_or_default();
    let by_id = op.str("CustomKeyStoreId");
    let by_name = op.str("CustomKeyStoreName");
    let items: Vec<Value> = stores
        .into_iter()
        .filter(|s| by_id.is_none_or(|id| id == s.id))
        .filter(|s| by_name.is_none_or(|n| n == s.name))
        .map(entry)
        .collect();
    if items.is_empty() {
        if let Some(id) = by_id {
            return Err(store_not_found(id));
        }
        if let Some(name) = by_name {
            return Err(store_not_found(name));
        }
    }
    paginate(items, op, "CustomKeyStores")
}

fn existing(op: &Request, world: &World) -> ApiResult<CustomKeyStore> {
    let id = op.req("CustomKeyStoreId")?;
    kms_state(world, op.account(), op.region())
        .and_then(|s| s.custom_key_stores.get(id))
        .cloned()
        .ok_or_else(|| store_not_found(id))
}

pub fn update(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let store = existing(op, world)?;
    let changes_connection = op.input.as_object().is_some_and(|m| {
        m.keys()
            .any(|k| k != "CustomKeyStoreId" && k != "NewCustomKeyStoreName")
    });
    if (changes_connection || op.str("NewCustomKeyStoreName").is_some())
        && store.connection_state != "DISCONNECTED"
        && store.store_type == "AWS_CLOUDHSM"
    {
        return Err(invalid_store_state(&store.id, &store.connection_state));
    }
    let now = op.ctx.now;
    let state = kms_state_mut(world, op.account(), op.region(), now);
    if let Some(name) = op.str("NewCustomKeyStoreName") {
        if state
            .custom_key_stores
            .values()
            .any(|s| s.name == name && s.id != store.id)
        {
            return Err(modeled_error(
                "CustomKeyStoreNameInUseException",
                format!("Custom key store name '{name}' is already in use."),
            ));
        }
    }
    if let Some(s) = state.custom_key_stores.get_mut(&store.id) {
        if let Some(name) = op.str("NewCustomKeyStoreName") {
            s.name = name.to_owned();
        }
        if let Some(cluster) = op.str("CloudHsmClusterId") {
            s.cloud_hsm_cluster_id = Some(cluster.to_owned());
        }
        if s.store_type == "EXTERNAL_KEY_STORE" {
            s.xks_proxy = Some(xks_configuration(op, s.xks_proxy.as_ref()));
        }
    }
    Ok(json!({}))
}

pub fn delete(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let store = existing(op, world)?;
    if store.connection_state != "DISCONNECTED" {
        return Err(invalid_store_state(&store.id, &store.connection_state));
    }
    let now = op.ctx.now;
    let state = kms_state_mut(world, op.account(), op.region(), now);
    if state
        .keys
        .values()
        .any(|k| k.custom_key_store_id.as_deref() == Some(store.id.as_str()))
    {
        return Err(modeled_error(
            "CustomKeyStoreHasCMKsException",
            format!(
                "Custom key store {} contains KMS keys; delete them first.",
                store.id
            ),
        ));
    }
    state.custom_key_stores.remove(&store.id);
    Ok(json!({}))
}

/// ConnectCustomKeyStore connects at once; DisconnectCustomKeyStore makes its keys
/// Unavailable until it connects again.
pub fn connect(op: &Request, world: &mut World, connect: bool) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let store = existing(op, world)?;
    let now = op.ctx.now;
    let state = kms_state_mut(world, op.account(), op.region(), now);
    if let Some(s) = state.custom_key_stores.get_mut(&store.id) {
        s.connection_state = if connect { "CONNECTED" } else { "DISCONNECTED" }.into();
    }
    for key in state
        .keys
        .values_mut()
        .filter(|k| k.custom_key_store_id.as_deref() == Some(store.id.as_str()))
    {
        match (connect, key.state) {
            (false, KeyState::Enabled) => key.state = KeyState::Unavailable,
            (true, KeyState::Unavailable) => key.state = KeyState::Enabled,
            _ => {}
        }
    }
    Ok(json!({}))
}

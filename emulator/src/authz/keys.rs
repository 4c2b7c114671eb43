//! The request's condition keys: time, Region, organization, the call chain, the caller's
//! connection and the service's own keys.

use serde_json::Value;
use time::OffsetDateTime;

use super::access::{Access, Environment};
use crate::policy::{self, ContextValue};
use crate::services::organizations::directory;
use crate::world::World;

/// The request's condition keys: time, region, organization, the call chain, the caller's
/// connection (`extra`) and the service's own keys.
pub(super) fn with_keys(
    mut builder: policy::RequestBuilder,
    world: &World,
    env: &Environment,
    resource_account: &str,
    access: &Access,
    extra: Vec<(String, ContextValue)>,
) -> policy::RequestBuilder {
    builder = builder
        .time(time_of(env.now))
        .key("aws:RequestedRegion", env.region.as_str());
    if let Some(org) = directory::org_context(world, resource_account) {
        builder = builder.resource_org_id(&org.org_id);
    }
    if !env.called_via.is_empty() {
        builder = builder.called_via(env.called_via.clone());
    }
    for (name, value) in extra {
        builder = builder.key(&name, value);
    }
    // aws:SourceOrgID follows the account a service acts for (aws:SourceAccount).
    let source_account = access
        .context
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("aws:SourceAccount"))
        .and_then(|(_, v)| v.as_str());
    if let Some(org) = source_account.and_then(|a| directory::org_context(world, a)) {
        builder = builder.key("aws:SourceOrgID", org.org_id.as_str());
    }
    for (name, value) in &access.context {
        match value {
            Value::Array(items) => {
                builder = builder.key_multi(name, items.iter().filter_map(context_value).collect());
            }
            other => {
                if let Some(v) = context_value(other) {
                    builder = builder.key(name, v);
                }
            }
        }
    }
    builder
}

pub(super) fn context_value(value: &Value) -> Option<ContextValue> {
    match value {
        Value::String(s) => Some(ContextValue::String(s.clone())),
        Value::Bool(b) => Some(ContextValue::Bool(*b)),
        Value::Number(n) => n.as_f64().map(ContextValue::Number),
        _ => None,
    }
}

pub(super) fn time_of(epoch: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos((epoch * 1e9) as i128)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

//! How a seed makes its changes: [`On`], one call through the pipeline as an account's root
//! (the real operation, with its validation and authorization), and [`repin`], which puts
//! the file's identifiers in place of the ones the operation generated. Apart from
//! `apply.rs` so the per-section files (keys, plans) use them without importing it.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::protocol::{Call, ServiceId};
use crate::world::{Caller, World};

/// Where the seed's calls are made: as `account`'s root, in `region`, at `now`.
pub(super) struct On<'a> {
    pub(super) account: &'a str,
    pub(super) region: &'a str,
    pub(super) now: f64,
}

impl On<'_> {
    /// One call through the pipeline; a refusal is `Code: message`.
    pub(super) fn call(
        &self,
        world: &mut World,
        service: ServiceId,
        operation: &str,
        input: Value,
    ) -> Result<Value, String> {
        let call = Call {
            service,
            operation: operation.into(),
            input,
        };
        let caller = Caller::root(self.account, self.account);
        crate::pipeline::call_on_world(world, caller, self.region, self.now, &call)
            .map_err(|e| format!("{}: {}", e.code, e.message.clone().unwrap_or_default()))
    }
}

/// Replaces every occurrence of each generated identifier in `value` by the file's: the
/// identifiers are random, so they occur nowhere else.
pub(super) fn repin<T: Serialize + DeserializeOwned>(
    value: T,
    pins: &[(String, String)],
) -> Result<T, String> {
    let mut text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
    for (generated, fixed) in pins {
        text = text.replace(generated.as_str(), fixed);
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

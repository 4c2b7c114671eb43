//! Recovery point lifecycles: read from a request, checked as AWS Backup checks them, shown.

use serde_json::{json, Value};

use super::state::Lifecycle;

pub(crate) fn lifecycle_from(value: &Value) -> Option<Lifecycle> {
    let map = value.as_object()?;
    Some(Lifecycle {
        delete_after_days: map.get("DeleteAfterDays").and_then(Value::as_i64),
        move_to_cold_storage_after_days: map
            .get("MoveToColdStorageAfterDays")
            .and_then(Value::as_i64),
        opt_in_to_archive_for_supported_resources: map
            .get("OptInToArchiveForSupportedResources")
            .and_then(Value::as_bool),
    })
}

/// The first of AWS Backup's "Invalid lifecycle." checks that `lifecycle` (a request's
/// `Lifecycle` object) fails, as AWS words it. -1 keeps a recovery point indefinitely
/// (the model's Lifecycle documentation), so it passes both checks.
pub(crate) fn lifecycle_problem(lifecycle: &Value) -> Option<&'static str> {
    let days = |key: &str| {
        lifecycle
            .get(key)
            .and_then(Value::as_i64)
            .filter(|d| *d != -1)
    };
    let delete = days("DeleteAfterDays");
    if delete.is_some_and(|d| !(1..=36_500).contains(&d)) {
        // Real text (terraform-provider-aws#24960, lgallard/terraform-aws-backup#61), there
        // the answer to a continuous-backup rule with DeleteAfterDays 84, so AWS's exact
        // trigger is unclear; keyhole gives it for the range the text names.
        return Some(
            "Invalid lifecycle. DeleteAfterDays cannot be less than 1 or more than 36500 days",
        );
    }
    match (days("MoveToColdStorageAfterDays"), delete) {
        // hashicorp/terraform-provider-aws#7350 (2019, a real answer for a rule that sent
        // MoveToColdStorageAfterDays 0 and DeleteAfterDays 15).
        (Some(cold), Some(delete)) if delete - cold < 90 => Some(
            "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays",
        ),
        _ => None,
    }
}

pub(crate) fn lifecycle_json(lifecycle: &Option<Lifecycle>) -> Value {
    match lifecycle {
        None => Value::Null,
        Some(l) => json!({
            "DeleteAfterDays": l.delete_after_days,
            "MoveToColdStorageAfterDays": l.move_to_cold_storage_after_days,
            "OptInToArchiveForSupportedResources": l.opt_in_to_archive_for_supported_resources,
        }),
    }
}

//! Backup's pages: `MaxResults` (1000 by default) and `NextToken`, by cursor over an ordered
//! map or over the jobs, or by offset over a built list.

use serde_json::{Map, Value};

use super::errors::invalid_parameter;
use super::state::job_list::JobList;
use super::state::Job;
use crate::protocol::ApiResult;
use crate::services::input::member;

/// A page of an ordered map from the `NextToken` cursor on (see
/// [`crate::services::paging`]): `MaxResults` (default 1000) entries that `keep` accepts.
pub(crate) fn page_map<V>(
    input: &Value,
    map: &std::collections::BTreeMap<String, V>,
    key: &str,
    keep: impl Fn(&V) -> bool,
    view: impl Fn(&V) -> Value,
) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => None,
        Some(t) => Some(
            crate::services::paging::decode_cursor(t)
                .ok_or_else(|| invalid_parameter(format!("Invalid NextToken: {t}")))?,
        ),
    };
    let max = max_results(input);
    let page = crate::services::paging::page(map, start.as_deref(), max, keep);
    let mut out = Map::new();
    out.insert(
        key.to_owned(),
        Value::Array(page.items.into_iter().map(view).collect()),
    );
    if let Some(next) = page.next {
        out.insert("NextToken".into(), Value::String(next));
    }
    Ok(Value::Object(out))
}

/// One page of `items` from `NextToken` (an offset keyhole issued) and `MaxResults`.
pub(crate) fn page(input: &Value, items: Vec<Value>, key: &str) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| invalid_parameter(format!("Invalid NextToken: {t}")))?,
    };
    let max = max_results(input);
    let (page, next) = crate::services::paging::slice(items, start, max);
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(next.to_string()));
    }
    Ok(Value::Object(out))
}

/// A page of `jobs` in their list order (newest first, then by id; `JobList`): `MaxResults`
/// jobs that `keep` accepts, from the job the `NextToken` cursor names (the cursor encoding
/// of its id) on. The page reads the list's index from that job, so it visits the jobs it
/// shows and the ones `keep` skips, and a job started between two pages does not shift the
/// next one, as an offset would.
pub(crate) fn page_jobs(
    input: &Value,
    jobs: &JobList<Job>,
    key: &str,
    keep: impl Fn(&Job) -> bool,
    view: impl Fn(&Job) -> Value,
) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => None,
        Some(t) => Some(
            crate::services::paging::decode_cursor(t)
                .and_then(|id| jobs.get(&id))
                .ok_or_else(|| invalid_parameter(format!("Invalid NextToken: {t}")))?,
        ),
    };
    let entries = jobs
        .newest_first_from(start)
        .map(|job| (job.id.as_str(), job));
    let page = crate::services::paging::page_of(entries, max_results(input), keep);
    let mut out = Map::new();
    out.insert(
        key.to_owned(),
        Value::Array(page.items.into_iter().map(view).collect()),
    );
    if let Some(next) = page.next {
        out.insert("NextToken".into(), Value::String(next));
    }
    Ok(Value::Object(out))
}

/// `MaxResults`, 1000 when absent.
fn max_results(input: &Value) -> usize {
    input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(1000)
        .max(1)
}

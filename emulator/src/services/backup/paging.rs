//! Backup's pages: `MaxResults` (1000 by default) and `NextToken`, by cursor over an ordered
//! map or over the jobs, or by offset over a built list.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::errors::invalid_parameter;
use super::state::Job;
use crate::protocol::ApiResult;
use crate::services::input::member;

/// A page of an ordered map from the `NextToken` cursor on (see
/// [`crate::services::cursor`]): `MaxResults` (default 1000) entries that `keep` accepts.
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
            crate::services::cursor::decode(t)
                .ok_or_else(|| invalid_parameter(format!("Invalid NextToken: {t}")))?,
        ),
    };
    let max = max_results(input);
    let page = crate::services::cursor::page(map, start.as_deref(), max, keep);
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
    let (page, next) = crate::services::offset::slice(items, start, max);
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(next.to_string()));
    }
    Ok(Value::Object(out))
}

/// ListBackupJobs' and ListCopyJobs' order: newest first, then by id (AWS documents none; the
/// same on every call and after a restore).
pub(crate) fn newest_first(a: &Job, b: &Job) -> Ordering {
    b.creation_date
        .total_cmp(&a.creation_date)
        .then_with(|| a.id.cmp(&b.id))
}

/// A page of `jobs` in [`newest_first`] order: `MaxResults` jobs that `keep` accepts, from
/// the job the `NextToken` cursor names (the cursor encoding of its id) on. Only the page is
/// shaped, and a job started between two pages does not shift the next one, as an offset
/// would; every job is still read once to find the page (no index by date is kept).
pub(crate) fn page_jobs(
    input: &Value,
    jobs: &BTreeMap<String, Job>,
    key: &str,
    keep: impl Fn(&Job) -> bool,
    view: impl Fn(&Job) -> Value,
) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => None,
        Some(t) => Some(
            crate::services::cursor::decode(t)
                .and_then(|id| jobs.get(&id))
                .ok_or_else(|| invalid_parameter(format!("Invalid NextToken: {t}")))?,
        ),
    };
    let max = max_results(input);
    let mut rest: Vec<&Job> = jobs
        .values()
        .filter(|j| start.is_none_or(|s| newest_first(j, s).is_ge()) && keep(j))
        .collect();
    if rest.len() > max + 1 {
        // The page and the next page's first job, without sorting the rest.
        rest.select_nth_unstable_by(max, |a, b| newest_first(a, b));
        rest.truncate(max + 1);
    }
    rest.sort_by(|a, b| newest_first(a, b));
    let next = rest
        .get(max)
        .map(|j| crate::services::cursor::encode(&j.id));
    rest.truncate(max);
    let mut out = Map::new();
    out.insert(
        key.to_owned(),
        Value::Array(rest.into_iter().map(view).collect()),
    );
    if let Some(next) = next {
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

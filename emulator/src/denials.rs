//! What keyhole keeps of its authorization decisions, both bounded rings on
//! [`crate::instance::Instance`]:
//! - the recent denied API requests, for `GET /_keyhole/denials` and the console. Recording
//!   starts when someone first reads them (the endpoint or the console's page), so a keyhole
//!   nobody watches pays one atomic load per failed request and keeps nothing;
//! - the decision log, for `GET /_keyhole/decisions` and `keyhole serve --decision-log`:
//!   every decision the policy engine made for a request's caller, allowed or denied.
//!
//! Both explain a decision with [`explanation_json`].

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use serde_json::{json, Value};

use crate::policy::Decision;

/// How many denials are kept; older ones are dropped.
pub const KEPT: usize = 200;

/// One denied request.
#[derive(Debug, Clone)]
pub struct Denial {
    /// Epoch seconds on keyhole's clock.
    pub time: f64,
    pub caller_arn: String,
    /// `kms:PutKeyPolicy`.
    pub action: String,
    /// The resource the decision was about, when the error carries its decision.
    pub resource: Option<String>,
    pub code: String,
    pub message: String,
    pub decision: Option<Arc<Decision>>,
}

#[derive(Debug, Default)]
pub struct Denials {
    watched: AtomicBool,
    kept: Mutex<VecDeque<Denial>>,
}

impl Denials {
    /// From now on, denials are kept.
    pub fn watch(&self) {
        self.watched.store(true, Ordering::Relaxed);
    }

    /// Whether [`Denials::record`] keeps anything: the pipeline asks before building one.
    pub fn watched(&self) -> bool {
        self.watched.load(Ordering::Relaxed)
    }

    pub fn record(&self, denial: Denial) {
        if !self.watched() {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == KEPT {
            kept.pop_back();
        }
        kept.push_front(denial);
    }

    /// The kept denials, newest first; starts recording.
    pub fn newest_first(&self) -> Vec<Denial> {
        self.watch();
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().cloned().collect()
    }
}

/// A decision's reasons, as the denials and the decision log show them: the outcome, the
/// deciding layer, the first matched statement (for a deny, the Deny statement; an implicit
/// deny has none) with its line, and [`Decision::explain`]'s lines.
pub fn explanation_json(decision: &Decision) -> Value {
    let statement = decision.matched.first();
    json!({
        "decision": decision.decision.as_str(),
        "layer": decision.layer.map(|l| l.phrase()),
        "policy": statement.map(|m| m.policy_arn.as_deref().unwrap_or(&m.policy_id)),
        "statement": statement.map(|m| m.sid.as_deref().map_or_else(|| format!("#{}", m.index), str::to_owned)),
        "line": statement.and_then(|m| m.span).map(|s| s.start.line),
        "trace": decision.explain().lines().collect::<Vec<_>>(),
    })
}

/// How many decisions the log keeps unless `keyhole serve --decisions-kept` says otherwise.
pub const DECISIONS_KEPT: usize = 1000;

/// One decision the policy engine made for a request's caller.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    /// Counts from 1 in the order decisions were made; a request may make several
    /// (ReEncrypt: one per key).
    pub id: u64,
    /// Epoch seconds on keyhole's clock.
    pub time: f64,
    pub request_id: String,
    pub caller_arn: String,
    pub caller_account: String,
    /// The signing name: `kms`, `iam`.
    pub service: &'static str,
    /// The API operation the request called (`ReEncrypt` decides `kms:ReEncryptFrom` too).
    pub operation: String,
    /// The AccessDenied message the caller got for this decision, in the service's wording;
    /// for a deny the service did not answer with, the evaluator's.
    pub message: Option<String>,
    pub decision: Arc<Decision>,
}

impl DecisionRecord {
    /// `GET /_keyhole/decisions`'s and `--decision-log`'s shape of a record.
    pub fn to_json(&self) -> Value {
        let d = &self.decision;
        json!({
            "id": self.id,
            "time": self.time,
            "requestId": self.request_id,
            "callerArn": self.caller_arn,
            "account": self.caller_account,
            "service": self.service,
            "operation": self.operation,
            "action": d.action(),
            "resource": d.resource(),
            "outcome": if d.is_allowed() { "allow" } else { "deny" },
            "message": self.message,
            "explanation": explanation_json(d),
        })
    }
}

/// Which records `GET /_keyhole/decisions` answers; `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    /// `kms:Decrypt`, compared without regard to case as IAM compares actions.
    pub action: Option<String>,
    /// `true` for allowed, `false` for denied.
    pub allowed: Option<bool>,
    pub caller_arn: Option<String>,
    pub account: Option<String>,
    /// Decisions made at or after this time (epoch seconds on keyhole's clock).
    pub since: Option<f64>,
    /// At most this many, the newest.
    pub limit: Option<usize>,
}

impl DecisionFilter {
    fn matches(&self, r: &DecisionRecord) -> bool {
        self.action
            .as_ref()
            .is_none_or(|a| a.eq_ignore_ascii_case(r.decision.action()))
            && self.allowed.is_none_or(|a| a == r.decision.is_allowed())
            && self.caller_arn.as_ref().is_none_or(|c| *c == r.caller_arn)
            && self.account.as_ref().is_none_or(|c| *c == r.caller_account)
            && self.since.is_none_or(|t| r.time >= t)
    }
}

/// The decision log: the last `kept` records, and (`--decision-log FILE`) every record as a
/// JSON line, written by a thread of its own so that no request waits for the disk.
#[derive(Debug)]
pub struct DecisionLog {
    kept: usize,
    next_id: AtomicU64,
    records: Mutex<VecDeque<DecisionRecord>>,
    lines: Option<Mutex<mpsc::Sender<String>>>,
}

impl Default for DecisionLog {
    fn default() -> Self {
        DecisionLog::new(DECISIONS_KEPT, None)
    }
}

impl DecisionLog {
    /// Keeps the last `kept` decisions (none with 0) and appends each to `file`.
    pub fn new(kept: usize, file: Option<std::fs::File>) -> DecisionLog {
        let lines = file.map(|file| {
            let (send, receive) = mpsc::channel::<String>();
            std::thread::spawn(move || write_lines(file, &receive));
            Mutex::new(send)
        });
        DecisionLog {
            kept,
            next_id: AtomicU64::new(1),
            records: Mutex::new(VecDeque::with_capacity(kept.min(DECISIONS_KEPT))),
            lines,
        }
    }

    /// Whether anything is kept or written: the pipeline records a request's decisions
    /// only then.
    pub fn enabled(&self) -> bool {
        self.kept > 0 || self.lines.is_some()
    }

    /// Adds `record` (its `id` is assigned here).
    pub fn record(&self, mut record: DecisionRecord) {
        record.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(lines) = &self.lines {
            let line = record.to_json().to_string();
            let _ = lines.lock().unwrap_or_else(|p| p.into_inner()).send(line);
        }
        if self.kept == 0 {
            return;
        }
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() == self.kept {
            records.pop_back();
        }
        records.push_front(record);
    }

    /// The kept records `filter` matches, newest first.
    pub fn newest_first(&self, filter: &DecisionFilter) -> Vec<DecisionRecord> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records
            .iter()
            .filter(|r| filter.matches(r))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }
}

/// Appends each line to `file`, flushing whenever no more are waiting.
fn write_lines(file: std::fs::File, lines: &mpsc::Receiver<String>) {
    let mut out = std::io::BufWriter::new(file);
    while let Ok(line) = lines.recv() {
        let _ = writeln!(out, "{line}");
        while let Ok(line) = lines.try_recv() {
            let _ = writeln!(out, "{line}");
        }
        if let Err(error) = out.flush() {
            tracing::warn!(%error, "the decision log file could not be written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denial(n: usize) -> Denial {
        Denial {
            time: n as f64,
            caller_arn: "arn:aws:iam::111111111111:root".into(),
            action: "kms:Decrypt".into(),
            resource: None,
            code: "AccessDeniedException".into(),
            message: format!("denial {n}"),
            decision: None,
        }
    }

    #[test]
    fn nothing_is_kept_until_someone_reads_then_the_newest_200_newest_first() {
        let denials = Denials::default();
        denials.record(denial(0));
        assert!(denials.newest_first().is_empty());
        for n in 1..=KEPT + 5 {
            denials.record(denial(n));
        }
        let kept = denials.newest_first();
        assert_eq!(kept.len(), KEPT);
        assert_eq!(kept[0].message, "denial 205");
        assert_eq!(kept[KEPT - 1].message, "denial 6");
    }
}

//! The recent denied API requests, for `GET /_keyhole/denials` and the console: a bounded
//! ring on [`crate::instance::Instance`]. Recording starts when someone first reads them
//! (the endpoint or the console's page), so a keyhole nobody watches pays one atomic load
//! per failed request and keeps nothing.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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

//! keyhole's clock: wall time plus an offset that tests and labs can move forward, so that
//! expirations, waiting periods and job durations need no real waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Clock {
    offset_millis: AtomicI64,
}

impl Clock {
    /// Epoch seconds, with millisecond precision.
    pub fn now(&self) -> f64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        (wall + self.offset_millis.load(Ordering::Relaxed)) as f64 / 1000.0
    }

    pub fn advance(&self, seconds: f64) {
        self.offset_millis
            .fetch_add((seconds * 1000.0) as i64, Ordering::Relaxed);
    }

    pub fn offset_seconds(&self) -> f64 {
        self.offset_millis.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

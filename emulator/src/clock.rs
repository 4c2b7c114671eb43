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
        // Saturating: an offset near i64::MAX must not overflow into a panic.
        wall.saturating_add(self.offset_millis.load(Ordering::Relaxed)) as f64 / 1000.0
    }

    pub fn advance(&self, seconds: f64) {
        let millis = (seconds * 1000.0) as i64;
        let _ = self
            .offset_millis
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(millis))
            });
    }

    pub fn offset_seconds(&self) -> f64 {
        self.offset_millis.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn an_offset_past_i64_saturates_instead_of_overflowing() {
        let clock = Clock::default();
        clock.advance(1e300);
        clock.advance(1e300);
        assert!(clock.now() > 9e15);
    }
}

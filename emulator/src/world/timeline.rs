//! The one index of future events, ordered by due time: advancing keyhole's clock pops the
//! events whose time has come (O(log n) each) and looks at nothing else.
//!
//! An entry names its object; it holds no state. The service that fires it checks that the
//! object still wants that event at that time (a key whose deletion was cancelled, a period
//! that changed), so code that moves a due time only adds the new entry and never needs to
//! find the stale one. The index is derived data: it is not saved with the world and is
//! rebuilt from it on load (`services::registry::schedule_all`).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::protocol::ServiceId;

/// A due time (epoch seconds), totally ordered.
#[derive(Debug, Clone, Copy)]
pub struct Due(pub f64);

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What happens to the object when the event fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// KMS: a key's waiting period ends and the key is deleted.
    KeyDeletion,
    /// KMS: a key's automatic rotation is due.
    KeyRotation,
    /// KMS: imported key material reaches its ValidTo and expires.
    MaterialExpiry,
    /// KMS: a multi-Region primary pending replica deletion may start its own waiting
    /// period (its last replica may be gone).
    PrimaryWaitingPeriod,
    /// Backup: a backup job's duration ends and it reaches its final state.
    BackupJobDone,
    /// Backup: a copy job's duration ends and the copy engine decides it.
    CopyJobDone,
    /// Backup: a report job completes and builds its report.
    ReportJobDone,
    /// Backup: a plan rule's or restore testing plan's schedule reaches its next fire time.
    ScheduleFires,
}

/// The object an event concerns: service, account, Region and the service's id for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventRef {
    pub service: ServiceId,
    pub account: String,
    pub region: String,
    pub object: String,
    pub kind: EventKind,
}

/// The future events of the whole world.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    events: BTreeSet<(Due, EventRef)>,
    /// Entries looked at by [`Timeline::pop_due`] since the world was made: the scale test
    /// checks it does not grow with the world.
    pub examined: u64,
    /// Events popped since the world was made: `--state-dir` saves the world after a
    /// request that fired any, even a read.
    pub fired: u64,
}

/// Derived data: two worlds with the same state are equal whatever their indexes hold.
impl PartialEq for Timeline {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Timeline {
    /// Adds an event (a second identical one is the same entry).
    pub fn schedule(&mut self, due: f64, event: EventRef) {
        self.events.insert((Due(due), event));
    }

    /// Removes and returns the earliest event due at or before `now`, if any.
    pub fn pop_due(&mut self, now: f64) -> Option<(f64, EventRef)> {
        self.examined += 1;
        let first = self.events.first()?;
        if first.0 .0 > now {
            return None;
        }
        self.fired += 1;
        self.events.pop_first().map(|(due, event)| (due.0, event))
    }

    /// Forgets every event (before the index is rebuilt from the world).
    pub fn clear(&mut self) {
        self.events.clear();
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(object: &str) -> EventRef {
        EventRef {
            service: ServiceId::Kms,
            account: "111111111111".into(),
            region: "us-east-1".into(),
            object: object.into(),
            kind: EventKind::KeyDeletion,
        }
    }

    #[test]
    fn pops_due_events_in_time_order_and_nothing_early() {
        let mut t = Timeline::default();
        t.schedule(30.0, event("c"));
        t.schedule(10.0, event("a"));
        t.schedule(20.0, event("b"));
        t.schedule(10.0, event("a"));
        assert_eq!(t.len(), 3);
        assert_eq!(t.pop_due(5.0), None);
        assert_eq!(t.pop_due(25.0), Some((10.0, event("a"))));
        assert_eq!(t.pop_due(25.0), Some((20.0, event("b"))));
        assert_eq!(t.pop_due(25.0), None);
        assert_eq!(t.len(), 1);
    }
}

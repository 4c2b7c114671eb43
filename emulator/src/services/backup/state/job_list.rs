//! Backup or copy jobs by id, with their list order (newest first, then by id) kept beside
//! them in an ordered index, so a page of ListBackupJobs or ListCopyJobs starts at its cursor
//! and reads on from there instead of sorting every job. Saved as the map of jobs alone (the
//! form it always had); loading rebuilds the index. Generic over [`Listed`], so this file
//! needs nothing from the job types (`state.rs` implements it for `Job`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Bound, Deref};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::world::tracked::Tracked;

/// What places a job in the list.
pub trait Listed {
    fn id(&self) -> &str;
    fn creation_date(&self) -> f64;
}

/// A job's place in the list: its creation date and id.
#[derive(Debug, Clone)]
struct Place {
    created: f64,
    id: String,
}

impl Ord for Place {
    /// Newest first, then by id (AWS documents no order: this one is the same on every call
    /// and after a restore).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .created
            .total_cmp(&self.created)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Place {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Place {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Place {}

/// Jobs by id, read as a map; written only through [`JobList::insert`] and
/// [`JobList::get_mut`], which keep the index in step.
#[derive(Debug, Clone)]
pub struct JobList<J> {
    /// Tracked: each job is a record of its own with `--state-dir` (`persist::records`).
    jobs: Tracked<J>,
    order: BTreeSet<Place>,
}

impl<J> Default for JobList<J> {
    fn default() -> Self {
        JobList {
            jobs: Tracked::default(),
            order: BTreeSet::new(),
        }
    }
}

impl<J: Listed> JobList<J> {
    /// Adds `job` under its id, replacing a job of that id.
    pub fn insert(&mut self, job: J) {
        let id = job.id().to_owned();
        if let Some(old) = self.jobs.get(&id) {
            self.order.remove(&Place {
                created: old.creation_date(),
                id: id.clone(),
            });
        }
        self.order.insert(Place {
            created: job.creation_date(),
            id: id.clone(),
        });
        self.jobs.insert(id, job);
    }

    /// The job `id`, to change. Its creation date and id place it in the list: callers change
    /// its state, never those.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut J> {
        self.jobs.get_mut(id)
    }

    /// The jobs' map, for `persist::records` to take its marks; changing it through this
    /// would leave the index behind, so it serves only to read and clear marks.
    pub fn tracked(&mut self) -> &mut Tracked<J> {
        &mut self.jobs
    }

    /// Puts a stored job in place, unmarked, and in the index.
    pub fn load(&mut self, job: J) {
        self.order.insert(Place {
            created: job.creation_date(),
            id: job.id().to_owned(),
        });
        self.jobs.load(job.id().to_owned(), job);
    }

    /// Every job, by id. Counted (in tests): the scale test checks that a request which
    /// makes nothing due walks no job list.
    pub fn values(&self) -> impl Iterator<Item = &J> {
        self.jobs.values().inspect(|_| walked())
    }

    /// The jobs in list order, from `start` (included; the first job when `None`) on. Each
    /// step is one index entry and one lookup, so a page reads only what it shows or skips.
    pub fn newest_first_from<'a>(&'a self, start: Option<&J>) -> impl Iterator<Item = &'a J> + 'a {
        let from = match start {
            Some(job) => Bound::Included(Place {
                created: job.creation_date(),
                id: job.id().to_owned(),
            }),
            None => Bound::Unbounded,
        };
        self.order
            .range((from, Bound::Unbounded))
            .filter_map(|place| self.jobs.get(&place.id))
    }
}

#[cfg(test)]
thread_local! {
    static WALKED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[inline]
fn walked() {
    #[cfg(test)]
    WALKED.with(|w| w.set(w.get() + 1));
}

/// The jobs read by [`JobList::values`] on this thread so far.
#[cfg(test)]
pub(crate) fn jobs_walked() -> u64 {
    WALKED.with(|w| w.get())
}

impl<J> Deref for JobList<J> {
    type Target = BTreeMap<String, J>;

    fn deref(&self) -> &Self::Target {
        &self.jobs
    }
}

impl<J: Listed> From<BTreeMap<String, J>> for JobList<J> {
    fn from(jobs: BTreeMap<String, J>) -> Self {
        let order = jobs
            .iter()
            .map(|(id, job)| Place {
                created: job.creation_date(),
                id: id.clone(),
            })
            .collect();
        JobList {
            jobs: Tracked::from(jobs),
            order,
        }
    }
}

impl<J: PartialEq> PartialEq for JobList<J> {
    /// The index follows from the jobs.
    fn eq(&self, other: &Self) -> bool {
        self.jobs == other.jobs
    }
}

impl<J: Serialize> Serialize for JobList<J> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.jobs.serialize(serializer)
    }
}

impl<'de, J: Listed + Deserialize<'de>> Deserialize<'de> for JobList<J> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, J>::deserialize(deserializer).map(JobList::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Job {
        id: String,
        created: f64,
    }

    impl Listed for Job {
        fn id(&self) -> &str {
            &self.id
        }
        fn creation_date(&self) -> f64 {
            self.created
        }
    }

    fn job(id: &str, created: f64) -> Job {
        Job {
            id: id.into(),
            created,
        }
    }

    fn ids<'a>(jobs: impl Iterator<Item = &'a Job>) -> Vec<&'a str> {
        jobs.map(|j| j.id.as_str()).collect()
    }

    #[test]
    fn lists_newest_first_then_by_id_from_the_start_job() {
        let mut list = JobList::<Job>::default();
        for (id, created) in [("b", 1.0), ("a", 1.0), ("c", 3.0), ("d", 2.0)] {
            list.insert(job(id, created));
        }
        assert_eq!(ids(list.newest_first_from(None)), ["c", "d", "a", "b"]);
        let start = job("a", 1.0);
        assert_eq!(ids(list.newest_first_from(Some(&start))), ["a", "b"]);
        // Replacing a job moves it to its new place, once.
        list.insert(job("b", 4.0));
        assert_eq!(ids(list.newest_first_from(None)), ["b", "c", "d", "a"]);
    }

    #[test]
    fn saves_as_the_map_and_rebuilds_the_index_on_load() {
        let mut list = JobList::<Job>::default();
        list.insert(job("x", 1.0));
        list.insert(job("y", 2.0));
        let saved = serde_json::to_value(&list).unwrap();
        let map = serde_json::to_value(&*list).unwrap();
        assert_eq!(saved, map);
        let loaded: JobList<Job> = serde_json::from_value(saved).unwrap();
        assert_eq!(loaded, list);
        assert_eq!(ids(loaded.newest_first_from(None)), ["y", "x"]);
    }
}

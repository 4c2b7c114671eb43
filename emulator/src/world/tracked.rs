//! `Tracked<V>`: a map by string id that remembers which ids a request changed, so that
//! `--state-dir` writes one record per changed entity rather than the whole world
//! (`crate::persist`). Reads go through `Deref` to the `BTreeMap`; every way to change an
//! entry (`insert`, `remove`, `get_mut`, `entry`, `values_mut`, `retain`, ...) marks it.
//!
//! Marks are kept only while a thread records ([`Recording`], held by the pipeline for one
//! request of a persisting instance): memory-only keyhole never accumulates them.
//!
//! Serialized as a plain map (the state document), except inside [`skeleton`], where it is
//! an empty map: the world's "skeleton" is everything that is not in a tracked map, and a
//! record is its entry without the tracked maps nested in it (a vault without its recovery
//! points, which are records of their own).

use std::cell::Cell;
use std::collections::btree_map::{self, BTreeMap};
use std::collections::BTreeSet;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static TOUCHED: Cell<bool> = const { Cell::new(false) };
    static SKELETON: Cell<bool> = const { Cell::new(false) };
}

/// While alive, changes to tracked maps on this thread are marked. Dropping it stops.
#[derive(Debug)]
pub struct Recording(());

impl Recording {
    pub fn start() -> Recording {
        RECORDING.with(|r| r.set(true));
        TOUCHED.with(|t| t.set(false));
        Recording(())
    }

    /// Whether any tracked map was changed since [`Recording::start`].
    pub fn touched(&self) -> bool {
        TOUCHED.with(Cell::get)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        RECORDING.with(|r| r.set(false));
    }
}

/// `value` serialized with every tracked map left empty.
pub fn skeleton<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            SKELETON.with(|s| s.set(false));
        }
    }
    SKELETON.with(|s| s.set(true));
    let _reset = Reset;
    serde_json::to_vec(value)
}

#[derive(Debug, Clone)]
pub struct Tracked<V> {
    map: BTreeMap<String, V>,
    dirty: BTreeSet<String>,
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Tracked {
            map: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

/// Marks are bookkeeping: two maps with the same entries are equal.
impl<V: PartialEq> PartialEq for Tracked<V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<V> Deref for Tracked<V> {
    type Target = BTreeMap<String, V>;
    fn deref(&self) -> &BTreeMap<String, V> {
        &self.map
    }
}

impl<V> From<BTreeMap<String, V>> for Tracked<V> {
    fn from(map: BTreeMap<String, V>) -> Self {
        let mut tracked = Tracked::default();
        for key in map.keys() {
            tracked.mark(key);
        }
        tracked.map = map;
        tracked
    }
}

impl<V> FromIterator<(String, V)> for Tracked<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Tracked::from(iter.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl<'a, V> IntoIterator for &'a Tracked<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = btree_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

impl<V> Tracked<V> {
    fn mark(&mut self, key: &str) {
        if RECORDING.with(Cell::get) {
            TOUCHED.with(|t| t.set(true));
            if !self.dirty.contains(key) {
                self.dirty.insert(key.to_owned());
            }
        }
    }

    fn mark_all(&mut self) {
        if RECORDING.with(Cell::get) {
            TOUCHED.with(|t| t.set(true));
            self.dirty.extend(self.map.keys().cloned());
        }
    }

    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.mark(&key);
        self.map.insert(key, value)
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.mark(key);
        self.map.remove(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        if self.map.contains_key(key) {
            self.mark(key);
        }
        self.map.get_mut(key)
    }

    /// A change that need not be saved on its own (last-use times): the entry is written with
    /// its next real change, or with the whole world on a graceful stop.
    pub fn get_mut_unmarked(&mut self, key: &str) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// Every entry, unmarked: for `persist::records` to reach the tracked maps nested in
    /// entries (a vault's recovery points), which mark their own changes.
    pub fn nested_mut(&mut self) -> btree_map::IterMut<'_, String, V> {
        self.map.iter_mut()
    }

    pub fn entry(&mut self, key: String) -> btree_map::Entry<'_, String, V> {
        self.mark(&key);
        self.map.entry(key)
    }

    pub fn values_mut(&mut self) -> btree_map::ValuesMut<'_, String, V> {
        self.mark_all();
        self.map.values_mut()
    }

    pub fn iter_mut(&mut self) -> btree_map::IterMut<'_, String, V> {
        self.mark_all();
        self.map.iter_mut()
    }

    pub fn retain(&mut self, keep: impl FnMut(&String, &mut V) -> bool) {
        self.mark_all();
        self.map.retain(keep);
    }

    pub fn clear(&mut self) {
        self.mark_all();
        self.map.clear();
    }

    /// The ids changed since the last call, each with its entry (`None`: removed).
    pub fn take_dirty(&mut self) -> Vec<(String, Option<&V>)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .map(|key| {
                let value = self.map.get(&key);
                (key, value)
            })
            .collect()
    }

    /// Forgets the marks (the whole map was just written).
    pub fn clear_dirty(&mut self) {
        self.dirty.clear();
    }

    /// Puts a loaded entry in place, unmarked.
    pub fn load(&mut self, key: String, value: V) {
        self.map.insert(key, value);
    }
}

impl<V: Serialize> Serialize for Tracked<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if SKELETON.with(Cell::get) {
            BTreeMap::<String, V>::new().serialize(serializer)
        } else {
            self.map.serialize(serializer)
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Tracked<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Tracked {
            map: BTreeMap::deserialize(deserializer)?,
            dirty: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_marked_only_while_recording() {
        let mut map = Tracked::<u32>::default();
        map.insert("a".into(), 1);
        assert!(map.take_dirty().is_empty());
        let recording = Recording::start();
        assert!(!recording.touched());
        let _ = map.get("a");
        assert!(!recording.touched(), "a read marks nothing");
        *map.get_mut("a").unwrap() = 2;
        map.insert("b".into(), 3);
        map.remove("b");
        assert!(recording.touched());
        drop(recording);
        let dirty: Vec<_> = map.take_dirty().into_iter().collect();
        assert_eq!(
            dirty,
            vec![("a".to_owned(), Some(&2)), ("b".to_owned(), None)]
        );
        assert!(map.take_dirty().is_empty());
    }

    #[test]
    fn a_skeleton_leaves_tracked_maps_empty() {
        let map: Tracked<u32> = [("a".to_owned(), 1)].into_iter().collect();
        assert_eq!(skeleton(&map).unwrap(), b"{}");
        assert_eq!(serde_json::to_vec(&map).unwrap(), b"{\"a\":1}");
    }
}

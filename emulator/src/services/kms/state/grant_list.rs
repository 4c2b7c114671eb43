//! A key's grants in creation order, with an index by grant id beside them, so a page of
//! ListGrants starts at the grant its marker names and reads on from there instead of
//! scanning the key's grants from the first. Saved as the list of grants alone (the form it
//! always had); loading rebuilds the index.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::grant_record::GrantRecord;

/// Grants by their place in creation order; written only through [`GrantList::push`] and
/// [`GrantList::remove`], which keep the index in step.
#[derive(Debug, Clone, Default)]
pub struct GrantList {
    /// By sequence number: creation order.
    grants: BTreeMap<u64, GrantRecord>,
    /// Grant id to sequence number.
    places: HashMap<String, u64>,
    /// The next grant's sequence number.
    next: u64,
}

impl GrantList {
    /// Adds a grant after every other (grant ids are unique: a new id each CreateGrant).
    pub fn push(&mut self, grant: GrantRecord) {
        let place = self.next;
        self.next += 1;
        if let Some(old) = self.places.insert(grant.grant_id.clone(), place) {
            self.grants.remove(&old);
        }
        self.grants.insert(place, grant);
    }

    /// Removes the grant `grant_id`, if the key has it.
    pub fn remove(&mut self, grant_id: &str) {
        if let Some(place) = self.places.remove(grant_id) {
            self.grants.remove(&place);
        }
    }

    pub fn get(&self, grant_id: &str) -> Option<&GrantRecord> {
        self.grants.get(self.places.get(grant_id)?)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &GrantRecord> {
        self.grants.values()
    }

    /// The grants from `grant_id` (included) on, oldest first; `None` when the key has no
    /// grant of that id.
    pub fn from_id(&self, grant_id: &str) -> Option<impl Iterator<Item = &GrantRecord>> {
        let place = *self.places.get(grant_id)?;
        Some(self.grants.range(place..).map(|(_, g)| g))
    }

    pub fn len(&self) -> usize {
        self.grants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }
}

impl FromIterator<GrantRecord> for GrantList {
    fn from_iter<I: IntoIterator<Item = GrantRecord>>(grants: I) -> Self {
        let mut list = GrantList::default();
        for grant in grants {
            list.push(grant);
        }
        list
    }
}

impl PartialEq for GrantList {
    /// The index follows from the grants and their order.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Serialize for GrantList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for GrantList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<GrantRecord>::deserialize(deserializer).map(|grants| grants.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(id: &str) -> GrantRecord {
        GrantRecord {
            grant_id: id.into(),
            grant_token: format!("token-{id}"),
            name: None,
            grantee_principal: "arn:aws:iam::111111111111:root".into(),
            retiring_principal: None,
            operations: vec!["Decrypt".into()],
            encryption_context_equals: None,
            encryption_context_subset: None,
            creation_date: 0.0,
            issuing_account: "111111111111".into(),
        }
    }

    fn ids<'a>(grants: impl Iterator<Item = &'a GrantRecord>) -> Vec<&'a str> {
        grants.map(|g| g.grant_id.as_str()).collect()
    }

    #[test]
    fn keeps_creation_order_and_starts_at_an_id() {
        let mut list: GrantList = ["c", "a", "b"].into_iter().map(grant).collect();
        assert_eq!(ids(list.iter()), ["c", "a", "b"]);
        assert_eq!(ids(list.from_id("a").unwrap()), ["a", "b"]);
        list.remove("a");
        assert!(list.from_id("a").is_none());
        assert_eq!(
            list.get("b").map(|g| g.grant_token.as_str()),
            Some("token-b")
        );
        list.push(grant("d"));
        assert_eq!(ids(list.iter()), ["c", "b", "d"]);
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn saves_as_the_list_and_rebuilds_the_index_on_load() {
        let list: GrantList = ["x", "y"].into_iter().map(grant).collect();
        let saved = serde_json::to_value(&list).unwrap();
        let plain: Vec<GrantRecord> = list.iter().cloned().collect();
        assert_eq!(saved, serde_json::to_value(&plain).unwrap());
        let loaded: GrantList = serde_json::from_value(saved).unwrap();
        assert_eq!(loaded, list);
        assert_eq!(ids(loaded.from_id("y").unwrap()), ["y"]);
    }
}

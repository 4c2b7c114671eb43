//! Effective management policies (tag, backup, AI opt-out, chatbot, declarative, ...): the
//! policies attached from the root down through each OU to the account, merged with the
//! inheritance operators AWS documents ("Inheritance operators", "Policy syntax and
//! inheritance for management policy types"):
//!
//! - `@@assign` overwrites the inherited value (or adds the setting);
//! - `@@append` adds values to an inherited array (or adds the setting);
//! - `@@remove` removes values from an inherited array;
//! - `@@operators_allowed_for_child_policies` limits which of those the *child* levels may
//!   use at that node and everywhere below it: `["@@all"]` (default), a list, or
//!   `["@@none"]`. A restriction inherited from a parent cannot be lifted by a child; a child
//!   that uses a forbidden operator (or adds a new setting under a node that forbids
//!   `@@assign`) is ignored for that setting.
//!
//! Levels are processed root first; the policies of one level in attachment order, and a
//! restriction takes effect from the next level down. A plain value (no operator) counts as
//! `@@assign`. For tag and backup policies map keys are case-insensitive and come out
//! lower-cased; a tag policy's `tag_key` keeps the case it was assigned with (and defaults to
//! the key as first written). The result has every operator resolved, which is what
//! DescribeEffectivePolicy returns as `PolicyContent`.
//!
//! Pure: no world, no I/O.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::directory;
use super::state::Organization;
use crate::world::World;

const ASSIGN: &str = "@@assign";
const APPEND: &str = "@@append";
const REMOVE: &str = "@@remove";
const CHILD_CONTROL: &str = "@@operators_allowed_for_child_policies";

/// The value-setting operators a node allows its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub assign: bool,
    pub append: bool,
    pub remove: bool,
}

impl Allowed {
    pub const ALL: Allowed = Allowed {
        assign: true,
        append: true,
        remove: true,
    };
    pub const NONE: Allowed = Allowed {
        assign: false,
        append: false,
        remove: false,
    };

    fn intersect(self, other: Allowed) -> Allowed {
        Allowed {
            assign: self.assign && other.assign,
            append: self.append && other.append,
            remove: self.remove && other.remove,
        }
    }

    /// Reads a `@@operators_allowed_for_child_policies` value.
    pub fn parse(value: &Value) -> Allowed {
        let items: Vec<&str> = match value {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::String(s) => vec![s.as_str()],
            _ => Vec::new(),
        };
        let mut allowed = Allowed::NONE;
        for item in items {
            match item {
                "@@all" => return Allowed::ALL,
                "@@none" => return Allowed::NONE,
                ASSIGN => allowed.assign = true,
                APPEND => allowed.append = true,
                REMOVE => allowed.remove = true,
                _ => {}
            }
        }
        allowed
    }
}

/// Whether the policy type's map keys are case-insensitive (and lower-cased when merged).
pub fn lowercases_keys(policy_type: &str) -> bool {
    matches!(policy_type, "TAG_POLICY" | "BACKUP_POLICY")
}

/// True for the operator names a management policy may use.
pub fn is_operator(key: &str) -> bool {
    matches!(key, ASSIGN | APPEND | REMOVE | CHILD_CONTROL)
}

/// Merges `levels` (root first, each the documents attached at that node in attachment
/// order) into the effective policy; `None` when no level has a policy.
pub fn effective_policy(policy_type: &str, levels: &[Vec<Value>]) -> Option<Value> {
    let mut merger = Merger {
        lower: lowercases_keys(policy_type),
        tag_policy: policy_type == "TAG_POLICY",
        restrictions: BTreeMap::new(),
        pending: BTreeMap::new(),
        original_tag_keys: BTreeMap::new(),
    };
    let mut effective = Map::new();
    let mut any = false;
    for level in levels {
        for document in level {
            if let Value::Object(map) = document {
                any = true;
                merger.object(&mut effective, map, &mut Vec::new());
            }
        }
        merger.commit();
    }
    if !any {
        return None;
    }
    if merger.tag_policy {
        merger.fill_tag_keys(&mut effective);
    }
    Some(Value::Object(effective))
}

/// One policy on its own, operators resolved: the effective policy of a single level.
pub fn resolve(policy_type: &str, document: &Value) -> Option<Value> {
    effective_policy(policy_type, &[vec![document.clone()]])
}

struct Merger {
    lower: bool,
    tag_policy: bool,
    /// Path → operators children may use there and below, from the levels already merged.
    restrictions: BTreeMap<Vec<String>, Allowed>,
    /// Restrictions set by the level being merged: they bind the next levels only.
    pending: BTreeMap<Vec<String>, Allowed>,
    /// Tag policy: lower-cased tag key → the key as first written.
    original_tag_keys: BTreeMap<String, String>,
}

impl Merger {
    fn key(&self, key: &str) -> String {
        if self.lower {
            key.to_lowercase()
        } else {
            key.to_owned()
        }
    }

    fn allowed_at(&self, path: &[String]) -> Allowed {
        (0..=path.len())
            .filter_map(|n| self.restrictions.get(&path[..n]))
            .fold(Allowed::ALL, |acc, r| acc.intersect(*r))
    }

    fn restrict(&mut self, path: &[String], value: &Value) {
        let parsed = Allowed::parse(value);
        let entry = self.pending.entry(path.to_vec()).or_insert(Allowed::ALL);
        *entry = entry.intersect(parsed);
    }

    fn commit(&mut self) {
        for (path, allowed) in std::mem::take(&mut self.pending) {
            let entry = self.restrictions.entry(path).or_insert(Allowed::ALL);
            *entry = entry.intersect(allowed);
        }
    }

    fn note_key(&mut self, path: &[String], original: &str) {
        if self.tag_policy && path.len() == 2 && path[0] == "tags" {
            self.original_tag_keys
                .entry(path[1].clone())
                .or_insert_with(|| original.to_owned());
        }
    }

    fn object(
        &mut self,
        effective: &mut Map<String, Value>,
        policy: &Map<String, Value>,
        path: &mut Vec<String>,
    ) {
        for (original, value) in policy {
            if original == CHILD_CONTROL {
                self.restrict(path, value);
                continue;
            }
            if original.starts_with("@@") {
                continue;
            }
            let key = self.key(original);
            path.push(key.clone());
            let allowed = self.allowed_at(path);
            match value {
                Value::Object(inner) if is_operator_node(inner) => {
                    self.note_key(path, original);
                    self.operators(effective, &key, inner, path, allowed);
                }
                Value::Object(inner) => {
                    let created = !matches!(effective.get(&key), Some(Value::Object(_)));
                    if created && !allowed.assign {
                        path.pop();
                        continue;
                    }
                    if created {
                        effective.insert(key.clone(), Value::Object(Map::new()));
                    }
                    self.note_key(path, original);
                    if let Some(Value::Object(child)) = effective.get_mut(&key) {
                        self.object(child, inner, path);
                        if created && child.is_empty() {
                            effective.remove(&key);
                        }
                    }
                }
                plain => {
                    if allowed.assign {
                        self.note_key(path, original);
                        let resolved = self.strip(plain);
                        effective.insert(key, resolved);
                    }
                }
            }
            path.pop();
        }
    }

    fn operators(
        &mut self,
        effective: &mut Map<String, Value>,
        key: &str,
        ops: &Map<String, Value>,
        path: &[String],
        allowed: Allowed,
    ) {
        if let Some(control) = ops.get(CHILD_CONTROL) {
            self.restrict(path, control);
        }
        if let (Some(value), true) = (ops.get(ASSIGN), allowed.assign) {
            let resolved = self.strip(value);
            effective.insert(key.to_owned(), resolved);
        }
        if let (Some(value), true) = (ops.get(APPEND), allowed.append) {
            let additions = as_list(&self.strip(value));
            match effective.get_mut(key) {
                Some(Value::Array(items)) => {
                    for item in additions {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                }
                Some(existing) => {
                    let mut items = vec![existing.take()];
                    for item in additions {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                    *existing = Value::Array(items);
                }
                None => {
                    effective.insert(key.to_owned(), Value::Array(additions));
                }
            }
        }
        if let (Some(value), true) = (ops.get(REMOVE), allowed.remove) {
            let removals = as_list(&self.strip(value));
            match effective.get_mut(key) {
                Some(Value::Array(items)) => items.retain(|item| !removals.contains(item)),
                Some(existing) if removals.contains(existing) => {
                    effective.remove(key);
                }
                _ => {}
            }
        }
    }

    /// A value with operators resolved as if it were alone (used for assigned values).
    fn strip(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) if is_operator_node(map) => map
                .get(ASSIGN)
                .or_else(|| map.get(APPEND))
                .map(|v| self.strip(v))
                .unwrap_or(Value::Null),
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| !k.starts_with("@@"))
                    .map(|(k, v)| (self.key(k), self.strip(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn fill_tag_keys(&self, effective: &mut Map<String, Value>) {
        if let Some(Value::Object(tags)) = effective.get_mut("tags") {
            for (key, entry) in tags.iter_mut() {
                if let Value::Object(settings) = entry {
                    if !settings.contains_key("tag_key") {
                        let original = self
                            .original_tag_keys
                            .get(key)
                            .cloned()
                            .unwrap_or_else(|| key.clone());
                        settings.insert("tag_key".into(), Value::String(original));
                    }
                }
            }
        }
    }
}

fn is_operator_node(map: &Map<String, Value>) -> bool {
    map.contains_key(ASSIGN) || map.contains_key(APPEND) || map.contains_key(REMOVE)
}

fn as_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// The effective management policy (tag, backup, ...) of `account`, operators resolved;
/// the management account included, as AWS applies management policies to it too.
pub fn effective_policy_for(world: &World, account: &str, policy_type: &str) -> Option<Value> {
    let org = world.organizations.org_of(account)?;
    effective_in(org, account, policy_type)
}

pub(crate) fn effective_in(org: &Organization, account: &str, policy_type: &str) -> Option<Value> {
    if !org.is_enabled(policy_type) {
        return None;
    }
    let documents: Vec<Vec<Value>> = directory::levels(org, account, policy_type)
        .into_iter()
        .map(|level| {
            level
                .into_iter()
                .filter_map(|(_, content)| serde_json::from_str(&content).ok())
                .collect()
        })
        .collect();
    effective_policy(policy_type, &documents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn eff(policy_type: &str, levels: Vec<Vec<Value>>) -> Value {
        effective_policy(policy_type, &levels).unwrap_or(Value::Null)
    }

    #[test]
    fn no_policies_means_no_effective_policy() {
        assert_eq!(effective_policy("TAG_POLICY", &[vec![], vec![]]), None);
    }

    #[test]
    fn aws_documented_example_resolves_assign_and_lowercases_the_key() {
        // errors.md §4 [O5]: {"tags":{"costcenter":{"tag_value":["*"],"tag_key":"CostCenter"}}}
        let root = json!({"tags": {"CostCenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["*"]}
        }}});
        let result = eff("TAG_POLICY", vec![vec![root]]);
        assert_eq!(
            result,
            json!({"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["*"]}}})
        );
    }

    #[test]
    fn child_assign_overwrites_and_append_adds_across_levels() {
        let root = json!({"tags": {"costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100", "200"]}
        }}});
        let ou = json!({"tags": {"costcenter": {"tag_value": {"@@append": ["300"]}}}});
        let account = json!({"tags": {"COSTCENTER": {"tag_key": {"@@assign": "costCenter"}},
            "project": {"tag_key": {"@@assign": "Project"}, "tag_value": {"@@assign": ["x"]}}}});
        let result = eff("TAG_POLICY", vec![vec![root], vec![ou], vec![account]]);
        assert_eq!(
            result,
            json!({"tags": {
                "costcenter": {"tag_key": "costCenter", "tag_value": ["100", "200", "300"]},
                "project": {"tag_key": "Project", "tag_value": ["x"]}
            }})
        );
    }

    #[test]
    fn remove_takes_values_out_of_the_inherited_array() {
        let root = json!({"tags": {"env": {"tag_value": {"@@assign": ["prod", "dev", "test"]}}}});
        let ou = json!({"tags": {"env": {"tag_value": {"@@remove": ["dev"]}}}});
        let result = eff("TAG_POLICY", vec![vec![root], vec![ou]]);
        assert_eq!(result["tags"]["env"]["tag_value"], json!(["prod", "test"]));
        // tag_key defaults to the key as first written.
        assert_eq!(result["tags"]["env"]["tag_key"], json!("env"));
    }

    #[test]
    fn none_locks_the_node_and_everything_below_it() {
        let root = json!({"tags": {"costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100"]},
            "@@operators_allowed_for_child_policies": ["@@none"]
        }}});
        let account = json!({"tags": {"costcenter": {
            "tag_key": {"@@assign": "COSTCENTER"},
            "tag_value": {"@@append": ["999"]},
            "enforced_for": {"@@assign": ["ec2:instance"]}
        }}});
        let result = eff("TAG_POLICY", vec![vec![root], vec![], vec![account]]);
        assert_eq!(
            result,
            json!({"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100"]}}})
        );
    }

    #[test]
    fn a_list_of_operators_allows_only_those() {
        let root = json!({"tags": {"env": {"tag_value": {
            "@@assign": ["prod"],
            "@@operators_allowed_for_child_policies": ["@@append"]
        }}}});
        let assign = json!({"tags": {"env": {"tag_value": {"@@assign": ["other"]}}}});
        let append = json!({"tags": {"env": {"tag_value": {"@@append": ["dev"]}}}});
        let result = eff("TAG_POLICY", vec![vec![root], vec![assign, append]]);
        assert_eq!(result["tags"]["env"]["tag_value"], json!(["prod", "dev"]));
    }

    #[test]
    fn a_restriction_binds_the_next_levels_not_its_own() {
        let first = json!({"tags": {"env": {"tag_value": {
            "@@assign": ["a"],
            "@@operators_allowed_for_child_policies": ["@@none"]
        }}}});
        let second_same_level = json!({"tags": {"env": {"tag_value": {"@@assign": ["b"]}}}});
        let result = eff("TAG_POLICY", vec![vec![first, second_same_level]]);
        assert_eq!(result["tags"]["env"]["tag_value"], json!(["b"]));
    }

    #[test]
    fn a_child_cannot_lift_an_inherited_restriction() {
        let root = json!({"tags": {"@@operators_allowed_for_child_policies": ["@@append"]}});
        let ou = json!({"tags": {"@@operators_allowed_for_child_policies": ["@@all"],
            "env": {"tag_value": {"@@assign": ["x"]}}}});
        let account = json!({"tags": {"env": {"tag_value": {"@@assign": ["y"]}}}});
        let result = effective_policy("TAG_POLICY", &[vec![root], vec![ou], vec![account]]);
        // Neither the OU nor the account may add a new setting under `tags` (and an object
        // left empty is not kept).
        assert_eq!(result, Some(json!({})));
    }

    #[test]
    fn backup_policy_keys_are_lower_cased_and_values_resolved() {
        let root = json!({"plans": {"PII_Backup_Plan": {
            "regions": {"@@append": ["us-east-1"]},
            "rules": {"Hourly": {"schedule_expression": {"@@assign": "cron(0 5/1 ? * * *)"},
                "target_backup_vault_name": {"@@assign": "FortKnox"}}}
        }}});
        let ou = json!({"plans": {"pii_backup_plan": {"regions": {"@@append": ["eu-north-1"]}}}});
        let result = eff("BACKUP_POLICY", vec![vec![root], vec![ou]]);
        assert_eq!(
            result,
            json!({"plans": {"pii_backup_plan": {
                "regions": ["us-east-1", "eu-north-1"],
                "rules": {"hourly": {"schedule_expression": "cron(0 5/1 ? * * *)",
                    "target_backup_vault_name": "FortKnox"}}
            }}})
        );
    }

    #[test]
    fn other_types_keep_key_case() {
        let root = json!({"services": {"Default": {"opt_out_policy": {"@@assign": "optOut"}}}});
        let result = eff("AISERVICES_OPT_OUT_POLICY", vec![vec![root]]);
        assert_eq!(
            result,
            json!({"services": {"Default": {"opt_out_policy": "optOut"}}})
        );
    }

    /// A tree of tag-policy-like settings: key → leaf value.
    fn settings() -> impl Strategy<Value = BTreeMap<String, BTreeMap<String, Vec<String>>>> {
        prop::collection::btree_map(
            "[a-z]{1,6}",
            prop::collection::btree_map(
                "[a-z_]{1,8}",
                prop::collection::vec("[a-z0-9]{1,4}", 0..4),
                1..3,
            ),
            1..4,
        )
    }

    fn assign_doc(tree: &BTreeMap<String, BTreeMap<String, Vec<String>>>) -> Value {
        let mut tags = Map::new();
        for (key, leaves) in tree {
            let mut node = Map::new();
            for (leaf, values) in leaves {
                node.insert(leaf.clone(), json!({"@@assign": values}));
            }
            tags.insert(key.clone(), Value::Object(node));
        }
        json!({"tags": tags})
    }

    /// The same tree with new values, so the account assigns every setting its parents set.
    fn revalue(
        tree: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        suffix: &str,
    ) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
        tree.iter()
            .map(|(k, leaves)| {
                let leaves = leaves
                    .iter()
                    .map(|(leaf, values)| {
                        (
                            leaf.clone(),
                            values.iter().map(|v| format!("{v}{suffix}")).collect(),
                        )
                    })
                    .collect();
                (k.clone(), leaves)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn account_assigning_every_setting_gets_exactly_its_own_policy(tree in settings()) {
            let root = assign_doc(&tree);
            let ou = assign_doc(&revalue(&tree, "o"));
            let account = assign_doc(&revalue(&tree, "a"));
            let merged = effective_policy("TAG_POLICY", &[vec![root], vec![ou], vec![account.clone()]]);
            prop_assert_eq!(merged, resolve("TAG_POLICY", &account));
        }

        #[test]
        fn none_at_the_root_ignores_every_child_change(tree in settings(), other in settings()) {
            let mut root = assign_doc(&tree);
            if let Some(Value::Object(map)) = root.get_mut("tags") {
                map.insert(CHILD_CONTROL.into(), json!(["@@none"]));
            }
            let child = assign_doc(&other);
            let merged = effective_policy("TAG_POLICY", &[vec![root.clone()], vec![child.clone()], vec![child]]);
            prop_assert_eq!(merged, resolve("TAG_POLICY", &root));
        }

        #[test]
        fn empty_levels_change_nothing(tree in settings()) {
            let root = assign_doc(&tree);
            let merged = effective_policy("TAG_POLICY", &[vec![root.clone()], vec![], vec![]]);
            prop_assert_eq!(merged, resolve("TAG_POLICY", &root));
        }

        #[test]
        fn append_then_remove_of_new_values_restores_the_parent(tree in settings(), extra in "[A-Z]{1,4}") {
            let root = assign_doc(&tree);
            let mut add = Map::new();
            let mut del = Map::new();
            for (key, leaves) in &tree {
                let mut a = Map::new();
                let mut d = Map::new();
                for leaf in leaves.keys() {
                    a.insert(leaf.clone(), json!({"@@append": [extra.clone()]}));
                    d.insert(leaf.clone(), json!({"@@remove": [extra.clone()]}));
                }
                add.insert(key.clone(), Value::Object(a));
                del.insert(key.clone(), Value::Object(d));
            }
            let merged = effective_policy(
                "TAG_POLICY",
                &[vec![root.clone()], vec![json!({"tags": add})], vec![json!({"tags": del})]],
            );
            prop_assert_eq!(merged, resolve("TAG_POLICY", &root));
        }
    }
}

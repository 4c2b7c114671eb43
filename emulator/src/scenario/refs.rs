//! The two small languages inside a scenario's strings: `${name}` references (to an
//! account's id, the Region or an earlier capture) and dotted paths into an answer
//! (`KeyMetadata.Arn`, `Roles[0].Arn`).

use std::collections::BTreeMap;

use serde_json::Value;

/// What a `${...}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `${region}`: the scenario's Region.
    Region,
    /// `${accounts.NAME}`: that account's id.
    Account(String),
    /// `${name}`: a value an earlier step captured.
    Capture(String),
}

/// A capture's name: a letter, then letters, digits and `_`.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The references in `text`, in order; an unclosed or empty `${` is an error.
pub fn references(text: &str) -> Result<Vec<Reference>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("{text:?}: `${{` without its closing `}}`"));
        };
        found.push(reference(&after[..end])?);
        rest = &after[end + 1..];
    }
    Ok(found)
}

fn reference(inner: &str) -> Result<Reference, String> {
    if inner == "region" {
        return Ok(Reference::Region);
    }
    if let Some(account) = inner.strip_prefix("accounts.") {
        return Ok(Reference::Account(account.to_owned()));
    }
    if is_name(inner) {
        return Ok(Reference::Capture(inner.to_owned()));
    }
    Err(format!(
        "${{{inner}}} is not a reference: use ${{capture}}, ${{accounts.NAME}} or ${{region}}"
    ))
}

/// The values references stand for while a scenario runs (a lab keeps them on disk).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bindings {
    pub region: String,
    pub accounts: BTreeMap<String, String>,
    pub captures: BTreeMap<String, String>,
}

impl Bindings {
    /// `text` with every reference replaced; the loader already checked each is defined, so
    /// one that is not (a capture whose step failed) stays as written.
    pub fn substitute(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let value = match reference(&after[..end]) {
                Ok(Reference::Region) => Some(&self.region),
                Ok(Reference::Account(name)) => self.accounts.get(&name),
                Ok(Reference::Capture(name)) => self.captures.get(&name),
                Err(_) => None,
            };
            match value {
                Some(v) => out.push_str(v),
                None => out.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Every string inside `value` substituted.
    pub fn substitute_value(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.substitute(text)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.substitute_value(v)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), self.substitute_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// One step of a path: a member, or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Member(String),
    Index(usize),
}

/// `A.B[0].C` as steps; `None` when it is not one.
pub fn parse_path(path: &str) -> Option<Vec<PathStep>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return None;
        }
        steps.push(PathStep::Member(name.to_owned()));
        while !indexes.is_empty() {
            let close = indexes.find(']')?;
            let index = indexes.get(1..close)?.parse().ok()?;
            steps.push(PathStep::Index(index));
            indexes = &indexes[close + 1..];
            if !indexes.is_empty() && !indexes.starts_with('[') {
                return None;
            }
        }
    }
    Some(steps)
}

/// The value at `path` in `value`, if there is one.
pub fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    parse_path(path)?
        .iter()
        .try_fold(value, |v, step| match step {
            PathStep::Member(name) => v.get(name),
            PathStep::Index(i) => v.get(*i),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_found_in_order_and_malformed_ones_refused() {
        assert_eq!(
            references("arn:aws:kms:${region}:${accounts.source}:key/${keyId}").unwrap(),
            vec![
                Reference::Region,
                Reference::Account("source".into()),
                Reference::Capture("keyId".into())
            ]
        );
        assert_eq!(
            references("${key").unwrap_err(),
            "\"${key\": `${` without its closing `}`"
        );
        assert_eq!(
            references("${1x}").unwrap_err(),
            "${1x} is not a reference: use ${capture}, ${accounts.NAME} or ${region}"
        );
    }

    #[test]
    fn substitution_replaces_what_is_bound_and_keeps_the_rest() {
        let b = Bindings {
            region: "eu-west-1".into(),
            accounts: [("source".to_owned(), "111111111111".to_owned())].into(),
            captures: [("key".to_owned(), "k-1".to_owned())].into(),
        };
        assert_eq!(
            b.substitute("${accounts.source}/${region}/${key}/${missing}"),
            "111111111111/eu-west-1/k-1/${missing}"
        );
    }

    #[test]
    fn paths_reach_members_and_list_items() {
        let v = json!({"Roles": [{"Arn": "a"}, {"Arn": "b", "Tags": [[1, 2]]}]});
        assert_eq!(at_path(&v, "Roles[1].Arn"), Some(&json!("b")));
        assert_eq!(at_path(&v, "Roles[1].Tags[0][1]"), Some(&json!(2)));
        assert_eq!(at_path(&v, "Roles[2].Arn"), None);
        for bad in ["", "A..B", "A[x]", "A[0]B", "A b"] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }
}

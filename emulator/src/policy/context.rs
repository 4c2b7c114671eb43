//! Condition keys: typed values ([`ContextValue`]), their text as policies compare it
//! (numbers and dates formatted the way AWS writes them), and the case-insensitive set of
//! keys a request carries ([`Context`]).

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine;
use time::OffsetDateTime;

/// A typed condition-key value.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    String(String),
    Number(f64),
    Bool(bool),
    /// Unix time in nanoseconds.
    Date(i128),
    Ip(IpAddr),
    Binary(Vec<u8>),
}

impl ContextValue {
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            ContextValue::String(s) => Cow::Borrowed(s),
            ContextValue::Number(n) => Cow::Owned(format_number(*n)),
            ContextValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            ContextValue::Date(ns) => Cow::Owned(format_date(*ns)),
            ContextValue::Ip(ip) => Cow::Owned(ip.to_string()),
            ContextValue::Binary(b) => {
                Cow::Owned(base64::engine::general_purpose::STANDARD.encode(b))
            }
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            ContextValue::Number(n) => Some(*n),
            ContextValue::String(s) => s.trim().parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    pub fn date(&self) -> Option<i128> {
        match self {
            ContextValue::Date(d) => Some(*d),
            ContextValue::Number(n) => Some((*n * 1e9) as i128),
            ContextValue::String(s) => super::dates::parse_date(s),
            _ => None,
        }
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            ContextValue::Ip(ip) => Some(*ip),
            ContextValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn boolean(&self) -> Option<bool> {
        match self {
            ContextValue::Bool(b) => Some(*b),
            ContextValue::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            ContextValue::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            ContextValue::Binary(b) => Some(Cow::Borrowed(b)),
            ContextValue::String(s) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .ok()
                .map(Cow::Owned),
            _ => None,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::String(s.into())
    }
}
impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::String(s)
    }
}
impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::Bool(b)
    }
}
impl From<IpAddr> for ContextValue {
    fn from(ip: IpAddr) -> Self {
        ContextValue::Ip(ip)
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

pub fn format_date(ns: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ns)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| (ns / 1_000_000_000).to_string())
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContextEntry {
    /// As given, for reports.
    pub name: String,
    pub values: Vec<ContextValue>,
    /// Multivalued keys (lists) compare with ForAnyValue/ForAllValues.
    pub multi: bool,
}

/// A key name lower-cased; names are ASCII but for tag keys, and the ASCII path is cheap.
fn lower(name: &str) -> String {
    if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        name.to_lowercase()
    }
}

/// Condition keys; names are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    entries: Vec<(String, ContextEntry)>,
}

impl Context {
    /// `name_lc` must be lower-case (policies store keys lower-cased).
    pub fn get(&self, name_lc: &str) -> Option<&ContextEntry> {
        self.entries
            .iter()
            .find(|(k, _)| k == name_lc)
            .map(|(_, e)| e)
    }

    pub fn set(&mut self, name: &str, value: impl Into<ContextValue>) {
        self.insert(name, vec![value.into()], false);
    }

    pub fn set_multi(&mut self, name: &str, values: Vec<ContextValue>) {
        self.insert(name, values, true);
    }

    /// A multivalued key of strings (`aws:PrincipalOrgPaths`, `aws:CalledVia`).
    pub fn set_strings(&mut self, name: &str, values: &[String]) {
        let values = values
            .iter()
            .map(|s| ContextValue::from(s.as_str()))
            .collect();
        self.set_multi(name, values);
    }

    pub fn insert(&mut self, name: &str, values: Vec<ContextValue>, multi: bool) {
        let lc = lower(name);
        let entry = ContextEntry {
            name: name.to_string(),
            values,
            multi,
        };
        match self.entries.iter_mut().find(|(k, _)| *k == lc) {
            Some(slot) => slot.1 = entry,
            None => {
                if self.entries.capacity() == 0 {
                    // A request carries some 20 to 30 keys.
                    self.entries.reserve(32);
                }
                self.entries.push((lc, entry))
            }
        }
    }

    pub fn remove(&mut self, name: &str) {
        let lc = lower(name);
        self.entries.retain(|(k, _)| *k != lc);
    }

    pub fn iter(&self) -> impl Iterator<Item = &ContextEntry> {
        self.entries.iter().map(|(_, e)| e)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, moved out: the request builder merges explicit keys without copying.
    pub(super) fn into_entries(self) -> impl Iterator<Item = ContextEntry> {
        self.entries.into_iter().map(|(_, e)| e)
    }
}

//! Condition operators: parsing the operator name, compiling the values,
//! evaluating against the request context (IAM `…condition_operators.md`).

use base64::Engine;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use super::context::{Context, ContextValue};
use super::matcher::{ArnPattern, Glob};
use super::model::{Condition, ConditionValue, SetOperator};
use super::variables::{resolved_string, Template};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

use Operator::*;

pub const ALL_OPERATORS: [Operator; 27] = [
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Str,
    StrIgnoreCase,
    StrLike,
    Num,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

impl Operator {
    pub fn name(self) -> &'static str {
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    pub fn from_name(name: &str) -> Option<Operator> {
        ALL_OPERATORS.into_iter().find(|o| o.name() == name)
    }

    /// Negated operators hold when no value matches (and when the key is absent).
    pub fn negated(self) -> bool {
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    fn family(self) -> Family {
        match self {
            StringEquals | StringNotEquals => Family::Str,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => Family::StrIgnoreCase,
            StringLike | StringNotLike => Family::StrLike,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Family::Num,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }

    fn ordering_ok(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            NumericLessThan | DateLessThan => ord == Less,
            NumericLessThanEquals | DateLessThanEquals => ord != Greater,
            NumericGreaterThan | DateGreaterThan => ord == Greater,
            NumericGreaterThanEquals | DateGreaterThanEquals => ord != Less,
            _ => ord == Equal,
        }
    }
}

/// Splits `ForAnyValue:StringLikeIfExists` into its parts.
pub fn parse_operator(text: &str) -> Option<(Option<SetOperator>, Operator, bool)> {
    let (set, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
        (Some(SetOperator::ForAllValues), r)
    } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
        (Some(SetOperator::ForAnyValue), r)
    } else {
        (None, text)
    };
    if let Some(op) = Operator::from_name(rest) {
        return Some((set, op, false));
    }
    let base = rest.strip_suffix("IfExists")?;
    match Operator::from_name(base)? {
        Null => None,
        op => Some((set, op, true)),
    }
}

/// Compiles one policy value for its operator. Variables apply to String and
/// Arn operators under Version 2012-10-17 only.
pub fn compile_value(op: Operator, raw: &str, variables: bool) -> ConditionValue {
    let family = op.family();
    if variables
        && matches!(
            family,
            Family::Str | Family::StrIgnoreCase | Family::StrLike | Family::Arn
        )
    {
        if let Some(t) = Template::parse(raw) {
            return ConditionValue::Template(t);
        }
    }
    match family {
        Family::Str | Family::Bool | Family::Null => ConditionValue::Text(raw.to_string()),
        Family::StrIgnoreCase => ConditionValue::Text(raw.to_lowercase()),
        Family::StrLike => ConditionValue::Glob(Glob::new(raw)),
        Family::Arn => ConditionValue::Arn(ArnPattern::new(raw)),
        Family::Num => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map_or(ConditionValue::Invalid, ConditionValue::Number),
        Family::Date => parse_date(raw).map_or(ConditionValue::Invalid, ConditionValue::Date),
        Family::Binary => base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .map_or(ConditionValue::Invalid, ConditionValue::Binary),
        Family::Ip => {
            let raw = raw.trim();
            if let Ok(net) = raw.parse::<ipnet::IpNet>() {
                ConditionValue::Cidr(net.trunc())
            } else if let Ok(ip) = raw.parse::<std::net::IpAddr>() {
                ConditionValue::cidr_of(ip)
            } else {
                ConditionValue::Invalid
            }
        }
    }
}

/// ISO 8601 (date, date-time, optional fraction and offset) or epoch seconds,
/// as Unix nanoseconds.
pub fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .map(|secs| i128::from(secs) * 1_000_000_000);
    }
    let (date_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date_part.split('-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u8 = d.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u8 = d.next().map_or(Some(1), |x| x.parse().ok())?;
    if d.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let (time, offset) = match time_part {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(t) => parse_time(t)?,
    };
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp_nanos(),
    )
}

fn parse_time(t: &str) -> Option<(Time, UtcOffset)> {
    let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
        (c, UtcOffset::UTC)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let (sign, rest) = (if &t[i..i + 1] == "-" { -1 } else { 1 }, &t[i + 1..]);
        let (h, m) = rest
            .split_once(':')
            .unwrap_or((rest.get(..2)?, rest.get(2..).unwrap_or("0")));
        let h: i8 = h.parse().ok()?;
        let m: i8 = if m.is_empty() { 0 } else { m.parse().ok()? };
        (&t[..i], UtcOffset::from_hms(sign * h, sign * m, 0).ok()?)
    } else {
        (t, UtcOffset::UTC)
    };
    let mut parts = clock.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next().map_or(Some(0), |x| x.parse().ok())?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let digits: String = frac.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                format!("{digits:0<9}").parse().ok()?
            };
            (whole.parse().ok()?, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    Some((Time::from_hms_nano(h, m, s, nanos).ok()?, offset))
}

/// Does one request value match one policy value (the positive form)?
fn value_matches(op: Operator, pv: &ConditionValue, rv: &ContextValue, ctx: &Context) -> bool {
    let family = op.family();
    match pv {
        ConditionValue::Template(t) => {
            let Some(chars) = t.resolve(ctx) else {
                return false;
            };
            let text = rv.text();
            match family {
                Family::Str => resolved_string(&chars) == text,
                Family::StrIgnoreCase => {
                    eq_ignore_case(&resolved_string(&chars).to_lowercase(), &text)
                }
                Family::StrLike => Glob::from_marked(chars).matches(&text),
                Family::Arn => ArnPattern::from_marked(&chars).matches(&text),
                _ => false,
            }
        }
        ConditionValue::Text(p) => match family {
            Family::Str => *p == rv.text(),
            Family::StrIgnoreCase => eq_ignore_case(p, &rv.text()),
            Family::Bool => match rv.boolean() {
                Some(b) if p.eq_ignore_ascii_case("true") => b,
                Some(b) if p.eq_ignore_ascii_case("false") => !b,
                _ => false,
            },
            _ => false,
        },
        ConditionValue::Glob(g) => g.matches(&rv.text()),
        ConditionValue::Arn(a) => a.matches(&rv.text()),
        ConditionValue::Number(n) => rv
            .number()
            .and_then(|r| r.partial_cmp(n))
            .is_some_and(|o| op.ordering_ok(o)),
        ConditionValue::Date(d) => rv.date().is_some_and(|r| op.ordering_ok(r.cmp(d))),
        ConditionValue::Cidr(net) => rv.ip().is_some_and(|ip| net.contains(&ip)),
        ConditionValue::Binary(b) => rv.bytes().is_some_and(|r| *r == **b),
        ConditionValue::Invalid => false,
    }
}

/// `lower` is already lower-cased.
fn eq_ignore_case(lower: &str, other: &str) -> bool {
    if other.is_ascii() {
        lower.len() == other.len()
            && lower
                .bytes()
                .zip(other.bytes())
                .all(|(a, b)| a == b.to_ascii_lowercase())
    } else {
        *lower == other.to_lowercase()
    }
}

/// Evaluates one condition (operator + key + values). `missing` is told
/// about a key the condition needed and the request lacked.
pub fn evaluate(cond: &Condition, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
    let entry = ctx.get(&cond.key_lc).filter(|e| !e.values.is_empty());
    if cond.operator == Null {
        let absent = entry.is_none();
        return cond.values.iter().any(|v| match v {
            ConditionValue::Text(t) if t.eq_ignore_ascii_case("true") => absent,
            ConditionValue::Text(t) if t.eq_ignore_ascii_case("false") => !absent,
            _ => false,
        });
    }
    let negated = cond.operator.negated();
    let Some(entry) = entry else {
        if !cond.if_exists {
            missing(&cond.key);
        }
        return match cond.set {
            _ if cond.if_exists => true,
            Some(SetOperator::ForAllValues) => true,
            Some(SetOperator::ForAnyValue) => false,
            None => negated,
        };
    };
    let per_value = |rv: &ContextValue| {
        let any = cond
            .values
            .iter()
            .any(|pv| value_matches(cond.operator, pv, rv, ctx));
        any != negated
    };
    match cond.set {
        Some(SetOperator::ForAllValues) => entry.values.iter().all(per_value),
        Some(SetOperator::ForAnyValue) => entry.values.iter().any(per_value),
        None => {
            let any = entry.values.iter().any(|rv| {
                cond.values
                    .iter()
                    .any(|pv| value_matches(cond.operator, pv, rv, ctx))
            });
            any != negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        assert_eq!(
            parse_operator("ForAnyValue:StringLikeIfExists"),
            Some((Some(SetOperator::ForAnyValue), StringLike, true))
        );
        assert_eq!(parse_operator("NullIfExists"), None);
        assert_eq!(parse_operator("stringequals"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("10"), Some(10_000_000_000));
        assert_eq!(parse_date("1970-01-01T00:00:00.5Z"), Some(500_000_000));
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date("x"), None);
    }
}

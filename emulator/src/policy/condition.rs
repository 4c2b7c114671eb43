//! Condition operators: parsing the operator name, compiling the values,
//! evaluating against the request context (IAM `…condition_operators.md`).

use base64::Engine;

use super::context::{Context, ContextValue};
use super::dates::parse_date;
use super::glob::{ArnPattern, Glob};
use super::model::{Condition, ConditionValue, SetOperator};
use super::operators::Family;
pub use super::operators::{Operator, ALL_OPERATORS};
use super::variables::{resolved_string, Template};
use Operator::*;

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

//! The condition operators IAM defines: their names, whether they negate, and the family of
//! values each compares (IAM `…condition_operators.md`). Apart from `condition.rs`, which
//! evaluates them, so the parsed policy (`model.rs`) names an operator without importing
//! the evaluation.

/// Declares the operators once: the enum, [`ALL_OPERATORS`] in this order, and
/// [`Operator::name`], the variant's name as policies spell it.
macro_rules! operators {
    ($($operator:ident),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operator {
            $($operator),+
        }

        pub const ALL_OPERATORS: [Operator; [$(stringify!($operator)),+].len()] =
            [$(Operator::$operator),+];

        impl Operator {
            pub fn name(self) -> &'static str {
                match self {
                    $(Operator::$operator => stringify!($operator)),+
                }
            }
        }
    };
}

operators! {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
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

    pub(super) fn family(self) -> Family {
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

    pub(super) fn ordering_ok(self, ord: std::cmp::Ordering) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_is_read_back_by_the_name_iam_gives_it() {
        assert_eq!(ALL_OPERATORS.len(), 27);
        for operator in ALL_OPERATORS {
            assert_eq!(Operator::from_name(operator.name()), Some(operator));
        }
        assert_eq!(StringEqualsIgnoreCase.name(), "StringEqualsIgnoreCase");
        assert_eq!(NotIpAddress.name(), "NotIpAddress");
        assert_eq!(Operator::from_name("stringequals"), None);
        assert_eq!(ALL_OPERATORS[0], StringEquals);
        assert_eq!(ALL_OPERATORS[26], Null);
    }
}

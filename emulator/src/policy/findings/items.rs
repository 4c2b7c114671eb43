//! What the element checks share: a string of an element and where it is, what a statement
//! says, and the type checks every element makes. Its own file so the grammar walk and the
//! value, condition and whole-policy checks it calls all import it without importing each other.

use super::super::json::{JsonNode, JsonValue};
use super::cx::{join, Cx};
use super::types::PathElement::{self, Index};

/// A string of an element (an action, a resource, a principal) and where it is.
pub(crate) struct Item<'n> {
    pub text: &'n str,
    pub node: &'n JsonNode,
    pub path: Vec<PathElement>,
}

/// What one statement says, for the checks that look at more than one element.
pub(crate) struct StatementInfo<'n> {
    pub node: &'n JsonNode,
    pub path: Vec<PathElement>,
    pub sid: Option<Item<'n>>,
    /// `Some("Allow")`, `Some("Deny")`, or `None` when missing or invalid.
    pub effect: Option<&'n str>,
    pub actions: Vec<Item<'n>>,
    /// The statement has `NotAction` (and `actions` lists its values).
    pub not_action: bool,
    pub resources: Vec<Item<'n>>,
    pub not_resource: bool,
    /// The `Principal` or `NotPrincipal` element.
    pub principal: Option<&'n JsonNode>,
    pub not_principal: bool,
    /// `Principal.Service` values.
    pub service_principals: Vec<Item<'n>>,
    /// Condition keys, lower-cased.
    pub condition_keys: Vec<String>,
}

/// DATA_TYPE_MISMATCH at `node`.
pub(crate) fn mismatch(cx: &mut Cx, node: &JsonNode, path: Vec<PathElement>, data_type: &str) {
    let span = cx.node_span(node);
    cx.add(
        "DATA_TYPE_MISMATCH",
        &[("data_type", data_type)],
        path,
        span,
    );
}

/// A string or an array of strings. A value of another type is DATA_TYPE_MISMATCH and
/// `None`; nulls in arrays are skipped, as IAM skips them.
pub(crate) fn string_items<'n>(
    cx: &mut Cx,
    node: &'n JsonNode,
    path: &[PathElement],
) -> Option<Vec<Item<'n>>> {
    match &node.value {
        JsonValue::String(s) => Some(vec![Item {
            text: s,
            node,
            path: path.to_vec(),
        }]),
        JsonValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match &item.value {
                    JsonValue::String(s) => out.push(Item {
                        text: s,
                        node: item,
                        path: join(path, Index(i)),
                    }),
                    JsonValue::Null => {}
                    _ => {
                        mismatch(cx, item, join(path, Index(i)), "String");
                        ok = false;
                    }
                }
            }
            ok.then_some(out)
        }
        _ => {
            mismatch(cx, node, path.to_vec(), "Array");
            None
        }
    }
}

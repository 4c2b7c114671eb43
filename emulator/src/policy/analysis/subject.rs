//! The unit of analysis: one policy document and the kind of policy it is, named the way
//! reports name it. Its own file because the literal collection, the search and the reports
//! all read it, and none of them owns it.

use std::sync::Arc;

use crate::policy::model::Policy;
use crate::policy::validate::PolicyType;

/// A policy under analysis: its document and the kind of policy it is.
#[derive(Debug, Clone)]
pub struct Subject {
    /// What reports call it: a file name, or `existing` and `new`.
    pub name: Arc<str>,
    pub policy_type: PolicyType,
    pub policy: Arc<Policy>,
}

impl Subject {
    pub fn new(name: &str, policy_type: PolicyType, policy: Policy) -> Subject {
        Subject {
            name: Arc::from(name),
            policy_type,
            policy: Arc::new(policy),
        }
    }
}

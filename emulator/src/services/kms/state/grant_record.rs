//! One grant on a key, as CreateGrant recorded it. Its own file so the grant list and the
//! key state both import it without importing each other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GrantRecord {
    pub grant_id: String,
    pub grant_token: String,
    pub name: Option<String>,
    pub grantee_principal: String,
    pub retiring_principal: Option<String>,
    pub operations: Vec<String>,
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
    pub creation_date: f64,
    pub issuing_account: String,
}

impl GrantRecord {
    pub fn to_policy_grant(&self) -> crate::policy::Grant {
        let pairs = |m: &BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        crate::policy::Grant {
            grant_id: self.grant_id.clone(),
            grantee_principal: self.grantee_principal.clone(),
            operations: self.operations.clone(),
            encryption_context_equals: self.encryption_context_equals.as_ref().map(pairs),
            encryption_context_subset: self.encryption_context_subset.as_ref().map(pairs),
        }
    }
}

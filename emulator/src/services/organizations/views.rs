//! Accounts, OUs, roots and policies in the shapes of Organizations' model.

use serde_json::{json, Value};

use super::state::{Member, Organization, OrganizationalUnit, Policy};

pub(crate) fn account_view(org: &Organization, member: &Member) -> Value {
    json!({
        "Id": member.id,
        "Arn": org.account_arn(&member.id),
        "Email": member.email,
        "Name": member.name,
        "Status": member.status,
        "State": member.status,
        "JoinedMethod": member.joined_method,
        "JoinedTimestamp": member.joined_timestamp,
        "Paths": [org.path(&member.id)],
    })
}

pub(crate) fn ou_view(org: &Organization, ou: &OrganizationalUnit) -> Value {
    json!({
        "Id": ou.id,
        "Arn": org.ou_arn(&ou.id),
        "Name": ou.name,
        "Path": org.path(&ou.id),
    })
}

pub(crate) fn root_view(org: &Organization) -> Value {
    let types: Vec<Value> = org
        .root
        .policy_types
        .iter()
        .map(|t| json!({"Type": t, "Status": "ENABLED"}))
        .collect();
    json!({
        "Id": org.root.id,
        "Arn": org.root_arn(),
        "Name": org.root.name,
        "PolicyTypes": types,
    })
}

pub(crate) fn policy_summary(org: &Organization, policy: &Policy) -> Value {
    json!({
        "Id": policy.id,
        "Arn": org.policy_arn(policy),
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.policy_type,
        "AwsManaged": policy.aws_managed,
    })
}

pub(crate) fn policy_view(org: &Organization, policy: &Policy) -> Value {
    json!({
        "PolicySummary": policy_summary(org, policy),
        "Content": policy.content,
    })
}

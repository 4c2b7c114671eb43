//! The ARNs of IAM's users, roles, groups and policies.

pub fn user_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("user{path}{name}"))
}

pub fn role_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("role{path}{name}"))
}

pub fn group_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("group{path}{name}"))
}

pub fn policy_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("policy{path}{name}"))
}

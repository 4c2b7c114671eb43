//! Who is calling: the principal behind an access key, as the pipeline resolved it.

use serde::{Deserialize, Serialize};

/// The kind of principal, with what its ARN is built from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CallerKind {
    Root,
    #[serde(rename_all = "camelCase")]
    User {
        name: String,
        path: String,
    },
    #[serde(rename_all = "camelCase")]
    AssumedRole {
        role_name: String,
        role_path: String,
        role_id: String,
        session_name: String,
    },
    #[serde(rename_all = "camelCase")]
    FederatedUser {
        name: String,
    },
}

/// The authenticated principal of one request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    pub account: String,
    pub kind: CallerKind,
    /// `aws:userid`: the account id for root, AIDA... for users, `AROA...:session` for roles.
    pub user_id: String,
    pub access_key_id: String,
    /// The partition of the request's region: the pipeline sets it on every request, so the
    /// caller's ARN is `arn:aws-cn:...` when it signs for cn-north-1.
    #[serde(
        default = "crate::arn::default_caller_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: std::borrow::Cow<'static, str>,
}

impl Caller {
    pub fn root(account: &str, access_key_id: &str) -> Caller {
        Caller {
            account: account.to_owned(),
            kind: CallerKind::Root,
            user_id: account.to_owned(),
            access_key_id: access_key_id.to_owned(),
            partition: crate::arn::default_caller_partition(),
        }
    }

    /// The ARN AWS reports for this principal (GetCallerIdentity, AccessDenied messages).
    pub fn arn(&self) -> String {
        let (account, partition) = (&self.account, &*self.partition);
        match &self.kind {
            CallerKind::Root => crate::arn::root(partition, account),
            CallerKind::User { name, path } => {
                crate::arn::global(partition, "iam", account, &format!("user{path}{name}"))
            }
            CallerKind::AssumedRole {
                role_name,
                session_name,
                ..
            } => crate::arn::global(
                partition,
                "sts",
                account,
                &format!("assumed-role/{role_name}/{session_name}"),
            ),
            CallerKind::FederatedUser { name } => {
                crate::arn::global(partition, "sts", account, &format!("federated-user/{name}"))
            }
        }
    }
}

/// An access key keyhole issued (IAM CreateAccessKey, STS session credentials).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCredential {
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Epoch seconds after which the key is refused; `None` for long-term keys.
    pub expiration: Option<f64>,
    pub active: bool,
    pub caller: Caller,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_aws_formats() {
        let root = Caller::root("111111111111", "111111111111");
        assert_eq!(root.arn(), "arn:aws:iam::111111111111:root");
        let session = Caller {
            kind: CallerKind::AssumedRole {
                role_name: "Admin".into(),
                role_path: "/".into(),
                role_id: "AROAEXAMPLE".into(),
                session_name: "s1".into(),
            },
            ..root.clone()
        };
        assert_eq!(
            session.arn(),
            "arn:aws:sts::111111111111:assumed-role/Admin/s1"
        );
        let user = Caller {
            kind: CallerKind::User {
                name: "alice".into(),
                path: "/eng/".into(),
            },
            ..root
        };
        assert_eq!(user.arn(), "arn:aws:iam::111111111111:user/eng/alice");
    }
}

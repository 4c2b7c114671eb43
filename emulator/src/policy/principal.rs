//! Who is asking: a principal (root, user, role, role session, federated user, service,
//! anonymous) with the attributes the global `aws:Principal*` keys are derived from, built
//! from its parts or read from its ARN.

use crate::arn::{global, DEFAULT_PARTITION};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// The account's root user.
    Root,
    User,
    /// An IAM role itself (not a session); seen in trust-policy checks.
    Role,
    AssumedRole,
    FederatedUser,
    /// A SAML or web-identity provider calling AssumeRoleWith*.
    WebIdentity,
    Service,
    Anonymous,
}

impl PrincipalType {
    /// The value of `aws:PrincipalType`.
    pub fn condition_value(self) -> Option<&'static str> {
        match self {
            PrincipalType::Root => Some("Account"),
            PrincipalType::User => Some("User"),
            PrincipalType::Role | PrincipalType::AssumedRole => Some("AssumedRole"),
            PrincipalType::FederatedUser => Some("FederatedUser"),
            PrincipalType::WebIdentity => Some("WebIdentityUser"),
            PrincipalType::Anonymous => Some("Anonymous"),
            PrincipalType::Service => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a principal ARN: {0}")]
pub struct PrincipalError(pub String);

/// The caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The caller's ARN (session ARN for sessions; the service name for services).
    pub arn: String,
    pub kind: PrincipalType,
    pub account: Option<String>,
    /// For sessions: the role's ARN, with its path.
    pub role_arn: Option<String>,
    /// User name or session name.
    pub name: Option<String>,
    pub service: Option<String>,
    pub federated_provider: Option<String>,
    pub canonical_user: Option<String>,
    /// `aws:userid` (unique ID); root defaults to the account ID.
    pub userid: Option<String>,
    pub tags: Vec<(String, String)>,
    pub org_id: Option<String>,
    pub org_paths: Vec<String>,
    pub service_linked_role: bool,
    pub management_account: bool,
}

impl Principal {
    fn base(arn: String, kind: PrincipalType, account: Option<String>) -> Principal {
        Principal {
            arn,
            kind,
            account,
            role_arn: None,
            name: None,
            service: None,
            federated_provider: None,
            canonical_user: None,
            userid: None,
            tags: Vec::new(),
            org_id: None,
            org_paths: Vec::new(),
            service_linked_role: false,
            management_account: false,
        }
    }

    /// The root of `account` in the standard partition; `root_in` for any other.
    pub fn root(account: &str) -> Principal {
        Principal::root_in(DEFAULT_PARTITION, account)
    }

    pub fn root_in(partition: &str, account: &str) -> Principal {
        let mut p = Principal::base(
            crate::arn::root(partition, account),
            PrincipalType::Root,
            Some(account.into()),
        );
        p.userid = Some(account.into());
        p
    }

    /// `path_and_name` is e.g. `alice` or `division/alice`.
    pub fn user(account: &str, path_and_name: &str) -> Principal {
        Principal::user_in(DEFAULT_PARTITION, account, path_and_name)
    }

    pub fn user_in(partition: &str, account: &str, path_and_name: &str) -> Principal {
        let mut p = Principal::base(
            global(partition, "iam", account, &format!("user/{path_and_name}")),
            PrincipalType::User,
            Some(account.into()),
        );
        p.name = path_and_name.rsplit('/').next().map(str::to_string);
        p
    }

    /// A session of role `path_and_name` (e.g. `aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`).
    pub fn assumed_role(account: &str, path_and_name: &str, session: &str) -> Principal {
        Principal::assumed_role_in(DEFAULT_PARTITION, account, path_and_name, session)
    }

    pub fn assumed_role_in(
        partition: &str,
        account: &str,
        path_and_name: &str,
        session: &str,
    ) -> Principal {
        let role_name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
        let mut p = Principal::base(
            global(
                partition,
                "sts",
                account,
                &format!("assumed-role/{role_name}/{session}"),
            ),
            PrincipalType::AssumedRole,
            Some(account.into()),
        );
        p.role_arn = Some(global(
            partition,
            "iam",
            account,
            &format!("role/{path_and_name}"),
        ));
        p.name = Some(session.into());
        p.service_linked_role = path_and_name.starts_with("aws-service-role/");
        p
    }

    pub fn federated_user(account: &str, name: &str) -> Principal {
        Principal::federated_user_in(DEFAULT_PARTITION, account, name)
    }

    pub fn federated_user_in(partition: &str, account: &str, name: &str) -> Principal {
        let mut p = Principal::base(
            global(partition, "sts", account, &format!("federated-user/{name}")),
            PrincipalType::FederatedUser,
            Some(account.into()),
        );
        p.name = Some(name.into());
        p
    }

    pub fn service(name: &str) -> Principal {
        let mut p = Principal::base(name.into(), PrincipalType::Service, None);
        p.service = Some(name.into());
        p
    }

    pub fn anonymous() -> Principal {
        Principal::base("anonymous".into(), PrincipalType::Anonymous, None)
    }

    /// Reads a caller ARN: `:root`, `:user/...`, `:role/...`,
    /// `:assumed-role/R/S`, `:federated-user/N`, or a service principal name.
    pub fn from_arn(arn: &str) -> Result<Principal, PrincipalError> {
        let bad = || PrincipalError(arn.to_string());
        if arn.ends_with(".amazonaws.com") && !arn.starts_with("arn:") {
            return Ok(Principal::service(arn));
        }
        if arn == "*" || arn == "anonymous" {
            return Ok(Principal::anonymous());
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, service, _, account, resource] = parts[..] else {
            return Err(bad());
        };
        if partition.is_empty()
            || account.len() != 12
            || !account.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let mut p = match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => Principal::root_in(partition, account),
            ("iam", Some(("user", rest))) if !rest.is_empty() => {
                Principal::user_in(partition, account, rest)
            }
            ("iam", Some(("role", rest))) if !rest.is_empty() => {
                let mut p = Principal::base(arn.into(), PrincipalType::Role, Some(account.into()));
                p.role_arn = Some(arn.into());
                p.name = rest.rsplit('/').next().map(str::to_string);
                p.service_linked_role = rest.starts_with("aws-service-role/");
                p
            }
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    let mut p = Principal::assumed_role_in(partition, account, role, session);
                    p.service_linked_role = role.starts_with("AWSServiceRoleFor");
                    p
                }
                _ => return Err(bad()),
            },
            ("sts", Some(("federated-user", rest))) if !rest.is_empty() => {
                Principal::federated_user_in(partition, account, rest)
            }
            _ => return Err(bad()),
        };
        p.arn = arn.to_string();
        Ok(p)
    }

    pub fn with_role_arn(mut self, role_arn: &str) -> Principal {
        self.service_linked_role = role_arn.contains(":role/aws-service-role/");
        self.role_arn = Some(role_arn.into());
        self
    }

    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> Principal {
        self.tags = tags;
        self
    }

    pub fn with_org(mut self, org_id: &str, paths: Vec<String>) -> Principal {
        self.org_id = Some(org_id.into());
        self.org_paths = paths;
        self
    }

    pub fn with_userid(mut self, userid: &str) -> Principal {
        self.userid = Some(userid.into());
        self
    }

    pub fn with_management_account(mut self, yes: bool) -> Principal {
        self.management_account = yes;
        self
    }

    pub fn with_service_linked_role(mut self, yes: bool) -> Principal {
        self.service_linked_role = yes;
        self
    }

    /// Whether this principal's own IAM policies are evaluated at all.
    pub fn has_identity_policies(&self) -> bool {
        !matches!(
            self.kind,
            PrincipalType::Service | PrincipalType::Anonymous | PrincipalType::WebIdentity
        )
    }

    pub fn is_session(&self) -> bool {
        matches!(
            self.kind,
            PrincipalType::AssumedRole | PrincipalType::FederatedUser
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_from_arn() {
        let p = Principal::from_arn("arn:aws:sts::111122223333:assumed-role/Admin/s1").unwrap();
        assert_eq!(p.kind, PrincipalType::AssumedRole);
        assert_eq!(
            p.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/Admin")
        );
        assert_eq!(
            Principal::from_arn("arn:aws:iam::111122223333:root")
                .unwrap()
                .kind,
            PrincipalType::Root
        );
        assert!(Principal::from_arn("arn:aws:iam::1:root").is_err());
        assert_eq!(
            Principal::from_arn("backup.amazonaws.com").unwrap().kind,
            PrincipalType::Service
        );
    }

    #[test]
    fn principal_arns_of_any_partition_keep_it() {
        let p = Principal::from_arn("arn:aws-cn:sts::111122223333:assumed-role/Admin/s1").unwrap();
        assert_eq!(p.arn, "arn:aws-cn:sts::111122223333:assumed-role/Admin/s1");
        assert_eq!(
            p.role_arn.as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/Admin")
        );
        assert_eq!(
            Principal::root_in("aws-us-gov", "111122223333").arn,
            "arn:aws-us-gov:iam::111122223333:root"
        );
    }
}

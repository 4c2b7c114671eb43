//! The principals a backup or copy job acts as: its IAM role, and the account's
//! AWSServiceRoleForBackup, each as an assumed-role session of AWS Backup; and the creation
//! of that service-linked role with an account's first vault.

use crate::world::{Caller, CallerKind, World};

/// Whether `role_arn` names an existing IAM role.
pub fn role_exists(world: &World, role_arn: &str) -> bool {
    crate::world::iam::access::principal_exists(world, role_arn) && role_arn.contains(":role/")
}

/// The principal a job acts as: its IAM role, as an assumed-role session of Backup.
pub fn role_caller(world: &World, role_arn: &str) -> Caller {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let account = parts.get(4).copied().unwrap_or_default().to_owned();
    let resource = parts.get(5).copied().unwrap_or_default();
    let rest = resource.strip_prefix("role").unwrap_or(resource);
    let (path, name) = match rest.rfind('/') {
        Some(i) => (rest[..=i].to_owned(), rest[i + 1..].to_owned()),
        None => ("/".to_owned(), rest.to_owned()),
    };
    let role_id = world
        .accounts
        .get(&account)
        .and_then(|a| a.iam.roles.values().find(|r| r.name == name))
        .map(|r| r.id.clone())
        .unwrap_or_else(|| "AROAKEYHOLEBACKUP".to_owned());
    let session_name = "AWSBackup".to_owned();
    Caller {
        partition: crate::arn::partition_of(role_arn)
            .unwrap_or(crate::arn::DEFAULT_PARTITION)
            .to_owned()
            .into(),
        account,
        user_id: format!("{role_id}:{session_name}"),
        kind: CallerKind::AssumedRole {
            role_name: name,
            role_path: path,
            role_id,
            session_name,
        },
        access_key_id: String::new(),
    }
}

/// The account's AWSServiceRoleForBackup, acting for Backup in `partition`.
pub fn service_role_caller(world: &World, partition: &str, account: &str) -> Caller {
    role_caller(
        world,
        &crate::arn::global(
            partition,
            "iam",
            account,
            "role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
        ),
    )
}

/// Backup creates its service-linked role with the first vault of an account.
pub(crate) fn ensure_service_linked_role(world: &mut World, account: &str, region: &str, now: f64) {
    let has_slr = world.accounts.get(account).is_some_and(|a| {
        a.iam
            .roles
            .values()
            .any(|r| r.name == "AWSServiceRoleForBackup")
    });
    if !has_slr {
        // Fails only when the role exists already under another key; either way it exists.
        let _ = crate::services::iam::roles::create_service_linked(
            world,
            crate::world::partition(region),
            account,
            "backup.amazonaws.com",
            None,
            None,
            now,
        );
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn service_role_is_the_backup_slr() {
        let caller = service_role_caller(&World::default(), "aws", "222222222222");
        assert_eq!(
            caller.arn(),
            "arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForBackup/AWSBackup"
        );
    }
}

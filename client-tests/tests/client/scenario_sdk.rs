//! The AWS SDK for Rust as a scenario transport: keyhole's own runner
//! (`keyhole::scenario::run_with`) makes every call through the SDK, over HTTP, with SigV4.
//! The SDK's operations are typed, so calls go through a dispatch table: one row per
//! operation the scenarios use, building the request from the scenario's JSON input (members
//! named as in the model) and giving back the answer's members as JSON. A call the table
//! lacks fails the scenario and names the row to add.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::error::SdkError;
use keyhole::scenario::{CallError, Credentials, Transport};
use keyhole::Emulator;
use serde_json::{json, Value};

pub struct SdkTransport<'e> {
    pub emu: &'e Emulator,
    pub runtime: tokio::runtime::Handle,
}

impl Transport for SdkTransport<'_> {
    fn call(
        &mut self,
        credentials: &Credentials,
        region: &str,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, CallError> {
        let config = self.runtime.block_on(config(self.emu, credentials, region));
        self.runtime
            .block_on(dispatch(&config, service, operation, &input))
    }

    fn admin(&mut self, method: &str, path: &str, body: &Value) -> Result<Value, String> {
        let (status, text) = match method {
            "GET" => self
                .runtime
                .block_on(crate::common::admin_get(self.emu, path)),
            _ => self
                .runtime
                .block_on(crate::common::admin_post(self.emu, path, body)),
        };
        if status == 200 {
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        } else {
            Err(format!("{path}: HTTP {status}: {text}"))
        }
    }
}

async fn config(emu: &Emulator, c: &Credentials, region: &str) -> SdkConfig {
    let credentials = aws_credential_types::Credentials::new(
        &c.access_key_id,
        &c.secret_access_key,
        c.session_token.clone(),
        None,
        "scenario",
    );
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint_url())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

/// The error as the scenario compares it: code, HTTP status, message.
fn failed<E: ProvideErrorMetadata + std::fmt::Debug>(e: SdkError<E, HttpResponse>) -> CallError {
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    match e.as_service_error() {
        Some(service) => CallError {
            code: service.code().unwrap_or_default().to_owned(),
            status,
            message: service.message().unwrap_or_default().to_owned(),
        },
        None => CallError {
            code: "SdkError".into(),
            status,
            message: format!("{e:?}"),
        },
    }
}

fn text(input: &Value, member: &str) -> Option<String> {
    input.get(member).and_then(Value::as_str).map(str::to_owned)
}

fn int(input: &Value, member: &str) -> Option<i64> {
    input.get(member).and_then(Value::as_i64)
}

/// One row per operation the scenarios call, plus the ones the runner uses for `as`.
async fn dispatch(
    config: &SdkConfig,
    service: &str,
    operation: &str,
    i: &Value,
) -> Result<Value, CallError> {
    let kms = || aws_sdk_kms::Client::new(config);
    let backup = || aws_sdk_backup::Client::new(config);
    let orgs = || aws_sdk_organizations::Client::new(config);
    let iam = || aws_sdk_iam::Client::new(config);
    let sts = || aws_sdk_sts::Client::new(config);
    Ok(match (service, operation) {
        ("kms", "CreateKey") => {
            let o = kms()
                .create_key()
                .set_description(text(i, "Description"))
                .set_policy(text(i, "Policy"))
                .send()
                .await
                .map_err(failed)?;
            let m = o.key_metadata();
            json!({"KeyMetadata": {
                "KeyId": m.map(|m| m.key_id()),
                "Arn": m.and_then(|m| m.arn()),
                "KeyState": m.and_then(|m| m.key_state()).map(|s| s.as_str()),
            }})
        }
        ("kms", "PutKeyPolicy") => {
            kms()
                .put_key_policy()
                .set_key_id(text(i, "KeyId"))
                .set_policy_name(text(i, "PolicyName"))
                .set_policy(text(i, "Policy"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("kms", "EnableKey") => {
            kms().enable_key().set_key_id(text(i, "KeyId")).send().await.map_err(failed)?;
            json!({})
        }
        ("kms", "DisableKey") => {
            kms().disable_key().set_key_id(text(i, "KeyId")).send().await.map_err(failed)?;
            json!({})
        }
        ("kms", "ScheduleKeyDeletion") => {
            let o = kms()
                .schedule_key_deletion()
                .set_key_id(text(i, "KeyId"))
                .set_pending_window_in_days(int(i, "PendingWindowInDays").map(|d| d as i32))
                .send()
                .await
                .map_err(failed)?;
            json!({"KeyId": o.key_id(), "KeyState": o.key_state().map(|s| s.as_str())})
        }
        ("kms", "CancelKeyDeletion") => {
            let o = kms()
                .cancel_key_deletion()
                .set_key_id(text(i, "KeyId"))
                .send()
                .await
                .map_err(failed)?;
            json!({"KeyId": o.key_id()})
        }
        ("kms", "DescribeKey") => {
            let o = kms().describe_key().set_key_id(text(i, "KeyId")).send().await.map_err(failed)?;
            let m = o.key_metadata();
            json!({"KeyMetadata": {
                "KeyId": m.map(|m| m.key_id()),
                "Arn": m.and_then(|m| m.arn()),
                "KeyState": m.and_then(|m| m.key_state()).map(|s| s.as_str()),
            }})
        }
        ("kms", "CreateAlias") => {
            kms()
                .create_alias()
                .set_alias_name(text(i, "AliasName"))
                .set_target_key_id(text(i, "TargetKeyId"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("organizations", "CreateOrganization") => {
            let o = orgs()
                .create_organization()
                .set_feature_set(text(i, "FeatureSet").map(|f| f.as_str().into()))
                .send()
                .await
                .map_err(failed)?;
            let org = o.organization();
            json!({"Organization": {
                "Id": org.and_then(|o| o.id()),
                "Arn": org.and_then(|o| o.arn()),
                "MasterAccountId": org.and_then(|o| o.master_account_id()),
            }})
        }
        ("organizations", "InviteAccountToOrganization") => {
            let target = aws_sdk_organizations::types::HandshakeParty::builder()
                .set_id(i["Target"]["Id"].as_str().map(str::to_owned))
                .set_type(i["Target"]["Type"].as_str().map(Into::into))
                .build()
                .map_err(|e| build_error(&e))?;
            let o = orgs()
                .invite_account_to_organization()
                .target(target)
                .send()
                .await
                .map_err(failed)?;
            json!({"Handshake": {"Id": o.handshake().and_then(|h| h.id())}})
        }
        ("organizations", "AcceptHandshake") => {
            let o = orgs()
                .accept_handshake()
                .set_handshake_id(text(i, "HandshakeId"))
                .send()
                .await
                .map_err(failed)?;
            json!({"Handshake": {
                "Id": o.handshake().and_then(|h| h.id()),
                "State": o.handshake().and_then(|h| h.state()).map(|s| s.as_str()),
            }})
        }
        ("organizations", "LeaveOrganization") => {
            orgs().leave_organization().send().await.map_err(failed)?;
            json!({})
        }
        ("organizations", "ListRoots") => {
            let o = orgs().list_roots().send().await.map_err(failed)?;
            let roots: Vec<Value> = o
                .roots()
                .iter()
                .map(|r| json!({"Id": r.id(), "Arn": r.arn(), "Name": r.name()}))
                .collect();
            json!({"Roots": roots})
        }
        ("organizations", "EnablePolicyType") => {
            orgs()
                .enable_policy_type()
                .set_root_id(text(i, "RootId"))
                .set_policy_type(text(i, "PolicyType").map(|t| t.as_str().into()))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("organizations", "CreatePolicy") => {
            let o = orgs()
                .create_policy()
                .set_name(text(i, "Name"))
                .set_description(text(i, "Description"))
                .set_type(text(i, "Type").map(|t| t.as_str().into()))
                .set_content(text(i, "Content"))
                .send()
                .await
                .map_err(failed)?;
            let summary = o.policy().and_then(|p| p.policy_summary());
            json!({"Policy": {"PolicySummary": {
                "Id": summary.and_then(|s| s.id()),
                "Arn": summary.and_then(|s| s.arn()),
                "Name": summary.and_then(|s| s.name()),
            }}})
        }
        ("organizations", "UpdatePolicy") => {
            orgs()
                .update_policy()
                .set_policy_id(text(i, "PolicyId"))
                .set_content(text(i, "Content"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("organizations", "AttachPolicy") => {
            orgs()
                .attach_policy()
                .set_policy_id(text(i, "PolicyId"))
                .set_target_id(text(i, "TargetId"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("organizations", "DetachPolicy") => {
            orgs()
                .detach_policy()
                .set_policy_id(text(i, "PolicyId"))
                .set_target_id(text(i, "TargetId"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "UpdateGlobalSettings") => {
            let settings = i["GlobalSettings"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                });
            backup()
                .update_global_settings()
                .set_global_settings(settings)
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "CreateBackupVault") => {
            let o = backup()
                .create_backup_vault()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .set_encryption_key_arn(text(i, "EncryptionKeyArn"))
                .send()
                .await
                .map_err(failed)?;
            json!({"BackupVaultName": o.backup_vault_name(), "BackupVaultArn": o.backup_vault_arn()})
        }
        ("backup", "DeleteBackupVault") => {
            backup()
                .delete_backup_vault()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "PutBackupVaultAccessPolicy") => {
            backup()
                .put_backup_vault_access_policy()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .set_policy(text(i, "Policy"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "DeleteBackupVaultAccessPolicy") => {
            backup()
                .delete_backup_vault_access_policy()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "PutBackupVaultLockConfiguration") => {
            backup()
                .put_backup_vault_lock_configuration()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .set_min_retention_days(int(i, "MinRetentionDays"))
                .set_max_retention_days(int(i, "MaxRetentionDays"))
                .set_changeable_for_days(int(i, "ChangeableForDays"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("backup", "StartBackupJob") => {
            let o = backup()
                .start_backup_job()
                .set_backup_vault_name(text(i, "BackupVaultName"))
                .set_resource_arn(text(i, "ResourceArn"))
                .set_iam_role_arn(text(i, "IamRoleArn"))
                .send()
                .await
                .map_err(failed)?;
            json!({"BackupJobId": o.backup_job_id(), "RecoveryPointArn": o.recovery_point_arn()})
        }
        ("backup", "StartCopyJob") => {
            let lifecycle = i.get("Lifecycle").map(|l| {
                aws_sdk_backup::types::Lifecycle::builder()
                    .set_delete_after_days(int(l, "DeleteAfterDays"))
                    .set_move_to_cold_storage_after_days(int(l, "MoveToColdStorageAfterDays"))
                    .build()
            });
            let o = backup()
                .start_copy_job()
                .set_recovery_point_arn(text(i, "RecoveryPointArn"))
                .set_source_backup_vault_name(text(i, "SourceBackupVaultName"))
                .set_destination_backup_vault_arn(text(i, "DestinationBackupVaultArn"))
                .set_iam_role_arn(text(i, "IamRoleArn"))
                .set_lifecycle(lifecycle)
                .send()
                .await
                .map_err(failed)?;
            json!({"CopyJobId": o.copy_job_id()})
        }
        ("backup", "DescribeCopyJob") => {
            let o = backup()
                .describe_copy_job()
                .set_copy_job_id(text(i, "CopyJobId"))
                .send()
                .await
                .map_err(failed)?;
            let job = o.copy_job();
            json!({"CopyJob": {
                "CopyJobId": job.and_then(|j| j.copy_job_id()),
                "State": job.and_then(|j| j.state()).map(|s| s.as_str()),
                "StatusMessage": job.and_then(|j| j.status_message()),
                "MessageCategory": job.and_then(|j| j.message_category()),
                "DestinationBackupVaultArn": job.and_then(|j| j.destination_backup_vault_arn()),
                "DestinationRecoveryPointArn": job.and_then(|j| j.destination_recovery_point_arn()),
            }})
        }
        ("backup", "DescribeBackupJob") => {
            let o = backup()
                .describe_backup_job()
                .set_backup_job_id(text(i, "BackupJobId"))
                .send()
                .await
                .map_err(failed)?;
            json!({
                "BackupJobId": o.backup_job_id(),
                "State": o.state().map(|s| s.as_str()),
                "StatusMessage": o.status_message(),
                "RecoveryPointArn": o.recovery_point_arn(),
            })
        }
        ("iam", "CreateServiceLinkedRole") => {
            let o = iam()
                .create_service_linked_role()
                .set_aws_service_name(text(i, "AWSServiceName"))
                .send()
                .await
                .map_err(failed)?;
            json!({"Role": {"Arn": o.role().map(|r| r.arn()), "RoleName": o.role().map(|r| r.role_name())}})
        }
        ("iam", "CreateRole") => {
            let o = iam()
                .create_role()
                .set_role_name(text(i, "RoleName"))
                .set_path(text(i, "Path"))
                .set_assume_role_policy_document(text(i, "AssumeRolePolicyDocument"))
                .send()
                .await
                .map_err(failed)?;
            json!({"Role": {"Arn": o.role().map(|r| r.arn()), "RoleName": o.role().map(|r| r.role_name())}})
        }
        ("iam", "GetRole") => {
            let o = iam().get_role().set_role_name(text(i, "RoleName")).send().await.map_err(failed)?;
            json!({"Role": {"Arn": o.role().map(|r| r.arn()), "RoleName": o.role().map(|r| r.role_name())}})
        }
        ("iam", "UpdateAssumeRolePolicy") => {
            iam()
                .update_assume_role_policy()
                .set_role_name(text(i, "RoleName"))
                .set_policy_document(text(i, "PolicyDocument"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("iam", "AttachRolePolicy") => {
            iam()
                .attach_role_policy()
                .set_role_name(text(i, "RoleName"))
                .set_policy_arn(text(i, "PolicyArn"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("iam", "DetachRolePolicy") => {
            iam()
                .detach_role_policy()
                .set_role_name(text(i, "RoleName"))
                .set_policy_arn(text(i, "PolicyArn"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("iam", "CreatePolicy") => {
            let o = iam()
                .create_policy()
                .set_policy_name(text(i, "PolicyName"))
                .set_policy_document(text(i, "PolicyDocument"))
                .send()
                .await
                .map_err(failed)?;
            json!({"Policy": {"Arn": o.policy().and_then(|p| p.arn()), "PolicyName": o.policy().and_then(|p| p.policy_name())}})
        }
        ("iam", "CreatePolicyVersion") => {
            let o = iam()
                .create_policy_version()
                .set_policy_arn(text(i, "PolicyArn"))
                .set_policy_document(text(i, "PolicyDocument"))
                .set_set_as_default(i.get("SetAsDefault").and_then(Value::as_bool))
                .send()
                .await
                .map_err(failed)?;
            json!({"PolicyVersion": {"VersionId": o.policy_version().and_then(|v| v.version_id())}})
        }
        ("iam", "PutRolePermissionsBoundary") => {
            iam()
                .put_role_permissions_boundary()
                .set_role_name(text(i, "RoleName"))
                .set_permissions_boundary(text(i, "PermissionsBoundary"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("iam", "CreateUser") => {
            let o = iam().create_user().set_user_name(text(i, "UserName")).send().await.map_err(failed)?;
            json!({"User": {"Arn": o.user().map(|u| u.arn()), "UserName": o.user().map(|u| u.user_name())}})
        }
        ("iam", "PutUserPolicy") => {
            iam()
                .put_user_policy()
                .set_user_name(text(i, "UserName"))
                .set_policy_name(text(i, "PolicyName"))
                .set_policy_document(text(i, "PolicyDocument"))
                .send()
                .await
                .map_err(failed)?;
            json!({})
        }
        ("iam", "CreateAccessKey") => {
            let o = iam()
                .create_access_key()
                .set_user_name(text(i, "UserName"))
                .send()
                .await
                .map_err(failed)?;
            let key = o.access_key();
            json!({"AccessKey": {
                "AccessKeyId": key.map(|k| k.access_key_id()),
                "SecretAccessKey": key.map(|k| k.secret_access_key()),
            }})
        }
        ("sts", "AssumeRole") => {
            let o = sts()
                .assume_role()
                .set_role_arn(text(i, "RoleArn"))
                .set_role_session_name(text(i, "RoleSessionName"))
                .send()
                .await
                .map_err(failed)?;
            let c = o.credentials();
            json!({"Credentials": {
                "AccessKeyId": c.map(|c| c.access_key_id()),
                "SecretAccessKey": c.map(|c| c.secret_access_key()),
                "SessionToken": c.map(|c| c.session_token()),
            }})
        }
        _ => {
            return Err(CallError {
                code: "NotInTheRustSdkTable".into(),
                status: 0,
                message: format!(
                    "the Rust SDK driver has no row for {service}:{operation}: add one to client-tests/tests/client/scenario_sdk.rs"
                ),
            })
        }
    })
}

fn build_error(e: &impl std::fmt::Display) -> CallError {
    CallError {
        code: "BuildError".into(),
        status: 0,
        message: e.to_string(),
    }
}

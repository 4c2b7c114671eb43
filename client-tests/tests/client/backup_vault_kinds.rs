//! Logically air-gapped and restore access vaults, MPA approval teams, composite recovery
//! points, backup indexes and malware scan jobs through the AWS SDK for Rust: one test per
//! operation, each asserting on the parsed response.

use aws_sdk_backup::types::{
    Index, IndexStatus, MalwareScanner, MpaSessionStatus, ScanJobStatus, ScanMode,
    ScanResultStatus, ScanState, VaultState, VaultType,
};
use keyhole::Emulator;

use crate::backup_common::{self, advance, backup_role, client, job_duration};

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
const ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";
const TEAM: &str = "arn:aws:mpa:us-east-1:111111111111:approval-team/team-1";
const TEAM2: &str = "arn:aws:mpa:us-east-1:111111111111:approval-team/team-2";

async fn lag(backup: &aws_sdk_backup::Client, name: &str) -> String {
    let out = backup
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name(name)
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .expect("CreateLogicallyAirGappedBackupVault");
    out.backup_vault_arn().expect("arn").to_owned()
}

async fn associate(backup: &aws_sdk_backup::Client, name: &str, team: &str) {
    backup
        .associate_backup_vault_mpa_approval_team()
        .backup_vault_name(name)
        .mpa_approval_team_arn(team)
        .send()
        .await
        .expect("AssociateBackupVaultMpaApprovalTeam");
}

/// OWNER's vault `v1` with a completed backup of VOLUME; its recovery point ARN.
async fn recovery_point(emu: &Emulator, backup: &aws_sdk_backup::Client) -> String {
    backup_role(emu, OWNER).await;
    backup
        .create_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .expect("CreateBackupVault");
    let job = backup
        .start_backup_job()
        .backup_vault_name("v1")
        .resource_arn(VOLUME)
        .iam_role_arn(ROLE)
        .send()
        .await
        .expect("StartBackupJob");
    job.recovery_point_arn().expect("recovery point").to_owned()
}

async fn start_scan(backup: &aws_sdk_backup::Client, rp: &str) -> String {
    let out = backup
        .start_scan_job()
        .backup_vault_name("v1")
        .recovery_point_arn(rp)
        .iam_role_arn(ROLE)
        .scanner_role_arn(ROLE)
        .malware_scanner(MalwareScanner::Guardduty)
        .scan_mode(ScanMode::FullScan)
        .send()
        .await
        .expect("StartScanJob");
    assert!(out.creation_date().secs() > 0);
    out.scan_job_id().to_owned()
}

#[tokio::test]
async fn sdk_create_logically_air_gapped_backup_vault() {
    let (emu, backup) = backup_common::start(OWNER).await;
    job_duration(&emu, 60.0).await;
    let out = backup
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag1")
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .expect("CreateLogicallyAirGappedBackupVault");
    assert_eq!(
        out.backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:111111111111:backup-vault:lag1")
    );
    assert_eq!(out.vault_state(), Some(&VaultState::Creating));
    let d = backup
        .describe_backup_vault()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("DescribeBackupVault");
    assert_eq!(
        d.vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
    assert_eq!(d.vault_state(), Some(&VaultState::Creating));
    assert_eq!(d.locked(), Some(true));
    assert_eq!(d.min_retention_days(), Some(7));
    assert_eq!(d.max_retention_days(), Some(30));
    advance(&emu, 61.0).await;
    let listed = backup
        .list_backup_vaults()
        .by_vault_type(VaultType::LogicallyAirGappedBackupVault)
        .send()
        .await
        .expect("ListBackupVaults");
    let vaults = listed.backup_vault_list();
    assert_eq!(vaults.len(), 1);
    assert_eq!(vaults[0].vault_state(), Some(&VaultState::Available));
    let err = backup
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag2")
        .min_retention_days(1)
        .max_retention_days(30)
        .send()
        .await
        .expect_err("below the 7-day minimum");
    backup_common::assert_error(
        &err,
        "InvalidParameterValueException",
        "MinRetentionDays must be greater than or equal to 7",
    );
}

#[tokio::test]
async fn sdk_associate_backup_vault_mpa_approval_team() {
    let (emu, backup) = backup_common::start(OWNER).await;
    lag(&backup, "lag1").await;
    associate(&backup, "lag1", TEAM).await;
    let d = backup
        .describe_backup_vault()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("DescribeBackupVault");
    assert_eq!(d.mpa_approval_team_arn(), Some(TEAM));
    job_duration(&emu, 60.0).await;
    associate(&backup, "lag1", TEAM2).await;
    let d = backup
        .describe_backup_vault()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("DescribeBackupVault");
    assert_eq!(d.mpa_approval_team_arn(), Some(TEAM));
    let update = d.latest_mpa_approval_team_update().expect("update");
    assert_eq!(update.status(), Some(&MpaSessionStatus::Pending));
}

#[tokio::test]
async fn sdk_disassociate_backup_vault_mpa_approval_team() {
    let (_emu, backup) = backup_common::start(OWNER).await;
    lag(&backup, "lag1").await;
    let err = backup
        .disassociate_backup_vault_mpa_approval_team()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect_err("no team yet");
    backup_common::assert_error(
        &err,
        "InvalidRequestException",
        "No MPA approval team is associated with backup vault lag1",
    );
    associate(&backup, "lag1", TEAM).await;
    backup
        .disassociate_backup_vault_mpa_approval_team()
        .backup_vault_name("lag1")
        .requester_comment("no longer needed")
        .send()
        .await
        .expect("DisassociateBackupVaultMpaApprovalTeam");
    let d = backup
        .describe_backup_vault()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("DescribeBackupVault");
    assert_eq!(d.mpa_approval_team_arn(), None);
    let update = d.latest_mpa_approval_team_update().expect("update");
    assert_eq!(update.status(), Some(&MpaSessionStatus::Approved));
}

#[tokio::test]
async fn sdk_create_restore_access_backup_vault() {
    let (_emu, backup) = backup_common::start(OWNER).await;
    let source = lag(&backup, "lag1").await;
    associate(&backup, "lag1", TEAM).await;
    let out = backup
        .create_restore_access_backup_vault()
        .source_backup_vault_arn(&source)
        .backup_vault_name("recover1")
        .requester_comment("restore test")
        .send()
        .await
        .expect("CreateRestoreAccessBackupVault");
    assert_eq!(
        out.restore_access_backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:111111111111:backup-vault:recover1")
    );
    assert_eq!(out.restore_access_backup_vault_name(), Some("recover1"));
    assert_eq!(out.vault_state(), Some(&VaultState::Creating));
    let d = backup
        .describe_backup_vault()
        .backup_vault_name("recover1")
        .send()
        .await
        .expect("DescribeBackupVault");
    assert_eq!(d.vault_type(), Some(&VaultType::RestoreAccessBackupVault));
    assert_eq!(d.source_backup_vault_arn(), Some(source.as_str()));
}

#[tokio::test]
async fn sdk_list_restore_access_backup_vaults() {
    let (_emu, backup) = backup_common::start(OWNER).await;
    let source = lag(&backup, "lag1").await;
    associate(&backup, "lag1", TEAM).await;
    let created = backup
        .create_restore_access_backup_vault()
        .source_backup_vault_arn(&source)
        .send()
        .await
        .expect("CreateRestoreAccessBackupVault");
    let listed = backup
        .list_restore_access_backup_vaults()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("ListRestoreAccessBackupVaults");
    let vaults = listed.restore_access_backup_vaults();
    assert_eq!(vaults.len(), 1);
    assert_eq!(
        vaults[0].restore_access_backup_vault_arn(),
        created.restore_access_backup_vault_arn()
    );
    assert_eq!(vaults[0].vault_state(), Some(&VaultState::Available));
    assert!(vaults[0].approval_date().is_some());
}

#[tokio::test]
async fn sdk_revoke_restore_access_backup_vault() {
    let (emu, owner) = backup_common::start(OWNER).await;
    let other = client(&emu, OTHER).await;
    let source = lag(&owner, "lag1").await;
    associate(&owner, "lag1", TEAM).await;
    let created = other
        .create_restore_access_backup_vault()
        .source_backup_vault_arn(&source)
        .backup_vault_name("recover1")
        .send()
        .await
        .expect("CreateRestoreAccessBackupVault");
    let arn = created
        .restore_access_backup_vault_arn()
        .expect("arn")
        .to_owned();
    assert_eq!(
        arn,
        "arn:aws:backup:us-east-1:222222222222:backup-vault:recover1"
    );
    owner
        .revoke_restore_access_backup_vault()
        .backup_vault_name("lag1")
        .restore_access_backup_vault_arn(&arn)
        .requester_comment("incident closed")
        .send()
        .await
        .expect("RevokeRestoreAccessBackupVault");
    let listed = owner
        .list_restore_access_backup_vaults()
        .backup_vault_name("lag1")
        .send()
        .await
        .expect("ListRestoreAccessBackupVaults");
    assert!(listed.restore_access_backup_vaults().is_empty());
    let err = owner
        .revoke_restore_access_backup_vault()
        .backup_vault_name("lag1")
        .restore_access_backup_vault_arn(&arn)
        .send()
        .await
        .expect_err("already revoked");
    backup_common::assert_error(
        &err,
        "ResourceNotFoundException",
        &format!("Restore access backup vault {arn} not found"),
    );
}

#[tokio::test]
async fn sdk_disassociate_recovery_point_from_parent() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    let err = backup
        .disassociate_recovery_point_from_parent()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .send()
        .await
        .expect_err("not a child");
    backup_common::assert_error(
        &err,
        "InvalidRequestException",
        &format!("Recovery point {rp} is not associated with a parent recovery point"),
    );
    // keyhole does not take composite backups; make the recovery point a child directly.
    {
        let mut world = emu.instance().world();
        let rp_state = world
            .region_mut(OWNER, "us-east-1", 0.0)
            .backup
            .vaults
            .get_mut("v1")
            .and_then(|v| v.recovery_points.get_mut(&rp))
            .expect("recovery point");
        rp_state.parent_recovery_point_arn =
            Some("arn:aws:backup:us-east-1:111111111111:recovery-point:composite:stack-1".into());
    }
    backup
        .disassociate_recovery_point_from_parent()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .send()
        .await
        .expect("DisassociateRecoveryPointFromParent");
    let world = emu.instance().world();
    let rp_state =
        &world.accounts[OWNER].regions["us-east-1"].backup.vaults["v1"].recovery_points[&rp];
    assert_eq!(rp_state.parent_recovery_point_arn, None);
}

#[tokio::test]
async fn sdk_update_recovery_point_index_settings() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    let out = backup
        .update_recovery_point_index_settings()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .iam_role_arn(ROLE)
        .index(Index::Enabled)
        .send()
        .await
        .expect("UpdateRecoveryPointIndexSettings");
    assert_eq!(out.index_status(), Some(&IndexStatus::Pending));
    assert_eq!(out.index(), Some(&Index::Enabled));
    assert_eq!(out.recovery_point_arn(), Some(rp.as_str()));
    let out = backup
        .update_recovery_point_index_settings()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .index(Index::Disabled)
        .send()
        .await
        .expect("UpdateRecoveryPointIndexSettings");
    assert_eq!(out.index_status(), Some(&IndexStatus::Deleting));
}

#[tokio::test]
async fn sdk_get_recovery_point_index_details() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    job_duration(&emu, 60.0).await;
    backup
        .update_recovery_point_index_settings()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .iam_role_arn(ROLE)
        .index(Index::Enabled)
        .send()
        .await
        .expect("UpdateRecoveryPointIndexSettings");
    let d = backup
        .get_recovery_point_index_details()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .send()
        .await
        .expect("GetRecoveryPointIndexDetails");
    assert_eq!(d.index_status(), Some(&IndexStatus::Pending));
    assert_eq!(d.source_resource_arn(), Some(VOLUME));
    advance(&emu, 61.0).await;
    let d = backup
        .get_recovery_point_index_details()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .send()
        .await
        .expect("GetRecoveryPointIndexDetails");
    assert_eq!(d.index_status(), Some(&IndexStatus::Active));
    assert!(d.index_completion_date().is_some());
}

#[tokio::test]
async fn sdk_list_indexed_recovery_points() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    backup
        .update_recovery_point_index_settings()
        .backup_vault_name("v1")
        .recovery_point_arn(&rp)
        .iam_role_arn(ROLE)
        .index(Index::Enabled)
        .send()
        .await
        .expect("UpdateRecoveryPointIndexSettings");
    let listed = backup
        .list_indexed_recovery_points()
        .resource_type("EBS")
        .index_status(IndexStatus::Active)
        .send()
        .await
        .expect("ListIndexedRecoveryPoints");
    let items = listed.indexed_recovery_points();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].recovery_point_arn(), Some(rp.as_str()));
    assert_eq!(items[0].source_resource_arn(), Some(VOLUME));
    assert_eq!(items[0].iam_role_arn(), Some(ROLE));
    let none = backup
        .list_indexed_recovery_points()
        .resource_type("S3")
        .send()
        .await
        .expect("ListIndexedRecoveryPoints");
    assert!(none.indexed_recovery_points().is_empty());
}

#[tokio::test]
async fn sdk_start_scan_job() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    let id = start_scan(&backup, &rp).await;
    assert_eq!(id.len(), 36);
    let missing = "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000";
    let err = backup
        .start_scan_job()
        .backup_vault_name("v1")
        .recovery_point_arn(missing)
        .iam_role_arn(ROLE)
        .scanner_role_arn(ROLE)
        .malware_scanner(MalwareScanner::Guardduty)
        .scan_mode(ScanMode::FullScan)
        .send()
        .await
        .expect_err("no such recovery point");
    backup_common::assert_error(
        &err,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
}

#[tokio::test]
async fn sdk_describe_scan_job() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    job_duration(&emu, 60.0).await;
    let id = start_scan(&backup, &rp).await;
    let d = backup
        .describe_scan_job()
        .scan_job_id(&id)
        .send()
        .await
        .expect("DescribeScanJob");
    // CREATED, and RUNNING as soon as keyhole's (wall) clock moves.
    assert!(matches!(d.state(), ScanState::Created | ScanState::Running));
    assert_eq!(d.recovery_point_arn(), rp);
    assert_eq!(d.resource_arn(), VOLUME);
    assert!(d.scan_result().is_none());
    advance(&emu, 61.0).await;
    let d = backup
        .describe_scan_job()
        .scan_job_id(&id)
        .send()
        .await
        .expect("DescribeScanJob");
    assert_eq!(d.state(), &ScanState::Completed);
    assert_eq!(
        d.scan_result().map(|r| r.scan_result_status()),
        Some(&ScanResultStatus::NoThreatsFound)
    );
}

#[tokio::test]
async fn sdk_list_scan_jobs() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    let id = start_scan(&backup, &rp).await;
    let listed = backup
        .list_scan_jobs()
        .by_state(ScanState::Completed)
        .by_resource_arn(VOLUME)
        .send()
        .await
        .expect("ListScanJobs");
    let jobs = listed.scan_jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].scan_job_id(), id);
    let none = backup
        .list_scan_jobs()
        .by_state(ScanState::Running)
        .send()
        .await
        .expect("ListScanJobs");
    assert!(none.scan_jobs().is_empty());
}

#[tokio::test]
async fn sdk_list_scan_job_summaries() {
    let (emu, backup) = backup_common::start(OWNER).await;
    let rp = recovery_point(&emu, &backup).await;
    start_scan(&backup, &rp).await;
    start_scan(&backup, &rp).await;
    let out = backup
        .list_scan_job_summaries()
        .state(ScanJobStatus::Any)
        .send()
        .await
        .expect("ListScanJobSummaries");
    let items = out.scan_job_summaries();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].count(), 2);
    assert_eq!(items[0].state(), Some(&ScanJobStatus::Completed));
    assert_eq!(items[0].resource_type(), Some("EBS"));
    assert_eq!(items[0].malware_scanner(), Some(&MalwareScanner::Guardduty));
    assert_eq!(
        items[0].scan_result_status(),
        Some(&ScanResultStatus::NoThreatsFound)
    );
    assert_eq!(out.aggregation_period(), Some("ONE_DAY"));
}

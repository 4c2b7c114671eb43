//! Every AWS Organizations operation through aws-sdk-organizations (one test each, named
//! `op_<snake_case operation>`, checked against the model), then issue 6's scenario through
//! the SDK and the AWS CLI, and tag-policy enforcement on KMS keys.

use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{
    ChildType, CreateAccountState, EffectivePolicyType, HandshakeParty, HandshakePartyType,
    HandshakeState, PolicyType, ResponsibilityTransferStatus, Tag,
};
use aws_sdk_organizations::Client;
use keyhole::Emulator;
use serde_json::{json, Value};

use crate::common;

const MGMT: &str = "111111111111";
const OTHER: &str = "222222222222";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const DENIED: &str = "You don't have permissions to access this resource.";

async fn client(emu: &Emulator, account: &str) -> Client {
    Client::new(&emu.sdk_config(account).await)
}

/// An emulator whose account MGMT manages a new organization; returns its client and root.
async fn organization() -> (Emulator, Client, String) {
    let emu = common::start().await;
    let orgs = client(&emu, MGMT).await;
    orgs.create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    let root = orgs.list_roots().send().await.expect("ListRoots").roots()[0]
        .id()
        .expect("root id")
        .to_owned();
    (emu, orgs, root)
}

/// CreateAccount, then the id DescribeCreateAccountStatus reports.
async fn new_account(orgs: &Client, name: &str) -> String {
    let created = orgs
        .create_account()
        .email(format!("{name}@example.com"))
        .account_name(name)
        .send()
        .await
        .expect("CreateAccount");
    let id = created
        .create_account_status()
        .and_then(|s| s.id())
        .expect("request id");
    orgs.describe_create_account_status()
        .create_account_request_id(id)
        .send()
        .await
        .expect("DescribeCreateAccountStatus")
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_owned()
}

async fn new_ou(orgs: &Client, parent: &str, name: &str) -> String {
    orgs.create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .expect("CreateOrganizationalUnit")
        .organizational_unit()
        .and_then(|o| o.id())
        .expect("ou id")
        .to_owned()
}

async fn enable(orgs: &Client, root: &str, policy_type: PolicyType) {
    orgs.enable_policy_type()
        .root_id(root)
        .policy_type(policy_type)
        .send()
        .await
        .expect("EnablePolicyType");
}

async fn new_policy(orgs: &Client, policy_type: PolicyType, name: &str, content: &str) -> String {
    orgs.create_policy()
        .name(name)
        .description(name)
        .r#type(policy_type)
        .content(content)
        .send()
        .await
        .expect("CreatePolicy")
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.id())
        .expect("policy id")
        .to_owned()
}

async fn attach(orgs: &Client, policy: &str, target: &str) {
    orgs.attach_policy()
        .policy_id(policy)
        .target_id(target)
        .send()
        .await
        .expect("AttachPolicy");
}

/// OTHER is invited by MGMT's organization; returns the OPEN handshake's id.
async fn invitation(emu: &Emulator, orgs: &Client) -> String {
    let _ = emu;
    orgs.invite_account_to_organization()
        .target(
            HandshakeParty::builder()
                .r#type(HandshakePartyType::Account)
                .id(OTHER)
                .build()
                .expect("party"),
        )
        .send()
        .await
        .expect("InviteAccountToOrganization")
        .handshake()
        .and_then(|h| h.id())
        .expect("handshake id")
        .to_owned()
}

/// OTHER manages its own organization, and MGMT's organization invites it to transfer
/// responsibility; returns (OTHER's client, handshake id, transfer id).
async fn transfer(emu: &Emulator, orgs: &Client) -> (Client, String, String) {
    let other = client(emu, OTHER).await;
    other
        .create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    let handshake = orgs
        .invite_organization_to_transfer_responsibility()
        .r#type(aws_sdk_organizations::types::ResponsibilityTransferType::Billing)
        .target(
            HandshakeParty::builder()
                .r#type(HandshakePartyType::Account)
                .id(OTHER)
                .build()
                .expect("party"),
        )
        .source_name("billing")
        .start_timestamp(aws_smithy_types::DateTime::from_secs(4_102_444_800))
        .send()
        .await
        .expect("InviteOrganizationToTransferResponsibility");
    let handshake = handshake.handshake().expect("handshake");
    let transfer_id = handshake
        .resources()
        .iter()
        .find(|r| r.r#type().map(|t| t.as_str()) == Some("RESPONSIBILITY_TRANSFER"))
        .and_then(|r| r.value())
        .expect("transfer id")
        .to_owned();
    (other, handshake.id().expect("id").to_owned(), transfer_id)
}

// ---- Organization ----

#[tokio::test]
async fn op_create_organization() {
    let emu = common::start().await;
    let out = client(&emu, MGMT)
        .await
        .create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    let org = out.organization().expect("organization");
    assert_eq!(org.master_account_id(), Some(MGMT));
    assert!(org.id().expect("id").starts_with("o-"));
}

#[tokio::test]
async fn op_describe_organization() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs
        .describe_organization()
        .send()
        .await
        .expect("DescribeOrganization");
    assert_eq!(
        out.organization().and_then(|o| o.master_account_id()),
        Some(MGMT)
    );
}

#[tokio::test]
async fn op_delete_organization() {
    let (_emu, orgs, _) = organization().await;
    orgs.delete_organization()
        .send()
        .await
        .expect("DeleteOrganization");
    let err = orgs.describe_organization().send().await.expect_err("gone");
    assert_eq!(err.code(), Some("AWSOrganizationsNotInUseException"));
    assert_eq!(
        err.message(),
        Some("Your account is not a member of an organization.")
    );
}

#[tokio::test]
async fn op_enable_all_features() {
    let (_emu, orgs, _) = organization().await;
    // A new organization already has all features: AWS refuses with a handshake constraint.
    match orgs.enable_all_features().send().await {
        Ok(out) => assert!(out.handshake().and_then(|h| h.id()).is_some()),
        Err(err) => {
            let err = err.into_service_error();
            assert_eq!(err.code(), Some("HandshakeConstraintViolationException"));
            assert!(err.message().is_some_and(|m| !m.is_empty()));
        }
    }
}

// ---- Accounts ----

#[tokio::test]
async fn op_create_account() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs
        .create_account()
        .email("a@example.com")
        .account_name("a")
        .send()
        .await
        .expect("CreateAccount");
    let status = out.create_account_status().expect("status");
    assert_eq!(status.account_name(), Some("a"));
    assert!(status.state().is_some());
}

#[tokio::test]
async fn op_create_gov_cloud_account() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs
        .create_gov_cloud_account()
        .email("gov@example.com")
        .account_name("gov")
        .send()
        .await
        .expect("CreateGovCloudAccount");
    assert_eq!(
        out.create_account_status().and_then(|s| s.account_name()),
        Some("gov")
    );
}

#[tokio::test]
async fn op_describe_create_account_status() {
    let (_emu, orgs, _) = organization().await;
    let created = orgs
        .create_account()
        .email("a@example.com")
        .account_name("a")
        .send()
        .await
        .expect("CreateAccount");
    let id = created
        .create_account_status()
        .and_then(|s| s.id())
        .expect("id");
    let out = orgs
        .describe_create_account_status()
        .create_account_request_id(id)
        .send()
        .await
        .expect("DescribeCreateAccountStatus");
    let status = out.create_account_status().expect("status");
    assert_eq!(status.state(), Some(&CreateAccountState::Succeeded));
    assert_eq!(status.account_id().map(str::len), Some(12));
}

#[tokio::test]
async fn op_list_create_account_status() {
    let (_emu, orgs, _) = organization().await;
    new_account(&orgs, "a").await;
    let out = orgs
        .list_create_account_status()
        .states(CreateAccountState::Succeeded)
        .send()
        .await
        .expect("ListCreateAccountStatus");
    assert_eq!(out.create_account_statuses().len(), 1);
    assert_eq!(out.create_account_statuses()[0].account_name(), Some("a"));
}

#[tokio::test]
async fn op_describe_account() {
    let (_emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    let out = orgs
        .describe_account()
        .account_id(&id)
        .send()
        .await
        .expect("DescribeAccount");
    let account = out.account().expect("account");
    assert_eq!(account.name(), Some("a"));
    assert_eq!(account.email(), Some("a@example.com"));
}

#[tokio::test]
async fn op_list_accounts() {
    let (_emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    let out = orgs.list_accounts().send().await.expect("ListAccounts");
    let mut ids: Vec<&str> = out.accounts().iter().filter_map(|a| a.id()).collect();
    ids.sort_unstable();
    let mut want = vec![MGMT, id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn op_list_accounts_for_parent() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let id = new_account(&orgs, "a").await;
    orgs.move_account()
        .account_id(&id)
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .expect("MoveAccount");
    let out = orgs
        .list_accounts_for_parent()
        .parent_id(&ou)
        .send()
        .await
        .expect("ListAccountsForParent");
    assert_eq!(out.accounts().len(), 1);
    assert_eq!(out.accounts()[0].id(), Some(id.as_str()));
}

#[tokio::test]
async fn op_move_account() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let id = new_account(&orgs, "a").await;
    orgs.move_account()
        .account_id(&id)
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .expect("MoveAccount");
    let parents = orgs
        .list_parents()
        .child_id(&id)
        .send()
        .await
        .expect("ListParents");
    assert_eq!(parents.parents()[0].id(), Some(ou.as_str()));
}

#[tokio::test]
async fn op_remove_account_from_organization() {
    let (_emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    orgs.remove_account_from_organization()
        .account_id(&id)
        .send()
        .await
        .expect("RemoveAccountFromOrganization");
    let err = orgs
        .describe_account()
        .account_id(&id)
        .send()
        .await
        .expect_err("removed");
    assert_eq!(err.code(), Some("AccountNotFoundException"));
}

#[tokio::test]
async fn op_leave_organization() {
    let (emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    client(&emu, &id)
        .await
        .leave_organization()
        .send()
        .await
        .expect("LeaveOrganization");
    let out = orgs.list_accounts().send().await.expect("ListAccounts");
    assert_eq!(out.accounts().len(), 1);
    // The management account can't leave.
    let err = orgs
        .leave_organization()
        .send()
        .await
        .expect_err("management can't leave");
    assert_eq!(err.code(), Some("MasterCannotLeaveOrganizationException"));
    assert_eq!(err.message(), Some("You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account."));
}

#[tokio::test]
async fn op_close_account() {
    let (_emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    orgs.close_account()
        .account_id(&id)
        .send()
        .await
        .expect("CloseAccount");
    let out = orgs
        .describe_account()
        .account_id(&id)
        .send()
        .await
        .expect("DescribeAccount");
    assert_ne!(
        out.account().and_then(|a| a.status()).map(|s| s.as_str()),
        Some("ACTIVE")
    );
}

// ---- Invitations and handshakes ----

#[tokio::test]
async fn op_invite_account_to_organization() {
    let (emu, orgs, _) = organization().await;
    let out = orgs
        .invite_account_to_organization()
        .target(
            HandshakeParty::builder()
                .r#type(HandshakePartyType::Account)
                .id(OTHER)
                .build()
                .expect("party"),
        )
        .send()
        .await
        .expect("InviteAccountToOrganization");
    let _ = emu;
    let handshake = out.handshake().expect("handshake");
    assert_eq!(handshake.state(), Some(&HandshakeState::Open));
    assert!(handshake.id().expect("id").starts_with("h-"));
}

#[tokio::test]
async fn op_accept_handshake() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = client(&emu, OTHER)
        .await
        .accept_handshake()
        .handshake_id(&id)
        .send()
        .await
        .expect("AcceptHandshake");
    assert_eq!(
        out.handshake().and_then(|h| h.state()),
        Some(&HandshakeState::Accepted)
    );
    orgs.describe_account()
        .account_id(OTHER)
        .send()
        .await
        .expect("OTHER is a member now");
}

#[tokio::test]
async fn op_decline_handshake() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = client(&emu, OTHER)
        .await
        .decline_handshake()
        .handshake_id(&id)
        .send()
        .await
        .expect("DeclineHandshake");
    assert_eq!(
        out.handshake().and_then(|h| h.state()),
        Some(&HandshakeState::Declined)
    );
}

#[tokio::test]
async fn op_cancel_handshake() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = orgs
        .cancel_handshake()
        .handshake_id(&id)
        .send()
        .await
        .expect("CancelHandshake");
    assert_eq!(
        out.handshake().and_then(|h| h.state()),
        Some(&HandshakeState::Canceled)
    );
}

#[tokio::test]
async fn op_describe_handshake() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = orgs
        .describe_handshake()
        .handshake_id(&id)
        .send()
        .await
        .expect("DescribeHandshake");
    assert_eq!(out.handshake().and_then(|h| h.id()), Some(id.as_str()));
}

#[tokio::test]
async fn op_list_handshakes_for_account() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = client(&emu, OTHER)
        .await
        .list_handshakes_for_account()
        .send()
        .await
        .expect("ListHandshakesForAccount");
    assert_eq!(out.handshakes().len(), 1);
    assert_eq!(out.handshakes()[0].id(), Some(id.as_str()));
}

#[tokio::test]
async fn op_list_handshakes_for_organization() {
    let (emu, orgs, _) = organization().await;
    let id = invitation(&emu, &orgs).await;
    let out = orgs
        .list_handshakes_for_organization()
        .send()
        .await
        .expect("ListHandshakesForOrganization");
    assert_eq!(out.handshakes().len(), 1);
    assert_eq!(out.handshakes()[0].id(), Some(id.as_str()));
}

// ---- Responsibility transfers ----

#[tokio::test]
async fn op_invite_organization_to_transfer_responsibility() {
    let (emu, orgs, _) = organization().await;
    let (_, handshake, transfer_id) = transfer(&emu, &orgs).await;
    assert!(handshake.starts_with("h-"));
    assert!(transfer_id.starts_with("rt-"));
}

#[tokio::test]
async fn op_describe_responsibility_transfer() {
    let (emu, orgs, _) = organization().await;
    let (_, _, transfer_id) = transfer(&emu, &orgs).await;
    let out = orgs
        .describe_responsibility_transfer()
        .id(&transfer_id)
        .send()
        .await
        .expect("DescribeResponsibilityTransfer");
    let t = out.responsibility_transfer().expect("transfer");
    assert_eq!(t.id(), Some(transfer_id.as_str()));
    assert_eq!(t.name(), Some("billing"));
}

#[tokio::test]
async fn op_list_inbound_responsibility_transfers() {
    let (emu, orgs, _) = organization().await;
    let (_, _, transfer_id) = transfer(&emu, &orgs).await;
    let out = orgs
        .list_inbound_responsibility_transfers()
        .r#type(aws_sdk_organizations::types::ResponsibilityTransferType::Billing)
        .send()
        .await
        .expect("ListInboundResponsibilityTransfers");
    assert_eq!(out.responsibility_transfers().len(), 1);
    assert_eq!(
        out.responsibility_transfers()[0].id(),
        Some(transfer_id.as_str())
    );
}

#[tokio::test]
async fn op_list_outbound_responsibility_transfers() {
    let (emu, orgs, _) = organization().await;
    let (other, _, transfer_id) = transfer(&emu, &orgs).await;
    let out = other
        .list_outbound_responsibility_transfers()
        .r#type(aws_sdk_organizations::types::ResponsibilityTransferType::Billing)
        .send()
        .await
        .expect("ListOutboundResponsibilityTransfers");
    assert_eq!(out.responsibility_transfers().len(), 1);
    assert_eq!(
        out.responsibility_transfers()[0].id(),
        Some(transfer_id.as_str())
    );
}

#[tokio::test]
async fn op_update_responsibility_transfer() {
    let (emu, orgs, _) = organization().await;
    let (_, _, transfer_id) = transfer(&emu, &orgs).await;
    let out = orgs
        .update_responsibility_transfer()
        .id(&transfer_id)
        .name("renamed")
        .send()
        .await
        .expect("UpdateResponsibilityTransfer");
    assert_eq!(
        out.responsibility_transfer().and_then(|t| t.name()),
        Some("renamed")
    );
}

#[tokio::test]
async fn op_terminate_responsibility_transfer() {
    let (emu, orgs, _) = organization().await;
    let (other, handshake, transfer_id) = transfer(&emu, &orgs).await;
    other
        .accept_handshake()
        .handshake_id(&handshake)
        .send()
        .await
        .expect("AcceptHandshake");
    let out = orgs
        .terminate_responsibility_transfer()
        .id(&transfer_id)
        .send()
        .await
        .expect("TerminateResponsibilityTransfer");
    assert_eq!(
        out.responsibility_transfer().and_then(|t| t.status()),
        Some(&ResponsibilityTransferStatus::Withdrawn)
    );
}

// ---- Roots and OUs ----

#[tokio::test]
async fn op_list_roots() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs.list_roots().send().await.expect("ListRoots");
    assert_eq!(out.roots().len(), 1);
    assert_eq!(out.roots()[0].name(), Some("Root"));
    assert!(out.roots()[0].id().expect("id").starts_with("r-"));
}

#[tokio::test]
async fn op_create_organizational_unit() {
    let (_emu, orgs, root) = organization().await;
    let out = orgs
        .create_organizational_unit()
        .parent_id(&root)
        .name("Workloads")
        .send()
        .await
        .expect("CreateOrganizationalUnit");
    let ou = out.organizational_unit().expect("ou");
    assert_eq!(ou.name(), Some("Workloads"));
    assert!(ou.id().expect("id").starts_with("ou-"));
}

#[tokio::test]
async fn op_update_organizational_unit() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "old").await;
    let out = orgs
        .update_organizational_unit()
        .organizational_unit_id(&ou)
        .name("new")
        .send()
        .await
        .expect("UpdateOrganizationalUnit");
    assert_eq!(
        out.organizational_unit().and_then(|o| o.name()),
        Some("new")
    );
}

#[tokio::test]
async fn op_delete_organizational_unit() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    orgs.delete_organizational_unit()
        .organizational_unit_id(&ou)
        .send()
        .await
        .expect("DeleteOrganizationalUnit");
    let err = orgs
        .describe_organizational_unit()
        .organizational_unit_id(&ou)
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(err.code(), Some("OrganizationalUnitNotFoundException"));
}

#[tokio::test]
async fn op_describe_organizational_unit() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let out = orgs
        .describe_organizational_unit()
        .organizational_unit_id(&ou)
        .send()
        .await
        .expect("DescribeOrganizationalUnit");
    let unit = out.organizational_unit().expect("ou");
    assert_eq!(unit.id(), Some(ou.as_str()));
    assert_eq!(unit.name(), Some("ou"));
}

#[tokio::test]
async fn op_list_organizational_units_for_parent() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let out = orgs
        .list_organizational_units_for_parent()
        .parent_id(&root)
        .send()
        .await
        .expect("ListOrganizationalUnitsForParent");
    assert_eq!(out.organizational_units().len(), 1);
    assert_eq!(out.organizational_units()[0].id(), Some(ou.as_str()));
}

#[tokio::test]
async fn op_list_parents() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let out = orgs
        .list_parents()
        .child_id(&ou)
        .send()
        .await
        .expect("ListParents");
    assert_eq!(out.parents().len(), 1);
    assert_eq!(out.parents()[0].id(), Some(root.as_str()));
}

#[tokio::test]
async fn op_list_children() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let out = orgs
        .list_children()
        .parent_id(&root)
        .child_type(ChildType::OrganizationalUnit)
        .send()
        .await
        .expect("ListChildren");
    assert_eq!(out.children().len(), 1);
    assert_eq!(out.children()[0].id(), Some(ou.as_str()));
}

// ---- Policies ----

#[tokio::test]
async fn op_create_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let out = orgs
        .create_policy()
        .name("all")
        .description("allow all")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(ALLOW_ALL)
        .send()
        .await
        .expect("CreatePolicy");
    let summary = out
        .policy()
        .and_then(|p| p.policy_summary())
        .expect("summary");
    assert_eq!(summary.name(), Some("all"));
    assert!(summary.id().expect("id").starts_with("p-"));
    assert_eq!(out.policy().and_then(|p| p.content()), Some(ALLOW_ALL));
}

#[tokio::test]
async fn op_update_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let id = new_policy(&orgs, PolicyType::ServiceControlPolicy, "all", ALLOW_ALL).await;
    let out = orgs
        .update_policy()
        .policy_id(&id)
        .name("renamed")
        .send()
        .await
        .expect("UpdatePolicy");
    assert_eq!(
        out.policy()
            .and_then(|p| p.policy_summary())
            .and_then(|s| s.name()),
        Some("renamed")
    );
}

#[tokio::test]
async fn op_delete_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let id = new_policy(&orgs, PolicyType::ServiceControlPolicy, "all", ALLOW_ALL).await;
    orgs.delete_policy()
        .policy_id(&id)
        .send()
        .await
        .expect("DeletePolicy");
    let err = orgs
        .describe_policy()
        .policy_id(&id)
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(err.code(), Some("PolicyNotFoundException"));
}

#[tokio::test]
async fn op_describe_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let id = new_policy(&orgs, PolicyType::ServiceControlPolicy, "all", ALLOW_ALL).await;
    let out = orgs
        .describe_policy()
        .policy_id(&id)
        .send()
        .await
        .expect("DescribePolicy");
    assert_eq!(out.policy().and_then(|p| p.content()), Some(ALLOW_ALL));
}

#[tokio::test]
async fn op_list_policies() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let out = orgs
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("ListPolicies");
    let names: Vec<&str> = out.policies().iter().filter_map(|p| p.name()).collect();
    assert_eq!(names, vec!["FullAWSAccess"]);
    assert!(out.policies()[0].aws_managed());
}

#[tokio::test]
async fn op_list_policies_for_target() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let out = orgs
        .list_policies_for_target()
        .target_id(&root)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("ListPoliciesForTarget");
    assert_eq!(out.policies().len(), 1);
    assert_eq!(out.policies()[0].id(), Some("p-FullAWSAccess"));
}

#[tokio::test]
async fn op_list_targets_for_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let out = orgs
        .list_targets_for_policy()
        .policy_id("p-FullAWSAccess")
        .send()
        .await
        .expect("ListTargetsForPolicy");
    let targets: Vec<&str> = out.targets().iter().filter_map(|t| t.target_id()).collect();
    assert!(targets.contains(&root.as_str()), "{targets:?}");
}

#[tokio::test]
async fn op_attach_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let id = new_policy(&orgs, PolicyType::ServiceControlPolicy, "all", ALLOW_ALL).await;
    orgs.attach_policy()
        .policy_id(&id)
        .target_id(&ou)
        .send()
        .await
        .expect("AttachPolicy");
    let out = orgs
        .list_targets_for_policy()
        .policy_id(&id)
        .send()
        .await
        .expect("ListTargetsForPolicy");
    assert_eq!(out.targets()[0].target_id(), Some(ou.as_str()));
}

#[tokio::test]
async fn op_detach_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let ou = new_ou(&orgs, &root, "ou").await;
    let id = new_policy(&orgs, PolicyType::ServiceControlPolicy, "all", ALLOW_ALL).await;
    attach(&orgs, &id, &ou).await;
    orgs.detach_policy()
        .policy_id(&id)
        .target_id(&ou)
        .send()
        .await
        .expect("DetachPolicy");
    let out = orgs
        .list_targets_for_policy()
        .policy_id(&id)
        .send()
        .await
        .expect("ListTargetsForPolicy");
    assert!(out.targets().is_empty());
}

#[tokio::test]
async fn op_enable_policy_type() {
    let (_emu, orgs, root) = organization().await;
    let out = orgs
        .enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::TagPolicy)
        .send()
        .await
        .expect("EnablePolicyType");
    assert!(out
        .root()
        .expect("root")
        .policy_types()
        .iter()
        .any(|t| t.r#type() == Some(&PolicyType::TagPolicy)));
}

#[tokio::test]
async fn op_disable_policy_type() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let out = orgs
        .disable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::TagPolicy)
        .send()
        .await
        .expect("DisablePolicyType");
    assert!(!out
        .root()
        .expect("root")
        .policy_types()
        .iter()
        .any(|t| t.r#type() == Some(&PolicyType::TagPolicy)));
}

#[tokio::test]
async fn op_describe_effective_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let id = new_policy(
        &orgs,
        PolicyType::TagPolicy,
        "tags",
        r#"{"tags":{"Team":{"tag_key":{"@@assign":"Team"},"tag_value":{"@@assign":["a"]}}}}"#,
    )
    .await;
    attach(&orgs, &id, &root).await;
    let out = orgs
        .describe_effective_policy()
        .policy_type(EffectivePolicyType::TagPolicy)
        .send()
        .await
        .expect("DescribeEffectivePolicy");
    let policy = out.effective_policy().expect("effective policy");
    assert_eq!(policy.target_id(), Some(MGMT));
    let content: Value =
        serde_json::from_str(policy.policy_content().expect("content")).expect("JSON");
    assert_eq!(
        content,
        json!({"tags": {"team": {"tag_key": "Team", "tag_value": ["a"]}}})
    );
}

#[tokio::test]
async fn op_list_accounts_with_invalid_effective_policy() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let out = orgs
        .list_accounts_with_invalid_effective_policy()
        .policy_type(EffectivePolicyType::TagPolicy)
        .send()
        .await
        .expect("ListAccountsWithInvalidEffectivePolicy");
    assert_eq!(out.policy_type(), Some(&EffectivePolicyType::TagPolicy));
    assert!(out.accounts().is_empty());
}

#[tokio::test]
async fn op_list_effective_policy_validation_errors() {
    let (_emu, orgs, root) = organization().await;
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let id = new_policy(
        &orgs,
        PolicyType::TagPolicy,
        "tags",
        r#"{"tags":{"Team":{"tag_key":{"@@assign":"Team"}}}}"#,
    )
    .await;
    attach(&orgs, &id, &root).await;
    let out = orgs
        .list_effective_policy_validation_errors()
        .account_id(MGMT)
        .policy_type(EffectivePolicyType::TagPolicy)
        .send()
        .await
        .expect("ListEffectivePolicyValidationErrors");
    assert_eq!(out.account_id(), Some(MGMT));
    assert!(out.effective_policy_validation_errors().is_empty());
}

// ---- Trusted access and delegated administrators ----

#[tokio::test]
async fn op_enable_aws_service_access() {
    let (_emu, orgs, _) = organization().await;
    orgs.enable_aws_service_access()
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("EnableAWSServiceAccess");
    let out = orgs
        .list_aws_service_access_for_organization()
        .send()
        .await
        .expect("ListAWSServiceAccessForOrganization");
    assert_eq!(
        out.enabled_service_principals()[0].service_principal(),
        Some("backup.amazonaws.com")
    );
}

#[tokio::test]
async fn op_disable_aws_service_access() {
    let (_emu, orgs, _) = organization().await;
    orgs.enable_aws_service_access()
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("EnableAWSServiceAccess");
    orgs.disable_aws_service_access()
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("DisableAWSServiceAccess");
    let out = orgs
        .list_aws_service_access_for_organization()
        .send()
        .await
        .expect("ListAWSServiceAccessForOrganization");
    assert!(out.enabled_service_principals().is_empty());
}

#[tokio::test]
async fn op_list_aws_service_access_for_organization() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs
        .list_aws_service_access_for_organization()
        .send()
        .await
        .expect("ListAWSServiceAccessForOrganization");
    assert!(out.enabled_service_principals().is_empty());
}

async fn delegated(orgs: &Client) -> String {
    let id = new_account(orgs, "admin").await;
    orgs.enable_aws_service_access()
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("EnableAWSServiceAccess");
    orgs.register_delegated_administrator()
        .account_id(&id)
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("RegisterDelegatedAdministrator");
    id
}

#[tokio::test]
async fn op_register_delegated_administrator() {
    let (_emu, orgs, _) = organization().await;
    let id = delegated(&orgs).await;
    let out = orgs
        .list_delegated_administrators()
        .send()
        .await
        .expect("ListDelegatedAdministrators");
    assert_eq!(out.delegated_administrators()[0].id(), Some(id.as_str()));
}

#[tokio::test]
async fn op_deregister_delegated_administrator() {
    let (_emu, orgs, _) = organization().await;
    let id = delegated(&orgs).await;
    orgs.deregister_delegated_administrator()
        .account_id(&id)
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("DeregisterDelegatedAdministrator");
    let out = orgs
        .list_delegated_administrators()
        .send()
        .await
        .expect("ListDelegatedAdministrators");
    assert!(out.delegated_administrators().is_empty());
}

#[tokio::test]
async fn op_list_delegated_administrators() {
    let (_emu, orgs, _) = organization().await;
    let id = delegated(&orgs).await;
    let out = orgs
        .list_delegated_administrators()
        .service_principal("backup.amazonaws.com")
        .send()
        .await
        .expect("ListDelegatedAdministrators");
    assert_eq!(out.delegated_administrators().len(), 1);
    assert_eq!(out.delegated_administrators()[0].name(), Some("admin"));
    assert_eq!(out.delegated_administrators()[0].id(), Some(id.as_str()));
}

#[tokio::test]
async fn op_list_delegated_services_for_account() {
    let (_emu, orgs, _) = organization().await;
    let id = delegated(&orgs).await;
    let out = orgs
        .list_delegated_services_for_account()
        .account_id(&id)
        .send()
        .await
        .expect("ListDelegatedServicesForAccount");
    assert_eq!(
        out.delegated_services()[0].service_principal(),
        Some("backup.amazonaws.com")
    );
}

// ---- Resource policy ----

const RESOURCE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}"#;

#[tokio::test]
async fn op_put_resource_policy() {
    let (_emu, orgs, _) = organization().await;
    let out = orgs
        .put_resource_policy()
        .content(RESOURCE_POLICY)
        .send()
        .await
        .expect("PutResourcePolicy");
    let policy = out.resource_policy().expect("resource policy");
    assert!(policy
        .resource_policy_summary()
        .and_then(|s| s.id())
        .is_some_and(|id| id.starts_with("rp-")));
}

#[tokio::test]
async fn op_describe_resource_policy() {
    let (_emu, orgs, _) = organization().await;
    orgs.put_resource_policy()
        .content(RESOURCE_POLICY)
        .send()
        .await
        .expect("PutResourcePolicy");
    let out = orgs
        .describe_resource_policy()
        .send()
        .await
        .expect("DescribeResourcePolicy");
    assert_eq!(
        out.resource_policy().and_then(|p| p.content()),
        Some(RESOURCE_POLICY)
    );
}

#[tokio::test]
async fn op_delete_resource_policy() {
    let (_emu, orgs, _) = organization().await;
    orgs.put_resource_policy()
        .content(RESOURCE_POLICY)
        .send()
        .await
        .expect("PutResourcePolicy");
    orgs.delete_resource_policy()
        .send()
        .await
        .expect("DeleteResourcePolicy");
    let err = orgs
        .describe_resource_policy()
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(err.code(), Some("ResourcePolicyNotFoundException"));
}

// ---- Tags ----

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

#[tokio::test]
async fn op_tag_resource() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    orgs.tag_resource()
        .resource_id(&ou)
        .tags(tag("team", "a"))
        .send()
        .await
        .expect("TagResource");
    let out = orgs
        .list_tags_for_resource()
        .resource_id(&ou)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(out.tags(), &[tag("team", "a")]);
}

#[tokio::test]
async fn op_untag_resource() {
    let (_emu, orgs, root) = organization().await;
    let ou = new_ou(&orgs, &root, "ou").await;
    orgs.tag_resource()
        .resource_id(&ou)
        .tags(tag("team", "a"))
        .tags(tag("env", "prod"))
        .send()
        .await
        .expect("TagResource");
    orgs.untag_resource()
        .resource_id(&ou)
        .tag_keys("team")
        .send()
        .await
        .expect("UntagResource");
    let out = orgs
        .list_tags_for_resource()
        .resource_id(&ou)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(out.tags(), &[tag("env", "prod")]);
}

#[tokio::test]
async fn op_list_tags_for_resource() {
    let (_emu, orgs, _) = organization().await;
    let id = new_account(&orgs, "a").await;
    orgs.tag_resource()
        .resource_id(&id)
        .tags(tag("owner", "me"))
        .send()
        .await
        .expect("TagResource");
    let out = orgs
        .list_tags_for_resource()
        .resource_id(&id)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(out.tags(), &[tag("owner", "me")]);
}

// ---- Coverage ----

/// `DescribeOrganizationalUnit` -> `describe_organizational_unit`,
/// `EnableAWSServiceAccess` -> `enable_aws_service_access`.
fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[test]
fn every_model_operation_has_its_own_sdk_test() {
    let model: Value =
        serde_json::from_str(include_str!("../../../emulator/models/organizations.json"))
            .expect("model JSON");
    let mut operations: Vec<String> = model["operations"]
        .as_object()
        .expect("operations")
        .keys()
        .cloned()
        .collect();
    operations.sort();
    assert_eq!(operations.len(), 63);
    let source = include_str!("organizations_ops.rs");
    let mut covered: Vec<String> = source
        .lines()
        .filter_map(|l| l.strip_prefix("async fn op_"))
        .filter_map(|l| l.split('(').next())
        .map(str::to_owned)
        .collect();
    covered.sort();
    let mut wanted: Vec<String> = operations.iter().map(|o| snake(o)).collect();
    wanted.sort();
    assert_eq!(
        covered, wanted,
        "one `op_<operation>` test per model operation"
    );
    // And each test's operation is really sent through the client: `.<operation>()`.
    for name in &wanted {
        let call = format!(".{name}()");
        assert!(source.contains(&call), "{call} is never sent");
    }
}

// ---- Issue 6's scenario: SDK and CLI ----

const DENY_DECRYPT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;

/// Each account creates its own key, encrypts, then decrypts: the key's ARN and Decrypt's
/// outcome.
async fn round_trip(
    emu: &Emulator,
    account: &str,
) -> (
    String,
    Result<
        aws_sdk_kms::operation::decrypt::DecryptOutput,
        aws_sdk_kms::error::SdkError<aws_sdk_kms::operation::decrypt::DecryptError>,
    >,
) {
    let kms = aws_sdk_kms::Client::new(&emu.sdk_config(account).await);
    let key = kms.create_key().send().await.expect("CreateKey");
    let meta = key.key_metadata().expect("metadata");
    let arn = meta.arn().expect("arn").to_owned();
    let encrypted = kms
        .encrypt()
        .key_id(meta.key_id())
        .plaintext(aws_smithy_types::Blob::new(b"secret".to_vec()))
        .send()
        .await
        .expect("Encrypt");
    let decrypted = kms
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().expect("ciphertext").clone())
        .send()
        .await;
    (arn, decrypted)
}

#[tokio::test]
async fn issue_6_scenario_through_the_sdk_and_the_cli() {
    let (emu, orgs, root) = organization().await;
    // Two OUs (created with the CLI) and three accounts (SDK): two in "Restricted", one in
    // "Open".
    let mut ous = Vec::new();
    for name in ["Restricted", "Open"] {
        let out = common::stdout_json(
            &common::aws(
                &emu,
                MGMT,
                &[
                    "organizations",
                    "create-organizational-unit",
                    "--parent-id",
                    &root,
                    "--name",
                    name,
                ],
            )
            .await,
        );
        ous.push(
            out["OrganizationalUnit"]["Id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let (restricted, open) = (ous[0].clone(), ous[1].clone());
    let mut accounts = Vec::new();
    for (name, ou) in [("r1", &restricted), ("r2", &restricted), ("o1", &open)] {
        let id = new_account(&orgs, name).await;
        orgs.move_account()
            .account_id(&id)
            .source_parent_id(&root)
            .destination_parent_id(ou.as_str())
            .send()
            .await
            .expect("MoveAccount");
        accounts.push(id);
    }
    let listed = orgs.list_accounts().send().await.expect("ListAccounts");
    assert_eq!(listed.accounts().len(), 4);

    // The SCP: created with the SDK, attached to "Restricted" with the CLI.
    enable(&orgs, &root, PolicyType::ServiceControlPolicy).await;
    let scp = new_policy(
        &orgs,
        PolicyType::ServiceControlPolicy,
        "no-decrypt",
        DENY_DECRYPT,
    )
    .await;
    let attached = common::aws(
        &emu,
        MGMT,
        &[
            "organizations",
            "attach-policy",
            "--policy-id",
            &scp,
            "--target-id",
            &restricted,
        ],
    )
    .await;
    assert!(
        attached.status.success(),
        "{}",
        String::from_utf8_lossy(&attached.stderr)
    );

    // Same-account denials name the SCP's ARN (AWS's wording since 2026).
    let scp_arn = orgs
        .describe_policy()
        .policy_id(&scp)
        .send()
        .await
        .expect("DescribePolicy")
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.arn())
        .expect("policy arn")
        .to_owned();
    for account in &accounts[..2] {
        let (arn, decrypted) = round_trip(&emu, account).await;
        let err = decrypted.expect_err("the SCP denies Decrypt");
        assert_eq!(err.code(), Some("AccessDeniedException"));
        let expected = format!("User: arn:aws:iam::{account}:root is not authorized to perform: kms:Decrypt on resource: {arn} with an explicit deny in a service control policy: {scp_arn}");
        assert_eq!(err.message(), Some(expected.as_str()));
    }
    for account in [accounts[2].as_str(), MGMT] {
        let (_, decrypted) = round_trip(&emu, account).await;
        let out =
            decrypted.expect("Decrypt is allowed outside the OU and for the management account");
        assert_eq!(
            out.plaintext().map(|b| b.as_ref().to_vec()),
            Some(b"secret".to_vec())
        );
    }

    // A tag policy at the root, extended in "Open": the member's effective policy merges
    // the inherited values.
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let root_tags = new_policy(
        &orgs,
        PolicyType::TagPolicy,
        "root-tags",
        r#"{"tags":{"CostCenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["100","200"]}}}}"#,
    )
    .await;
    attach(&orgs, &root_tags, &root).await;
    let open_tags = new_policy(
        &orgs,
        PolicyType::TagPolicy,
        "open-tags",
        r#"{"tags":{"costcenter":{"tag_value":{"@@append":["300"]}}}}"#,
    )
    .await;
    attach(&orgs, &open_tags, &open).await;
    let member = client(&emu, &accounts[2]).await;
    let effective = member
        .describe_effective_policy()
        .policy_type(EffectivePolicyType::TagPolicy)
        .send()
        .await
        .expect("DescribeEffectivePolicy");
    let effective = effective.effective_policy().expect("effective policy");
    assert_eq!(effective.target_id(), Some(accounts[2].as_str()));
    assert_eq!(
        effective.policy_content(),
        Some(r#"{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200","300"]}}}"#)
    );
    // In "Restricted" only the root's values apply (the CLI, as the member).
    let cli = common::stdout_json(
        &common::aws(
            &emu,
            &accounts[0],
            &[
                "organizations",
                "describe-effective-policy",
                "--policy-type",
                "TAG_POLICY",
            ],
        )
        .await,
    );
    assert_eq!(
        cli["EffectivePolicy"]["PolicyContent"],
        json!(r#"{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200"]}}}"#)
    );

    // A member account can't attach policies: SDK and CLI.
    let err = member
        .attach_policy()
        .policy_id(&scp)
        .target_id(&accounts[2])
        .send()
        .await
        .expect_err("members can't attach");
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.message(), Some(DENIED));
    let cli = common::aws(
        &emu,
        &accounts[2],
        &[
            "organizations",
            "attach-policy",
            "--policy-id",
            &scp,
            "--target-id",
            &accounts[2],
        ],
    )
    .await;
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(
        stderr.contains(&format!(
            "An error occurred (AccessDeniedException) when calling the AttachPolicy operation: {DENIED}"
        )),
        "{stderr}"
    );
}

// ---- Enforced tag policies on KMS keys ----

#[tokio::test]
async fn an_enforced_tag_policy_refuses_kms_tags_it_does_not_allow() {
    let (emu, orgs, root) = organization().await;
    let member = new_account(&orgs, "member").await;
    enable(&orgs, &root, PolicyType::TagPolicy).await;
    let policy = new_policy(
        &orgs,
        PolicyType::TagPolicy,
        "environments",
        r#"{"tags":{"environment":{"tag_key":{"@@assign":"Environment"},"tag_value":{"@@assign":["prod*","dev"]},"enforced_for":{"@@assign":["kms:key"]}}}}"#,
    )
    .await;
    attach(&orgs, &policy, &root).await;
    let kms = aws_sdk_kms::Client::new(&emu.sdk_config(&member).await);
    let kms_tag = |k: &str, v: &str| {
        aws_sdk_kms::types::Tag::builder()
            .tag_key(k)
            .tag_value(v)
            .build()
            .expect("tag")
    };
    let refused = |key: &str| {
        format!(
            "The tag policy does not allow the specified value for the following tag key: '{key}'."
        )
    };

    // CreateKey with a value outside the list.
    let err = kms
        .create_key()
        .tags(kms_tag("Environment", "staging"))
        .send()
        .await
        .expect_err("staging isn't allowed");
    assert_eq!(err.code(), Some("TagException"));
    assert_eq!(err.message(), Some(refused("Environment").as_str()));
    // A wildcard value, and a key the policy doesn't mention, are fine.
    let key = kms
        .create_key()
        .tags(kms_tag("Environment", "prod-eu"))
        .tags(kms_tag("Owner", "anyone"))
        .send()
        .await
        .expect("prod* allows prod-eu");
    let key_id = key.key_metadata().expect("metadata").key_id().to_owned();

    // TagResource: a value outside the list, or the key spelled otherwise than tag_key.
    for (k, v) in [("Environment", "qa"), ("environment", "dev")] {
        let err = kms
            .tag_resource()
            .key_id(&key_id)
            .tags(kms_tag(k, v))
            .send()
            .await
            .expect_err("refused by the tag policy");
        assert_eq!(err.code(), Some("TagException"));
        assert_eq!(err.message(), Some(refused(k).as_str()));
    }
    kms.tag_resource()
        .key_id(&key_id)
        .tags(kms_tag("Environment", "dev"))
        .send()
        .await
        .expect("dev is allowed");
    let tags = kms
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .expect("ListResourceTags");
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.tag_key() == "Environment" && t.tag_value() == "dev"));

    // Once the policy no longer enforces for kms:key, the value goes through.
    orgs.detach_policy()
        .policy_id(&policy)
        .target_id(&root)
        .send()
        .await
        .expect("DetachPolicy");
    kms.create_key()
        .tags(kms_tag("Environment", "staging"))
        .send()
        .await
        .expect("no tag policy any more");
}

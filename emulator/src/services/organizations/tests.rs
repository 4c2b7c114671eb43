//! In-process tests through the whole pipeline (decode, validate, handle, encode), so the
//! wire shape of answers and errors is checked along with the behaviour.

use serde_json::{json, Value};

use super::*;
use crate::testing::local_harness;

const MGMT: &str = "111111111111";
const OTHER: &str = "222222222222";
const OUTSIDER: &str = "999999999999";

local_harness!();

impl Env {
    fn call(&self, account: &str, op: &str, body: Value) -> (u16, Value) {
        let r = self
            .0
            .call(account, "us-east-1", &format!("organizations:{op}"), &body);
        (r.status, r.body)
    }

    fn ok(&self, account: &str, op: &str, body: Value) -> Value {
        let (status, value) = self.call(account, op, body);
        assert_eq!(status, 200, "{op}: {value}");
        value
    }

    /// `(code, message)` of a failed call; the body must carry both.
    fn err(&self, account: &str, op: &str, body: Value) -> (String, String) {
        let (status, value) = self.call(account, op, body);
        assert_eq!(status, 400, "{op} should fail: {value}");
        (
            value["__type"].as_str().unwrap_or_default().to_owned(),
            value["Message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// An organization managed by MGMT; returns (org id, root id).
    fn org(&self) -> (String, String) {
        let org = self.ok(MGMT, "CreateOrganization", json!({}));
        let roots = self.ok(MGMT, "ListRoots", json!({}));
        (
            org["Organization"]["Id"].as_str().unwrap().to_owned(),
            roots["Roots"][0]["Id"].as_str().unwrap().to_owned(),
        )
    }

    fn create_account(&self, name: &str) -> String {
        let email = format!("{name}@example.org");
        let created = self.ok(
            MGMT,
            "CreateAccount",
            json!({"AccountName": name, "Email": email}),
        );
        let request = created["CreateAccountStatus"]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        let status = self.ok(
            MGMT,
            "DescribeCreateAccountStatus",
            json!({"CreateAccountRequestId": request}),
        );
        status["CreateAccountStatus"]["AccountId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn create_ou(&self, parent: &str, name: &str) -> String {
        let ou = self.ok(
            MGMT,
            "CreateOrganizationalUnit",
            json!({"ParentId": parent, "Name": name}),
        );
        ou["OrganizationalUnit"]["Id"].as_str().unwrap().to_owned()
    }

    fn create_policy(&self, policy_type: &str, name: &str, content: &Value) -> String {
        let policy = self.ok(
            MGMT,
            "CreatePolicy",
            json!({"Type": policy_type, "Name": name, "Description": "d", "Content": content.to_string()}),
        );
        policy["Policy"]["PolicySummary"]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn invite_and_accept(&self, account: &str) {
        let invite = self.ok(
            MGMT,
            "InviteAccountToOrganization",
            json!({"Target": {"Type": "ACCOUNT", "Id": account}}),
        );
        let id = invite["Handshake"]["Id"].as_str().unwrap().to_owned();
        self.ok(account, "AcceptHandshake", json!({"HandshakeId": id}));
    }
}

fn matches(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern).unwrap().is_match(text)
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v[key].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn create_organization_makes_the_caller_management_account_with_aws_id_formats() {
    let env = Env::new();
    let org = env.ok(MGMT, "CreateOrganization", json!({}));
    let o = &org["Organization"];
    let id = o["Id"].as_str().unwrap();
    assert!(matches("^o-[a-z0-9]{10}$", id), "{id}");
    assert_eq!(o["FeatureSet"], "ALL");
    assert_eq!(o["MasterAccountId"], MGMT);
    assert_eq!(
        o["Arn"],
        json!(format!("arn:aws:organizations::{MGMT}:organization/{id}"))
    );
    assert_eq!(
        o["MasterAccountArn"],
        json!(format!("arn:aws:organizations::{MGMT}:account/{id}/{MGMT}"))
    );
    let roots = env.ok(MGMT, "ListRoots", json!({}));
    let root = roots["Roots"][0]["Id"].as_str().unwrap();
    assert!(matches("^r-[a-z0-9]{4}$", root));
    assert_eq!(
        roots["Roots"][0]["Arn"],
        json!(format!("arn:aws:organizations::{MGMT}:root/{id}/{root}"))
    );
    assert_eq!(roots["Roots"][0]["Name"], "Root");
    // A second CreateOrganization by the same account is refused.
    assert_eq!(
        env.err(MGMT, "CreateOrganization", json!({})),
        (
            "AlreadyInOrganizationException".into(),
            "The provided account is already a member of an organization.".into()
        )
    );
}

#[test]
fn outside_any_organization_calls_get_not_in_use() {
    let env = Env::new();
    env.org();
    for op in [
        "DescribeOrganization",
        "ListAccounts",
        "ListRoots",
        "DescribeEffectivePolicy",
    ] {
        let body = if op == "DescribeEffectivePolicy" {
            json!({"PolicyType": "TAG_POLICY"})
        } else {
            json!({})
        };
        let (status, value) = env.call(OUTSIDER, op, body);
        assert_eq!(status, 400);
        assert_eq!(
            value,
            json!({"__type": "AWSOrganizationsNotInUseException",
                   "Message": "Your account is not a member of an organization."}),
            "{op}"
        );
    }
}

#[test]
fn member_accounts_get_access_denied_for_management_operations() {
    let env = Env::new();
    let (_, root) = env.org();
    let member = env.create_account("member");
    // A member may describe its organization...
    let described = env.ok(&member, "DescribeOrganization", json!({}));
    assert_eq!(described["Organization"]["MasterAccountId"], MGMT);
    // ...but not list or change it.
    let denied = (
        "AccessDeniedException".to_owned(),
        "You don't have permissions to access this resource.".to_owned(),
    );
    assert_eq!(env.err(&member, "ListAccounts", json!({})), denied);
    assert_eq!(env.err(&member, "ListRoots", json!({})), denied);
    assert_eq!(
        env.err(
            &member,
            "ListPolicies",
            json!({"Filter": "SERVICE_CONTROL_POLICY"})
        ),
        denied
    );
    assert_eq!(
        env.err(
            &member,
            "AttachPolicy",
            json!({"PolicyId": "p-FullAWSAccess", "TargetId": root})
        ),
        denied
    );
    assert_eq!(
        env.err(
            &member,
            "CreateAccount",
            json!({"AccountName": "x", "Email": "x@example.org"})
        ),
        denied
    );
}

#[test]
fn create_account_is_in_progress_then_succeeded_and_the_account_exists() {
    let env = Env::new();
    env.org();
    let created = env.ok(
        MGMT,
        "CreateAccount",
        json!({"AccountName": "dev", "Email": "dev@example.org", "Tags": [{"Key": "team", "Value": "a"}]}),
    );
    let status = &created["CreateAccountStatus"];
    assert_eq!(status["State"], "IN_PROGRESS");
    assert!(status.get("AccountId").is_none());
    let request = status["Id"].as_str().unwrap();
    assert!(matches("^car-[a-f0-9]{32}$", request));
    let later = env.ok(
        MGMT,
        "DescribeCreateAccountStatus",
        json!({"CreateAccountRequestId": request}),
    );
    assert_eq!(later["CreateAccountStatus"]["State"], "SUCCEEDED");
    let account = later["CreateAccountStatus"]["AccountId"].as_str().unwrap();
    assert!(matches("^[0-9]{12}$", account));
    assert!(env.world().accounts.contains_key(account));
    let listed = env.ok(MGMT, "ListAccounts", json!({}));
    assert!(ids(&listed["Accounts"], "Id").contains(&account.to_owned()));
    let described = env.ok(MGMT, "DescribeAccount", json!({"AccountId": account}));
    assert_eq!(described["Account"]["JoinedMethod"], "CREATED");
    assert_eq!(described["Account"]["Email"], "dev@example.org");
    let tags = env.ok(MGMT, "ListTagsForResource", json!({"ResourceId": account}));
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "a"}]));
    // The new id works as an access key: the account is a member.
    let own = env.ok(account, "DescribeOrganization", json!({}));
    assert_eq!(own["Organization"]["MasterAccountId"], MGMT);
    // Same email again: the request fails, as AWS reports it.
    let again = env.ok(
        MGMT,
        "CreateAccount",
        json!({"AccountName": "dev2", "Email": "dev@example.org"}),
    );
    let failed = env.ok(
        MGMT,
        "DescribeCreateAccountStatus",
        json!({"CreateAccountRequestId": again["CreateAccountStatus"]["Id"]}),
    );
    assert_eq!(failed["CreateAccountStatus"]["State"], "FAILED");
    assert_eq!(
        failed["CreateAccountStatus"]["FailureReason"],
        "EMAIL_ALREADY_EXISTS"
    );
    let listed = env.ok(
        MGMT,
        "ListCreateAccountStatus",
        json!({"States": ["FAILED"]}),
    );
    assert_eq!(
        listed["CreateAccountStatuses"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        env.err(
            MGMT,
            "DescribeCreateAccountStatus",
            json!({"CreateAccountRequestId": "car-00000000"})
        )
        .0,
        "CreateAccountStatusNotFoundException"
    );
}

#[test]
fn ous_accounts_move_and_tree_queries() {
    let env = Env::new();
    let (org_id, root) = env.org();
    let account = env.create_account("app");
    let ou = env.create_ou(&root, "Workloads");
    let suffix = root.trim_start_matches("r-");
    assert!(
        matches(&format!("^ou-{suffix}-[a-z0-9]{{8}}$"), &ou),
        "{ou}"
    );
    let nested = env.create_ou(&ou, "Prod");
    let described = env.ok(
        MGMT,
        "DescribeOrganizationalUnit",
        json!({"OrganizationalUnitId": nested}),
    );
    assert_eq!(
        described["OrganizationalUnit"]["Path"],
        json!(format!("{org_id}/{root}/{ou}/{nested}/"))
    );
    assert_eq!(
        env.err(
            MGMT,
            "CreateOrganizationalUnit",
            json!({"ParentId": root, "Name": "Workloads"})
        ),
        (
            "DuplicateOrganizationalUnitException".into(),
            "An OU with the same name already exists.".into()
        )
    );
    env.ok(
        MGMT,
        "MoveAccount",
        json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": nested}),
    );
    let parents = env.ok(MGMT, "ListParents", json!({"ChildId": account}));
    assert_eq!(
        parents["Parents"],
        json!([{"Id": nested, "Type": "ORGANIZATIONAL_UNIT"}])
    );
    let children = env.ok(
        MGMT,
        "ListChildren",
        json!({"ParentId": nested, "ChildType": "ACCOUNT"}),
    );
    assert_eq!(ids(&children["Children"], "Id"), vec![account.clone()]);
    let for_parent = env.ok(MGMT, "ListAccountsForParent", json!({"ParentId": nested}));
    assert_eq!(ids(&for_parent["Accounts"], "Id"), vec![account.clone()]);
    let ous = env.ok(
        MGMT,
        "ListOrganizationalUnitsForParent",
        json!({"ParentId": root}),
    );
    assert_eq!(ids(&ous["OrganizationalUnits"], "Id"), vec![ou.clone()]);
    // Moving again from the wrong source, or to where it already is.
    assert_eq!(
        env.err(
            MGMT,
            "MoveAccount",
            json!({"AccountId": account, "SourceParentId": nested, "DestinationParentId": nested})
        )
        .0,
        "DuplicateAccountException"
    );
    assert_eq!(
        env.err(
            MGMT,
            "DeleteOrganizationalUnit",
            json!({"OrganizationalUnitId": ou})
        )
        .0,
        "OrganizationalUnitNotEmptyException"
    );
    assert_eq!(
        env.err(MGMT, "ListParents", json!({"ChildId": "333333333333"}))
            .0,
        "ChildNotFoundException"
    );
    assert_eq!(
        env.err(
            MGMT,
            "ListChildren",
            json!({"ParentId": "ou-abcd-zzzzzzzz", "ChildType": "ACCOUNT"})
        ),
        (
            "ParentNotFoundException".into(),
            "You specified parent that doesn't exist.".into()
        )
    );
    let renamed = env.ok(
        MGMT,
        "UpdateOrganizationalUnit",
        json!({"OrganizationalUnitId": ou, "Name": "Apps"}),
    );
    assert_eq!(renamed["OrganizationalUnit"]["Name"], "Apps");
    // org_context gives aws:PrincipalOrgPaths from the account's parent.
    let world = env.world();
    let context = org_context(&world, &account).unwrap();
    assert_eq!(context.org_id, org_id);
    assert_eq!(context.management_account, MGMT);
    assert_eq!(context.ou_path, format!("{org_id}/{root}/{ou}/{nested}/"));
    assert!(org_context(&world, OUTSIDER).is_none());
}

#[test]
fn scps_enable_attach_list_and_feed_policy_levels() {
    let env = Env::new();
    let (_, root) = env.org();
    let account = env.create_account("app");
    let ou = env.create_ou(&root, "Workloads");
    env.ok(
        MGMT,
        "MoveAccount",
        json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": ou}),
    );
    let deny = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]});
    let policy = env.create_policy("SERVICE_CONTROL_POLICY", "deny-decrypt", &deny);
    assert!(matches("^p-[a-z0-9]{8}$", &policy));
    assert_eq!(
        env.err(
            MGMT,
            "AttachPolicy",
            json!({"PolicyId": policy, "TargetId": ou})
        ),
        (
            "PolicyTypeNotEnabledException".into(),
            "This operation can be performed only for enabled policy types.".into()
        )
    );
    assert!(policy_levels(&env.world(), &account, "SERVICE_CONTROL_POLICY").is_none());
    let enabled = env.ok(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    );
    assert_eq!(
        enabled["Root"]["PolicyTypes"],
        json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}])
    );
    assert_eq!(
        env.err(
            MGMT,
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"})
        )
        .1,
        "The specified policy type is already enabled."
    );
    env.ok(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": policy, "TargetId": ou}),
    );
    assert_eq!(
        env.err(
            MGMT,
            "AttachPolicy",
            json!({"PolicyId": policy, "TargetId": ou})
        )
        .0,
        "DuplicatePolicyAttachmentException"
    );
    let on_ou = env.ok(
        MGMT,
        "ListPoliciesForTarget",
        json!({"TargetId": ou, "Filter": "SERVICE_CONTROL_POLICY"}),
    );
    assert_eq!(
        ids(&on_ou["Policies"], "Id"),
        vec!["p-FullAWSAccess".to_owned(), policy.clone()]
    );
    assert_eq!(
        on_ou["Policies"][0]["Arn"],
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    );
    assert_eq!(on_ou["Policies"][0]["AwsManaged"], true);
    let targets = env.ok(
        MGMT,
        "ListTargetsForPolicy",
        json!({"PolicyId": "p-FullAWSAccess"}),
    );
    let mut target_ids = ids(&targets["Targets"], "TargetId");
    target_ids.sort();
    let mut expected = vec![root.clone(), ou.clone(), account.clone(), MGMT.to_owned()];
    expected.sort();
    assert_eq!(target_ids, expected);
    // Levels: root, OU, account; management account exempt.
    let world = env.world();
    let levels = policy_levels(&world, &account, "SERVICE_CONTROL_POLICY").unwrap();
    let level_ids: Vec<Vec<&str>> = levels
        .iter()
        .map(|l| l.iter().map(|(id, _)| id.as_str()).collect())
        .collect();
    assert_eq!(
        level_ids,
        vec![
            vec!["p-FullAWSAccess"],
            vec!["p-FullAWSAccess", policy.as_str()],
            vec!["p-FullAWSAccess"]
        ]
    );
    assert_eq!(levels[1][1].1, deny.to_string());
    assert!(policy_levels(&world, MGMT, "SERVICE_CONTROL_POLICY").is_none());
    drop(world);
    // The AWS-managed policy can't be changed or deleted; an attached policy can't be deleted.
    assert_eq!(
        env.err(MGMT, "DeletePolicy", json!({"PolicyId": "p-FullAWSAccess"}))
            .0,
        "InvalidInputException"
    );
    assert_eq!(
        env.err(MGMT, "DeletePolicy", json!({"PolicyId": policy})),
        (
            "PolicyInUseException".into(),
            "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.".into()
        )
    );
    // The last SCP of a target can't be detached.
    let (status, body) = env.call(
        MGMT,
        "DetachPolicy",
        json!({"PolicyId": "p-FullAWSAccess", "TargetId": account}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["Reason"], "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    env.ok(
        MGMT,
        "DetachPolicy",
        json!({"PolicyId": policy, "TargetId": ou}),
    );
    assert_eq!(
        env.err(
            MGMT,
            "DetachPolicy",
            json!({"PolicyId": policy, "TargetId": ou})
        )
        .0,
        "PolicyNotAttachedException"
    );
    env.ok(MGMT, "DeletePolicy", json!({"PolicyId": policy}));
    assert_eq!(
        env.err(MGMT, "DescribePolicy", json!({"PolicyId": policy})),
        (
            "PolicyNotFoundException".into(),
            "You specified a policy that doesn't exist.".into()
        )
    );
    // New nodes get FullAWSAccess while SCPs are enabled.
    let fresh = env.create_ou(&root, "Fresh");
    let on_fresh = env.ok(
        MGMT,
        "ListPoliciesForTarget",
        json!({"TargetId": fresh, "Filter": "SERVICE_CONTROL_POLICY"}),
    );
    assert_eq!(
        ids(&on_fresh["Policies"], "Id"),
        vec!["p-FullAWSAccess".to_owned()]
    );
    // Disabling the type detaches all its policies.
    env.ok(
        MGMT,
        "DisablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    );
    let none = env.ok(
        MGMT,
        "ListPoliciesForTarget",
        json!({"TargetId": fresh, "Filter": "SERVICE_CONTROL_POLICY"}),
    );
    assert_eq!(none["Policies"], json!([]));
}

#[test]
fn attachment_limit_and_content_errors_have_aws_reasons() {
    let env = Env::new();
    let (_, root) = env.org();
    env.ok(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    );
    for n in 0..4 {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": format!("s3:Get{n}"), "Resource": "*"}]});
        let p = env.create_policy("SERVICE_CONTROL_POLICY", &format!("p{n}"), &doc);
        env.ok(
            MGMT,
            "AttachPolicy",
            json!({"PolicyId": p, "TargetId": root}),
        );
    }
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:Put", "Resource": "*"}]});
    let sixth = env.create_policy("SERVICE_CONTROL_POLICY", "p5", &doc);
    let (status, body) = env.call(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": sixth, "TargetId": root}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "ConstraintViolationException",
               "Message": "You have attached the maximum number of policies to the specified target.",
               "Reason": "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"})
    );
    let (_, body) = env.call(
        MGMT,
        "CreatePolicy",
        json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "bad", "Description": "", "Content": "{\"Statement\": 1}"}),
    );
    assert_eq!(
        body,
        json!({"__type": "MalformedPolicyDocumentException",
               "Message": "The provided policy document does not meet the requirements of the specified policy type."})
    );
    let big = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"{}\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}]}}",
        "a".repeat(5_200)
    );
    let (_, body) = env.call(
        MGMT,
        "CreatePolicy",
        json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "big", "Description": "", "Content": big}),
    );
    assert_eq!(
        body,
        json!({"__type": "ConstraintViolationException",
               "Message": "You have exceeded the maximum policy size.",
               "Reason": "POLICY_CONTENT_LIMIT_EXCEEDED"})
    );
    assert_eq!(
        env.err(
            MGMT,
            "CreatePolicy",
            json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "p0", "Description": "", "Content": doc.to_string()})
        ),
        (
            "DuplicatePolicyException".into(),
            "A policy with the same name already exists.".into()
        )
    );
}

#[test]
fn rcps_attach_rcp_full_aws_access_which_cannot_be_detached() {
    let env = Env::new();
    let (_, root) = env.org();
    env.ok(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "RESOURCE_CONTROL_POLICY"}),
    );
    let on_root = env.ok(
        MGMT,
        "ListPoliciesForTarget",
        json!({"TargetId": root, "Filter": "RESOURCE_CONTROL_POLICY"}),
    );
    assert_eq!(
        on_root["Policies"][0]["Arn"],
        "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess"
    );
    let (_, body) = env.call(
        MGMT,
        "DetachPolicy",
        json!({"PolicyId": "p-RCPFullAWSAccess", "TargetId": root}),
    );
    assert_eq!(body["Reason"], "NON_DETACHABLE_POLICY");
    let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    assert_eq!(
        env.err(
            MGMT,
            "CreatePolicy",
            json!({"Type": "RESOURCE_CONTROL_POLICY", "Name": "a", "Description": "", "Content": allow.to_string()})
        )
        .0,
        "MalformedPolicyDocumentException"
    );
}

#[test]
fn effective_tag_policy_merges_root_ou_and_account() {
    let env = Env::new();
    let (_, root) = env.org();
    let account = env.create_account("app");
    let ou = env.create_ou(&root, "Workloads");
    env.ok(
        MGMT,
        "MoveAccount",
        json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": ou}),
    );
    assert_eq!(
        env.err(
            &account,
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY"})
        )
        .0,
        "EffectivePolicyNotFoundException"
    );
    env.ok(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "TAG_POLICY"}),
    );
    let at_root = env.create_policy(
        "TAG_POLICY",
        "root",
        &json!({"tags": {"CostCenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100", "200"]}}}}),
    );
    let at_ou = env.create_policy(
        "TAG_POLICY",
        "ou",
        &json!({"tags": {"costcenter": {"tag_value": {"@@append": ["300"]}}}}),
    );
    let at_account = env.create_policy(
        "TAG_POLICY",
        "account",
        &json!({"tags": {"Project": {"tag_key": {"@@assign": "Project"},
            "tag_value": {"@@assign": ["alpha"]}}}}),
    );
    env.ok(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": at_root, "TargetId": root}),
    );
    env.ok(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": at_ou, "TargetId": ou}),
    );
    env.ok(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": at_account, "TargetId": account}),
    );
    // The member asks for its own; the management account may name it.
    let own = env.ok(
        &account,
        "DescribeEffectivePolicy",
        json!({"PolicyType": "TAG_POLICY"}),
    );
    let named = env.ok(
        MGMT,
        "DescribeEffectivePolicy",
        json!({"PolicyType": "TAG_POLICY", "TargetId": account}),
    );
    assert_eq!(own, named);
    let effective = &own["EffectivePolicy"];
    assert_eq!(effective["TargetId"], json!(account));
    assert_eq!(effective["PolicyType"], "TAG_POLICY");
    assert!(effective["LastUpdatedTimestamp"].is_number());
    let content: Value =
        serde_json::from_str(effective["PolicyContent"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"tags": {
            "costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200", "300"]},
            "project": {"tag_key": "Project", "tag_value": ["alpha"]}
        }})
    );
    // Root or OU targets are not supported; another member's policy is not the member's.
    assert_eq!(
        env.err(
            MGMT,
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY", "TargetId": ou})
        )
        .0,
        "InvalidInputException"
    );
    assert_eq!(
        env.err(
            &account,
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY", "TargetId": MGMT})
        )
        .0,
        "AccessDeniedException"
    );
    let world = env.world();
    assert_eq!(
        effective_policy_for(&world, &account, "TAG_POLICY"),
        Some(content)
    );
}

#[test]
fn invitation_flow_and_handshake_rules() {
    let env = Env::new();
    let (org_id, _) = env.org();
    let invite = env.ok(
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": OTHER}, "Notes": "join us"}),
    );
    let h = &invite["Handshake"];
    let id = h["Id"].as_str().unwrap().to_owned();
    assert!(matches("^h-[a-z0-9]{10}$", &id));
    assert_eq!(
        h["Arn"],
        json!(format!(
            "arn:aws:organizations::{MGMT}:handshake/{org_id}/invite/{id}"
        ))
    );
    assert_eq!(h["State"], "OPEN");
    assert_eq!(h["Action"], "INVITE");
    assert_eq!(
        h["Parties"],
        json!([{"Id": org_id, "Type": "ORGANIZATION"}, {"Id": OTHER, "Type": "ACCOUNT"}])
    );
    assert_eq!(
        env.err(
            MGMT,
            "InviteAccountToOrganization",
            json!({"Target": {"Type": "ACCOUNT", "Id": OTHER}})
        )
        .0,
        "DuplicateHandshakeException"
    );
    let pending = env.ok(OTHER, "ListHandshakesForAccount", json!({}));
    assert_eq!(ids(&pending["Handshakes"], "Id"), vec![id.clone()]);
    // Only the invited account accepts; nobody else sees it.
    assert_eq!(
        env.err(OUTSIDER, "AcceptHandshake", json!({"HandshakeId": id}))
            .0,
        "HandshakeNotFoundException"
    );
    let accepted = env.ok(OTHER, "AcceptHandshake", json!({"HandshakeId": id}));
    assert_eq!(accepted["Handshake"]["State"], "ACCEPTED");
    assert_eq!(
        env.err(OTHER, "AcceptHandshake", json!({"HandshakeId": id}))
            .0,
        "HandshakeAlreadyInStateException"
    );
    let described = env.ok(MGMT, "DescribeAccount", json!({"AccountId": OTHER}));
    assert_eq!(described["Account"]["JoinedMethod"], "INVITED");
    assert!(same_organization(&env.world(), MGMT, OTHER));
    assert!(!same_organization(&env.world(), MGMT, OUTSIDER));
    // Inviting a member of an organization is refused.
    let (_, body) = env.call(
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": OTHER}}),
    );
    assert_eq!(body["__type"], "HandshakeConstraintViolationException");
    assert_eq!(body["Reason"], "ALREADY_IN_AN_ORGANIZATION");
    // Decline and cancel.
    let second = env.ok(
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "EMAIL", "Id": format!("{OUTSIDER}@example.com")}}),
    );
    let second_id = second["Handshake"]["Id"].as_str().unwrap().to_owned();
    let declined = env.ok(
        OUTSIDER,
        "DeclineHandshake",
        json!({"HandshakeId": second_id}),
    );
    assert_eq!(declined["Handshake"]["State"], "DECLINED");
    assert_eq!(
        env.err(MGMT, "CancelHandshake", json!({"HandshakeId": second_id}))
            .0,
        "InvalidHandshakeTransitionException"
    );
    let org_list = env.ok(
        MGMT,
        "ListHandshakesForOrganization",
        json!({"Filter": {"ActionType": "INVITE"}}),
    );
    assert_eq!(org_list["Handshakes"].as_array().map(Vec::len), Some(2));
    // The invited member leaves again; the management account cannot.
    env.ok(OTHER, "LeaveOrganization", json!({}));
    assert_eq!(
        env.err(OTHER, "DescribeOrganization", json!({})).0,
        "AWSOrganizationsNotInUseException"
    );
    assert_eq!(
        env.err(MGMT, "LeaveOrganization", json!({})).0,
        "MasterCannotLeaveOrganizationException"
    );
}

#[test]
fn invitations_expire_after_fifteen_days() {
    let env = Env::new();
    env.org();
    let invite = env.ok(
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": OTHER}}),
    );
    let id = invite["Handshake"]["Id"].as_str().unwrap().to_owned();
    env.instance.clock.advance(15.0 * 24.0 * 3600.0 + 1.0);
    let described = env.ok(OTHER, "DescribeHandshake", json!({"HandshakeId": id}));
    assert_eq!(described["Handshake"]["State"], "EXPIRED");
    assert_eq!(
        env.err(OTHER, "AcceptHandshake", json!({"HandshakeId": id}))
            .0,
        "InvalidHandshakeTransitionException"
    );
}

#[test]
fn delete_organization_only_when_no_member_remains() {
    let env = Env::new();
    env.org();
    env.invite_and_accept(OTHER);
    assert_eq!(
        env.err(MGMT, "DeleteOrganization", json!({})),
        (
            "OrganizationNotEmptyException".into(),
            "To delete an organization you must first remove all member accounts (except the master).".into()
        )
    );
    assert_eq!(
        env.err(OTHER, "DeleteOrganization", json!({})).0,
        "AccessDeniedException"
    );
    assert_eq!(
        env.err(
            MGMT,
            "RemoveAccountFromOrganization",
            json!({"AccountId": MGMT})
        )
        .0,
        "MasterCannotLeaveOrganizationException"
    );
    env.ok(
        MGMT,
        "RemoveAccountFromOrganization",
        json!({"AccountId": OTHER}),
    );
    assert_eq!(
        env.err(MGMT, "DescribeAccount", json!({"AccountId": OTHER})),
        (
            "AccountNotFoundException".into(),
            "You specified an account that doesn't exist.".into()
        )
    );
    env.ok(MGMT, "DeleteOrganization", json!({}));
    assert_eq!(
        env.err(MGMT, "DescribeOrganization", json!({})).0,
        "AWSOrganizationsNotInUseException"
    );
    // The former management account may create a new organization.
    env.ok(
        MGMT,
        "CreateOrganization",
        json!({"FeatureSet": "CONSOLIDATED_BILLING"}),
    );
}

#[test]
fn delegated_administrators_and_trusted_access() {
    let env = Env::new();
    let (org_id, _) = env.org();
    env.invite_and_accept(OTHER);
    env.ok(
        MGMT,
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": "backup.amazonaws.com"}),
    );
    assert!(is_trusted_service_enabled(
        &env.world(),
        &org_id,
        "backup.amazonaws.com"
    ));
    let (_, body) = env.call(
        MGMT,
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": "nope.amazonaws.com"}),
    );
    assert_eq!(body["Reason"], "UNRECOGNIZED_SERVICE_PRINCIPAL");
    assert_eq!(
        body["Message"],
        "You specified an unrecognized service principal."
    );
    let listed = env.ok(MGMT, "ListAWSServiceAccessForOrganization", json!({}));
    assert_eq!(
        ids(&listed["EnabledServicePrincipals"], "ServicePrincipal"),
        vec!["backup.amazonaws.com".to_owned()]
    );
    // Before delegation the member can't list accounts; after, it can.
    assert_eq!(
        env.err(OTHER, "ListAccounts", json!({})).0,
        "AccessDeniedException"
    );
    env.ok(
        MGMT,
        "RegisterDelegatedAdministrator",
        json!({"AccountId": OTHER, "ServicePrincipal": "backup.amazonaws.com"}),
    );
    env.ok(OTHER, "ListAccounts", json!({}));
    assert_eq!(
        delegated_administrators(&env.world(), &org_id, "backup.amazonaws.com"),
        vec![OTHER.to_owned()]
    );
    assert_eq!(
        env.err(
            MGMT,
            "RegisterDelegatedAdministrator",
            json!({"AccountId": OTHER, "ServicePrincipal": "backup.amazonaws.com"})
        )
        .0,
        "AccountAlreadyRegisteredException"
    );
    let (_, body) = env.call(
        MGMT,
        "RegisterDelegatedAdministrator",
        json!({"AccountId": MGMT, "ServicePrincipal": "backup.amazonaws.com"}),
    );
    assert_eq!(
        body["Reason"],
        "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"
    );
    let admins = env.ok(
        MGMT,
        "ListDelegatedAdministrators",
        json!({"ServicePrincipal": "backup.amazonaws.com"}),
    );
    assert_eq!(
        ids(&admins["DelegatedAdministrators"], "Id"),
        vec![OTHER.to_owned()]
    );
    assert!(admins["DelegatedAdministrators"][0]["DelegationEnabledDate"].is_number());
    let services = env.ok(
        MGMT,
        "ListDelegatedServicesForAccount",
        json!({"AccountId": OTHER}),
    );
    assert_eq!(
        ids(&services["DelegatedServices"], "ServicePrincipal"),
        vec!["backup.amazonaws.com".to_owned()]
    );
    // A delegated administrator can't be removed.
    let (_, body) = env.call(
        MGMT,
        "RemoveAccountFromOrganization",
        json!({"AccountId": OTHER}),
    );
    assert_eq!(
        body["Reason"],
        "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG"
    );
    env.ok(
        MGMT,
        "DeregisterDelegatedAdministrator",
        json!({"AccountId": OTHER, "ServicePrincipal": "backup.amazonaws.com"}),
    );
    assert_eq!(
        env.err(
            MGMT,
            "ListDelegatedServicesForAccount",
            json!({"AccountId": OTHER})
        )
        .0,
        "AccountNotRegisteredException"
    );
    env.ok(
        MGMT,
        "DisableAWSServiceAccess",
        json!({"ServicePrincipal": "backup.amazonaws.com"}),
    );
    assert!(!is_trusted_service_enabled(
        &env.world(),
        &org_id,
        "backup.amazonaws.com"
    ));
}

#[test]
fn pagination_and_resource_policy_and_tags() {
    let env = Env::new();
    let (org_id, root) = env.org();
    env.create_account("a");
    env.create_account("b");
    let first = env.ok(MGMT, "ListAccounts", json!({"MaxResults": 2}));
    assert_eq!(first["Accounts"].as_array().map(Vec::len), Some(2));
    let token = first["NextToken"].as_str().unwrap().to_owned();
    let second = env.ok(
        MGMT,
        "ListAccounts",
        json!({"MaxResults": 2, "NextToken": token}),
    );
    assert_eq!(second["Accounts"].as_array().map(Vec::len), Some(1));
    assert!(second.get("NextToken").is_none());
    let (_, body) = env.call(MGMT, "ListAccounts", json!({"NextToken": "garbage"}));
    assert_eq!(body["Reason"], "INVALID_NEXT_TOKEN");

    assert_eq!(
        env.err(MGMT, "DescribeResourcePolicy", json!({})).0,
        "ResourcePolicyNotFoundException"
    );
    let content = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": OTHER}, "Action": "organizations:DescribeOrganization", "Resource": "*"}]});
    let put = env.ok(
        MGMT,
        "PutResourcePolicy",
        json!({"Content": content.to_string()}),
    );
    let rp = put["ResourcePolicy"]["ResourcePolicySummary"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(matches("^rp-[a-z0-9]{8}$", &rp));
    assert_eq!(
        put["ResourcePolicy"]["ResourcePolicySummary"]["Arn"],
        json!(format!(
            "arn:aws:organizations::{MGMT}:resourcepolicy/{org_id}/{rp}"
        ))
    );
    let described = env.ok(MGMT, "DescribeResourcePolicy", json!({}));
    assert_eq!(
        described["ResourcePolicy"]["Content"],
        json!(content.to_string())
    );
    env.ok(MGMT, "DeleteResourcePolicy", json!({}));

    env.ok(
        MGMT,
        "TagResource",
        json!({"ResourceId": root, "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    env.ok(
        MGMT,
        "TagResource",
        json!({"ResourceId": root, "Tags": [{"Key": "k2", "Value": "v2"}]}),
    );
    env.ok(
        MGMT,
        "UntagResource",
        json!({"ResourceId": root, "TagKeys": ["k"]}),
    );
    let tags = env.ok(MGMT, "ListTagsForResource", json!({"ResourceId": root}));
    assert_eq!(tags["Tags"], json!([{"Key": "k2", "Value": "v2"}]));
    assert_eq!(
        env.err(
            MGMT,
            "TagResource",
            json!({"ResourceId": "ou-abcd-00000000", "Tags": [{"Key": "k", "Value": "v"}]})
        ),
        (
            "TargetNotFoundException".into(),
            "You specified a target that doesn't exist.".into()
        )
    );
}

#[test]
fn close_account_and_enable_all_features() {
    let env = Env::new();
    let org = env.ok(
        MGMT,
        "CreateOrganization",
        json!({"FeatureSet": "CONSOLIDATED_BILLING"}),
    );
    assert_eq!(org["Organization"]["AvailablePolicyTypes"], json!([]));
    env.invite_and_accept(OTHER);
    let root = env.ok(MGMT, "ListRoots", json!({}))["Roots"][0]["Id"].clone();
    assert_eq!(
        env.err(
            MGMT,
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "TAG_POLICY"})
        )
        .0,
        "PolicyTypeNotAvailableForOrganizationException"
    );
    let started = env.ok(MGMT, "EnableAllFeatures", json!({}));
    let parent = started["Handshake"]["Id"].as_str().unwrap().to_owned();
    // The member approves first; then the management account completes it.
    assert_eq!(
        env.err(MGMT, "AcceptHandshake", json!({"HandshakeId": parent}))
            .0,
        "InvalidHandshakeTransitionException"
    );
    let approvals = env.ok(
        OTHER,
        "ListHandshakesForAccount",
        json!({"Filter": {"ParentHandshakeId": parent}}),
    );
    let approval = approvals["Handshakes"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(OTHER, "AcceptHandshake", json!({"HandshakeId": approval}));
    env.ok(MGMT, "AcceptHandshake", json!({"HandshakeId": parent}));
    let described = env.ok(MGMT, "DescribeOrganization", json!({}));
    assert_eq!(described["Organization"]["FeatureSet"], "ALL");
    env.ok(MGMT, "CloseAccount", json!({"AccountId": OTHER}));
    assert_eq!(
        env.err(MGMT, "CloseAccount", json!({"AccountId": OTHER})),
        (
            "AccountAlreadyClosedException".into(),
            "The provided account is already closed.".into()
        )
    );
    let (_, body) = env.call(MGMT, "CloseAccount", json!({"AccountId": MGMT}));
    assert_eq!(body["Reason"], "CANNOT_CLOSE_MANAGEMENT_ACCOUNT");
}

#[test]
fn responsibility_transfer_between_two_organizations() {
    let env = Env::new();
    env.org();
    env.ok(OTHER, "CreateOrganization", json!({}));
    let invite = env.ok(
        MGMT,
        "InviteOrganizationToTransferResponsibility",
        json!({"Type": "BILLING", "Target": {"Type": "ACCOUNT", "Id": OTHER},
               "SourceName": "billing", "StartTimestamp": 1_900_000_000}),
    );
    assert_eq!(invite["Handshake"]["Action"], "TRANSFER_RESPONSIBILITY");
    let inbound = env.ok(
        MGMT,
        "ListInboundResponsibilityTransfers",
        json!({"Type": "BILLING"}),
    );
    let transfer = inbound["ResponsibilityTransfers"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(matches("^rt-[0-9a-z]{8,32}$", &transfer));
    let outbound = env.ok(
        OTHER,
        "ListOutboundResponsibilityTransfers",
        json!({"Type": "BILLING"}),
    );
    assert_eq!(
        ids(&outbound["ResponsibilityTransfers"], "Id"),
        vec![transfer.clone()]
    );
    assert_eq!(
        env.err(
            MGMT,
            "TerminateResponsibilityTransfer",
            json!({"Id": transfer})
        )
        .0,
        "InvalidResponsibilityTransferTransitionException"
    );
    let hs = invite["Handshake"]["Id"].clone();
    env.ok(OTHER, "AcceptHandshake", json!({"HandshakeId": hs}));
    let described = env.ok(
        MGMT,
        "DescribeResponsibilityTransfer",
        json!({"Id": transfer}),
    );
    assert_eq!(described["ResponsibilityTransfer"]["Status"], "ACCEPTED");
    env.ok(
        MGMT,
        "UpdateResponsibilityTransfer",
        json!({"Id": transfer, "Name": "renamed"}),
    );
    let ended = env.ok(
        MGMT,
        "TerminateResponsibilityTransfer",
        json!({"Id": transfer}),
    );
    assert_eq!(ended["ResponsibilityTransfer"]["Status"], "WITHDRAWN");
    assert_eq!(ended["ResponsibilityTransfer"]["Name"], "renamed");
}

#[test]
fn every_modeled_operation_is_served() {
    let env = Env::new();
    env.org();
    let operations: Vec<String> = crate::protocol::ServiceId::Organizations
        .model()
        .operations
        .keys()
        .cloned()
        .collect();
    assert_eq!(operations.len(), 63);
    for op in operations {
        let (status, body) = env.call(MGMT, &op, json!({}));
        assert_ne!(status, 501, "{op}: {body}");
        assert!(status == 200 || status == 400, "{op}: {status} {body}");
        assert!(body.is_object(), "{op}: {body}");
    }
}

/// Bad input gets InvalidInputException with its Reason, as AWS answers it, never the
/// ValidationException of KMS; the body is compared whole.
#[test]
fn model_violations_are_invalid_input_with_a_reason() {
    let env = Env::new();
    env.org();
    let cases = [
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": "bad", "Name": "x"}),
            "INVALID_PATTERN",
            "You provided a value that does not match the required pattern.",
        ),
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": "r-abcd"}),
            "INPUT_REQUIRED",
            "You must include a value for all required parameters.",
        ),
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": "r-abcd", "Name": "n".repeat(129)}),
            "MAX_LENGTH_EXCEEDED",
            "You provided a string parameter that is longer than allowed.",
        ),
        (
            "CreateOrganizationalUnit",
            json!({"ParentId": "r-abcd", "Name": ""}),
            "MIN_LENGTH_EXCEEDED",
            "You provided a string parameter that is shorter than allowed.",
        ),
        (
            "ListChildren",
            json!({"ParentId": "r-abcd", "ChildType": "BLEE"}),
            "INVALID_ENUM",
            "You specified an invalid value.",
        ),
        (
            "ListAccounts",
            json!({"MaxResults": 21}),
            "MAX_VALUE_EXCEEDED",
            "You provided a numeric parameter that has a larger value than allowed.",
        ),
        (
            "ListAccounts",
            json!({"MaxResults": 0}),
            "MIN_VALUE_EXCEEDED",
            "You provided a numeric parameter that has a smaller value than allowed.",
        ),
    ];
    for (op, input, reason, message) in cases {
        let (status, body) = env.call(MGMT, op, input);
        assert_eq!(status, 400, "{op} {reason}");
        assert_eq!(
            body,
            json!({"__type": "InvalidInputException", "Message": message, "Reason": reason}),
            "{op} {reason}"
        );
    }
}

/// ListAccounts and ListAccountsForParent answer in the order accounts joined (management
/// account first), ListOrganizationalUnitsForParent in id order, ListPolicies the AWS-managed
/// policy first and then by id (AWS documents none): the same on every call and after the
/// state is saved and restored.
#[test]
fn lists_keep_one_order_across_calls_and_restores() {
    let env = Env::new();
    let (_, root) = env.org();
    let mut joined = vec![MGMT.to_owned()];
    // Created within the clock's millisecond as often as not: request order decides.
    for name in ["c", "a", "b"] {
        joined.push(env.create_account(name));
    }
    let mut ous: Vec<String> = ["z", "x", "y", "w"]
        .iter()
        .map(|name| env.create_ou(&root, name))
        .collect();
    ous.sort();
    let scp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let mut policies: Vec<String> = ["p3", "p1", "p2"]
        .iter()
        .map(|name| env.create_policy("SERVICE_CONTROL_POLICY", name, &scp))
        .collect();
    policies.sort();
    policies.insert(0, "p-FullAWSAccess".to_owned());
    let listed = |env: &Env| {
        (
            ids(&env.ok(MGMT, "ListAccounts", json!({}))["Accounts"], "Id"),
            ids(
                &env.ok(MGMT, "ListAccountsForParent", json!({"ParentId": root}))["Accounts"],
                "Id",
            ),
            ids(
                &env.ok(
                    MGMT,
                    "ListOrganizationalUnitsForParent",
                    json!({"ParentId": root}),
                )["OrganizationalUnits"],
                "Id",
            ),
            ids(
                &env.ok(
                    MGMT,
                    "ListPolicies",
                    json!({"Filter": "SERVICE_CONTROL_POLICY"}),
                )["Policies"],
                "Id",
            ),
        )
    };
    let expected = (joined.clone(), joined, ous, policies);
    assert_eq!(listed(&env), expected);
    assert_eq!(listed(&env), expected);
    let restored = Env::with(env.restored());
    assert_eq!(listed(&restored), expected);
}

#[test]
fn state_round_trips_through_json() {
    let env = Env::new();
    let (_, root) = env.org();
    env.create_account("a");
    env.create_ou(&root, "x");
    env.ok(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    );
    env.ok(
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": OTHER}}),
    );
    let world = env.world().clone();
    let text = serde_json::to_string(&world).unwrap();
    let back: World = serde_json::from_str(&text).unwrap();
    assert_eq!(back, world);
    // Old state documents without the field still load.
    let mut value = serde_json::to_value(&world).unwrap();
    if let Value::Object(map) = &mut value {
        map.remove("organizations");
    }
    let old: World = serde_json::from_value(value).unwrap();
    assert!(old.organizations.organizations.is_empty());
}

//! IAM's policy operations: the router, and what its parts share (the entities that carry
//! policies, how many attach a managed policy). The parts, in `policies/`: `inline.rs`
//! (inline policies of users, groups and roles), `attachment.rs` (managed policies, customer
//! and AWS, attached to them, and permissions boundaries), `managed.rs` (customer managed
//! policies with versions and tags), `details.rs` (ListEntitiesForPolicy and
//! GetAccountAuthorizationDetails).

mod attachment;
mod details;
mod entities;
mod inline;
mod managed;

use serde_json::Value;

use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

use entities::Entity;

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    use Entity::*;
    match operation {
        "PutUserPolicy" => inline::put_inline(ctx, world, input, User),
        "PutGroupPolicy" => inline::put_inline(ctx, world, input, Group),
        "PutRolePolicy" => inline::put_inline(ctx, world, input, Role),
        "GetUserPolicy" => inline::get_inline(ctx, world, input, User),
        "GetGroupPolicy" => inline::get_inline(ctx, world, input, Group),
        "GetRolePolicy" => inline::get_inline(ctx, world, input, Role),
        "ListUserPolicies" => inline::list_inline(ctx, world, input, User),
        "ListGroupPolicies" => inline::list_inline(ctx, world, input, Group),
        "ListRolePolicies" => inline::list_inline(ctx, world, input, Role),
        "DeleteUserPolicy" => inline::delete_inline(ctx, world, input, User),
        "DeleteGroupPolicy" => inline::delete_inline(ctx, world, input, Group),
        "DeleteRolePolicy" => inline::delete_inline(ctx, world, input, Role),
        "AttachUserPolicy" => attachment::attach(ctx, world, input, User),
        "AttachGroupPolicy" => attachment::attach(ctx, world, input, Group),
        "AttachRolePolicy" => attachment::attach(ctx, world, input, Role),
        "DetachUserPolicy" => attachment::detach(ctx, world, input, User),
        "DetachGroupPolicy" => attachment::detach(ctx, world, input, Group),
        "DetachRolePolicy" => attachment::detach(ctx, world, input, Role),
        "ListAttachedUserPolicies" => attachment::list_attached(ctx, world, input, User),
        "ListAttachedGroupPolicies" => attachment::list_attached(ctx, world, input, Group),
        "ListAttachedRolePolicies" => attachment::list_attached(ctx, world, input, Role),
        "PutUserPermissionsBoundary" => attachment::put_boundary(ctx, world, input, User),
        "PutRolePermissionsBoundary" => attachment::put_boundary(ctx, world, input, Role),
        "DeleteUserPermissionsBoundary" => attachment::delete_boundary(ctx, world, input, User),
        "DeleteRolePermissionsBoundary" => attachment::delete_boundary(ctx, world, input, Role),
        "CreatePolicy" => managed::create_policy(ctx, world, input),
        "GetPolicy" => managed::get_policy(ctx, world, input),
        "GetPolicyVersion" => managed::get_policy_version(ctx, world, input),
        "CreatePolicyVersion" => managed::create_policy_version(ctx, world, input),
        "SetDefaultPolicyVersion" => managed::set_default_version(ctx, world, input),
        "ListPolicies" => managed::list_policies(ctx, world, input),
        "ListPolicyVersions" => managed::list_policy_versions(ctx, world, input),
        "DeletePolicy" => managed::delete_policy(ctx, world, input),
        "DeletePolicyVersion" => managed::delete_policy_version(ctx, world, input),
        "ListEntitiesForPolicy" => details::entities_for_policy(ctx, world, input),
        "GetAccountAuthorizationDetails" => details::authorization_details(ctx, world, input),
        "TagPolicy" => managed::tag_policy(ctx, world, input),
        "UntagPolicy" => managed::untag_policy(ctx, world, input),
        "ListPolicyTags" => managed::list_policy_tags(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use crate::world::World;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;

    #[test]
    fn managed_policy_lifecycle_and_its_conflicts() {
        let mut w = World::default();
        let p = iam(
            &mut w,
            "CreatePolicy",
            json!({"PolicyName": "kms-use", "PolicyDocument": POLICY}),
        )
        .unwrap();
        let arn = p["Policy"]["Arn"].as_str().unwrap_or_default().to_owned();
        assert_eq!(arn, "arn:aws:iam::222222222222:policy/kms-use");
        assert_eq!(
            err(iam(
                &mut w,
                "CreatePolicy",
                json!({"PolicyName": "kms-use", "PolicyDocument": POLICY})
            )),
            (
                "EntityAlreadyExists".into(),
                409,
                "A policy called kms-use already exists. Duplicate names are not allowed.".into()
            )
        );
        iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST_ANY}),
        )
        .unwrap();
        iam(
            &mut w,
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": arn}),
        )
        .unwrap();
        let got = iam(&mut w, "GetPolicy", json!({"PolicyArn": arn})).unwrap();
        assert_eq!(got["Policy"]["AttachmentCount"], 1);
        assert_eq!(
            err(iam(&mut w, "DeleteRole", json!({"RoleName": "r"}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must detach all policies first.".into()
            )
        );
        assert_eq!(
            err(iam(&mut w, "DeletePolicy", json!({"PolicyArn": arn}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete a policy attached to entities.".into()
            )
        );
        for _ in 0..4 {
            iam(
                &mut w,
                "CreatePolicyVersion",
                json!({"PolicyArn": arn, "PolicyDocument": POLICY}),
            )
            .unwrap();
        }
        assert_eq!(
            err(iam(&mut w, "CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": POLICY}))),
            ("LimitExceeded".into(), 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into())
        );
        assert_eq!(
            err(iam(
                &mut w,
                "DeletePolicyVersion",
                json!({"PolicyArn": arn, "VersionId": "v1"})
            )),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete the default version of a policy.".into()
            )
        );
        iam(
            &mut w,
            "SetDefaultPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v5"}),
        )
        .unwrap();
        let v = iam(
            &mut w,
            "GetPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v5"}),
        )
        .unwrap();
        assert_eq!(v["PolicyVersion"]["IsDefaultVersion"], true);
        assert!(v["PolicyVersion"]["Document"]
            .as_str()
            .is_some_and(|d| d.starts_with("%7B%22Version")));
        let versions = iam(&mut w, "ListPolicyVersions", json!({"PolicyArn": arn})).unwrap();
        assert_eq!(versions["Versions"][0]["VersionId"], "v5");
        iam(
            &mut w,
            "DetachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": arn}),
        )
        .unwrap();
        let (_, _, message) = err(iam(&mut w, "DeletePolicy", json!({"PolicyArn": arn})));
        assert!(message.starts_with("This policy has more than one version."));
        assert_eq!(
            err(iam(
                &mut w,
                "AttachRolePolicy",
                json!({"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/Nope"})
            )),
            (
                "NoSuchEntity".into(),
                404,
                "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.".into()
            )
        );
    }

    #[test]
    fn inline_policies_and_their_quota() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "u"})).unwrap();
        iam(
            &mut w,
            "PutUserPolicy",
            json!({"UserName": "u", "PolicyName": "p", "PolicyDocument": POLICY}),
        )
        .unwrap();
        let got = iam(
            &mut w,
            "GetUserPolicy",
            json!({"UserName": "u", "PolicyName": "p"}),
        )
        .unwrap();
        assert_eq!(got["UserName"], "u");
        assert_eq!(
            err(iam(&mut w, "DeleteUser", json!({"UserName": "u"}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must delete policies first.".into()
            )
        );
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::{}"}}]}}"#,
            "b".repeat(2000)
        );
        assert_eq!(
            err(iam(
                &mut w,
                "PutUserPolicy",
                json!({"UserName": "u", "PolicyName": "big", "PolicyDocument": big})
            )),
            (
                "LimitExceeded".into(),
                409,
                "Maximum policy size of 2048 bytes exceeded for user u".into()
            )
        );
        iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST_ANY}),
        )
        .unwrap();
        assert_eq!(
            err(iam(
                &mut w,
                "GetRolePolicy",
                json!({"RoleName": "r", "PolicyName": "x"})
            )),
            (
                "NoSuchEntity".into(),
                404,
                "The role policy with name x cannot be found.".into()
            )
        );
    }

    #[test]
    fn aws_managed_policies_exist_in_every_account() {
        let mut w = World::default();
        let p = iam(
            &mut w,
            "GetPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        )
        .unwrap();
        assert_eq!(p["Policy"]["PolicyName"], "AdministratorAccess");
        let local = iam(&mut w, "ListPolicies", json!({"Scope": "Local"})).unwrap();
        assert_eq!(local["Policies"].as_array().map(Vec::len), Some(0));
        let aws = iam(
            &mut w,
            "ListPolicies",
            json!({"Scope": "AWS", "MaxItems": 2}),
        )
        .unwrap();
        assert_eq!(aws["IsTruncated"], true);
        iam(&mut w, "CreateUser", json!({"UserName": "u"})).unwrap();
        iam(
            &mut w,
            "AttachUserPolicy",
            json!({"UserName": "u", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        )
        .unwrap();
        let attached = iam(&mut w, "ListPolicies", json!({"OnlyAttached": true})).unwrap();
        assert_eq!(attached["Policies"][0]["PolicyName"], "ReadOnlyAccess");
        let entities = iam(
            &mut w,
            "ListEntitiesForPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        )
        .unwrap();
        assert_eq!(entities["PolicyUsers"][0]["UserName"], "u");
        let details = iam(&mut w, "GetAccountAuthorizationDetails", json!({})).unwrap();
        assert_eq!(
            details["UserDetailList"][0]["AttachedManagedPolicies"][0]["PolicyName"],
            "ReadOnlyAccess"
        );
    }
}

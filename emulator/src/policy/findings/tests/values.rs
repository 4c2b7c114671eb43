//! Action, Resource and Principal values, trust policies, iam:PassRole.

use super::*;

#[test]
fn actions() {
    let act = |a: &str| {
        one(&format!(
            r#"{{"Effect":"Allow","Action":["kms:Encrypt","{a}"],"Resource":"*"}}"#
        ))
    };
    let at = p(r#"{"value":"Action"},{"index":1}"#);
    identity(
        &act("kms:Decrpyt"),
        "INVALID_ACTION",
        "The action kms:Decrpyt does not exist. Did you mean kms:Decrypt?",
        &at,
        "\"kms:Decrpyt\"",
    );
    identity(
        &act("invalid"),
        "INVALID_ACTION",
        "The action invalid does not exist.",
        &at,
        "\"invalid\"",
    );
    identity(
        &act("kms:Nothing*"),
        "INVALID_ACTION",
        "The action kms:Nothing* does not exist.",
        &at,
        "\"kms:Nothing*\"",
    );
    identity(
        &act("kmss:Decrypt"),
        "INVALID_SERVICE_IN_ACTION",
        "The service kmss specified in the action does not exist. Did you mean kms?",
        &at,
        "\"kmss:Decrypt\"",
    );
    identity(
        &act("aaaaaadsfdsafsadfsadfaaaaa:ListBucket"),
        "INVALID_SERVICE_IN_ACTION",
        "The service aaaaaadsfdsafsadfsadfaaaaa specified in the action does not exist.",
        &at,
        "\"aaaaaadsfdsafsadfsadfaaaaa:ListBucket\"",
    );
    identity(
        &act("k*s:Decrypt"),
        "WILDCARD_IN_SERVICE_NAME",
        "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.",
        &at,
        "\"k*s:Decrypt\"",
    );
    identity(
        &act("kms:${aws:username}"),
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        "Policy variables are supported in the Resource and Condition elements. Remove the policy variable ${aws:username} from this element.",
        &at,
        "\"kms:${aws:username}\"",
    );
    identity(
        &act("kms:Encrypt"),
        "REDUNDANT_ACTION",
        "The 1 action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: kms:Encrypt.",
        &at,
        "\"kms:Encrypt\"",
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":["kms:Encrypt","kms:*"],"Resource":"*"}"#),
        "REDUNDANT_ACTION",
        "The 1 action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: kms:Encrypt.",
        &p(r#"{"value":"Action"},{"index":0}"#),
        "\"kms:Encrypt\"",
    );
    // Actions of services keyhole does not model are not judged, only their prefixes.
    assert_eq!(
        validate_findings(&act("s3:GetObject"), IdentityPolicy, None),
        vec![]
    );
}

#[test]
fn resources() {
    let res = |r: &str| {
        one(&format!(
            r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{r}"}}"#
        ))
    };
    let at = p(r#"{"value":"Resource"}"#);
    let q = |r: &str| format!("\"{r}\"");
    let case = |r: &str, code: &str, details: &str| identity(&res(r), code, details, &at, &q(r));
    case(
        "invalid resource",
        "INVALID_ARN_PREFIX",
        "Add the required prefix (arn) to the resource ARN.",
    );
    case(
        "arn:aws:s3::bucket",
        "MISSING_ARN_FIELD",
        "Resource ARNs must include at least 6 fields in the following structure: arn:partition:service:region:account:resource",
    );
    case(
        "arn:error:s3:::bucket",
        "INVALID_PARTITION",
        "The resource ARN for the service s3 does not support the partition error. Use the supported values: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc",
    );
    case(
        "arn:aws:KMS:us-east-1:111122223333:key/k",
        "INVALID_ARN_SERVICE_CASE",
        "Update the service name KMS in the resource ARN to use all lowercase letters.",
    );
    case(
        "arn:aws:s33:::bucket",
        "INVALID_SERVICE",
        "The service s33 does not exist. Use a valid service name.",
    );
    case(
        "arn:aws:iam:us-east-1:111122223333:role/r",
        "ARN_REGION_NOT_ALLOWED",
        "The service iam does not support specifying a Region in the resource ARN.",
    );
    case(
        "arn:aws:s3::111122223333:bucket",
        "ARN_ACCOUNT_NOT_ALLOWED",
        "The service s3 does not support specifying an account ID in the resource ARN.",
    );
    case(
        "arn:aws:kms::111122223333:key/k",
        "MISSING_ARN_REGION",
        "Add a Region to the kms resource ARN.",
    );
    case(
        "arn:aws:kms:us-east-1:account-id:key/k",
        "INVALID_ARN_ACCOUNT",
        "The resource ARN account ID account-id is not valid. Provide a 12-digit account ID.",
    );
    case(
        "arn:aws:kms:region:111122223333:key/k",
        "INVALID_ARN_REGION",
        "The Region region is not valid for this resource. Update the resource ARN to include a supported Region.",
    );
    case(
        "arn:aws:kms:us-east-1:111122223333:keys/k",
        "INVALID_ARN_RESOURCE",
        "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.",
    );
    case(
        "arn:aws:iam::111122223333:user/${aws:username",
        "MISSING_BRACE_IN_VARIABLE",
        "The policy variable is missing a closing curly brace. Add } after the variable text.",
    );
    case(
        "arn:aws:iam::111122223333:user/${}",
        "EMPTY_VARIABLE",
        "Empty policy variable. Remove the ${ } variable structure or provide a variable within the structure.",
    );
    case(
        "arn:aws:iam::111122223333:user/${aws: username}",
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        "A space is not supported within the policy variable text. Remove the space.",
    );
    let doc = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}]}"#;
    identity(
        doc,
        "VARIABLE_UNSUPPORTED_IN_VERSION",
        "To include variables in your policy, use the policy version 2012-10-17 or later.",
        &at,
        "\"arn:aws:iam::111122223333:user/${aws:username}\"",
    );
    identity(
        &one(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b/x"]}"#),
        "REDUNDANT_RESOURCE",
        "The 1 resource ARN(s) are redundant because they reference the same resource. Review the use of wildcards (*)",
        &p(r#"{"value":"Resource"},{"index":1}"#),
        "\"arn:aws:s3:::b/x\"",
    );
}

#[test]
fn principals() {
    let rp = |principal: &str| {
        format!(
            r#"{{{V},"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
        )
    };
    identity(
        &one(r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"#),
        "UNSUPPORTED_PRINCIPAL",
        "The policy type IDENTITY_POLICY does not support the Principal element. Remove the Principal element.",
        &p(r#"{"key":"Principal"}"#),
        "\"Principal\"",
    );
    let st = r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}"#;
    resource(
        &one(st),
        "MISSING_PRINCIPAL",
        "Add a Principal element to the policy statement.",
        &p(""),
        st,
    );
    let at = |k: &str| p(&format!(r#"{{"value":"Principal"}},{{"value":"{k}"}}"#));
    resource(
        &rp(r#"{"AWS":"arn:aws:iam::111122223333:user/*"}"#),
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        "Wildcards (*, ?) are not supported with the principal key AWS. Replace the wildcard with a valid principal value.",
        &at("AWS"),
        "\"arn:aws:iam::111122223333:user/*\"",
    );
    resource(
        &rp(r#"{"Users":"x"}"#),
        "INVALID_PRINCIPAL_KEY",
        "The principal key Users is not valid.",
        &p(r#"{"value":"Principal"},{"key":"Users"}"#),
        "\"Users\"",
    );
    resource(
        &rp(r#""111122223333""#),
        "INVALID_PRINCIPAL_FORMAT",
        "The Principal element contents are not valid. Specify a key-value pair in the Principal element.",
        &p(r#"{"value":"Principal"}"#),
        "\"111122223333\"",
    );
    resource(
        &rp("{}"),
        "EMPTY_OBJECT_PRINCIPAL",
        "This statement includes no principals and does not affect the policy. Specify principals.",
        &p(r#"{"value":"Principal"}"#),
        "{}",
    );
    resource(
        &rp(r#"{"AWS":[]}"#),
        "EMPTY_ARRAY_PRINCIPAL",
        "This statement includes no principals and does not affect the policy. Specify principals.",
        &at("AWS"),
        "[]",
    );
    resource(
        &rp(r#"{"Service":"logs"}"#),
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        "The service principal does not match the expected format. Use the format <service-name>.amazonaws.com.",
        &at("Service"),
        "\"logs\"",
    );
    resource(
        &rp(r#"{"AWS":"AIDAJQABLZS4A3QDU576Q"}"#),
        "INVALID_USER_REFERENCE",
        "The Principal element includes the IAM user ID AIDAJQABLZS4A3QDU576Q. We recommend that you use a user ARN instead.",
        &at("AWS"),
        "\"AIDAJQABLZS4A3QDU576Q\"",
    );
    resource(
        &rp(r#"{"AWS":"AROADBQP57FF2AEXAMPLE"}"#),
        "INVALID_ROLE_REFERENCE",
        "The Principal element includes the IAM role ID AROADBQP57FF2AEXAMPLE. We recommend that you use a role ARN instead.",
        &at("AWS"),
        "\"AROADBQP57FF2AEXAMPLE\"",
    );
    resource(
        &rp(r#"{"Service":"logs.amazonaws.com"}"#),
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        "Granting access to a service principal without specifying a source is overly permissive. Use aws:SourceArn or aws:SourceAccount condition key and scope access to a specific source to grant fine-grained access.",
        &at("Service"),
        "\"logs.amazonaws.com\"",
    );
    let doc = one(
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"kms:Decrypt","Resource":"*"}"#,
    );
    resource(
        &doc,
        "ALLOW_WITH_NOT_PRINCIPAL",
        "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.",
        &p(r#"{"key":"NotPrincipal"}"#),
        "\"NotPrincipal\"",
    );
}

#[test]
fn trust_policies() {
    let doc = one(r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#);
    trust(
        &doc,
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        "\"Principal:\" \"*\" is not supported in the principal element of a role trust policy. Replace the wildcard with a valid principal value.",
        &p(r#"{"value":"Principal"}"#),
        "\"*\"",
    );
    let doc =
        one(r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}"#);
    trust(
        &doc,
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
        "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.",
        &p(r#"{"key":"NotPrincipal"}"#),
        "\"NotPrincipal\"",
    );
    let doc = one(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}"#,
    );
    trust(
        &doc,
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
        "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element.",
        &p(r#"{"key":"Resource"}"#),
        "\"Resource\"",
    );
    let big = format!(
        r#"{{{V},"Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"sts:AssumeRole"}}]}}"#,
        (0..80)
            .map(|i| format!("\"arn:aws:iam::111122223333:role/r{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    trust(
        &big,
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        "The characters in the role trust policy, excluding whitespace, exceed the character maximum. We recommend that you request a role trust policy length quota increase using Service Quotas and AWS Support Center. If the quotas have already been increased, then you can ignore this warning.",
        "[]",
        &big,
    );
}

#[test]
fn pass_role_and_service_linked_roles() {
    let details = |code: &str| codes::check(code).details.to_string();
    let st = |s: &str| one(s);
    let cases = [
        (
            r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#,
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "\"iam:PassRole\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:*"}"#,
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
            "\"iam:*\"",
        ),
        (
            r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#,
            "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            "\"NotAction\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::111122223333:role/admin"}"#,
            "PASS_ROLE_WITH_NOT_RESOURCE",
            "\"iam:PassRole\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:Pass*","NotResource":"arn:aws:iam::111122223333:role/admin"}"#,
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            "\"iam:Pass*\"",
        ),
        (
            r#"{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:s3:::b"}"#,
            "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            "\"NotAction\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*"}"#,
            "CREATE_SLR_WITH_STAR_IN_RESOURCE",
            "\"iam:CreateServiceLinkedRole\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:Create*","Resource":"*"}"#,
            "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
            "\"iam:Create*\"",
        ),
        (
            r#"{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","NotResource":"arn:aws:iam::111122223333:role/x"}"#,
            "CREATE_SLR_WITH_NOT_RESOURCE",
            "\"iam:CreateServiceLinkedRole\"",
        ),
    ];
    for (s, code, spanned) in cases {
        let doc = st(s);
        let f = validate_findings(&doc, IdentityPolicy, None);
        let hit = f
            .iter()
            .find(|f| f.issue_code == code)
            .unwrap_or_else(|| panic!("{code}: {f:#?}"));
        assert_eq!(hit.finding_details, details(code));
        let l = &hit.locations[0];
        assert_eq!(
            &doc[l.span.start.offset as usize..l.span.end.offset as usize],
            spanned,
            "{code}"
        );
        assert_eq!(
            hit.locations.len(),
            2,
            "{code}: the action and the resource"
        );
    }
    // The condition key AWS recommends takes the warning away.
    let scoped = one(
        r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}"#,
    );
    assert_eq!(validate_findings(&scoped, IdentityPolicy, None), vec![]);
}

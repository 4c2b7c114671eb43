//! Conditions, service control policies, and the checks of a whole policy.

use super::*;

#[test]
fn conditions() {
    let cond = |c: &str| {
        one(&format!(
            r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{c}}}"#
        ))
    };
    let c = |rest: &str| p(&format!(r#"{{"value":"Condition"}},{rest}"#));
    identity(
        &cond("[]"),
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type Object.",
        &p(r#"{"value":"Condition"}"#),
        "[]",
    );
    identity(
        &cond("{}"),
        "EMPTY_OBJECT_CONDITION",
        "This condition block is empty and it does not affect the policy. Specify conditions.",
        &p(r#"{"value":"Condition"}"#),
        "{}",
    );
    identity(
        &cond(r#"{"StringEqual":{"aws:username":"a"}}"#),
        "INVALID_CONDITION_OPERATOR",
        "The condition operator StringEqual is not valid. Use a valid condition operator.",
        &c(r#"{"key":"StringEqual"}"#),
        "\"StringEqual\"",
    );
    identity(
        &cond(r#"{"NullIfExists":{"aws:username":"true"}}"#),
        "NULL_WITH_IF_EXISTS",
        "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.",
        &c(r#"{"key":"NullIfExists"}"#),
        "\"NullIfExists\"",
    );
    identity(
        &cond(r#"{"ForAnyValue:Null":{"aws:TagKeys":"true"}}"#),
        "NULL_WITH_QUALIFIER",
        "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false respectively.",
        &c(r#"{"key":"ForAnyValue:Null"}"#),
        "\"ForAnyValue:Null\"",
    );
    let key = |op: &str, k: &str| c(&format!(r#"{{"value":"{op}"}},{{"key":"{k}"}}"#));
    let val = |op: &str, k: &str| c(&format!(r#"{{"value":"{op}"}},{{"value":"{k}"}}"#));
    identity(
        &cond(r#"{"StringEquals":{"a":"b"}}"#),
        "INVALID_CONDITION_KEY_FORMAT",
        "The condition key format is not valid. Use the format service:keyname.",
        &key("StringEquals", "a"),
        "\"a\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"aws:usernme":"b"}}"#),
        "INVALID_GLOBAL_CONDITION_KEY",
        "The condition key aws:usernme does not exist. Use a valid condition key.",
        &key("StringEquals", "aws:usernme"),
        "\"aws:usernme\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"kms:ViaServices":"b"}}"#),
        "INVALID_SERVICE_CONDITION_KEY",
        "The condition key kms:ViaServices does not exist in the service kms. Use a valid condition key.",
        &key("StringEquals", "kms:ViaServices"),
        "\"kms:ViaServices\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"aws:username":"a","aws:UserName":"b"}}"#),
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        "The condition key aws:UserName appears more than once with different capitalization in the same condition block. Remove the duplicate condition keys.",
        &key("StringEquals", "aws:UserName"),
        "\"aws:UserName\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"aws:RequestTag":"b"}}"#),
        "MISSING_TAG_KEY_IN_CONDITION",
        "The condition key aws:RequestTag/ must include a tag key to control access based on tags. Use the format aws:RequestTag/tag-key and specify a key name for tag-key.",
        &key("StringEquals", "aws:RequestTag"),
        "\"aws:RequestTag\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"aws:ARN":"b"}}"#),
        "DEPRECATED_GLOBAL_CONDITION_KEY",
        "We recommend that you update aws:ARN to use the newer condition key aws:PrincipalArn.",
        &key("StringEquals", "aws:ARN"),
        "\"aws:ARN\"",
    );
    resource(
        &format!(r#"{{{V},"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"aws:ARN":"b"}}}}}}]}}"#),
        "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.",
        &key("StringEquals", "aws:ARN"),
        "\"aws:ARN\"",
    );
    identity(
        &cond(r#"{"ForAllValues:StringEquals":{"aws:username":"b"}}"#),
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        "Using ForAllValues qualifier with the single-valued condition key aws:username can be overly permissive. We recommend that you remove ForAllValues:.",
        &key("ForAllValues:StringEquals", "aws:username"),
        "\"aws:username\"",
    );
    identity(
        &cond(r#"{"StringEquals":{"aws:CurrentTime":"2020-01-01"}}"#),
        "TYPE_MISMATCH",
        "Use the operator type Date instead of operator StringEquals for the condition key aws:CurrentTime.",
        &key("StringEquals", "aws:CurrentTime"),
        "\"aws:CurrentTime\"",
    );
    let v = |op: &str, k: &str, value: &str, code: &str, details: &str| {
        identity(
            &cond(&format!(r#"{{"{op}":{{"{k}":{value}}}}}"#)),
            code,
            details,
            &val(op, k),
            value,
        );
    };
    v(
        "Bool",
        "aws:SecureTransport",
        "\"yes\"",
        "TYPE_MISMATCH_BOOLEAN",
        "Add a valid Boolean value (true or false) for the condition operator Bool.",
    );
    v(
        "DateGreaterThan",
        "aws:CurrentTime",
        "\"tomorrow\"",
        "TYPE_MISMATCH_DATE",
        "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.",
    );
    v(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        "\"ten\"",
        "TYPE_MISMATCH_NUMBER",
        "Add a valid numeric value for the condition operator NumericLessThan.",
    );
    v(
        "IpAddress",
        "aws:SourceIp",
        "\"300.1.1.1/8\"",
        "TYPE_MISMATCH_IP_RANGE",
        "The condition operator IpAddress is used with an invalid IP range value. Specify the IP range in standard CIDR format.",
    );
    v(
        "BinaryEquals",
        "kms:ViaService",
        "\"!!\"",
        "TYPE_MISMATCH_STRING",
        "Add a valid base64-encoded string value for the condition operator BinaryEquals.",
    );
    v(
        "IpAddress",
        "aws:SourceIp",
        "\"203.0.113.7/24\"",
        "IMPROVE_IP_RANGE",
        "The non-zero bits in the IP address after the masked bits are ignored. Replace address with 203.0.113.0/24.",
    );
    v(
        "IpAddress",
        "aws:SourceIp",
        "\"10.0.0.0/16\"",
        "PRIVATE_IP_ADDRESS",
        "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp include only private IP addresses and will not have the desired effect. Update the value to include only public IP addresses.",
    );
    v(
        "NotIpAddress",
        "aws:SourceIp",
        "\"10.0.0.0/16\"",
        "PRIVATE_NOT_IP_ADDRESS",
        "The values for condition key aws:SourceIp include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges. Update the value to include only public IP addresses.",
    );
    v(
        "StringEquals",
        "aws:username",
        "\"ad*\"",
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like.",
    );
    v(
        "StringEquals",
        "aws:username",
        "[]",
        "EMPTY_ARRAY_CONDITION",
        "There are no values for the condition key aws:username and it does not affect the policy. Specify conditions.",
    );
    v(
        "StringEqualsIfExists",
        "aws:username",
        "[]",
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        "The IfExists suffix with an empty condition key matches only if the key aws:username is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.",
    );
    v(
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        "[]",
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        "The ForAnyValue prefix with an empty condition key aws:TagKeys never matches the request context and it does not affect the policy. Specify conditions.",
    );
    v(
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        "[]",
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        "The ForAllValues prefix with an empty condition key matches only if the key aws:TagKeys is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.",
    );
    v(
        "StringEquals",
        "aws:username",
        "[\"a\",true]",
        "INVALID_CONDITION_DATA_TYPE",
        "The condition value data types do not match. Use condition values of the same JSON data type.",
    );
    v(
        "StringEquals",
        "aws:username",
        "{}",
        "DATA_TYPE_MISMATCH",
        "The text does not match the expected JSON data type String.",
    );
    v(
        "NumericEquals",
        "aws:MultiFactorAuthAge",
        "\"${aws:username}\"",
        "INVALID_VARIABLE_FOR_OPERATOR",
        "Policy variables can only be used with String and ARN operators.",
    );
    let mixed = cond(r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}"#);
    identity(
        &mixed,
        "PRIVATE_IP_ADDRESS_SUBSET",
        "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses will not have the desired effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.",
        &c(r#"{"value":"IpAddress"},{"value":"aws:SourceIp"},{"index":0}"#),
        "\"10.0.0.0/8\"",
    );
    let mixed = cond(r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","192.168.0.0/16"]}}"#);
    identity(
        &mixed,
        "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.",
        &c(r#"{"value":"NotIpAddress"},{"value":"aws:SourceIp"},{"index":1}"#),
        "\"192.168.0.0/16\"",
    );
}

#[test]
fn service_control_policies() {
    let doc = one(
        r#"{"Effect":"Allow","Principal":"*","NotAction":"kms:*","Resource":"arn:aws:kms:*:*:key/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
    );
    scp(
        &doc,
        "SCP_SYNTAX_ERROR_PRINCIPAL",
        "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.",
        &p(r#"{"key":"Principal"}"#),
        "\"Principal\"",
    );
    scp(&doc, "SCP_SYNTAX_ERROR_ALLOW_CONDITION", "SCPs do not support the Condition element with effect Allow. Update the element Condition or the effect.", &p(r#"{"key":"Condition"}"#), "\"Condition\"");
    scp(&doc, "SCP_SYNTAX_ERROR_ALLOW_NOTACTION", "SCPs do not support NotAction with effect Allow. Update the element NotAction or the effect.", &p(r#"{"key":"NotAction"}"#), "\"NotAction\"");
    scp(&doc, "SCP_SYNTAX_ERROR_ALLOW_RESOURCE", "SCPs do not support Resource with effect Allow. Update the element Resource or the effect.", &p(r#"{"key":"Resource"}"#), "\"Resource\"");
    let doc = one(
        r#"{"Effect":"Deny","Action":"iam:*Role","NotResource":"arn:aws:iam::111122223333:role/admin"}"#,
    );
    scp(
        &doc,
        "SCP_SYNTAX_ERROR_NOTRESOURCE",
        "SCPs do not support the NotResource element. Update the policy to use Resource instead.",
        &p(r#"{"key":"NotResource"}"#),
        "\"NotResource\"",
    );
    scp(
        &doc,
        "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
        "SCP actions can include wildcards (*) only at the end of a string. Update iam:*Role.",
        &p(r#"{"value":"Action"}"#),
        "\"iam:*Role\"",
    );
    let big = one(&format!(
        r#"{{"Effect":"Deny","Action":[{}],"Resource":"*"}}"#,
        (0..400)
            .map(|_| "\"kms:Decrypt\"")
            .collect::<Vec<_>>()
            .join(",")
    ));
    scp(
        &big,
        "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
        &format!("The {} characters in the service control policy (SCP) exceed the 5120 character maximum for SCPs. We recommend that you use multiple granular policies.", big.len()),
        "[]",
        &big,
    );
}

#[test]
fn whole_policy_checks() {
    let st = r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}"#;
    let doc = format!(r#"{{{V},"Statement":[{st},{st}]}}"#);
    identity(
        &doc,
        "REDUNDANT_STATEMENT",
        "The statements are redundant because they provide identical permissions. Update the policy to remove the redundant statement.",
        r#"[{"value":"Statement"},{"index":1}]"#,
        st,
    );
    let big = one(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        (0..700)
            .map(|i| format!("\"s3:Get{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    ));
    identity(
        &big,
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        &format!("The {} characters in the identity policy, excluding whitespace, exceed the 6144 character maximum for inline and managed policies. We recommend that you use multiple granular policies.", big.len()),
        "[]",
        &big,
    );
}

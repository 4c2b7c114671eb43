//! The Access Analyzer checks keyhole runs: issue code, finding type and `findingDetails`
//! template, each as AWS's "IAM policy validation check reference" gives it
//! (`access-analyzer-reference-policy-checks`, awsdocs/iam-user-guide at 651083f, 2023-05-11:
//! the template is the one quoted under "In programmatic calls to the AWS CLI or AWS API").
//! The issue code is the section's anchor upper-cased (the current page prints both, e.g.
//! "Issue code: ARN_ACCOUNT_NOT_ALLOWED" under `#…-error-arn-account-not-allowed`), and the
//! learn-more link is the page with that anchor (for all 102 codes below the anchor rebuilt
//! from the code is the page's anchor). Placeholders are `{{name}}` or `${name}`.
//!
//! Inferred, where the page leaves a value unsaid: INVALID_VERSION lists
//! `2012-10-17, 2008-10-17`; DATA_TYPE_MISMATCH names `String`, `Array` or `Object`;
//! INVALID_SERVICE_PRINCIPAL_FORMAT expects `<service-name>.amazonaws.com`; INVALID_ACTION and
//! INVALID_SERVICE_IN_ACTION drop "Did you mean ...?" when nothing is within two edits;
//! TYPE_MISMATCH names the operator families (`Date`, `Numeric`, `Bool`, `IPAddress`, ...).

use super::types::FindingType::{self, *};

/// One documented check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub finding_type: FindingType,
    pub details: &'static str,
}

const fn c(finding_type: FindingType, code: &'static str, details: &'static str) -> Check {
    Check {
        code,
        finding_type,
        details,
    }
}

pub const REFERENCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";

impl Check {
    /// AWS's page for this check: the reference, at the section's anchor.
    pub fn learn_more_link(&self) -> String {
        let kind = match self.finding_type {
            Error => "error",
            Warning => "general-warning",
            SecurityWarning => "security-warning",
            Suggestion => "suggestion",
        };
        format!(
            "{REFERENCE}#access-analyzer-reference-policy-checks-{kind}-{}",
            self.code.to_ascii_lowercase().replace('_', "-")
        )
    }
}

/// The check for `code`. Panics on a code missing from [`CHECKS`]: callers name codes as
/// literals, and a test runs every one.
pub fn check(code: &str) -> &'static Check {
    CHECKS
        .iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| panic!("no Access Analyzer check {code}"))
}

/// `template` with each `{{name}}` or `${name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out
            .replace(&format!("{{{{{name}}}}}"), value)
            .replace(&format!("${{{name}}}"), value);
    }
    out
}

#[rustfmt::skip]
pub const CHECKS: &[Check] = &[
    c(Error, "JSON_SYNTAX_ERROR", "Fix the JSON syntax error at index {{index}} line {{line}} column {{column}}."),
    c(Error, "INVALID_POLICY_ELEMENT", "The policy element {{element}} is not valid."),
    c(Error, "DATA_TYPE_MISMATCH", "The text does not match the expected JSON data type {{data_type}}."),
    c(Error, "INVALID_VERSION", "The version ${version} is not valid. Use one of the following versions: ${versions}"),
    c(Error, "MISSING_STATEMENT", "Add a statement to the policy"),
    c(Error, "MISSING_EFFECT", "Add an Effect element to the policy statement with a value of Allow or Deny."),
    c(Error, "INVALID_EFFECT", "The effect {{effect}} is not valid. Use Allow or Deny."),
    c(Error, "MISSING_ACTION", "Add an Action or NotAction element to the policy statement."),
    c(Error, "MISSING_RESOURCE", "Add a Resource or NotResource element to the policy statement."),
    c(Error, "MISSING_PRINCIPAL", "Add a Principal element to the policy statement."),
    c(Error, "UNSUPPORTED_PRINCIPAL", "The policy type ${policy_type} does not support the Principal element. Remove the Principal element."),
    c(Error, "UNSUPPORTED_ELEMENT_COMBINATION", "The policy elements ${element1} and ${element2} can not be used in the same statement. Remove one of these elements."),
    c(Error, "UNIQUE_SIDS_REQUIRED", "Duplicate statement IDs are not supported for this policy type. Update the Sid value."),
    c(Error, "UNSUPPORTED_SID", "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]"),
    c(Error, "INVALID_ACTION", "The action {{action}} does not exist. Did you mean {{valid_action}}?"),
    c(Error, "INVALID_SERVICE_IN_ACTION", "The service {{service}} specified in the action does not exist. Did you mean {{service2}}?"),
    c(Error, "INVALID_ARN_PREFIX", "Add the required prefix (arn) to the resource ARN."),
    c(Error, "MISSING_ARN_FIELD", "Resource ARNs must include at least {{fields}} fields in the following structure: arn:partition:service:region:account:resource"),
    c(Error, "INVALID_PARTITION", "The resource ARN for the service {{service}} does not support the partition {{partition}}. Use the supported values: {{partitions}}"),
    c(Error, "INVALID_ARN_SERVICE_CASE", "Update the service name ${service} in the resource ARN to use all lowercase letters."),
    c(Error, "ARN_REGION_NOT_ALLOWED", "The service {{service}} does not support specifying a Region in the resource ARN."),
    c(Error, "ARN_ACCOUNT_NOT_ALLOWED", "The service {{service}} does not support specifying an account ID in the resource ARN."),
    c(Error, "MISSING_ARN_REGION", "Add a Region to the {{service}} resource ARN."),
    c(Error, "INVALID_ARN_ACCOUNT", "The resource ARN account ID {{account}} is not valid. Provide a 12-digit account ID."),
    c(Error, "INVALID_ARN_REGION", "The Region {{region}} is not valid for this resource. Update the resource ARN to include a supported Region."),
    c(Error, "INVALID_ARN_RESOURCE", "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN."),
    c(Error, "INVALID_SERVICE", "The service {{service}} does not exist. Use a valid service name."),
    c(Error, "INVALID_CONDITION_OPERATOR", "The condition operator {{operator}} is not valid. Use a valid condition operator."),
    c(Error, "INVALID_CONDITION_KEY_FORMAT", "The condition key format is not valid. Use the format service:keyname."),
    c(Error, "INVALID_GLOBAL_CONDITION_KEY", "The condition key {{key}} does not exist. Use a valid condition key."),
    c(Error, "INVALID_SERVICE_CONDITION_KEY", "The condition key {{key}} does not exist in the service {{service}}. Use a valid condition key."),
    c(Error, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", "The condition key {{key}} appears more than once with different capitalization in the same condition block. Remove the duplicate condition keys."),
    c(Error, "NULL_WITH_IF_EXISTS", "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix."),
    c(Error, "INVALID_VARIABLE_FOR_OPERATOR", "Policy variables can only be used with String and ARN operators."),
    c(Error, "MISSING_BRACE_IN_VARIABLE", "The policy variable is missing a closing curly brace. Add } after the variable text."),
    c(Error, "UNSUPPORTED_SPACE_IN_VARIABLE", "A space is not supported within the policy variable text. Remove the space."),
    c(Error, "EMPTY_VARIABLE", "Empty policy variable. Remove the ${ } variable structure or provide a variable within the structure."),
    c(Error, "VARIABLE_UNSUPPORTED_IN_ELEMENT", "Policy variables are supported in the Resource and Condition elements. Remove the policy variable {{variable}} from this element."),
    c(Error, "VARIABLE_UNSUPPORTED_IN_VERSION", "To include variables in your policy, use the policy version 2012-10-17 or later."),
    c(Error, "SCP_SYNTAX_ERROR_PRINCIPAL", "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element."),
    c(Error, "SCP_SYNTAX_ERROR_NOTRESOURCE", "SCPs do not support the NotResource element. Update the policy to use Resource instead."),
    c(Error, "SCP_SYNTAX_ERROR_ALLOW_CONDITION", "SCPs do not support the Condition element with effect Allow. Update the element Condition or the effect."),
    c(Error, "SCP_SYNTAX_ERROR_ALLOW_NOTACTION", "SCPs do not support NotAction with effect Allow. Update the element NotAction or the effect."),
    c(Error, "SCP_SYNTAX_ERROR_ALLOW_RESOURCE", "SCPs do not support Resource with effect Allow. Update the element Resource or the effect."),
    c(Error, "SCP_SYNTAX_ERROR_ACTION_WILDCARD", "SCP actions can include wildcards (*) only at the end of a string. Update {{action}}."),
    c(Error, "POLICY_SIZE_EXCEEDS_SCP_QUOTA", "The {{policySize}} characters in the service control policy (SCP) exceed the {{policySizeQuota}} character maximum for SCPs. We recommend that you use multiple granular policies."),
    c(Error, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", "Wildcards (*, ?) are not supported with the principal key {{principal_key}}. Replace the wildcard with a valid principal value."),
    c(Error, "INVALID_PRINCIPAL_KEY", "The principal key {{principal-key}} is not valid."),
    c(Error, "INVALID_PRINCIPAL_FORMAT", "The Principal element contents are not valid. Specify a key-value pair in the Principal element."),
    c(Error, "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead."),
    c(Error, "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", "\"Principal:\" \"*\" is not supported in the principal element of a role trust policy. Replace the wildcard with a valid principal value."),
    c(Error, "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element."),
    c(Error, "PRIVATE_IP_ADDRESS", "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp include only private IP addresses and will not have the desired effect. Update the value to include only public IP addresses."),
    c(Error, "PRIVATE_NOT_IP_ADDRESS", "The values for condition key aws:SourceIp include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges. Update the value to include only public IP addresses."),
    c(Error, "INVALID_SERVICE_PRINCIPAL_FORMAT", "The service principal does not match the expected format. Use the format {{expectedFormat}}."),
    c(Error, "MISSING_TAG_KEY_IN_CONDITION", "The condition key {{conditionKeyName}} must include a tag key to control access based on tags. Use the format {{conditionKeyName}}tag-key and specify a key name for tag-key."),
    c(Error, "UNSUPPORTED_GLOBAL_CONDITION_KEY", "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead."),
    c(Error, "INVALID_CONDITION_DATA_TYPE", "The condition value data types do not match. Use condition values of the same JSON data type."),
    c(Warning, "MISSING_VERSION", "We recommend that you specify the Version element to help you with debugging permission issues."),
    c(Warning, "UNIQUE_SIDS_RECOMMENDED", "We recommend that you use statement IDs that are unique to your policy. Update the Sid value."),
    c(Warning, "WILDCARD_WITHOUT_LIKE_OPERATOR", "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like."),
    c(Warning, "TYPE_MISMATCH", "Use the operator type {{allowed}} instead of operator {{operator}} for the condition key {{key}}."),
    c(Warning, "TYPE_MISMATCH_BOOLEAN", "Add a valid Boolean value (true or false) for the condition operator {{operator}}."),
    c(Warning, "TYPE_MISMATCH_DATE", "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format."),
    c(Warning, "TYPE_MISMATCH_NUMBER", "Add a valid numeric value for the condition operator {{operator}}."),
    c(Warning, "TYPE_MISMATCH_IP_RANGE", "The condition operator {{operator}} is used with an invalid IP range value. Specify the IP range in standard CIDR format."),
    c(Warning, "TYPE_MISMATCH_STRING", "Add a valid base64-encoded string value for the condition operator {{operator}}."),
    c(Warning, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", "The {{policySize}} characters in the identity policy, excluding whitespace, exceed the {{policySizeQuota}} character maximum for inline and managed policies. We recommend that you use multiple granular policies."),
    c(Warning, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", "The characters in the role trust policy, excluding whitespace, exceed the character maximum. We recommend that you request a role trust policy length quota increase using Service Quotas and AWS Support Center. If the quotas have already been increased, then you can ignore this warning."),
    c(Warning, "DEPRECATED_GLOBAL_CONDITION_KEY", "We recommend that you update aws:ARN to use the newer condition key aws:PrincipalArn."),
    c(Warning, "INVALID_ROLE_REFERENCE", "The Principal element includes the IAM role ID {{roleid}}. We recommend that you use a role ARN instead."),
    c(Warning, "INVALID_USER_REFERENCE", "The Principal element includes the IAM user ID {{userid}}. We recommend that you use a user ARN instead."),
    c(Warning, "CREATE_SLR_WITH_STAR_IN_RESOURCE", "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of unintended service-linked roles. We recommend that you specify resource ARNs instead."),
    c(Warning, "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", "Using wildcards (*) in the action and the resource can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify resource ARNs instead."),
    c(Warning, "CREATE_SLR_WITH_NOT_RESOURCE", "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended service-linked roles for multiple resources. We recommend that you specify resource ARNs instead."),
    c(SecurityWarning, "ALLOW_WITH_NOT_PRINCIPAL", "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead."),
    c(SecurityWarning, "FORALLVALUES_WITH_SINGLE_VALUED_KEY", "Using ForAllValues qualifier with the single-valued condition key {{key}} can be overly permissive. We recommend that you remove ForAllValues:."),
    c(SecurityWarning, "PASS_ROLE_WITH_NOT_RESOURCE", "Using the iam:PassRole action with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead."),
    c(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead."),
    c(SecurityWarning, "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources.. We recommend that you specify resource ARNs instead."),
    c(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."),
    c(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", "Using wildcards (*) in the action and the resource can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."),
    c(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."),
    c(SecurityWarning, "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "Granting access to a service principal without specifying a source is overly permissive. Use aws:SourceArn or aws:SourceAccount condition key and scope access to a specific source to grant fine-grained access."),
    c(Suggestion, "EMPTY_ARRAY_ACTION", "This statement includes no actions and does not affect the policy. Specify actions."),
    c(Suggestion, "EMPTY_ARRAY_CONDITION", "There are no values for the condition key {{key}} and it does not affect the policy. Specify conditions."),
    c(Suggestion, "EMPTY_ARRAY_CONDITION_FORALLVALUES", "The ForAllValues prefix with an empty condition key matches only if the key {{key}} is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead."),
    c(Suggestion, "EMPTY_ARRAY_CONDITION_FORANYVALUE", "The ForAnyValue prefix with an empty condition key {{key}} never matches the request context and it does not affect the policy. Specify conditions."),
    c(Suggestion, "EMPTY_ARRAY_CONDITION_IFEXISTS", "The IfExists suffix with an empty condition key matches only if the key {{key}} is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead."),
    c(Suggestion, "EMPTY_ARRAY_PRINCIPAL", "This statement includes no principals and does not affect the policy. Specify principals."),
    c(Suggestion, "EMPTY_ARRAY_RESOURCE", "This statement includes no resources and does not affect the policy. Specify resources."),
    c(Suggestion, "EMPTY_OBJECT_CONDITION", "This condition block is empty and it does not affect the policy. Specify conditions."),
    c(Suggestion, "EMPTY_OBJECT_PRINCIPAL", "This statement includes no principals and does not affect the policy. Specify principals."),
    c(Suggestion, "EMPTY_SID_VALUE", "Add a value to the empty string in the Sid element."),
    c(Suggestion, "IMPROVE_IP_RANGE", "The non-zero bits in the IP address after the masked bits are ignored. Replace address with {{addr}}."),
    c(Suggestion, "NULL_WITH_QUALIFIER", "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false respectively."),
    c(Suggestion, "PRIVATE_IP_ADDRESS_SUBSET", "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses will not have the desired effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp."),
    c(Suggestion, "PRIVATE_NOT_IP_ADDRESS_SUBSET", "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp."),
    c(Suggestion, "REDUNDANT_ACTION", "The {{redundantActionCount}} action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: {{redundantAction}}."),
    c(Suggestion, "REDUNDANT_RESOURCE", "The {{redundantResourceCount}} resource ARN(s) are redundant because they reference the same resource. Review the use of wildcards (*)"),
    c(Suggestion, "REDUNDANT_STATEMENT", "The statements are redundant because they provide identical permissions. Update the policy to remove the redundant statement."),
    c(Suggestion, "WILDCARD_IN_SERVICE_NAME", "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names."),
];

//! Organizations' errors, in AWS's words.
//!
//! Provenance of each text (V = verified against a real AWS response quoted in a public
//! source, see `../shared/reference/errors.md` §4; M = inferred from moto's
//! `moto/organizations`, which copies AWS responses but is not proof; D = inferred from the
//! exception's documentation in the botocore model; K = keyhole's own wording where nothing
//! better was found):
//!
//! | Code | Reason | Text | St |
//! |---|---|---|---|
//! | AWSOrganizationsNotInUseException | | Your account is not a member of an organization. | V |
//! | AccessDeniedException | | You don't have permissions to access this resource. | V |
//! | MalformedPolicyDocumentException | | The provided policy document does not meet the requirements of the specified policy type. | V |
//! | ConstraintViolationException | MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED | You have attached the maximum number of policies to the specified target. | V |
//! | ConstraintViolationException | POLICY_CONTENT_LIMIT_EXCEEDED | You have exceeded the maximum policy size. | V (terraform-provider-aws#12597) |
//! | AlreadyInOrganizationException | | The provided account is already a member of an organization. | M |
//! | AccountNotFoundException | | You specified an account that doesn't exist. | M |
//! | OrganizationalUnitNotFoundException | | You specified an organizational unit that doesn't exist. | M |
//! | ParentNotFoundException | | You specified parent that doesn't exist. | M |
//! | RootNotFoundException | | You specified a root that doesn't exist. | M |
//! | TargetNotFoundException | | You specified a target that doesn't exist. | M |
//! | PolicyNotFoundException | | You specified a policy that doesn't exist. | M |
//! | DuplicateOrganizationalUnitException | | An OU with the same name already exists. | M |
//! | DuplicatePolicyException | | A policy with the same name already exists. | M |
//! | OrganizationNotEmptyException | | To delete an organization you must first remove all member accounts (except the master). | M |
//! | PolicyTypeAlreadyEnabledException | | The specified policy type is already enabled. | M |
//! | PolicyTypeNotEnabledException | | This operation can be performed only for enabled policy types. | M |
//! | PolicyInUseException | | The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation. | M |
//! | AccountAlreadyRegisteredException | | The provided account is already a delegated administrator for your organization. | M |
//! | AccountNotRegisteredException | | The provided account is not a registered delegated administrator for your organization. | M |
//! | AccountAlreadyClosedException | | The provided account is already closed. | M |
//! | ConstraintViolationException | CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR | You cannot register master account/yourself as delegated administrator for your organization. | M |
//! | InvalidInputException | UNRECOGNIZED_SERVICE_PRINCIPAL | You specified an unrecognized service principal. | M |
//! | InvalidInputException | INVALID_PATTERN | You provided a value that does not match the required pattern. | V (boto/boto3#4565, RoadieHQ/roadie-backstage-plugins#1391) |
//! | InvalidInputException | INVALID_ENUM | You specified an invalid value. | M |
//! | InvalidInputException | INPUT_REQUIRED, MIN/MAX_LENGTH_EXCEEDED, MIN/MAX_VALUE_EXCEEDED | the reason's sentence in the model's InvalidInputException documentation | D |
//! | everything else below (`d` and `k` functions) | | | D / K |
//!
//! HTTP status: AWS answers every Organizations client error with 400 on the wire (verified
//! for AWSOrganizationsNotInUse and ConstraintViolation, errors.md §0), although the Smithy
//! model documents 403/404/409. AccessDeniedException is kept at 400 too: the model's 403 is
//! documentation only and no captured response shows otherwise (decision, not verified).
//! SDKs take the error code from `__type`, so the status does not change what they raise.

use crate::protocol::validate::Constraint;
use crate::protocol::{ApiError, ServiceId};

/// An error as Organizations' model declares it (the model names no codes or statuses of its
/// own: the shape's name and 400, as AWS answers on the wire).
fn e(code: &str, message: &str) -> ApiError {
    crate::services::errors::modeled(ServiceId::Organizations, code, message)
}

pub fn not_in_use() -> ApiError {
    e(
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
}

pub fn access_denied() -> ApiError {
    e(
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

pub fn malformed_policy() -> ApiError {
    e(
        "MalformedPolicyDocumentException",
        "The provided policy document does not meet the requirements of the specified policy type.",
    )
}

pub fn constraint(reason: &str, message: &str) -> ApiError {
    e("ConstraintViolationException", message).field("Reason", reason)
}

pub fn invalid_input(reason: &str, message: &str) -> ApiError {
    e("InvalidInputException", message).field("Reason", reason)
}

pub fn handshake_constraint(reason: &str, message: &str) -> ApiError {
    e("HandshakeConstraintViolationException", message).field("Reason", reason)
}

pub fn max_attachments() -> ApiError {
    constraint(
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You have attached the maximum number of policies to the specified target.",
    )
}

pub fn policy_too_large() -> ApiError {
    constraint(
        "POLICY_CONTENT_LIMIT_EXCEEDED",
        "You have exceeded the maximum policy size.",
    )
}

pub fn already_in_organization() -> ApiError {
    e(
        "AlreadyInOrganizationException",
        "The provided account is already a member of an organization.",
    )
}

pub fn account_not_found() -> ApiError {
    e(
        "AccountNotFoundException",
        "You specified an account that doesn't exist.",
    )
}

pub fn ou_not_found() -> ApiError {
    e(
        "OrganizationalUnitNotFoundException",
        "You specified an organizational unit that doesn't exist.",
    )
}

pub fn parent_not_found() -> ApiError {
    e(
        "ParentNotFoundException",
        "You specified parent that doesn't exist.",
    )
}

pub fn root_not_found() -> ApiError {
    e(
        "RootNotFoundException",
        "You specified a root that doesn't exist.",
    )
}

pub fn target_not_found() -> ApiError {
    e(
        "TargetNotFoundException",
        "You specified a target that doesn't exist.",
    )
}

pub fn policy_not_found() -> ApiError {
    e(
        "PolicyNotFoundException",
        "You specified a policy that doesn't exist.",
    )
}

pub fn duplicate_ou() -> ApiError {
    e(
        "DuplicateOrganizationalUnitException",
        "An OU with the same name already exists.",
    )
}

pub fn duplicate_policy() -> ApiError {
    e(
        "DuplicatePolicyException",
        "A policy with the same name already exists.",
    )
}

pub fn organization_not_empty() -> ApiError {
    e(
        "OrganizationNotEmptyException",
        "To delete an organization you must first remove all member accounts (except the master).",
    )
}

pub fn policy_type_already_enabled() -> ApiError {
    e(
        "PolicyTypeAlreadyEnabledException",
        "The specified policy type is already enabled.",
    )
}

pub fn policy_type_not_enabled() -> ApiError {
    e(
        "PolicyTypeNotEnabledException",
        "This operation can be performed only for enabled policy types.",
    )
}

pub fn policy_in_use() -> ApiError {
    e(
        "PolicyInUseException",
        "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
    )
}

pub fn account_already_registered() -> ApiError {
    e(
        "AccountAlreadyRegisteredException",
        "The provided account is already a delegated administrator for your organization.",
    )
}

pub fn account_not_registered() -> ApiError {
    e(
        "AccountNotRegisteredException",
        "The provided account is not a registered delegated administrator for your organization.",
    )
}

pub fn account_already_closed() -> ApiError {
    e(
        "AccountAlreadyClosedException",
        "The provided account is already closed.",
    )
}

pub fn cannot_register_master() -> ApiError {
    constraint(
        "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
        "You cannot register master account/yourself as delegated administrator for your organization.",
    )
}

pub fn unrecognized_service_principal() -> ApiError {
    invalid_input(
        "UNRECOGNIZED_SERVICE_PRINCIPAL",
        "You specified an unrecognized service principal.",
    )
}

pub fn invalid_pattern() -> ApiError {
    invalid_input(
        "INVALID_PATTERN",
        "You provided a value that does not match the required pattern.",
    )
}

/// A model constraint the input broke, as Organizations reports it: InvalidInputException
/// with the matching Reason, never the ValidationException other services send. Which
/// Reason a constraint maps to is inferred from the enum's documentation; when several
/// constraints fail, the first in model order decides (inferred).
pub fn invalid_input_for(constraint: Constraint) -> ApiError {
    match constraint {
        Constraint::Pattern => invalid_pattern(),
        // M: moto's answer to an unknown ChildType or policy type.
        Constraint::Enum => invalid_input("INVALID_ENUM", "You specified an invalid value."),
        // D: the Reason's sentence in the model's InvalidInputException documentation.
        Constraint::Required => invalid_input(
            "INPUT_REQUIRED",
            "You must include a value for all required parameters.",
        ),
        Constraint::MaxLength => invalid_input(
            "MAX_LENGTH_EXCEEDED",
            "You provided a string parameter that is longer than allowed.",
        ),
        Constraint::MinLength => invalid_input(
            "MIN_LENGTH_EXCEEDED",
            "You provided a string parameter that is shorter than allowed.",
        ),
        Constraint::MaxValue => invalid_input(
            "MAX_VALUE_EXCEEDED",
            "You provided a numeric parameter that has a larger value than allowed.",
        ),
        Constraint::MinValue => invalid_input(
            "MIN_VALUE_EXCEEDED",
            "You provided a numeric parameter that has a smaller value than allowed.",
        ),
    }
}

// ---- D: from the exception documentation in the model ----

pub fn duplicate_policy_attachment() -> ApiError {
    e(
        "DuplicatePolicyAttachmentException",
        "The selected policy is already attached to the specified target.",
    )
}

pub fn policy_not_attached() -> ApiError {
    e(
        "PolicyNotAttachedException",
        "The policy isn't attached to the specified target in the specified root.",
    )
}

pub fn ou_not_empty() -> ApiError {
    e(
        "OrganizationalUnitNotEmptyException",
        "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
    )
}

pub fn child_not_found() -> ApiError {
    e(
        "ChildNotFoundException",
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
    )
}

pub fn source_parent_not_found() -> ApiError {
    e(
        "SourceParentNotFoundException",
        "We can't find a source root or OU with the ParentId that you specified.",
    )
}

pub fn destination_parent_not_found() -> ApiError {
    e(
        "DestinationParentNotFoundException",
        "We can't find the destination container (a root or OU) with the ParentId that you specified.",
    )
}

pub fn duplicate_account() -> ApiError {
    e(
        "DuplicateAccountException",
        "That account is already present in the specified destination.",
    )
}

pub fn handshake_not_found() -> ApiError {
    e(
        "HandshakeNotFoundException",
        "We can't find a handshake with the HandshakeId that you specified.",
    )
}

pub fn handshake_already_in_state() -> ApiError {
    e(
        "HandshakeAlreadyInStateException",
        "The specified handshake is already in the requested state. For example, you can't accept a handshake that was already accepted.",
    )
}

pub fn invalid_handshake_transition() -> ApiError {
    e(
        "InvalidHandshakeTransitionException",
        "You can't perform the operation on the handshake in its current state. For example, you can't cancel a handshake that was already accepted or accept a handshake that was already declined.",
    )
}

pub fn duplicate_handshake() -> ApiError {
    e(
        "DuplicateHandshakeException",
        "A handshake with the same action and target already exists. For example, if you invited an account to join your organization, the invited account might already have a pending invitation from this organization.",
    )
}

pub fn master_cannot_leave() -> ApiError {
    e(
        "MasterCannotLeaveOrganizationException",
        "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
    )
}

pub fn create_account_status_not_found() -> ApiError {
    e(
        "CreateAccountStatusNotFoundException",
        "We can't find an create account request with the CreateAccountRequestId that you specified.",
    )
}

pub fn effective_policy_not_found() -> ApiError {
    e(
        "EffectivePolicyNotFoundException",
        "If you ran this action on the management account, this policy type is not enabled. If you ran the action on a member account, the account doesn't have an effective policy of this type. Contact the administrator of your organization.",
    )
}

pub fn resource_policy_not_found() -> ApiError {
    e(
        "ResourcePolicyNotFoundException",
        "We can't find a resource policy request with the parameter that you specified.",
    )
}

pub fn policy_type_not_available() -> ApiError {
    e(
        "PolicyTypeNotAvailableForOrganizationException",
        "You can't use the specified policy type with the feature set currently enabled for this organization. For example, you can enable SCPs only after you enable all features in the organization.",
    )
}

pub fn transfer_not_found() -> ApiError {
    e(
        "ResponsibilityTransferNotFoundException",
        "We can't find a transfer that you specified.",
    )
}

pub fn transfer_already_in_status() -> ApiError {
    e(
        "ResponsibilityTransferAlreadyInStatusException",
        "The responsibility transfer can't transition to the requested state because it's already in the requested state.",
    )
}

pub fn invalid_transfer_transition() -> ApiError {
    e(
        "InvalidResponsibilityTransferTransitionException",
        "The responsibility transfer can't transition to the requested state because it's not in a valid state for this operation.",
    )
}

// ---- K: keyhole's wording for reasons whose AWS text is unknown ----

pub fn not_all_features() -> ApiError {
    constraint(
        "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
        "You can't perform this operation because the organization doesn't have all features enabled.",
    )
}

pub fn min_attachments() -> ApiError {
    constraint(
        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You have attached the minimum number of policies to the specified target.",
    )
}

pub fn immutable_policy() -> ApiError {
    invalid_input(
        "IMMUTABLE_POLICY",
        "You specified a policy that is managed by AWS and can't be modified.",
    )
}

pub fn non_detachable_policy() -> ApiError {
    invalid_input(
        "NON_DETACHABLE_POLICY",
        "You can't detach this AWS managed policy.",
    )
}

pub fn invalid_next_token() -> ApiError {
    invalid_input(
        "INVALID_NEXT_TOKEN",
        "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.",
    )
}

pub fn target_not_supported() -> ApiError {
    invalid_input(
        "TARGET_NOT_SUPPORTED",
        "You can't perform this operation on the specified target type.",
    )
}

/// Organizations' error for a missing required member.
pub(crate) fn missing_member(_: &str) -> ApiError {
    invalid_input(
        "INPUT_REQUIRED",
        "You must specify a value for all required fields.",
    )
}

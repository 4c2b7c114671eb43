//! [`AuthError`]: why a request failed authentication, and how AWS spells it
//! on each wire protocol.

use crate::protocol::Protocol;

/// Why a request failed authentication. Codes, messages and statuses are
/// AWS's; see [`AuthError::code`], [`AuthError::message`],
/// [`AuthError::status`].
///
/// Seen in real AWS answers: the mismatch, invalid-token, missing-token
/// (STS 403, DynamoDB 400), "requires 'Credential' parameter…", "missing
/// equal-sign", "Signature expired" and "Signature not yet current" texts.
/// Taken from scratchstack-aws-signature, which mirrors AWS: the credential
/// element count, terminator, date-format, `Host`-not-signed and
/// unsupported-algorithm texts. Inferred: the presigned query texts and the
/// restJson statuses other than InvalidSignature/UnrecognizedClient (403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Neither an `Authorization` header nor a presigned query string.
    #[error("request is missing authentication token")]
    MissingAuthenticationToken,
    /// The `Authorization` header or presigned query is malformed; the
    /// message is AWS's text.
    #[error("incomplete signature: {0}")]
    IncompleteSignature(String),
    /// The signature does not match.
    #[error("signature does not match")]
    SignatureDoesNotMatch,
    /// A signature-class failure with its own message: expired, not yet
    /// current, wrong scope date or terminator, `host` not signed.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// The access key id is unknown (raised by the caller's key lookup).
    #[error("unrecognized access key id")]
    UnrecognizedClient,
}

const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";
const MISSING_TOKEN_MESSAGE: &str = "Request is missing Authentication Token";

impl AuthError {
    /// The error code AWS puts in `__type`, `X-Amzn-ErrorType` or `<Code>`.
    pub fn code(&self, family: Protocol) -> &'static str {
        let query = family == Protocol::AwsQuery;
        match (self, query) {
            (Self::MissingAuthenticationToken, false) => "MissingAuthenticationTokenException",
            (Self::MissingAuthenticationToken, true) => "MissingAuthenticationToken",
            (Self::IncompleteSignature(_), false) => "IncompleteSignatureException",
            (Self::IncompleteSignature(_), true) => "IncompleteSignature",
            (Self::SignatureDoesNotMatch | Self::InvalidSignature(_), false) => {
                "InvalidSignatureException"
            }
            (Self::SignatureDoesNotMatch | Self::InvalidSignature(_), true) => {
                "SignatureDoesNotMatch"
            }
            (Self::UnrecognizedClient, false) => "UnrecognizedClientException",
            (Self::UnrecognizedClient, true) => "InvalidClientTokenId",
        }
    }

    /// AWS's message text, to the letter.
    pub fn message(&self) -> String {
        match self {
            Self::MissingAuthenticationToken => MISSING_TOKEN_MESSAGE.to_owned(),
            Self::IncompleteSignature(m) | Self::InvalidSignature(m) => m.clone(),
            Self::SignatureDoesNotMatch => SIGNATURE_MISMATCH_MESSAGE.to_owned(),
            Self::UnrecognizedClient => INVALID_TOKEN_MESSAGE.to_owned(),
        }
    }

    /// The HTTP status AWS answers with.
    pub fn status(&self, family: Protocol) -> u16 {
        match family {
            // Coral JSON services answer every auth failure with 400.
            Protocol::AwsJson => 400,
            Protocol::RestJson => 403,
            Protocol::AwsQuery => match self {
                Self::IncompleteSignature(_) => 400,
                _ => 403,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table() {
        use Protocol::*;
        let cases = [
            (
                AuthError::SignatureDoesNotMatch,
                AwsJson,
                "InvalidSignatureException",
                400,
            ),
            (
                AuthError::SignatureDoesNotMatch,
                RestJson,
                "InvalidSignatureException",
                403,
            ),
            (
                AuthError::SignatureDoesNotMatch,
                AwsQuery,
                "SignatureDoesNotMatch",
                403,
            ),
            (
                AuthError::UnrecognizedClient,
                AwsJson,
                "UnrecognizedClientException",
                400,
            ),
            (
                AuthError::UnrecognizedClient,
                RestJson,
                "UnrecognizedClientException",
                403,
            ),
            (
                AuthError::UnrecognizedClient,
                AwsQuery,
                "InvalidClientTokenId",
                403,
            ),
            (
                AuthError::MissingAuthenticationToken,
                AwsJson,
                "MissingAuthenticationTokenException",
                400,
            ),
            (
                AuthError::MissingAuthenticationToken,
                RestJson,
                "MissingAuthenticationTokenException",
                403,
            ),
            (
                AuthError::MissingAuthenticationToken,
                AwsQuery,
                "MissingAuthenticationToken",
                403,
            ),
            (
                AuthError::IncompleteSignature(String::new()),
                AwsQuery,
                "IncompleteSignature",
                400,
            ),
        ];
        for (err, family, code, status) in cases {
            assert_eq!(err.code(family), code, "{err:?} {family:?}");
            assert_eq!(err.status(family), status, "{err:?} {family:?}");
        }
        assert_eq!(
            AuthError::SignatureDoesNotMatch.message(),
            SIGNATURE_MISMATCH_MESSAGE
        );
        assert_eq!(
            AuthError::UnrecognizedClient.message(),
            "The security token included in the request is invalid."
        );
        assert_eq!(
            AuthError::MissingAuthenticationToken.message(),
            "Request is missing Authentication Token"
        );
    }
}

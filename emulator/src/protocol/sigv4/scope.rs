//! What both ways of signing carry: the credential scope, the signed-header list, the
//! session token header.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};

use super::error::AuthError;

/// Access key id, date, region and service of a credential scope.
type Scope<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// `AKID/yyyymmdd/region/service/aws4_request` into its first four parts.
pub(super) fn parse_credential(credential: &str) -> Result<Scope<'_>, AuthError> {
    let mut parts = credential.split('/');
    let (Some(key), Some(date), Some(region), Some(service), Some(terminator), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(AuthError::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if terminator != "aws4_request" {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    Ok((
        Cow::Borrowed(key),
        Cow::Borrowed(date),
        Cow::Borrowed(region),
        Cow::Borrowed(service),
    ))
}

pub(super) fn split_signed_headers(value: &str) -> Vec<Cow<'_, str>> {
    value
        .split(';')
        .filter(|h| !h.is_empty())
        .map(Cow::Borrowed)
        .collect()
}

// Pre-parsed name: a `&str` lookup parses the name on every request.
pub(super) const X_AMZ_SECURITY_TOKEN_HEADER: HeaderName =
    HeaderName::from_static("x-amz-security-token");

pub(super) fn header_str<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

//! Presigned requests: the signature travels in `X-Amz-*` query parameters.

use std::borrow::Cow;
use std::time::Duration;

use http::HeaderMap;

use super::amz_date::parse_amz_date;
use super::error::AuthError;
use super::request::{SignatureInfo, ALGORITHM, MAX_PRESIGNED_EXPIRES};
use super::scope::{
    header_str, parse_credential, split_signed_headers, X_AMZ_SECURITY_TOKEN_HEADER,
};

const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
const X_AMZ_DATE: &str = "X-Amz-Date";
const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";
const X_AMZ_SECURITY_TOKEN: &str = "X-Amz-Security-Token";
/// Query parameters that carry the presigned signature itself; they are
/// stripped before re-signing because `aws-sigv4` adds them back.
const PRESIGN_PARAMS: [&str; 7] = [
    X_AMZ_ALGORITHM,
    X_AMZ_CREDENTIAL,
    X_AMZ_DATE,
    X_AMZ_EXPIRES,
    X_AMZ_SIGNED_HEADERS,
    X_AMZ_SIGNATURE,
    X_AMZ_SECURITY_TOKEN,
];

pub(super) fn parse_presigned<'a>(
    query: &'a str,
    headers: &'a HeaderMap,
) -> Result<Option<SignatureInfo<'a>>, AuthError> {
    let mut found: [Option<Cow<'a, str>>; 7] = Default::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = PRESIGN_PARAMS.iter().position(|p| *p == key) {
            if found[i].is_none() {
                found[i] = Some(value);
            }
        }
    }
    let [algorithm, credential, date, expires, signed_headers, signature, token] = found;
    if algorithm.is_none() && credential.is_none() && signature.is_none() {
        return Ok(None);
    }
    let mut missing = String::new();
    for (present, name) in [
        (algorithm.is_some(), X_AMZ_ALGORITHM),
        (credential.is_some(), X_AMZ_CREDENTIAL),
        (signature.is_some(), X_AMZ_SIGNATURE),
        (signed_headers.is_some(), X_AMZ_SIGNED_HEADERS),
        (date.is_some(), X_AMZ_DATE),
    ] {
        if !present {
            missing.push_str("AWS query-string parameters must include '");
            missing.push_str(name);
            missing.push_str("'. ");
        }
    }
    let (Some(algorithm), Some(credential), Some(signature), Some(signed_headers), Some(date)) =
        (algorithm, credential, signature, signed_headers, date)
    else {
        return Err(AuthError::IncompleteSignature(format!(
            "{missing}Re-examine the query-string parameters."
        )));
    };
    if algorithm != ALGORITHM {
        return Err(AuthError::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'."
        )));
    }
    let expires = match expires {
        None => None,
        Some(e) => {
            let secs: u64 = e.parse().map_err(|_| {
                AuthError::IncompleteSignature("X-Amz-Expires should be a number".to_owned())
            })?;
            if secs > MAX_PRESIGNED_EXPIRES {
                return Err(AuthError::IncompleteSignature(format!(
                    "X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_EXPIRES}"
                )));
            }
            Some(Duration::from_secs(secs))
        }
    };
    let request_time = parse_amz_date(&date)?;
    let scope = parse_credential(&credential)?;
    let security_token = token
        .as_deref()
        .or_else(|| header_str(headers, &X_AMZ_SECURITY_TOKEN_HEADER));
    // Presigned URLs are rare: their claims own copies of the decoded parameters.
    Ok(Some(
        SignatureInfo {
            access_key_id: scope.0,
            date: scope.1,
            region: scope.2,
            service: scope.3,
            signed_headers: split_signed_headers(&signed_headers),
            signature: Cow::Borrowed(&signature),
            security_token: security_token.map(Cow::Borrowed),
            request_time,
            presigned: true,
            expires,
        }
        .into_owned(),
    ))
}

/// Removes the presigning parameters from a raw query, keeping the rest of
/// it byte for byte.
pub(super) fn strip_presign_params(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
            let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            !PRESIGN_PARAMS.contains(&key.as_ref())
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::super::parse::tests::parse_with;
    use super::*;

    #[test]
    fn presigned_query_parse_and_missing() {
        let q = "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abcd&X-Amz-Security-Token=tok%2B";
        let info = parse_with(&HeaderMap::new(), Some(q)).unwrap().unwrap();
        assert!(info.presigned);
        assert_eq!(info.service, "sts");
        assert_eq!(info.expires, Some(Duration::from_secs(900)));
        assert_eq!(info.security_token.as_deref(), Some("tok+"));
        assert_eq!(strip_presign_params(q), "Action=GetCallerIdentity");
        let err = parse_with(
            &HeaderMap::new(),
            Some("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z"),
        )
        .unwrap_err();
        assert_eq!(err.message(), "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
    }
}

//! [`parse`]: the request's SigV4 claims, from the `Authorization` header
//! (here) or a presigned query string ([`super::presigned`]).

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};

use super::amz_date::{bad_date, parse_amz_date};
use super::error::AuthError;
use super::presigned::parse_presigned;
use super::request::{RequestParts, SignatureInfo, ALGORITHM};
use super::scope::{
    header_str, parse_credential, split_signed_headers, X_AMZ_SECURITY_TOKEN_HEADER,
};

// Pre-parsed name: a `&str` lookup parses the name on every request.
const X_AMZ_DATE_HEADER: HeaderName = HeaderName::from_static("x-amz-date");

/// Reads the request's SigV4 claims. `Ok(None)`: the request carries no
/// `Authorization` header and no presigned query string (anonymous).
/// An `Authorization` header wins over a presigned query.
pub fn parse<'a>(parts: &RequestParts<'a>) -> Result<Option<SignatureInfo<'a>>, AuthError> {
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION) {
        // `from_utf8` first: the lossy path walks the text chunk by chunk.
        match std::str::from_utf8(value.as_bytes()) {
            Ok(text) if !text.trim().is_empty() => {
                return parse_header_auth(text, parts.headers).map(Some);
            }
            Ok(_) => {}
            Err(_) => {
                let text = String::from_utf8_lossy(value.as_bytes());
                if !text.trim().is_empty() {
                    return parse_header_auth(&text, parts.headers)
                        .map(|info| Some(info.into_owned()));
                }
            }
        }
    }
    match parts.raw_query {
        Some(query) if !query.is_empty() => parse_presigned(query, parts.headers),
        _ => Ok(None),
    }
}

fn parse_header_auth<'a>(
    header: &'a str,
    headers: &'a HeaderMap,
) -> Result<SignatureInfo<'a>, AuthError> {
    let header = header.trim();
    let (algorithm, rest) = match header.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((a, r)) => (a, r),
        None => (header, ""),
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    if algorithm == ALGORITHM {
        for token in auth_tokens(rest) {
            let Some((key, value)) = token.split_once('=') else {
                return Err(AuthError::IncompleteSignature(format!(
                    "'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
                )));
            };
            let slot = match key {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
    } else if looks_like_sigv4_family(algorithm) {
        return Err(AuthError::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'."
        )));
    }

    let amz_date = header_str(headers, &X_AMZ_DATE_HEADER);
    let http_date = header_str(headers, &http::header::DATE);
    let mut missing = String::new();
    for (present, name) in [
        (credential.is_some(), "'Credential' parameter"),
        (signature.is_some(), "'Signature' parameter"),
        (signed_headers.is_some(), "'SignedHeaders' parameter"),
        (
            amz_date.is_some() || http_date.is_some(),
            "existence of either a 'X-Amz-Date' or a 'Date' header",
        ),
    ] {
        if !present {
            missing.push_str("Authorization header requires ");
            missing.push_str(name);
            missing.push_str(". ");
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(AuthError::IncompleteSignature(format!(
            "{missing}Authorization={header}"
        )));
    };
    if !missing.is_empty() {
        return Err(AuthError::IncompleteSignature(format!(
            "{missing}Authorization={header}"
        )));
    }
    let request_time = match (amz_date, http_date) {
        (Some(d), _) => parse_amz_date(d)?,
        (None, Some(d)) => httpdate::parse_http_date(d).map_err(|_| bad_date(d))?,
        (None, None) => return Err(AuthError::IncompleteSignature(missing)),
    };
    let scope = parse_credential(credential)?;
    Ok(SignatureInfo {
        access_key_id: scope.0,
        date: scope.1,
        region: scope.2,
        service: scope.3,
        signed_headers: split_signed_headers(signed_headers),
        signature: Cow::Borrowed(signature),
        security_token: header_str(headers, &X_AMZ_SECURITY_TOKEN_HEADER).map(Cow::Borrowed),
        request_time,
        presigned: false,
        expires: None,
    })
}

/// `text` split at commas and ASCII whitespace, without empty pieces. Byte-wise, as the
/// separators are ASCII: a `char` predicate decodes every character of every request.
fn auth_tokens(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let is_separator = |b: u8| b == b',' || b.is_ascii_whitespace();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < bytes.len() && is_separator(bytes[pos]) {
            pos += 1;
        }
        let start = pos;
        while pos < bytes.len() && !is_separator(bytes[pos]) {
            pos += 1;
        }
        // Both ends sit next to an ASCII byte or at an end: always char boundaries.
        (pos > start).then(|| text.get(start..pos)).flatten()
    })
}

/// `AWS4-…`/`AWS5-…`: an AWS signing algorithm, just not this one. Anything
/// else (`AWS AKID:sig`, `Bearer …`) is reported as missing every part.
fn looks_like_sigv4_family(algorithm: &str) -> bool {
    let b = algorithm.as_bytes();
    b.len() > 4 && b.starts_with(b"AWS") && b[3].is_ascii_digit() && b[4] == b'-'
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::protocol::sigv4::amz_date::format_amz_date;
    use crate::protocol::Protocol;
    use http::Method;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = http::HeaderValue::from_str(v) {
                map.append(*k, v);
            }
        }
        map
    }

    pub(in crate::protocol::sigv4) fn parse_with(
        h: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<SignatureInfo<'static>>, AuthError> {
        parse(&RequestParts {
            method: &Method::POST,
            raw_path: "/",
            raw_query: query,
            headers: h,
            body: b"",
        })
        .map(|info| info.map(SignatureInfo::into_owned))
    }

    const DATE: (&str, &str) = ("x-amz-date", "20240101T000000Z");

    #[test]
    fn parses_header_with_spacing_variants() {
        for auth in [
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd",
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request,SignedHeaders=host;x-amz-date,Signature=abcd",
            "AWS4-HMAC-SHA256   Credential=AKID/20240101/us-east-1/kms/aws4_request ,  SignedHeaders=host;x-amz-date ,Signature=abcd  ",
        ] {
            let info = parse_with(&headers(&[("authorization", auth), DATE]), None)
                .unwrap()
                .unwrap();
            assert_eq!(info.access_key_id, "AKID");
            assert_eq!(info.date, "20240101");
            assert_eq!(info.region, "us-east-1");
            assert_eq!(info.service, "kms");
            assert_eq!(info.signed_headers, ["host", "x-amz-date"]);
            assert_eq!(info.signature, "abcd");
            assert!(!info.presigned);
            assert_eq!(format_amz_date(info.request_time), "20240101T000000Z");
        }
    }

    #[test]
    fn no_auth_is_none() {
        assert_eq!(parse_with(&headers(&[DATE]), None), Ok(None));
        assert_eq!(parse_with(&headers(&[DATE]), Some("Action=X")), Ok(None));
    }

    #[test]
    fn missing_parts_are_listed_in_aws_order() {
        let err = parse_with(
            &headers(&[("authorization", "AWS4-HMAC-SHA256 Credential=ABCDEF")]),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF"
        );
        assert_eq!(err.code(Protocol::AwsJson), "IncompleteSignatureException");
        assert_eq!(err.code(Protocol::AwsQuery), "IncompleteSignature");
        let err = parse_with(
            &headers(&[("authorization", "AWS AKIAEXAMPLE:qaNdqGsI6bq4="), DATE]),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKIAEXAMPLE:qaNdqGsI6bq4="
        );
    }

    #[test]
    fn missing_equal_sign() {
        let auth = "AWS4-HMAC-SHA256 Credential= AKID/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=ab";
        let err = parse_with(&headers(&[("authorization", auth), DATE]), None).unwrap_err();
        assert_eq!(
            err.message(),
            format!("'AKID/20240101/us-east-1/kms/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'.")
        );
    }

    #[test]
    fn bad_credential_and_date() {
        let err = parse_with(
            &headers(&[
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=ab",
                ),
                DATE,
            ]),
            None,
        )
        .unwrap_err();
        assert_eq!(err.message(), "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID'");
        let err = parse_with(
            &headers(&[
                ("authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/r/s/aws4_request, SignedHeaders=host, Signature=ab"),
                ("x-amz-date", "2024-01-01T00:00:00Z"),
            ]),
            None,
        )
        .unwrap_err();
        assert_eq!(err.message(), "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601");
        let err = parse_with(
            &headers(&[("authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/r/s/aws5_request, SignedHeaders=host, Signature=ab"), DATE]),
            None,
        )
        .unwrap_err();
        assert_eq!(err.code(Protocol::AwsJson), "InvalidSignatureException");
        assert_eq!(err.message(), "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.");
    }

    #[test]
    fn date_header_fallback() {
        let info = parse_with(
            &headers(&[
                ("authorization", "AWS4-HMAC-SHA256 Credential=A/20240101/r/s/aws4_request, SignedHeaders=date;host, Signature=ab"),
                ("date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ]),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(format_amz_date(info.request_time), "20240101T000000Z");
    }
}

//! [`verify`]: the request's time against the clock, then its signature
//! against one computed again with the caller's secret.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::HeaderName;
use subtle::ConstantTimeEq;

use super::amz_date::format_amz_date;
use super::error::AuthError;
use super::presigned::strip_presign_params;
use super::request::{RequestParts, SignatureInfo};
use super::scope::header_str;

fn fmt_window(d: Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(60) {
        format!("{} min.", secs / 60)
    } else {
        format!("{secs} sec.")
    }
}

/// Checks the signature of a parsed request with the caller's secret.
///
/// `now` is the server's (possibly virtual) clock. `max_skew`: reject header
/// signatures whose time is further than this from `now` (AWS: 5 minutes,
/// [`DEFAULT_MAX_SKEW`](super::DEFAULT_MAX_SKEW)); `None` turns the skew check off. A presigned
/// request is always rejected once `X-Amz-Expires` has passed.
pub fn verify(
    parts: &RequestParts<'_>,
    info: &SignatureInfo,
    secret_access_key: &str,
    now: SystemTime,
    max_skew: Option<Duration>,
) -> Result<(), AuthError> {
    let request_amz = format_amz_date(info.request_time);
    let request_day = request_amz.get(..8).unwrap_or_default();
    if info.date != request_day {
        return Err(AuthError::InvalidSignature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{request_day}', from '{request_amz}'.",
            info.date
        )));
    }
    check_time(info, &request_amz, now, max_skew)?;
    if !info.signed_headers.iter().any(|h| h == "host") {
        return Err(AuthError::InvalidSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }

    let computed = resign(parts, info, secret_access_key, None)?;
    if ct_eq(&computed, &info.signature) {
        return Ok(());
    }
    // Some presigners (S3-style) sign UNSIGNED-PAYLOAD instead of the body hash.
    if info.presigned {
        let computed = resign(
            parts,
            info,
            secret_access_key,
            Some(SignableBody::UnsignedPayload),
        )?;
        if ct_eq(&computed, &info.signature) {
            return Ok(());
        }
    }
    Err(AuthError::SignatureDoesNotMatch)
}

fn mismatch<E>(_: E) -> AuthError {
    AuthError::SignatureDoesNotMatch
}

fn ct_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn check_time(
    info: &SignatureInfo,
    request_amz: &str,
    now: SystemTime,
    max_skew: Option<Duration>,
) -> Result<(), AuthError> {
    let now_amz = format_amz_date(now);
    // A presigned URL is good for X-Amz-Expires; a header signature for the skew.
    let window = match (info.presigned, info.expires) {
        (true, Some(expires)) => Some(expires),
        _ => max_skew,
    };
    if let Some(window) = window {
        let earliest = now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
        if info.request_time < earliest {
            return Err(AuthError::InvalidSignature(format!(
                "Signature expired: {request_amz} is now earlier than {} ({now_amz} - {})",
                format_amz_date(earliest),
                fmt_window(window)
            )));
        }
    }
    if let Some(skew) = max_skew {
        if let Some(latest) = now.checked_add(skew) {
            if info.request_time > latest {
                return Err(AuthError::InvalidSignature(format!(
                    "Signature not yet current: {request_amz} is still later than {} ({now_amz} + {})",
                    format_amz_date(latest),
                    fmt_window(skew)
                )));
            }
        }
    }
    Ok(())
}

/// Signs the request again as the client must have, returning the hex
/// signature. Any request `aws-sigv4` can't reproduce is a mismatch.
fn resign(
    parts: &RequestParts<'_>,
    info: &SignatureInfo,
    secret: &str,
    body_override: Option<SignableBody<'_>>,
) -> Result<String, AuthError> {
    if !parts.raw_path.starts_with('/') {
        return Err(AuthError::SignatureDoesNotMatch);
    }
    // Without a host header aws-sigv4 would need an authority in the URI.
    if !parts.headers.contains_key(http::header::HOST) {
        return Err(AuthError::SignatureDoesNotMatch);
    }
    let token_signed = info.security_token.as_ref().is_some_and(|_| {
        info.presigned
            || info
                .signed_headers
                .iter()
                .any(|h| h == "x-amz-security-token")
    });

    // aws-sigv4 adds x-amz-date and x-amz-security-token itself (header mode).
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for name in &info.signed_headers {
        if !info.presigned && (name == "x-amz-date" || name == "x-amz-security-token") {
            continue;
        }
        for value in parts.headers.get_all(name.as_ref()) {
            headers.push((name.as_ref(), value.to_str().map_err(mismatch)?));
        }
    }
    if expected_signed_headers(&headers, info, token_signed) != info.signed_headers {
        return Err(AuthError::SignatureDoesNotMatch);
    }

    let query = parts.raw_query.filter(|q| !q.is_empty()).map(|q| {
        if info.presigned {
            strip_presign_params(q)
        } else {
            q.to_owned()
        }
    });
    let uri = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("{}?{q}", parts.raw_path),
        _ => parts.raw_path.to_owned(),
    };
    let payload_hash = header_str(
        parts.headers,
        &HeaderName::from_static("x-amz-content-sha256"),
    );
    let body = match (body_override, payload_hash) {
        (Some(b), _) => b,
        (None, Some(hash)) => SignableBody::Precomputed(hash.to_owned()),
        (None, None) => SignableBody::Bytes(parts.body),
    };
    let request = SignableRequest::new(parts.method.as_str(), uri, headers.into_iter(), body)
        .map_err(mismatch)?;

    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Double;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Enabled;
    settings.excluded_headers = None;
    settings.session_token_mode = if token_signed {
        SessionTokenMode::Include
    } else {
        SessionTokenMode::Exclude
    };
    if info.presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(info.expires.ok_or(AuthError::SignatureDoesNotMatch)?);
    }
    let identity: Identity = Credentials::new(
        info.access_key_id.to_string(),
        secret.to_owned(),
        info.security_token.as_deref().map(str::to_owned),
        None,
        "keyhole",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&info.region)
        .name(&info.service)
        .time(info.request_time)
        .settings(settings)
        .build()
        .map_err(mismatch)?
        .into();
    let output = sign(request, &params).map_err(mismatch)?;
    Ok(output.signature().to_owned())
}

/// The `SignedHeaders` aws-sigv4 will produce for these inputs; when it
/// differs from the client's list the client's signature can't be reproduced.
fn expected_signed_headers(
    headers: &[(&str, &str)],
    info: &SignatureInfo,
    token_signed: bool,
) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.push("host".to_owned());
    if !info.presigned {
        names.push("x-amz-date".to_owned());
        if token_signed {
            names.push("x-amz-security-token".to_owned());
        }
    } else {
        names.retain(|n| n != "x-amz-user-agent" && n != "x-amz-checksum-mode");
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::super::amz_date::parse_amz_date;
    use super::super::request::DEFAULT_MAX_SKEW;
    use super::*;

    #[test]
    fn skew_messages() {
        let t = parse_amz_date("20240101T000000Z").unwrap();
        let info = SignatureInfo {
            access_key_id: "A".into(),
            date: "20240101".into(),
            region: "us-east-1".into(),
            service: "kms".into(),
            signed_headers: vec!["host".into(), "x-amz-date".into()],
            signature: "".into(),
            security_token: None,
            request_time: t,
            presigned: false,
            expires: None,
        };
        let now = t + Duration::from_secs(600);
        let err = check_time(&info, "20240101T000000Z", now, Some(DEFAULT_MAX_SKEW)).unwrap_err();
        assert_eq!(err.message(), "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)");
        assert_eq!(check_time(&info, "20240101T000000Z", now, None), Ok(()));
        let now = t - Duration::from_secs(600);
        let err = check_time(&info, "20240101T000000Z", now, Some(DEFAULT_MAX_SKEW)).unwrap_err();
        assert_eq!(err.message(), "Signature not yet current: 20240101T000000Z is still later than 20231231T235500Z (20231231T235000Z + 5 min.)");
    }
}

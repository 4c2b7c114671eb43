//! SigV4 request authentication: parse the `Authorization` header or a
//! presigned query string, then verify the signature by signing the request
//! again with `aws-sigv4` (which only signs) and comparing in constant time.
//!
//! Pure: no I/O, no async, no server types. The pipeline calls [`parse`]
//! (which also yields the credential scope's region and service, used for
//! routing), looks the access key up, then calls [`verify`].
//!
//! Errors are data: [`AuthError::code`], [`AuthError::message`] and
//! [`AuthError::status`] give what AWS answers, per [`ProtocolFamily`].
//!
//! Known limits of re-signing with `aws-sigv4`: it always signs `host`, and in
//! header mode always signs `x-amz-date`; a request authenticated by a signed
//! `Date` header alone, or one whose `SignedHeaders` lists a header the
//! request lacks, is answered with a signature mismatch. The query is
//! canonicalised by decoding and re-encoding it, so a client that sends `+`
//! for a space or leaves reserved characters unencoded in the query (and signs
//! it raw) is rejected. No SDK sends those.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, Method};
use subtle::ConstantTimeEq;

/// The only algorithm AWS accepts for SigV4.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far AWS lets a request's time drift from the server's clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The longest `X-Amz-Expires` AWS accepts: a week.
pub const MAX_PRESIGNED_EXPIRES: u64 = 604_800;

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

/// The wire protocol a request arrived on; AWS spells auth errors
/// differently per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolFamily {
    /// awsJson1.0/1.1: KMS, Organizations.
    AwsJson,
    /// restJson1: Backup.
    RestJson,
    /// awsQuery: STS, IAM.
    AwsQuery,
}

/// The parts of an HTTP request that SigV4 covers, exactly as received.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a Method,
    /// The path as sent on the wire, still percent-encoded.
    pub raw_path: &'a str,
    /// The query as sent on the wire, without the `?`.
    pub raw_query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What a request claims about its signature: the credential scope, the
/// signed headers, the signature and the request time. It borrows from the
/// request where it can: parsing runs on every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo<'a> {
    pub access_key_id: Cow<'a, str>,
    /// Credential scope date, `yyyymmdd`.
    pub date: Cow<'a, str>,
    /// Credential scope region: the region the request is for.
    pub region: Cow<'a, str>,
    /// Credential scope service: routes awsQuery requests (`sts` vs `iam`).
    pub service: Cow<'a, str>,
    /// `SignedHeaders`, as sent (lowercase, `;`-separated on the wire).
    pub signed_headers: Vec<Cow<'a, str>>,
    /// Hex signature as sent.
    pub signature: Cow<'a, str>,
    /// `x-amz-security-token` header or `X-Amz-Security-Token` parameter.
    pub security_token: Option<Cow<'a, str>>,
    /// From `X-Amz-Date` (header or presigned parameter), else `Date`.
    pub request_time: SystemTime,
    /// True when the signature came from the query string.
    pub presigned: bool,
    /// Presigned `X-Amz-Expires`.
    pub expires: Option<Duration>,
}

impl SignatureInfo<'_> {
    /// The same claims, owning their text.
    pub fn into_owned(self) -> SignatureInfo<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        SignatureInfo {
            access_key_id: own(self.access_key_id),
            date: own(self.date),
            region: own(self.region),
            service: own(self.service),
            signed_headers: self.signed_headers.into_iter().map(own).collect(),
            signature: own(self.signature),
            security_token: self.security_token.map(own),
            request_time: self.request_time,
            presigned: self.presigned,
            expires: self.expires,
        }
    }
}

/// The credential scope of a request; alias kept for callers that only need
/// the scope.
pub type Credential<'a> = SignatureInfo<'a>;

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
    pub fn code(&self, family: ProtocolFamily) -> &'static str {
        let query = family == ProtocolFamily::AwsQuery;
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
    pub fn status(&self, family: ProtocolFamily) -> u16 {
        match family {
            // Coral JSON services answer every auth failure with 400.
            ProtocolFamily::AwsJson => 400,
            ProtocolFamily::RestJson => 403,
            ProtocolFamily::AwsQuery => match self {
                Self::IncompleteSignature(_) => 400,
                _ => 403,
            },
        }
    }
}

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

fn parse_presigned<'a>(
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

/// Access key id, date, region and service of a credential scope.
type Scope<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// `AKID/yyyymmdd/region/service/aws4_request` into its first four parts.
fn parse_credential(credential: &str) -> Result<Scope<'_>, AuthError> {
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

fn split_signed_headers(value: &str) -> Vec<Cow<'_, str>> {
    value
        .split(';')
        .filter(|h| !h.is_empty())
        .map(Cow::Borrowed)
        .collect()
}

// Pre-parsed names: a `&str` lookup parses the name on every request.
const X_AMZ_DATE_HEADER: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-amz-security-token");

fn header_str<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn bad_date(value: &str) -> AuthError {
    AuthError::IncompleteSignature(format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

/// `yyyymmddThhmmssZ` to a time.
fn parse_amz_date(value: &str) -> Result<SystemTime, AuthError> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let parsed = (|| {
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let year = i32::try_from(digits(0..4)?).ok()?;
        let month = time::Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
        let day = u8::try_from(digits(6..8)?).ok()?;
        let hour = u8::try_from(digits(9..11)?).ok()?;
        let minute = u8::try_from(digits(11..13)?).ok()?;
        let second = u8::try_from(digits(13..15)?).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        let clock = time::Time::from_hms(hour, minute, second).ok()?;
        let odt = time::PrimitiveDateTime::new(date, clock).assume_utc();
        let secs = odt.unix_timestamp();
        if secs >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
        }
    })();
    parsed.ok_or_else(|| bad_date(value))
}

/// A time as `yyyymmddThhmmssZ`, as AWS prints it in messages.
pub fn format_amz_date(t: SystemTime) -> String {
    let odt = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => time::OffsetDateTime::UNIX_EPOCH.checked_add(to_time_duration(d)),
        Err(e) => time::OffsetDateTime::UNIX_EPOCH.checked_sub(to_time_duration(e.duration())),
    };
    match odt {
        Some(o) => format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            o.year(),
            u8::from(o.month()),
            o.day(),
            o.hour(),
            o.minute(),
            o.second()
        ),
        None => "99991231T235959Z".to_owned(),
    }
}

fn to_time_duration(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

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
/// [`DEFAULT_MAX_SKEW`]); `None` turns the skew check off. A presigned
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

/// Removes the presigning parameters from a raw query, keeping the rest of
/// it byte for byte.
fn strip_presign_params(query: &str) -> String {
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
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = http::HeaderValue::from_str(v) {
                map.append(*k, v);
            }
        }
        map
    }

    fn parse_with(
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
        assert_eq!(
            err.code(ProtocolFamily::AwsJson),
            "IncompleteSignatureException"
        );
        assert_eq!(err.code(ProtocolFamily::AwsQuery), "IncompleteSignature");
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
        assert_eq!(
            err.code(ProtocolFamily::AwsJson),
            "InvalidSignatureException"
        );
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

    #[test]
    fn error_table() {
        use ProtocolFamily::*;
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

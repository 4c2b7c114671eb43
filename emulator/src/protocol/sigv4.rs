//! TEMPORARY placeholder until the sigv4 branch lands: parses the credential scope only.

use std::time::{Duration, SystemTime};

pub struct RequestParts<'a> {
    pub method: &'a http::Method,
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

#[derive(Debug, Clone)]
pub struct SignatureInfo {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
    pub security_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolFamily {
    AwsJson,
    RestJson,
    AwsQuery,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Incomplete,
    SignatureMismatch,
}

impl AuthError {
    pub fn code(&self, _family: ProtocolFamily) -> &'static str {
        "InvalidSignatureException"
    }
    pub fn message(&self) -> String {
        String::new()
    }
    pub fn status(&self, _family: ProtocolFamily) -> u16 {
        400
    }
}

pub fn parse(parts: &RequestParts) -> Result<Option<SignatureInfo>, AuthError> {
    let Some(auth) = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let cred = auth
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .ok_or(AuthError::Incomplete)?;
    let mut it = cred.split('/');
    let access_key_id = it.next().unwrap_or_default().to_owned();
    let _date = it.next();
    let region = it.next().unwrap_or_default().to_owned();
    let service = it.next().unwrap_or_default().to_owned();
    Ok(Some(SignatureInfo {
        access_key_id,
        region,
        service,
        security_token: parts
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }))
}

pub fn verify(
    _parts: &RequestParts,
    _info: &SignatureInfo,
    _secret: &str,
    _now: SystemTime,
    _max_skew: Option<Duration>,
) -> Result<(), AuthError> {
    Ok(())
}

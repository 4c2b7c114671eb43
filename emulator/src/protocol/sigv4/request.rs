//! The request as SigV4 sees it, and what its signature claims.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};

/// The only algorithm AWS accepts for SigV4.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far AWS lets a request's time drift from the server's clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The longest `X-Amz-Expires` AWS accepts: a week.
pub const MAX_PRESIGNED_EXPIRES: u64 = 604_800;

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

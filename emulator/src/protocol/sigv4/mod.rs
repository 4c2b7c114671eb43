//! SigV4 request authentication: parse the `Authorization` header or a
//! presigned query string, then verify the signature by signing the request
//! again with `aws-sigv4` (which only signs) and comparing in constant time.
//!
//! Pure: no I/O, no async, no server types. The pipeline calls [`parse()`]
//! (which also yields the credential scope's region and service, used for
//! routing), looks the access key up, then calls [`verify()`].
//!
//! Errors are data: [`AuthError::code`], [`AuthError::message`] and
//! [`AuthError::status`] give what AWS answers, per [`Protocol`](super::Protocol).
//!
//! Known limits of re-signing with `aws-sigv4`: it always signs `host`, and in
//! header mode always signs `x-amz-date`; a request authenticated by a signed
//! `Date` header alone, or one whose `SignedHeaders` lists a header the
//! request lacks, is answered with a signature mismatch. The query is
//! canonicalised by decoding and re-encoding it, so a client that sends `+`
//! for a space or leaves reserved characters unencoded in the query (and signs
//! it raw) is rejected. No SDK sends those.
//!
//! Contents, in the order a request meets them:
//! - `request`: [`RequestParts`] (what SigV4 covers), [`SignatureInfo`] (what the
//!   request claims) and the limits on the claims ([`ALGORITHM`], [`DEFAULT_MAX_SKEW`],
//!   [`MAX_PRESIGNED_EXPIRES`]);
//! - `parse`: [`parse()`], and the `Authorization` header;
//! - `presigned`: the presigned query string (`X-Amz-*` parameters);
//! - `scope`: what both carry: the credential scope and the signed headers;
//! - `amz_date`: `yyyymmddThhmmssZ` both ways ([`format_amz_date`]);
//! - `verify`: [`verify()`], the time window and the re-signing;
//! - `error`: [`AuthError`], AWS's codes, messages and statuses.

mod amz_date;
mod error;
mod parse;
mod presigned;
mod request;
mod scope;
mod verify;

pub use amz_date::format_amz_date;
pub use error::AuthError;
pub use parse::parse;
pub use request::{
    RequestParts, SignatureInfo, ALGORITHM, DEFAULT_MAX_SKEW, MAX_PRESIGNED_EXPIRES,
};
pub use verify::verify;

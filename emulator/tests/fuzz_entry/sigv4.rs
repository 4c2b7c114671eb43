//! The SigV4 verifier on requests signed as the SDKs sign them (aws-sigv4, a known secret),
//! method, path, query, a header and the body drawn from the input: the signed request must
//! be accepted, and the same request with one part changed afterwards must be refused.
//! Never a panic either way.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderValue, Method};
use keyhole::protocol::sigv4::{format_amz_date, parse, verify, RequestParts, DEFAULT_MAX_SKEW};

use super::Choices;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// Text from the input over an alphabet of what clients put on the wire, `%20` included
/// (percent-encoded already: the path and query are sent as they are here).
fn wire_text(c: &mut Choices, max: usize, alphabet: &[&str]) -> String {
    c.bytes(max)
        .iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()])
        .collect()
}

struct Signed {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
    time: SystemTime,
}

impl Signed {
    fn verdict(&self, secret: &str) -> Result<(), String> {
        let parts = RequestParts {
            method: &self.method,
            raw_path: &self.path,
            raw_query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        };
        match parse(&parts) {
            Ok(Some(info)) => verify(&parts, &info, secret, self.time, Some(DEFAULT_MAX_SKEW))
                .map_err(|e| format!("{e:?}")),
            Ok(None) => Err("no signature found".into()),
            Err(e) => Err(format!("{e:?}")),
        }
    }
}

fn signed(c: &mut Choices) -> Option<Signed> {
    let method = *c.pick(&["POST", "GET", "PUT", "DELETE"]);
    const PATH: &[&str] = &[
        "a", "b", "Z", "0", "-", "_", ".", "~", "/", "%20", "%2F", ":",
    ];
    let path = format!("/{}", wire_text(c, 24, PATH));
    const QUERY: &[&str] = &["a", "b", "=", "&", "%20", "%3D", "-", "1"];
    let query = c.flag().then(|| wire_text(c, 24, QUERY));
    let meta: String = c
        .bytes(16)
        .iter()
        .map(|b| char::from(b' ' + b % 95))
        .collect();
    let token = c.flag().then_some("FwoGZXIvYXdzEXAMPLETOKEN");
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_112_496 + u64::from(c.byte()));
    let body = c.rest().to_vec();

    let uri = match &query {
        Some(q) => format!("http://localhost:4566{path}?{q}"),
        None => format!("http://localhost:4566{path}"),
    };
    let mut fixed = vec![
        ("host", "localhost:4566"),
        ("content-type", "application/json"),
    ];
    if !meta.trim().is_empty() {
        fixed.push(("x-amz-meta-f", meta.as_str()));
    }
    let identity: Identity = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        SECRET,
        token.map(str::to_owned),
        None,
        "fuzz",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("kms")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .ok()?
        .into();
    let signable = SignableRequest::new(
        method,
        &uri,
        fixed.iter().copied(),
        SignableBody::Bytes(&body),
    )
    .ok()?;
    let (instructions, _) = sign(signable, &params).ok()?.into_parts();
    let mut request = http::Request::builder().method(method).uri(&uri);
    for (name, value) in &fixed {
        request = request.header(*name, *value);
    }
    let mut request = request.body(()).ok()?;
    instructions.apply_to_request_http1x(&mut request);
    Some(Signed {
        method: Method::from_bytes(method.as_bytes()).ok()?,
        path,
        query,
        headers: request.headers().clone(),
        body,
        time,
    })
}

pub fn sigv4_verify(data: &[u8]) {
    let Some((choice, rest)) = data.split_first() else {
        return;
    };
    let mut c = Choices::new(rest);
    let Some(mut req) = signed(&mut c) else {
        return;
    };
    if let Err(e) = req.verdict(SECRET) {
        panic!(
            "a request signed as the SDKs sign it was refused: {e}\n{} {} {:?}\n{:?}",
            req.method, req.path, req.query, req.headers
        );
    }
    let mut secret = SECRET;
    let change = match choice % 8 {
        0 => {
            match req.body.first_mut() {
                Some(b) => *b ^= 1,
                None => req.body.push(b'x'),
            }
            "the body"
        }
        1 => {
            req.headers.insert(
                "content-type",
                HeaderValue::from_static("application/jsonx"),
            );
            "a signed header"
        }
        2 => {
            req.path.push('x');
            "the path"
        }
        3 => {
            req.query = Some(match req.query.take() {
                Some(q) if !q.is_empty() => format!("{q}&zz=1"),
                _ => "zz=1".to_owned(),
            });
            "the query"
        }
        4 => {
            let auth = req.headers["authorization"].to_str().unwrap().to_owned();
            let last = auth.chars().last().unwrap();
            let other = if last == '0' { '1' } else { '0' };
            let tampered = format!("{}{other}", &auth[..auth.len() - 1]);
            req.headers
                .insert("authorization", HeaderValue::from_str(&tampered).unwrap());
            "the signature"
        }
        5 => {
            secret = "wrong-secret";
            "the secret"
        }
        6 => {
            let later = format_amz_date(req.time + Duration::from_secs(1));
            req.headers
                .insert("x-amz-date", HeaderValue::from_str(&later).unwrap());
            "the date"
        }
        _ => {
            let auth = req.headers["authorization"].to_str().unwrap();
            let moved = auth.replace("/us-east-1/", "/us-west-2/");
            req.headers
                .insert("authorization", HeaderValue::from_str(&moved).unwrap());
            "the credential scope"
        }
    };
    assert!(
        req.verdict(secret).is_err(),
        "accepted after changing {change}: {} {} {:?}",
        req.method,
        req.path,
        req.query
    );
}

//! Web identity and SAML federation, in keyhole's documented test forms: tokens and
//! assertions are read, not cryptographically verified (keyhole has no identity provider).
//!
//! **Web identity token** (AssumeRoleWithWebIdentity): a JWT `header.payload.signature`,
//! base64url parts; the signature is ignored and may be empty. The payload must carry
//! `iss`, `sub` and `aud` (string or array); `exp` (epoch seconds), when present, is checked
//! against keyhole's clock. Example payload: `{"iss":"https://token.actions.githubusercontent.com",
//! "sub":"repo:org/repo:ref:refs/heads/main","aud":"sts.amazonaws.com","exp":1900000000}`.
//! GetWebIdentityToken issues tokens of this form.
//!
//! **SAML assertion** (AssumeRoleWithSAML): base64 of a SAML 2.0 `<Response>` or
//! `<Assertion>`; signatures are ignored. keyhole reads `Issuer`, `NameID` (and its
//! `Format`), `Audience`, `NotOnOrAfter` (checked against keyhole's clock), and the
//! attributes `https://aws.amazon.com/SAML/Attributes/Role` (values `roleArn,providerArn`
//! in either order; one must name the requested RoleArn and PrincipalArn),
//! `.../RoleSessionName` (else the NameID) and `.../SessionDuration`.
//!
//! The trust policy is evaluated with the provider as the federated principal: the request
//! context carries `keyhole:FederatedPrincipal` (the provider: an `oidc-provider` ARN or a
//! well-known host for web identity, the PrincipalArn for SAML) and the provider's
//! condition keys (`<host/path>:sub`, `:aud`, `:iss`; `saml:sub`, `saml:aud`, `saml:iss`,
//! `saml:sub_type`). IAM OIDC/SAML provider entities are not required to exist.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use regex::Regex;
use serde_json::{json, Value};

use super::errors::{access_denied, modeled_error};
use super::sessions::{
    authorize_on_role, issue_role_session, request_context, role_duration, role_for_arn,
    session_inputs,
};
use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam;
use crate::services::input::text;
use crate::world::iam::state::Session;
use crate::world::World;

/// Providers AWS names by host rather than by an IAM OIDC provider ARN.
const WELL_KNOWN: [&str; 4] = [
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
    "graph.facebook.com",
    "www.amazon.com",
];

fn invalid_token(message: &str) -> ApiError {
    modeled_error("InvalidIdentityTokenException", message)
}

/// Decodes the payload of a test-form JWT.
pub fn jwt_payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

pub fn assume_role_with_web_identity(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let token = text(input, "WebIdentityToken");
    // Text inferred (AWS's answer to a non-JWT token, as quoted in public reports).
    let payload = jwt_payload(token).ok_or_else(|| {
        invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    })?;
    let iss = payload["iss"].as_str().unwrap_or_default().to_owned();
    let sub = payload["sub"].as_str().unwrap_or_default().to_owned();
    let aud = match &payload["aud"] {
        Value::String(a) => a.clone(),
        Value::Array(a) => a
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    if iss.is_empty() || sub.is_empty() || aud.is_empty() {
        // Text inferred.
        return Err(invalid_token(
            "The ID Token provided is missing the iss, sub or aud claim.",
        ));
    }
    if let Some(exp) = payload["exp"].as_f64() {
        if exp <= ctx.now {
            // Text inferred (AWS's wording as quoted in public reports).
            return Err(modeled_error(
                "ExpiredTokenException",
                format!(
                    "Token expired: current date/time {} must be before the expiration date/time {}",
                    ctx.now.floor() as i64,
                    exp as i64
                ),
            ));
        }
    }
    let role_arn = text(input, "RoleArn");
    let Some((account, role)) = role_for_arn(world, role_arn) else {
        return Err(access_denied(
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        ));
    };
    let duration = role_duration(input, &role, false)?;
    let mut session = Session::default();
    session_inputs(input, &mut session)?;
    let host = iss
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let principal = if WELL_KNOWN.contains(&host.as_str()) {
        host.clone()
    } else {
        crate::arn::global(
            ctx.partition(),
            "iam",
            &account,
            &format!("oidc-provider/{host}"),
        )
    };
    let mut context = request_context(input, &session);
    context.extend([
        ("keyhole:FederatedPrincipal".to_owned(), json!(principal)),
        ("aws:FederatedProvider".to_owned(), json!(principal)),
        (format!("{host}:sub"), json!(sub)),
        (format!("{host}:aud"), payload["aud"].clone()),
        (format!("{host}:iss"), json!(iss)),
    ]);
    authorize_on_role(
        ctx,
        world,
        "sts:AssumeRoleWithWebIdentity",
        &account,
        &role,
        context,
        input,
    )?;
    session.issued_by = "AssumeRoleWithWebIdentity".into();
    session.issuer_arn = Some(principal);
    let session_name = text(input, "RoleSessionName");
    let mut out = issue_role_session(ctx, world, &account, &role, session_name, duration, session);
    out["SubjectFromWebIdentityToken"] = json!(sub);
    out["Audience"] = json!(aud);
    out["Provider"] = json!(iss);
    Ok(out)
}

/// What keyhole reads from a SAML assertion.
#[derive(Debug, Default, PartialEq)]
pub struct SamlAssertion {
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: String,
    pub audience: String,
    pub not_on_or_after: Option<f64>,
    pub roles: Vec<(String, String)>,
    pub session_name: Option<String>,
    pub session_duration: Option<i64>,
}

fn capture(pattern: &str, xml: &str) -> Option<String> {
    Regex::new(pattern)
        .ok()?
        .captures(xml)?
        .get(1)
        .map(|m| m.as_str().trim().to_owned())
}

fn attribute_values(xml: &str, name: &str) -> Vec<String> {
    let pattern = format!(
        r#"(?s)<(?:\w+:)?Attribute\b[^>]*Name="{}"[^>]*>(.*?)</(?:\w+:)?Attribute>"#,
        regex::escape(name)
    );
    let Some(body) = capture(&pattern, xml) else {
        return Vec::new();
    };
    let Ok(value) =
        Regex::new(r"(?s)<(?:\w+:)?AttributeValue\b[^>]*>(.*?)</(?:\w+:)?AttributeValue>")
    else {
        return Vec::new();
    };
    value
        .captures_iter(&body)
        .filter_map(|c| c.get(1).map(|m| m.as_str().trim().to_owned()))
        .collect()
}

/// Reads a base64 SAML assertion in keyhole's test form.
pub fn parse_saml(encoded: &str) -> Option<SamlAssertion> {
    let bytes = STANDARD
        .decode(encoded.split_whitespace().collect::<String>())
        .ok()?;
    let xml = String::from_utf8(bytes).ok()?;
    let name_id_tag = Regex::new(r"(?s)<(?:\w+:)?NameID\b([^>]*)>(.*?)</(?:\w+:)?NameID>").ok()?;
    let name_id = name_id_tag.captures(&xml)?;
    let format = capture(
        r#"Format="([^"]*)""#,
        name_id.get(1).map_or("", |m| m.as_str()),
    )
    .unwrap_or_default();
    let role_attr = "https://aws.amazon.com/SAML/Attributes/Role";
    let roles = attribute_values(&xml, role_attr)
        .into_iter()
        .filter_map(|v| {
            let (a, b) = v.split_once(',')?;
            let (a, b) = (a.trim().to_owned(), b.trim().to_owned());
            Some(if a.contains(":role/") { (a, b) } else { (b, a) })
        })
        .collect();
    Some(SamlAssertion {
        issuer: capture(r"(?s)<(?:\w+:)?Issuer\b[^>]*>(.*?)</(?:\w+:)?Issuer>", &xml)
            .unwrap_or_default(),
        name_id: name_id
            .get(2)
            .map(|m| m.as_str().trim().to_owned())
            .unwrap_or_default(),
        name_id_format: format,
        audience: capture(
            r"(?s)<(?:\w+:)?Audience\b[^>]*>(.*?)</(?:\w+:)?Audience>",
            &xml,
        )
        .unwrap_or_default(),
        not_on_or_after: capture(r#"NotOnOrAfter="([^"]*)""#, &xml)
            .and_then(|t| crate::protocol::query::parse_timestamp(&t)),
        roles,
        session_name: attribute_values(
            &xml,
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
        )
        .into_iter()
        .next(),
        session_duration: attribute_values(
            &xml,
            "https://aws.amazon.com/SAML/Attributes/SessionDuration",
        )
        .into_iter()
        .next()
        .and_then(|d| d.parse().ok()),
    })
}

pub fn assume_role_with_saml(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    // Text inferred.
    let assertion = parse_saml(text(input, "SAMLAssertion"))
        .ok_or_else(|| invalid_token("Invalid SAML Assertion"))?;
    if assertion.not_on_or_after.is_some_and(|t| t <= ctx.now) {
        // Text inferred.
        return Err(modeled_error(
            "ExpiredTokenException",
            "Token must be redeemed within 5 minutes of issuance",
        ));
    }
    let role_arn = text(input, "RoleArn");
    let principal_arn = text(input, "PrincipalArn");
    let denied = || access_denied("Not authorized to perform sts:AssumeRoleWithSAML");
    if !assertion
        .roles
        .iter()
        .any(|(r, p)| r == role_arn && p == principal_arn)
    {
        return Err(denied());
    }
    let Some((account, role)) = role_for_arn(world, role_arn) else {
        return Err(denied());
    };
    let mut duration_input = input.clone();
    if duration_input["DurationSeconds"].is_null() {
        if let Some(d) = assertion.session_duration {
            duration_input["DurationSeconds"] = json!(d);
        }
    }
    let duration = role_duration(&duration_input, &role, false)?;
    let mut session = Session::default();
    session_inputs(input, &mut session)?;
    let sub_type = match assertion.name_id_format.rsplit(':').next() {
        Some("persistent") => "persistent",
        Some("transient") => "transient",
        _ => "unspecified",
    };
    let mut context = request_context(input, &session);
    context.extend([
        (
            "keyhole:FederatedPrincipal".to_owned(),
            json!(principal_arn),
        ),
        ("aws:FederatedProvider".to_owned(), json!(principal_arn)),
        ("saml:sub".to_owned(), json!(assertion.name_id)),
        ("saml:sub_type".to_owned(), json!(sub_type)),
        ("saml:aud".to_owned(), json!(assertion.audience)),
        ("saml:iss".to_owned(), json!(assertion.issuer)),
    ]);
    authorize_on_role(
        ctx,
        world,
        "sts:AssumeRoleWithSAML",
        &account,
        &role,
        context,
        input,
    )?;
    session.issued_by = "AssumeRoleWithSAML".into();
    session.issuer_arn = Some(principal_arn.to_owned());
    let session_name = assertion
        .session_name
        .clone()
        .unwrap_or_else(|| assertion.name_id.clone());
    let mut out = issue_role_session(
        ctx,
        world,
        &account,
        &role,
        &session_name,
        duration,
        session,
    );
    out["Subject"] = json!(assertion.name_id);
    out["SubjectType"] = json!(sub_type);
    out["Issuer"] = json!(assertion.issuer);
    out["Audience"] = json!(assertion.audience);
    Ok(out)
}

/// Outbound identity federation: a JWT naming the caller, in the test form
/// AssumeRoleWithWebIdentity accepts. keyhole does not sign it (the signature part is
/// empty); `iss` is `https://sts.<region>.amazonaws.com/keyhole/<account>`.
pub fn get_web_identity_token(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authz::authorize(ctx, world, &Access::new(None))?;
    let duration = input["DurationSeconds"].as_i64().unwrap_or(300);
    let expiration = (ctx.now + duration as f64).floor();
    let audience: Vec<Value> = input["Audience"].as_array().cloned().unwrap_or_default();
    let aud = if audience.len() == 1 {
        audience[0].clone()
    } else {
        Value::Array(audience)
    };
    let tags: serde_json::Map<String, Value> = iam::tags::tags_from(input, "Tags")
        .into_iter()
        .map(|t| (t.key, json!(t.value)))
        .collect();
    let header = json!({"alg": text(input, "SigningAlgorithm"), "typ": "JWT", "kid": "keyhole"});
    let payload = json!({
        "iss": format!("https://sts.{}.amazonaws.com/keyhole/{}", ctx.region, ctx.caller.account),
        "sub": ctx.caller.arn(),
        "aud": aud,
        "iat": ctx.now.floor() as i64,
        "exp": expiration as i64,
        "https://sts.amazonaws.com/": {"aws_account": ctx.caller.account, "request_tags": tags},
    });
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    Ok(json!({"WebIdentityToken": token, "Expiration": expiration}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServiceId;
    use crate::services::iam::test_support::{call, err, iam};
    use crate::world::Caller;

    fn jwt(payload: Value) -> String {
        format!("e30.{}.", URL_SAFE_NO_PAD.encode(payload.to_string()))
    }

    fn world() -> World {
        let mut w = World::default();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com","arn:aws:iam::222222222222:saml-provider/idp"]},"Action":["sts:AssumeRoleWithWebIdentity","sts:AssumeRoleWithSAML"]}]}"#;
        iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "ci", "AssumeRolePolicyDocument": trust}),
        )
        .unwrap();
        w
    }

    fn anonymous() -> Caller {
        Caller {
            user_id: "anonymous".into(),
            access_key_id: String::new(),
            ..Caller::root("000000000000", "")
        }
    }

    #[test]
    fn web_identity_tokens_in_the_test_form() {
        let mut w = world();
        let token = jwt(
            json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:o/r:ref:refs/heads/main", "aud": "sts.amazonaws.com"}),
        );
        let out = call(&mut w, ServiceId::Sts, "AssumeRoleWithWebIdentity", json!({"RoleArn": "arn:aws:iam::222222222222:role/ci", "RoleSessionName": "gh", "WebIdentityToken": token}), anonymous()).unwrap();
        assert_eq!(
            out["AssumedRoleUser"]["Arn"],
            "arn:aws:sts::222222222222:assumed-role/ci/gh"
        );
        assert_eq!(
            out["SubjectFromWebIdentityToken"],
            "repo:o/r:ref:refs/heads/main"
        );
        assert_eq!(
            out["Provider"],
            "https://token.actions.githubusercontent.com"
        );
        let expired = jwt(json!({"iss": "https://x", "sub": "s", "aud": "a", "exp": 1000}));
        let (code, status, message) = err(call(
            &mut w,
            ServiceId::Sts,
            "AssumeRoleWithWebIdentity",
            json!({"RoleArn": "arn:aws:iam::222222222222:role/ci", "RoleSessionName": "gh", "WebIdentityToken": expired}),
            anonymous(),
        ));
        assert_eq!((code.as_str(), status), ("ExpiredTokenException", 400));
        assert_eq!(message, "Token expired: current date/time 1700000000 must be before the expiration date/time 1000");
        let (code, _, _) = err(call(
            &mut w,
            ServiceId::Sts,
            "AssumeRoleWithWebIdentity",
            json!({"RoleArn": "arn:aws:iam::222222222222:role/ci", "RoleSessionName": "gh", "WebIdentityToken": "not-a-jwt"}),
            anonymous(),
        ));
        assert_eq!(code, "InvalidIdentityToken");
        // GetWebIdentityToken's output is accepted back.
        let issued = call(
            &mut w,
            ServiceId::Sts,
            "GetWebIdentityToken",
            json!({"Audience": ["sts.amazonaws.com"], "SigningAlgorithm": "RS256"}),
            Caller::root("111111111111", "111111111111"),
        )
        .unwrap();
        let payload = jwt_payload(issued["WebIdentityToken"].as_str().unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(payload["sub"], "arn:aws:iam::111111111111:root");
    }

    #[test]
    fn saml_assertions_in_the_test_form() {
        let mut w = world();
        let xml = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Issuer>https://idp.example.com</saml:Issuer><saml:Assertion><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.com</saml:NameID></saml:Subject><saml:Conditions NotOnOrAfter="2099-01-01T00:00:00Z"><saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>arn:aws:iam::222222222222:saml-provider/idp,arn:aws:iam::222222222222:role/ci</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#;
        let assertion = STANDARD.encode(xml);
        let parsed = parse_saml(&assertion).unwrap_or_default();
        assert_eq!(
            parsed.roles,
            vec![(
                "arn:aws:iam::222222222222:role/ci".to_owned(),
                "arn:aws:iam::222222222222:saml-provider/idp".to_owned()
            )]
        );
        let out = call(&mut w, ServiceId::Sts, "AssumeRoleWithSAML", json!({"RoleArn": "arn:aws:iam::222222222222:role/ci", "PrincipalArn": "arn:aws:iam::222222222222:saml-provider/idp", "SAMLAssertion": assertion}), anonymous()).unwrap();
        assert_eq!(
            out["AssumedRoleUser"]["Arn"],
            "arn:aws:sts::222222222222:assumed-role/ci/alice"
        );
        assert_eq!(out["SubjectType"], "persistent");
        assert_eq!(out["Issuer"], "https://idp.example.com");
        let (code, status, _) = err(call(
            &mut w,
            ServiceId::Sts,
            "AssumeRoleWithSAML",
            json!({"RoleArn": "arn:aws:iam::222222222222:role/ci", "PrincipalArn": "arn:aws:iam::222222222222:saml-provider/other", "SAMLAssertion": assertion}),
            anonymous(),
        ));
        assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    }
}

//! ARNs carry the partition of the region they are built in (botocore's partitions:
//! aws-cn for cn-*, aws-us-gov for us-gov-*, ...), and keyhole reads ARNs of any partition.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::HttpRequest;
use keyhole::server;
use keyhole::Settings;
use serde_json::{json, Value};

const ACCOUNT: &str = "111111111111";

fn call(
    instance: &Instance,
    region: &str,
    service: &str,
    method: Method,
    path: &str,
    headers: &[(&'static str, &str)],
    body: &Value,
) -> (u16, Value) {
    let mut map = root_headers(region, service);
    for (name, value) in headers {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    let (status, body) = send(instance, method, path, map, body.to_string());
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// ACCOUNT's root: an access key of 12 digits, whose signature keyhole does not check.
fn root_headers(region: &str, service: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    map.insert("authorization", HeaderValue::from_str(&auth).unwrap());
    map.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
    map
}

fn send(
    instance: &Instance,
    method: Method,
    path: &str,
    headers: HeaderMap,
    body: String,
) -> (u16, String) {
    let req = HttpRequest {
        method,
        raw_path: path.into(),
        raw_query: None,
        headers,
        body: Bytes::from(body),
    };
    let resp = server::handle(instance, &req, ConnectionInfo::default());
    (
        resp.status,
        String::from_utf8_lossy(&resp.body).into_owned(),
    )
}

/// Keys keyhole issued (an IAM user's, a role session's): the signature is checked.
struct Keys {
    id: String,
    secret: String,
    token: Option<String>,
}

/// A request signed with aws-sigv4 as the SDKs sign it, for `region`.
fn signed(
    instance: &Instance,
    keys: &Keys,
    region: &str,
    service: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let uri = "http://127.0.0.1:4566/";
    let mut all = vec![("host", "127.0.0.1:4566")];
    all.extend_from_slice(headers);
    let identity: Identity =
        Credentials::new(&keys.id, &keys.secret, keys.token.clone(), None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        uri,
        all.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method("POST").uri(uri);
    for (name, value) in &all {
        request = request.header(*name, *value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    send(
        instance,
        Method::POST,
        "/",
        request.headers().clone(),
        body.to_owned(),
    )
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// An awsQuery call (IAM, STS) as the root of ACCOUNT; the XML answer.
fn query(instance: &Instance, region: &str, service: &str, params: &[(&str, &str)]) -> String {
    let (status, body) = query_as(instance, None, region, service, params);
    assert_eq!(status, 200, "{body}");
    body
}

fn query_as(
    instance: &Instance,
    keys: Option<&Keys>,
    region: &str,
    service: &str,
    params: &[(&str, &str)],
) -> (u16, String) {
    let version = if service == "iam" {
        "2010-05-08"
    } else {
        "2011-06-15"
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Version", version);
    for (name, value) in params {
        form.append_pair(name, value);
    }
    let body = form.finish();
    match keys {
        Some(keys) => signed(instance, keys, region, service, &[FORM], &body),
        None => {
            let mut map = root_headers(region, service);
            map.insert(FORM.0, HeaderValue::from_static(FORM.1));
            send(instance, Method::POST, "/", map, body)
        }
    }
}

/// The text of the first `<tag>` element of an XML answer.
fn element(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
    xml[start..end].to_owned()
}

fn kms(instance: &Instance, region: &str, operation: &str, body: Value) -> Value {
    let target = format!("TrentService.{operation}");
    let (status, out) = call(
        instance,
        region,
        "kms",
        Method::POST,
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        &body,
    );
    assert_eq!(status, 200, "{operation}: {out}");
    out
}

#[test]
fn a_kms_key_in_cn_north_1_has_an_aws_cn_arn_and_is_found_by_it() {
    let instance = Instance::new(Settings::default());
    let region = "cn-north-1";
    let created = kms(&instance, region, "CreateKey", json!({}));
    let id = created["KeyMetadata"]["KeyId"].as_str().unwrap();
    let arn = format!("arn:aws-cn:kms:{region}:{ACCOUNT}:key/{id}");
    assert_eq!(created["KeyMetadata"]["Arn"], json!(arn));
    // Found by its own ARN; an alias ARN in the same partition.
    kms(&instance, region, "DescribeKey", json!({"KeyId": arn}));
    kms(
        &instance,
        region,
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": arn}),
    );
    let listed = kms(&instance, region, "ListAliases", json!({}));
    assert_eq!(
        listed["Aliases"][0]["AliasArn"],
        json!(format!("arn:aws-cn:kms:{region}:{ACCOUNT}:alias/app"))
    );
    let out = kms(
        &instance,
        region,
        "Encrypt",
        json!({"KeyId": format!("arn:aws-cn:kms:{region}:{ACCOUNT}:alias/app"), "Plaintext": "eA=="}),
    );
    assert_eq!(out["KeyId"], json!(arn));
    // A GovCloud key likewise.
    let gov = kms(&instance, "us-gov-west-1", "CreateKey", json!({}));
    let gov_id = gov["KeyMetadata"]["KeyId"].as_str().unwrap();
    assert_eq!(
        gov["KeyMetadata"]["Arn"],
        json!(format!(
            "arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:key/{gov_id}"
        ))
    );
}

#[test]
fn a_backup_vault_in_cn_northwest_1_has_an_aws_cn_arn() {
    let instance = Instance::new(Settings::default());
    let region = "cn-northwest-1";
    let (status, out) = call(
        &instance,
        region,
        "backup",
        Method::PUT,
        "/backup-vaults/vault",
        &[("content-type", "application/json")],
        &json!({}),
    );
    assert_eq!(status, 200, "{out}");
    let arn = format!("arn:aws-cn:backup:{region}:{ACCOUNT}:backup-vault:vault");
    assert_eq!(out["BackupVaultArn"], json!(arn));
    // The vault is found again by that ARN.
    let (status, policy) = call(
        &instance,
        region,
        "backup",
        Method::PUT,
        "/backup-vaults/vault/access-policy",
        &[("content-type", "application/json")],
        &json!({"Policy": json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":arn}]}).to_string()}),
    );
    assert_eq!(status, 200, "{policy}");
}

#[test]
fn an_iam_role_created_in_us_gov_west_1_keeps_its_aws_us_gov_arn() {
    let instance = Instance::new(Settings::default());
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-us-gov:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
    let created = query(
        &instance,
        "us-gov-west-1",
        "iam",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "app"),
            ("AssumeRolePolicyDocument", trust),
        ],
    );
    let arn = "arn:aws-us-gov:iam::111111111111:role/app";
    assert_eq!(element(&created, "Arn"), arn);
    // A stored role keeps the ARN it was created with, whatever region asks.
    let got = query(
        &instance,
        "us-east-1",
        "iam",
        &[("Action", "GetRole"), ("RoleName", "app")],
    );
    assert_eq!(element(&got, "Arn"), arn);
    // The standard partition is unchanged.
    let standard = query(
        &instance,
        "us-east-1",
        "iam",
        &[("Action", "CreateUser"), ("UserName", "u")],
    );
    assert_eq!(
        element(&standard, "Arn"),
        "arn:aws:iam::111111111111:user/u"
    );
}

#[test]
fn get_caller_identity_signed_for_cn_north_1_names_the_aws_cn_root() {
    let instance = Instance::new(Settings::default());
    let who = |region: &str| {
        element(
            &query(&instance, region, "sts", &[("Action", "GetCallerIdentity")]),
            "Arn",
        )
    };
    assert_eq!(who("cn-north-1"), "arn:aws-cn:iam::111111111111:root");
    assert_eq!(
        who("us-gov-east-1"),
        "arn:aws-us-gov:iam::111111111111:root"
    );
    assert_eq!(who("us-east-1"), "arn:aws:iam::111111111111:root");
}

#[test]
fn a_role_session_in_cn_north_1_is_an_aws_cn_assumed_role() {
    let instance = Instance::new(Settings::default());
    let region = "cn-north-1";
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
    query(
        &instance,
        region,
        "iam",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "app"),
            ("AssumeRolePolicyDocument", trust),
        ],
    );
    let assumed = query(
        &instance,
        region,
        "sts",
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws-cn:iam::111111111111:role/app"),
            ("RoleSessionName", "s1"),
        ],
    );
    let session_arn = "arn:aws-cn:sts::111111111111:assumed-role/app/s1";
    assert_eq!(element(&assumed, "Arn"), session_arn);
    // The session's own requests in cn-north-1 are signed as that session.
    let keys = Keys {
        id: element(&assumed, "AccessKeyId"),
        secret: element(&assumed, "SecretAccessKey"),
        token: Some(element(&assumed, "SessionToken")),
    };
    let (status, who) = query_as(
        &instance,
        Some(&keys),
        region,
        "sts",
        &[("Action", "GetCallerIdentity")],
    );
    assert_eq!(status, 200, "{who}");
    assert_eq!(element(&who, "Arn"), session_arn);
}

#[test]
fn an_aws_cn_key_policy_names_aws_cn_principals() {
    let instance = Instance::new(Settings::default());
    let region = "cn-north-1";
    // A user of ACCOUNT with an identity policy for KMS, and its access key.
    query(
        &instance,
        region,
        "iam",
        &[("Action", "CreateUser"), ("UserName", "u")],
    );
    let kms_use = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    query(
        &instance,
        region,
        "iam",
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "u"),
            ("PolicyName", "kms"),
            ("PolicyDocument", kms_use),
        ],
    );
    let key = query(
        &instance,
        region,
        "iam",
        &[("Action", "CreateAccessKey"), ("UserName", "u")],
    );
    let keys = Keys {
        id: element(&key, "AccessKeyId"),
        secret: element(&key, "SecretAccessKey"),
        token: None,
    };
    let as_user = |operation: &str, body: Value| {
        let target = format!("TrentService.{operation}");
        let (status, out) = signed(
            &instance,
            &keys,
            region,
            "kms",
            &[
                ("x-amz-target", &target),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            &body.to_string(),
        );
        (status, serde_json::from_str::<Value>(&out).unwrap())
    };

    // The default key policy names the account's aws-cn root, and lets its user in.
    let created = kms(&instance, region, "CreateKey", json!({}));
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    let policy = kms(
        &instance,
        region,
        "GetKeyPolicy",
        json!({"KeyId": arn, "PolicyName": "default"}),
    );
    let policy: Value = serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws-cn:iam::111111111111:root")
    );
    let plaintext = json!({"KeyId": arn, "Plaintext": "eA=="});
    let (status, out) = as_user("Encrypt", plaintext.clone());
    assert_eq!(status, 200, "{out}");

    // A Deny naming the user's aws-cn ARN denies it, in the user's aws-cn words.
    let deny = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::111111111111:root"},"Action":"kms:*","Resource":"*"},
        {"Effect":"Deny","Principal":{"AWS":"arn:aws-cn:iam::111111111111:user/u"},"Action":"kms:Encrypt","Resource":"*"}]});
    kms(
        &instance,
        region,
        "PutKeyPolicy",
        json!({"KeyId": arn, "PolicyName": "default", "Policy": deny.to_string()}),
    );
    let (status, out) = as_user("Encrypt", plaintext);
    assert_eq!(status, 400, "{out}");
    assert_eq!(out["__type"], json!("AccessDeniedException"), "{out}");
    assert_eq!(
        out["Message"],
        json!(format!("User: arn:aws-cn:iam::111111111111:user/u is not authorized to perform: kms:Encrypt on resource: {arn} with an explicit deny in a resource-based policy"))
    );
}

/// botocore's endpoints.json serves Organizations in aws-cn from cn-northwest-1 (its
/// `aws-cn-global` endpoint's credentialScope), so that is the region signed for.
#[test]
fn an_organization_created_in_aws_cn_has_aws_cn_arns() {
    let instance = Instance::new(Settings::default());
    let orgs = |region: &str, operation: &str| {
        let target = format!("AWSOrganizationsV20161128.{operation}");
        let (status, out) = call(
            &instance,
            region,
            "organizations",
            Method::POST,
            "/",
            &[
                ("x-amz-target", &target),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            &json!({}),
        );
        assert_eq!(status, 200, "{operation}: {out}");
        out
    };
    let created = orgs("cn-northwest-1", "CreateOrganization");
    let id = created["Organization"]["Id"].as_str().unwrap();
    assert_eq!(
        created["Organization"]["Arn"],
        json!(format!(
            "arn:aws-cn:organizations::111111111111:organization/{id}"
        ))
    );
    assert_eq!(
        created["Organization"]["MasterAccountArn"],
        json!(format!(
            "arn:aws-cn:organizations::111111111111:account/{id}/111111111111"
        ))
    );
    // The organization keeps its partition, and so do its roots and policies.
    let described = orgs("us-east-1", "DescribeOrganization");
    assert_eq!(
        described["Organization"]["Arn"],
        created["Organization"]["Arn"]
    );
    let roots = orgs("cn-northwest-1", "ListRoots");
    let root_id = roots["Roots"][0]["Id"].as_str().unwrap();
    assert_eq!(
        roots["Roots"][0]["Arn"],
        json!(format!(
            "arn:aws-cn:organizations::111111111111:root/{id}/{root_id}"
        ))
    );
}

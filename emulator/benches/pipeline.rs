//! One KMS Encrypt through the whole request pipeline with no socket: SigV4 parsing,
//! awsJson decoding, model validation, authorization by the policy engine, AES-256-GCM and
//! encoding. The HTTP benchmark (`client-tests/examples/kms_load.rs`) adds hyper and TCP.
//! Run: `cargo bench -p keyhole --bench pipeline`.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http::{HeaderMap, HeaderValue, Method};
use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::HttpRequest;
use keyhole::server;
use keyhole::world::Settings;

// The binary's allocator, so the figure is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn request(target: &str, body: String) -> HttpRequest {
    let mut headers = HeaderMap::new();
    let pairs = [
        ("content-type", "application/x-amz-json-1.1".to_owned()),
        ("x-amz-target", format!("TrentService.{target}")),
        ("x-amz-date", "20240101T000000Z".to_owned()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
                "0".repeat(64)
            ),
        ),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from_str(&value).expect("header"));
    }
    HttpRequest {
        method: Method::POST,
        raw_path: "/".into(),
        raw_query: None,
        headers,
        body: Bytes::from(body),
    }
}

fn encrypt(c: &mut Criterion) {
    // The decision log on (the default, 1000 kept) and off (`--decisions-kept 0`).
    let mut quiet = Instance::new(Settings::default());
    quiet.decisions = keyhole::instance::DecisionLog::new(0, None);
    encrypt_with(
        c,
        "pipeline_kms_encrypt_64B",
        Instance::new(Settings::default()),
    );
    encrypt_with(c, "pipeline_kms_encrypt_64B_no_decision_log", quiet);
}

fn encrypt_with(c: &mut Criterion, name: &str, instance: Instance) {
    let created = server::handle(
        &instance,
        &request("CreateKey", "{}".into()),
        ConnectionInfo::default(),
    );
    let created: serde_json::Value = serde_json::from_slice(&created.body).expect("json");
    let key_id = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId");
    let encrypt = request(
        "Encrypt",
        format!(
            r#"{{"KeyId":"{key_id}","Plaintext":"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw=="}}"#
        ),
    );
    let check = server::handle(&instance, &encrypt, ConnectionInfo::default());
    assert_eq!(check.status, 200, "{:?}", check.body);
    c.bench_function(name, |b| {
        b.iter(|| server::handle(&instance, &encrypt, ConnectionInfo::default()))
    });
}

criterion_group!(benches, encrypt);
criterion_main!(benches);

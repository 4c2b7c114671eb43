//! The HTTP server under concurrent load: calls from many connections at once each get
//! their own answer, none is lost, and the server keeps answering afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "111111111111";

/// One awsJson KMS call on its own connection, signed by the account's root.
async fn kms(addr: SocketAddr, operation: &str, input: &Value) -> (String, Value) {
    let target = format!("TrentService.{operation}");
    let answer = support::aws_json(addr, ACCOUNT, "kms", &target, input).await;
    let body = answer.json();
    (answer.status_line, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_each_get_their_own_answer() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let addr = emu.addr();
    let (status, created) = kms(addr, "CreateKey", &json!({})).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{created}");
    let key_id = created["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("KeyId")
        .to_owned();

    let calls = (0..200).map(|i| {
        let key_id = key_id.clone();
        tokio::spawn(async move {
            // Distinct plaintexts and contexts: a mixed-up answer fails to decrypt or
            // decrypts to another call's plaintext.
            let plaintext = format!("message {i}");
            let context = json!({ "call": i.to_string() });
            let (status, encrypted) = kms(
                addr,
                "Encrypt",
                &json!({
                    "KeyId": key_id,
                    "Plaintext": b64(plaintext.as_bytes()),
                    "EncryptionContext": context,
                }),
            )
            .await;
            assert_eq!(status, "HTTP/1.1 200 OK", "{encrypted}");
            let (status, decrypted) = kms(
                addr,
                "Decrypt",
                &json!({
                    "CiphertextBlob": encrypted["CiphertextBlob"],
                    "EncryptionContext": context,
                }),
            )
            .await;
            assert_eq!(status, "HTTP/1.1 200 OK", "{decrypted}");
            assert_eq!(decrypted["Plaintext"], json!(b64(plaintext.as_bytes())));
        })
    });
    let all = futures_join(calls.collect());
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("every call is answered");

    // Still serving after the burst.
    let (status, listed) = kms(addr, "ListKeys", &json!({})).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{listed}");
    assert_eq!(listed["Keys"].as_array().map(Vec::len), Some(1));
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        handle.await.expect("call task");
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

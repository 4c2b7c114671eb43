//! The HTTP server under concurrent load: calls from many connections at once each get
//! their own answer, none is lost, and the server keeps answering afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "111111111111";

/// One awsJson KMS call on its own connection, signed by the account's root.
async fn kms(addr: SocketAddr, operation: &str, input: &Value) -> (String, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = input.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: TrentService.{operation}\r\nX-Amz-Date: 20240101T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
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

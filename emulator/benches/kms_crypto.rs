//! Encrypt/Decrypt throughput of the KMS core for 4 KiB with AES-256-GCM.
//! Run: `cargo bench -p keyhole --bench kms_crypto`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyhole::services::kms::crypto::{decrypt, encrypt, EncryptionContext, KeySpec, KeyVersions};
use uuid::Uuid;

fn symmetric(c: &mut Criterion) {
    let key_id = Uuid::new_v4();
    let versions = KeyVersions::generate(KeySpec::SymmetricDefault).expect("key");
    let context: EncryptionContext = [("purpose", "bench"), ("tenant", "42")]
        .into_iter()
        .collect();
    let plaintext = vec![0x5a; 4096];
    let (blob, _) = encrypt(&key_id, &versions, &plaintext, &context).expect("encrypt");

    let mut group = c.benchmark_group("kms_symmetric_4KiB");
    group.throughput(Throughput::Bytes(plaintext.len() as u64));
    group.bench_function("encrypt", |b| {
        b.iter(|| encrypt(&key_id, &versions, &plaintext, &context).expect("encrypt"))
    });
    group.bench_function("decrypt", |b| {
        b.iter(|| decrypt(&key_id, &versions, &blob, &context).expect("decrypt"))
    });
    group.finish();
}

criterion_group!(benches, symmetric);
criterion_main!(benches);

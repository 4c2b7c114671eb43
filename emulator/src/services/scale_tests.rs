//! The work one request does must not grow with the world: with 1 KMS key and with 100,000
//! (built directly in state, each with a future rotation in the timeline), Encrypt, ListKeys
//! with Limit=1 and CreateKey look at the same number of timeline entries and map entries.
//! Counted, never timed.

use serde_json::{json, Value};

use crate::services::{cursor, registry};
use crate::testing::Harness;

const A: &str = "111111111111";
const REGION: &str = "us-east-1";

fn ok(h: &Harness, op: &str, input: Value) -> Value {
    let r = h.call(A, REGION, &format!("kms:{op}"), &input);
    assert_eq!(r.status, 200, "{op}: {}", r.text);
    r.body
}

/// A world with `n` keys that rotate automatically; returns it and the first key's id.
fn world_of(n: usize) -> (Harness, String) {
    let h = Harness::new();
    let out = ok(&h, "CreateKey", json!({}));
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    ok(&h, "EnableKeyRotation", json!({"KeyId": id}));
    {
        let mut world = h.world();
        let keys = &mut world
            .accounts
            .get_mut(A)
            .unwrap()
            .regions
            .get_mut(REGION)
            .unwrap()
            .kms
            .keys;
        let template = keys[&id].clone();
        for i in 1..n {
            let mut key = template.clone();
            key.key_id = format!("{i:08x}-0000-4000-8000-000000000000");
            key.arn = format!("arn:aws:kms:{REGION}:{A}:key/{}", key.key_id);
            keys.insert(key.key_id.clone(), key);
        }
        registry::schedule_all(&mut world);
        assert_eq!(world.timeline.len(), n);
    }
    (h, id)
}

/// (timeline entries examined, map entries visited by pagination) for one request.
fn work(h: &Harness, op: &str, input: Value) -> (u64, u64) {
    let (examined, visited) = (h.world().timeline.examined, cursor::entries_visited());
    ok(h, op, input);
    (
        h.world().timeline.examined - examined,
        cursor::entries_visited() - visited,
    )
}

#[test]
fn work_per_request_does_not_grow_with_100_000_keys() {
    let (one, one_id) = world_of(1);
    let (many, many_id) = world_of(100_000);
    let encrypt = |id: &str| json!({"KeyId": id, "Plaintext": "aGVsbG8="});
    let e1 = work(&one, "Encrypt", encrypt(&one_id));
    let e2 = work(&many, "Encrypt", encrypt(&many_id));
    assert_eq!(e1, e2);
    // One look at the timeline before the handler and one after; no page read.
    assert_eq!(e2, (2, 0));
    let l1 = work(&one, "ListKeys", json!({"Limit": 1}));
    let l2 = work(&many, "ListKeys", json!({"Limit": 1}));
    // Two entries read: the page's one and the next page's first (for its token).
    assert_eq!(l1.0, l2.0);
    assert_eq!(l2.1, 2);
    assert!(l1.1 <= l2.1);
    let c1 = work(&one, "CreateKey", json!({}));
    let c2 = work(&many, "CreateKey", json!({}));
    assert_eq!(c1, c2);
}

#[test]
fn a_loaded_world_keeps_its_future_events() {
    let h = Harness::new();
    let out = ok(&h, "CreateKey", json!({}));
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    ok(
        &h,
        "EnableKeyRotation",
        json!({"KeyId": id, "RotationPeriodInDays": 90}),
    );
    let restored = h.restored();
    assert_eq!(restored.world().timeline.len(), 1);
    restored.advance_clock(91.0 * 86_400.0);
    let rotations = ok(&restored, "ListKeyRotations", json!({"KeyId": id}));
    assert_eq!(rotations["Rotations"].as_array().unwrap().len(), 1);
}

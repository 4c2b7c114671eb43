//! Parsing, validating and evaluating any bytes must never panic.
#![no_main]

use keyhole::policy::validate::{validate, PolicyType};
use keyhole::policy::*;
use libfuzzer_sys::fuzz_target;

const TYPES: [PolicyType; 7] = [
    PolicyType::Identity,
    PolicyType::KmsKey,
    PolicyType::BackupVault,
    PolicyType::RoleTrust,
    PolicyType::Scp,
    PolicyType::Rcp,
    PolicyType::Resource,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for ty in TYPES {
        let _ = validate(text, ty);
    }
    let Ok(policy) = parse(text) else {
        return;
    };
    let np = NamedPolicy::new("fuzz", PolicySource::Resource, policy);
    let ids = IdentityLayers {
        identity: vec![np.clone()],
        boundary: Some(np.clone()),
        session: vec![np.clone()],
        scp_levels: Some(vec![vec![np.clone()]]),
    };
    let res = ResourceLayers {
        kind: ResourcePolicyKind::KmsKeyPolicy,
        resource_policy: Some(np.clone()),
        rcp_levels: Some(vec![vec![np]]),
    };
    let req = Request::builder(
        Principal::assumed_role("222222222222", "Dev", "s"),
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:111111111111:key/k",
    )
    .key("aws:SourceIp", "10.0.0.1")
    .build();
    let d = evaluate(&Authorization {
        request: &req,
        principal_side: &ids,
        resource_side: &res,
        grants: &[],
    });
    let _ = d.access_denied_message();
    let _ = d.explain();
});

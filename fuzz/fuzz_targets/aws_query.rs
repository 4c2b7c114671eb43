//! awsQuery (IAM, STS) requests through keyhole::server::handle: no panic, no 500.
//! Entry point shared with emulator/tests/fuzz_regressions.rs; run with tools/fuzz.
#![no_main]

#[path = "../../emulator/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::http::http(data, entry::http::Wire::AwsQuery));

//! SigV4 verifier: a request signed as the SDKs sign it passes; changed after, it is refused.
//! Entry point shared with emulator/tests/fuzz_regressions.rs; run with tools/fuzz.
#![no_main]

#[path = "../../emulator/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::sigv4::sigv4_verify(data));

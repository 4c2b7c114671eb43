//! The decision procedure against brute-force evaluation on small generated policies.
//! Entry point shared with emulator/tests/fuzz_regressions.rs; run with tools/fuzz.
#![no_main]

#[path = "../../emulator/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::differential::policy_differential(data));

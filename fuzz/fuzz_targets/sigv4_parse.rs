//! SigV4 parser and verifier on arbitrary headers, paths, queries and bodies: never a panic.
//! Entry point shared with emulator/tests/fuzz_regressions.rs; run with tools/fuzz.
#![no_main]

#[path = "../../emulator/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::parsers::sigv4_parse(data));

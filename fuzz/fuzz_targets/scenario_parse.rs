//! Scenario loader: a scenario or an error on a line that exists, never a panic.
//! Entry point shared with emulator/tests/fuzz_regressions.rs; run with tools/fuzz.
#![no_main]

#[path = "../../emulator/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::parsers::scenario_parse(data));

//! The scenario loader on arbitrary text: it answers with a scenario or a ScenarioError
//! (file, line, column, reason), never a panic, and the line it names exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("/nonexistent/fuzz/scenario.json");
    if let Err(error) = keyhole::scenario::load::parse(file, text) {
        let lines = text.lines().count().max(1) as u32;
        assert!(error.line <= lines + 1, "{error} for a text of {lines} lines");
    }
});

//! A lab's texts and the AWS CLI commands in them, on arbitrary text: an answer or an error
//! with a line that exists, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use keyhole::lab::{command, text, Lang};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = command::parse(input);
    let defined = ["sourceKey".to_owned(), "accounts.source".to_owned()].into();
    let file = std::path::Path::new("lab/en.json");
    if let Err(error) = text::parse_text(file, input, Lang::En, &defined) {
        let lines = input.lines().count().max(1) as u32;
        assert!(error.line <= lines + 1, "{error} for a text of {lines} lines");
    }
});

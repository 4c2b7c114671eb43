//! The seed file reader on arbitrary text, then the seed applied to an empty world: a
//! SeedError (file, line, column, reason) or a world, never a panic, and the line an error
//! names exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("seed.json");
    let mut world = keyhole::world::World::default();
    let lines = text.lines().count().max(1) as u32;
    match keyhole::seed::load::parse(file, text, &world) {
        Ok(loaded) => {
            if let Err(error) = keyhole::seed::apply::apply(&mut world, &loaded, 1.0) {
                assert!(error.line <= lines + 1, "{error} for a text of {lines} lines");
            }
        }
        Err(error) => assert!(error.line <= lines + 1, "{error} for a text of {lines} lines"),
    }
});

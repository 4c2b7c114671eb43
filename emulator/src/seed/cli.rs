//! `keyhole seed export` and `keyhole seed check`: the seed commands that need no server of
//! their own.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::lab::client;
use crate::world::World;

/// Reads the world of the keyhole at `endpoint` and writes it as a seed file to `out`
/// (standard output when absent). Exit status 0, or 2 with the reason on standard error.
pub fn export(endpoint: &str, out: Option<&Path>) -> i32 {
    match exported(endpoint) {
        Ok(text) => match out {
            None => {
                print!("{text}");
                0
            }
            Some(path) => match std::fs::write(path, &text) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("keyhole: cannot write {}: {e}", path.display());
                    2
                }
            },
        },
        Err(reason) => {
            eprintln!("keyhole: {reason}");
            2
        }
    }
}

fn exported(endpoint: &str) -> Result<String, String> {
    let get = |path: &str| -> Result<Value, String> {
        match client::call(endpoint, "GET", path) {
            Ok((200, answer)) => Ok(answer),
            Ok((status, body)) => Err(format!(
                "keyhole at {endpoint} answered GET {path} with HTTP {status}: {}",
                body["error"].as_str().unwrap_or("(no reason given)")
            )),
            Err(reason) => Err(format!(
                "cannot reach keyhole at {endpoint}: {reason}. Start it with `keyhole serve`, or pass its address with --endpoint"
            )),
        }
    };
    let state = get("/_keyhole/state")?;
    let now = get("/_keyhole/clock")?["now"].as_f64().unwrap_or_default();
    let world: World = serde_json::from_value(state).map_err(|e| {
        format!("keyhole at {endpoint} sent a state this keyhole cannot read ({e}): are both the same version?")
    })?;
    let seed = super::export::export(&world, now);
    let mut text = serde_json::to_string_pretty(&seed).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// Checks each seed file as `keyhole serve --seed` would, on an empty world, without
/// serving: every problem printed `FILE:LINE:COLUMN: reason`. Exit status 0 or 2.
pub fn check(files: &[PathBuf], settings: crate::world::Settings) -> i32 {
    let mut world = World::new(settings);
    match super::apply_seed_files(&mut world, files, 0.0) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

//! Seed files: a world described in a versioned, checked JSON file (`"keyholeSeed": 1`,
//! docs/seed-files.md), applied at start (`keyhole serve --seed FILE`, `KEYHOLE_SEED`) or
//! by `POST /_keyhole/seed`, and written from a running world by `keyhole seed export`.
//! It sits with the admin layer: it applies through the pipeline and the services' handlers.

pub mod apply;
mod call;
pub mod cli;
pub mod error;
pub mod export;
pub mod format;
mod keys;
pub mod load;
mod plans;
mod sessions;

use std::path::PathBuf;

pub use apply::Applied;
pub use error::SeedError;

/// Reads, checks and applies each file in order, to `world` at `now`; the first problem
/// stops it. Every file is checked before it is applied, against the world as the files
/// before it left it. A caller restoring a saved world does not call this: seeds describe
/// a first start, not a restart.
pub fn apply_seed_files(
    world: &mut crate::world::World,
    files: &[PathBuf],
    now: f64,
) -> Result<Vec<Applied>, SeedError> {
    let mut applied = Vec::new();
    for file in files {
        let loaded = load::load(file, world)?;
        applied.push(apply::apply(world, &loaded, now)?);
    }
    Ok(applied)
}

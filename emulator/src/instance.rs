//! One running emulator's state: its world behind a lock and its clock. The server, the
//! admin endpoints and the in-process harness each hold one and hand it to the pipeline.

use std::sync::{Mutex, MutexGuard};

use crate::clock::Clock;
use crate::denials::Denials;
use crate::world::{Settings, World};

/// One running emulator's world and clock, shared by every connection it serves.
#[derive(Debug, Default)]
pub struct Instance {
    world: Mutex<World>,
    pub clock: Clock,
    /// The recent denied requests (`GET /_keyhole/denials`).
    pub denials: Denials,
}

impl Instance {
    pub fn new(settings: Settings) -> Instance {
        Instance {
            world: Mutex::new(World::new(settings)),
            clock: Clock::default(),
            denials: Denials::default(),
        }
    }

    /// The world, even if a handler panicked while holding it: a panic is a bug to report,
    /// not a reason to stop answering.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

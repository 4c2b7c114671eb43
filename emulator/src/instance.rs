//! One running emulator's state: its world behind a lock and its clock. The server, the
//! admin endpoints and the in-process harness each hold one and hand it to the pipeline.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::clock::Clock;
use crate::denials::Denials;
pub use crate::denials::{DecisionLog, DECISIONS_KEPT};
use crate::persist::Store;
use crate::protocol::{HttpRequest, HttpResponse};
use crate::world::{Settings, World};

/// Admin endpoints that a way of running keyhole adds (a lab's `/_keyhole/lab/...`); the
/// admin layer offers it each `/_keyhole/` request it does not answer itself.
pub trait AdminExtension: Send + Sync + std::fmt::Debug {
    /// The answer, or `None` when the path is not one of this extension's.
    fn handle(&self, instance: &Instance, req: &HttpRequest) -> Option<HttpResponse>;

    /// A member of `GET /_keyhole/health` that names the mode (`("lab", "NAME")`) or reports
    /// on it (`("init", {...})`, the init hooks of `keyhole serve --init-dir`).
    fn health(&self) -> (&'static str, serde_json::Value);
}

/// One running emulator's world and clock, shared by every connection it serves.
#[derive(Debug, Default)]
pub struct Instance {
    world: Mutex<World>,
    pub clock: Clock,
    /// Set once, by the mode that adds endpoints (`keyhole lab start`) or a health member
    /// (`keyhole serve --init-dir`).
    pub extension: OnceLock<Arc<dyn AdminExtension>>,
    /// The recent denied requests (`GET /_keyhole/denials`).
    pub denials: Denials,
    /// Set once, by `keyhole serve --state-dir`: where every change is saved.
    pub store: OnceLock<Arc<Store>>,
    /// The recent authorization decisions (`GET /_keyhole/decisions`).
    pub decisions: DecisionLog,
}

impl Instance {
    pub fn new(settings: Settings) -> Instance {
        Instance {
            world: Mutex::new(World::new(settings)),
            clock: Clock::default(),
            extension: OnceLock::new(),
            denials: Denials::default(),
            decisions: DecisionLog::default(),
            store: OnceLock::new(),
        }
    }

    /// Runs `change` on the world and, with a state dir, saves the whole world after it
    /// (admin calls: rare, and they may change anything). A failed save is the answer.
    pub fn change_all<T>(&self, change: impl FnOnce(&mut World) -> T) -> Result<T, String> {
        let mut world = self.world();
        let out = change(&mut world);
        match self.store.get() {
            Some(store) => store
                .save_all(&mut world, self.clock.offset_seconds())
                .map(|()| out),
            None => Ok(out),
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

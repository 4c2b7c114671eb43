//! keyhole: a local emulator of AWS KMS, AWS Backup and AWS Organizations, with the STS and
//! IAM parts that identities need. It evaluates the real policy documents and answers with
//! AWS's own error codes and messages.
//!
//! Three things are public:
//! - [`Emulator`]: keyhole inside a test process, on a free loopback port, for any SDK or
//!   CLI (`--endpoint-url`), with its admin endpoints ([`Emulator::admin`],
//!   [`Emulator::advance_clock`], [`Emulator::load_state`], ...) callable from Rust and
//!   refusing bad input with an [`AdminError`].
//! - [`policy`]: the policy engine keyhole itself decides with: parse, validate, evaluate,
//!   explain, simulate, and (feature `strategies`) proptest generators for property tests of
//!   your own policies.
//! - [`scenario`]: documented AWS failures as data (`scenarios/*/scenario.json`): load,
//!   check and run them from your own tests, as `keyhole scenario run` does.
//!
//! ```
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = keyhole::Settings {
//!     default_account: "111111111111".into(),
//!     ..keyhole::Settings::default()
//! };
//! let emu = keyhole::Emulator::start_with(settings).await?;
//! let state = emu.state()?;
//! assert_eq!(state["settings"]["defaultAccount"], "111111111111");
//! # Ok(()) }
//! ```
//!
//! Everything else is crate-private; DEVELOPERS.md draws its layers. Seven modules
//! (`init_hooks`, `instance`, `pipeline`, `protocol`, `server`, `services`, `world`) stay
//! reachable but hidden from these docs for keyhole's own benchmarks, fuzz targets and tests outside the crate: they are not
//! part of the API and may change in any release.

mod admin;
mod arn;
mod authz;
mod clock;
mod console;
mod console_api;
mod decisions_api;
mod denials;
mod docfile;
mod emulator;
#[doc(hidden)]
pub mod init_hooks;
#[doc(hidden)]
pub mod instance;
#[doc(hidden)]
pub mod lab;
#[doc(hidden)]
pub mod persist;
#[doc(hidden)]
pub mod pipeline;
pub mod policy;
#[doc(hidden)]
pub mod protocol;
mod request;
pub mod scenario;
#[doc(hidden)]
pub mod seed;
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod services;
#[cfg(test)]
mod testing;
#[doc(hidden)]
pub mod who_can;
#[doc(hidden)]
pub mod world;

pub use admin::AdminError;
pub use emulator::Emulator;
pub use world::{DenyMessageStyle, Settings};

//! keyhole: a local emulator of AWS KMS, AWS Backup and AWS Organizations, with the STS and
//! IAM parts that identities need. It evaluates the real policy documents and answers with
//! AWS's own error codes and messages.
//!
//! # Layout
//! - [`policy`]: IAM policy parser, validator and evaluator; pure, no I/O.
//! - [`protocol`]: wire formats (awsJson1.1, restJson1, awsQuery), SigV4, error rendering.
//! - [`pipeline`]: the request pipeline every API call takes.
//! - [`services`]: one module per AWS service; handlers see decoded input only.
//! - [`world`]: accounts, regions and every service's state.
//! - [`server`]: the HTTP server; [`Emulator`]: the same server inside a test process.

pub mod admin;
pub mod arn;
pub mod authz;
pub mod clock;
pub mod context;
pub mod emulator;
pub mod pipeline;
pub mod policy;
pub mod protocol;
pub mod server;
pub mod services;
#[cfg(test)]
pub(crate) mod testing;
pub mod world;

pub use emulator::Emulator;
pub use world::{DenyMessageStyle, Settings};

//! keyhole: a local emulator of AWS KMS, AWS Backup and AWS Organizations,
//! with the STS and IAM parts that identities need.
//!
//! # Layout
//! - [`policy`]: IAM policy parser, validator and evaluator; pure, no I/O.
//! - [`protocol`]: wire formats (awsJson1.1, restJson1, awsQuery), SigV4, error rendering.
//! - [`services`]: one module per AWS service; handlers see decoded input only.
//! - [`world`]: accounts, regions and every service's state; persistence.
//! - [`server`]: the HTTP server and the request pipeline.

pub mod policy;
pub mod protocol;
pub mod services;
pub mod world;

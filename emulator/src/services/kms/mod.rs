//! AWS KMS.

pub mod crypto;
pub mod integration;

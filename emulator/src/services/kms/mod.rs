//! AWS KMS.

pub mod crypto;

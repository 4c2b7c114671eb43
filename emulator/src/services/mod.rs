//! AWS services, one module each.

pub mod kms;

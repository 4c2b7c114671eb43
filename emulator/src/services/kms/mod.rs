//! AWS KMS.

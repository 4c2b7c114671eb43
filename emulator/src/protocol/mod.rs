//! Wire protocols and request authentication.

pub mod sigv4;

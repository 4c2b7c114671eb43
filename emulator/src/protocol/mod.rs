//! Wire protocols and request authentication.

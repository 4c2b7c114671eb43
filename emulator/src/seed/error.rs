//! A seed file's problem: `FILE:LINE:COLUMN: reason`, the same shape as a scenario's.

pub use crate::docfile::DocError as SeedError;

//! What is wrong with a scenario file, and where: the file, the line, the column and a reason.
//! The locating itself is `docfile`'s, shared with labs' texts and seed files.

pub use crate::docfile::{key, DocError as ScenarioError, Seg};

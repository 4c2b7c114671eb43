//! Scenarios: documented AWS failures as data. Each folder under `scenarios/` holds a
//! `scenario.json` (format version 1) and the policy files it references: the accounts, the
//! setup as AWS API calls, the check that fails with AWS's own answer, the fix, and the
//! answer after it. keyhole reads them, checks them against the botocore models, runs them in
//! process and reports what differs.
//!
//! - [`mod@format`]: the file format, as serde reads it;
//! - [`refs`]: `${name}` references and dotted paths into answers;
//! - [`mod@load`]: reading a folder, errors with file, line and reason; `check` holds the
//!   rules beyond the shape (models, captures, files);
//! - [`mod@run`]: running one against a fresh in-process emulator, comparing outcomes;
//! - [`transport`]: where calls go: in process, or through an SDK;
//! - [`script`]: the same scenario as a bash script of AWS CLI calls;
//! - [`cli`]: `keyhole scenario list | show | run | script | new`.

mod check;
pub mod cli;
pub mod error;
pub mod format;
pub mod load;
pub mod refs;
pub mod run;
pub mod script;
pub mod transport;

pub use format::{Outcome, Scenario, Step};
pub use load::{library, load, Loaded, ScenarioError};
pub use run::{run, run_with, Report};
pub use transport::{CallError, Credentials, Transport};

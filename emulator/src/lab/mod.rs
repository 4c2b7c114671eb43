//! Training labs: each scenario served in its broken state for a learner to fix with the
//! AWS CLI or the console, explained in five languages, with hints, a check that refuses
//! fixes broader than needed, and progress that survives a restart.
//!
//! - [`lang`]: the five languages and how one is chosen;
//! - `ui`: keyhole's own lab messages (`messages.json`);
//! - [`text`]: a lab's texts, `scenarios/<name>/lab/<language>.json`;
//! - [`command`]: AWS CLI commands read, checked and written;
//! - [`steps`]: a scenario's steps as the commands a learner types;
//! - [`session`]: one lab on disk and in a running keyhole;
//! - [`breadth`]: what a world's policies allow that a least-privilege fix would not;
//! - [`verdict`]: `lab check` and `lab solution`;
//! - [`routes`]: the `/_keyhole/lab` endpoints;
//! - `client`: the CLI's calls to a running lab server;
//! - [`cli`]: `keyhole lab list | start | status | hint | check | solution | reset`.

pub mod breadth;
pub mod cli;
pub(crate) mod client;
pub mod command;
pub mod lang;
pub mod routes;
pub mod session;
pub mod steps;
pub mod text;
mod ui;
pub mod verdict;

pub use lang::Lang;
pub use session::Lab;
pub use text::{load_texts, LabText};

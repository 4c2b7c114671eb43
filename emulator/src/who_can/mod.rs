//! `GET /_keyhole/who-can?action=ACTION&resource=ARN` and `keyhole policy who-can`: every
//! principal of the world (each account's root, every IAM user, a session of every role, and
//! the service principals the resource's policy names) with the decision a request of its
//! own would get, through the same authorization code the services call.

mod answer;
pub mod cli;
mod target;

pub(crate) use answer::{handle, path};

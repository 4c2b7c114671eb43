//! IAM's part of the world: each account's users, roles, groups, policies and sessions
//! ([`state`]), AWS's managed policies ([`aws_managed`]), IAM's id formats ([`ids`]), and the
//! pure lookups over them that the authorization layer and every service read ([`access`]:
//! is this principal real, what are its policies, its tags, its session).
//!
//! Here, below `authz`, so the engine's layers can be gathered without importing a handler;
//! the IAM operations that change this state live in `services::iam`.

pub mod access;
pub mod aws_managed;
pub mod ids;
pub mod state;

//! Exact answers to "is there a request these policies allow (or deny)?", the questions IAM
//! Access Analyzer's custom policy checks ask, decided offline and with a witness.
//!
//! The request space is cut into finitely many classes by the literals the policies mention
//! (`literals`): action and ARN patterns, principals, condition keys and their values, the
//! end points of numeric, date and address intervals, and one fresh value for "anything
//! else". Strings are cut exactly by an automaton over the patterns' own characters
//! (`automaton`); the other parts of a request by their intervals (`space`). The walk
//! (`search`) builds one request per class and asks the one evaluator (`standalone`): when
//! no class has a request that breaks the rule, none exists. What the cut does not cover
//! (policy variables, federated principals, partial-wildcard partitions, a key compared as
//! two types) is answered `Undecidable` with the reason, never guessed.
//!
//! ```
//! use keyhole::policy::analysis::{check_no_new_access, scope_for, Subject, Verdict};
//! use keyhole::policy::{validate, PolicyType};
//!
//! let existing = validate(r#"{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}"#, PolicyType::Identity)?;
//! let new = validate(r#"{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#, PolicyType::Identity)?;
//! let scope = scope_for(PolicyType::Identity, "111122223333", None);
//! let result = check_no_new_access(
//!     &Subject::new("existing", PolicyType::Identity, existing),
//!     &Subject::new("new", PolicyType::Identity, new),
//!     &scope,
//! );
//! assert_eq!(result.verdict, Verdict::Fail);
//! let witness = result.witness.unwrap();
//! assert!(witness.request.action.starts_with("kms:"));
//! assert_ne!(witness.request.action, "kms:decrypt");
//! # Ok::<(), keyhole::policy::ValidationError>(())
//! ```

pub mod automaton;
pub mod checks;
pub mod cli;
pub mod literals;
pub mod report;
pub mod search;
pub mod space;
pub mod standalone;
pub mod subject;

pub use checks::{
    check_access_not_granted, check_no_external_access, check_no_new_access,
    check_no_public_access, equivalent, implies, scope_for, CheckResult, Verdict, Witness, Zone,
    MAX_ACCESS_ACTIONS, MAX_ACCESS_RESOURCES,
};
pub use literals::Undecidable;
pub use search::{find, Outcome};
pub use space::{KeyValue, Scope};
pub use standalone::{allows, corpus_case, decide};
pub use subject::Subject;

//! The copy engine: a copy to another account or Region is decided by the ordered checks
//! of [`COPY_CHECKS`], each failing the job with AWS's own StatusMessage (reference/errors.md
//! §1, backup-resources.md §2-3). The first failure decides; every check writes a line of
//! the job's decision record.
//!
//! - [`facts`]: what a copy is decided on, gathered once ([`CopyFacts`]);
//! - [`checks`]: one function per check;
//! - [`messages`]: every StatusMessage, with its provenance;
//! - [`key_use`]: how a copy uses the source and destination KMS keys.

pub mod checks;
pub mod facts;
pub mod key_use;
pub mod messages;
pub mod verdict;

use std::collections::BTreeMap;

pub use facts::CopyFacts;
pub use messages::*;
pub use verdict::{Failure, Verdict};

use super::state::{Job, RecoveryPoint};
use crate::world::World;

/// One copy check.
pub struct Check {
    /// Its number in the decision record (`ok 3 ...`, `FAILED 3 ...`).
    pub id: u8,
    pub name: &'static str,
    pub run: fn(&World, &CopyFacts) -> Verdict,
    /// Where the StatusMessages of its failures come from (details in [`messages`]).
    pub source: &'static str,
}

/// The copy checks in the order AWS Backup applies them; the first failure decides.
#[rustfmt::skip]
pub const COPY_CHECKS: &[Check] = &[
    Check { id: 1, name: "organization", run: checks::organization, source: "errors.md §1 S1, S4 (verified)" },
    Check { id: 2, name: "global settings", run: checks::global_settings, source: "errors.md §1 S4, S5 (verified)" },
    Check { id: 3, name: "destination vault", run: checks::destination_vault, source: "inferred from the backup job's text (backup-resources.md §4, EB)" },
    Check { id: 4, name: "resource type", run: checks::resource_type, source: "backup-resources.md §4 KCX, TC (verified); DynamoDB inferred" },
    Check { id: 5, name: "encryption", run: checks::encryption, source: "errors.md §1 S4, C1, seed 004 (verified)" },
    Check { id: 6, name: "source key", run: checks::source_key, source: "errors.md §1 S2, S4, S5, S6 (verified); FSx and fully managed types inferred" },
    Check { id: 7, name: "destination vault access policy", run: checks::vault_access_policy, source: "errors.md §1 S3, S4, S5 (verified)" },
    Check { id: 8, name: "vault lock", run: checks::vault_lock, source: "errors.md §1 S4 (verified)" },
    Check { id: 9, name: "IAM role", run: checks::iam_role, source: "inferred (backup job's text; landing-zone-accelerator-on-aws#194)" },
    Check { id: 10, name: "destination key", run: checks::destination_key, source: "errors.md §1 S4 text; its use for the destination key inferred" },
    Check { id: 11, name: "tags", run: checks::tags, source: "errors.md §1 S4 (verified)" },
];

/// A successful copy's new recovery point, to be placed in the destination vault.
pub struct CopyResult {
    /// (Region, account, vault name).
    pub destination: (String, String, String),
    pub recovery_point: RecoveryPoint,
    pub tags: BTreeMap<String, String>,
}

/// Decides `job` settling at `now`: gathers its facts and runs [`COPY_CHECKS`] in order,
/// writing the decision record, until one fails.
pub fn evaluate(
    world: &World,
    job: &Job,
    now: f64,
    record: &mut Vec<String>,
) -> Result<CopyResult, Failure> {
    let facts = CopyFacts::gather(world, job, now).inspect_err(|failure| {
        record.push(format!("FAILED {}", failure.why));
    })?;
    record.push(facts.summary());
    for check in COPY_CHECKS {
        match (check.run)(world, &facts) {
            Verdict::Pass(note) => record.push(format!("ok {} {note}", check.id)),
            Verdict::NotApplicable => {}
            Verdict::Fail(failure) => {
                record.push(format!("FAILED {} {}", check.id, failure.why));
                return Err(failure);
            }
        }
    }
    Ok(CopyResult {
        destination: (
            facts.dest_region.clone(),
            facts.dest_account.clone(),
            facts.dest_name.clone(),
        ),
        recovery_point: facts.copied_recovery_point(),
        tags: facts.source_tags(world),
    })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn the_checks_run_in_their_documented_order() {
        let names: Vec<(u8, &str)> = COPY_CHECKS.iter().map(|c| (c.id, c.name)).collect();
        assert_eq!(
            names,
            [
                (1, "organization"),
                (2, "global settings"),
                (3, "destination vault"),
                (4, "resource type"),
                (5, "encryption"),
                (6, "source key"),
                (7, "destination vault access policy"),
                (8, "vault lock"),
                (9, "IAM role"),
                (10, "destination key"),
                (11, "tags"),
            ]
        );
    }
}

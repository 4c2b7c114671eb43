//! Which parts of the world are stored as records of their own: every [`Tracked`] map, each
//! entry one row `(kind, scope, key)`, its body the entry without the tracked maps nested in
//! it. Everything else is the world's skeleton, one row.
//! [`visit`] is the one list of them, used to save and to load: a map added here is both.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::services::backup::state::job_list::{JobList, Listed};
use crate::services::kms::crypto::KEY_USE_OPERATIONS;
use crate::world::tracked::{skeleton, Tracked};
use crate::world::World;

/// One tracked map, seen through its records' bytes.
pub trait RecordMap {
    /// The entries changed since the last call, serialized (`None`: removed).
    fn changed(&mut self) -> serde_json::Result<Vec<(String, Option<Vec<u8>>)>>;
    /// Every entry, serialized; forgets the marks.
    fn all(&mut self) -> serde_json::Result<Vec<(String, Vec<u8>)>>;
    /// Puts a stored entry in place.
    fn load(&mut self, key: String, body: &[u8]) -> serde_json::Result<()>;
}

impl<V: Serialize + DeserializeOwned> RecordMap for Tracked<V> {
    fn changed(&mut self) -> serde_json::Result<Vec<(String, Option<Vec<u8>>)>> {
        self.take_dirty()
            .into_iter()
            .map(|(key, value)| Ok((key, value.map(skeleton).transpose()?)))
            .collect()
    }

    fn all(&mut self) -> serde_json::Result<Vec<(String, Vec<u8>)>> {
        self.clear_dirty();
        self.iter()
            .map(|(key, value)| Ok((key.clone(), skeleton(value)?)))
            .collect()
    }

    fn load(&mut self, key: String, body: &[u8]) -> serde_json::Result<()> {
        let value = serde_json::from_slice(body)?;
        Tracked::load(self, key, value);
        Ok(())
    }
}

/// Jobs keep their list index beside the tracked map: loading goes through the list.
impl<J: Listed + Serialize + DeserializeOwned> RecordMap for JobList<J> {
    fn changed(&mut self) -> serde_json::Result<Vec<(String, Option<Vec<u8>>)>> {
        self.tracked().changed()
    }

    fn all(&mut self) -> serde_json::Result<Vec<(String, Vec<u8>)>> {
        self.tracked().all()
    }

    fn load(&mut self, _key: String, body: &[u8]) -> serde_json::Result<()> {
        JobList::load(self, serde_json::from_slice(body)?);
        Ok(())
    }
}

/// Calls `f` with each tracked map of the world: its kind, its scope (the account, or
/// `account/region`; empty for world-wide maps) and the map.
pub fn visit(world: &mut World, f: &mut dyn FnMut(&'static str, &str, &mut dyn RecordMap)) {
    f("credential", "", &mut world.credentials);
    let organizations = &mut world.organizations;
    f("organizations.handshake", "", &mut organizations.handshakes);
    f(
        "organizations.organization",
        "",
        &mut organizations.organizations,
    );
    for (id, organization) in organizations.organizations.nested_mut() {
        f("organizations.account", id, &mut organization.accounts);
        f("organizations.ou", id, &mut organization.ous);
        f("organizations.policy", id, &mut organization.policies);
    }
    for (id, account) in world.accounts.iter_mut() {
        let iam = &mut account.iam;
        f("iam.user", id, &mut iam.users);
        f("iam.role", id, &mut iam.roles);
        f("iam.group", id, &mut iam.groups);
        f("iam.policy", id, &mut iam.policies);
        f("iam.accessKey", id, &mut iam.access_keys);
        f("iam.session", id, &mut iam.sessions);
        for (region, state) in account.regions.iter_mut() {
            let scope = format!("{id}/{region}");
            f("kms.key", &scope, &mut state.kms.keys);
            f("kms.alias", &scope, &mut state.kms.aliases);
            let backup = &mut state.backup;
            f("backup.vault", &scope, &mut backup.vaults);
            f("backup.backupJob", &scope, &mut backup.backup_jobs);
            f("backup.copyJob", &scope, &mut backup.copy_jobs);
            f("backup.restoreJob", &scope, &mut backup.restore_jobs);
            f("backup.plan", &scope, &mut backup.plans);
            f("backup.legalHold", &scope, &mut backup.legal_holds);
            // After the vaults: loading fills them first, then their recovery points.
            for (name, vault) in backup.vaults.nested_mut() {
                let scope = format!("{scope}/{name}");
                f("backup.recoveryPoint", &scope, &mut vault.recovery_points);
            }
        }
    }
}

/// Every `(kind, scope)` the world has now: a scope that disappears (an account or Region
/// gone with a reset) takes its records with it.
pub fn scopes(world: &mut World) -> std::collections::BTreeSet<(&'static str, String)> {
    let mut out = std::collections::BTreeSet::new();
    visit(world, &mut |kind, scope, _| {
        out.insert((kind, scope.to_owned()));
    });
    out
}

/// The operations that only read, by AWS's naming, plus the uses of a KMS key.
/// After one of these, keyhole writes only if a tracked entry changed, an event fired, or an
/// account or Region appeared; after any other, it also compares the skeleton.
pub fn reads_only(operation: &str) -> bool {
    // Named as reads but they create state: the import sealer, temporary credentials.
    const CHANGING: [&str; 3] = [
        "GetParametersForImport",
        "GetSessionToken",
        "GetFederationToken",
    ];
    if CHANGING.contains(&operation) {
        return false;
    }
    KEY_USE_OPERATIONS.contains(&operation)
        || operation == "GenerateRandom"
        || ["Describe", "List", "Get"]
            .iter()
            .any(|prefix| operation.starts_with(prefix))
}

/// The cheap facts a read may change without touching a tracked map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    accounts: usize,
    regions: usize,
    fired: u64,
}

impl Shape {
    pub fn of(world: &World) -> Shape {
        Shape {
            accounts: world.accounts.len(),
            regions: world.accounts.values().map(|a| a.regions.len()).sum(),
            fired: world.timeline.fired,
        }
    }
}

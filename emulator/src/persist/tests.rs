use super::*;
use crate::world::tracked::Recording;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "keyhole-persist-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(dir: &Path) -> Opened {
    Store::open(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn open_error(dir: &Path) -> String {
    Store::open(dir).map(drop).unwrap_err().to_string()
}

fn alias(name: &str) -> crate::services::kms::state::Alias {
    crate::services::kms::state::Alias {
        name: name.into(),
        target_key_id: "k".into(),
        creation_date: 1.0,
        last_updated_date: 1.0,
    }
}

#[test]
fn a_saved_change_is_loaded_and_a_read_writes_nothing() {
    let dir = temp_dir("roundtrip");
    let opened = open(&dir);
    assert!(opened.world.is_none());
    let store = opened.store;
    let mut world = World::default();
    store.save_all(&mut world, 12.5).unwrap();
    let recording = Recording::start();
    world
        .region_mut("111111111111", "eu-west-1", 1.0)
        .kms
        .aliases
        .insert("alias/a".into(), alias("alias/a"));
    assert!(recording.touched());
    drop(recording);
    assert_eq!(store.save_changes(&mut world, true, true), Ok(true));
    assert_eq!(
        store.save_changes(&mut world, false, true),
        Ok(false),
        "an unchanged skeleton is not written again"
    );
    drop(store);
    let reopened = open(&dir);
    assert_eq!(reopened.world.as_ref(), Some(&world));
    assert_eq!(reopened.clock_offset_seconds, 12.5);
}

#[test]
fn a_file_of_a_future_version_is_refused() {
    let dir = temp_dir("future");
    drop(open(&dir));
    let conn = Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.execute("UPDATE meta SET value = '2' WHERE name = 'version'", [])
        .unwrap();
    drop(conn);
    assert_eq!(
        open_error(&dir),
        format!(
            "{} cannot be loaded: it was written in state format version 2 by a newer keyhole; \
             this keyhole reads versions up to 1. Run the newer keyhole, or start this one \
             with another --state-dir. keyhole did not start, so nothing was lost; restore a \
             copy of the file, or move it away to start with an empty world",
            dir.join(FILE_NAME).display()
        )
    );
}

#[test]
fn a_changed_record_is_reported_not_loaded() {
    let dir = temp_dir("crc");
    let store = open(&dir).store;
    let mut world = World::default();
    world
        .region_mut("111111111111", "eu-west-1", 1.0)
        .kms
        .aliases
        .insert("alias/a".into(), alias("alias/a"));
    store.save_all(&mut world, 0.0).unwrap();
    drop(store);
    let conn = Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.execute(
        "UPDATE records SET body = CAST(replace(body, 'alias/a', 'alias/b') AS BLOB) \
         WHERE kind = 'kms.alias'",
        [],
    )
    .unwrap();
    drop(conn);
    let message = open_error(&dir);
    assert!(
        message.contains(
            "cannot be loaded: record kms.alias \"111111111111/eu-west-1\" \"alias/a\" does not \
             match its checksum (the file was changed outside keyhole, or the disk is failing)"
        ),
        "{message}"
    );
}

#[test]
fn an_empty_existing_file_is_refused() {
    let dir = temp_dir("empty");
    std::fs::write(dir.join(FILE_NAME), b"").unwrap();
    assert!(open_error(&dir).ends_with(
        "cannot be loaded: the file holds no tables (truncated, or not written by keyhole). \
         keyhole did not start, so nothing was lost; restore a copy of the file, or move it \
         away to start with an empty world"
    ));
}

#[test]
fn reads_and_changes_are_told_apart_by_name() {
    for read in [
        "Encrypt",
        "DescribeKey",
        "ListAliases",
        "GetKeyPolicy",
        "Sign",
    ] {
        assert!(records::reads_only(read), "{read}");
    }
    for change in [
        "CreateKey",
        "PutKeyPolicy",
        "GetParametersForImport",
        "GetSessionToken",
        "AssumeRole",
    ] {
        assert!(!records::reads_only(change), "{change}");
    }
}

/// A vault holding `points` recovery points, in 111111111111/eu-west-1.
fn vault_world(world: &mut World, points: usize) {
    use crate::services::backup::state::{RecoveryPoint, Vault};
    let mut vault = Vault {
        name: "v".into(),
        ..Vault::default()
    };
    for i in 0..points {
        let arn = format!("arn:rp:{i}");
        let point = RecoveryPoint {
            arn: arn.clone(),
            vault_name: "v".into(),
            ..RecoveryPoint::default()
        };
        vault.recovery_points.insert(arn, point);
    }
    let state = world.region_mut("111111111111", "eu-west-1", 1.0);
    state.backup.vaults.insert("v".into(), vault);
}

fn count(dir: &Path, kind: &str) -> i64 {
    let conn = Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.query_row(
        "SELECT count(*) FROM records WHERE kind = ?1",
        [kind],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_recovery_point_is_a_record_of_its_own_and_a_change_writes_only_it() {
    let dir = temp_dir("backup");
    let store = open(&dir).store;
    let mut world = World::default();
    vault_world(&mut world, 3);
    store.save_all(&mut world, 0.0).unwrap();
    assert_eq!(count(&dir, "backup.vault"), 1);
    assert_eq!(count(&dir, "backup.recoveryPoint"), 3);
    let recording = Recording::start();
    let vault = world
        .region_mut("111111111111", "eu-west-1", 1.0)
        .backup
        .vaults
        .get_mut("v")
        .unwrap();
    vault.recovery_points.get_mut("arn:rp:1").unwrap().status = "EXPIRED".into();
    drop(recording);
    let mut changed = Vec::new();
    records::visit(&mut world, &mut |kind, scope, map| {
        for (key, body) in map.changed().unwrap() {
            changed.push((kind, scope.to_owned(), key, body.is_some()));
        }
    });
    assert_eq!(
        changed,
        vec![
            (
                "backup.vault",
                "111111111111/eu-west-1".into(),
                "v".into(),
                true
            ),
            (
                "backup.recoveryPoint",
                "111111111111/eu-west-1/v".into(),
                "arn:rp:1".into(),
                true
            ),
        ],
        "the vault's record holds none of its recovery points"
    );
    drop(store);
    let reopened = open(&dir);
    let mut expected = World::default();
    vault_world(&mut expected, 3);
    assert_eq!(
        reopened.world.as_ref(),
        Some(&expected),
        "not saved: loaded as it was"
    );
}

/// Files written before Backup's collections were records kept them in the world record;
/// they load as they are, and the rewrite at start splits them into records.
#[test]
fn a_world_record_that_holds_vaults_still_loads() {
    let dir = temp_dir("backup-v1");
    let store = open(&dir).store;
    let mut world = World::default();
    vault_world(&mut world, 2);
    store.save_all(&mut world, 0.0).unwrap();
    drop(store);
    let whole = serde_json::to_vec(&world).unwrap();
    let conn = Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.execute("DELETE FROM records WHERE kind LIKE 'backup.%'", [])
        .unwrap();
    conn.execute(
        "UPDATE records SET body = ?1, crc = ?2 WHERE kind = 'world'",
        params![whole, crc(&whole)],
    )
    .unwrap();
    drop(conn);
    let opened = open(&dir);
    assert_eq!(opened.world.as_ref(), Some(&world));
    let mut loaded = opened.world.unwrap();
    opened.store.save_all(&mut loaded, 0.0).unwrap();
    assert_eq!(count(&dir, "backup.recoveryPoint"), 2);
}

/// A deleted organization takes its accounts' records with it; left behind, they would make
/// the file refuse to load ("records ... which its world record does not have").
#[test]
fn removing_a_parent_removes_the_records_nested_in_it() {
    use crate::services::organizations::state::{Member, Organization};
    let dir = temp_dir("nested");
    let store = open(&dir).store;
    let mut world = World::default();
    let mut organization = Organization {
        id: "o-1".into(),
        ..Organization::default()
    };
    organization
        .accounts
        .insert("111111111111".into(), Member::default());
    world
        .organizations
        .organizations
        .insert("o-1".into(), organization);
    store.save_all(&mut world, 0.0).unwrap();
    assert_eq!(count(&dir, "organizations.account"), 1);
    let recording = Recording::start();
    world.organizations.organizations.remove("o-1");
    drop(recording);
    assert_eq!(store.save_changes(&mut world, true, false), Ok(true));
    assert_eq!(count(&dir, "organizations.account"), 0);
    drop(store);
    assert_eq!(open(&dir).world.as_ref(), Some(&world));
}

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

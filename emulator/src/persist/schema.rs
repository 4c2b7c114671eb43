//! The state file's format and its versions. The version is the `meta` row `version`; a
//! file is brought up to [`CURRENT`] one step at a time by [`MIGRATIONS`], each step a
//! documented function run in the transaction that also records the new version.
//!
//! Version 1:
//! - `meta(name TEXT PRIMARY KEY, value TEXT)`: `format` = `keyhole-state`, `version`,
//!   `commits` (how many transactions wrote state), `clockOffsetMillis` (the clock's offset,
//!   so time does not go back on restart);
//! - `records(kind, scope, key, crc, body)`: one JSON document per entity of a tracked map
//!   (see `records::visit`), and the world's skeleton as kind `world`; `crc` is the CRC-32
//!   of `body`, checked on load, so a changed byte is reported rather than loaded. A body
//!   leaves out the tracked maps nested in its entity: a vault's recovery points are rows of
//!   their own, scoped `account/region/vault` (an organization's accounts, OUs and policies
//!   likewise, scoped by the organization's id).
//!
//! Which collections are records has grown within version 1 (Backup, Organizations and IAM
//! groups joined KMS and IAM's users, roles and policies). Not a new version: no table and
//! no existing row changed shape. A file written before keeps those collections inside its
//! world record, which loads them as it always did, and the rewrite at start splits them
//! into records. An older keyhole refuses a file with the newer kinds ("records of ... which
//! its world record does not have") rather than load it without them.

use rusqlite::{Connection, OptionalExtension, Transaction};

/// The format this keyhole writes.
pub const CURRENT: u32 = 1;

/// The `format` row that marks a keyhole state file.
pub const FORMAT: &str = "keyhole-state";

/// `MIGRATIONS[n]` brings a file from version `n` to `n + 1` (version 0: a new, empty file).
pub const MIGRATIONS: [fn(&Transaction) -> rusqlite::Result<()>; CURRENT as usize] = [v0_to_v1];

/// Version 0 → 1: creates the tables of a new file.
fn v0_to_v1(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE records (
             kind TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL,
             crc INTEGER NOT NULL, body BLOB NOT NULL,
             PRIMARY KEY (kind, scope, key)) WITHOUT ROWID;",
    )?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('format', ?1)",
        [FORMAT],
    )?;
    Ok(())
}

/// The file's version: 0 for a new file without tables, an error text for anything that is
/// not a keyhole state file.
pub fn version(conn: &Connection) -> Result<u32, String> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if tables == 0 {
        return Ok(0);
    }
    let meta = |name: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| format!("it has no readable meta table ({e})"))
    };
    match meta("format")?.as_deref() {
        Some(FORMAT) => {}
        other => {
            return Err(format!(
                "it is an SQLite file but not a keyhole state file (format {other:?})"
            ))
        }
    }
    let version = meta("version")?.ok_or("its meta table has no version row")?;
    version
        .parse()
        .map_err(|_| format!("its version row {version:?} is not a number"))
}

/// Brings the file from `from` to [`CURRENT`], or says why it cannot.
pub fn migrate(conn: &mut Connection, from: u32) -> Result<(), String> {
    if from > CURRENT {
        return Err(format!(
            "it was written in state format version {from} by a newer keyhole; this keyhole \
             reads versions up to {CURRENT}. Run the newer keyhole, or start this one with \
             another --state-dir"
        ));
    }
    for step in from..CURRENT {
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        MIGRATIONS[step as usize](&tx)
            .and_then(|()| {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('version', ?1)",
                    [(step + 1).to_string()],
                )
                .map(drop)
            })
            .and_then(|()| tx.commit())
            .map_err(|e| format!("migrating it to version {} failed: {e}", step + 1))?;
    }
    Ok(())
}

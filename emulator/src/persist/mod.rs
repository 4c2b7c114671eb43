//! `keyhole serve --state-dir DIR`: the world kept in `DIR/keyhole-state.sqlite`, so that it
//! survives a stop, a crash or `kill -9`.
//!
//! - [`schema`]: the file's tables, its version and the migration of each version step.
//! - [`records`]: which parts of the world are records of their own (the [`Tracked`] maps)
//!   and which requests only read.
//! - [`wal`]: the write-ahead log read before SQLite opens it: a torn tail is reported, a
//!   damaged committed frame refused.
//! - [`Store`] (here): opening and checking the file, loading the world, and saving what a
//!   request changed in one transaction before its answer is sent. After a failed write
//!   (a full disk) the store is [`Store::failing`] until a whole save succeeds; see
//!   `pipeline::saving` for what requests meet meanwhile.
//!
//! Durability: SQLite in WAL mode with `synchronous=NORMAL`. A commit is in the operating
//! system's hands when the request is answered, which survives the keyhole process dying in
//! any way (`kill -9` included) but not a power cut or a kernel crash, where the last
//! transactions may be lost (never half of one). `synchronous=FULL` (an fsync per commit)
//! measured 280 commits/s on the 2-core machine, under the 1,000 CreateKey/s target.
//!
//! Seeds: when the state dir already holds a world, `--seed` files are not applied again;
//! [`Store::open`] says whether it loaded one ([`Opened::world`]), and the caller logs it.
//!
//! [`Tracked`]: crate::world::tracked::Tracked

pub mod records;
pub mod schema;
pub mod wal;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags, Transaction};
use serde_json::{json, Value};

use crate::world::World;

/// The file's name in the state dir.
pub const FILE_NAME: &str = "keyhole-state.sqlite";

/// Why a state dir could not be used; the text names the file and the problem.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PersistError(pub String);

/// An open state file.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    file: PathBuf,
    conn: Mutex<Connection>,
    writes: AtomicU64,
    /// The last write failed: the file lags the world until a whole save succeeds.
    failing: AtomicBool,
    last_error: Mutex<Option<String>>,
    saved: Mutex<Saved>,
    /// What SQLite dropped from the write-ahead log at start ([`wal::check`]).
    torn_tail: Option<wal::TornTail>,
}

/// What the file holds now, to write only differences.
#[derive(Debug, Default)]
struct Saved {
    skeleton: Vec<u8>,
    scopes: BTreeSet<(&'static str, String)>,
}

/// [`Store::open`]'s answer: the store, and the world it held if it held one.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub world: Option<World>,
    pub clock_offset_seconds: f64,
}

fn crc(body: &[u8]) -> i64 {
    let mut crc = flate2::Crc::new();
    crc.update(body);
    i64::from(crc.sum())
}

impl Store {
    /// Opens (or creates) `dir/keyhole-state.sqlite`, checks it and loads its world.
    pub fn open(dir: &Path) -> Result<Opened, PersistError> {
        let fail = |what: String| PersistError(what);
        std::fs::create_dir_all(dir).map_err(|e| {
            fail(format!(
                "keyhole cannot create the state dir {}: {e}",
                dir.display()
            ))
        })?;
        let probe = dir.join(".keyhole-write-check");
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| {
                fail(format!(
                    "keyhole cannot write in the state dir {}: {e}. Give the user keyhole \
                     runs as write access to it, or choose another --state-dir",
                    dir.display()
                ))
            })?;
        let file = dir.join(FILE_NAME);
        let damaged = |problem: String| {
            PersistError(format!(
                "{} cannot be loaded: {problem}. keyhole did not start, so nothing was lost; \
                 restore a copy of the file, or move it away to start with an empty world",
                file.display()
            ))
        };
        let existed = file.exists();
        // Read before SQLite opens the file: opening is when SQLite drops a torn tail.
        let wal_file = dir.join(format!("{FILE_NAME}-wal"));
        let torn_tail = wal::check(&wal_file).map_err(|problem| {
            PersistError(format!(
                "{} cannot be loaded: {problem}. keyhole did not start, so nothing was lost; \
                 restore a copy of the state dir, or move it away to start with an empty world",
                wal_file.display()
            ))
        })?;
        if let Some(tail) = &torn_tail {
            tracing::warn!(
                file = %wal_file.display(),
                frames = tail.frames,
                bytes = tail.bytes,
                "discarding a torn tail of the state file's log ({}): {} frames, {} bytes. \
                 Safe: a write is acknowledged only after its commit is whole in the log, so \
                 these bytes belong to no answered request",
                tail.reason,
                tail.frames,
                tail.bytes
            );
        }
        let mut conn = Connection::open_with_flags(
            &file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| damaged(e.to_string()))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| conn.pragma_update(None, "synchronous", "NORMAL"))
            .map_err(|e| damaged(e.to_string()))?;
        let version = schema::version(&conn).map_err(damaged)?;
        if existed && version == 0 {
            return Err(damaged(
                "the file holds no tables (truncated, or not written by keyhole)".into(),
            ));
        }
        if existed {
            let check: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .map_err(|e| damaged(e.to_string()))?;
            if check != "ok" {
                return Err(damaged(format!("SQLite's integrity check found: {check}")));
            }
        }
        schema::migrate(&mut conn, version).map_err(damaged)?;
        let (world, clock_offset_seconds) = if version == 0 {
            (None, 0.0)
        } else {
            load(&conn).map_err(damaged)?
        };
        let store = Store {
            dir: dir.to_owned(),
            file,
            conn: Mutex::new(conn),
            writes: AtomicU64::new(0),
            failing: AtomicBool::new(false),
            last_error: Mutex::new(None),
            saved: Mutex::default(),
            torn_tail,
        };
        Ok(Opened {
            store,
            world,
            clock_offset_seconds,
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Rewrites the whole file from `world`: at start, and after admin calls (reset, a loaded
    /// state document, seeds, settings, the clock), which are rare and may change anything.
    pub fn save_all(&self, world: &mut World, clock_offset_seconds: f64) -> Result<(), String> {
        let result = self.write(|tx, saved| {
            tx.execute("DELETE FROM records", [])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO records (kind, scope, key, crc, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut failure = None;
            records::visit(world, &mut |kind, scope, map| match map.all() {
                Ok(rows) => {
                    for (key, body) in rows {
                        if let Err(e) = insert.execute(params![kind, scope, key, crc(&body), body])
                        {
                            failure.get_or_insert(e.to_string());
                        }
                    }
                }
                Err(e) => {
                    failure.get_or_insert(e.to_string());
                }
            });
            if let Some(failure) = failure {
                return Err(failure.into());
            }
            let skeleton = crate::world::tracked::skeleton(world)?;
            insert.execute(params!["world", "", "", crc(&skeleton), skeleton])?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('clockOffsetMillis', ?1)",
                [((clock_offset_seconds * 1000.0) as i64).to_string()],
            )?;
            saved.skeleton = skeleton;
            saved.scopes = records::scopes(world);
            Ok(true)
        });
        if result.is_ok() && self.failing.swap(false, Ordering::Relaxed) {
            tracing::warn!(file = %self.file.display(), "state saved again: the file holds the whole world");
        }
        result.map(drop)
    }

    /// Saves what the request just handled changed; writes nothing when it changed nothing.
    /// `compare_skeleton`: whether the rest of the world may have changed too (see
    /// [`records::reads_only`]). Answers whether it wrote.
    pub fn save_changes(
        &self,
        world: &mut World,
        touched: bool,
        compare_skeleton: bool,
    ) -> Result<bool, String> {
        if !touched && !compare_skeleton {
            return Ok(false);
        }
        let mut changed = Vec::new();
        let mut failure = None;
        if touched {
            records::visit(world, &mut |kind, scope, map| match map.changed() {
                Ok(rows) => changed.extend(
                    rows.into_iter()
                        .map(|(key, body)| (kind, scope.to_owned(), key, body)),
                ),
                Err(e) => {
                    failure.get_or_insert(e.to_string());
                }
            });
        }
        if let Some(failure) = failure {
            return Err(self.failed(failure));
        }
        let skeleton = if compare_skeleton {
            let skeleton =
                crate::world::tracked::skeleton(world).map_err(|e| self.failed(e.to_string()))?;
            let saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
            (saved.skeleton != skeleton).then_some(skeleton)
        } else {
            None
        };
        if changed.is_empty() && skeleton.is_none() {
            return Ok(false);
        }
        // A removed record may be a parent (a vault, an organization): the scope of the
        // records nested in it goes with it.
        let removed = changed.iter().any(|(_, _, _, body)| body.is_none());
        let scopes = (skeleton.is_some() || removed).then(|| records::scopes(world));
        self.write(|tx, saved| {
            let mut upsert = tx.prepare_cached(
                "INSERT OR REPLACE INTO records (kind, scope, key, crc, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut delete = tx.prepare_cached(
                "DELETE FROM records WHERE kind = ?1 AND scope = ?2 AND key = ?3",
            )?;
            for (kind, scope, key, body) in &changed {
                match body {
                    Some(body) => upsert.execute(params![kind, scope, key, crc(body), body])?,
                    None => delete.execute(params![kind, scope, key])?,
                };
            }
            if let Some(skeleton) = skeleton {
                upsert.execute(params!["world", "", "", crc(&skeleton), &skeleton])?;
                saved.skeleton = skeleton;
            }
            if let Some(scopes) = scopes {
                let mut drop_scope =
                    tx.prepare_cached("DELETE FROM records WHERE kind = ?1 AND scope = ?2")?;
                for (kind, scope) in saved.scopes.difference(&scopes) {
                    drop_scope.execute(params![kind, scope])?;
                }
                saved.scopes = scopes;
            }
            Ok(true)
        })
    }

    /// One transaction: `body`, the commit counter, the commit.
    fn write(
        &self,
        body: impl FnOnce(&Transaction, &mut Saved) -> Result<bool, Box<dyn std::error::Error>>,
    ) -> Result<bool, String> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        let result = (|| -> Result<bool, Box<dyn std::error::Error>> {
            let tx = conn.transaction()?;
            let wrote = body(&tx, &mut saved)?;
            tx.execute(
                "INSERT INTO meta (name, value) VALUES ('commits', '1') \
                 ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                [],
            )?;
            tx.commit()?;
            Ok(wrote)
        })();
        match result {
            Ok(wrote) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                Ok(wrote)
            }
            Err(e) => Err(self.failed(format!("writing {} failed: {e}", self.file.display()))),
        }
    }

    /// Whether the last write failed (see `pipeline::saving`).
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    fn failed(&self, message: String) -> String {
        // The marks of what was not saved are gone: only a whole save catches the file up.
        self.failing.store(true, Ordering::Relaxed);
        tracing::error!(%message, "state not saved");
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(message.clone());
        message
    }

    /// `GET /_keyhole/health`'s `persistence` member.
    pub fn health(&self) -> Value {
        json!({
            "dir": self.dir.display().to_string(),
            "file": self.file.display().to_string(),
            "formatVersion": schema::CURRENT,
            "synchronous": "NORMAL",
            "writes": self.writes.load(Ordering::Relaxed),
            "failing": self.failing(),
            "lastError": *self.last_error.lock().unwrap_or_else(|p| p.into_inner()),
            "tornTail": self.torn_tail.as_ref().map(|t| json!({
                "frames": t.frames,
                "bytes": t.bytes,
                "reason": t.reason,
            })),
        })
    }
}

/// A record's key and body.
type KeyedBody = (String, Vec<u8>);

/// The world a checked file holds, and the clock's offset; an error text names the record.
fn load(conn: &Connection) -> Result<(Option<World>, f64), String> {
    let mut rows: HashMap<(String, String), Vec<KeyedBody>> = HashMap::new();
    let mut skeleton = None;
    let mut statement = conn
        .prepare("SELECT kind, scope, key, crc, body FROM records")
        .map_err(|e| e.to_string())?;
    let mut cursor = statement.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = cursor.next().map_err(|e| e.to_string())? {
        let read =
            |row: &rusqlite::Row| -> rusqlite::Result<(String, String, String, i64, Vec<u8>)> {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            };
        let (kind, scope, key, sum, body) = read(row).map_err(|e| e.to_string())?;
        if crc(&body) != sum {
            return Err(format!(
                "record {kind} {scope:?} {key:?} does not match its checksum (the file was \
                 changed outside keyhole, or the disk is failing)"
            ));
        }
        if kind == "world" {
            skeleton = Some(body);
        } else {
            rows.entry((kind, scope)).or_default().push((key, body));
        }
    }
    let Some(skeleton) = skeleton else {
        return Err("it holds no world record".into());
    };
    let mut world: World = serde_json::from_slice(&skeleton)
        .map_err(|e| format!("its world record does not parse: {e}"))?;
    let mut failure = None;
    records::visit(&mut world, &mut |kind, scope, map| {
        for (key, body) in rows
            .remove(&(kind.to_owned(), scope.to_owned()))
            .unwrap_or_default()
        {
            if let Err(e) = map.load(key.clone(), &body) {
                failure.get_or_insert(format!(
                    "record {kind} {scope:?} {key:?} does not parse: {e}"
                ));
            }
        }
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    if !rows.is_empty() {
        let (kind, scope) = rows.keys().next().cloned().unwrap_or_default();
        return Err(format!(
            "it holds records of {kind} for {scope:?}, which its world record does not have"
        ));
    }
    let offset: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'clockOffsetMillis'",
            [],
            |r| r.get(0),
        )
        .ok();
    let offset = offset.and_then(|o| o.parse::<i64>().ok()).unwrap_or(0);
    Ok((Some(world), offset as f64 / 1000.0))
}

#[cfg(test)]
mod tests;

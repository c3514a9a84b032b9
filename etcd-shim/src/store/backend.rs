//! The durable half of the store: SQLite in WAL mode with `synchronous=FULL`, so a
//! committed transaction is on disk before it is acknowledged.
//!
//! Table `kv` is the revision log: one row per change, keyed by the row id of its
//! [`Rev`], holding the key, its metadata, the value (NULL for a delete) and the
//! id of the key's previous put (for watch `prev_kv`). The in-memory index is
//! rebuilt from it at start-up. Table `lease` holds granted leases, table `meta`
//! the store revision, the compact revision and the cluster identity.

use std::path::{Path, PathBuf};

use prost::bytes::Bytes;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::index::{Entry, Rev};

/// Errors from the backend database.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot create data dir {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot start the {name} thread: {source}")]
    SpawnThread { name: &'static str, source: std::io::Error },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("row {id} is missing from the backend (compacted while being read)")]
    MissingRow { id: i64 },
}

/// One row of the revision log.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: Vec<u8>,
    pub entry: Entry,
    /// `None` for a tombstone.
    pub value: Option<Bytes>,
    /// Row id of the key's previous put, 0 when there is none.
    pub prev_id: i64,
}

/// Where the store's files live.
#[derive(Debug, Clone)]
pub struct Files {
    pub db: PathBuf,
}

impl Files {
    pub fn in_dir(dir: &Path) -> Result<Files, BackendError> {
        let member = dir.join("member");
        std::fs::create_dir_all(&member).map_err(|source| BackendError::CreateDir {
            path: member.clone(),
            source,
        })?;
        Ok(Files {
            db: member.join("shim.db"),
        })
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY,
    key BLOB NOT NULL,
    create_rev INTEGER NOT NULL,
    version INTEGER NOT NULL,
    lease INTEGER NOT NULL,
    value BLOB,
    prev_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// SQLite page cache of a reader connection, KiB. Small on purpose: values are
/// read once per request and the OS page cache holds the file anyway.
const CACHE_KIB: i64 = 2048;
/// The writer's page cache, KiB: it touches the newest pages of the log and the
/// previous value of every key it writes, and each miss is a system call.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

fn configure(conn: &Connection, cache_kib: i64) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    conn.pragma_update(None, "mmap_size", 0)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Truncate the WAL back to 8 MiB after a checkpoint that found it bigger.
    conn.pragma_update(None, "journal_size_limit", 8 * 1024 * 1024)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(())
}

/// Opens (creating if needed) the database for the single writer. The writer
/// never checkpoints the WAL itself (that would put a database fsync inside a
/// commit): [`checkpoint`] does, from its own thread.
pub fn open_writer(files: &Files) -> Result<Connection, BackendError> {
    let conn = Connection::open(&files.db)?;
    // Must precede table creation to take effect on a new file.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    configure(&conn, WRITER_CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A TRUNCATE checkpoint waits this long for readers to finish.
    conn.busy_timeout(std::time::Duration::from_secs(1))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// Opens the connection the checkpointer uses.
pub fn open_checkpointer(files: &Files) -> Result<Connection, BackendError> {
    let conn = Connection::open(&files.db)?;
    configure(&conn, CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// Copies committed WAL frames into the database file without blocking the
/// writer or readers (a PASSIVE checkpoint). Returns the WAL size in frames.
pub fn checkpoint(conn: &Connection) -> Result<i64, BackendError> {
    Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?)
}

/// Checkpoints everything and truncates the WAL to zero bytes, waiting for
/// readers to finish. The writer calls it when the WAL outgrew its bound
/// (PASSIVE checkpoints cannot restart a WAL that never stops growing).
pub fn truncate_wal(conn: &Connection) -> Result<(), BackendError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Opens a read-only connection for range and watch reads.
pub fn open_reader(files: &Files) -> Result<Connection, BackendError> {
    let conn = Connection::open_with_flags(
        &files.db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "mmap_size", 0)?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

pub fn get_meta(conn: &Connection, name: &str) -> Result<Option<i64>, BackendError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0))
        .optional()?)
}

pub fn set_meta(conn: &Connection, name: &str, value: i64) -> Result<(), BackendError> {
    conn.prepare_cached("INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = ?2")?
        .execute(params![name, value])?;
    Ok(())
}

pub fn insert(conn: &Connection, row: &Row) -> Result<(), BackendError> {
    let e = &row.entry;
    conn.prepare_cached(
        "INSERT INTO kv (id, key, create_rev, version, lease, value, prev_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.rev.id(),
        row.key,
        e.create,
        e.version,
        e.lease,
        row.value.as_deref(),
        row.prev_id
    ])?;
    Ok(())
}

/// The value stored at row `id` (a put).
pub fn value(conn: &Connection, id: i64) -> Result<Bytes, BackendError> {
    conn.prepare_cached("SELECT value FROM kv WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<Vec<u8>>>(0))
        .optional()?
        .flatten()
        .map(Bytes::from)
        .ok_or(BackendError::MissingRow { id })
}

/// Calls `f` for every row with `from <= id <= to`, in id order, `limit` rows at
/// most, until `f` returns false. Returns the number of rows visited.
pub fn scan(
    conn: &Connection,
    from: i64,
    to: i64,
    limit: usize,
    mut f: impl FnMut(i64, Row) -> bool,
) -> Result<usize, BackendError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, key, create_rev, version, lease, value, prev_id FROM kv WHERE id >= ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![from, to, limit as i64])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let value: Option<Vec<u8>> = r.get(5)?;
        let row = Row {
            key: r.get(1)?,
            entry: Entry {
                rev: Rev::from_id(id),
                create: r.get(2)?,
                version: r.get(3)?,
                lease: r.get(4)?,
                tombstone: value.is_none(),
            },
            value: value.map(Bytes::from),
            prev_id: r.get(6)?,
        };
        n += 1;
        if !f(id, row) {
            break;
        }
    }
    Ok(n)
}

/// Calls `f` with the metadata of every row in id order (values are not read):
/// how the index is rebuilt at start-up.
pub fn load_entries(conn: &Connection, mut f: impl FnMut(Vec<u8>, Entry)) -> Result<(), BackendError> {
    let mut stmt = conn.prepare("SELECT id, key, create_rev, version, lease, value IS NULL FROM kv ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        f(
            r.get(1)?,
            Entry {
                rev: Rev::from_id(id),
                create: r.get(2)?,
                version: r.get(3)?,
                lease: r.get(4)?,
                tombstone: r.get(5)?,
            },
        );
    }
    Ok(())
}

pub fn delete_rows(conn: &Connection, ids: &[i64]) -> Result<(), BackendError> {
    let mut stmt = conn.prepare_cached("DELETE FROM kv WHERE id = ?1")?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

pub fn load_leases(conn: &Connection) -> Result<Vec<(i64, i64)>, BackendError> {
    let mut stmt = conn.prepare("SELECT id, ttl FROM lease")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn put_lease(conn: &Connection, id: i64, ttl: i64) -> Result<(), BackendError> {
    conn.prepare_cached("INSERT INTO lease (id, ttl) VALUES (?1, ?2)")?
        .execute(params![id, ttl])?;
    Ok(())
}

pub fn delete_lease(conn: &Connection, id: i64) -> Result<(), BackendError> {
    conn.prepare_cached("DELETE FROM lease WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Returns free pages to the file system and truncates the WAL: after a
/// compaction this is what keeps the files within a small factor of the live data.
pub fn shrink(conn: &Connection) -> Result<(), BackendError> {
    // Each step of this pragma frees one page: step it to the end.
    let mut stmt = conn.prepare("PRAGMA incremental_vacuum")?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Rewrites the whole database file (etcd's defragment).
pub fn vacuum(conn: &Connection) -> Result<(), BackendError> {
    conn.execute_batch("VACUUM;")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// (allocated bytes, bytes in use) of the database file.
pub fn sizes(conn: &Connection) -> Result<(i64, i64), BackendError> {
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    Ok((pages * page_size, (pages - free) * page_size))
}

/// The full row `id`.
pub fn row(conn: &Connection, id: i64) -> Result<Row, BackendError> {
    let mut found = None;
    scan(conn, id, id, 1, |_, r| {
        found = Some(r);
        false
    })?;
    found.ok_or(BackendError::MissingRow { id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(main: i64, key: &str, value: &[u8]) -> Row {
        Row {
            key: key.as_bytes().to_vec(),
            entry: Entry {
                rev: Rev { main, sub: 0 },
                create: 1,
                version: 1,
                lease: 0,
                tombstone: false,
            },
            value: Some(Bytes::copy_from_slice(value)),
            prev_id: 0,
        }
    }

    #[test]
    fn deleting_history_then_shrinking_returns_the_space() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::in_dir(dir.path()).unwrap();
        let conn = open_writer(&files).unwrap();
        let bytes = vec![7u8; 1024];
        conn.execute_batch("BEGIN").unwrap();
        for main in 1..=3000 {
            insert(&conn, &row(main, &format!("k{}", main % 100), &bytes)).unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        let (before, _) = sizes(&conn).unwrap();
        // Keep the newest row of each of the 100 keys.
        let ids: Vec<i64> = (1..=2900).map(|m| Rev { main: m, sub: 0 }.id()).collect();
        conn.execute_batch("BEGIN").unwrap();
        delete_rows(&conn, &ids).unwrap();
        conn.execute_batch("COMMIT").unwrap();
        shrink(&conn).unwrap();
        let (after, in_use) = sizes(&conn).unwrap();
        assert!(after < before / 10, "file did not shrink: {before} -> {after}");
        assert_eq!(after, in_use, "free pages left after shrink");
        let wal = std::fs::metadata(files.db.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(wal, 0, "WAL not truncated");
        assert_eq!(value(&conn, Rev { main: 3000, sub: 0 }.id()).unwrap().len(), 1024);
        assert!(matches!(
            value(&conn, Rev { main: 5, sub: 0 }.id()),
            Err(BackendError::MissingRow { .. })
        ));
    }
}

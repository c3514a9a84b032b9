//! The MVCC key-value store behind every service: an in-memory index of
//! revisions ([`index`]), a durable SQLite revision log ([`backend`]), leases
//! ([`lease`]), the single group-committing writer ([`writer`]) and the read
//! path ([`read`]).
//!
//! Concurrency: one writer thread applies requests in batches and makes each
//! batch durable with one commit; only then does it publish the batch's revision
//! as committed, answer the callers and broadcast the batch's events. Readers
//! read the index at a revision no newer than the committed one and fetch values
//! from their own SQLite connections, so they never wait for a commit.

pub mod backend;
pub mod index;
pub mod lease;
pub mod read;
pub mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use ferrokube_proto::etcdserverpb::{self as pb, ResponseHeader};
use ferrokube_proto::mvccpb;
use parking_lot::{Mutex, RwLock};
use rusqlite::Connection;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::error::EtcdError;
use crate::metrics::Metrics;
use backend::{BackendError, Files};
use index::Index;
use lease::Leases;

/// Settings the store runs with.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub max_txn_ops: usize,
    pub cluster_name: String,
}

/// Events of one committed batch of revisions, in revision order.
#[derive(Debug)]
pub struct CommitBatch {
    /// The store revision after the batch.
    pub rev: i64,
    pub events: Vec<mvccpb::Event>,
}

/// Identity reported in response headers.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    pub cluster_id: u64,
    pub member_id: u64,
}

/// What readers and the writer share.
pub struct Shared {
    pub index: RwLock<Index>,
    committed: AtomicI64,
    compacted: AtomicI64,
    pub leases: Mutex<Leases>,
    readers: Mutex<Vec<Connection>>,
    files: Files,
    pub events: broadcast::Sender<Arc<CommitBatch>>,
    pub identity: Identity,
    pub metrics: Metrics,
    db_size: AtomicI64,
    db_size_in_use: AtomicI64,
    /// WAL size in frames, as the checkpointer last saw it.
    wal_frames: AtomicI64,
    pub config: StoreConfig,
}

/// A clonable handle on the store.
#[derive(Clone)]
pub struct Store {
    pub shared: Arc<Shared>,
    writes: mpsc::Sender<writer::Write>,
}

/// How many commit batches a lagging watch stream may fall behind before it
/// catches up from disk instead of memory. Bounds the memory events hold.
const EVENT_BUFFER: usize = 256;

impl Store {
    /// Opens (or creates) the store under `data_dir` and starts its writer thread.
    pub fn open(data_dir: &std::path::Path, config: StoreConfig, metrics: Metrics) -> Result<Store, BackendError> {
        let files = Files::in_dir(data_dir)?;
        let conn = backend::open_writer(&files)?;
        let identity = writer::load_identity(&conn, &config.cluster_name)?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let shared = Arc::new(Shared {
            index: RwLock::new(Index::default()),
            committed: AtomicI64::new(1),
            compacted: AtomicI64::new(0),
            leases: Mutex::new(Leases::default()),
            readers: Mutex::new(Vec::new()),
            files,
            events,
            identity,
            metrics,
            db_size: AtomicI64::new(0),
            db_size_in_use: AtomicI64::new(0),
            wal_frames: AtomicI64::new(0),
            config,
        });
        let writes = writer::start(shared.clone(), conn)?;
        start_checkpointer(&shared)?;
        Ok(Store { shared, writes })
    }

    /// Sends a request to the writer and waits for its answer.
    pub async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, EtcdError>>) -> writer::Write,
    ) -> Result<T, EtcdError> {
        let (tx, rx) = oneshot::channel();
        self.writes.send(make(tx)).await.map_err(|_| EtcdError::Stopped)?;
        rx.await.map_err(|_| EtcdError::Stopped)?
    }

    /// Healthy while the writer thread runs: if it stopped, no write can be acknowledged.
    pub fn health(&self) -> Result<(), String> {
        if self.writes.is_closed() {
            Err("the store's writer stopped; restart etcd-shim (see its log for the cause)".into())
        } else {
            Ok(())
        }
    }

    /// Asks the writer to revoke `id` if it is still expired when it gets there.
    pub fn expire_lease(&self, id: i64) {
        let _ = self.writes.try_send(writer::Write::LeaseExpire(id));
    }

    /// Subscribes to committed batches. Subscribe first, then read [`Shared::committed`]:
    /// every batch after that revision arrives on the receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommitBatch>> {
        self.shared.events.subscribe()
    }
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Starts the thread that checkpoints the WAL; it ends when the store is dropped.
fn start_checkpointer(shared: &Arc<Shared>) -> Result<(), BackendError> {
    let conn = backend::open_checkpointer(&shared.files)?;
    let weak = Arc::downgrade(shared);
    std::thread::Builder::new()
        .name("etcd-shim-checkpoint".into())
        .spawn(move || {
            while let Some(shared) = weak.upgrade() {
                drop(shared);
                std::thread::sleep(CHECKPOINT_EVERY);
                match backend::checkpoint(&conn) {
                    Ok(frames) => {
                        if let Some(shared) = weak.upgrade() {
                            shared.wal_frames.store(frames, Ordering::Relaxed);
                        }
                    }
                    Err(e) => tracing::warn!("WAL checkpoint failed (will retry): {e}"),
                }
            }
        })
        .map_err(|source| BackendError::SpawnThread {
            name: "checkpoint",
            source,
        })?;
    Ok(())
}

impl Shared {
    /// The newest revision whose batch is durable and visible to readers.
    pub fn committed(&self) -> i64 {
        self.committed.load(Ordering::Acquire)
    }

    /// The revision history was compacted at; reads below it fail.
    pub fn compacted(&self) -> i64 {
        self.compacted.load(Ordering::Acquire)
    }

    pub fn header(&self, revision: i64) -> ResponseHeader {
        ResponseHeader {
            cluster_id: self.identity.cluster_id,
            member_id: self.identity.member_id,
            revision,
            raft_term: writer::RAFT_TERM,
        }
    }

    /// WAL size in frames (pages), as last measured.
    pub fn wal_frames(&self) -> i64 {
        self.wal_frames.load(Ordering::Relaxed)
    }

    pub fn reset_wal_frames(&self) {
        self.wal_frames.store(0, Ordering::Relaxed);
    }

    pub fn db_sizes(&self) -> (i64, i64) {
        (
            self.db_size.load(Ordering::Relaxed),
            self.db_size_in_use.load(Ordering::Relaxed),
        )
    }

    /// Runs `f` with a pooled read-only connection inside one read transaction:
    /// one snapshot and one file lock for all of `f`'s queries.
    pub fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T, EtcdError>) -> Result<T, EtcdError> {
        let conn = match self.readers.lock().pop() {
            Some(c) => c,
            None => backend::open_reader(&self.files)?,
        };
        conn.execute_batch("BEGIN").map_err(BackendError::from)?;
        let out = f(&conn);
        if let Err(e) = conn.execute_batch("COMMIT") {
            // Do not pool a connection in an unknown state.
            tracing::warn!("closing a reader connection: ending its read transaction failed: {e}");
            return out;
        }
        let mut pool = self.readers.lock();
        if pool.len() < 4 {
            pool.push(conn);
        }
        out
    }

    pub fn lease_keep_alive(&self, id: i64) -> Option<i64> {
        self.leases.lock().keep_alive(id, Instant::now())
    }

    pub fn lease_time_to_live(&self, id: i64) -> Option<(i64, i64, Vec<Vec<u8>>)> {
        self.leases.lock().time_to_live(id, Instant::now())
    }

    pub fn lease_ids(&self) -> Vec<i64> {
        self.leases.lock().ids()
    }

    pub fn status(&self) -> pb::StatusResponse {
        let rev = self.committed();
        let (size, in_use) = self.db_sizes();
        pb::StatusResponse {
            header: Some(self.header(rev)),
            version: crate::ETCD_VERSION.to_string(),
            db_size: size,
            leader: self.identity.member_id,
            raft_index: rev as u64,
            raft_term: writer::RAFT_TERM,
            raft_applied_index: rev as u64,
            errors: Vec::new(),
            db_size_in_use: in_use,
            is_learner: false,
        }
    }
}

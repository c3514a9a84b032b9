//! The single writer: applies write requests in batches and makes each batch
//! durable with one SQLite commit (group commit), then publishes the new
//! revision, answers every caller in the batch and broadcasts the batch's events.
//!
//! Requests that fail validation change nothing. A backend failure in the middle
//! of applying a batch aborts the process, as etcd panics on a failed backend
//! commit: nothing of the batch was acknowledged, and on restart SQLite's WAL
//! holds exactly the committed batches.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ferrokube_proto::etcdserverpb::{
    self as pb, Compare, DeleteRangeRequest, DeleteRangeResponse, LeaseGrantResponse, PutRequest, PutResponse,
    RequestOp, ResponseOp, TxnRequest, TxnResponse,
    compare::{CompareResult, CompareTarget, TargetUnion},
    request_op::Request,
    response_op::Response,
};
use ferrokube_proto::mvccpb::{Event, KeyValue, event::EventType};
use prost::bytes::Bytes;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::backend::{self, BackendError, Row};
use super::index::{Entry, Index, KeyRange, Rev};
use super::lease::{MAX_TTL, MIN_TTL};
use super::read;
use super::{CommitBatch, Identity, Shared};
use crate::error::EtcdError;

/// Raft term reported in headers: a single member that never lost leadership.
pub const RAFT_TERM: u64 = 2;
/// Most requests applied in one commit.
const MAX_BATCH: usize = 512;
/// Most compacted rows deleted in one commit, so compaction never stalls writes.
const COMPACT_CHUNK: usize = 10_000;
/// Queue of write requests waiting for the writer.
const QUEUE: usize = 4096;
/// WAL size (4 KiB pages) past which the writer truncates it itself: 64 MiB.
const WAL_MAX_FRAMES: i64 = 16 * 1024;

pub type Reply<T> = oneshot::Sender<Result<T, EtcdError>>;

/// A request for the writer.
pub enum Write {
    /// Put and DeleteRange arrive as single-op transactions.
    Txn(TxnRequest, Reply<TxnResponse>),
    /// Compacts history at `rev`; with `physical`, answers once the rows are gone.
    Compact {
        rev: i64,
        physical: bool,
        reply: Reply<i64>,
    },
    LeaseGrant {
        id: i64,
        ttl: i64,
        reply: Reply<LeaseGrantResponse>,
    },
    LeaseRevoke {
        id: i64,
        reply: Reply<i64>,
    },
    /// Revokes the lease if it is still expired (sent by the expiry ticker).
    LeaseExpire(i64),
    /// Rewrites the database file.
    Defragment(Reply<i64>),
}

/// Loads the cluster and member ids, choosing them on first start.
pub fn load_identity(conn: &Connection, name: &str) -> Result<Identity, BackendError> {
    let id = |field: &str| -> Result<u64, BackendError> {
        if let Some(v) = backend::get_meta(conn, field)? {
            return Ok(v as u64);
        }
        let v = fastrand::u64(1..) ^ name.bytes().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        backend::set_meta(conn, field, v as i64)?;
        Ok(v)
    };
    Ok(Identity {
        cluster_id: id("cluster_id")?,
        member_id: id("member_id")?,
    })
}

/// Rebuilds the in-memory state from the backend and starts the writer thread.
pub fn start(shared: Arc<Shared>, conn: Connection) -> Result<mpsc::Sender<Write>, BackendError> {
    let rev = backend::get_meta(&conn, "rev")?.unwrap_or(1).max(1);
    let compacted = backend::get_meta(&conn, "compact")?.unwrap_or(0);
    let mut pending = Vec::new();
    {
        let mut index = shared.index.write();
        backend::load_entries(&conn, |key, entry| index.push(&key, entry))?;
        if compacted > 0 {
            // Rows a compaction had not deleted yet when the process stopped.
            pending = index.compact(compacted).into_iter().map(Rev::id).collect();
        }
        let now = Instant::now();
        let mut leases = shared.leases.lock();
        for (id, ttl) in backend::load_leases(&conn)? {
            leases.insert(id, ttl, now);
        }
        let all = KeyRange::Span {
            start: Vec::new(),
            end: None,
        };
        for (key, e) in index.range_at(&all, i64::MAX) {
            if e.lease != 0 {
                leases.attach(e.lease, key);
            }
        }
        shared.metrics.keys.set(index.live_keys() as i64);
    }
    shared.committed.store(rev, Ordering::Release);
    shared.compacted.store(compacted, Ordering::Release);
    let mut writer = Writer {
        shared,
        conn,
        rev,
        pending_deletes: pending,
        physical_waiters: Vec::new(),
        compacted_in_batch: false,
        sizes_at: None,
    };
    writer.refresh_sizes();
    let (tx, rx) = mpsc::channel(QUEUE);
    std::thread::Builder::new()
        .name("etcd-shim-writer".into())
        .spawn(move || writer.run(rx))
        .map_err(|source| BackendError::SpawnThread { name: "writer", source })?;
    Ok(tx)
}

struct Writer {
    shared: Arc<Shared>,
    conn: Connection,
    /// The newest revision, including the batch being applied.
    rev: i64,
    /// Row ids a compaction removed from the index, not yet deleted from disk.
    pending_deletes: Vec<i64>,
    physical_waiters: Vec<(Reply<i64>, i64)>,
    /// Whether the batch being applied compacted history.
    compacted_in_batch: bool,
    sizes_at: Option<Instant>,
}

fn fatal(what: &str, e: impl std::fmt::Display) -> ! {
    tracing::error!("{what}: {e}; stopping so that nothing unacknowledged is half-applied (restart to recover)");
    std::process::abort()
}

/// Per-transaction state while applying: the revision being written, the next
/// sub-revision, and the compare results chosen before any write. Events always
/// carry the previous key-value pair, so any watcher can ask for `prev_kv`.
struct TxnCtx {
    rev: i64,
    sub: i64,
    path: std::vec::IntoIter<bool>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Write>) {
        loop {
            let first = if self.pending_deletes.is_empty() {
                match rx.blocking_recv() {
                    Some(w) => Some(w),
                    None => break,
                }
            } else {
                rx.try_recv().ok()
            };
            let mut batch: Vec<Write> = first.into_iter().collect();
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(w) => batch.push(w),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
        tracing::debug!("writer stopped");
    }

    fn process(&mut self, batch: Vec<Write>) {
        let started = Instant::now();
        let start_rev = self.rev;
        let requests = batch.len();
        let mut events = Vec::new();
        let mut done: Vec<Box<dyn FnOnce() + Send>> = Vec::with_capacity(batch.len());
        let mut defrags = Vec::new();
        let had_pending = !self.pending_deletes.is_empty();
        self.compacted_in_batch = false;
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            fatal("cannot begin a backend transaction", e);
        }
        for w in batch {
            match w {
                Write::Txn(req, reply) => {
                    let r = self.txn(&req, &mut events);
                    done.push(Box::new(move || drop(reply.send(r))));
                }
                Write::Compact { rev, physical, reply } => match self.compact(rev) {
                    Ok(header_rev) if physical => self.physical_waiters.push((reply, header_rev)),
                    r => done.push(Box::new(move || drop(reply.send(r)))),
                },
                Write::LeaseGrant { id, ttl, reply } => {
                    let r = self.lease_grant(id, ttl);
                    done.push(Box::new(move || drop(reply.send(r))));
                }
                Write::LeaseRevoke { id, reply } => {
                    let r = self.lease_revoke(id, &mut events);
                    done.push(Box::new(move || drop(reply.send(r))));
                }
                Write::LeaseExpire(id) => {
                    if self.shared.leases.lock().is_expired(id, Instant::now()) {
                        let _ = self.lease_revoke(id, &mut events);
                    }
                }
                Write::Defragment(reply) => defrags.push(reply),
            }
        }
        if !self.pending_deletes.is_empty() {
            let n = self.pending_deletes.len().min(COMPACT_CHUNK);
            let chunk: Vec<i64> = self.pending_deletes.drain(..n).collect();
            if let Err(e) = backend::delete_rows(&self.conn, &chunk) {
                fatal("cannot delete compacted rows", e);
            }
            self.shared.metrics.compaction_keys.inc_by(chunk.len() as u64);
        }
        if self.rev != start_rev
            && let Err(e) = backend::set_meta(&self.conn, "rev", self.rev)
        {
            fatal("cannot record the store revision", e);
        }
        let commit_started = Instant::now();
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            fatal("cannot commit to the backend", e);
        }
        let m = &self.shared.metrics;
        m.backend_commit.observe(commit_started.elapsed().as_secs_f64());
        m.batch_requests.observe(requests as f64);
        self.shared.committed.store(self.rev, Ordering::Release);
        m.current_revision.set(self.rev);
        m.keys.set(self.shared.index.read().live_keys() as i64);
        for d in done {
            d();
        }
        if !events.is_empty() {
            // No receiver is fine: nobody watches.
            let _ = self.shared.events.send(Arc::new(CommitBatch { rev: self.rev, events }));
        }
        if self.pending_deletes.is_empty() {
            if had_pending || self.compacted_in_batch {
                if let Err(e) = backend::shrink(&self.conn) {
                    tracing::warn!("returning free pages to the file system after compaction failed: {e}");
                }
                self.refresh_sizes();
            }
            for (reply, rev) in self.physical_waiters.drain(..) {
                let _ = reply.send(Ok(rev));
            }
        }
        if !defrags.is_empty() {
            let r = backend::vacuum(&self.conn);
            self.refresh_sizes();
            for reply in defrags {
                let _ = reply.send(match &r {
                    Ok(()) => Ok(self.rev),
                    Err(e) => Err(EtcdError::Defragment(e.to_string())),
                });
            }
        }
        if self.shared.wal_frames() > WAL_MAX_FRAMES {
            // The checkpointer could not catch up with the writes: bound the WAL here.
            match backend::truncate_wal(&self.conn) {
                Ok(()) => self.shared.reset_wal_frames(),
                Err(e) => tracing::warn!("truncating the WAL failed (will retry): {e}"),
            }
        }
        if self.sizes_at.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
            self.refresh_sizes();
        }
        tracing::trace!(requests, rev = self.rev, elapsed = ?started.elapsed(), "batch committed");
    }

    fn refresh_sizes(&mut self) {
        if let Ok((size, in_use)) = backend::sizes(&self.conn) {
            self.shared.db_size.store(size, Ordering::Relaxed);
            self.shared.db_size_in_use.store(in_use, Ordering::Relaxed);
            self.shared.metrics.db_total_size.set(size);
            self.shared.metrics.db_size_in_use.set(in_use);
        }
        self.sizes_at = Some(Instant::now());
    }

    fn value(&self, e: &Entry) -> Bytes {
        backend::value(&self.conn, e.rev.id()).unwrap_or_else(|err| fatal("cannot read a value", err))
    }

    fn kv(&self, key: &[u8], e: &Entry) -> KeyValue {
        KeyValue {
            key: Bytes::copy_from_slice(key),
            create_revision: e.create,
            mod_revision: e.rev.main,
            version: e.version,
            value: self.value(e),
            lease: e.lease,
        }
    }

    // ---- transactions ----

    fn txn(&mut self, req: &TxnRequest, events: &mut Vec<Event>) -> Result<TxnResponse, EtcdError> {
        let shared = self.shared.clone();
        let mut index = shared.index.write();
        // etcd evaluates every compare of the txn tree before applying anything.
        let mut path = Vec::new();
        self.evaluate(&index, req, &mut path)?;
        self.check_ops(&index, req, &mut path.iter().copied())?;
        let mut ctx = TxnCtx {
            rev: self.rev + 1,
            sub: 0,
            path: path.into_iter(),
        };
        let resp = self.apply_txn(&mut index, req, &mut ctx, events);
        if ctx.sub > 0 {
            self.rev += 1;
        }
        let mut resp = resp;
        resp.header = Some(self.shared.header(self.rev));
        let m = &self.shared.metrics;
        m.txn_total.inc();
        Ok(resp)
    }

    /// Depth-first compare results of every txn on the chosen paths.
    fn evaluate(&self, index: &Index, req: &TxnRequest, path: &mut Vec<bool>) -> Result<(), EtcdError> {
        let ok = req.compare.iter().all(|c| self.compare(index, c));
        path.push(ok);
        for op in if ok { &req.success } else { &req.failure } {
            if let Some(Request::RequestTxn(t)) = &op.request {
                self.evaluate(index, t, path)?;
            }
        }
        Ok(())
    }

    fn compare(&self, index: &Index, c: &Compare) -> bool {
        let target = CompareTarget::try_from(c.target).unwrap_or(CompareTarget::Version);
        let range = KeyRange::new(&c.key, &c.range_end);
        let entries: Vec<(Vec<u8>, Entry)> = match &range {
            KeyRange::Single(k) => index
                .latest(k)
                .filter(|e| !e.tombstone)
                .map(|e| (k.clone(), *e))
                .into_iter()
                .collect(),
            KeyRange::Span { .. } => index
                .range_at(&range, i64::MAX)
                .map(|(k, e)| (k.to_vec(), *e))
                .collect(),
        };
        if entries.is_empty() {
            // A missing key compares as zeros, except that it has no value to compare.
            return target != CompareTarget::Value && compare_one::<fn() -> Bytes>(c, target, None);
        }
        entries
            .iter()
            .all(|(_, e)| compare_one(c, target, Some((e, || self.value(e)))))
    }

    /// Checks the ops on the chosen paths against the state before the txn, as
    /// etcd does before applying: puts need their lease (and, with `ignore_*`, the
    /// key); ranges at a revision need it to be within the history.
    fn check_ops(
        &self,
        index: &Index,
        req: &TxnRequest,
        path: &mut impl Iterator<Item = bool>,
    ) -> Result<(), EtcdError> {
        let ok = path.next().unwrap_or(true);
        for op in if ok { &req.success } else { &req.failure } {
            match &op.request {
                Some(Request::RequestPut(p)) => {
                    let current = index.latest(&p.key).filter(|e| !e.tombstone);
                    if (p.ignore_value || p.ignore_lease) && current.is_none() {
                        return Err(EtcdError::KeyNotFound);
                    }
                    if p.lease != 0 && !self.shared.leases.lock().contains(p.lease) {
                        return Err(EtcdError::LeaseNotFound);
                    }
                }
                Some(Request::RequestRange(r)) if r.revision > 0 => {
                    read::check_rev(r.revision, self.rev, self.shared.compacted())?;
                }
                Some(Request::RequestTxn(t)) => self.check_ops(index, t, path)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn apply_txn(
        &mut self,
        index: &mut Index,
        req: &TxnRequest,
        ctx: &mut TxnCtx,
        events: &mut Vec<Event>,
    ) -> TxnResponse {
        let succeeded = ctx.path.next().unwrap_or(true);
        let ops: &[RequestOp] = if succeeded { &req.success } else { &req.failure };
        let mut responses = Vec::with_capacity(ops.len());
        for op in ops {
            let response = match &op.request {
                Some(Request::RequestRange(r)) => Response::ResponseRange(self.txn_range(index, r, ctx)),
                Some(Request::RequestPut(p)) => Response::ResponsePut(self.put(index, p, ctx, events)),
                Some(Request::RequestDeleteRange(d)) => {
                    Response::ResponseDeleteRange(self.delete(index, d, ctx, events))
                }
                Some(Request::RequestTxn(t)) => {
                    let mut r = self.apply_txn(index, t, ctx, events);
                    r.header = Some(self.shared.header(self.view_rev(ctx)));
                    Response::ResponseTxn(r)
                }
                None => continue,
            };
            responses.push(ResponseOp {
                response: Some(response),
            });
        }
        TxnResponse {
            header: None,
            succeeded,
            responses,
        }
    }

    /// The revision a read inside the txn sees: its own writes once it made any.
    fn view_rev(&self, ctx: &TxnCtx) -> i64 {
        if ctx.sub > 0 { ctx.rev } else { self.rev }
    }

    fn txn_range(&self, index: &Index, r: &pb::RangeRequest, ctx: &TxnCtx) -> pb::RangeResponse {
        let current = self.view_rev(ctx);
        let rev = if r.revision > 0 { r.revision } else { current };
        let header = Some(self.shared.header(current));
        // check_ops refused revisions outside the history before anything was applied.
        let plan = read::plan(index, r, rev);
        match read::execute(plan, r, &self.conn) {
            Ok(resp) => pb::RangeResponse { header, ..resp },
            Err(e) => fatal("cannot read values inside a txn", e),
        }
    }

    fn next_rev(ctx: &mut TxnCtx) -> Rev {
        let rev = Rev {
            main: ctx.rev,
            sub: ctx.sub,
        };
        ctx.sub += 1;
        rev
    }

    fn put(&mut self, index: &mut Index, p: &PutRequest, ctx: &mut TxnCtx, events: &mut Vec<Event>) -> PutResponse {
        let prev = index.latest(&p.key).copied().filter(|e| !e.tombstone);
        let prev_kv = prev.map(|e| self.kv(&p.key, &e));
        let value = match (&prev, p.ignore_value) {
            (Some(e), true) => prev_kv
                .as_ref()
                .map(|kv| kv.value.clone())
                .unwrap_or_else(|| self.value(e)),
            _ => p.value.clone(),
        };
        let lease = match (&prev, p.ignore_lease) {
            (Some(e), true) => e.lease,
            _ => p.lease,
        };
        let rev = Self::next_rev(ctx);
        let entry = Entry {
            rev,
            create: prev.map_or(rev.main, |e| e.create),
            version: prev.map_or(1, |e| e.version + 1),
            lease,
            tombstone: false,
        };
        let row = Row {
            key: p.key.to_vec(),
            entry,
            value: Some(value.clone()),
            prev_id: prev.map_or(0, |e| e.rev.id()),
        };
        if let Err(e) = backend::insert(&self.conn, &row) {
            fatal("cannot write a put", e);
        }
        index.push(&p.key, entry);
        {
            let mut leases = self.shared.leases.lock();
            if let Some(old) = prev.map(|e| e.lease).filter(|l| *l != 0 && *l != lease) {
                leases.detach(old, &p.key);
            }
            if lease != 0 {
                leases.attach(lease, &p.key);
            }
        }
        let kv = KeyValue {
            key: p.key.clone(),
            create_revision: entry.create,
            mod_revision: rev.main,
            version: entry.version,
            value,
            lease,
        };
        events.push(Event {
            r#type: EventType::Put as i32,
            kv: Some(kv),
            prev_kv: prev_kv.clone(),
        });
        self.shared.metrics.put_total.inc();
        PutResponse {
            header: Some(self.shared.header(ctx.rev)),
            prev_kv: prev_kv.filter(|_| p.prev_kv),
        }
    }

    fn delete(
        &mut self,
        index: &mut Index,
        d: &DeleteRangeRequest,
        ctx: &mut TxnCtx,
        events: &mut Vec<Event>,
    ) -> DeleteRangeResponse {
        let range = KeyRange::new(&d.key, &d.range_end);
        let victims: Vec<(Vec<u8>, Entry)> = index
            .range_at(&range, i64::MAX)
            .map(|(k, e)| (k.to_vec(), *e))
            .collect();
        let mut prev_kvs = Vec::new();
        for (key, prev) in &victims {
            prev_kvs.push(self.delete_key(index, key, prev, ctx, events));
        }
        self.shared.metrics.delete_total.inc_by(victims.len() as u64);
        let header_rev = if victims.is_empty() {
            self.view_rev(ctx)
        } else {
            ctx.rev
        };
        DeleteRangeResponse {
            header: Some(self.shared.header(header_rev)),
            deleted: victims.len() as i64,
            prev_kvs: if d.prev_kv { prev_kvs } else { Vec::new() },
        }
    }

    fn delete_key(
        &mut self,
        index: &mut Index,
        key: &[u8],
        prev: &Entry,
        ctx: &mut TxnCtx,
        events: &mut Vec<Event>,
    ) -> KeyValue {
        let prev_kv = self.kv(key, prev);
        let rev = Self::next_rev(ctx);
        let entry = Entry {
            rev,
            create: 0,
            version: 0,
            lease: 0,
            tombstone: true,
        };
        let row = Row {
            key: key.to_vec(),
            entry,
            value: None,
            prev_id: prev.rev.id(),
        };
        if let Err(e) = backend::insert(&self.conn, &row) {
            fatal("cannot write a delete", e);
        }
        index.push(key, entry);
        if prev.lease != 0 {
            self.shared.leases.lock().detach(prev.lease, key);
        }
        let kv = KeyValue {
            key: Bytes::copy_from_slice(key),
            mod_revision: rev.main,
            ..Default::default()
        };
        events.push(Event {
            r#type: EventType::Delete as i32,
            kv: Some(kv),
            prev_kv: Some(prev_kv.clone()),
        });
        prev_kv
    }

    // ---- compaction ----

    fn compact(&mut self, rev: i64) -> Result<i64, EtcdError> {
        if rev <= self.shared.compacted() {
            return Err(EtcdError::Compacted);
        }
        if rev > self.rev {
            return Err(EtcdError::FutureRev);
        }
        let removed = {
            let mut index = self.shared.index.write();
            self.shared.compacted.store(rev, Ordering::Release);
            index.compact(rev)
        };
        if let Err(e) = backend::set_meta(&self.conn, "compact", rev) {
            fatal("cannot record the compact revision", e);
        }
        self.pending_deletes.extend(removed.into_iter().map(Rev::id));
        self.shared.metrics.compact_revision.set(rev);
        self.compacted_in_batch = true;
        tracing::info!(rev, rows = self.pending_deletes.len(), "compacting history");
        Ok(self.rev)
    }

    // ---- leases ----

    fn lease_grant(&mut self, id: i64, ttl: i64) -> Result<LeaseGrantResponse, EtcdError> {
        if ttl > MAX_TTL {
            return Err(EtcdError::LeaseTtlTooLarge);
        }
        let mut leases = self.shared.leases.lock();
        let id = if id == 0 {
            loop {
                let candidate = fastrand::i64(1..i64::MAX);
                if !leases.contains(candidate) {
                    break candidate;
                }
            }
        } else {
            id
        };
        if leases.contains(id) {
            return Err(EtcdError::LeaseExists);
        }
        let ttl = ttl.max(MIN_TTL);
        if let Err(e) = backend::put_lease(&self.conn, id, ttl) {
            fatal("cannot record a lease", e);
        }
        leases.insert(id, ttl, Instant::now());
        self.shared.metrics.leases_granted.inc();
        Ok(LeaseGrantResponse {
            header: Some(self.shared.header(self.rev)),
            id,
            ttl,
            error: String::new(),
        })
    }

    fn lease_revoke(&mut self, id: i64, events: &mut Vec<Event>) -> Result<i64, EtcdError> {
        let Some(lease) = self.shared.leases.lock().remove(id) else {
            return Err(EtcdError::LeaseNotFound);
        };
        let shared = self.shared.clone();
        let mut index = shared.index.write();
        let mut ctx = TxnCtx {
            rev: self.rev + 1,
            sub: 0,
            path: Vec::new().into_iter(),
        };
        for key in &lease.keys {
            if let Some(prev) = index.latest(key).copied().filter(|e| !e.tombstone && e.lease == id) {
                self.delete_key(&mut index, key, &prev, &mut ctx, events);
            }
        }
        if ctx.sub > 0 {
            self.rev += 1;
            self.shared.metrics.delete_total.inc_by(ctx.sub as u64);
        }
        if let Err(e) = backend::delete_lease(&self.conn, id) {
            fatal("cannot delete a lease", e);
        }
        self.shared.metrics.leases_revoked.inc();
        Ok(self.rev)
    }
}

/// One key against one compare. `kv` is `None` for a missing key (all zeros);
/// the closure reads the value only for value compares.
fn compare_one<F: FnOnce() -> Bytes>(c: &Compare, target: CompareTarget, kv: Option<(&Entry, F)>) -> bool {
    use std::cmp::Ordering as O;
    let ord = match target {
        CompareTarget::Value => {
            let Some((_, value)) = kv else { return false };
            let want = match &c.target_union {
                Some(TargetUnion::Value(v)) => v.clone(),
                _ => Bytes::new(),
            };
            value().as_ref().cmp(want.as_ref())
        }
        _ => {
            let e = kv.map(|(e, _)| *e);
            let (actual, want) = match target {
                CompareTarget::Version => (
                    e.map_or(0, |e| e.version),
                    union_int(c, |u| matches!(u, TargetUnion::Version(_))),
                ),
                CompareTarget::Create => (
                    e.map_or(0, |e| e.create),
                    union_int(c, |u| matches!(u, TargetUnion::CreateRevision(_))),
                ),
                CompareTarget::Mod => (
                    e.map_or(0, |e| e.rev.main),
                    union_int(c, |u| matches!(u, TargetUnion::ModRevision(_))),
                ),
                CompareTarget::Lease => (
                    e.map_or(0, |e| e.lease),
                    union_int(c, |u| matches!(u, TargetUnion::Lease(_))),
                ),
                CompareTarget::Value => unreachable!("handled above"),
            };
            actual.cmp(&want)
        }
    };
    match CompareResult::try_from(c.result).unwrap_or(CompareResult::Equal) {
        CompareResult::Equal => ord == O::Equal,
        CompareResult::Greater => ord == O::Greater,
        CompareResult::Less => ord == O::Less,
        CompareResult::NotEqual => ord != O::Equal,
    }
}

/// The integer in the compare's target union when it is of the expected kind, else 0.
fn union_int(c: &Compare, is_kind: impl Fn(&TargetUnion) -> bool) -> i64 {
    match &c.target_union {
        Some(u) if is_kind(u) => match u {
            TargetUnion::Version(v)
            | TargetUnion::CreateRevision(v)
            | TargetUnion::ModRevision(v)
            | TargetUnion::Lease(v) => *v,
            TargetUnion::Value(_) => 0,
        },
        _ => 0,
    }
}

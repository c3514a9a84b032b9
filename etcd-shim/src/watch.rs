//! One watch stream: the watchers a client created on it, fed from the store's
//! broadcast of committed batches, or from disk when they need history (a past
//! start revision) or fell behind (the broadcast lagged).
//!
//! Invariants: events reach each watcher in revision order, exactly once, never
//! splitting a revision across responses (unless the watcher asked for
//! fragments); `delivered` is the newest revision every watcher on the stream
//! has been sent, so a progress response at `delivered` promises that every
//! later event has a higher revision.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ferrokube_proto::etcdserverpb::{
    WatchCreateRequest, WatchRequest, WatchResponse, watch_create_request::FilterType, watch_request::RequestUnion,
};
use ferrokube_proto::mvccpb::{Event, KeyValue, event::EventType};
use prost::Message;
use tokio::sync::{broadcast, mpsc};
use tonic::Status;

use crate::store::backend::{self, Row};
use crate::store::index::{KeyRange, Rev};
use crate::store::{CommitBatch, Store};

/// Rows read from disk per query while replaying history...
const REPLAY_CHUNK: usize = 1000;
/// ...or fewer, once their values add up to this many bytes.
const REPLAY_CHUNK_BYTES: usize = 4 << 20;
/// A watcher's queued replay events are sent, at the next revision boundary,
/// once they are this many...
const REPLAY_EVENTS_PER_RESPONSE: usize = 500;
/// ...or this many bytes.
const REPLAY_BYTES_PER_RESPONSE: usize = 1 << 20;

/// Settings of watch streams.
#[derive(Debug, Clone, Copy)]
pub struct WatchConfig {
    pub progress_interval: Duration,
    /// Largest response a fragmenting watcher gets in one message.
    pub max_response_bytes: usize,
}

struct Watcher {
    id: i64,
    range: KeyRange,
    no_put: bool,
    no_delete: bool,
    prev_kv: bool,
    progress_notify: bool,
    fragment: bool,
    /// Events below this revision are not for this watcher (a future start revision).
    start_rev: i64,
    /// Whether events were sent since the last progress tick.
    sent_since_tick: bool,
}

impl Watcher {
    fn wants(&self, ev: &Event) -> bool {
        let Some(kv) = &ev.kv else { return false };
        if kv.mod_revision < self.start_rev || !self.range.contains(&kv.key) {
            return false;
        }
        match EventType::try_from(ev.r#type) {
            Ok(EventType::Put) => !self.no_put,
            Ok(EventType::Delete) => !self.no_delete,
            Err(_) => false,
        }
    }

    fn shape(&self, ev: &Event) -> Event {
        let mut ev = ev.clone();
        if !self.prev_kv {
            ev.prev_kv = None;
        }
        ev
    }
}

/// Why a stream stopped.
enum Stop {
    /// The client went away (its response stream is closed).
    ClientGone,
}

type Out = mpsc::Sender<Result<WatchResponse, Status>>;

struct Stream {
    store: Store,
    cfg: WatchConfig,
    watchers: BTreeMap<i64, Watcher>,
    next_id: i64,
    delivered: i64,
    out: Out,
}

/// Serves one Watch RPC until the client closes it or disconnects.
pub async fn serve(store: Store, mut requests: tonic::Streaming<WatchRequest>, out: Out, cfg: WatchConfig) {
    let mut events = store.subscribe();
    let delivered = store.shared.committed();
    let metrics = store.shared.metrics.clone();
    metrics.watch_streams.inc();
    let mut s = Stream {
        store,
        cfg,
        watchers: BTreeMap::new(),
        next_id: 0,
        delivered,
        out,
    };
    let mut ticker = tokio::time::interval(cfg.progress_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        let step = tokio::select! {
            biased;
            req = requests.message() => match req {
                Ok(Some(req)) => s.handle(req, &mut events).await,
                Ok(None) | Err(_) => break,
            },
            batch = events.recv() => match batch {
                Ok(batch) => s.deliver(&batch).await,
                Err(broadcast::error::RecvError::Lagged(_)) => s.catch_up(&mut events).await,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = ticker.tick() => s.progress_tick().await,
        };
        if let Err(Stop::ClientGone) = step {
            break;
        }
    }
    metrics.watchers.dec_by(s.watchers.len() as i64);
    metrics.watch_streams.dec();
}

impl Stream {
    fn header(&self) -> Option<ferrokube_proto::etcdserverpb::ResponseHeader> {
        Some(self.store.shared.header(self.delivered))
    }

    async fn send(&self, resp: WatchResponse) -> Result<(), Stop> {
        self.out.send(Ok(resp)).await.map_err(|_| Stop::ClientGone)
    }

    async fn handle(
        &mut self,
        req: WatchRequest,
        events: &mut broadcast::Receiver<Arc<CommitBatch>>,
    ) -> Result<(), Stop> {
        match req.request_union {
            Some(RequestUnion::CreateRequest(c)) => {
                // "Now" for a new watcher is the newest published revision.
                self.drain(events).await?;
                self.create(c).await
            }
            Some(RequestUnion::CancelRequest(c)) => {
                if self.watchers.remove(&c.watch_id).is_some() {
                    self.store.shared.metrics.watchers.dec();
                    let resp = WatchResponse {
                        header: self.header(),
                        watch_id: c.watch_id,
                        canceled: true,
                        ..Default::default()
                    };
                    self.send(resp).await?;
                }
                Ok(())
            }
            Some(RequestUnion::ProgressRequest(_)) => {
                // Deliver what is already committed first, so the answer is as fresh as it can be.
                self.drain(events).await?;
                // etcd answers on-demand progress with watch id -1: it concerns the whole stream.
                self.send(WatchResponse {
                    header: self.header(),
                    watch_id: -1,
                    ..Default::default()
                })
                .await
            }
            None => Ok(()),
        }
    }

    /// Delivers every batch already published.
    async fn drain(&mut self, events: &mut broadcast::Receiver<Arc<CommitBatch>>) -> Result<(), Stop> {
        loop {
            match events.try_recv() {
                Ok(batch) => self.deliver(&batch).await?,
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.catch_up(events).await?,
                Err(_) => return Ok(()),
            }
        }
    }

    async fn create(&mut self, c: WatchCreateRequest) -> Result<(), Stop> {
        let id = if c.watch_id != 0 {
            if self.watchers.contains_key(&c.watch_id) {
                // etcd answers with watch id -1: no watcher was created.
                let resp = WatchResponse {
                    header: self.header(),
                    watch_id: -1,
                    created: true,
                    canceled: true,
                    cancel_reason: "mvcc: duplicate watch ID provided on the WatchStream".into(),
                    ..Default::default()
                };
                return self.send(resp).await;
            }
            c.watch_id
        } else {
            while self.watchers.contains_key(&self.next_id) {
                self.next_id += 1;
            }
            self.next_id += 1;
            self.next_id - 1
        };
        let filters: Vec<FilterType> = c.filters.iter().filter_map(|f| FilterType::try_from(*f).ok()).collect();
        let watcher = Watcher {
            id,
            range: KeyRange::new(&c.key, &c.range_end),
            no_put: filters.contains(&FilterType::Noput),
            no_delete: filters.contains(&FilterType::Nodelete),
            prev_kv: c.prev_kv,
            progress_notify: c.progress_notify,
            fragment: c.fragment,
            start_rev: if c.start_revision > 0 {
                c.start_revision
            } else {
                self.delivered + 1
            },
            sent_since_tick: false,
        };
        self.send(WatchResponse {
            header: self.header(),
            watch_id: id,
            created: true,
            ..Default::default()
        })
        .await?;
        let start = watcher.start_rev;
        let compacted = self.store.shared.compacted();
        if start <= self.delivered && start < compacted {
            return self.cancel_compacted(id, compacted).await;
        }
        self.watchers.insert(id, watcher);
        self.store.shared.metrics.watchers.inc();
        if start <= self.delivered {
            self.replay(&[id], start, self.delivered).await?;
        }
        Ok(())
    }

    async fn cancel_compacted(&mut self, id: i64, compacted: i64) -> Result<(), Stop> {
        if self.watchers.remove(&id).is_some() {
            self.store.shared.metrics.watchers.dec();
        }
        // etcd's compaction cancel carries a header without a revision.
        let resp = WatchResponse {
            header: Some(self.store.shared.header(0)),
            watch_id: id,
            canceled: true,
            compact_revision: compacted,
            ..Default::default()
        };
        self.send(resp).await
    }

    /// Sends a committed batch's events to the watchers that want them.
    async fn deliver(&mut self, batch: &CommitBatch) -> Result<(), Stop> {
        if batch.rev <= self.delivered {
            return Ok(());
        }
        let from = self.delivered;
        self.delivered = batch.rev;
        let mut outgoing = Vec::new();
        for w in self.watchers.values_mut() {
            let evs: Vec<Event> = batch
                .events
                .iter()
                .filter(|e| e.kv.as_ref().is_some_and(|kv| kv.mod_revision > from) && w.wants(e))
                .map(|e| w.shape(e))
                .collect();
            if !evs.is_empty() {
                w.sent_since_tick = true;
                outgoing.push((w.id, w.fragment, evs));
            }
        }
        for (id, fragment, evs) in outgoing {
            self.send_events(id, fragment, evs).await?;
        }
        Ok(())
    }

    /// The broadcast dropped batches this stream had not read: replay them from disk.
    async fn catch_up(&mut self, events: &mut broadcast::Receiver<Arc<CommitBatch>>) -> Result<(), Stop> {
        let metrics = self.store.shared.metrics.clone();
        metrics.slow_watchers.inc();
        metrics.watch_catch_ups.inc();
        *events = self.store.subscribe();
        let target = self.store.shared.committed();
        let ids: Vec<i64> = self.watchers.keys().copied().collect();
        let from = self.delivered + 1;
        let r = self.replay(&ids, from, target).await;
        self.delivered = self.delivered.max(target);
        metrics.slow_watchers.dec();
        r
    }

    /// Sends the events of revisions `from..=to` from disk to the watchers `ids`.
    async fn replay(&mut self, ids: &[i64], from: i64, to: i64) -> Result<(), Stop> {
        if from > to || ids.is_empty() {
            return Ok(());
        }
        let want_prev = ids.iter().any(|id| self.watchers.get(id).is_some_and(|w| w.prev_kv));
        let mut pending: BTreeMap<i64, Vec<Event>> = BTreeMap::new();
        let mut next_id = Rev::first_id(from);
        let last_id = Rev::last_id(to);
        let mut last_rev = 0;
        loop {
            let chunk_rev = Rev::from_id(next_id).main;
            let compacted = self.store.shared.compacted();
            if chunk_rev < compacted {
                for id in ids {
                    self.cancel_compacted(*id, compacted).await?;
                }
                return Ok(());
            }
            let shared = self.store.shared.clone();
            let read = tokio::task::spawn_blocking(move || {
                shared.with_reader(|conn| {
                    let mut rows: Vec<(Row, Option<Row>)> = Vec::new();
                    let mut bytes = 0;
                    let mut more = false;
                    backend::scan(conn, next_id, last_id, REPLAY_CHUNK, |_, row| {
                        bytes += row.key.len() + row.value.as_ref().map_or(0, |v| v.len());
                        rows.push((row, None));
                        more = rows.len() == REPLAY_CHUNK || bytes >= REPLAY_CHUNK_BYTES;
                        bytes < REPLAY_CHUNK_BYTES
                    })?;
                    if want_prev {
                        for (row, prev) in rows.iter_mut() {
                            // A previous value older than the compaction is gone: etcd
                            // then sends no prev_kv.
                            if row.prev_id != 0 {
                                *prev = match backend::row(conn, row.prev_id) {
                                    Ok(r) => Some(r),
                                    Err(backend::BackendError::MissingRow { .. }) => None,
                                    Err(e) => return Err(e.into()),
                                };
                            }
                        }
                    }
                    Ok((rows, more))
                })
            })
            .await;
            let (rows, more) = match read {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    // Rows vanished under us: history was compacted while we read it.
                    let compacted = self.store.shared.compacted();
                    if compacted > chunk_rev {
                        for id in ids {
                            self.cancel_compacted(*id, compacted).await?;
                        }
                        return Ok(());
                    }
                    tracing::error!("watch replay failed: {e}");
                    let _ = self
                        .out
                        .send(Err(Status::internal(format!("watch replay failed: {e}"))))
                        .await;
                    return Err(Stop::ClientGone);
                }
                Err(e) => {
                    tracing::error!("watch replay task failed: {e}");
                    return Err(Stop::ClientGone);
                }
            };
            for (row, prev) in rows {
                let rev = row.entry.rev;
                if rev.main != last_rev {
                    // A revision boundary: flush watchers with enough queued.
                    self.flush(&mut pending, false).await?;
                    last_rev = rev.main;
                }
                next_id = rev.id() + 1;
                let ev = row_event(row, prev);
                for id in ids {
                    if let Some(w) = self.watchers.get_mut(id)
                        && w.wants(&ev)
                    {
                        w.sent_since_tick = true;
                        pending.entry(*id).or_default().push(w.shape(&ev));
                    }
                }
            }
            if !more {
                break;
            }
        }
        self.flush(&mut pending, true).await
    }

    /// Sends each watcher's queued events: all of them with `all`, else those
    /// with a response's worth queued.
    async fn flush(&mut self, pending: &mut BTreeMap<i64, Vec<Event>>, all: bool) -> Result<(), Stop> {
        let big = |evs: &Vec<Event>| {
            evs.len() >= REPLAY_EVENTS_PER_RESPONSE
                || evs
                    .iter()
                    .map(|e| e.kv.as_ref().map_or(0, |kv| kv.value.len()))
                    .sum::<usize>()
                    >= REPLAY_BYTES_PER_RESPONSE
        };
        let ready: Vec<i64> = pending
            .iter()
            .filter(|(_, v)| all || big(v))
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            if let Some(evs) = pending.remove(&id) {
                let fragment = self.watchers.get(&id).is_some_and(|w| w.fragment);
                self.send_events(id, fragment, evs).await?;
            }
        }
        Ok(())
    }

    async fn send_events(&self, id: i64, fragment: bool, events: Vec<Event>) -> Result<(), Stop> {
        let header = self.header();
        if !fragment {
            return self
                .send(WatchResponse {
                    header,
                    watch_id: id,
                    events,
                    ..Default::default()
                })
                .await;
        }
        let chunks = fragments(events, self.cfg.max_response_bytes);
        let last = chunks.len() - 1;
        for (i, events) in chunks.into_iter().enumerate() {
            let resp = WatchResponse {
                header,
                watch_id: id,
                events,
                fragment: i < last,
                ..Default::default()
            };
            self.send(resp).await?;
        }
        Ok(())
    }

    async fn progress_tick(&mut self) -> Result<(), Stop> {
        let mut due = Vec::new();
        for w in self.watchers.values_mut() {
            if w.progress_notify && !w.sent_since_tick {
                due.push(w.id);
            }
            w.sent_since_tick = false;
        }
        for id in due {
            self.send(WatchResponse {
                header: self.header(),
                watch_id: id,
                ..Default::default()
            })
            .await?;
        }
        Ok(())
    }
}

fn kv_of(row: &Row) -> KeyValue {
    KeyValue {
        key: row.key.clone().into(),
        create_revision: row.entry.create,
        mod_revision: row.entry.rev.main,
        version: row.entry.version,
        value: row.value.clone().unwrap_or_default(),
        lease: row.entry.lease,
    }
}

/// The watch event a revision-log row stands for.
fn row_event(row: Row, prev: Option<Row>) -> Event {
    let prev_kv = prev.filter(|p| !p.entry.tombstone).map(|p| kv_of(&p));
    if row.entry.tombstone {
        let kv = KeyValue {
            key: row.key.into(),
            mod_revision: row.entry.rev.main,
            ..Default::default()
        };
        Event {
            r#type: EventType::Delete as i32,
            kv: Some(kv),
            prev_kv,
        }
    } else {
        Event {
            r#type: EventType::Put as i32,
            kv: Some(kv_of(&row)),
            prev_kv,
        }
    }
}

/// Splits events into chunks of at most `max_bytes` encoded (at least one event each).
fn fragments(events: Vec<Event>, max_bytes: usize) -> Vec<Vec<Event>> {
    let mut chunks = vec![Vec::new()];
    let mut size = 0;
    for ev in events {
        let len = ev.encoded_len();
        let current = chunks.last_mut().expect("never empty");
        if !current.is_empty() && size + len > max_bytes {
            chunks.push(vec![ev]);
            size = len;
        } else {
            current.push(ev);
            size += len;
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(key: &str, rev: i64, t: EventType) -> Event {
        let kv = KeyValue {
            key: key.as_bytes().to_vec().into(),
            mod_revision: rev,
            value: vec![0; 100].into(),
            ..Default::default()
        };
        Event {
            r#type: t as i32,
            kv: Some(kv),
            prev_kv: None,
        }
    }

    #[test]
    fn watcher_filters() {
        let w = Watcher {
            id: 0,
            range: KeyRange::new(b"a", b"c"),
            no_put: false,
            no_delete: true,
            prev_kv: false,
            progress_notify: false,
            fragment: false,
            start_rev: 5,
            sent_since_tick: false,
        };
        assert!(w.wants(&ev("b", 5, EventType::Put)));
        assert!(!w.wants(&ev("b", 4, EventType::Put)), "before start revision");
        assert!(!w.wants(&ev("c", 6, EventType::Put)), "outside range");
        assert!(!w.wants(&ev("a", 6, EventType::Delete)), "NODELETE");
    }

    #[test]
    fn fragments_respect_the_limit() {
        let evs: Vec<Event> = (1..=10).map(|i| ev("k", i, EventType::Put)).collect();
        let one = evs[0].encoded_len();
        let chunks = fragments(evs.clone(), one * 3);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 3, 1]);
        assert_eq!(
            fragments(evs, 1).len(),
            10,
            "an event bigger than the limit still goes, alone"
        );
    }
}

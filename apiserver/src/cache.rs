//! The watch cache: one per resource, fed by one etcd watch, serving LIST and WATCH.
//!
//! Objects are kept as their serialized JSON (what a LIST writes) plus the labels and selectable fields that
//! filtering needs, so a list of many objects is a concatenation and memory stays near the JSON size. A
//! bounded history of recent events lets watches resume from a resourceVersion; older versions get 410.
//! Watchers receive filtered events through bounded channels; one that cannot keep up is disconnected.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use etcd_client::{EventType, WatchOptions};
use ferrokube_apimachinery::fields::Selector as FieldSelector;
use ferrokube_apimachinery::labels::{LabelSet, Selector as LabelSelector};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::resource::ResourceSpec;
use crate::storage::{Etcd, prefix_end};

/// Events kept for resuming watches.
const HISTORY_CAPACITY: usize = 10_000;
/// Events a watcher may fall behind by before it is disconnected.
pub const WATCHER_BUFFER: usize = 1_024;

/// One object as the cache holds it.
#[derive(Debug)]
pub struct Entry {
    pub key: String,
    pub namespace: String,
    pub name: String,
    pub rv: i64,
    /// The object's JSON (with resourceVersion), without a trailing newline.
    pub json: Bytes,
    pub labels: Vec<(String, String)>,
    /// Values of the kind's selectable fields, in [`ResourceSpec::indexed_fields`] order.
    pub fields: Vec<String>,
    /// The object's protobuf envelope, encoded on first use by a protobuf watcher or list.
    pub proto: std::sync::OnceLock<Option<Bytes>>,
    /// JSON watch-event lines (`{"type":"ADDED","object":...}`), by event type, built once for all watchers.
    pub frames: [std::sync::OnceLock<Bytes>; 3],
}

impl Entry {
    /// An entry without labels and selectable fields (empty), for results no selector looks at.
    pub fn bare(key: &str, namespace: &str, name: &str, json: Bytes, rv: i64, fields: usize) -> Entry {
        Template {
            namespace: namespace.to_string(),
            name: name.to_string(),
            labels: Vec::new(),
            fields: vec![String::new(); fields],
        }
        .into_entry(key, json, rv)
    }

    /// This entry's revision-independent parts.
    fn template(&self) -> Template {
        Template {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            labels: self.labels.clone(),
            fields: self.fields.clone(),
        }
    }
}

struct Labels<'a>(&'a [(String, String)]);

impl LabelSet for Labels<'_> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
}

impl WatchEventType {
    /// Index into [`Entry::frames`].
    pub fn index(self) -> usize {
        match self {
            WatchEventType::Added => 0,
            WatchEventType::Modified => 1,
            WatchEventType::Deleted => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// A change, as the cache recorded it.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: WatchEventType,
    pub rv: i64,
    /// The new object; for deletions the last state, with the deletion's resourceVersion.
    pub obj: Arc<Entry>,
    pub prev: Option<Arc<Entry>>,
}

/// What a LIST or WATCH selects.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub namespace: Option<String>,
    pub labels: Option<LabelSelector>,
    pub fields: Option<FieldSelector>,
}

impl Filter {
    pub fn matches(&self, spec_fields: &[&'static str], e: &Entry) -> bool {
        if let Some(ns) = &self.namespace
            && &e.namespace != ns
        {
            return false;
        }
        if let Some(l) = &self.labels
            && !l.matches(&Labels(&e.labels))
        {
            return false;
        }
        if let Some(f) = &self.fields {
            let ok = f.matches(|field: &str| match field {
                "metadata.name" => Some(e.name.as_str()),
                "metadata.namespace" => Some(e.namespace.as_str()),
                _ => spec_fields
                    .iter()
                    .position(|s| *s == field)
                    .map(|i| e.fields[i].as_str()),
            });
            if !ok {
                return false;
            }
        }
        true
    }
}

/// A filtered event as a watcher receives it.
#[derive(Debug, Clone)]
pub struct WatchItem {
    pub kind: WatchEventType,
    pub obj: Arc<Entry>,
}

struct Watcher {
    id: u64,
    filter: Filter,
    tx: mpsc::Sender<WatchItem>,
    /// Events up to this revision are not sent (a watch from a revision the cache has not reached yet).
    after: i64,
}

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Arc<Entry>>,
    /// The revision the cache reflects.
    rev: i64,
    /// Events with rv > history_start are all in `history`.
    history_start: i64,
    history: VecDeque<Event>,
    watchers: Vec<Watcher>,
    next_watcher: u64,
    ready: bool,
}

/// Why the cache cannot serve a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CacheError {
    #[error("too old resource version: {requested} ({oldest})")]
    TooOld { requested: i64, oldest: i64 },
    #[error("Too large resource version: {requested}, current: {current}")]
    TooLarge { requested: i64, current: i64 },
    #[error("the watch cache is not ready")]
    NotReady,
}

/// Decodes a stored value (key, value, mod revision) into the JSON a read returns.
pub type Decoder = dyn Fn(&str, &[u8], i64) -> Option<Bytes> + Send + Sync;

/// The cache of one resource.
pub struct Cache {
    spec: Arc<ResourceSpec>,
    prefix: String,
    state: Mutex<State>,
    rev_tx: watch::Sender<i64>,
    progress_tx: mpsc::Sender<()>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cache({})", self.prefix)
    }
}

/// A consistent snapshot for a LIST.
#[derive(Debug)]
pub struct Snapshot {
    pub rev: i64,
    pub items: Vec<Arc<Entry>>,
}

impl Cache {
    /// Starts the cache: an initial list, then one etcd watch. Returns once the first list is in.
    pub async fn start(
        spec: Arc<ResourceSpec>,
        key_root: &str,
        etcd: Etcd,
        decoder: Arc<Decoder>,
        pending: Arc<PendingWrites>,
    ) -> Arc<Cache> {
        let prefix = spec.key_prefix(key_root);
        let (rev_tx, _) = watch::channel(0);
        let (progress_tx, progress_rx) = mpsc::channel(8);
        let cache = Arc::new(Cache {
            spec,
            prefix,
            state: Mutex::new(State::default()),
            rev_tx,
            progress_tx,
        });
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(run(cache.clone(), etcd, decoder, pending, progress_rx, ready_tx));
        let _ = ready_rx.await;
        cache
    }

    /// A cache not connected to etcd, for tests of its bookkeeping.
    #[cfg(test)]
    fn detached(spec: Arc<ResourceSpec>) -> Arc<Cache> {
        let (rev_tx, _) = watch::channel(0);
        let (progress_tx, _) = mpsc::channel(8);
        let prefix = spec.key_prefix("/registry");
        Arc::new(Cache {
            spec,
            prefix,
            state: Mutex::new(State::default()),
            rev_tx,
            progress_tx,
        })
    }

    pub fn spec(&self) -> &ResourceSpec {
        &self.spec
    }

    pub fn revision(&self) -> i64 {
        self.state.lock().rev
    }

    pub fn len(&self) -> usize {
        self.state.lock().objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until the cache reflects `rev`, asking etcd for a progress notification when it is quiet.
    /// The revision the cache has seen everything up to.
    pub fn rev(&self) -> i64 {
        *self.rev_tx.borrow()
    }

    pub async fn wait_for(&self, rev: i64, timeout: Duration) -> Result<(), CacheError> {
        let mut rx = self.rev_tx.subscribe();
        if *rx.borrow() >= rev {
            return Ok(());
        }
        let _ = self.progress_tx.try_send(());
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if *rx.borrow_and_update() >= rev {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    return Err(CacheError::TooLarge {
                        requested: rev,
                        current: *rx.borrow(),
                    });
                }
            }
        }
    }

    /// The objects under `start_key..` in key order (all when `start_key` is empty).
    pub fn snapshot(&self, start_key: &str, range_prefix: Option<&str>) -> Result<Snapshot, CacheError> {
        let state = self.state.lock();
        if !state.ready {
            return Err(CacheError::NotReady);
        }
        let from = if start_key.is_empty() {
            range_prefix.unwrap_or("")
        } else {
            start_key
        };
        let items = state
            .objects
            .range(from.to_string()..)
            .take_while(|(k, _)| range_prefix.is_none_or(|p| k.starts_with(p)))
            .map(|(_, v)| v.clone())
            .collect();
        Ok(Snapshot { rev: state.rev, items })
    }

    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        self.state.lock().objects.get(key).cloned()
    }

    /// Registers a watcher. With `from_rv == 0` it first gets the current matching objects as ADDED (when
    /// `initial` is set). Returns the receiver and the revision the initial state was taken at.
    pub fn watch(
        self: &Arc<Self>,
        from_rv: i64,
        initial: bool,
        filter: Filter,
    ) -> Result<(mpsc::Receiver<WatchItem>, i64, WatcherGuard), CacheError> {
        let mut state = self.state.lock();
        if !state.ready {
            return Err(CacheError::NotReady);
        }
        let fields = &self.spec.indexed_fields;
        let mut backlog: Vec<WatchItem> = Vec::new();
        if from_rv == 0 {
            if initial {
                backlog.extend(
                    state
                        .objects
                        .values()
                        .filter(|e| filter.matches(fields, e))
                        .map(|e| WatchItem {
                            kind: WatchEventType::Added,
                            obj: e.clone(),
                        }),
                );
            }
        } else {
            if from_rv < state.history_start {
                return Err(CacheError::TooOld {
                    requested: from_rv,
                    oldest: state.history_start,
                });
            }
            // A revision past the cache's (another resource's write, or this one's still on its way) starts the
            // watch there, as upstream's cacher does: later events up to it are skipped.
            for ev in state.history.iter().filter(|e| e.rv > from_rv) {
                if let Some(item) = filter_event(&filter, fields, ev) {
                    backlog.push(item);
                }
            }
        }
        let (tx, rx) = mpsc::channel(WATCHER_BUFFER.max(backlog.len() + 16));
        for item in backlog {
            let _ = tx.try_send(item);
        }
        let id = state.next_watcher;
        state.next_watcher += 1;
        let after = if from_rv > state.rev { from_rv } else { 0 };
        state.watchers.push(Watcher { id, filter, tx, after });
        let rev = state.rev.max(from_rv);
        Ok((
            rx,
            rev,
            WatcherGuard {
                cache: self.clone(),
                id,
            },
        ))
    }

    pub fn watcher_count(&self) -> usize {
        self.state.lock().watchers.len()
    }

    fn remove_watcher(&self, id: u64) {
        self.state.lock().watchers.retain(|w| w.id != id);
    }

    /// Applies one change and fans it out.
    fn apply(&self, ev: Event) {
        let mut state = self.state.lock();
        match ev.kind {
            WatchEventType::Deleted => {
                state.objects.remove(&ev.obj.key);
            }
            _ => {
                state.objects.insert(ev.obj.key.clone(), ev.obj.clone());
            }
        }
        state.rev = state.rev.max(ev.rv);
        let fields = &self.spec.indexed_fields;
        state.watchers.retain(
            |w| match filter_event(&w.filter, fields, &ev).filter(|_| ev.rv > w.after) {
                None => !w.tx.is_closed(),
                // A watcher whose buffer is full is disconnected: it re-watches from its last resourceVersion.
                Some(item) => w.tx.try_send(item).is_ok(),
            },
        );
        state.history.push_back(ev);
        while state.history.len() > HISTORY_CAPACITY {
            if let Some(old) = state.history.pop_front() {
                state.history_start = old.rv;
            }
        }
    }

    fn set_rev(&self, rev: i64) {
        let mut state = self.state.lock();
        if rev > state.rev {
            state.rev = rev;
        }
        let r = state.rev;
        drop(state);
        self.rev_tx.send_replace(r);
    }

    /// Replaces the whole state after a (re)list; existing watchers are disconnected.
    fn reset(&self, objects: BTreeMap<String, Arc<Entry>>, rev: i64) {
        let mut state = self.state.lock();
        state.objects = objects;
        state.rev = rev;
        state.history.clear();
        state.history_start = rev;
        state.watchers.clear();
        state.ready = true;
        drop(state);
        self.rev_tx.send_replace(rev);
    }
}

/// Unregisters its watcher when the watch request ends.
pub struct WatcherGuard {
    cache: Arc<Cache>,
    id: u64,
}

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        self.cache.remove_watcher(self.id);
    }
}

fn filter_event(filter: &Filter, fields: &[&'static str], ev: &Event) -> Option<WatchItem> {
    let cur = filter.matches(fields, &ev.obj);
    let prev = ev.prev.as_ref().is_some_and(|p| filter.matches(fields, p));
    let kind = match ev.kind {
        WatchEventType::Added => cur.then_some(WatchEventType::Added)?,
        WatchEventType::Deleted => (cur || prev).then_some(WatchEventType::Deleted)?,
        WatchEventType::Modified => match (prev, cur) {
            (true, true) => WatchEventType::Modified,
            (false, true) => WatchEventType::Added,
            (true, false) => WatchEventType::Deleted,
            (false, false) => return None,
        },
    };
    Some(WatchItem {
        kind,
        obj: ev.obj.clone(),
    })
}

/// The parts of a cache entry that do not depend on its revision, computed from the object a write encoded.
#[derive(Debug, Clone)]
pub struct Template {
    pub namespace: String,
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub fields: Vec<String>,
}

impl Template {
    pub fn of(indexed_fields: &[&'static str], obj: &Value) -> Template {
        Template {
            namespace: crate::object::namespace(obj).to_string(),
            name: crate::object::name(obj).to_string(),
            labels: crate::object::labels(obj),
            fields: indexed_fields
                .iter()
                .map(|f| crate::fieldsel::field_value(obj, f))
                .collect(),
        }
    }

    fn into_entry(self, key: &str, json: Bytes, rv: i64) -> Entry {
        Entry {
            key: key.to_string(),
            namespace: self.namespace,
            name: self.name,
            rv,
            json,
            labels: self.labels,
            fields: self.fields,
            proto: std::sync::OnceLock::new(),
            frames: Default::default(),
        }
    }
}

/// Writes this apiserver is making, with their entry templates: when a write's watch event arrives (before
/// or after the write's response), the cache recognizes the stored bytes and builds the entry from the
/// template instead of decoding the object into a JSON tree again, and the JSON of the stored object is
/// written once for both the response and the cache.
#[derive(Debug, Default)]
pub struct PendingWrites {
    map: Mutex<std::collections::HashMap<String, Arc<PendingWrite>>>,
}

/// One write in flight.
#[derive(Debug)]
pub struct PendingWrite {
    value: Bytes,
    template: Template,
    /// The stored object's JSON at the write's revision (the response's and the cache entry's).
    json: std::sync::OnceLock<Option<(i64, Bytes)>>,
}

impl PendingWrite {
    /// The JSON of the write at revision `rev`, written by whichever of the response and the cache asks first.
    pub fn json(&self, rev: i64, write: impl FnOnce() -> Option<Bytes>) -> Option<Bytes> {
        match self.json.get_or_init(|| write().map(|j| (rev, j))) {
            Some((r, j)) if *r == rev => Some(j.clone()),
            _ => None,
        }
    }
}

impl PendingWrites {
    const CAPACITY: usize = 8_192;

    /// Registers a write of `value` to `key`, before it is sent.
    pub fn put(&self, key: &str, value: Bytes, template: Template) -> Arc<PendingWrite> {
        let write = Arc::new(PendingWrite {
            value,
            template,
            json: std::sync::OnceLock::new(),
        });
        let mut map = self.map.lock();
        if map.len() >= Self::CAPACITY {
            // Events that never came (a relist skipped them): forget them rather than grow.
            map.clear();
        }
        map.insert(key.to_string(), write.clone());
        write
    }

    /// Forgets a write that failed.
    pub fn forget(&self, key: &str, value: &[u8]) {
        let mut map = self.map.lock();
        if map.get(key).is_some_and(|p| p.value == value) {
            map.remove(key);
        }
    }

    /// The write of exactly `value` to `key`, if this apiserver made it.
    fn take(&self, key: &str, value: &[u8]) -> Option<Arc<PendingWrite>> {
        let mut map = self.map.lock();
        if map.get(key).is_none_or(|p| p.value != value) {
            return None;
        }
        map.remove(key)
    }
}

pub fn make_entry(indexed_fields: &[&'static str], key: &str, obj: &Value, json: Bytes, rv: i64) -> Entry {
    Template::of(indexed_fields, obj).into_entry(key, json, rv)
}

/// An entry decoded the slow way: the object's JSON parsed back to read its labels and fields.
fn decoded_entry(indexed_fields: &[&'static str], key: &str, json: Bytes, rv: i64) -> Option<Entry> {
    let obj: Value = serde_json::from_slice(&json).ok()?;
    Some(make_entry(indexed_fields, key, &obj, json, rv))
}

async fn run(
    cache: Arc<Cache>,
    etcd: Etcd,
    decoder: Arc<Decoder>,
    pending: Arc<PendingWrites>,
    mut progress_rx: mpsc::Receiver<()>,
    ready_tx: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready_tx = Some(ready_tx);
    let end = prefix_end(&cache.prefix);
    loop {
        // List everything at one revision, in pages.
        let mut objects = BTreeMap::new();
        let mut rev = 0;
        let mut start = cache.prefix.clone();
        let listed = loop {
            match etcd.range(&start, &end, rev, 10_000).await {
                Ok(page) => {
                    if rev == 0 {
                        rev = page.revision;
                    }
                    for kv in &page.kvs {
                        if let Some(e) = decoder(&kv.key, &kv.value, kv.mod_revision)
                            .and_then(|json| decoded_entry(&cache.spec.indexed_fields, &kv.key, json, kv.mod_revision))
                        {
                            objects.insert(kv.key.clone(), Arc::new(e));
                        }
                    }
                    match (page.more, page.kvs.last()) {
                        (true, Some(last)) => start = format!("{}\0", last.key),
                        _ => break true,
                    }
                }
                Err(e) => {
                    tracing::warn!(prefix = %cache.prefix, error = %e, "watch cache list failed; retrying");
                    break false;
                }
            }
        };
        if !listed {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        cache.reset(objects, rev);
        if let Some(tx) = ready_tx.take() {
            let _ = tx.send(());
        }
        let opts = WatchOptions::new()
            .with_range(end.clone())
            .with_start_revision(rev + 1)
            .with_prev_key()
            .with_progress_notify();
        let mut stream = match etcd
            .client()
            .watch_client()
            .watch(cache.prefix.clone(), Some(opts))
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(prefix = %cache.prefix, error = %e, "watch cache: etcd watch failed; relisting");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let msg = tokio::select! {
                m = stream.message() => m,
                Some(()) = progress_rx.recv() => {
                    if etcd.reliable_progress() {
                        let _ = stream.request_progress().await;
                    }
                    continue;
                }
            };
            let resp = match msg {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(prefix = %cache.prefix, error = %e, "watch cache: etcd watch broke; relisting");
                    break;
                }
            };
            if resp.canceled() || resp.compact_revision() > 0 {
                tracing::info!(prefix = %cache.prefix, "watch cache: etcd watch canceled; relisting");
                break;
            }
            let header_rev = resp.header().map(|h| h.revision()).unwrap_or(0);
            let mut last_rev = 0;
            for ev in resp.events() {
                let Some(kv) = ev.kv() else { continue };
                last_rev = last_rev.max(kv.mod_revision());
                let key = String::from_utf8_lossy(kv.key()).into_owned();
                let prev = cache.get(&key);
                let event = match ev.event_type() {
                    EventType::Put => {
                        let rev = kv.mod_revision();
                        let entry = match pending.take(&key, kv.value()) {
                            Some(write) => {
                                let Some(json) = write.json(rev, || decoder(&key, kv.value(), rev)) else {
                                    continue;
                                };
                                write.template.clone().into_entry(&key, json, rev)
                            }
                            None => {
                                let Some(json) = decoder(&key, kv.value(), rev) else {
                                    continue;
                                };
                                match decoded_entry(&cache.spec.indexed_fields, &key, json, rev) {
                                    Some(e) => e,
                                    None => continue,
                                }
                            }
                        };
                        let entry = Arc::new(entry);
                        let kind = if kv.create_revision() == kv.mod_revision() || prev.is_none() {
                            WatchEventType::Added
                        } else {
                            WatchEventType::Modified
                        };
                        Event {
                            kind,
                            rv: kv.mod_revision(),
                            obj: entry,
                            prev,
                        }
                    }
                    EventType::Delete => {
                        let rev = kv.mod_revision();
                        // The last state, stamped with the deletion's revision. The cache's entry for that
                        // state has its labels and fields already.
                        let Some(last) = ev.prev_kv() else { continue };
                        let Some(json) = decoder(&key, last.value(), rev) else {
                            continue;
                        };
                        let entry = match &prev {
                            Some(p) if p.rv == last.mod_revision() => p.template().into_entry(&key, json, rev),
                            _ => match decoded_entry(&cache.spec.indexed_fields, &key, json, rev) {
                                Some(e) => e,
                                None => continue,
                            },
                        };
                        let entry = Arc::new(entry);
                        Event {
                            kind: WatchEventType::Deleted,
                            rv: rev,
                            obj: entry,
                            prev,
                        }
                    }
                };
                cache.apply(event);
            }
            // Only a progress notification (no events, not the creation answer) says every event up to its
            // header revision has been sent. The creation answer carries the store's current revision while
            // the events since the list may still be on their way, and an event batch's header may run ahead
            // of events etcd sends in later batches.
            if resp.events().is_empty() {
                if !resp.created() && etcd.reliable_progress() {
                    cache.set_rev(header_rev);
                }
            } else {
                cache.set_rev(last_rev);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, labels: &[(&str, &str)]) -> Arc<Entry> {
        Arc::new(Entry {
            key: format!("/registry/pods/default/{name}"),
            namespace: "default".into(),
            name: name.into(),
            rv: 1,
            json: Bytes::new(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            fields: vec![],
            proto: std::sync::OnceLock::new(),
            frames: Default::default(),
        })
    }

    fn configmaps() -> Arc<ResourceSpec> {
        Arc::new(
            crate::resource::all()
                .into_iter()
                .find(|r| r.info.plural == "configmaps")
                .unwrap(),
        )
    }

    fn put(cache: &Cache, name: &str, rv: i64, kind: WatchEventType) {
        let obj = Arc::new(Entry {
            rv,
            ..(*entry(name, &[])).clone_shallow()
        });
        let prev = cache.get(&obj.key);
        cache.apply(Event { kind, rv, obj, prev });
    }

    impl Entry {
        fn clone_shallow(&self) -> Entry {
            Entry {
                key: self.key.clone(),
                namespace: self.namespace.clone(),
                name: self.name.clone(),
                rv: self.rv,
                json: self.json.clone(),
                labels: self.labels.clone(),
                fields: vec![String::new(); 2],
                proto: std::sync::OnceLock::new(),
                frames: Default::default(),
            }
        }
    }

    #[test]
    fn watch_from_a_resource_version_replays_only_later_events() {
        let cache = Cache::detached(configmaps());
        cache.reset(BTreeMap::new(), 10);
        put(&cache, "a", 11, WatchEventType::Added);
        put(&cache, "b", 12, WatchEventType::Added);
        put(&cache, "a", 13, WatchEventType::Modified);
        let (mut rx, _, _g) = cache.watch(11, false, Filter::default()).unwrap();
        let got: Vec<(WatchEventType, i64)> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|i| (i.kind, i.obj.rv))
            .collect();
        assert_eq!(got, [(WatchEventType::Added, 12), (WatchEventType::Modified, 13)]);
        // Events after registration arrive live.
        put(&cache, "b", 14, WatchEventType::Deleted);
        assert_eq!(rx.try_recv().unwrap().kind, WatchEventType::Deleted);
    }

    #[test]
    fn watch_from_zero_sends_current_state_as_added() {
        let cache = Cache::detached(configmaps());
        cache.reset(BTreeMap::new(), 1);
        put(&cache, "a", 2, WatchEventType::Added);
        put(&cache, "a", 3, WatchEventType::Modified);
        let (mut rx, rev, _g) = cache.watch(0, true, Filter::default()).unwrap();
        assert_eq!(rev, 3);
        let first = rx.try_recv().unwrap();
        assert_eq!((first.kind, first.obj.rv), (WatchEventType::Added, 3));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn too_old_versions_are_refused_and_future_ones_start_there() {
        let cache = Cache::detached(configmaps());
        cache.reset(BTreeMap::new(), 100);
        assert_eq!(
            cache.watch(99, false, Filter::default()).err(),
            Some(CacheError::TooOld {
                requested: 99,
                oldest: 100
            })
        );
        assert!(cache.watch(100, false, Filter::default()).is_ok());
        // A revision the cache has not reached (another resource's write): events up to it are skipped.
        let (mut rx, start, _g) = cache.watch(102, false, Filter::default()).unwrap();
        assert_eq!(start, 102);
        put(&cache, "a", 101, WatchEventType::Added);
        put(&cache, "b", 102, WatchEventType::Added);
        put(&cache, "c", 103, WatchEventType::Added);
        let got = rx.try_recv().unwrap();
        assert_eq!((got.obj.name.as_str(), got.obj.rv), ("c", 103));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn a_watcher_that_falls_behind_is_disconnected() {
        let cache = Cache::detached(configmaps());
        cache.reset(BTreeMap::new(), 1);
        let (mut rx, _, _g) = cache.watch(0, false, Filter::default()).unwrap();
        for i in 0..(WATCHER_BUFFER as i64 + 10) {
            put(&cache, &format!("o{i}"), 2 + i, WatchEventType::Added);
        }
        assert_eq!(cache.watcher_count(), 0, "the slow watcher was dropped");
        let mut n = 0;
        while rx.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, WATCHER_BUFFER, "it got what fit, then its stream ended");
    }

    #[test]
    fn selector_transitions_become_added_and_deleted() {
        let filter = Filter {
            labels: Some(LabelSelector::parse("app=web").unwrap()),
            ..Default::default()
        };
        let web = entry("a", &[("app", "web")]);
        let db = entry("a", &[("app", "db")]);
        let ev = |kind, obj: &Arc<Entry>, prev: Option<&Arc<Entry>>| Event {
            kind,
            rv: 2,
            obj: obj.clone(),
            prev: prev.cloned(),
        };
        let k = |e: Event| filter_event(&filter, &[], &e).map(|i| i.kind);
        assert_eq!(
            k(ev(WatchEventType::Modified, &web, Some(&db))),
            Some(WatchEventType::Added)
        );
        assert_eq!(
            k(ev(WatchEventType::Modified, &db, Some(&web))),
            Some(WatchEventType::Deleted)
        );
        assert_eq!(k(ev(WatchEventType::Modified, &db, Some(&db))), None);
        assert_eq!(k(ev(WatchEventType::Deleted, &db, Some(&db))), None);
        assert_eq!(
            k(ev(WatchEventType::Deleted, &web, Some(&web))),
            Some(WatchEventType::Deleted)
        );
    }
}

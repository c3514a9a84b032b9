//! WATCH: a chunked stream of events from the watch cache, as JSON lines or length-prefixed protobuf frames.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrokube_apimachinery::status::Status;
use http_body_util::{BodyExt, StreamBody};
use hyper::Response;
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::Body;
use super::rest::list_options;
use crate::apiserver::{ApiResult, Apiserver};
use crate::cache::{CacheError, Entry, WatchEventType};
use crate::codec::{self, Format, Target};
use crate::request::{Query, RequestInfo};
use crate::resource::ResourceSpec;

/// The most event bytes coalesced into one body chunk.
const MAX_CHUNK: usize = 256 * 1024;

/// How often a watcher that allows bookmarks gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

pub async fn watch(
    api: &Arc<Apiserver>,
    spec: &Arc<ResourceSpec>,
    info: &RequestInfo,
    query: &Query,
    target: Target,
) -> ApiResult<Response<Body>> {
    let opts = list_options(spec, info, query)?;
    let rv_param = query.str("resourceVersion");
    let send_initial = query.get("sendInitialEvents").map(|v| v == "true");
    let bookmarks = query.bool("allowWatchBookmarks");
    if send_initial.is_some() {
        if query.str("resourceVersionMatch") != "NotOlderThan" {
            return Err(Status::failure(
                422,
                ferrokube_apimachinery::status::StatusReason::Invalid,
                "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
            ));
        }
        if send_initial == Some(true) && !bookmarks {
            return Err(Status::failure(
                422,
                ferrokube_apimachinery::status::StatusReason::Invalid,
                "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is true",
            ));
        }
    }
    let rv: i64 = if rv_param.is_empty() {
        0
    } else {
        rv_param
            .parse()
            .map_err(|_| Status::bad_request(format!("invalid resource version: {rv_param}")))?
    };
    let timeout = match query.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()) {
        Some(t) if t > 0 => Duration::from_secs(t),
        // Upstream picks a random duration between --min-request-timeout (1800 s) and twice that.
        _ => Duration::from_secs(1800 + fastrand::u64(0..1800)),
    };
    let cache = api.cache(spec).await;
    let (from, initial) = match send_initial {
        Some(true) => {
            // Watch-list: the state at a revision not older than rv (the current one when rv is unset).
            let want = if rv == 0 {
                api.etcd.current_revision().await.unwrap_or(0)
            } else {
                rv
            };
            let _ = cache.wait_for(want, Duration::from_secs(3)).await;
            (0, true)
        }
        Some(false) => (rv, false),
        None => (rv, rv == 0),
    };
    let (rx, start_rev, guard) = cache.watch(from, initial, opts.filter.clone()).map_err(|e| match e {
        CacheError::TooOld { .. } => Status::resource_expired(e.to_string()),
        CacheError::TooLarge { .. } => Status::timeout(&e.to_string(), 1),
        CacheError::NotReady => Status::service_unavailable(e.to_string()),
    })?;
    let watchers = api
        .metrics
        .watchers
        .get_or_create(&crate::metrics::WatcherLabels {
            group: spec.info.group.to_string(),
            version: spec.info.version.to_string(),
            kind: spec.info.kind.to_string(),
        })
        .clone();
    watchers.inc();
    // The body polls the watcher's channel directly: no task and no second channel per watcher, and hyper
    // asks for the next chunk only when the connection can take it.
    let state = StreamState {
        rx,
        spec: spec.clone(),
        cache,
        target,
        bookmarks,
        initial_pending: send_initial == Some(true),
        start_rev,
        last_rv: start_rev,
        deadline: Box::pin(tokio::time::sleep(timeout)),
        bookmark_timer: tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_INTERVAL, BOOKMARK_INTERVAL),
        _registration: Registration {
            _guard: guard,
            watchers,
        },
    };
    let stream = futures::stream::unfold(state, |mut st| async move {
        let chunk = st.next_chunk().await?;
        Some((Ok::<_, std::io::Error>(Frame::data(chunk)), st))
    });
    let body = StreamBody::new(stream).boxed();
    let content_type = match target.format {
        Format::Protobuf => "application/vnd.kubernetes.protobuf;stream=watch",
        Format::Yaml | Format::Json => codec::JSON,
    };
    let mut resp = Response::new(body);
    resp.headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    Ok(resp)
}

/// Unregisters the watcher and decrements `apiserver_registered_watchers` when the response ends.
struct Registration {
    _guard: crate::cache::WatcherGuard,
    watchers: prometheus_client::metrics::gauge::Gauge,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.watchers.dec();
    }
}

/// One watch response's progress.
struct StreamState {
    rx: mpsc::Receiver<crate::cache::WatchItem>,
    spec: Arc<ResourceSpec>,
    cache: Arc<crate::cache::Cache>,
    target: Target,
    bookmarks: bool,
    /// A watch-list whose initial events still need their closing bookmark.
    initial_pending: bool,
    start_rev: i64,
    last_rv: i64,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
    bookmark_timer: tokio::time::Interval,
    _registration: Registration,
}

impl StreamState {
    /// The next bytes to send, or `None` when the watch ends (timeout, or the cache dropped the watcher).
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            // After the initial ADDED events of a watch-list, mark their end with a bookmark.
            if self.initial_pending && self.rx.is_empty() {
                self.initial_pending = false;
                return Some(encode_bookmark(&self.spec, self.start_rev, true, self.target.format));
            }
            tokio::select! {
                item = self.rx.recv() => {
                    // None: the cache disconnected this watcher (it fell behind, or the cache relisted).
                    let item = item?;
                    // Everything already queued goes out in one chunk: one write (and one TLS record) for
                    // many events when the watcher is busy.
                    let mut chunk = bytes::BytesMut::new();
                    let mut next = Some(item);
                    while let Some(item) = next.take() {
                        self.last_rv = self.last_rv.max(item.obj.rv);
                        let frame = match self.target.as_ {
                            crate::codec::As::Object => encode_event(&self.spec, item.kind, &item.obj, self.target.format),
                            _ => encode_converted(&self.spec, item.kind, &item.obj, self.target),
                        };
                        if let Some(frame) = frame {
                            chunk.extend_from_slice(&frame);
                        }
                        if chunk.len() < MAX_CHUNK {
                            next = self.rx.try_recv().ok();
                        }
                    }
                    if !chunk.is_empty() {
                        return Some(chunk.freeze());
                    }
                }
                _ = self.bookmark_timer.tick(), if self.bookmarks => {
                    let rev = self.cache.revision().max(self.last_rv);
                    return Some(encode_bookmark(&self.spec, rev, false, self.target.format));
                }
                () = &mut self.deadline => return None,
            }
        }
    }
}

fn encode_event(spec: &ResourceSpec, kind: WatchEventType, obj: &Entry, format: Format) -> Option<Bytes> {
    match format {
        Format::Protobuf => {
            let envelope = obj
                .proto
                .get_or_init(|| {
                    let v: Value = serde_json::from_slice(&obj.json).ok()?;
                    let v = crate::convert::from_storage(spec, v);
                    crate::wire::encode(spec, &v).ok().map(Bytes::from)
                })
                .clone()?;
            Some(Bytes::from(crate::wire::watch_frame(kind.as_str(), &envelope)))
        }
        _ if spec.is_storage_version() => Some(
            obj.frames[kind.index()]
                .get_or_init(|| {
                    let mut out = Vec::with_capacity(obj.json.len() + 32);
                    out.extend_from_slice(b"{\"type\":\"");
                    out.extend_from_slice(kind.as_str().as_bytes());
                    out.extend_from_slice(b"\",\"object\":");
                    out.extend_from_slice(&obj.json);
                    out.extend_from_slice(b"}\n");
                    Bytes::from(out)
                })
                .clone(),
        ),
        _ => {
            let mut out = Vec::with_capacity(obj.json.len() + 32);
            out.extend_from_slice(b"{\"type\":\"");
            out.extend_from_slice(kind.as_str().as_bytes());
            out.extend_from_slice(b"\",\"object\":");
            if spec.is_storage_version() {
                out.extend_from_slice(&obj.json);
            } else {
                let v: Value = serde_json::from_slice(&obj.json).ok()?;
                ferrokube_apischema::write_go_json(&crate::convert::from_storage(spec, v), &mut out);
            }
            out.extend_from_slice(b"}\n");
            Some(Bytes::from(out))
        }
    }
}

/// A watch event whose object is rendered as a Table (`kubectl get -w`) or as PartialObjectMetadata.
fn encode_converted(spec: &ResourceSpec, kind: WatchEventType, obj: &Entry, target: Target) -> Option<Bytes> {
    let v: Value = serde_json::from_slice(&obj.json).ok()?;
    let v = crate::convert::from_storage(spec, v);
    let converted = match target.as_ {
        crate::codec::As::Table => crate::tables::table(spec, std::slice::from_ref(&v), None, None, target),
        _ => super::rest::partial_metadata(&v, target.meta_version),
    };
    Some(Bytes::from(crate::codec::watch_event_json(kind.as_str(), &converted)))
}

fn encode_bookmark(spec: &ResourceSpec, rev: i64, initial_events_end: bool, format: Format) -> Bytes {
    let mut meta = serde_json::Map::new();
    meta.insert("resourceVersion".into(), json!(rev.to_string()));
    if initial_events_end {
        meta.insert("annotations".into(), json!({"k8s.io/initial-events-end": "true"}));
    }
    let obj = json!({"kind": spec.info.kind, "apiVersion": spec.info.api_version(), "metadata": meta});
    match format {
        Format::Protobuf => match crate::wire::encode(spec, &obj) {
            Ok(envelope) => Bytes::from(crate::wire::watch_frame("BOOKMARK", &envelope)),
            Err(_) => Bytes::new(),
        },
        _ => Bytes::from(crate::codec::watch_event_json("BOOKMARK", &obj)),
    }
}

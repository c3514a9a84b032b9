//! Shared helpers for the compatibility suites: the two-backend test macro,
//! server start-up, and compact renderings of etcd responses for exact asserts.

use std::time::Duration;

use etcd_client::{Client, Error, KeyValue, WatchOptions, WatchResponse, WatchStream};
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

/// Generates, for every listed scenario, one test against real etcd
/// (`etcd::<module>::<name>`) and one against etcd-shim (`shim::<module>::<name>`).
/// Each scenario is `async fn <name>(backend: Backend)` in `crate::<module>`.
macro_rules! compat_tests {
    ($($module:ident { $($name:ident),* $(,)? })*) => {
        mod etcd {
            $(
                mod $module {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $name() {
                            crate::support::bounded(crate::$module::$name(ferrokube_e2e::etcd::Backend::Etcd)).await
                        }
                    )*
                }
            )*
        }
        mod shim {
            $(
                mod $module {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $name() {
                            crate::support::bounded(crate::$module::$name(ferrokube_e2e::etcd::Backend::Shim(
                                std::path::PathBuf::from(env!("CARGO_BIN_EXE_etcd-shim")),
                            )))
                            .await
                        }
                    )*
                }
            )*
        }
    };
}

/// Upper bound for one scenario, so a server that stops answering fails the
/// test instead of hanging the run.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a scenario under [`SCENARIO_TIMEOUT`].
pub async fn bounded(scenario: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(SCENARIO_TIMEOUT, scenario).await.is_err() {
        panic!("scenario did not finish within {SCENARIO_TIMEOUT:?}");
    }
}

/// How long to wait for a watch message that must arrive.
pub const WATCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts `backend` with `args` and connects one client.
pub async fn start(backend: Backend, args: &[&str]) -> (EtcdServer, Client) {
    let server = EtcdServer::start(backend, args).await.expect("server starts");
    let client = server.client().await.expect("client connects");
    (server, client)
}

/// The gRPC code and message of a failed call; panics on success or a non-gRPC error.
#[track_caller]
pub fn grpc_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (Code, String) {
    match result {
        Ok(v) => panic!("expected a gRPC error, got Ok({v:?})"),
        Err(Error::GRpcStatus(s)) => (s.code(), s.message().to_string()),
        Err(e) => panic!("expected a gRPC status, got {e}"),
    }
}

/// Asserts that `result` is a gRPC error with exactly this code and message.
#[track_caller]
pub fn assert_grpc_error<T: std::fmt::Debug>(result: Result<T, Error>, code: Code, message: &str) {
    assert_eq!(grpc_error(result), (code, message.to_string()));
}

/// The store revision in a response header (panics when the header is missing).
pub fn rev(header: Option<&etcd_client::ResponseHeader>) -> i64 {
    header.expect("response has a header").revision()
}

/// A key-value pair with every field, for exact comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kv {
    pub key: String,
    pub value: String,
    pub create: i64,
    pub modified: i64,
    pub version: i64,
    pub lease: i64,
}

/// Shorthand constructor for an expected [`Kv`] without a lease.
pub fn kv(key: &str, value: &str, create: i64, modified: i64, version: i64) -> Kv {
    Kv {
        key: key.into(),
        value: value.into(),
        create,
        modified,
        version,
        lease: 0,
    }
}

impl From<&KeyValue> for Kv {
    fn from(k: &KeyValue) -> Self {
        Kv {
            key: String::from_utf8_lossy(k.key()).into_owned(),
            value: String::from_utf8_lossy(k.value()).into_owned(),
            create: k.create_revision(),
            modified: k.mod_revision(),
            version: k.version(),
            lease: k.lease(),
        }
    }
}

pub fn kvs(list: &[KeyValue]) -> Vec<Kv> {
    list.iter().map(Kv::from).collect()
}

pub fn keys(list: &[KeyValue]) -> Vec<String> {
    list.iter()
        .map(|k| String::from_utf8_lossy(k.key()).into_owned())
        .collect()
}

/// A watch event, flattened: `("PUT"|"DELETE", kv, prev_kv)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev {
    pub kind: &'static str,
    pub kv: Kv,
    pub prev: Option<Kv>,
}

pub fn put_ev(kv: Kv) -> Ev {
    Ev {
        kind: "PUT",
        kv,
        prev: None,
    }
}

/// A DELETE event as etcd reports it: only key and mod_revision are set.
pub fn del_ev(key: &str, revision: i64) -> Ev {
    Ev {
        kind: "DELETE",
        kv: Kv {
            key: key.into(),
            value: String::new(),
            create: 0,
            modified: revision,
            version: 0,
            lease: 0,
        },
        prev: None,
    }
}

pub fn events(resp: &WatchResponse) -> Vec<Ev> {
    resp.events()
        .iter()
        .map(|e| Ev {
            kind: match e.event_type() {
                etcd_client::EventType::Put => "PUT",
                etcd_client::EventType::Delete => "DELETE",
            },
            kv: Kv::from(e.kv().expect("event has a kv")),
            prev: e.prev_kv().map(Kv::from),
        })
        .collect()
}

/// The next message on a watch stream, failing after [`WATCH_TIMEOUT`].
pub async fn next_msg(stream: &mut WatchStream) -> WatchResponse {
    match tokio::time::timeout(WATCH_TIMEOUT, stream.message()).await {
        Ok(Ok(Some(m))) => m,
        Ok(Ok(None)) => panic!("watch stream ended"),
        Ok(Err(e)) => panic!("watch stream failed: {e}"),
        Err(_) => panic!("no watch message within {WATCH_TIMEOUT:?}"),
    }
}

/// The next message if one arrives within `wait`.
pub async fn maybe_msg(stream: &mut WatchStream, wait: Duration) -> Option<WatchResponse> {
    match tokio::time::timeout(wait, stream.message()).await {
        Ok(Ok(Some(m))) => Some(m),
        Ok(Ok(None)) => panic!("watch stream ended"),
        Ok(Err(e)) => panic!("watch stream failed: {e}"),
        Err(_) => None,
    }
}

/// Opens a watch stream with one watcher and returns it with the created response.
pub async fn open_watch(client: &Client, key: &str, opts: Option<WatchOptions>) -> (WatchStream, WatchResponse) {
    let mut stream = client
        .watch_client()
        .watch(key, opts)
        .await
        .expect("watch stream opens");
    let created = next_msg(&mut stream).await;
    assert!(
        created.created(),
        "first watch message must be the created response: {created:?}"
    );
    (stream, created)
}

/// Adds a watcher to an open stream and returns its created response.
pub async fn add_watch(stream: &mut WatchStream, key: &str, opts: Option<WatchOptions>) -> WatchResponse {
    stream.watch(key, opts).await.expect("watch request sent");
    let created = next_msg(stream).await;
    assert!(created.created(), "expected a created response: {created:?}");
    created
}

/// Current store revision, read with a Status call.
pub async fn current_rev(client: &mut Client) -> i64 {
    rev(client.status().await.expect("status").header())
}

/// A plain HTTP/1.1 GET; returns the status code and the body.
pub async fn http_get(base: &str, path: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("metrics endpoint accepts connections");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WATCH_TIMEOUT, s.read_to_end(&mut buf))
        .await
        .expect("http response in time")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad response {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

//! etcd's KV service (Range, Txn, Put) as unary gRPC calls straight on one HTTP/2 connection.
//!
//! Every read and write of the apiserver is one of these calls, and under load the generic gRPC stack
//! (tower buffers, a task hop per call, interceptors) cost about as much CPU as the rest of a GET. This
//! client frames the protobuf messages itself and sends them with `h2`: one stream per call, no extra task, and
//! the frames of calls made at the same time share a write (see [`Unvectored`]).
//! Watches and leases still use `etcd-client`. A broken connection is replaced on the next call; a call
//! that fails before its request was sent is retried once on a new connection (nothing reached etcd).

use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use ferrokube_proto::etcdserverpb::{PutRequest, PutResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse};
use h2::client::SendRequest;
use http::uri::Authority;
use prost::Message;
use tokio::net::TcpStream;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("connecting to etcd at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("etcd connection failed: {0}")]
    Transport(String),
    /// etcd answered with a gRPC error status.
    #[error("etcd: {message} (grpc status {code})")]
    Status { code: u32, message: String },
    #[error("etcd sent an undecodable response: {0}")]
    Decode(String),
}

/// A KV client on one HTTP/2 connection to the first reachable endpoint.
#[derive(Clone)]
pub struct KvClient {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Vec<String>,
    conn: tokio::sync::RwLock<Option<(SendRequest<Bytes>, Authority)>>,
}

/// Per-stream and per-connection receive windows: large enough that a 10k-object range streams without
/// waiting for window updates.
const STREAM_WINDOW: u32 = 4 << 20;
const CONNECTION_WINDOW: u32 = 16 << 20;
/// Largest response accepted (etcd's own default max receive size is 2 GiB; a range of 50k pods is ~50 MiB).
const MAX_RESPONSE: usize = 512 << 20;

impl KvClient {
    /// Connects to the first endpoint (`host:port`, optionally `http://host:port`) that answers.
    pub async fn connect(endpoints: &[String]) -> Result<KvClient, KvError> {
        let client = KvClient {
            inner: Arc::new(Inner {
                endpoints: endpoints
                    .iter()
                    .map(|e| e.trim_start_matches("http://").to_string())
                    .collect(),
                conn: tokio::sync::RwLock::new(None),
            }),
        };
        client.reconnect(None).await?;
        Ok(client)
    }

    /// Replaces the connection, unless someone replaced `broken` already.
    async fn reconnect(&self, broken: Option<&SendRequest<Bytes>>) -> Result<(SendRequest<Bytes>, Authority), KvError> {
        let mut slot = self.inner.conn.write().await;
        // Someone else replaced the broken connection already.
        if let (Some(current), Some(_)) = (slot.as_ref(), broken)
            && !is_broken(&current.0)
        {
            return Ok(current.clone());
        }
        let mut last = None;
        for endpoint in &self.inner.endpoints {
            match open(endpoint).await {
                Ok((send, authority)) => {
                    let conn = (send, authority);
                    *slot = Some(conn.clone());
                    return Ok(conn);
                }
                Err(e) => last = Some(e),
            }
        }
        *slot = None;
        Err(last.unwrap_or_else(|| KvError::Connect {
            endpoint: String::new(),
            reason: "no etcd endpoints".into(),
        }))
    }

    async fn connection(&self) -> Result<(SendRequest<Bytes>, Authority), KvError> {
        if let Some(conn) = self.inner.conn.read().await.as_ref() {
            return Ok(conn.clone());
        }
        self.reconnect(None).await
    }

    pub async fn range(&self, req: &RangeRequest) -> Result<RangeResponse, KvError> {
        self.unary("/etcdserverpb.KV/Range", req).await
    }

    pub async fn txn(&self, req: &TxnRequest) -> Result<TxnResponse, KvError> {
        self.unary("/etcdserverpb.KV/Txn", req).await
    }

    pub async fn put(&self, req: &PutRequest) -> Result<PutResponse, KvError> {
        self.unary("/etcdserverpb.KV/Put", req).await
    }

    async fn unary<Req: Message, Resp: Message + Default>(
        &self,
        path: &'static str,
        req: &Req,
    ) -> Result<Resp, KvError> {
        let len = req.encoded_len();
        let mut frame = BytesMut::with_capacity(5 + len);
        frame.put_u8(0);
        frame.put_u32(len as u32);
        // Encoding into a buffer of the right capacity cannot fail.
        let _ = req.encode(&mut frame);
        let frame = frame.freeze();
        let (mut send, mut authority) = self.connection().await?;
        let mut retried = false;
        let (response, mut stream) = loop {
            let started = match send.clone().ready().await {
                Ok(mut ready) => ready
                    .send_request(request(&authority, path), false)
                    .map_err(|e| KvError::Transport(e.to_string())),
                Err(e) => Err(KvError::Transport(e.to_string())),
            };
            match started {
                Ok(started) => break started,
                // Nothing was sent: one retry on a fresh connection is safe for every call.
                Err(_) if !retried => {
                    retried = true;
                    (send, authority) = self.reconnect(Some(&send)).await?;
                }
                Err(e) => return Err(e),
            }
        };
        stream
            .send_data(frame, true)
            .map_err(|e| KvError::Transport(e.to_string()))?;
        let response = response.await.map_err(|e| KvError::Transport(e.to_string()))?;
        let (parts, mut body) = response.into_parts();
        // A trailers-only response carries the gRPC status in its headers.
        if let Some(err) = grpc_error(&parts.headers) {
            return Err(err);
        }
        let mut data = BytesMut::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.map_err(|e| KvError::Transport(e.to_string()))?;
            let _ = body.flow_control().release_capacity(chunk.len());
            if data.len() + chunk.len() > MAX_RESPONSE {
                return Err(KvError::Decode(format!("response larger than {MAX_RESPONSE} bytes")));
            }
            if data.is_empty() {
                data = BytesMut::from(chunk);
            } else {
                data.extend_from_slice(&chunk);
            }
        }
        let trailers = body.trailers().await.map_err(|e| KvError::Transport(e.to_string()))?;
        if let Some(err) = trailers.as_ref().and_then(grpc_error) {
            return Err(err);
        }
        if !parts.status.is_success() {
            return Err(KvError::Transport(format!("HTTP status {}", parts.status)));
        }
        let mut data = data.freeze();
        if data.len() < 5 {
            return Err(KvError::Decode("no message in the response".into()));
        }
        if data.get_u8() != 0 {
            return Err(KvError::Decode("compressed responses are not supported".into()));
        }
        let len = data.get_u32() as usize;
        if data.len() < len {
            return Err(KvError::Decode("truncated message".into()));
        }
        Resp::decode(data.slice(..len)).map_err(|e| KvError::Decode(e.to_string()))
    }
}

/// Whether the connection behind this handle is gone (a readiness check that fails at once).
fn is_broken(send: &SendRequest<Bytes>) -> bool {
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    matches!(send.clone().poll_ready(&mut cx), std::task::Poll::Ready(Err(_)))
}

fn request(authority: &Authority, path: &'static str) -> http::Request<()> {
    let mut req = http::Request::new(());
    *req.method_mut() = http::Method::POST;
    let mut uri = http::uri::Parts::default();
    uri.scheme = Some(http::uri::Scheme::HTTP);
    uri.authority = Some(authority.clone());
    uri.path_and_query = Some(http::uri::PathAndQuery::from_static(path));
    *req.uri_mut() = http::Uri::from_parts(uri).unwrap_or_default();
    let headers = req.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));
    req
}

fn grpc_error(headers: &http::HeaderMap) -> Option<KvError> {
    let code: u32 = headers.get("grpc-status")?.to_str().ok()?.parse().ok()?;
    if code == 0 {
        return None;
    }
    let message = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    Some(KvError::Status { code, message })
}

/// gRPC percent-encodes non-printable bytes of `grpc-message`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn open(endpoint: &str) -> Result<(SendRequest<Bytes>, Authority), KvError> {
    let err = |reason: String| KvError::Connect {
        endpoint: endpoint.to_string(),
        reason,
    };
    let authority: Authority = endpoint
        .parse()
        .map_err(|e: http::uri::InvalidUri| err(e.to_string()))?;
    let tcp = TcpStream::connect(endpoint).await.map_err(|e| err(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    let vectored = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (send, connection) = h2::client::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_frame_size(1 << 20)
        .handshake::<_, Bytes>(Unvectored {
            tcp,
            vectored: vectored.clone(),
        })
        .await
        .map_err(|e| err(e.to_string()))?;
    vectored.store(true, std::sync::atomic::Ordering::Relaxed);
    let endpoint = endpoint.to_string();
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(%endpoint, error = %e, "etcd KV connection closed");
        }
    });
    Ok((send, authority))
}

/// The TCP stream as h2 sees it. h2 picks, once when the connection is made, which DATA payloads it writes
/// from their own buffers rather than copying them into its write buffer: over 256 bytes on a stream that
/// writes vectors, over 1 KiB on one that does not. A payload of its own is written on its own, so with the
/// lower threshold every create or update (a few hundred bytes and up) costs a write, and etcd a read.
/// This stream says it cannot write vectors until the handshake is done, so payloads under 1 KiB are copied
/// and the frames of calls made at the same time share a write; after that it writes vectors again, so a
/// larger payload still goes out in one `writev` with the frames before it. (If h2 asked on every write,
/// this would only lose the batching.)
struct Unvectored {
    tcp: TcpStream,
    vectored: Arc<std::sync::atomic::AtomicBool>,
}

impl tokio::io::AsyncRead for Unvectored {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Unvectored {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.vectored.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_messages_are_percent_decoded() {
        assert_eq!(
            percent_decode("etcdserver: requested lease not found%0A"),
            "etcdserver: requested lease not found\n"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
    }

    #[test]
    fn errors_come_from_grpc_status_headers() {
        let mut h = http::HeaderMap::new();
        assert!(grpc_error(&h).is_none());
        h.insert("grpc-status", http::HeaderValue::from_static("0"));
        assert!(grpc_error(&h).is_none());
        h.insert("grpc-status", http::HeaderValue::from_static("11"));
        h.insert(
            "grpc-message",
            http::HeaderValue::from_static("etcdserver: mvcc: required revision is a future revision"),
        );
        match grpc_error(&h) {
            Some(KvError::Status { code: 11, message }) => assert!(message.contains("future revision")),
            other => panic!("unexpected {other:?}"),
        }
    }
}

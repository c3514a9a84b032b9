//! Forwarding of streaming requests to the next hop, as the apiserver does to a kubelet and a kubelet to
//! its runtime's streaming server: `exec`, `attach` and `portforward` are HTTP/1.1 upgrades (SPDY/3.1 or
//! WebSocket) negotiated end to end, so each hop passes the negotiation headers on, answers the client with
//! the next hop's answer, and after a `101 Switching Protocols` copies bytes both ways until either side
//! closes. Nothing in between parses the streams.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method, Request, Response, StatusCode, header};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// Request headers that carry an upgrade's negotiation.
const REQUEST_HEADERS: &[&str] = &[
    "connection",
    "upgrade",
    "x-stream-protocol-version",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
];

/// Response headers that carry the negotiated protocol back.
const RESPONSE_HEADERS: &[&str] = &[
    "connection",
    "upgrade",
    "x-stream-protocol-version",
    "sec-websocket-accept",
    "sec-websocket-protocol",
];

/// Whether the request asks to switch protocols (`Connection: Upgrade` and an `Upgrade` header).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// Whether the request is a WebSocket handshake.
pub fn is_websocket(headers: &HeaderMap) -> bool {
    is_upgrade(headers)
        && headers
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The request for the next hop: `method` on `path_and_query` at `authority`, carrying `incoming`'s
/// upgrade negotiation (and nothing else of it: credentials stay with the hop they were meant for).
pub fn next_hop_request(
    method: &Method,
    incoming: &HeaderMap,
    authority: &str,
    path_and_query: &str,
) -> Result<Request<Empty<Bytes>>, http::Error> {
    let mut req = Request::builder()
        .method(method.clone())
        .uri(path_and_query)
        .header(header::HOST, authority)
        .body(Empty::new())?;
    copy_headers(incoming, req.headers_mut(), REQUEST_HEADERS);
    Ok(req)
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap, names: &[&'static str]) {
    for name in names {
        let name = HeaderName::from_static(name);
        for v in from.get_all(&name) {
            to.append(name.clone(), v.clone());
        }
    }
}

/// Sends `req` on a new HTTP/1.1 connection over `io`. The connection stays usable for an upgrade.
pub async fn send<IO, B>(io: IO, req: Request<B>) -> Result<Response<Incoming>, hyper::Error>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!(error = %e, "upstream streaming connection ended");
        }
    });
    sender.send_request(req).await
}

/// After the next hop answered `101`: returns the answer for the client (the negotiated protocol's
/// headers) and spawns the copy between the client's connection, once upgraded by that answer, and the
/// next hop's.
pub fn splice(client: OnUpgrade, mut upstream: Response<Incoming>) -> Response<()> {
    let mut answer = Response::new(());
    *answer.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    copy_headers(upstream.headers(), answer.headers_mut(), RESPONSE_HEADERS);
    let next = hyper::upgrade::on(&mut upstream);
    tokio::spawn(async move {
        let (client, next) = match tokio::try_join!(client, next) {
            Ok(pair) => pair,
            Err(e) => {
                tracing::debug!(error = %e, "a streaming connection was not upgraded");
                return;
            }
        };
        let (mut a, mut b) = (TokioIo::new(client), TokioIo::new(next));
        match tokio::io::copy_bidirectional(&mut a, &mut b).await {
            Ok((up, down)) => tracing::debug!(up, down, "streaming connection closed"),
            Err(e) => tracing::debug!(error = %e, "streaming connection ended with an error"),
        }
    });
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrade_detection_and_forwarded_headers() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        assert!(!is_upgrade(&h), "no Upgrade header");
        h.insert(header::UPGRADE, "SPDY/3.1".parse().unwrap());
        assert!(is_upgrade(&h));
        assert!(!is_websocket(&h));
        h.append("x-stream-protocol-version", "v4.channel.k8s.io".parse().unwrap());
        h.append("x-stream-protocol-version", "v3.channel.k8s.io".parse().unwrap());
        h.insert(header::AUTHORIZATION, "Bearer secret".parse().unwrap());
        let req = next_hop_request(&Method::POST, &h, "10.0.0.1:10250", "/exec/ns/p/c?command=sh").unwrap();
        assert_eq!(req.uri(), "/exec/ns/p/c?command=sh");
        assert_eq!(req.headers()[header::HOST], "10.0.0.1:10250");
        assert_eq!(req.headers().get_all("x-stream-protocol-version").iter().count(), 2);
        assert!(
            req.headers().get(header::AUTHORIZATION).is_none(),
            "credentials stay behind"
        );
        h.insert(header::UPGRADE, "websocket".parse().unwrap());
        assert!(is_websocket(&h));
    }
}

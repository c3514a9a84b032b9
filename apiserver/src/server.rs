//! The HTTPS listener: TLS handshakes, HTTP/1.1 and HTTP/2 connections, and the request pipeline's outer
//! stages (authentication, in-flight limits, metrics) around the handlers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::apiserver::Apiserver;
use crate::auth::UserInfo;

pub type Body = BoxBody<Bytes, std::io::Error>;

/// Accepts connections until `shutdown` resolves.
pub async fn serve(
    api: Arc<Apiserver>,
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let api = api.clone();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let user = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .and_then(|c| UserInfo::from_client_certificate(c.as_ref()));
            let user = Arc::new(user);
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let api = api.clone();
                let user = user.clone();
                async move { Ok::<_, Infallible>(handle(api, req, user.as_ref().clone(), peer).await) }
            });
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // A client that never finishes its request headers is dropped, so stalled connections
            // cannot pile up.
            builder
                .http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(30));
            builder
                .http2()
                .timer(hyper_util::rt::TokioTimer::new())
                .keep_alive_interval(Some(std::time::Duration::from_secs(30)))
                .max_concurrent_streams(250);
            if let Err(e) = builder.serve_connection_with_upgrades(TokioIo::new(tls), service).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
}

async fn handle(
    api: Arc<Apiserver>,
    req: Request<Incoming>,
    user: Option<UserInfo>,
    _peer: SocketAddr,
) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = crate::request::Query::parse(req.uri().query());
    let info = crate::request::RequestInfo::parse(&method, &path, &query);
    let response = crate::handlers::dispatch(&api, req, user, &info, &query).await;
    crate::handlers::record(&api, &info, &query, response.status().as_u16(), started);
    response
}

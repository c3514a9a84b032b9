//! The operations endpoint every daemon exposes over plain HTTP: Prometheus
//! `/metrics` and a health check (`/health` as etcd names it, `/healthz`,
//! `/livez`, `/readyz` as Kubernetes components do).

use std::{net::SocketAddr, sync::Arc};

use axum::{Router, extract::State, http::StatusCode, http::header, response::IntoResponse, routing::get};
use prometheus_client::registry::Registry;

/// Reports whether the daemon is healthy, with a reason when it is not.
pub type HealthCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

#[derive(Clone)]
struct Ops {
    registry: Arc<Registry>,
    health: HealthCheck,
}

/// Errors starting the operations endpoint.
#[derive(Debug, thiserror::Error)]
pub enum OpsServerError {
    #[error("cannot listen on {addr} for metrics and health: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Binds `addr` and serves metrics and health until `shutdown` resolves.
/// Returns the bound address (useful when `addr` has port 0) and the server task.
pub async fn serve(
    addr: SocketAddr,
    registry: Arc<Registry>,
    health: HealthCheck,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), OpsServerError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| OpsServerError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| OpsServerError::Bind { addr, source })?;
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(etcd_health))
        .route("/healthz", get(k8s_health))
        .route("/livez", get(k8s_health))
        .route("/readyz", get(k8s_health))
        .with_state(Ops { registry, health });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!("metrics endpoint stopped: {e}");
        }
    });
    Ok((bound, task))
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, &ops.registry) {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("encoding metrics: {e}")).into_response(),
    }
}

/// etcd's shape: `{"health":"true","reason":""}`, 503 when unhealthy.
async fn etcd_health(State(ops): State<Ops>) -> impl IntoResponse {
    let (code, healthy, reason) = match (ops.health)() {
        Ok(()) => (StatusCode::OK, "true", String::new()),
        Err(r) => (StatusCode::SERVICE_UNAVAILABLE, "false", r),
    };
    let reason = reason.replace('\\', "\\\\").replace('"', "\\\"");
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"health\":\"{healthy}\",\"reason\":\"{reason}\"}}"),
    )
}

/// Kubernetes' shape: `ok`, or 500 with the failing reason.
async fn k8s_health(State(ops): State<Ops>) -> impl IntoResponse {
    match (ops.health)() {
        Ok(()) => (StatusCode::OK, "ok".to_string()),
        Err(r) => (StatusCode::INTERNAL_SERVER_ERROR, format!("unhealthy: {r}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_health_and_metrics() {
        let mut registry = Registry::default();
        let c = prometheus_client::metrics::counter::Counter::<u64>::default();
        c.inc();
        registry.register("demo_things", "things", c);
        let healthy = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let h = healthy.clone();
        let check: HealthCheck = Arc::new(move || {
            if h.load(std::sync::atomic::Ordering::SeqCst) {
                Ok(())
            } else {
                Err("disk \"gone\"".into())
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr, task) = serve("127.0.0.1:0".parse().unwrap(), Arc::new(registry), check, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
        let m = get(addr, "/metrics").await;
        assert!(m.contains("demo_things_total 1"), "{m}");
        assert!(get(addr, "/health").await.ends_with(r#"{"health":"true","reason":""}"#));
        healthy.store(false, std::sync::atomic::Ordering::SeqCst);
        let h = get(addr, "/health").await;
        assert!(h.starts_with("HTTP/1.1 503"), "{h}");
        assert!(h.ends_with(r#"{"health":"false","reason":"disk \"gone\""}"#), "{h}");
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 500"));
        tx.send(()).unwrap();
        task.await.unwrap();
    }
}

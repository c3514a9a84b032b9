//! etcd-shim: a server for the etcd v3 gRPC API (KV, Watch, Lease, Maintenance,
//! Cluster) on an embedded, durable SQLite store. See README.md for the design.

pub mod args;
pub mod background;
pub mod error;
pub mod metrics;
pub mod service;
pub mod store;
pub mod validate;
pub mod watch;

use std::sync::Arc;

use anyhow::Context;
use ferrokube_component_base::{ops_server, shutdown};
use ferrokube_proto::etcdserverpb::{
    cluster_server::ClusterServer, kv_server::KvServer, lease_server::LeaseServer,
    maintenance_server::MaintenanceServer, watch_server::WatchServer,
};
use prometheus_client::registry::Registry;
use tokio::sync::watch as signal;

use args::{Config, EtcdShimArgs};
use service::Limits;
use store::{Store, StoreConfig};

/// The etcd version Status reports: the etcd API level whose semantics the shim
/// implements (watch progress notifications included), which is what clients
/// such as kube-apiserver check before using a feature.
pub const ETCD_VERSION: &str = "3.5.21";

/// Parses nothing, runs everything: the binary's whole life.
pub fn main_with(args: EtcdShimArgs) -> anyhow::Result<()> {
    args.logging.init();
    let config = args.config().map_err(anyhow::Error::msg)?;
    // Two workers: the machine has two cores and the writer has its own thread.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(run(config, shutdown::signal_received()))
}

/// Serves until `stop` resolves.
pub async fn run(config: Config, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let mut registry = Registry::default();
    let metrics = metrics::Metrics::new(&mut registry);
    let store_config = StoreConfig {
        max_txn_ops: config.max_txn_ops,
        cluster_name: config.name.clone(),
    };
    let store = Store::open(&config.data_dir, store_config, metrics).with_context(|| {
        format!(
            "cannot open the store in {} (is another etcd-shim using it?)",
            config.data_dir.display()
        )
    })?;
    tracing::info!(
        data_dir = %config.data_dir.display(),
        revision = store.shared.committed(),
        compacted = store.shared.compacted(),
        "store opened"
    );

    let (stop_tx, stop_rx) = signal::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };

    let registry = Arc::new(registry);
    for addr in &config.metrics_addrs {
        let health_store = store.clone();
        let health: ops_server::HealthCheck = Arc::new(move || health_store.health());
        let (bound, _) = ops_server::serve(*addr, registry.clone(), health, stopped()).await?;
        tracing::info!("serving /metrics and /health on http://{bound}");
    }

    let background = [
        tokio::spawn(background::expire_leases(store.clone())),
        tokio::spawn(background::auto_compact(store.clone(), config.auto_compaction)),
    ];

    let limits = Limits {
        max_request_bytes: config.max_request_bytes,
    };
    let watch_cfg = watch::WatchConfig {
        progress_interval: config.progress_interval,
        max_response_bytes: config.max_request_bytes,
    };
    let mut servers = Vec::new();
    for addr in &config.client_addrs {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for clients (port in use?)"))?;
        // Small responses must leave at once: no Nagle on client connections.
        let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
        let decode = limits.decode_limit();
        let router = tonic::transport::Server::builder()
            .add_service(
                KvServer::new(service::kv::KvService {
                    store: store.clone(),
                    limits,
                })
                .max_decoding_message_size(decode),
            )
            .add_service(
                WatchServer::new(service::watch::WatchService {
                    store: store.clone(),
                    cfg: watch_cfg,
                })
                .max_decoding_message_size(decode),
            )
            .add_service(LeaseServer::new(service::lease::LeaseService { store: store.clone() }))
            .add_service(ClusterServer::new(service::cluster::ClusterService {
                store: store.clone(),
                name: config.name.clone(),
                peer_urls: config.peer_urls.clone(),
                client_urls: config.advertise_client_urls.clone(),
            }))
            .add_service(MaintenanceServer::new(service::maintenance::MaintenanceService {
                store: store.clone(),
            }));
        tracing::info!("serving the etcd v3 API on http://{addr}");
        servers.push(tokio::spawn(router.serve_with_incoming_shutdown(incoming, stopped())));
    }

    stop.await;
    let _ = stop_tx.send(true);
    for s in servers {
        if let Ok(Err(e)) = s.await {
            tracing::warn!("client listener stopped with an error: {e}");
        }
    }
    for b in background {
        b.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

//! kube-apiserver: the Kubernetes REST API on etcd v3.
//!
//! The request pipeline, outermost first: TLS ([`server`]) → authentication and authorization
//! ([`auth`]) → in-flight limits → routing ([`handlers`]) → decoding ([`codec`], [`wire`]) → the generic
//! store ([`store`]) with per-kind strategies ([`strategy`]) → etcd ([`storage`]), with LIST and WATCH
//! served by per-resource watch caches ([`cache`]).

// `Status` is the error of every handler and store call, as upstream returns `*StatusError`; boxing it
// everywhere would only add noise.
#![allow(clippy::result_large_err)]

pub mod alloc;
pub mod apiserver;
pub mod args;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod codec;
pub mod convert;
pub mod crd;
pub mod fieldsel;
pub mod handlers;
pub mod kvclient;
pub mod metrics;
pub mod object;
pub mod openapi;
pub mod request;
pub mod resource;
pub mod reviews;
pub mod server;
pub mod services;
pub mod storage;
pub mod store;
pub mod storecodec;
pub mod strategy;
pub mod tables;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

/// Runs the apiserver until SIGTERM or Ctrl-C.
pub async fn run(args: args::ApiserverArgs) -> anyhow::Result<()> {
    let config = args.resolve()?;
    let tls = ferrokube_component_base::tls::server_config(
        &config.tls_cert_file,
        &config.tls_private_key_file,
        config.client_ca_file.as_deref(),
        &[b"h2", b"http/1.1"],
    )
    .context("loading the serving certificate (--tls-cert-file, --tls-private-key-file, --client-ca-file)")?;
    let etcd = connect_etcd(&config.etcd_servers).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (--bind-address, --secure-port)", config.listen))?;
    tracing::info!(address = %config.listen, etcd = ?config.etcd_servers, "kube-apiserver serving");
    let kubelet_tls = ferrokube_component_base::tls::client_config(
        config.kubelet_certificate_authority.as_deref(),
        config
            .kubelet_client_certificate
            .as_deref()
            .zip(config.kubelet_client_key.as_deref()),
    )
    .context("loading the kubelet client TLS files (--kubelet-client-certificate, --kubelet-client-key, --kubelet-certificate-authority)")?;
    let api = Arc::new(apiserver::Apiserver::new(
        config,
        etcd,
        Box::new(auth::AlwaysAllow),
        kubelet_tls,
    ));
    tokio::spawn(bootstrap::run(api.clone()));
    server::serve(api, listener, tls, shutdown_signal()).await;
    Ok(())
}

async fn connect_etcd(servers: &[String]) -> anyhow::Result<storage::Etcd> {
    let mut last = None;
    for attempt in 0..30 {
        match storage::Etcd::connect(servers).await {
            Ok(etcd) => match etcd.current_revision().await {
                Ok(_) => return Ok(etcd),
                Err(e) => last = Some(e.to_string()),
            },
            Err(e) => last = Some(e.to_string()),
        }
        if attempt % 5 == 0 {
            tracing::warn!(servers = ?servers, error = ?last, "waiting for etcd");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    anyhow::bail!(
        "could not reach etcd at {servers:?} for 30s: {}; check --etcd-servers and that etcd is running",
        last.unwrap_or_default()
    )
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}

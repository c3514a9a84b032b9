//! Client connections, bounded requests and value payloads shared by the phases.

use std::{future::Future, time::Duration};

use anyhow::Context;
use etcd_client::{Client, PutResponse};
use ferrokube_e2e::etcd::EtcdServer;

/// Longest any single request may take before the phase counts it as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// `n` separate client connections to `server`.
pub async fn connect(server: &EtcdServer, n: usize) -> anyhow::Result<Vec<Client>> {
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let c = server
            .client()
            .await
            .with_context(|| format!("connecting client {i} to {server:?}"))?;
        clients.push(c);
    }
    Ok(clients)
}

/// Runs `fut` with [`REQUEST_TIMEOUT`], naming `what` in the error.
pub async fn bounded<T>(what: &str, fut: impl Future<Output = Result<T, etcd_client::Error>>) -> anyhow::Result<T> {
    match tokio::time::timeout(REQUEST_TIMEOUT, fut).await {
        Ok(r) => r.with_context(|| format!("{what} failed")),
        Err(_) => anyhow::bail!("{what} timed out after {:?}", REQUEST_TIMEOUT),
    }
}

/// One Put with [`REQUEST_TIMEOUT`].
pub async fn put(client: &mut Client, key: String, value: Vec<u8>) -> anyhow::Result<PutResponse> {
    bounded("put", client.put(key, value, None)).await
}

/// A value of `size` pseudo-random printable bytes (deterministic per `seed`,
/// so both backends store the same data).
pub fn payload(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..size).map(|_| rng.alphanumeric() as u8).collect()
}

//! A datastore plus a kube-apiserver on it, the kube-rs clients that load it, and per-process CPU and memory
//! readings.

use std::time::Duration;

use anyhow::Context;
use ferrokube_e2e::apiserver::ApiserverProcess;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::pod::NAMESPACE;

/// Longest any single request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh datastore and apiserver, with `clients` kube-rs clients (each its own connection pool) and the
/// bench namespace created.
pub struct Stack {
    pub apiserver: ApiserverProcess,
    pub etcd: EtcdServer,
    pub clients: Vec<kube::Client>,
}

impl Stack {
    pub async fn start(backend: &Backend, clients: usize) -> anyhow::Result<Self> {
        let etcd = EtcdServer::start(backend.clone(), &[]).await?;
        let apiserver = ApiserverProcess::start(&etcd.endpoint(), &[])
            .await
            .with_context(|| format!("starting kube-apiserver on {backend}"))?;
        let mut cs = Vec::with_capacity(clients.max(1));
        for _ in 0..clients.max(1) {
            cs.push(apiserver.client().await?);
        }
        let body = serde_json::to_vec(&serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE},
        }))?;
        send(&cs[0], post("/api/v1/namespaces", body)?)
            .await
            .context("creating the bench namespace")?;
        Ok(Stack {
            apiserver,
            etcd,
            clients: cs,
        })
    }

    /// The client for task `i` (round-robin).
    pub fn client(&self, i: usize) -> kube::Client {
        self.clients[i % self.clients.len()].clone()
    }

    /// CPU time both server processes have used so far.
    pub fn cpu(&self) -> CpuReading {
        CpuReading {
            apiserver: self.apiserver.pid().and_then(cpu_secs),
            datastore: self.etcd.pid().and_then(cpu_secs),
            client: cpu_secs(std::process::id()),
        }
    }

    pub fn apiserver_rss_kib(&self) -> anyhow::Result<u64> {
        self.apiserver
            .rss_kib()
            .ok_or_else(|| anyhow::anyhow!("cannot read the RSS of kube-apiserver (has it exited?)"))
    }

    pub fn datastore_rss_kib(&self) -> anyhow::Result<u64> {
        self.etcd
            .rss_kib()
            .ok_or_else(|| anyhow::anyhow!("cannot read the RSS of {:?} (has it exited?)", self.etcd))
    }
}

/// CPU seconds (user + system) of the two server processes and of this benchmark (the load generator, which
/// shares the machine's cores with them) at one instant.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuReading {
    pub apiserver: Option<f64>,
    pub datastore: Option<f64>,
    pub client: Option<f64>,
}

/// CPU microseconds per operation over a window, per process.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CpuPerOp {
    pub apiserver_us: Option<f64>,
    pub datastore_us: Option<f64>,
    pub client_us: Option<f64>,
}

impl CpuReading {
    /// CPU per operation between `self` and the later reading `end`.
    pub fn per_op(&self, end: &CpuReading, ops: usize) -> CpuPerOp {
        let per = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if ops > 0 => Some((b - a) * 1e6 / ops as f64),
            _ => None,
        };
        CpuPerOp {
            apiserver_us: per(self.apiserver, end.apiserver),
            datastore_us: per(self.datastore, end.datastore),
            client_us: per(self.client, end.client),
        }
    }
}

pub use ferrokube_e2e::benchkit::cpu_secs;

/// A POST of a JSON body.
pub fn post(path: &str, body: Vec<u8>) -> anyhow::Result<http::Request<Vec<u8>>> {
    Ok(http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)?)
}

/// A GET asking for JSON.
pub fn get(path: &str) -> anyhow::Result<http::Request<Vec<u8>>> {
    Ok(http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())?)
}

/// Sends `req` with [`REQUEST_TIMEOUT`]; a non-2xx answer is an error carrying the Status message.
pub async fn send(client: &kube::Client, req: http::Request<Vec<u8>>) -> anyhow::Result<String> {
    let what = format!("{} {}", req.method(), req.uri().path());
    match tokio::time::timeout(REQUEST_TIMEOUT, client.request_text(req)).await {
        Ok(r) => r.with_context(|| format!("{what} failed")),
        Err(_) => anyhow::bail!("{what} timed out after {REQUEST_TIMEOUT:?}"),
    }
}

/// A short name of a datastore, for file names.
pub fn label(backend: &Backend) -> &'static str {
    match backend {
        Backend::Etcd => "etcd",
        Backend::Shim(_) => "shim",
    }
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_per_op() {
        let a = CpuReading {
            apiserver: Some(1.0),
            datastore: Some(2.0),
            client: Some(0.5),
        };
        let b = CpuReading {
            apiserver: Some(2.0),
            datastore: None,
            client: Some(1.0),
        };
        let per = a.per_op(&b, 1000);
        assert_eq!(
            (per.apiserver_us, per.datastore_us, per.client_us),
            (Some(1000.0), None, Some(500.0))
        );
        assert_eq!(a.per_op(&b, 0).apiserver_us, None);
    }
}

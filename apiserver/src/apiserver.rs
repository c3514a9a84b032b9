//! The server's shared state: storage, caches, allocators, the authorizer, metrics.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ferrokube_apimachinery::status::Status;
use parking_lot::RwLock;
use serde_json::Value;
use tokio::sync::{OnceCell, Semaphore};

use crate::alloc::Allocator;
use crate::args::Config;
use crate::auth::Authorizer;
use crate::cache::{Cache, Decoder};
use crate::metrics::Metrics;
use crate::resource::ResourceSpec;
use crate::storage::Etcd;
use crate::store::Read;

pub type ApiResult<T> = Result<T, Status>;

/// Everything a request handler needs.
pub struct Apiserver {
    pub config: Config,
    pub etcd: Etcd,
    /// Served resources by (group, version, plural); custom resources come and go with their CRDs.
    resources: RwLock<HashMap<(String, String, String), Arc<ResourceSpec>>>,
    /// One cache per storage key prefix, started on first use.
    caches: RwLock<HashMap<String, Arc<OnceCell<Arc<Cache>>>>>,
    pub allocator: Allocator,
    pub authorizer: Box<dyn Authorizer>,
    pub metrics: Metrics,
    /// Leases for expiring objects (Events).
    pub leases: crate::storage::Leases,
    /// Writes of this server, handed to the watch cache already decoded.
    pub pending_writes: Arc<crate::cache::PendingWrites>,
    pub readonly_inflight: Option<Arc<Semaphore>>,
    pub mutating_inflight: Option<Arc<Semaphore>>,
    /// TLS towards kubelets: `--kubelet-client-certificate` as the identity, `--kubelet-certificate-authority`
    /// as the trust.
    pub kubelet_tls: Arc<rustls::ClientConfig>,
    pub started: Instant,
    pub ready: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Apiserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Apiserver")
    }
}

impl Apiserver {
    pub fn new(
        config: Config,
        etcd: Etcd,
        authorizer: Box<dyn Authorizer>,
        kubelet_tls: Arc<rustls::ClientConfig>,
    ) -> Apiserver {
        let mut resources = HashMap::new();
        let mut caches = HashMap::new();
        for spec in crate::resource::all() {
            let spec = Arc::new(spec);
            caches
                .entry(spec.key_prefix(&config.etcd_prefix))
                .or_insert_with(|| Arc::new(OnceCell::new()));
            resources.insert(
                (
                    spec.info.group.to_string(),
                    spec.info.version.to_string(),
                    spec.info.plural.to_string(),
                ),
                spec,
            );
        }
        let semaphore = |n: usize| (n > 0).then(|| Arc::new(Semaphore::new(n)));
        Apiserver {
            allocator: Allocator::new(config.service_cidr, config.node_ports),
            readonly_inflight: semaphore(config.max_requests_inflight),
            mutating_inflight: semaphore(config.max_mutating_requests_inflight),
            config,
            etcd,
            resources: RwLock::new(resources),
            caches: RwLock::new(caches),
            authorizer,
            metrics: Metrics::new(),
            pending_writes: Arc::default(),
            leases: Default::default(),
            kubelet_tls,
            started: Instant::now(),
            ready: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.config.etcd_prefix
    }

    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceSpec>> {
        self.resources
            .read()
            .get(&(group.to_string(), version.to_string(), plural.to_string()))
            .cloned()
    }

    /// The storage-version spec of a resource served at `group`/`plural` (for internal reads).
    pub fn storage_resource(&self, group: &str, plural: &str) -> Option<Arc<ResourceSpec>> {
        self.resources
            .read()
            .values()
            .find(|s| s.info.group == group && s.info.plural == plural && s.is_storage_version())
            .cloned()
    }

    /// The watch cache of a resource, started on first use.
    pub async fn cache(&self, spec: &Arc<ResourceSpec>) -> Arc<Cache> {
        let prefix = spec.key_prefix(self.prefix());
        let started = self.caches.read().get(&prefix).and_then(|c| c.get().cloned());
        if let Some(cache) = started {
            return cache;
        }
        let cell = self
            .caches
            .write()
            .entry(prefix)
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone();
        cell.get_or_init(|| async {
            let storage_spec = self
                .storage_resource(spec.info.group, spec.info.plural)
                .unwrap_or_else(|| spec.clone());
            let decoder: Arc<Decoder> =
                Arc::new(
                    |key: &str, bytes: &[u8], rev: i64| match crate::storecodec::decode_json(key, bytes, rev) {
                        Ok(json) => Some(json),
                        Err(e) => {
                            tracing::error!(error = %e, "skipping an undecodable stored object");
                            None
                        }
                    },
                );
            Cache::start(
                storage_spec,
                self.prefix(),
                self.etcd.clone(),
                decoder,
                self.pending_writes.clone(),
            )
            .await
        })
        .await
        .clone()
    }

    /// Starts every resource's watch cache (upstream starts them all with the server), so a watch from any
    /// resourceVersion written after start-up can be served.
    pub async fn start_caches(&self) {
        let specs: Vec<Arc<ResourceSpec>> = self
            .resources
            .read()
            .values()
            .filter(|s| s.is_storage_version())
            .cloned()
            .collect();
        futures::future::join_all(specs.iter().map(|s| self.cache(s))).await;
    }

    /// Started caches, for metrics.
    pub fn started_caches(&self) -> Vec<Arc<Cache>> {
        self.caches.read().values().filter_map(|c| c.get().cloned()).collect()
    }

    /// Serves the resources a CRD declares (replacing what an earlier version of it declared) and starts
    /// their cache.
    pub async fn register_crd(&self, crd: &Value) {
        let specs: Vec<Arc<ResourceSpec>> = crate::crd::specs_of(crd).into_iter().map(Arc::new).collect();
        let Some(first) = specs.first().cloned() else { return };
        {
            let mut resources = self.resources.write();
            resources.retain(|_, s| {
                !(s.crd.is_some() && s.info.group == first.info.group && s.info.plural == first.info.plural)
            });
            for s in &specs {
                resources.insert(
                    (
                        s.info.group.to_string(),
                        s.info.version.to_string(),
                        s.info.plural.to_string(),
                    ),
                    s.clone(),
                );
            }
        }
        let storage = specs.iter().find(|s| s.is_storage_version()).cloned().unwrap_or(first);
        self.cache(&storage).await;
    }

    /// Stops serving a deleted CRD's resources.
    pub fn unregister_crd(&self, crd: &Value) {
        let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
        let plural = crd.pointer("/spec/names/plural").and_then(Value::as_str).unwrap_or("");
        self.resources
            .write()
            .retain(|_, s| !(s.crd.is_some() && s.info.group == group && s.info.plural == plural));
    }

    /// Every served custom resource version.
    pub fn custom_resources(&self) -> Vec<Arc<ResourceSpec>> {
        let mut v: Vec<Arc<ResourceSpec>> = self
            .resources
            .read()
            .values()
            .filter(|s| s.crd.is_some())
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            (a.info.group, a.info.version, a.info.plural).cmp(&(b.info.group, b.info.version, b.info.plural))
        });
        v
    }
}

/// Decodes a stored value of `spec` for a response in the spec's version: its JSON straight from the stored
/// bytes when no conversion is needed.
pub fn decode_for(spec: &ResourceSpec, key: &str, bytes: &[u8], rev: i64) -> ApiResult<Read> {
    if spec.is_storage_version() {
        let json = crate::storecodec::decode_json(key, bytes, rev).map_err(Status::internal_error)?;
        return Ok(Read::Json(json));
    }
    let obj = crate::storecodec::decode(key, bytes, rev).map_err(Status::internal_error)?;
    Ok(Read::Value(crate::convert::from_storage(spec, obj)))
}

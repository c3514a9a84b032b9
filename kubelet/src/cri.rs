//! The CRI client: the RuntimeService and ImageService of a container runtime (containerd) over its unix
//! socket, as gRPC calls with tonic. Every call is counted and timed under upstream kubelet's metric names
//! (`kubelet_runtime_operations_total`, `kubelet_runtime_operations_duration_seconds`,
//! `kubelet_runtime_operations_errors_total`, by `operation_type`), and bounded by the runtime request
//! timeout (`runtimeRequestTimeout`, 2 minutes by default).
//!
//! RPCs newer than containerd 1.6 (RuntimeConfig, GetContainerEvents, the metrics RPCs) answer
//! UNIMPLEMENTED there; their wrappers return `None` for that instead of an error.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokube_proto::runtime::v1 as api;
use ferrokube_proto::runtime::v1::image_service_client::ImageServiceClient;
use ferrokube_proto::runtime::v1::runtime_service_client::RuntimeServiceClient;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tonic::transport::{Channel, Endpoint};

/// The CRI version the kubelet asks for.
pub const API_VERSION: &str = "v1";
/// Upstream's largest CRI message (16 MiB), e.g. a ListContainers answer on a busy node.
const MAX_MESSAGE: usize = 16 << 20;

/// Why a CRI call failed.
#[derive(Debug, thiserror::Error)]
pub enum CriError {
    #[error("connecting to the container runtime at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("{operation}: {message} (rpc error: code = {code:?})")]
    Status {
        operation: &'static str,
        code: tonic::Code,
        message: String,
    },
    #[error("{operation}: the container runtime did not answer within {timeout:?}")]
    Timeout { operation: &'static str, timeout: Duration },
}

impl CriError {
    /// The gRPC status code, if the runtime answered.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            CriError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some(tonic::Code::NotFound)
    }

    pub fn is_unimplemented(&self) -> bool {
        self.code() == Some(tonic::Code::Unimplemented)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HandlerLabels {
    runtime_handler: String,
}

fn operation_histogram() -> Histogram {
    // Upstream's buckets for kubelet_runtime_operations_duration_seconds.
    Histogram::new(exponential_buckets(0.005, 2.5, 14))
}

/// The CRI metrics, registered under upstream's names.
#[derive(Debug, Clone)]
pub struct CriMetrics {
    operations: Family<OperationLabels, Counter>,
    durations: Family<OperationLabels, Histogram, fn() -> Histogram>,
    errors: Family<OperationLabels, Counter>,
    sandbox_durations: Family<HandlerLabels, Histogram, fn() -> Histogram>,
    sandbox_errors: Family<HandlerLabels, Counter>,
}

impl Default for CriMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl CriMetrics {
    pub fn new() -> CriMetrics {
        CriMetrics {
            operations: Family::default(),
            durations: Family::new_with_constructor(operation_histogram),
            errors: Family::default(),
            sandbox_durations: Family::new_with_constructor(operation_histogram),
            sandbox_errors: Family::default(),
        }
    }

    /// Adds the metrics to `registry` (whose prefix must be empty: the names carry `kubelet_`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "kubelet_runtime_operations",
            "Cumulative number of runtime operations by operation type.",
            self.operations.clone(),
        );
        registry.register(
            "kubelet_runtime_operations_duration_seconds",
            "Duration in seconds of runtime operations. Broken down by operation type.",
            self.durations.clone(),
        );
        registry.register(
            "kubelet_runtime_operations_errors",
            "Cumulative number of runtime operation errors by operation type.",
            self.errors.clone(),
        );
        registry.register(
            "kubelet_run_podsandbox_duration_seconds",
            "Duration in seconds of the run_podsandbox operations. Broken down by RuntimeClass.Handler.",
            self.sandbox_durations.clone(),
        );
        registry.register(
            "kubelet_run_podsandbox_errors",
            "Cumulative number of the run_podsandbox operation errors by RuntimeClass.Handler.",
            self.sandbox_errors.clone(),
        );
    }

    fn record(&self, operation: &'static str, elapsed: Duration, failed: bool) {
        let labels = OperationLabels {
            operation_type: operation,
        };
        self.operations.get_or_create(&labels).inc();
        self.durations.get_or_create(&labels).observe(elapsed.as_secs_f64());
        if failed {
            self.errors.get_or_create(&labels).inc();
        }
    }

    /// How many `operation` calls were made, and how many failed.
    pub fn count(&self, operation: &'static str) -> (u64, u64) {
        let labels = OperationLabels {
            operation_type: operation,
        };
        (
            self.operations.get_or_create(&labels).get(),
            self.errors.get_or_create(&labels).get(),
        )
    }
}

/// A connection to a CRI runtime. Cheap to clone; clones share the connection and the metrics.
#[derive(Debug, Clone)]
pub struct Runtime {
    runtime: RuntimeServiceClient<Channel>,
    images: ImageServiceClient<Channel>,
    metrics: Arc<CriMetrics>,
    timeout: Duration,
}

/// The socket path of a `--container-runtime-endpoint` value: `unix:///path`, or a bare absolute path
/// (which upstream still accepts, with a warning). Other schemes are not supported on Linux.
pub fn socket_path(endpoint: &str) -> Result<PathBuf, CriError> {
    let err = |reason: &str| CriError::Connect {
        endpoint: endpoint.to_string(),
        reason: reason.to_string(),
    };
    if let Some(path) = endpoint.strip_prefix("unix://") {
        if path.starts_with('/') {
            return Ok(PathBuf::from(path));
        }
        return Err(err(
            "a unix endpoint needs an absolute path, e.g. unix:///run/containerd/containerd.sock",
        ));
    }
    if endpoint.starts_with('/') {
        tracing::warn!(%endpoint, "using a bare path as the CRI endpoint is deprecated: use unix://{endpoint}");
        return Ok(PathBuf::from(endpoint));
    }
    match endpoint.split_once("://") {
        Some((scheme, _)) => Err(err(&format!("protocol \"{scheme}\" not supported"))),
        None => Err(err("the endpoint must be unix:///path/to/socket")),
    }
}

impl Runtime {
    /// Connects to the runtime at `endpoint` (see [`socket_path`]); calls time out after `timeout`.
    pub async fn connect(endpoint: &str, timeout: Duration, metrics: Arc<CriMetrics>) -> Result<Runtime, CriError> {
        let path = socket_path(endpoint)?;
        let connect_err = |reason: String| CriError::Connect {
            endpoint: endpoint.to_string(),
            reason,
        };
        // The URI is required by the API and unused: the connector dials the socket.
        let channel = Endpoint::from_static("http://localhost")
            .connect_timeout(timeout)
            .connect_with_connector(tower::service_fn(move |_| {
                let path = path.clone();
                async move {
                    let stream = tokio::net::UnixStream::connect(path).await?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
                }
            }))
            .await
            .map_err(|e| {
                connect_err(format!(
                    "{e}: {}",
                    std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default()
                ))
            })?;
        Ok(Runtime {
            runtime: RuntimeServiceClient::new(channel.clone())
                .max_decoding_message_size(MAX_MESSAGE)
                .max_encoding_message_size(MAX_MESSAGE),
            images: ImageServiceClient::new(channel)
                .max_decoding_message_size(MAX_MESSAGE)
                .max_encoding_message_size(MAX_MESSAGE),
            metrics,
            timeout,
        })
    }

    pub fn metrics(&self) -> &Arc<CriMetrics> {
        &self.metrics
    }

    /// Runs one call with the timeout `limit`, and records it.
    async fn observe<T>(
        &self,
        operation: &'static str,
        limit: Duration,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, CriError> {
        let start = Instant::now();
        let result = match tokio::time::timeout(limit, call).await {
            Ok(Ok(resp)) => Ok(resp.into_inner()),
            Ok(Err(status)) => Err(CriError::Status {
                operation,
                code: status.code(),
                message: status.message().to_string(),
            }),
            Err(_) => Err(CriError::Timeout {
                operation,
                timeout: limit,
            }),
        };
        self.metrics.record(operation, start.elapsed(), result.is_err());
        result
    }

    /// `Ok(None)` for UNIMPLEMENTED: an RPC this runtime is too old for.
    fn optional<T>(result: Result<T, CriError>) -> Result<Option<T>, CriError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_unimplemented() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn version(&self) -> Result<api::VersionResponse, CriError> {
        let req = api::VersionRequest {
            version: API_VERSION.to_string(),
        };
        self.observe("version", self.timeout, self.runtime.clone().version(req))
            .await
    }

    pub async fn status(&self, verbose: bool) -> Result<api::StatusResponse, CriError> {
        self.observe(
            "status",
            self.timeout,
            self.runtime.clone().status(api::StatusRequest { verbose }),
        )
        .await
    }

    /// The runtime's cgroup driver and such; `None` on runtimes without the RPC (containerd 1.6).
    pub async fn runtime_config(&self) -> Result<Option<api::RuntimeConfigResponse>, CriError> {
        Self::optional(
            self.observe(
                "runtime_config",
                self.timeout,
                self.runtime.clone().runtime_config(api::RuntimeConfigRequest {}),
            )
            .await,
        )
    }

    pub async fn update_runtime_config(&self, pod_cidr: &str) -> Result<(), CriError> {
        let req = api::UpdateRuntimeConfigRequest {
            runtime_config: Some(api::RuntimeConfig {
                network_config: Some(api::NetworkConfig {
                    pod_cidr: pod_cidr.to_string(),
                }),
            }),
        };
        self.observe(
            "update_runtime_config",
            self.timeout,
            self.runtime.clone().update_runtime_config(req),
        )
        .await
        .map(drop)
    }

    /// Creates and starts a sandbox; its id.
    pub async fn run_pod_sandbox(
        &self,
        config: api::PodSandboxConfig,
        runtime_handler: &str,
    ) -> Result<String, CriError> {
        let start = Instant::now();
        let req = api::RunPodSandboxRequest {
            config: Some(config),
            runtime_handler: runtime_handler.to_string(),
        };
        let result = self
            .observe(
                "run_podsandbox",
                self.timeout,
                self.runtime.clone().run_pod_sandbox(req),
            )
            .await;
        let labels = HandlerLabels {
            runtime_handler: runtime_handler.to_string(),
        };
        self.metrics
            .sandbox_durations
            .get_or_create(&labels)
            .observe(start.elapsed().as_secs_f64());
        if result.is_err() {
            self.metrics.sandbox_errors.get_or_create(&labels).inc();
        }
        result.map(|r| r.pod_sandbox_id)
    }

    pub async fn stop_pod_sandbox(&self, id: &str) -> Result<(), CriError> {
        let req = api::StopPodSandboxRequest {
            pod_sandbox_id: id.to_string(),
        };
        self.observe(
            "stop_podsandbox",
            self.timeout,
            self.runtime.clone().stop_pod_sandbox(req),
        )
        .await
        .map(drop)
    }

    pub async fn remove_pod_sandbox(&self, id: &str) -> Result<(), CriError> {
        let req = api::RemovePodSandboxRequest {
            pod_sandbox_id: id.to_string(),
        };
        self.observe(
            "remove_podsandbox",
            self.timeout,
            self.runtime.clone().remove_pod_sandbox(req),
        )
        .await
        .map(drop)
    }

    pub async fn pod_sandbox_status(&self, id: &str, verbose: bool) -> Result<api::PodSandboxStatusResponse, CriError> {
        let req = api::PodSandboxStatusRequest {
            pod_sandbox_id: id.to_string(),
            verbose,
        };
        self.observe(
            "podsandbox_status",
            self.timeout,
            self.runtime.clone().pod_sandbox_status(req),
        )
        .await
    }

    pub async fn list_pod_sandbox(
        &self,
        filter: Option<api::PodSandboxFilter>,
    ) -> Result<Vec<api::PodSandbox>, CriError> {
        let req = api::ListPodSandboxRequest { filter };
        self.observe(
            "list_podsandbox",
            self.timeout,
            self.runtime.clone().list_pod_sandbox(req),
        )
        .await
        .map(|r| r.items)
    }

    /// Creates a container in a sandbox; its id.
    pub async fn create_container(
        &self,
        sandbox_id: &str,
        config: api::ContainerConfig,
        sandbox_config: api::PodSandboxConfig,
    ) -> Result<String, CriError> {
        let req = api::CreateContainerRequest {
            pod_sandbox_id: sandbox_id.to_string(),
            config: Some(config),
            sandbox_config: Some(sandbox_config),
        };
        self.observe(
            "create_container",
            self.timeout,
            self.runtime.clone().create_container(req),
        )
        .await
        .map(|r| r.container_id)
    }

    pub async fn start_container(&self, id: &str) -> Result<(), CriError> {
        let req = api::StartContainerRequest {
            container_id: id.to_string(),
        };
        self.observe(
            "start_container",
            self.timeout,
            self.runtime.clone().start_container(req),
        )
        .await
        .map(drop)
    }

    /// Stops a container, killing it after `grace` (whole seconds, as the CRI takes them).
    pub async fn stop_container(&self, id: &str, grace: Duration) -> Result<(), CriError> {
        let req = api::StopContainerRequest {
            container_id: id.to_string(),
            timeout: grace.as_secs() as i64,
        };
        // The call itself lasts up to the grace period.
        self.observe(
            "stop_container",
            self.timeout + grace,
            self.runtime.clone().stop_container(req),
        )
        .await
        .map(drop)
    }

    pub async fn remove_container(&self, id: &str) -> Result<(), CriError> {
        let req = api::RemoveContainerRequest {
            container_id: id.to_string(),
        };
        self.observe(
            "remove_container",
            self.timeout,
            self.runtime.clone().remove_container(req),
        )
        .await
        .map(drop)
    }

    pub async fn list_containers(&self, filter: Option<api::ContainerFilter>) -> Result<Vec<api::Container>, CriError> {
        let req = api::ListContainersRequest { filter };
        self.observe(
            "list_containers",
            self.timeout,
            self.runtime.clone().list_containers(req),
        )
        .await
        .map(|r| r.containers)
    }

    pub async fn container_status(&self, id: &str, verbose: bool) -> Result<api::ContainerStatusResponse, CriError> {
        let req = api::ContainerStatusRequest {
            container_id: id.to_string(),
            verbose,
        };
        self.observe(
            "container_status",
            self.timeout,
            self.runtime.clone().container_status(req),
        )
        .await
    }

    /// Runs `cmd` in a container and waits for it, at most `limit` (zero: no limit but the request timeout).
    pub async fn exec_sync(
        &self,
        id: &str,
        cmd: Vec<String>,
        limit: Duration,
    ) -> Result<api::ExecSyncResponse, CriError> {
        let req = api::ExecSyncRequest {
            container_id: id.to_string(),
            cmd,
            timeout: limit.as_secs() as i64,
        };
        self.observe("exec_sync", self.timeout + limit, self.runtime.clone().exec_sync(req))
            .await
    }

    /// The URL of the runtime's streaming server for an exec session.
    pub async fn exec(&self, req: api::ExecRequest) -> Result<String, CriError> {
        self.observe("exec", self.timeout, self.runtime.clone().exec(req))
            .await
            .map(|r| r.url)
    }

    pub async fn attach(&self, req: api::AttachRequest) -> Result<String, CriError> {
        self.observe("attach", self.timeout, self.runtime.clone().attach(req))
            .await
            .map(|r| r.url)
    }

    pub async fn port_forward(&self, req: api::PortForwardRequest) -> Result<String, CriError> {
        self.observe("port_forward", self.timeout, self.runtime.clone().port_forward(req))
            .await
            .map(|r| r.url)
    }

    pub async fn container_stats(&self, id: &str) -> Result<Option<api::ContainerStats>, CriError> {
        let req = api::ContainerStatsRequest {
            container_id: id.to_string(),
        };
        self.observe(
            "container_stats",
            self.timeout,
            self.runtime.clone().container_stats(req),
        )
        .await
        .map(|r| r.stats)
    }

    pub async fn list_container_stats(
        &self,
        filter: Option<api::ContainerStatsFilter>,
    ) -> Result<Vec<api::ContainerStats>, CriError> {
        let req = api::ListContainerStatsRequest { filter };
        self.observe(
            "list_container_stats",
            self.timeout,
            self.runtime.clone().list_container_stats(req),
        )
        .await
        .map(|r| r.stats)
    }

    pub async fn list_pod_sandbox_stats(
        &self,
        filter: Option<api::PodSandboxStatsFilter>,
    ) -> Result<Vec<api::PodSandboxStats>, CriError> {
        let req = api::ListPodSandboxStatsRequest { filter };
        self.observe(
            "list_podsandbox_stats",
            self.timeout,
            self.runtime.clone().list_pod_sandbox_stats(req),
        )
        .await
        .map(|r| r.stats)
    }

    pub async fn reopen_container_log(&self, id: &str) -> Result<(), CriError> {
        let req = api::ReopenContainerLogRequest {
            container_id: id.to_string(),
        };
        self.observe(
            "reopen_container_log",
            self.timeout,
            self.runtime.clone().reopen_container_log(req),
        )
        .await
        .map(drop)
    }

    pub async fn list_images(&self, filter: Option<api::ImageFilter>) -> Result<Vec<api::Image>, CriError> {
        self.observe(
            "list_images",
            self.timeout,
            self.images.clone().list_images(api::ListImagesRequest { filter }),
        )
        .await
        .map(|r| r.images)
    }

    /// The image named `image`, if the runtime holds it.
    pub async fn image_status(&self, image: &str) -> Result<Option<api::Image>, CriError> {
        let req = api::ImageStatusRequest {
            image: Some(image_spec(image)),
            verbose: false,
        };
        self.observe("image_status", self.timeout, self.images.clone().image_status(req))
            .await
            .map(|r| r.image)
    }

    /// Pulls `image`; the image reference the runtime resolved it to. Pulls get a longer limit than other
    /// calls (upstream waits for progress rather than a deadline; here: ten request timeouts).
    pub async fn pull_image(
        &self,
        image: &str,
        auth: Option<api::AuthConfig>,
        sandbox_config: Option<api::PodSandboxConfig>,
    ) -> Result<String, CriError> {
        let req = api::PullImageRequest {
            image: Some(image_spec(image)),
            auth,
            sandbox_config,
        };
        self.observe("pull_image", self.timeout * 10, self.images.clone().pull_image(req))
            .await
            .map(|r| r.image_ref)
    }

    pub async fn remove_image(&self, image: &str) -> Result<(), CriError> {
        let req = api::RemoveImageRequest {
            image: Some(image_spec(image)),
        };
        self.observe("remove_image", self.timeout, self.images.clone().remove_image(req))
            .await
            .map(drop)
    }

    pub async fn image_fs_info(&self) -> Result<api::ImageFsInfoResponse, CriError> {
        self.observe(
            "image_fs_info",
            self.timeout,
            self.images.clone().image_fs_info(api::ImageFsInfoRequest {}),
        )
        .await
    }
}

fn image_spec(image: &str) -> api::ImageSpec {
    api::ImageSpec {
        image: image.to_string(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_unix_sockets() {
        assert_eq!(
            socket_path("unix:///run/containerd/containerd.sock").unwrap(),
            PathBuf::from("/run/containerd/containerd.sock")
        );
        assert_eq!(socket_path("/run/x.sock").unwrap(), PathBuf::from("/run/x.sock"));
        let e = socket_path("tcp://127.0.0.1:1234").unwrap_err().to_string();
        assert!(e.contains("protocol \"tcp\" not supported"), "{e}");
        assert!(socket_path("unix://relative.sock").is_err());
        assert!(socket_path("containerd.sock").is_err());
    }

    #[test]
    fn metrics_use_upstreams_names() {
        let metrics = CriMetrics::new();
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        metrics.record("version", Duration::from_millis(3), false);
        metrics.record("pull_image", Duration::from_secs(1), true);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains("kubelet_runtime_operations_total{operation_type=\"version\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kubelet_runtime_operations_errors_total{operation_type=\"pull_image\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "kubelet_runtime_operations_duration_seconds_bucket{le=\"0.005\",operation_type=\"version\"} 1"
            ),
            "{text}"
        );
        assert_eq!(metrics.count("pull_image"), (1, 1));
    }
}

//! Test doubles for unit tests of the kubelet's logic: a fake CRI runtime served by a real tonic server
//! on a unix socket (so the real [`Runtime`] client talks to it), whose containers change state only
//! when a test says so, and a fake apiserver behind a `kube::Client` that records the writes it gets.
//! End-to-end behaviour is proven on containerd and kube-apiserver in `tests/`; these make the state
//! machine's steps and their order checkable one sync at a time.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ferrokube_proto::runtime::v1 as api;
use ferrokube_proto::runtime::v1::image_service_server::{ImageService, ImageServiceServer};
use ferrokube_proto::runtime::v1::runtime_service_server::{RuntimeService, RuntimeServiceServer};
use parking_lot::Mutex;
use tonic::{Request, Response, Status};

use crate::cri::{CriMetrics, Runtime};

#[derive(Debug, Clone)]
pub struct FakeSandbox {
    pub config: api::PodSandboxConfig,
    pub state: i32,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct FakeContainer {
    pub sandbox: String,
    pub config: api::ContainerConfig,
    pub state: i32,
    pub created: i64,
    pub started: i64,
    pub finished: i64,
    pub exit_code: i32,
}

/// What the fake runtime holds, and the calls it got in order (`"StopContainer main 3"`...).
#[derive(Debug, Default)]
pub struct FakeState {
    clock: i64,
    pub sandboxes: BTreeMap<String, FakeSandbox>,
    pub containers: BTreeMap<String, FakeContainer>,
    pub calls: Vec<String>,
    /// Exit codes of ExecSync by command (joined with spaces); 0 when absent.
    pub exec_exit: HashMap<String, i32>,
}

impl FakeState {
    fn tick(&mut self) -> i64 {
        self.clock += 1_000_000;
        self.clock
    }

    fn name(&self, id: &str) -> String {
        self.containers
            .get(id)
            .and_then(|c| c.config.metadata.as_ref())
            .map(|m| m.name.clone())
            .unwrap_or_default()
    }

    /// The newest container named `name`.
    pub fn latest(&self, name: &str) -> Option<(&String, &FakeContainer)> {
        self.containers
            .iter()
            .filter(|(_, c)| c.config.metadata.as_ref().is_some_and(|m| m.name == name))
            .max_by_key(|(_, c)| c.created)
    }

    /// The newest container named `name` exits with `code`.
    pub fn exit(&mut self, name: &str, code: i32) {
        let id = self.latest(name).map(|(id, _)| id.clone()).expect("no such container");
        let now = self.tick();
        let c = self.containers.get_mut(&id).unwrap();
        c.state = api::ContainerState::ContainerExited as i32;
        c.exit_code = code;
        c.finished = now;
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakeRuntime(pub Arc<Mutex<FakeState>>);

fn labels_match(have: &HashMap<String, String>, want: &HashMap<String, String>) -> bool {
    want.iter().all(|(k, v)| have.get(k) == Some(v))
}

#[tonic::async_trait]
impl RuntimeService for FakeRuntime {
    async fn version(&self, _: Request<api::VersionRequest>) -> Result<Response<api::VersionResponse>, Status> {
        Ok(Response::new(api::VersionResponse {
            version: "0.1.0".into(),
            runtime_name: "fake".into(),
            runtime_version: "1".into(),
            runtime_api_version: "v1".into(),
        }))
    }

    async fn run_pod_sandbox(
        &self,
        r: Request<api::RunPodSandboxRequest>,
    ) -> Result<Response<api::RunPodSandboxResponse>, Status> {
        let mut s = self.0.lock();
        let created = s.tick();
        let id = format!("sandbox-{created}");
        s.calls.push("RunPodSandbox".into());
        let config = r.into_inner().config.unwrap_or_default();
        s.sandboxes.insert(
            id.clone(),
            FakeSandbox {
                config,
                state: api::PodSandboxState::SandboxReady as i32,
                created,
            },
        );
        Ok(Response::new(api::RunPodSandboxResponse { pod_sandbox_id: id }))
    }

    async fn stop_pod_sandbox(
        &self,
        r: Request<api::StopPodSandboxRequest>,
    ) -> Result<Response<api::StopPodSandboxResponse>, Status> {
        let mut s = self.0.lock();
        let id = r.into_inner().pod_sandbox_id;
        s.calls.push("StopPodSandbox".into());
        if let Some(sb) = s.sandboxes.get_mut(&id) {
            sb.state = api::PodSandboxState::SandboxNotready as i32;
        }
        Ok(Response::new(api::StopPodSandboxResponse {}))
    }

    async fn remove_pod_sandbox(
        &self,
        r: Request<api::RemovePodSandboxRequest>,
    ) -> Result<Response<api::RemovePodSandboxResponse>, Status> {
        let mut s = self.0.lock();
        let id = r.into_inner().pod_sandbox_id;
        s.calls.push("RemovePodSandbox".into());
        s.sandboxes.remove(&id);
        s.containers.retain(|_, c| c.sandbox != id);
        Ok(Response::new(api::RemovePodSandboxResponse {}))
    }

    async fn pod_sandbox_status(
        &self,
        r: Request<api::PodSandboxStatusRequest>,
    ) -> Result<Response<api::PodSandboxStatusResponse>, Status> {
        let s = self.0.lock();
        let id = r.into_inner().pod_sandbox_id;
        let sb = s.sandboxes.get(&id).ok_or_else(|| Status::not_found(id.clone()))?;
        Ok(Response::new(api::PodSandboxStatusResponse {
            status: Some(api::PodSandboxStatus {
                id,
                metadata: sb.config.metadata.clone(),
                state: sb.state,
                created_at: sb.created,
                network: Some(api::PodSandboxNetworkStatus {
                    ip: "10.0.0.9".into(),
                    ..Default::default()
                }),
                labels: sb.config.labels.clone(),
                annotations: sb.config.annotations.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn list_pod_sandbox(
        &self,
        r: Request<api::ListPodSandboxRequest>,
    ) -> Result<Response<api::ListPodSandboxResponse>, Status> {
        let s = self.0.lock();
        let want = r.into_inner().filter.map(|f| f.label_selector).unwrap_or_default();
        let items = s
            .sandboxes
            .iter()
            .filter(|(_, sb)| labels_match(&sb.config.labels, &want))
            .map(|(id, sb)| api::PodSandbox {
                id: id.clone(),
                metadata: sb.config.metadata.clone(),
                state: sb.state,
                created_at: sb.created,
                labels: sb.config.labels.clone(),
                annotations: sb.config.annotations.clone(),
                ..Default::default()
            })
            .collect();
        Ok(Response::new(api::ListPodSandboxResponse { items }))
    }

    async fn create_container(
        &self,
        r: Request<api::CreateContainerRequest>,
    ) -> Result<Response<api::CreateContainerResponse>, Status> {
        let mut s = self.0.lock();
        let r = r.into_inner();
        let created = s.tick();
        let id = format!("container-{created}");
        let config = r.config.unwrap_or_default();
        let name = config.metadata.as_ref().map(|m| m.name.clone()).unwrap_or_default();
        s.calls.push(format!("CreateContainer {name}"));
        s.containers.insert(
            id.clone(),
            FakeContainer {
                sandbox: r.pod_sandbox_id,
                config,
                state: api::ContainerState::ContainerCreated as i32,
                created,
                started: 0,
                finished: 0,
                exit_code: 0,
            },
        );
        Ok(Response::new(api::CreateContainerResponse { container_id: id }))
    }

    async fn start_container(
        &self,
        r: Request<api::StartContainerRequest>,
    ) -> Result<Response<api::StartContainerResponse>, Status> {
        let mut s = self.0.lock();
        let id = r.into_inner().container_id;
        let name = s.name(&id);
        s.calls.push(format!("StartContainer {name}"));
        let now = s.tick();
        let c = s.containers.get_mut(&id).ok_or_else(|| Status::not_found(id.clone()))?;
        c.state = api::ContainerState::ContainerRunning as i32;
        c.started = now;
        Ok(Response::new(api::StartContainerResponse {}))
    }

    async fn stop_container(
        &self,
        r: Request<api::StopContainerRequest>,
    ) -> Result<Response<api::StopContainerResponse>, Status> {
        let mut s = self.0.lock();
        let r = r.into_inner();
        let name = s.name(&r.container_id);
        s.calls.push(format!("StopContainer {name} {}", r.timeout));
        let now = s.tick();
        if let Some(c) = s.containers.get_mut(&r.container_id)
            && c.state == api::ContainerState::ContainerRunning as i32
        {
            c.state = api::ContainerState::ContainerExited as i32;
            c.exit_code = 137;
            c.finished = now;
        }
        Ok(Response::new(api::StopContainerResponse {}))
    }

    async fn remove_container(
        &self,
        r: Request<api::RemoveContainerRequest>,
    ) -> Result<Response<api::RemoveContainerResponse>, Status> {
        let mut s = self.0.lock();
        let id = r.into_inner().container_id;
        let name = s.name(&id);
        s.calls.push(format!("RemoveContainer {name}"));
        s.containers.remove(&id);
        Ok(Response::new(api::RemoveContainerResponse {}))
    }

    async fn list_containers(
        &self,
        r: Request<api::ListContainersRequest>,
    ) -> Result<Response<api::ListContainersResponse>, Status> {
        let s = self.0.lock();
        let want = r.into_inner().filter.map(|f| f.label_selector).unwrap_or_default();
        let containers = s
            .containers
            .iter()
            .filter(|(_, c)| labels_match(&c.config.labels, &want))
            .map(|(id, c)| api::Container {
                id: id.clone(),
                pod_sandbox_id: c.sandbox.clone(),
                metadata: c.config.metadata.clone(),
                image: c.config.image.clone(),
                image_ref: "sha256:fake".into(),
                state: c.state,
                created_at: c.created,
                labels: c.config.labels.clone(),
                annotations: c.config.annotations.clone(),
                ..Default::default()
            })
            .collect();
        Ok(Response::new(api::ListContainersResponse { containers }))
    }

    async fn container_status(
        &self,
        r: Request<api::ContainerStatusRequest>,
    ) -> Result<Response<api::ContainerStatusResponse>, Status> {
        let s = self.0.lock();
        let id = r.into_inner().container_id;
        let c = s.containers.get(&id).ok_or_else(|| Status::not_found(id.clone()))?;
        Ok(Response::new(api::ContainerStatusResponse {
            status: Some(api::ContainerStatus {
                id,
                metadata: c.config.metadata.clone(),
                state: c.state,
                created_at: c.created,
                started_at: c.started,
                finished_at: c.finished,
                exit_code: c.exit_code,
                image: c.config.image.clone(),
                image_ref: "sha256:fake".into(),
                reason: if c.exit_code == 0 { "Completed" } else { "Error" }.into(),
                labels: c.config.labels.clone(),
                annotations: c.config.annotations.clone(),
                log_path: "/dev/null".into(),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn exec_sync(&self, r: Request<api::ExecSyncRequest>) -> Result<Response<api::ExecSyncResponse>, Status> {
        let mut s = self.0.lock();
        let r = r.into_inner();
        let cmd = r.cmd.join(" ");
        let name = s.name(&r.container_id);
        s.calls.push(format!("ExecSync {name} {cmd}"));
        let exit_code = s.exec_exit.get(&cmd).copied().unwrap_or(0);
        Ok(Response::new(api::ExecSyncResponse {
            exit_code,
            ..Default::default()
        }))
    }

    async fn status(&self, _: Request<api::StatusRequest>) -> Result<Response<api::StatusResponse>, Status> {
        let ready = |t: &str| api::RuntimeCondition {
            r#type: t.into(),
            status: true,
            ..Default::default()
        };
        Ok(Response::new(api::StatusResponse {
            status: Some(api::RuntimeStatus {
                conditions: vec![ready("RuntimeReady"), ready("NetworkReady")],
            }),
            ..Default::default()
        }))
    }
}

#[tonic::async_trait]
impl ImageService for FakeRuntime {
    async fn image_status(
        &self,
        r: Request<api::ImageStatusRequest>,
    ) -> Result<Response<api::ImageStatusResponse>, Status> {
        let name = r.into_inner().image.map(|i| i.image).unwrap_or_default();
        Ok(Response::new(api::ImageStatusResponse {
            image: Some(api::Image {
                id: "sha256:fake".into(),
                repo_tags: vec![name],
                size: 1,
                ..Default::default()
            }),
            ..Default::default()
        }))
    }
}

/// Serves `fake` on a unix socket in `dir`; the client to it.
pub async fn serve(fake: FakeRuntime, dir: &Path) -> Runtime {
    let socket = dir.join("fake-cri.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind the fake runtime's socket");
    let incoming = futures::stream::unfold(listener, |l| async move {
        let conn = l.accept().await.map(|(s, _)| s);
        Some((conn, l))
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(RuntimeServiceServer::new(fake.clone()))
            .add_service(ImageServiceServer::new(fake))
            .serve_with_incoming(incoming),
    );
    Runtime::connect(
        &format!("unix://{}", socket.display()),
        Duration::from_secs(5),
        Arc::new(CriMetrics::new()),
    )
    .await
    .expect("connect to the fake runtime")
}

/// A fake apiserver behind a `kube::Client`: answers every request with the pod it is about (or an
/// empty object), and records `METHOD path body` of each write.
pub fn api_client(log: Arc<Mutex<Vec<String>>>) -> kube::Client {
    let svc = tower::service_fn(move |req: http::Request<kube::client::Body>| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = http_body_util::BodyExt::collect(body)
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            if parts.method != http::Method::GET {
                log.lock().push(format!(
                    "{} {} {}",
                    parts.method,
                    parts.uri.path(),
                    String::from_utf8_lossy(&bytes)
                ));
            }
            let name = parts.uri.path().split('/').nth(6).unwrap_or("x").to_string();
            let (code, body) = if parts.method == http::Method::GET {
                (
                    404,
                    r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#
                        .to_string(),
                )
            } else {
                (
                    200,
                    format!(
                        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"default"}}}}"#
                    ),
                )
            };
            Ok::<_, std::convert::Infallible>(
                http::Response::builder()
                    .status(code)
                    .header("content-type", "application/json")
                    .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                    .unwrap(),
            )
        }
    });
    kube::Client::new(svc, "default")
}

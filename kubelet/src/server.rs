//! The node server on `address:port` (10250): HTTPS, every request authenticated (client certificate
//! against `authentication.x509.clientCAFile`, bearer token through a TokenReview when
//! `authentication.webhook.enabled`, anonymous only when `authentication.anonymous.enabled`) and authorized
//! (`authorization.mode` Webhook: a SubjectAccessReview on `nodes/<subresource>` as upstream maps paths, or
//! AlwaysAllow). It serves `/healthz`, `/pods`, `/metrics`, `/metrics/resource`, `/stats/summary`,
//! `/containerLogs`, `/run` and the streaming
//! endpoints `/exec`, `/attach` and `/portForward`, which get a URL from the runtime (CRI Exec, Attach,
//! PortForward) and proxy the client's upgraded connection to the runtime's streaming server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokube_proto::runtime::v1 as api;
use http::{Method, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use ferrokube_apimachinery::query::{pairs as query_pairs, percent_decode as decode};

use crate::config::{AuthorizationMode, Config};
use crate::cri::Runtime;
use crate::logs::LogOptions;
use crate::podconfig::{CONTAINER_NAME_LABEL, POD_UID_LABEL};
use crate::pods::PodManager;

pub type Body = BoxBody<Bytes, std::io::Error>;

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

fn text(code: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(full(body.into()));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, "text/plain; charset=utf-8".parse().unwrap());
    r
}

fn json(body: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(full(serde_json::to_vec(body).unwrap_or_default()));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    r
}

/// An error answer: its code and text.
#[derive(Debug)]
struct Fail(StatusCode, String);

impl Fail {
    fn response(self) -> Response<Body> {
        text(self.0, self.1)
    }
}

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
}

/// Authentication and authorization, with upstream's caches of webhook answers.
pub struct Auth {
    client: kube::Client,
    node_name: String,
    webhook_authn: bool,
    token_ttl: Duration,
    anonymous: bool,
    mode: AuthorizationMode,
    allowed_ttl: Duration,
    denied_ttl: Duration,
    tokens: Mutex<HashMap<String, (Instant, Option<User>)>>,
    decisions: Mutex<HashMap<String, (Instant, bool)>>,
}

/// The node subresource a path is authorized as (upstream's mapping, with the fine-grained `pods`,
/// `healthz` and `configz` checked before `proxy`).
pub fn subresource(path: &str) -> &'static str {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/stats") {
        "stats"
    } else if under("/metrics") {
        "metrics"
    } else if under("/logs") {
        "log"
    } else if under("/checkpoint") {
        "checkpoint"
    } else if under("/pods") {
        "pods"
    } else if under("/healthz") {
        "healthz"
    } else if under("/configz") {
        "configz"
    } else {
        "proxy"
    }
}

/// The verb of a request, as upstream derives it from the method.
pub fn verb(method: &Method) -> &'static str {
    match *method {
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "get",
    }
}

impl Auth {
    pub fn new(config: &Config, client: kube::Client) -> Auth {
        Auth {
            client,
            node_name: config.node_name.clone(),
            webhook_authn: config.authentication.webhook_enabled,
            token_ttl: config.authentication.webhook_cache_ttl,
            anonymous: config.authentication.anonymous_enabled,
            mode: config.authorization.mode,
            allowed_ttl: config.authorization.cache_authorized_ttl,
            denied_ttl: config.authorization.cache_unauthorized_ttl,
            tokens: Mutex::default(),
            decisions: Mutex::default(),
        }
    }

    /// The user of a request: its client certificate's subject, else its bearer token's TokenReview, else
    /// anonymous when allowed. `Err` is the 401 answer.
    pub async fn authenticate(&self, cert_user: Option<&User>, headers: &http::HeaderMap) -> Result<User, ()> {
        if let Some(u) = cert_user {
            return Ok(u.clone());
        }
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let (Some(token), true) = (token, self.webhook_authn) {
            if let Some((at, user)) = self.tokens.lock().get(token).cloned()
                && at.elapsed() < self.token_ttl
            {
                return user.ok_or(());
            }
            let review = TokenReview {
                spec: TokenReviewSpec {
                    token: token.to_string(),
                    audiences: None,
                },
                ..Default::default()
            };
            let answer = Api::<TokenReview>::all(self.client.clone())
                .create(&PostParams::default(), &review)
                .await;
            let user = match answer {
                Ok(r) => r
                    .status
                    .filter(|s| s.authenticated == Some(true))
                    .and_then(|s| s.user)
                    .map(|u| User {
                        name: u.username.unwrap_or_default(),
                        uid: u.uid.unwrap_or_default(),
                        groups: u.groups.unwrap_or_default(),
                    }),
                Err(e) => {
                    // Not cached: the apiserver may just be unreachable for a moment.
                    tracing::warn!(error = %e, "TokenReview failed");
                    return Err(());
                }
            };
            let mut tokens = self.tokens.lock();
            if tokens.len() > 4096 {
                tokens.retain(|_, (at, _)| at.elapsed() < self.token_ttl);
            }
            tokens.insert(token.to_string(), (Instant::now(), user.clone()));
            return user.ok_or(());
        }
        if self.anonymous {
            return Ok(User {
                name: "system:anonymous".into(),
                uid: String::new(),
                groups: vec!["system:unauthenticated".into()],
            });
        }
        Err(())
    }

    /// Whether `user` may `verb` the node's `subresource`. Fine-grained subresources fall back to `proxy`.
    pub async fn authorize(&self, user: &User, verb: &str, subresource: &str) -> bool {
        if self.mode == AuthorizationMode::AlwaysAllow {
            return true;
        }
        if self.review(user, verb, subresource).await {
            return true;
        }
        matches!(subresource, "pods" | "healthz" | "configz") && self.review(user, verb, "proxy").await
    }

    async fn review(&self, user: &User, verb: &str, subresource: &str) -> bool {
        let key = format!(
            "{}\0{}\0{}\0{verb}\0{subresource}",
            user.name,
            user.uid,
            user.groups.join(",")
        );
        if let Some((at, allowed)) = self.decisions.lock().get(&key).copied() {
            let ttl = if allowed { self.allowed_ttl } else { self.denied_ttl };
            if at.elapsed() < ttl {
                return allowed;
            }
        }
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(user.name.clone()),
                uid: Some(user.uid.clone()).filter(|u| !u.is_empty()),
                groups: Some(user.groups.clone()),
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.to_string()),
                    resource: Some("nodes".into()),
                    subresource: Some(subresource.to_string()),
                    name: Some(self.node_name.clone()),
                    version: Some("v1".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let allowed = match Api::<SubjectAccessReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await
        {
            Ok(r) => r.status.is_some_and(|s| s.allowed),
            Err(e) => {
                tracing::warn!(error = %e, "SubjectAccessReview failed");
                return false;
            }
        };
        let mut decisions = self.decisions.lock();
        if decisions.len() > 4096 {
            decisions.clear();
        }
        decisions.insert(key, (Instant::now(), allowed));
        allowed
    }
}

/// The node server's state.
pub struct NodeServer {
    pub auth: Auth,
    pub pods: Arc<PodManager>,
    pub runtime: Runtime,
    pub registry: Arc<prometheus_client::registry::Registry>,
    pub node_name: String,
    pub root_dir: std::path::PathBuf,
    pub sampler: crate::stats::Sampler,
}

/// Streaming requests the runtime serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Exec,
    Attach,
    PortForward,
}

fn flag(pairs: &[(String, String)], name: &str) -> bool {
    pairs
        .iter()
        .any(|(k, v)| k == name && matches!(v.as_str(), "1" | "true" | "True"))
}

impl NodeServer {
    /// Accepts connections on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, tls: Arc<rustls::ServerConfig>) {
        let acceptor = TlsAcceptor::from(tls);
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "node server: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let server = self.clone();
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    _ => return,
                };
                let cert_user = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| ferrokube_component_base::tls::subject_cn_and_orgs(c.as_ref()))
                    .filter(|(cn, _)| !cn.is_empty())
                    .map(|(name, mut groups)| {
                        groups.push("system:authenticated".into());
                        User {
                            name,
                            uid: String::new(),
                            groups,
                        }
                    });
                let cert_user = Arc::new(cert_user);
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let server = server.clone();
                    let cert_user = cert_user.clone();
                    async move { Ok::<_, Infallible>(server.handle(req, cert_user.as_ref().as_ref()).await) }
                });
                let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                builder
                    .http1()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30));
                if let Err(e) = builder.serve_connection_with_upgrades(TokioIo::new(tls), service).await {
                    tracing::debug!(%peer, error = %e, "node server connection ended with an error");
                }
            });
        }
    }

    async fn handle(&self, req: Request<Incoming>, cert_user: Option<&User>) -> Response<Body> {
        let path = req.uri().path().to_string();
        let Ok(user) = self.auth.authenticate(cert_user, req.headers()).await else {
            return text(StatusCode::UNAUTHORIZED, "Unauthorized");
        };
        let (verb, sub) = (verb(req.method()), subresource(&path));
        if !self.auth.authorize(&user, verb, sub).await {
            return text(
                StatusCode::FORBIDDEN,
                format!(
                    "Forbidden (user={}, verb={verb}, resource=nodes, subresource={sub})",
                    user.name
                ),
            );
        }
        let pairs = query_pairs(req.uri().query());
        let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(decode).collect();
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (req.method(), seg.as_slice()) {
            (&Method::GET, ["healthz"]) => text(StatusCode::OK, "ok"),
            (&Method::GET, ["pods"]) => self.pods_list(),
            (&Method::GET, ["metrics"]) => self.metrics(),
            (&Method::GET, ["metrics", "resource"]) => {
                let snap = self.sampler.collect(&self.runtime, &self.root_dir).await;
                let mut r = text(StatusCode::OK, crate::stats::resource_metrics(&snap, &self.pods.pods()));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8".parse().unwrap(),
                );
                r
            }
            (&Method::GET, ["stats", "summary"]) => {
                let snap = self.sampler.collect(&self.runtime, &self.root_dir).await;
                json(&crate::stats::summary(&snap, &self.node_name, &self.pods.pods()))
            }
            (&Method::GET, ["containerLogs", ns, pod, container]) => {
                self.container_logs(ns, pod, container, &pairs).await
            }
            (&Method::POST, ["run", ns, pod, container]) | (&Method::POST, ["run", ns, pod, _, container]) => {
                self.run(ns, pod, container, &pairs).await
            }
            (&Method::GET | &Method::POST, ["exec", ns, pod, container])
            | (&Method::GET | &Method::POST, ["exec", ns, pod, _, container]) => {
                let uid = (seg.len() == 5).then(|| seg[3]);
                self.stream(Stream::Exec, req, ns, pod, uid, Some(container), &pairs)
                    .await
            }
            (&Method::GET | &Method::POST, ["attach", ns, pod, container])
            | (&Method::GET | &Method::POST, ["attach", ns, pod, _, container]) => {
                let uid = (seg.len() == 5).then(|| seg[3]);
                self.stream(Stream::Attach, req, ns, pod, uid, Some(container), &pairs)
                    .await
            }
            (&Method::GET | &Method::POST, ["portForward", ns, pod])
            | (&Method::GET | &Method::POST, ["portForward", ns, pod, _]) => {
                let uid = (seg.len() == 4).then(|| seg[3]);
                self.stream(Stream::PortForward, req, ns, pod, uid, None, &pairs).await
            }
            _ => text(StatusCode::NOT_FOUND, "404 page not found"),
        }
    }

    fn pods_list(&self) -> Response<Body> {
        let items = self.pods.pods();
        json(&serde_json::json!({
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {},
            "items": items,
        }))
    }

    fn metrics(&self) -> Response<Body> {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
        let mut r = text(StatusCode::OK, out);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8".parse().unwrap(),
        );
        r
    }

    fn pod(&self, ns: &str, name: &str, uid: Option<&str>) -> Result<Pod, Fail> {
        self.pods
            .pod_by_name(ns, name)
            .filter(|p| uid.is_none_or(|u| p.metadata.uid.as_deref() == Some(u)))
            .ok_or_else(|| Fail(StatusCode::NOT_FOUND, "pod does not exist".into()))
    }

    /// The runtime's containers of `pod` named `container`, newest first.
    async fn containers(&self, pod: &Pod, container: &str) -> Result<Vec<api::Container>, Fail> {
        let filter = api::ContainerFilter {
            label_selector: [
                (POD_UID_LABEL.to_string(), pod.metadata.uid.clone().unwrap_or_default()),
                (CONTAINER_NAME_LABEL.to_string(), container.to_string()),
            ]
            .into(),
            ..Default::default()
        };
        let mut list = self
            .runtime
            .list_containers(Some(filter))
            .await
            .map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        list.sort_by_key(|c| std::cmp::Reverse(c.created_at));
        Ok(list)
    }

    async fn container_logs(
        &self,
        ns: &str,
        pod_name: &str,
        container: &str,
        pairs: &[(String, String)],
    ) -> Response<Body> {
        let pod = match self.pod(ns, pod_name, None) {
            Ok(p) => p,
            Err(_) => return text(StatusCode::NOT_FOUND, format!("pod {pod_name:?} does not exist")),
        };
        let spec = pod.spec.clone().unwrap_or_default();
        let known = spec
            .containers
            .iter()
            .map(|c| &c.name)
            .chain(spec.init_containers.iter().flatten().map(|c| &c.name))
            .chain(spec.ephemeral_containers.iter().flatten().map(|c| &c.name))
            .any(|n| n == container);
        if !known {
            return text(
                StatusCode::NOT_FOUND,
                format!("container {container:?} not found in pod {pod_name:?}"),
            );
        }
        let now = ferrokube_printers::time::Timestamp::from_system_time(std::time::SystemTime::now());
        let opts = match LogOptions::from_query(pairs, now) {
            Ok(o) => o,
            Err(e) => return text(StatusCode::BAD_REQUEST, e),
        };
        let list = match self.containers(&pod, container).await {
            Ok(l) => l,
            Err(f) => return f.response(),
        };
        // As upstream: the container the status names (a waiting container's logs are its last run's;
        // `previous` is lastState's). A pod without a status of its own (a static pod) picks from the
        // runtime: the newest container, and the one before it.
        let not_found_previous =
            || format!("previous terminated container {container:?} in pod {pod_name:?} not found");
        let status = pod
            .status
            .iter()
            .flat_map(|s| {
                s.container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
                    .chain(s.ephemeral_container_statuses.iter().flatten())
            })
            .find(|s| s.name == container);
        let strip = |id: &str| id.split_once("://").map(|(_, i)| i).unwrap_or(id).to_string();
        let last_id = status
            .and_then(|s| s.last_state.as_ref()?.terminated.as_ref()?.container_id.as_deref())
            .map(strip);
        let wanted: Result<String, String> = match status {
            Some(_) if opts.previous => last_id.ok_or_else(not_found_previous),
            Some(s) => {
                let waiting = s.state.as_ref().and_then(|st| st.waiting.as_ref());
                match (waiting, s.container_id.as_deref(), last_id) {
                    (None, Some(id), _) => Ok(strip(id)),
                    (_, _, Some(last)) => Ok(last),
                    (w, _, None) => Err(format!(
                        "container {container:?} in pod {pod_name:?} is waiting to start: {}",
                        w.and_then(|w| w.reason.clone())
                            .unwrap_or_else(|| "ContainerCreating".into())
                    )),
                }
            }
            None => {
                let pick = if opts.previous { list.get(1) } else { list.first() };
                pick.map(|c| c.id.clone()).ok_or_else(|| {
                    if opts.previous {
                        not_found_previous()
                    } else {
                        format!("container {container:?} in pod {pod_name:?} is waiting to start: ContainerCreating")
                    }
                })
            }
        };
        let chosen = match wanted {
            Ok(id) => match list.iter().find(|c| c.id == id) {
                Some(c) => c,
                None if opts.previous => return text(StatusCode::BAD_REQUEST, not_found_previous()),
                None => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        format!("container {container:?} in pod {pod_name:?} is not available"),
                    );
                }
            },
            Err(e) => return text(StatusCode::BAD_REQUEST, e),
        };
        let status = match self.runtime.container_status(&chosen.id, false).await {
            Ok(s) => s.status.unwrap_or_default(),
            Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let id = chosen.id.clone();
        let runtime = self.runtime.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        tokio::spawn(crate::logs::stream(status.log_path.into(), opts, tx, move || {
            let (runtime, id) = (runtime.clone(), id.clone());
            async move {
                matches!(
                    runtime.container_status(&id, false).await,
                    Ok(s) if s.status.as_ref().is_some_and(|s| s.state == api::ContainerState::ContainerRunning as i32)
                )
            }
        }));
        let frames = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), rx))
        });
        let mut r = Response::new(BodyExt::boxed(StreamBody::new(frames)));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        r
    }

    /// `POST /run/<ns>/<pod>/<container>?cmd=...`: runs a command to completion; its output.
    async fn run(&self, ns: &str, pod_name: &str, container: &str, pairs: &[(String, String)]) -> Response<Body> {
        let pod = match self.pod(ns, pod_name, None) {
            Ok(p) => p,
            Err(f) => return f.response(),
        };
        let cmd: Vec<String> = pairs
            .iter()
            .find(|(k, _)| k == "cmd")
            .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        if cmd.is_empty() {
            return text(StatusCode::BAD_REQUEST, "cmd is required");
        }
        let id = match self.running_container(&pod, container).await {
            Ok(id) => id,
            Err(f) => return f.response(),
        };
        match self.runtime.exec_sync(&id, cmd, Duration::from_secs(0)).await {
            Ok(out) => {
                let mut body = out.stdout.to_vec();
                body.extend_from_slice(&out.stderr);
                text(StatusCode::OK, String::from_utf8_lossy(&body).into_owned())
            }
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }

    async fn running_container(&self, pod: &Pod, container: &str) -> Result<String, Fail> {
        self.containers(pod, container)
            .await?
            .into_iter()
            .find(|c| c.state == api::ContainerState::ContainerRunning as i32)
            .map(|c| c.id)
            .ok_or_else(|| {
                Fail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("container not found ({container:?})"),
                )
            })
    }

    #[allow(clippy::too_many_arguments)]
    async fn stream(
        &self,
        kind: Stream,
        mut req: Request<Incoming>,
        ns: &str,
        pod_name: &str,
        uid: Option<&str>,
        container: Option<&str>,
        pairs: &[(String, String)],
    ) -> Response<Body> {
        let pod = match self.pod(ns, pod_name, uid) {
            Ok(p) => p,
            Err(f) => return f.response(),
        };
        let (stdin, stdout, stderr, tty) = (
            flag(pairs, "input"),
            flag(pairs, "output"),
            flag(pairs, "error"),
            flag(pairs, "tty"),
        );
        // A terminal merges stderr into stdout.
        let stderr = stderr && !tty;
        if kind != Stream::PortForward && !stdin && !stdout && !stderr {
            return text(
                StatusCode::BAD_REQUEST,
                "you must specify at least 1 of stdin, stdout, stderr",
            );
        }
        let url = match kind {
            Stream::Exec | Stream::Attach => {
                let container = container.unwrap_or_default();
                let id = match self.running_container(&pod, container).await {
                    Ok(id) => id,
                    Err(f) => return f.response(),
                };
                if kind == Stream::Exec {
                    let cmd: Vec<String> = pairs
                        .iter()
                        .filter(|(k, _)| k == "command")
                        .map(|(_, v)| v.clone())
                        .collect();
                    if cmd.is_empty() {
                        return text(StatusCode::BAD_REQUEST, "you must specify a command");
                    }
                    self.runtime
                        .exec(api::ExecRequest {
                            container_id: id,
                            cmd,
                            tty,
                            stdin,
                            stdout,
                            stderr,
                            ..Default::default()
                        })
                        .await
                } else {
                    self.runtime
                        .attach(api::AttachRequest {
                            container_id: id,
                            stdin,
                            tty,
                            stdout,
                            stderr,
                            ..Default::default()
                        })
                        .await
                }
            }
            Stream::PortForward => {
                let filter = api::PodSandboxFilter {
                    label_selector: [(POD_UID_LABEL.to_string(), pod.metadata.uid.clone().unwrap_or_default())].into(),
                    state: Some(api::PodSandboxStateValue {
                        state: api::PodSandboxState::SandboxReady as i32,
                    }),
                    ..Default::default()
                };
                let sandbox = match self.runtime.list_pod_sandbox(Some(filter)).await {
                    Ok(list) => list.into_iter().max_by_key(|s| s.created_at),
                    Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                };
                let Some(sandbox) = sandbox else {
                    return text(StatusCode::NOT_FOUND, "pod sandbox not found");
                };
                let ports = pairs
                    .iter()
                    .filter(|(k, _)| k == "port")
                    .filter_map(|(_, v)| v.parse().ok())
                    .collect();
                self.runtime
                    .port_forward(api::PortForwardRequest {
                        pod_sandbox_id: sandbox.id,
                        port: ports,
                    })
                    .await
            }
        };
        let url = match url {
            Ok(u) => u,
            Err(e) if e.is_not_found() => return text(StatusCode::NOT_FOUND, e.to_string()),
            Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        // As upstream's proxy: the client's query goes along to the streaming server.
        proxy_to_runtime(&mut req, &url).await
    }
}

/// Proxies an upgrade request to the runtime's streaming server at `url` (`http://host:port/path`).
async fn proxy_to_runtime(req: &mut Request<Incoming>, url: &str) -> Response<Body> {
    let Some(rest) = url.strip_prefix("http://") else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the runtime's streaming URL {url:?} is not plain http (TLS streaming is not supported)"),
        );
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = match req.uri().query() {
        Some(q) if !path.contains('?') => format!("{path}?{q}"),
        _ => path.to_string(),
    };
    let tcp = match tokio::net::TcpStream::connect(authority).await {
        Ok(t) => t,
        Err(e) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("connecting to the runtime's streaming server at {authority}: {e}"),
            );
        }
    };
    let _ = tcp.set_nodelay(true);
    let next =
        match ferrokube_component_base::streamproxy::next_hop_request(req.method(), req.headers(), authority, &path) {
            Ok(r) => r,
            Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
        };
    let on_client = hyper::upgrade::on(req);
    let resp = match ferrokube_component_base::streamproxy::send(tcp, next).await {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_GATEWAY, format!("the runtime's streaming server: {e}")),
    };
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let answer = ferrokube_component_base::streamproxy::splice(on_client, resp);
        return answer.map(|()| full(Bytes::new()));
    }
    let (parts, body) = resp.into_parts();
    let body = body.map_err(std::io::Error::other).boxed();
    Response::from_parts(parts, body)
}

/// The serving certificate: `tlsCertFile`/`tlsPrivateKeyFile` when given, else a self-signed one kept in
/// `<root-dir>/pki/kubelet.{crt,key}` (made on first start for the node name and IP, as upstream does).
pub fn serving_files(
    config: &Config,
    ip: std::net::IpAddr,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    if let (Some(c), Some(k)) = (&config.tls_cert_file, &config.tls_private_key_file) {
        return Ok((c.clone(), k.clone()));
    }
    let dir = config.root_dir.join("pki");
    let (cert, key) = (dir.join("kubelet.crt"), dir.join("kubelet.key"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(&dir)?;
    let pair = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(vec![config.node_name.clone(), "localhost".into()])?;
    params.subject_alt_names.push(rcgen::SanType::IpAddress(ip));
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("{}@{}", config.node_name, now_unix()),
    );
    params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    let issued = params.self_signed(&pair)?;
    std::fs::write(&cert, issued.pem())?;
    write_private(&key, &pair.serialize_pem())?;
    tracing::info!(cert = %cert.display(), "generated a self-signed serving certificate");
    Ok((cert, key))
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write_private(path: &std::path::Path, pem: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(pem.as_bytes())
}

/// Binds the node server's address.
pub async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    let addr: SocketAddr = format!("{}:{}", config.address, config.port)
        .parse()
        .map_err(|_| anyhow::anyhow!("address {:?} is not an IP address", config.address))?;
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {addr} (address, port): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_upstream_subresources_and_verbs() {
        assert_eq!(subresource("/stats/summary"), "stats");
        assert_eq!(subresource("/metrics/resource"), "metrics");
        assert_eq!(subresource("/metrics"), "metrics");
        assert_eq!(subresource("/metricsfoo"), "proxy");
        assert_eq!(subresource("/logs/"), "log");
        assert_eq!(subresource("/pods"), "pods");
        assert_eq!(subresource("/healthz"), "healthz");
        assert_eq!(subresource("/exec/ns/p/c"), "proxy");
        assert_eq!(subresource("/containerLogs/ns/p/c"), "proxy");
        assert_eq!(verb(&Method::POST), "create");
        assert_eq!(verb(&Method::GET), "get");
        assert_eq!(verb(&Method::HEAD), "get");
    }

    #[test]
    fn flags_read_upstream_truthy_values() {
        let q = query_pairs(Some("input=1&tty=true&output=0"));
        assert!(flag(&q, "input") && flag(&q, "tty"));
        assert!(!flag(&q, "output") && !flag(&q, "error"));
    }
}

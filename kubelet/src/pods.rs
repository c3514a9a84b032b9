//! The pods bound to this node: a watch of the apiserver (`spec.nodeName=<node>`) feeds one worker per
//! pod, and each worker drives the runtime towards the pod's spec, level-triggered: on every change of
//! the pod and every second (a relist of the pod's CRI sandbox and containers, the part of upstream's
//! PLEG this kubelet needs), it compares what the runtime runs with what the pod asks for, acts, and
//! reports `status` through `pods/status` when it changed.
//!
//! Everything a worker needs survives a kubelet restart in the runtime itself: sandboxes and containers
//! carry the pod's uid and the container's name in their labels and their restart count in the CRI
//! attempt, so a new kubelet adopts running pods without restarting them.
//!
//! What a worker does (in upstream's order): a sandbox (recreated with the next attempt if it died,
//! after its containers are killed); init containers one at a time, each to a zero exit (native sidecars,
//! `restartPolicy: Always`, are started and left running); then the regular containers, restarted by
//! `restartPolicy` with CrashLoopBackOff (10 s doubling to 5 min, reset after 10 min of running).
//! Images present are used, `Never` never pulls, the rest are pulled (`ErrImagePull`, then
//! `ImagePullBackOff`). A pod with a deletionTimestamp has its containers stopped within its grace
//! period, its sandbox removed, and is then deleted from the API with grace 0.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokube_proto::runtime::v1 as api;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, Pod, PodCondition, PodIP, PodStatus, Secret,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::runtime::watcher;
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::cri::Runtime;
use crate::podconfig::{self, NodeContext, POD_UID_LABEL};

/// How often the runtime's sandboxes and containers are relisted to notice changes (upstream's PLEG
/// relist period).
const RELIST: Duration = Duration::from_secs(1);
/// How often a worker syncs its pod without a change (upstream's syncFrequency is a minute).
const RESYNC: Duration = Duration::from_secs(10);
/// How often `staticPodPath` is read, and mirror pods checked.
const STATIC_CHECK: Duration = Duration::from_secs(1);
/// How often mirror pods are checked against the API when nothing pokes.
const MIRROR_RESYNC: Duration = Duration::from_secs(10);
/// How often the probes of a pod with probes are looked at (the smallest probe period).
const PROBE_TICK: Duration = Duration::from_secs(1);
const BACKOFF_START: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// A container that ran this long before it exited starts its backoff over.
const BACKOFF_RESET: Duration = Duration::from_secs(600);

/// How the manager reaches a worker: the pod as last seen, and a poke for changes the relist noticed.
type WorkerHandle = (watch::Sender<Option<Pod>>, Arc<tokio::sync::Notify>);

/// The node's pod workers.
pub struct PodManager {
    pub node: NodeContext,
    pub client: kube::Client,
    pub runtime: Runtime,
    /// Per pod uid: the pod as last seen, and a poke for changes the relist noticed.
    workers: Mutex<HashMap<String, WorkerHandle>>,
    /// `staticPodPath`, when set.
    static_pod_path: Option<std::path::PathBuf>,
    /// The static pods from it, by uid.
    static_pods: Mutex<BTreeMap<String, Pod>>,
    /// Poked when the mirror pods may need work: static pods changed, a mirror pod is being deleted, the
    /// watch (re)listed.
    mirrors_stale: tokio::sync::Notify,
    /// The node conditions the eviction manager sets (MemoryPressure, DiskPressure).
    pub pressure: Arc<crate::eviction::Pressure>,
    /// Pods the eviction manager chose, by uid: the message their status gets.
    evictions: Mutex<HashMap<String, Option<String>>>,
}

impl PodManager {
    pub fn new(
        node: NodeContext,
        client: kube::Client,
        runtime: Runtime,
        static_pod_path: Option<std::path::PathBuf>,
        pressure: Arc<crate::eviction::Pressure>,
    ) -> Arc<PodManager> {
        Arc::new(PodManager {
            node,
            client,
            runtime,
            workers: Mutex::new(HashMap::new()),
            static_pod_path,
            static_pods: Mutex::new(BTreeMap::new()),
            mirrors_stale: tokio::sync::Notify::new(),
            pressure,
            evictions: Mutex::new(HashMap::new()),
        })
    }

    /// Has the worker of pod `uid` stop it and fail it as `Evicted` with `message`.
    pub fn evict(&self, uid: &str, message: String) {
        self.evictions.lock().insert(uid.to_string(), Some(message));
        if let Some((_, poke)) = self.workers.lock().get(uid) {
            poke.notify_one();
        }
    }

    /// Whether pod `uid` was chosen for eviction.
    pub fn is_evicted(&self, uid: &str) -> bool {
        self.evictions.lock().contains_key(uid)
    }

    /// Reads `staticPodPath` every [`STATIC_CHECK`]: new manifests start pods, removed ones stop them, an
    /// edited one is a new pod replacing the old. Works with no apiserver at all.
    async fn static_source(self: Arc<Self>, mut reported: HashSet<String>) {
        loop {
            tokio::time::sleep(STATIC_CHECK).await;
            self.refresh_static(&mut reported);
        }
    }

    fn refresh_static(self: &Arc<Self>, reported: &mut HashSet<String>) {
        let Some(dir) = self.static_pod_path.clone() else {
            return;
        };
        let seen = ferrokube_apimachinery::time::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            None,
        );
        let (pods, bad) = crate::static_pods::load(&dir, &self.node.node_name, &seen);
        for b in &bad {
            if reported.insert(format!("{}\0{}", b.file, b.reason)) {
                tracing::warn!(file = %b.file, reason = %b.reason, "static pod manifest refused");
            }
        }
        let (added, removed): (Vec<Pod>, Vec<String>) = {
            let mut current = self.static_pods.lock();
            let added = pods
                .iter()
                .filter(|(uid, _)| !current.contains_key(*uid))
                .map(|(_, p)| p.clone())
                .collect();
            let removed = current.keys().filter(|uid| !pods.contains_key(*uid)).cloned().collect();
            *current = pods;
            (added, removed)
        };
        if !added.is_empty() || !removed.is_empty() {
            self.mirrors_stale.notify_one();
        }
        for uid in removed {
            tracing::info!(%uid, "static pod manifest removed or changed; stopping its pod");
            self.removed(&uid);
        }
        for pod in added {
            tracing::info!(pod = %podconfig::log_dir_name(&pod), "static pod from {}", dir.display());
            self.clone().update(pod);
        }
    }

    /// Keeps a mirror pod in the API for each static pod, once the apiserver answers: on each poke (see
    /// `mirrors_stale`), every [`MIRROR_RESYNC`], and every [`STATIC_CHECK`] while the last try failed.
    async fn mirror_pods(self: Arc<Self>) {
        if self.static_pod_path.is_none() {
            return;
        }
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(self.client.clone());
        let pods: Api<Pod> = Api::all(self.client.clone());
        let mut retry = true;
        loop {
            if retry {
                tokio::time::sleep(STATIC_CHECK).await;
            } else {
                tokio::select! {
                    () = self.mirrors_stale.notified() => {}
                    () = tokio::time::sleep(MIRROR_RESYNC) => {}
                }
            }
            retry = true;
            let wanted = self.static_pods.lock().clone();
            let selector = format!("spec.nodeName={}", self.node.node_name);
            let Ok(list) = pods.list(&kube::api::ListParams::default().fields(&selector)).await else {
                continue;
            };
            retry = false;
            let existing: HashMap<(String, String), (String, String, bool)> = list
                .items
                .iter()
                .filter(|p| crate::static_pods::is_mirror(p))
                .map(|p| {
                    let hash = p
                        .metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(crate::static_pods::CONFIG_MIRROR_ANNOTATION))
                        .cloned()
                        .unwrap_or_default();
                    (
                        (podconfig::namespace(p).to_string(), podconfig::name(p).to_string()),
                        (
                            hash,
                            podconfig::uid(p).to_string(),
                            p.metadata.deletion_timestamp.is_some(),
                        ),
                    )
                })
                .collect();
            let (create, delete) = crate::static_pods::mirror_plan(&wanted, &existing);
            if create.is_empty() && delete.is_empty() {
                continue;
            }
            for (ns, name, uid) in delete {
                let params = DeleteParams {
                    grace_period_seconds: Some(0),
                    preconditions: Some(Preconditions {
                        uid: Some(uid),
                        resource_version: None,
                    }),
                    ..Default::default()
                };
                match Api::<Pod>::namespaced(self.client.clone(), &ns)
                    .delete(&name, &params)
                    .await
                {
                    Ok(_) => tracing::info!(pod = %format!("{ns}/{name}"), "deleted an outdated mirror pod"),
                    Err(e) => tracing::debug!(error = %e, "deleting a mirror pod"),
                }
            }
            let node_uid = nodes
                .get_opt(&self.node.node_name)
                .await
                .ok()
                .flatten()
                .and_then(|n| n.metadata.uid);
            for pod in create {
                let mirror = crate::static_pods::mirror_of(pod, node_uid.as_deref());
                let api: Api<Pod> = Api::namespaced(self.client.clone(), podconfig::namespace(pod));
                match api.create(&PostParams::default(), &mirror).await {
                    Ok(_) => {
                        tracing::info!(pod = %podconfig::log_dir_name(pod), "created the mirror pod");
                        // Its status is the static pod's: report it now.
                        if let Some((_, poke)) = self.workers.lock().get(podconfig::uid(pod)) {
                            poke.notify_one();
                        }
                    }
                    Err(e) => {
                        retry = true;
                        tracing::warn!(pod = %podconfig::log_dir_name(pod), error = %e, "creating the mirror pod failed")
                    }
                }
            }
        }
    }

    /// The pods this kubelet runs, as last seen.
    pub fn pods(&self) -> Vec<Pod> {
        self.workers
            .lock()
            .values()
            .filter_map(|(tx, _)| tx.borrow().clone())
            .collect()
    }

    /// The pod `namespace/name` this kubelet runs.
    pub fn pod_by_name(&self, namespace: &str, name: &str) -> Option<Pod> {
        self.workers.lock().values().find_map(|(tx, _)| {
            let pod = tx.borrow();
            let pod = pod.as_ref()?;
            (crate::podconfig::namespace(pod) == namespace && crate::podconfig::name(pod) == name).then(|| pod.clone())
        })
    }

    /// Watches this node's pods and keeps a worker per pod. Runs until the task is dropped.
    pub async fn run(self: Arc<Self>) {
        let relist = tokio::spawn(self.clone().relist());
        let _stop_relist = AbortOnDrop(relist);
        // Static pods are known before the API's pods are listed, so they are never taken for orphans.
        let mut reported = HashSet::new();
        self.refresh_static(&mut reported);
        let _stop_static = AbortOnDrop(tokio::spawn(self.clone().static_source(reported)));
        let _stop_mirrors = AbortOnDrop(tokio::spawn(self.clone().mirror_pods()));
        let pods: Api<Pod> = Api::all(self.client.clone());
        let selector = format!("spec.nodeName={}", self.node.node_name);
        let mut events = std::pin::pin!(watcher(pods, watcher::Config::default().fields(&selector)));
        let mut listed: HashSet<String> = HashSet::new();
        while let Some(event) = events.next().await {
            match event {
                Ok(watcher::Event::Init) => listed.clear(),
                // Mirror pods are the API's view of static pods, which run from their manifests.
                Ok(watcher::Event::Delete(pod)) if crate::static_pods::is_mirror(&pod) => {
                    self.mirrors_stale.notify_one()
                }
                Ok(watcher::Event::InitApply(pod) | watcher::Event::Apply(pod))
                    if crate::static_pods::is_mirror(&pod) =>
                {
                    if pod.metadata.deletion_timestamp.is_some() {
                        self.mirrors_stale.notify_one();
                    }
                }
                Ok(watcher::Event::InitApply(pod)) => {
                    listed.insert(podconfig::uid(&pod).to_string());
                    self.clone().update(pod);
                }
                Ok(watcher::Event::InitDone) => {
                    self.mirrors_stale.notify_one();
                    // Pods that went away while the watch was down (static pods are not the API's).
                    listed.extend(self.static_pods.lock().keys().cloned());
                    let gone: Vec<String> = self
                        .workers
                        .lock()
                        .keys()
                        .filter(|uid| !listed.contains(*uid))
                        .cloned()
                        .collect();
                    for uid in gone {
                        self.removed(&uid);
                    }
                    self.clone().clean_orphans(&listed).await;
                }
                Ok(watcher::Event::Apply(pod)) => self.clone().update(pod),
                Ok(watcher::Event::Delete(pod)) => self.removed(podconfig::uid(&pod)),
                Err(e) => tracing::warn!(error = %e, "pod watch failed; retrying"),
            }
        }
    }

    /// Every second, two calls for the whole node (all sandboxes, all containers); the workers of pods
    /// whose sandboxes or containers changed state are poked to sync.
    async fn relist(self: Arc<Self>) {
        let mut last: HashMap<String, Vec<(String, i32)>> = HashMap::new();
        let mut ticker = tokio::time::interval(RELIST);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let (Ok(sandboxes), Ok(containers)) = (
                self.runtime.list_pod_sandbox(None).await,
                self.runtime.list_containers(None).await,
            ) else {
                continue;
            };
            let mut now: HashMap<String, Vec<(String, i32)>> = HashMap::new();
            for (uid, id, state) in sandboxes
                .iter()
                .filter_map(|s| s.labels.get(POD_UID_LABEL).map(|u| (u, &s.id, s.state)))
                .chain(
                    containers
                        .iter()
                        .filter_map(|c| c.labels.get(POD_UID_LABEL).map(|u| (u, &c.id, c.state + 10))),
                )
            {
                now.entry(uid.clone()).or_default().push((id.clone(), state));
            }
            for v in now.values_mut() {
                v.sort();
            }
            let workers = self.workers.lock();
            for (uid, (_, poke)) in workers.iter() {
                if now.get(uid) != last.get(uid) {
                    poke.notify_one();
                }
            }
            drop(workers);
            last = now;
        }
    }

    fn update(self: Arc<Self>, pod: Pod) {
        let uid = podconfig::uid(&pod).to_string();
        if uid.is_empty() {
            return;
        }
        let mut workers = self.workers.lock();
        match workers.get(&uid) {
            Some((tx, _)) => {
                let _ = tx.send(Some(pod));
            }
            None => {
                let (tx, rx) = watch::channel(Some(pod));
                let poke = Arc::new(tokio::sync::Notify::new());
                workers.insert(uid.clone(), (tx, poke.clone()));
                let mgr = self.clone();
                tokio::spawn(async move {
                    Worker::new(mgr.clone(), uid.clone()).run(rx, poke).await;
                    mgr.workers.lock().remove(&uid);
                    mgr.evictions.lock().remove(&uid);
                });
            }
        }
    }

    /// The pod is gone from the API: its worker tears it down.
    fn removed(&self, uid: &str) {
        if let Some((tx, _)) = self.workers.lock().get(uid) {
            let _ = tx.send(None);
        }
    }

    /// Sandboxes of pods the API no longer has (deleted while this kubelet was away) are torn down.
    async fn clean_orphans(self: Arc<Self>, known: &HashSet<String>) {
        let Ok(sandboxes) = self.runtime.list_pod_sandbox(None).await else {
            return;
        };
        let orphans: HashSet<String> = sandboxes
            .iter()
            .filter_map(|s| s.labels.get(POD_UID_LABEL))
            .filter(|uid| !known.contains(*uid))
            .cloned()
            .collect();
        for uid in orphans {
            tracing::info!(%uid, "removing the sandbox of a pod that no longer exists");
            kill_pod(&self.runtime, &uid, Duration::from_secs(2), true).await;
            crate::volumes::cleanup(&self.node.root_dir, &uid);
        }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The containers of one pod as the runtime has them: per container name, every attempt, newest last.
#[derive(Debug, Default)]
struct RuntimeState {
    sandbox: Option<api::PodSandbox>,
    sandbox_status: Option<api::PodSandboxStatus>,
    dead_sandboxes: Vec<api::PodSandbox>,
    containers: BTreeMap<String, Vec<api::ContainerStatus>>,
}

impl RuntimeState {
    fn latest(&self, name: &str) -> Option<&api::ContainerStatus> {
        self.containers.get(name).and_then(|v| v.last())
    }

    fn previous(&self, name: &str) -> Option<&api::ContainerStatus> {
        self.containers
            .get(name)
            .and_then(|v| v.len().checked_sub(2).map(|i| &v[i]))
    }

    fn pod_ip(&self) -> String {
        self.sandbox_status
            .as_ref()
            .and_then(|s| s.network.as_ref())
            .map(|n| n.ip.clone())
            .unwrap_or_default()
    }
}

/// Statuses that do not change while the listed state does not: a sandbox's (its IP) and a container's in
/// a given state (its start time, or its exit). Saves a status call per container and sync.
#[derive(Debug, Default)]
struct StatusCache {
    sandboxes: HashMap<String, api::PodSandboxStatus>,
    containers: HashMap<String, (i32, api::ContainerStatus)>,
}

async fn runtime_state(
    runtime: &Runtime,
    uid: &str,
    cache: &mut StatusCache,
) -> Result<RuntimeState, crate::cri::CriError> {
    let label = HashMap::from([(POD_UID_LABEL.to_string(), uid.to_string())]);
    let mut sandboxes = runtime
        .list_pod_sandbox(Some(api::PodSandboxFilter {
            label_selector: label.clone(),
            ..Default::default()
        }))
        .await?;
    sandboxes.sort_by_key(|s| s.created_at);
    let ready = sandboxes
        .iter()
        .rposition(|s| s.state == api::PodSandboxState::SandboxReady as i32);
    let mut state = RuntimeState::default();
    if let Some(i) = ready {
        let sandbox = sandboxes.remove(i);
        state.sandbox_status = match cache.sandboxes.get(&sandbox.id) {
            Some(s) => Some(s.clone()),
            None => {
                let status = runtime.pod_sandbox_status(&sandbox.id, false).await?.status;
                if let Some(s) = &status {
                    cache.sandboxes.insert(sandbox.id.clone(), s.clone());
                }
                status
            }
        };
        state.sandbox = Some(sandbox);
    }
    cache
        .sandboxes
        .retain(|id, _| state.sandbox.as_ref().is_some_and(|s| &s.id == id));
    state.dead_sandboxes = sandboxes;
    let containers = runtime
        .list_containers(Some(api::ContainerFilter {
            label_selector: label,
            ..Default::default()
        }))
        .await?;
    let listed: HashSet<&str> = containers.iter().map(|c| c.id.as_str()).collect();
    cache.containers.retain(|id, _| listed.contains(id.as_str()));
    for c in &containers {
        // Containers of dead sandboxes are history, not this sandbox's state.
        if state.sandbox.as_ref().map(|s| &s.id) != Some(&c.pod_sandbox_id) {
            continue;
        }
        let status = match cache.containers.get(&c.id) {
            Some((listed_state, status)) if *listed_state == c.state => status.clone(),
            _ => {
                let Some(status) = runtime.container_status(&c.id, false).await?.status else {
                    continue;
                };
                cache.containers.insert(c.id.clone(), (c.state, status.clone()));
                status
            }
        };
        let name = status.metadata.as_ref().map(|m| m.name.clone()).unwrap_or_default();
        state.containers.entry(name).or_default().push(status);
    }
    for attempts in state.containers.values_mut() {
        attempts.sort_by_key(|s| s.metadata.as_ref().map(|m| m.attempt).unwrap_or(0));
    }
    Ok(state)
}

/// Stops every container of the pod `uid` within `grace`, then its sandboxes; with `remove`, deletes them.
async fn kill_pod(runtime: &Runtime, uid: &str, grace: Duration, remove: bool) {
    let label = HashMap::from([(POD_UID_LABEL.to_string(), uid.to_string())]);
    let containers = runtime
        .list_containers(Some(api::ContainerFilter {
            label_selector: label.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_or_default();
    let stops = containers
        .iter()
        .filter(|c| c.state == api::ContainerState::ContainerRunning as i32)
        .map(|c| runtime.stop_container(&c.id, grace));
    for r in futures::future::join_all(stops).await {
        if let Err(e) = r {
            tracing::warn!(%uid, error = %e, "stopping a container failed");
        }
    }
    let sandboxes = runtime
        .list_pod_sandbox(Some(api::PodSandboxFilter {
            label_selector: label,
            ..Default::default()
        }))
        .await
        .unwrap_or_default();
    for s in &sandboxes {
        if let Err(e) = runtime.stop_pod_sandbox(&s.id).await {
            tracing::warn!(%uid, error = %e, "stopping the sandbox failed");
        }
    }
    if remove {
        for c in &containers {
            let _ = runtime.remove_container(&c.id).await;
        }
        for s in &sandboxes {
            let _ = runtime.remove_pod_sandbox(&s.id).await;
        }
    }
}

/// Why a container is not running, when the runtime does not say (image pulls, backoff, create errors).
#[derive(Debug, Clone)]
struct Waiting {
    reason: String,
    message: String,
}

/// The probe results of one run of a container (one CRI container id).
#[derive(Debug, Default)]
struct Probes {
    id: String,
    /// The startup probe passed (or there is none).
    started: bool,
    /// The readiness probe's verdict (false until its first success; true when there is none).
    ready: bool,
    /// Per probe kind: when it last ran, consecutive successes, consecutive failures.
    runs: HashMap<&'static str, (Instant, i32, i32)>,
}

struct Worker {
    mgr: Arc<PodManager>,
    uid: String,
    probes: HashMap<String, Probes>,
    /// A running container of the pod has probes (the worker wakes every [`PROBE_TICK`]).
    probing: bool,
    /// Per container name: when it may start again, and the current backoff step.
    backoff: HashMap<String, (Instant, Duration)>,
    waiting: HashMap<String, Waiting>,
    start_time: Option<Time>,
    last_status: Option<PodStatus>,
    /// The runtime's view of the pod at the last sync, for probe ticks between syncs.
    state: Option<RuntimeState>,
    /// The pod was failed by the kubelet (reason, message): activeDeadlineSeconds.
    failed: Option<(String, String)>,
    /// The pod's volumes as this sync set them up (host paths by name), or why they could not be.
    volumes: Option<Result<BTreeMap<String, std::path::PathBuf>, String>>,
    /// When the eviction manager stopped the pod (the DisruptionTarget condition's time).
    evicted_at: Option<Time>,
    cache: StatusCache,
}

fn ts(nanos: i64) -> Option<Time> {
    (nanos > 0)
        .then(|| Timestamp::from_nanosecond(i128::from(nanos)).ok())
        .flatten()
        .map(Time)
}

fn restart_policy(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("Always")
}

fn exited(s: &api::ContainerStatus) -> bool {
    s.state == api::ContainerState::ContainerExited as i32
}

fn running(s: &api::ContainerStatus) -> bool {
    s.state == api::ContainerState::ContainerRunning as i32
}

fn attempt(s: &api::ContainerStatus) -> u32 {
    s.metadata.as_ref().map(|m| m.attempt).unwrap_or(0)
}

impl Worker {
    fn new(mgr: Arc<PodManager>, uid: String) -> Worker {
        Worker {
            mgr,
            uid,
            probes: HashMap::new(),
            probing: false,
            backoff: HashMap::new(),
            waiting: HashMap::new(),
            start_time: None,
            last_status: None,
            state: None,
            failed: None,
            volumes: None,
            evicted_at: None,
            cache: StatusCache::default(),
        }
    }

    /// Syncs on every change of the pod, every change the relist notices, when a backoff ends and every
    /// [`RESYNC`]; in between, runs due probes every [`PROBE_TICK`] on the state of the last sync.
    async fn run(mut self, mut rx: watch::Receiver<Option<Pod>>, poke: Arc<tokio::sync::Notify>) {
        let mut full = true;
        loop {
            let pod = rx.borrow_and_update().clone();
            match pod {
                None => {
                    kill_pod(&self.mgr.runtime, &self.uid, Duration::from_secs(2), true).await;
                    crate::volumes::cleanup(&self.mgr.node.root_dir, &self.uid);
                    return;
                }
                Some(pod) if pod.metadata.deletion_timestamp.is_some() => {
                    self.terminate(&pod).await;
                    return;
                }
                Some(pod) => {
                    let result = if full {
                        self.sync(&pod).await
                    } else {
                        self.probe_tick(&pod).await
                    };
                    if let Err(e) = result {
                        tracing::warn!(pod = %podconfig::log_dir_name(&pod), error = %format!("{e:#}"), "error syncing pod; will retry");
                    }
                }
            }
            let now = Instant::now();
            let resync = now + RESYNC;
            let backoff_ends = self
                .backoff
                .values()
                .map(|(until, _)| *until)
                .filter(|u| *u > now)
                .min();
            let probe = self.has_probes().then(|| now + PROBE_TICK);
            let wake = [Some(resync), backoff_ends, probe]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(resync);
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    full = true;
                }
                _ = poke.notified() => full = true,
                _ = tokio::time::sleep_until(wake.into()) => {
                    full = wake >= resync || backoff_ends.is_some_and(|b| b <= Instant::now());
                }
            }
        }
    }

    /// Whether the pod has run longer than its activeDeadlineSeconds since the kubelet started it.
    fn deadline_exceeded(&self, pod: &Pod) -> bool {
        let Some(deadline) = pod.spec.as_ref().and_then(|s| s.active_deadline_seconds) else {
            return false;
        };
        let Some(start) = self
            .start_time
            .clone()
            .or_else(|| pod.status.as_ref().and_then(|s| s.start_time.clone()))
        else {
            return false;
        };
        let elapsed = Timestamp::now().as_second() - start.0.as_second();
        elapsed >= deadline
    }

    /// Whether a running container has probes to run.
    fn has_probes(&self) -> bool {
        self.probing
    }

    /// Runs the due probes on the last sync's state; reports a changed status; syncs if one killed a
    /// container.
    async fn probe_tick(&mut self, pod: &Pod) -> anyhow::Result<()> {
        let Some(state) = self.state.take() else {
            return self.sync(pod).await;
        };
        let killed = self.run_probes(pod, &state).await;
        if killed {
            return self.sync(pod).await;
        }
        let status = self.status(pod, &state);
        self.state = Some(state);
        self.report(pod, status).await
    }

    /// Runs the preStop hooks of the running containers (exec, httpGet, tcpSocket, sleep), each bounded
    /// by the grace period.
    async fn run_pre_stop(&self, pod: &Pod, state: &RuntimeState, grace: Duration) {
        let Some(spec) = pod.spec.as_ref() else { return };
        let pod_ip = state.pod_ip();
        let rt = &self.mgr.runtime;
        let hooks = spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .filter_map(|c| {
                let hook = c.lifecycle.as_ref()?.pre_stop.as_ref()?;
                let running = state.latest(&c.name).filter(|s| running(s))?;
                Some((c, hook, running.id.clone()))
            })
            .map(|(c, hook, id)| {
                let pod_ip = pod_ip.clone();
                async move {
                    if let Err(why) = run_hook(rt, hook, c, &id, &pod_ip, grace).await {
                        tracing::warn!(pod = %podconfig::log_dir_name(pod), container = %c.name, %why, "preStop hook failed");
                    }
                }
            });
        futures::future::join_all(hooks).await;
    }

    /// Stops the pod within its grace period, reports its containers terminated, removes it from the
    /// runtime and deletes it from the API (grace 0, this uid only).
    async fn terminate(&mut self, pod: &Pod) {
        let grace = pod
            .metadata
            .deletion_grace_period_seconds
            .or_else(|| pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30)
            .max(2) as u64;
        let grace = Duration::from_secs(grace);
        // preStop hooks first, all at once; the containers are then stopped with what is left of the
        // grace period (at least 2 s, as upstream).
        let started = Instant::now();
        if let Ok(state) = runtime_state(&self.mgr.runtime, &self.uid, &mut self.cache).await {
            self.run_pre_stop(pod, &state, grace).await;
        }
        let remaining = grace.saturating_sub(started.elapsed()).max(Duration::from_secs(2));
        kill_pod(&self.mgr.runtime, &self.uid, remaining, false).await;
        if let Ok(state) = runtime_state(&self.mgr.runtime, &self.uid, &mut self.cache).await {
            let status = self.status(pod, &state);
            let _ = self.report(pod, status).await;
        }
        kill_pod(&self.mgr.runtime, &self.uid, Duration::from_secs(2), true).await;
        crate::volumes::cleanup(&self.mgr.node.root_dir, &self.uid);
        let pods: Api<Pod> = Api::namespaced(self.mgr.client.clone(), podconfig::namespace(pod));
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(self.uid.clone()),
                resource_version: None,
            }),
            ..Default::default()
        };
        match pods.delete(podconfig::name(pod), &params).await {
            Ok(_) => tracing::info!(pod = %podconfig::log_dir_name(pod), "pod terminated and deleted"),
            Err(kube::Error::Api(s)) if s.is_not_found() || s.is_conflict() => {}
            Err(e) => {
                tracing::warn!(pod = %podconfig::log_dir_name(pod), error = %e, "deleting the terminated pod failed")
            }
        }
    }

    async fn sync(&mut self, pod: &Pod) -> anyhow::Result<()> {
        let rt = self.mgr.runtime.clone();
        let mut state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
        let phase = self
            .last_status
            .as_ref()
            .or(pod.status.as_ref())
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        let mut terminal = phase == "Succeeded" || phase == "Failed";
        let evicted = self.mgr.evictions.lock().get_mut(&self.uid).and_then(Option::take);
        if let Some(message) = evicted.filter(|_| !terminal) {
            self.failed = Some(("Evicted".into(), message));
            kill_pod(&rt, &self.uid, Duration::ZERO, false).await;
            state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
            terminal = true;
        }
        // Admission under node pressure: a pod that has not started may be rejected.
        if !terminal
            && state.sandbox.is_none()
            && state.containers.is_empty()
            && self.start_time.is_none()
            && let Some(message) = self.mgr.pressure.rejects(pod)
        {
            self.failed = Some(("Evicted".into(), message));
            terminal = true;
        }
        if !terminal && self.deadline_exceeded(pod) {
            tracing::info!(pod = %podconfig::log_dir_name(pod), "activeDeadlineSeconds exceeded; stopping the pod");
            self.failed = Some((
                "DeadlineExceeded".into(),
                "Pod was active on the node longer than the specified deadline".into(),
            ));
            kill_pod(&rt, &self.uid, grace_period(pod), false).await;
            state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
            terminal = true;
        }
        if !terminal {
            if state.sandbox.is_none() {
                self.create_sandbox(pod, &state).await?;
                state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
            }
            // Volumes once per sync, for every container started in it; ConfigMap, Secret and downward API
            // files follow their sources (written only when they changed).
            self.volumes = match state.sandbox {
                Some(_) => Some(crate::volumes::prepare(&self.mgr.client, &self.mgr.node, pod, &state.pod_ip()).await),
                None => None,
            };
            self.start_containers(pod, &state).await;
            state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
            if self.run_probes(pod, &state).await {
                state = runtime_state(&rt, &self.uid, &mut self.cache).await?;
            }
        }
        let status = self.status(pod, &state);
        let finished = matches!(status.phase.as_deref(), Some("Succeeded" | "Failed"));
        let reported = self.report(pod, status).await;
        if finished && state.sandbox.is_some() {
            // A finished pod keeps no sandbox running (its containers have all exited).
            kill_pod(&rt, &self.uid, Duration::from_secs(2), false).await;
        }
        self.collect_garbage(&state).await;
        self.state = Some(state);
        reported
    }

    /// Removes the pod's dead containers but the newest per container name (kept for `--previous`
    /// logs and lastState, upstream's MaxPerPodContainer of 1), and its dead sandboxes while a live one
    /// runs.
    async fn collect_garbage(&mut self, state: &RuntimeState) {
        let rt = &self.mgr.runtime;
        for attempts in state.containers.values() {
            let dead: Vec<&api::ContainerStatus> = attempts.iter().filter(|s| exited(s)).collect();
            for old in dead.iter().take(dead.len().saturating_sub(1)) {
                if rt.remove_container(&old.id).await.is_ok() {
                    self.cache.containers.remove(&old.id);
                }
            }
        }
        if state.sandbox.is_some() {
            for dead in &state.dead_sandboxes {
                let _ = rt.remove_pod_sandbox(&dead.id).await;
            }
        }
    }

    async fn create_sandbox(&mut self, pod: &Pod, state: &RuntimeState) -> anyhow::Result<()> {
        let rt = &self.mgr.runtime;
        // A dead sandbox takes its containers with it: they are killed before the next attempt.
        if !state.dead_sandboxes.is_empty() {
            kill_pod(rt, &self.uid, Duration::from_secs(2), false).await;
        }
        let attempt = state
            .dead_sandboxes
            .iter()
            .filter_map(|s| s.metadata.as_ref().map(|m| m.attempt + 1))
            .max()
            .unwrap_or(0);
        let config = podconfig::sandbox_config(&self.mgr.node, pod, attempt);
        std::fs::create_dir_all(&config.log_directory)?;
        let handler = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.clone())
            .unwrap_or_default();
        rt.run_pod_sandbox(config, &handler).await?;
        Ok(())
    }

    /// Starts what should run now: the next init container, or the regular containers.
    async fn start_containers(&mut self, pod: &Pod, state: &RuntimeState) {
        let Some(spec) = pod.spec.as_ref() else { return };
        let policy = restart_policy(pod).to_string();
        for init in spec.init_containers.iter().flatten() {
            let sidecar = init.restart_policy.as_deref() == Some("Always");
            match state.latest(&init.name) {
                Some(s) if running(s) && sidecar => continue,
                Some(s) if running(s) => return,
                Some(s) if exited(s) && s.exit_code == 0 && !sidecar => continue,
                Some(s) if exited(s) => {
                    if sidecar || policy != "Never" {
                        self.restart(pod, init, state, s).await;
                    }
                    if !sidecar {
                        return;
                    }
                }
                Some(s) => {
                    // Created but not started (an earlier start failed halfway).
                    let _ = self.mgr.runtime.start_container(&s.id).await;
                    if !sidecar {
                        return;
                    }
                }
                None => {
                    self.start(pod, init, state, 0).await;
                    if !sidecar {
                        return;
                    }
                }
            }
        }
        for c in &spec.containers {
            match state.latest(&c.name) {
                Some(s) if running(s) => {}
                Some(s) if exited(s) => {
                    let again = match policy.as_str() {
                        "Always" => true,
                        "OnFailure" => s.exit_code != 0,
                        _ => false,
                    };
                    if again {
                        self.restart(pod, c, state, s).await;
                    }
                }
                Some(s) => {
                    let _ = self.mgr.runtime.start_container(&s.id).await;
                }
                None => self.start(pod, c, state, 0).await,
            }
        }
        // Ephemeral containers (`kubectl debug`): started once, never restarted.
        for ec in spec.ephemeral_containers.iter().flatten() {
            if state.latest(&ec.name).is_some() {
                continue;
            }
            let c = ephemeral_as_container(ec);
            let target = match ec.target_container_name.as_deref().filter(|t| !t.is_empty()) {
                Some(t) => match state.latest(t).filter(|s| running(s)) {
                    Some(s) => Some(s.id.clone()),
                    // The target is not running (yet): try again on the next sync.
                    None => continue,
                },
                None => None,
            };
            match self.create_and_start(pod, &c, state, 0, target.as_deref()).await {
                Ok(()) => {
                    self.waiting.remove(&c.name);
                }
                Err(w) => {
                    self.waiting.insert(c.name.clone(), w);
                }
            }
        }
    }

    /// Starts the next attempt of an exited container, unless it is backing off: the first restart is
    /// immediate, then each waits twice as long (10 s to 5 min) unless the container had run 10 minutes.
    async fn restart(&mut self, pod: &Pod, c: &Container, state: &RuntimeState, last: &api::ContainerStatus) {
        let now = Instant::now();
        let ran = Duration::from_nanos(last.finished_at.saturating_sub(last.started_at).max(0) as u64);
        let next = match self.backoff.get(&c.name).copied() {
            Some((until, step)) if ran < BACKOFF_RESET && now < until => {
                self.waiting.insert(
                    c.name.clone(),
                    Waiting {
                        reason: "CrashLoopBackOff".into(),
                        message: format!(
                            "back-off {} restarting failed container={} pod={}_{}({})",
                            go_duration(step),
                            c.name,
                            podconfig::name(pod),
                            podconfig::namespace(pod),
                            self.uid
                        ),
                    },
                );
                return;
            }
            Some((_, step)) if ran < BACKOFF_RESET => (step * 2).min(BACKOFF_MAX),
            _ => BACKOFF_START,
        };
        self.backoff.insert(c.name.clone(), (now + next, next));
        self.start(pod, c, state, attempt(last) + 1).await;
    }

    /// Runs the probes that are due on the running containers. A container failing its startup or
    /// liveness probe `failureThreshold` times in a row is stopped (its restart policy brings it back).
    /// Whether one was stopped.
    async fn run_probes(&mut self, pod: &Pod, state: &RuntimeState) -> bool {
        let Some(spec) = pod.spec.as_ref() else { return false };
        let pod_ip = state.pod_ip();
        let containers: Vec<&Container> = spec
            .init_containers
            .iter()
            .flatten()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .chain(spec.containers.iter())
            .collect();
        let mut killed = false;
        self.probing = false;
        for c in containers {
            let Some(s) = state.latest(&c.name).filter(|s| running(s)) else {
                self.probes.remove(&c.name);
                continue;
            };
            self.probing |= c.startup_probe.is_some() || c.liveness_probe.is_some() || c.readiness_probe.is_some();
            let entry = self.probes.entry(c.name.clone()).or_default();
            if entry.id != s.id {
                *entry = Probes {
                    id: s.id.clone(),
                    started: c.startup_probe.is_none(),
                    ready: c.readiness_probe.is_none(),
                    runs: HashMap::new(),
                };
            }
            let since_start = Timestamp::now()
                .as_nanosecond()
                .saturating_sub(i128::from(s.started_at))
                .max(0) as u64;
            let since_start = Duration::from_nanos(since_start);
            let kinds: [(&'static str, Option<&k8s_openapi::api::core::v1::Probe>); 3] = [
                ("Startup", c.startup_probe.as_ref()),
                ("Liveness", c.liveness_probe.as_ref()),
                ("Readiness", c.readiness_probe.as_ref()),
            ];
            for (kind, probe) in kinds {
                let Some(probe) = probe else { continue };
                let started = self.probes[&c.name].started;
                if (kind == "Startup") == started {
                    // Startup runs until it passes; the others only after.
                    continue;
                }
                let delay = Duration::from_secs(probe.initial_delay_seconds.unwrap_or(0).max(0) as u64);
                let period = Duration::from_secs(probe.period_seconds.unwrap_or(10).max(1) as u64);
                let last = self.probes[&c.name].runs.get(kind).map(|r| r.0);
                if since_start < delay || last.is_some_and(|t| t.elapsed() < period) {
                    continue;
                }
                let outcome = crate::probe::run(&self.mgr.runtime, probe, c, &s.id, &pod_ip).await;
                let p = self.probes.get_mut(&c.name).expect("inserted above");
                let run = p.runs.entry(kind).or_insert((Instant::now(), 0, 0));
                run.0 = Instant::now();
                match &outcome {
                    crate::probe::Outcome::Success => {
                        run.1 += 1;
                        run.2 = 0;
                    }
                    crate::probe::Outcome::Failure(_) => {
                        run.1 = 0;
                        run.2 += 1;
                    }
                }
                let (successes, failures) = (run.1, run.2);
                let success_threshold = probe.success_threshold.unwrap_or(1).max(1);
                let failure_threshold = probe.failure_threshold.unwrap_or(3).max(1);
                match kind {
                    "Startup" if successes >= 1 => p.started = true,
                    "Readiness" if successes >= success_threshold => p.ready = true,
                    "Readiness" if failures >= failure_threshold => p.ready = false,
                    "Startup" | "Liveness" if failures >= failure_threshold => {
                        if let crate::probe::Outcome::Failure(why) = &outcome {
                            tracing::info!(
                                pod = %podconfig::log_dir_name(pod),
                                container = %c.name,
                                probe = kind,
                                %why,
                                "container failed its probe; it will be restarted"
                            );
                        }
                        let grace = probe
                            .termination_grace_period_seconds
                            .or(spec.termination_grace_period_seconds)
                            .unwrap_or(30)
                            .max(0) as u64;
                        let _ = self.mgr.runtime.stop_container(&s.id, Duration::from_secs(grace)).await;
                        killed = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
        killed
    }

    /// Pulls the image if needed, creates and starts attempt `n` of `c`; why not, as the container's
    /// waiting reason.
    async fn start(&mut self, pod: &Pod, c: &Container, state: &RuntimeState, n: u32) {
        match self.create_and_start(pod, c, state, n, None).await {
            Ok(()) => {
                self.waiting.remove(&c.name);
            }
            Err(w) => {
                self.waiting.insert(c.name.clone(), w);
            }
        }
    }

    async fn create_and_start(
        &mut self,
        pod: &Pod,
        c: &Container,
        state: &RuntimeState,
        n: u32,
        target: Option<&str>,
    ) -> Result<(), Waiting> {
        let rt = self.mgr.runtime.clone();
        let Some(sandbox) = state.sandbox.as_ref() else {
            return Ok(());
        };
        let config_error = |message: String| Waiting {
            reason: "CreateContainerConfigError".into(),
            message,
        };
        let image = c.image.clone().unwrap_or_default();
        let status = self.ensure_image(pod, c, &image).await?;
        podconfig::verify_non_root(
            pod,
            c,
            status.as_ref().and_then(|i| i.uid.as_ref()).map(|u| u.value),
            status.as_ref().map(|i| i.username.as_str()).unwrap_or(""),
        )
        .map_err(config_error)?;
        let resolved = self.resolve_env(pod, c).await.map_err(config_error)?;
        let volumes = match &self.volumes {
            Some(v) => v.clone(),
            None => crate::volumes::prepare(&self.mgr.client, &self.mgr.node, pod, &state.pod_ip()).await,
        };
        let mut mounts = volumes
            .and_then(|v| crate::volumes::mounts(c, &v))
            .map_err(config_error)?;
        let node = &self.mgr.node;
        // The termination message file, read back when the container exits.
        let message_path = c
            .termination_message_path
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/dev/termination-log".to_string());
        let message_file = termination_message_file(&node.root_dir, &self.uid, &c.name, n);
        if write_file(&message_file, b"", Some(0o666)).is_ok()
            && !mounts.iter().any(|m| m.container_path == message_path)
        {
            mounts.push(api::Mount {
                container_path: message_path,
                host_path: message_file.to_string_lossy().into_owned(),
                ..Default::default()
            });
        }
        // The kubelet's /etc/hosts, unless the pod uses the host's network or mounts its own.
        let host_network = pod.spec.as_ref().and_then(|s| s.host_network).unwrap_or(false);
        if !host_network && !mounts.iter().any(|m| m.container_path == "/etc/hosts") {
            let file = crate::volumes::pod_dir(&node.root_dir, &self.uid).join("etc-hosts");
            let hosts = podconfig::etc_hosts(node, pod, &state.pod_ip());
            if std::fs::read_to_string(&file).ok().as_deref() != Some(hosts.as_str())
                && let Err(e) = write_file(&file, hosts.as_bytes(), None)
            {
                tracing::warn!(pod = %podconfig::log_dir_name(pod), error = %e, "cannot write the pod's /etc/hosts");
            }
            if file.exists() {
                mounts.push(api::Mount {
                    container_path: "/etc/hosts".into(),
                    host_path: file.to_string_lossy().into_owned(),
                    ..Default::default()
                });
            }
        }
        let mut config = podconfig::container_config(node, pod, c, n, &state.pod_ip(), &resolved, mounts);
        // An ephemeral container with a target joins the target's process namespace.
        if let Some(target) = target
            && let Some(ns) = config
                .linux
                .as_mut()
                .and_then(|l| l.security_context.as_mut())
                .and_then(|s| s.namespace_options.as_mut())
        {
            ns.pid = api::NamespaceMode::Target as i32;
            ns.target_id = target.to_string();
        }
        let sandbox_config =
            podconfig::sandbox_config(node, pod, sandbox.metadata.as_ref().map(|m| m.attempt).unwrap_or(0));
        let _ = std::fs::create_dir_all(Path::new(&sandbox_config.log_directory).join(&c.name));
        let id = rt
            .create_container(&sandbox.id, config, sandbox_config)
            .await
            .map_err(|e| Waiting {
                reason: "CreateContainerError".into(),
                message: e.to_string(),
            })?;
        rt.start_container(&id).await.map_err(|e| Waiting {
            reason: "RunContainerError".into(),
            message: e.to_string(),
        })?;
        // postStart runs right after the start; a failing hook kills the container, and its restart
        // policy decides what comes next.
        if let Some(hook) = c.lifecycle.as_ref().and_then(|l| l.post_start.as_ref())
            && let Err(why) = run_hook(&rt, hook, c, &id, &state.pod_ip(), Duration::from_secs(30)).await
        {
            tracing::warn!(pod = %podconfig::log_dir_name(pod), container = %c.name, %why, "FailedPostStartHook: killing the container");
            let _ = rt.stop_container(&id, grace_period(pod)).await;
        }
        Ok(())
    }

    /// The image of `c` as the runtime holds it, pulled first if the policy asks; why not, as the
    /// container's waiting reason.
    async fn ensure_image(&mut self, pod: &Pod, c: &Container, image: &str) -> Result<Option<api::Image>, Waiting> {
        let rt = self.mgr.runtime.clone();
        let policy = c.image_pull_policy.as_deref().unwrap_or("IfNotPresent");
        let present = rt.image_status(image).await.map_err(|e| Waiting {
            reason: "ErrImagePull".into(),
            message: e.to_string(),
        })?;
        if present.is_some() && policy != "Always" {
            return Ok(present);
        }
        if policy == "Never" {
            return Err(Waiting {
                reason: "ErrImageNeverPull".into(),
                message: format!("Container image \"{image}\" is not present with pull policy of Never"),
            });
        }
        let key = format!("image:{}", c.name);
        if let Some((until, _)) = self.backoff.get(&key)
            && Instant::now() < *until
        {
            return Err(Waiting {
                reason: "ImagePullBackOff".into(),
                message: format!("Back-off pulling image \"{image}\""),
            });
        }
        match rt
            .pull_image(image, None, Some(podconfig::sandbox_config(&self.mgr.node, pod, 0)))
            .await
        {
            Ok(_) => {
                self.backoff.remove(&key);
                Ok(rt.image_status(image).await.ok().flatten())
            }
            Err(e) => {
                let step = self
                    .backoff
                    .get(&key)
                    .map(|(_, s)| (*s * 2).min(BACKOFF_MAX))
                    .unwrap_or(BACKOFF_START);
                self.backoff.insert(key, (Instant::now() + step, step));
                Err(Waiting {
                    reason: "ErrImagePull".into(),
                    message: format!("failed to pull image \"{image}\": {e}"),
                })
            }
        }
    }

    /// Values of the container's ConfigMap and Secret references: `configMapKeyRef`/`secretKeyRef` by
    /// variable name, `envFrom` entries as `envFrom:<name>`. A missing required source is an error message.
    async fn resolve_env(&self, pod: &Pod, c: &Container) -> Result<BTreeMap<String, String>, String> {
        let ns = podconfig::namespace(pod);
        // Every ConfigMap and Secret the container names, read once: (is a secret, name) → its data.
        let mut sources: BTreeMap<(bool, String), Option<BTreeMap<String, String>>> = BTreeMap::new();
        let named = c
            .env_from
            .iter()
            .flatten()
            .flat_map(|f| {
                [
                    f.config_map_ref.as_ref().map(|r| (false, r.name.clone())),
                    f.secret_ref.as_ref().map(|r| (true, r.name.clone())),
                ]
            })
            .chain(
                c.env
                    .iter()
                    .flatten()
                    .filter_map(|e| e.value_from.as_ref())
                    .flat_map(|f| {
                        [
                            f.config_map_key_ref.as_ref().map(|r| (false, r.name.clone())),
                            f.secret_key_ref.as_ref().map(|r| (true, r.name.clone())),
                        ]
                    }),
            )
            .flatten()
            .collect::<Vec<_>>();
        for key in named {
            if sources.contains_key(&key) {
                continue;
            }
            let data = if key.0 {
                let api: Api<Secret> = Api::namespaced(self.mgr.client.clone(), ns);
                api.get_opt(&key.1).await.map_err(|e| e.to_string())?.map(|s| {
                    s.data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
                        .collect()
                })
            } else {
                let api: Api<ConfigMap> = Api::namespaced(self.mgr.client.clone(), ns);
                api.get_opt(&key.1)
                    .await
                    .map_err(|e| e.to_string())?
                    .map(|cm| cm.data.unwrap_or_default())
            };
            sources.insert(key, data);
        }
        let kind = |secret: bool| if secret { "secret" } else { "configmap" };
        let mut out = BTreeMap::new();
        for from in c.env_from.iter().flatten() {
            let prefix = from.prefix.clone().unwrap_or_default();
            let refs = [
                from.config_map_ref.as_ref().map(|r| (false, &r.name, r.optional)),
                from.secret_ref.as_ref().map(|r| (true, &r.name, r.optional)),
            ];
            for (secret, name, optional) in refs.into_iter().flatten() {
                match &sources[&(secret, name.clone())] {
                    Some(data) => {
                        for (k, v) in data {
                            out.insert(format!("envFrom:{prefix}{k}"), v.clone());
                        }
                    }
                    None if optional == Some(true) => {}
                    None => return Err(format!("{} \"{name}\" not found", kind(secret))),
                }
            }
        }
        for e in c.env.iter().flatten() {
            let Some(from) = &e.value_from else { continue };
            let refs = [
                from.config_map_key_ref
                    .as_ref()
                    .map(|r| (false, &r.name, &r.key, r.optional)),
                from.secret_key_ref
                    .as_ref()
                    .map(|r| (true, &r.name, &r.key, r.optional)),
            ];
            for (secret, name, key, optional) in refs.into_iter().flatten() {
                match sources[&(secret, name.clone())].as_ref().and_then(|d| d.get(key)) {
                    Some(v) => {
                        out.insert(e.name.clone(), v.clone());
                    }
                    None if optional == Some(true) => {}
                    None => {
                        let kind = if secret { "Secret" } else { "ConfigMap" };
                        return Err(format!("couldn't find key {key} in {kind} {ns}/{name}"));
                    }
                }
            }
        }
        Ok(out)
    }

    /// What an exited container left in its termination message file (at most 4 KiB); with
    /// `FallbackToLogsOnError` and a failure, the end of its log (80 lines, 2 KiB) when the file is empty;
    /// else the runtime's message.
    fn termination_message(&self, c: &Container, s: &api::ContainerStatus) -> Option<String> {
        let file = termination_message_file(&self.mgr.node.root_dir, &self.uid, &c.name, attempt(s));
        let mut text = std::fs::read(&file).unwrap_or_default();
        text.truncate(4096);
        let mut text = String::from_utf8_lossy(&text).into_owned();
        if text.is_empty()
            && s.exit_code != 0
            && c.termination_message_policy.as_deref() == Some("FallbackToLogsOnError")
        {
            text = crate::logs::tail_text(Path::new(&s.log_path), 80, 2048);
        }
        if text.is_empty() {
            text = s.message.clone();
        }
        (!text.is_empty()).then_some(text)
    }

    fn container_status(&self, c: &Container, state: &RuntimeState, regular_waiting_reason: &str) -> ContainerStatus {
        let image = c.image.clone().unwrap_or_default();
        let latest = state.latest(&c.name);
        let to_state = |s: &api::ContainerStatus| -> ContainerState {
            if running(s) {
                ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: ts(s.started_at),
                    }),
                    ..Default::default()
                }
            } else if exited(s) {
                let reason = if !s.reason.is_empty() {
                    s.reason.clone()
                } else if s.exit_code == 0 {
                    "Completed".into()
                } else {
                    "Error".into()
                };
                ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code: s.exit_code,
                        reason: Some(reason),
                        message: self.termination_message(c, s),
                        started_at: ts(s.started_at),
                        finished_at: ts(s.finished_at),
                        container_id: Some(format!("containerd://{}", s.id)),
                        signal: None,
                    }),
                    ..Default::default()
                }
            } else {
                ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some("ContainerCreating".into()),
                        message: None,
                    }),
                    ..Default::default()
                }
            }
        };
        let mut current = match latest {
            Some(s) => to_state(s),
            None => ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some(regular_waiting_reason.into()),
                    message: None,
                }),
                ..Default::default()
            },
        };
        let mut last_state = state.previous(&c.name).map(to_state);
        if let Some(w) = self.waiting.get(&c.name)
            && latest.is_none_or(|s| !running(s))
        {
            // A container waiting to restart shows its last run as lastState.
            if let Some(s) = latest.filter(|s| exited(s)) {
                last_state = Some(to_state(s));
            }
            current = ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some(w.reason.clone()),
                    message: Some(w.message.clone()),
                }),
                ..Default::default()
            };
        }
        let is_running = latest.is_some_and(running);
        let probes = self
            .probes
            .get(&c.name)
            .filter(|p| latest.is_some_and(|s| s.id == p.id));
        let started = is_running && probes.is_none_or(|p| p.started) && (probes.is_some() || c.startup_probe.is_none());
        let ready = started && probes.is_none_or(|p| p.ready) && (probes.is_some() || c.readiness_probe.is_none());
        ContainerStatus {
            name: c.name.clone(),
            image,
            image_id: latest.map(|s| s.image_ref.clone()).unwrap_or_default(),
            container_id: latest.map(|s| format!("containerd://{}", s.id)),
            restart_count: latest.map(|s| attempt(s) as i32).unwrap_or(0),
            ready,
            started: Some(started),
            state: Some(current),
            last_state: Some(last_state.unwrap_or_default()),
            ..Default::default()
        }
    }

    /// The pod's status from the runtime's view, in upstream's shape.
    fn status(&mut self, pod: &Pod, state: &RuntimeState) -> PodStatus {
        let spec = pod.spec.clone().unwrap_or_default();
        let policy = restart_policy(pod);
        let now = Time(Timestamp::now());
        let start_time = self
            .start_time
            .get_or_insert_with(|| {
                pod.status
                    .as_ref()
                    .and_then(|s| s.start_time.clone())
                    .unwrap_or(now.clone())
            })
            .clone();

        let inits: Vec<&Container> = spec.init_containers.iter().flatten().collect();
        let mut pending_inits = Vec::new();
        let mut init_failed = false;
        for init in &inits {
            let sidecar = init.restart_policy.as_deref() == Some("Always");
            match state.latest(&init.name) {
                Some(s) if sidecar && running(s) => {}
                Some(s) if !sidecar && exited(s) && s.exit_code == 0 => {}
                Some(s) if !sidecar && exited(s) && policy == "Never" => {
                    init_failed = true;
                    pending_inits.push(init.name.clone());
                }
                _ => pending_inits.push(init.name.clone()),
            }
        }
        let initialized = pending_inits.is_empty();
        let regular_reason = if initialized {
            "ContainerCreating"
        } else {
            "PodInitializing"
        };
        let init_statuses: Vec<ContainerStatus> = inits
            .iter()
            .map(|c| self.container_status(c, state, "PodInitializing"))
            .collect();
        let statuses: Vec<ContainerStatus> = spec
            .containers
            .iter()
            .map(|c| self.container_status(c, state, regular_reason))
            .collect();
        let ephemeral_statuses: Vec<ContainerStatus> = spec
            .ephemeral_containers
            .iter()
            .flatten()
            .map(|ec| self.container_status(&ephemeral_as_container(ec), state, "ContainerCreating"))
            .collect();

        // Upstream's getPhase: a container waiting for its first run keeps the pod Pending; one waiting
        // to restart counts as stopped.
        let (mut waiting, mut running_n, mut stopped, mut succeeded) = (0, 0, 0, 0);
        for st in &statuses {
            let current = st.state.as_ref();
            if current.and_then(|x| x.running.as_ref()).is_some() {
                running_n += 1;
            } else if let Some(t) = current.and_then(|x| x.terminated.as_ref()) {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            } else if st.last_state.as_ref().and_then(|l| l.terminated.as_ref()).is_some() {
                stopped += 1;
            } else {
                waiting += 1;
            }
        }
        let phase = if init_failed {
            "Failed"
        } else if !initialized || waiting > 0 {
            "Pending"
        } else if running_n > 0 {
            "Running"
        } else if stopped > 0 {
            match policy {
                "Always" => "Running",
                _ if stopped == succeeded => "Succeeded",
                "Never" => "Failed",
                _ => "Running",
            }
        } else {
            "Pending"
        };

        let unready: Vec<String> = statuses.iter().filter(|s| !s.ready).map(|s| s.name.clone()).collect();
        let condition = |kind: &str, ok: bool, reason: Option<&str>, message: Option<String>| -> PodCondition {
            let previous = self
                .last_status
                .as_ref()
                .or(pod.status.as_ref())
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == kind));
            let status = if ok { "True" } else { "False" };
            PodCondition {
                type_: kind.to_string(),
                status: status.to_string(),
                reason: (!ok).then(|| reason.map(str::to_string)).flatten(),
                message: (!ok).then_some(message).flatten(),
                last_transition_time: match previous {
                    Some(p) if p.status == status => p.last_transition_time.clone(),
                    _ => Some(now.clone()),
                },
                last_probe_time: None,
                observed_generation: None,
            }
        };
        let done = matches!(phase, "Succeeded" | "Failed");
        let sandbox_ready = state.sandbox.is_some();
        let containers_ready = unready.is_empty() && !done;
        let not_ready_message = format!("containers with unready status: [{}]", unready.join(" "));
        let mut conditions = vec![
            condition("PodReadyToStartContainers", sandbox_ready, None, None),
            condition(
                "Initialized",
                initialized,
                Some("ContainersNotInitialized"),
                Some(format!(
                    "containers with incomplete status: [{}]",
                    pending_inits.join(" ")
                )),
            ),
            condition(
                "Ready",
                containers_ready,
                Some(if done { "PodCompleted" } else { "ContainersNotReady" }),
                Some(not_ready_message.clone()),
            ),
            condition(
                "ContainersReady",
                containers_ready,
                Some(if done { "PodCompleted" } else { "ContainersNotReady" }),
                Some(not_ready_message),
            ),
            condition("PodScheduled", true, None, None),
        ];
        let pod_ip = state.pod_ip();
        let mut pod_ips: Vec<PodIP> = Vec::new();
        if spec.host_network.unwrap_or(false) {
            pod_ips.push(PodIP {
                ip: self.mgr.node.node_ip.clone(),
            });
        } else if !pod_ip.is_empty() {
            pod_ips.push(PodIP { ip: pod_ip.clone() });
            for extra in state
                .sandbox_status
                .as_ref()
                .and_then(|s| s.network.as_ref())
                .map(|n| n.additional_ips.clone())
                .unwrap_or_default()
            {
                pod_ips.push(PodIP { ip: extra.ip });
            }
        }
        if let Some((reason, message)) = &self.failed
            && reason == "Evicted"
            && !message.starts_with("Pod was rejected")
        {
            conditions.push(PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: Some("TerminationByKubelet".into()),
                message: Some(message.clone()),
                last_transition_time: Some(self.evicted_at.get_or_insert_with(|| now.clone()).clone()),
                ..Default::default()
            });
        }
        let (phase, reason, message) = match &self.failed {
            Some((reason, message)) => ("Failed", Some(reason.clone()), Some(message.clone())),
            None => (phase, None, None),
        };
        PodStatus {
            phase: Some(phase.to_string()),
            reason,
            message,
            conditions: Some(conditions),
            host_ip: Some(self.mgr.node.node_ip.clone()),
            host_ips: Some(vec![k8s_openapi::api::core::v1::HostIP {
                ip: self.mgr.node.node_ip.clone(),
            }]),
            pod_ip: pod_ips.first().map(|p| p.ip.clone()),
            pod_ips: (!pod_ips.is_empty()).then_some(pod_ips),
            start_time: Some(start_time),
            qos_class: Some(podconfig::qos_class(pod).to_string()),
            container_statuses: Some(statuses),
            init_container_statuses: (!init_statuses.is_empty()).then_some(init_statuses),
            ephemeral_container_statuses: (!ephemeral_statuses.is_empty()).then_some(ephemeral_statuses),
            ..Default::default()
        }
    }

    /// Sends the status when it changed since the last report. A static pod's status goes to its mirror
    /// pod, once there is one (until then, and while the apiserver is away, it is kept for later).
    async fn report(&mut self, pod: &Pod, status: PodStatus) -> anyhow::Result<()> {
        if self.last_status.as_ref() == Some(&status) {
            return Ok(());
        }
        let pods: Api<Pod> = Api::namespaced(self.mgr.client.clone(), podconfig::namespace(pod));
        let patch = serde_json::json!({"status": status});
        let sent = pods
            .patch_status(podconfig::name(pod), &PatchParams::default(), &Patch::Merge(patch))
            .await;
        match sent {
            Ok(_) => {}
            Err(e) if crate::static_pods::is_static(pod) => {
                tracing::debug!(pod = %podconfig::log_dir_name(pod), error = %e, "static pod status not sent yet");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        self.last_status = Some(status);
        Ok(())
    }
}

/// An ephemeral container as the container it runs as (the same fields but its target).
fn ephemeral_as_container(ec: &k8s_openapi::api::core::v1::EphemeralContainer) -> Container {
    let mut v = serde_json::to_value(ec).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("targetContainerName");
    }
    serde_json::from_value(v).unwrap_or_default()
}

/// The pod's termination grace period (terminationGracePeriodSeconds, 30 s by default), at least 2 s.
fn grace_period(pod: &Pod) -> Duration {
    Duration::from_secs(
        pod.spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(30)
            .max(2) as u64,
    )
}

/// Writes a file the kubelet gives containers, creating its directory; `mode` if given.
fn write_file(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    match mode {
        Some(m) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)),
        None => Ok(()),
    }
}

/// Where attempt `n` of a container keeps its termination message on the node.
fn termination_message_file(root: &Path, uid: &str, container: &str, n: u32) -> std::path::PathBuf {
    crate::volumes::pod_dir(root, uid)
        .join("containers")
        .join(container)
        .join(format!("termination-log-{n}"))
}

/// Runs a lifecycle hook (exec, httpGet, tcpSocket or sleep) of container `id`, bounded by `limit`.
async fn run_hook(
    rt: &Runtime,
    hook: &k8s_openapi::api::core::v1::LifecycleHandler,
    c: &Container,
    id: &str,
    pod_ip: &str,
    limit: Duration,
) -> Result<(), String> {
    let run = async {
        if let Some(sleep) = &hook.sleep {
            tokio::time::sleep(Duration::from_secs(sleep.seconds.max(0) as u64)).await;
            return Ok(());
        }
        let as_probe = k8s_openapi::api::core::v1::Probe {
            exec: hook.exec.clone(),
            http_get: hook.http_get.clone(),
            tcp_socket: hook.tcp_socket.clone(),
            timeout_seconds: Some(limit.as_secs().max(1) as i32),
            ..Default::default()
        };
        match crate::probe::run(rt, &as_probe, c, id, pod_ip).await {
            crate::probe::Outcome::Success => Ok(()),
            crate::probe::Outcome::Failure(why) => Err(why),
        }
    };
    tokio::time::timeout(limit, run)
        .await
        .unwrap_or_else(|_| Err(format!("hook did not finish within {}s", limit.as_secs())))
}

/// A duration as Go prints it (`10s`, `1m20s`, `5m0s`), for backoff messages.
fn go_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{self, FakeRuntime};

    /// A pod manager on the fake runtime and the fake apiserver.
    async fn setup() -> (tempfile::TempDir, FakeRuntime, Arc<Mutex<Vec<String>>>, Arc<PodManager>) {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeRuntime::default();
        let runtime = fake::serve(fake.clone(), dir.path()).await;
        let writes: Arc<Mutex<Vec<String>>> = Arc::default();
        let node = NodeContext {
            node_name: "n1".into(),
            root_dir: dir.path().join("root"),
            node_ip: "10.0.0.5".into(),
            cgroup_root: "/".into(),
            pod_logs_dir: dir.path().join("logs"),
            cluster_dns: vec![],
            cluster_domain: "cluster.local".into(),
        };
        let mgr = PodManager::new(node, fake::api_client(writes.clone()), runtime, None, Arc::default());
        (dir, fake, writes, mgr)
    }

    fn test_pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "default", "uid": "u1"},
            "spec": spec,
        }))
        .unwrap()
    }

    fn calls(fake: &FakeRuntime) -> Vec<String> {
        std::mem::take(&mut fake.0.lock().calls)
    }

    fn waiting_reason(w: &Worker, name: &str) -> Option<(String, String)> {
        let s = w.last_status.as_ref()?;
        let c = s.container_statuses.iter().flatten().find(|c| c.name == name)?;
        let waiting = c.state.as_ref()?.waiting.as_ref()?;
        Some((waiting.reason.clone()?, waiting.message.clone().unwrap_or_default()))
    }

    #[tokio::test]
    async fn init_containers_run_before_the_main_one_and_drive_the_phase() {
        let (_dir, fake, _writes, mgr) = setup().await;
        let pod = test_pod(serde_json::json!({
            "initContainers": [{"name": "init", "image": "busybox:1"}],
            "containers": [{"name": "main", "image": "busybox:1"}],
        }));
        let mut w = Worker::new(mgr, "u1".into());
        w.sync(&pod).await.unwrap();
        assert_eq!(
            calls(&fake),
            ["RunPodSandbox", "CreateContainer init", "StartContainer init"],
            "only the init container starts"
        );
        let status = w.last_status.clone().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Pending"));
        assert_eq!(waiting_reason(&w, "main").unwrap().0, "PodInitializing");

        fake.0.lock().exit("init", 0);
        w.sync(&pod).await.unwrap();
        assert_eq!(calls(&fake), ["CreateContainer main", "StartContainer main"]);
        let status = w.last_status.clone().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Running"));
        let cond = |t: &str| {
            status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == t)
                .map(|c| c.status.clone())
                .unwrap()
        };
        assert_eq!((cond("Initialized"), cond("Ready")), ("True".into(), "True".into()));
    }

    #[tokio::test]
    async fn crashes_restart_at_once_then_back_off() {
        let (_dir, fake, _writes, mgr) = setup().await;
        let pod = test_pod(serde_json::json!({"containers": [{"name": "main", "image": "busybox:1"}]}));
        let mut w = Worker::new(mgr, "u1".into());
        w.sync(&pod).await.unwrap();
        calls(&fake);
        // The first crash restarts at once.
        fake.0.lock().exit("main", 1);
        w.sync(&pod).await.unwrap();
        assert_eq!(calls(&fake), ["CreateContainer main", "StartContainer main"]);
        // The second waits 10 s, as CrashLoopBackOff with upstream's message.
        fake.0.lock().exit("main", 1);
        w.sync(&pod).await.unwrap();
        assert!(
            calls(&fake).iter().all(|c| !c.starts_with("StartContainer")),
            "no restart while backing off"
        );
        let (reason, message) = waiting_reason(&w, "main").unwrap();
        assert_eq!(reason, "CrashLoopBackOff");
        assert_eq!(
            message,
            "back-off 10s restarting failed container=main pod=p_default(u1)"
        );
        let status = w.last_status.clone().unwrap();
        let main = &status.container_statuses.unwrap()[0];
        assert_eq!(main.restart_count, 1);
        assert_eq!(
            main.last_state.as_ref().unwrap().terminated.as_ref().unwrap().exit_code,
            1
        );
    }

    #[tokio::test]
    async fn failing_probes_restart_and_unready_containers() {
        let (_dir, fake, _writes, mgr) = setup().await;
        fake.0.lock().exec_exit.insert("alive".into(), 1);
        fake.0.lock().exec_exit.insert("ready".into(), 1);
        let probe =
            |cmd: &str| serde_json::json!({"exec": {"command": [cmd]}, "failureThreshold": 1, "periodSeconds": 1});
        let pod = test_pod(serde_json::json!({"containers": [
            {"name": "live", "image": "busybox:1", "livenessProbe": probe("alive")},
            {"name": "unready", "image": "busybox:1", "readinessProbe": probe("ready")},
        ]}));
        let mut w = Worker::new(mgr, "u1".into());
        w.sync(&pod).await.unwrap();
        let order = calls(&fake);
        let live_probe = order
            .iter()
            .position(|c| c == "ExecSync live alive")
            .expect("liveness ran");
        let stop = order
            .iter()
            .position(|c| c.starts_with("StopContainer live"))
            .expect("live stopped");
        assert!(live_probe < stop, "{order:?}");
        assert!(order.iter().any(|c| c == "ExecSync unready ready"), "{order:?}");
        assert!(
            !order.iter().any(|c| c.starts_with("StopContainer unready")),
            "readiness never kills"
        );
        let status = w.last_status.clone().unwrap();
        let unready = status
            .container_statuses
            .iter()
            .flatten()
            .find(|c| c.name == "unready")
            .unwrap();
        assert!(!unready.ready);
        let ready = status.conditions.iter().flatten().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!(ready.status, "False");
        // The killed container is restarted by its restart policy on the next sync.
        w.sync(&pod).await.unwrap();
        assert!(calls(&fake).contains(&"StartContainer live".to_string()));
    }

    #[tokio::test]
    async fn deletion_runs_pre_stop_then_stops_with_the_rest_of_the_grace_then_deletes() {
        let (_dir, fake, writes, mgr) = setup().await;
        let mut pod = test_pod(serde_json::json!({
            "terminationGracePeriodSeconds": 5,
            "containers": [{"name": "main", "image": "busybox:1",
                "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "cleanup"]}}}}],
        }));
        let mut w = Worker::new(mgr, "u1".into());
        w.sync(&pod).await.unwrap();
        calls(&fake);
        pod.metadata.deletion_timestamp = Some(Time(Timestamp::now()));
        pod.metadata.deletion_grace_period_seconds = Some(5);
        w.terminate(&pod).await;
        let order = calls(&fake);
        let at = |prefix: &str| {
            order
                .iter()
                .position(|c| c.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in {order:?}"))
        };
        assert!(
            at("ExecSync main sh -c cleanup") < at("StopContainer main"),
            "{order:?}"
        );
        assert!(at("StopContainer main") < at("StopPodSandbox"), "{order:?}");
        assert!(at("StopPodSandbox") < at("RemovePodSandbox"), "{order:?}");
        let stop = &order[at("StopContainer main")];
        let timeout: i64 = stop.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((2..=5).contains(&timeout), "the rest of the grace period: {stop}");
        let writes = writes.lock().clone();
        let delete = writes
            .iter()
            .find(|w| w.starts_with("DELETE"))
            .expect("the pod is deleted");
        assert!(
            delete.contains("\"gracePeriodSeconds\":0") && delete.contains("\"uid\":\"u1\""),
            "{delete}"
        );
        assert!(
            writes.iter().position(|w| w.starts_with("PATCH")) < writes.iter().position(|w| w.starts_with("DELETE")),
            "the final status before the delete: {writes:?}"
        );
    }

    #[test]
    fn backoff_messages_print_go_durations() {
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(80)), "1m20s");
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
    }
}

//! Create phase: closed-loop pod creates at a fixed concurrency through the apiserver, and raw etcd puts of the
//! stored pod's size at the same concurrency on a second, fresh datastore, in alternating windows, for the ratio
//! of the two.

use anyhow::Context;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use std::sync::Arc;

use crate::{
    config::BenchConfig,
    load::{self, Level, PodTemplate, Run, Window},
    pod::{self, NAMESPACE},
    profile,
    stack::{self, CpuPerOp, CpuReading, Stack},
};

/// The etcd key prefix the apiserver stores pods under (its default `--etcd-prefix`).
const POD_KEY_PREFIX: &str = "/registry/pods/";

#[derive(Debug, Clone, Serialize)]
pub struct CreateResult {
    /// Size of the JSON request body of one create.
    pub request_bytes: usize,
    /// Size of one created pod as stored in etcd (protobuf with the `k8s\0` envelope); the raw puts use it.
    pub stored_bytes: usize,
    pub create: Level,
    /// CPU used per create in the measured window.
    pub cpu_per_create: CpuPerOp,
    pub raw_put: Level,
    pub raw_put_connections: usize,
    pub cpu_per_raw_put: CpuPerOp,
    /// create ops/s ÷ raw put ops/s.
    pub create_to_raw_put: f64,
}

/// Create and raw-put windows alternate this many times: this VM's speed drifts by tens of percent within
/// minutes, and a drift between two back-to-back phases would move the ratio by as much.
const ROUNDS: u32 = 5;

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<CreateResult> {
    let c = cfg.create_concurrency;
    let stack = Stack::start(backend, cfg.clients).await?;
    let raw = RawPuts::start(backend, cfg).await?;
    let template = PodTemplate::new(&pod::name("c", 0, 0))?;
    let request_bytes = template.body(&pod::name("c", 0, 0)).len();
    let stored_bytes = {
        // One create first, so the raw puts can use the stored size.
        let client = stack.clients[0].clone();
        load::create(&client, template.body(&pod::name("c", 0, 0))).await?;
        stored_size(&stack.etcd, &pod::name("c", 0, 0)).await?
    };
    let value: Arc<Vec<u8>> = {
        let mut rng = fastrand::Rng::with_seed(7);
        Arc::new((0..stored_bytes).map(|_| rng.u8(..)).collect())
    };
    let clients = stack.clients.clone();
    let create_op = Arc::new(move |t: usize, seq: usize| {
        let client = clients[t % clients.len()].clone();
        let body = template.body(&pod::name("c", t, seq));
        async move { load::create(&client, body).await }
    });
    let slice = cfg.create_duration / ROUNDS;
    let (mut creates, mut puts) = (Run::default(), Run::default());
    let (mut create_cpu, mut put_cpu) = (CpuSum::default(), CpuSum::default());
    let label = format!("create-{}", stack::label(backend));
    let prof = profile::start(cfg.perf_dir.as_deref(), &label, stack.apiserver.pid());
    for round in 0..ROUNDS {
        // The first window warms connections and caches; later ones only ramp up the loop.
        let warmup = if round == 0 {
            cfg.create_warmup
        } else {
            cfg.create_warmup / 2
        };
        let window = Window::starting_now(warmup, slice);
        // Round r numbers its operations from r × 10^6 + 1 on: names never repeat (the first create used 0).
        let offset = round as usize * 1_000_000 + 1;
        let op = create_op.clone();
        let measured = load::closed_loop_run(c, window, Arc::new(move |t, seq| op(t, offset + seq)));
        let (run, (start, end)) = tokio::join!(measured, cpu_over(window, || stack.cpu()));
        creates.merge(run?);
        create_cpu.add(&start, &end);

        let window = Window::starting_now(warmup, slice);
        let measured = raw.window(c, window, value.clone(), offset);
        let (run, (start, end)) = tokio::join!(measured, cpu_over(window, || raw.cpu()));
        puts.merge(run?);
        put_cpu.add(&start, &end);
    }
    if let Some(p) = prof {
        p.stop().await;
        // The profile covers the whole phase: divide its instruction count by this.
        println!("   profile covers {} creates (warm-ups included)", creates.started);
    }
    let cpu = create_cpu.per_op(creates.ops());
    let raw_cpu = put_cpu.per_op(puts.ops());
    let create = creates.level(c)?;
    let raw_put = puts.level(c)?;
    println!(
        "   create {backend} c={c}: {:>7.0} creates/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} ops, {} errors; {} B JSON → {} B stored)",
        create.ops_per_sec,
        create.latency.p50_ms,
        create.latency.p99_ms,
        create.ops,
        create.errors,
        request_bytes,
        stored_bytes
    );
    if let Some(e) = &create.first_error {
        println!("   create {backend}: first error: {e}");
    }
    println!(
        "   raw put {backend} c={c} ({stored_bytes} B): {:>7.0} puts/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} connections, {} errors)",
        raw_put.ops_per_sec, raw_put.latency.p50_ms, raw_put.latency.p99_ms, cfg.raw_put_connections, raw_put.errors
    );
    let create_to_raw_put = create.ops_per_sec / raw_put.ops_per_sec;
    println!("   create/raw put {backend}: {create_to_raw_put:.2}× ({ROUNDS} alternating windows of each)");
    Ok(CreateResult {
        request_bytes,
        stored_bytes,
        cpu_per_create: cpu,
        create,
        raw_put,
        raw_put_connections: cfg.raw_put_connections,
        cpu_per_raw_put: raw_cpu,
        create_to_raw_put,
    })
}

/// Sleeps through `window`, reading CPU at the start and the end of its measured part.
async fn cpu_over(window: Window, read: impl Fn() -> CpuReading) -> (CpuReading, CpuReading) {
    tokio::time::sleep_until(window.warm_end.into()).await;
    let start = read();
    tokio::time::sleep_until(window.end.into()).await;
    (start, read())
}

/// CPU seconds summed over several windows, per process.
#[derive(Default)]
struct CpuSum {
    apiserver: Option<f64>,
    datastore: Option<f64>,
    client: Option<f64>,
}

impl CpuSum {
    fn add(&mut self, start: &CpuReading, end: &CpuReading) {
        let add = |sum: &mut Option<f64>, a: Option<f64>, b: Option<f64>| {
            if let (Some(a), Some(b)) = (a, b) {
                *sum = Some(sum.unwrap_or(0.0) + (b - a));
            }
        };
        add(&mut self.apiserver, start.apiserver, end.apiserver);
        add(&mut self.datastore, start.datastore, end.datastore);
        add(&mut self.client, start.client, end.client);
    }

    fn per_op(&self, ops: usize) -> CpuPerOp {
        let per = |secs: Option<f64>| secs.filter(|_| ops > 0).map(|s| s * 1e6 / ops as f64);
        CpuPerOp {
            apiserver_us: per(self.apiserver),
            datastore_us: per(self.datastore),
            client_us: per(self.client),
        }
    }
}

/// The stored size of the pod `name` in the bench namespace.
async fn stored_size(etcd: &EtcdServer, name: &str) -> anyhow::Result<usize> {
    let mut client = etcd.client().await?;
    let key = format!("{POD_KEY_PREFIX}{NAMESPACE}/{name}");
    let resp = client
        .get(key.as_str(), None)
        .await
        .with_context(|| format!("reading {key} from etcd"))?;
    let kv = resp
        .kvs()
        .first()
        .ok_or_else(|| anyhow::anyhow!("pod {name} is not stored at {key}"))?;
    Ok(kv.value().len())
}

/// A second datastore, without an apiserver, for puts of stored-pod-sized values to fresh keys shaped like pod
/// keys, closed-loop at the create concurrency. It idles while the creates run, as the apiserver's idles during
/// the puts.
struct RawPuts {
    server: EtcdServer,
    clients: Vec<etcd_client::Client>,
}

impl RawPuts {
    async fn start(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<RawPuts> {
        let server = EtcdServer::start(backend.clone(), &[]).await?;
        let mut clients = Vec::new();
        for _ in 0..cfg.raw_put_connections.max(1) {
            clients.push(server.client().await?);
        }
        Ok(RawPuts { server, clients })
    }

    fn cpu(&self) -> CpuReading {
        CpuReading {
            apiserver: None,
            datastore: self.server.pid().and_then(stack::cpu_secs),
            client: stack::cpu_secs(std::process::id()),
        }
    }

    async fn window(
        &self,
        concurrency: usize,
        window: Window,
        value: Arc<Vec<u8>>,
        offset: usize,
    ) -> anyhow::Result<Run> {
        let clients = self.clients.clone();
        let op = move |t: usize, seq: usize| {
            let mut client = clients[t % clients.len()].clone();
            let key = format!("{POD_KEY_PREFIX}{NAMESPACE}/{}", pod::name("c", t, offset + seq));
            let value = value.as_ref().clone();
            async move {
                match tokio::time::timeout(stack::REQUEST_TIMEOUT, client.put(key, value, None)).await {
                    Ok(r) => r.map(drop).context("put failed"),
                    Err(_) => anyhow::bail!("put timed out"),
                }
            }
        };
        load::closed_loop_run(concurrency, window, Arc::new(op)).await
    }
}

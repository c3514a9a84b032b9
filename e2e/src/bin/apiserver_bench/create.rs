//! Create phase: closed-loop pod creates at a fixed concurrency through the apiserver, then raw etcd puts of the
//! stored pod's size at the same concurrency on a fresh datastore, for the ratio of the two.

use anyhow::Context;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::{
    config::BenchConfig,
    load::{self, Level, PodTemplate, Window},
    pod::{self, NAMESPACE},
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

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<CreateResult> {
    let c = cfg.create_concurrency;
    let (create, cpu, request_bytes, stored_bytes) = {
        let stack = Stack::start(backend, cfg.clients).await?;
        let template = PodTemplate::new(&pod::name("c", 0, 0))?;
        let request_bytes = template.body(&pod::name("c", 0, 0)).len();
        let window = Window::starting_now(cfg.create_warmup, cfg.create_duration);
        let clients = stack.clients.clone();
        let measured = load::closed_loop(c, window, move |t, seq| {
            let client = clients[t % clients.len()].clone();
            let body = template.body(&pod::name("c", t, seq));
            async move { load::create(&client, body).await }
        });
        let label = format!("create-{}", stack::label(backend));
        let observed = load::observe(&stack, window, cfg, &label);
        let (create, (cpu_start, cpu_end)) = tokio::join!(measured, observed);
        let create = create?;
        let stored_bytes = stored_size(&stack.etcd, &pod::name("c", 0, 0)).await?;
        let cpu = cpu_start.per_op(&cpu_end, create.ops);
        (create, cpu, request_bytes, stored_bytes)
    };
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

    let (raw_put, raw_cpu) = raw_puts(backend, cfg, stored_bytes).await?;
    println!(
        "   raw put {backend} c={c} ({stored_bytes} B): {:>7.0} puts/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} connections, {} errors)",
        raw_put.ops_per_sec, raw_put.latency.p50_ms, raw_put.latency.p99_ms, cfg.raw_put_connections, raw_put.errors
    );
    let create_to_raw_put = create.ops_per_sec / raw_put.ops_per_sec;
    println!("   create/raw put {backend}: {create_to_raw_put:.2}×");
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

/// Puts of `size`-byte values to fresh keys shaped like pod keys, closed-loop at the create concurrency, on a
/// fresh datastore without an apiserver.
async fn raw_puts(backend: &Backend, cfg: &BenchConfig, size: usize) -> anyhow::Result<(Level, CpuPerOp)> {
    let server = EtcdServer::start(backend.clone(), &[]).await?;
    let mut clients = Vec::new();
    for _ in 0..cfg.raw_put_connections.max(1) {
        clients.push(server.client().await?);
    }
    let mut rng = fastrand::Rng::with_seed(7);
    let value: std::sync::Arc<Vec<u8>> = std::sync::Arc::new((0..size).map(|_| rng.u8(..)).collect());
    let window = Window::starting_now(cfg.create_warmup, cfg.create_duration);
    let measured = load::closed_loop(cfg.create_concurrency, window, move |t, seq| {
        let mut client = clients[t % clients.len()].clone();
        let key = format!("{POD_KEY_PREFIX}{NAMESPACE}/{}", pod::name("c", t, seq));
        let value = value.as_ref().clone();
        async move {
            match tokio::time::timeout(stack::REQUEST_TIMEOUT, client.put(key, value, None)).await {
                Ok(r) => r.map(drop).context("put failed"),
                Err(_) => anyhow::bail!("put timed out"),
            }
        }
    });
    let observed = async {
        tokio::time::sleep_until(window.warm_end.into()).await;
        let read = || CpuReading {
            apiserver: None,
            datastore: server.pid().and_then(stack::cpu_secs),
            client: stack::cpu_secs(std::process::id()),
        };
        let start = read();
        tokio::time::sleep_until(window.end.into()).await;
        (start, read())
    };
    let (level, (start, end)) = tokio::join!(measured, observed);
    let level = level?;
    let per_put = start.per_op(&end, level.ops);
    Ok((level, per_put))
}

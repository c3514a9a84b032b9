//! Load generation shared by the phases: closed-loop workers over a measured window, and bulk pod loads.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::{
    config::BenchConfig,
    pod::{self, NAMESPACE},
    profile,
    stack::{self, CpuReading, Stack},
    stats::LatencySummary,
};

/// A warm-up followed by the measured part; operations started before `warm_end` are not counted.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub warm_end: Instant,
    pub end: Instant,
}

impl Window {
    pub fn starting_now(warmup: Duration, duration: Duration) -> Self {
        let warm_end = Instant::now() + warmup;
        Window {
            warm_end,
            end: warm_end + duration,
        }
    }
}

/// One closed-loop measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// Operations in flight (one task each).
    pub concurrency: usize,
    /// Operations completed in the measured window.
    pub ops: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub secs: f64,
    pub ops_per_sec: f64,
    pub latency: LatencySummary,
}

/// What one worker did.
#[derive(Default)]
struct Tally {
    samples: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    /// Operations started, warm-up included.
    started: usize,
}

/// Runs `op(task, seq)` back to back in `concurrency` tasks until `window.end`, and summarizes the operations
/// started inside the measured part.
pub async fn closed_loop<F, Fut>(concurrency: usize, window: Window, op: F) -> anyhow::Result<Level>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    closed_loop_run(concurrency, window, Arc::new(op))
        .await?
        .level(concurrency)
}

/// The operations of one or more closed-loop windows, before they are summarized.
#[derive(Default)]
pub struct Run {
    samples: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    /// Measured seconds.
    secs: f64,
    /// Operations started, warm-ups included (what a profile of the whole run covers).
    pub started: usize,
}

impl Run {
    /// Adds another window's operations.
    pub fn merge(&mut self, other: Run) {
        self.samples.extend(other.samples);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.secs += other.secs;
        self.started += other.started;
    }

    pub fn ops(&self) -> usize {
        self.samples.len()
    }

    /// The summary; an error when nothing succeeded.
    pub fn level(self, concurrency: usize) -> anyhow::Result<Level> {
        let Run {
            samples,
            errors,
            first_error,
            secs,
            ..
        } = self;
        let ops = samples.len();
        let latency = LatencySummary::of(samples).ok_or_else(|| {
            anyhow::anyhow!(
                "no operation succeeded at concurrency {concurrency} ({errors} errors; first: {})",
                first_error.as_deref().unwrap_or("none")
            )
        })?;
        Ok(Level {
            concurrency,
            ops,
            errors,
            first_error,
            secs,
            ops_per_sec: ops as f64 / secs,
            latency,
        })
    }
}

/// [`closed_loop`] without the summary, for measurements made of several windows.
pub async fn closed_loop_run<F, Fut>(concurrency: usize, window: Window, op: Arc<F>) -> anyhow::Result<Run>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..concurrency {
        let op = op.clone();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            for seq in 0.. {
                let start = Instant::now();
                if start >= window.end {
                    break;
                }
                let res = op(t, seq).await;
                tally.started += 1;
                if start < window.warm_end {
                    continue;
                }
                match res {
                    Ok(()) => tally.samples.push(start.elapsed()),
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| format!("{e:#}"));
                        // Don't spin on a failing server; the deadline still bounds the loop.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            tally
        });
    }
    let mut run = Run::default();
    while let Some(tally) = tasks.join_next().await {
        let tally = tally?;
        run.merge(Run {
            samples: tally.samples,
            errors: tally.errors,
            first_error: tally.first_error,
            secs: 0.0,
            started: tally.started,
        });
    }
    run.secs = window.warm_end.elapsed().as_secs_f64();
    Ok(run)
}

/// Sleeps through `window`, reading the servers' CPU at the start and end of its measured part and profiling
/// the apiserver in between when asked.
pub async fn observe(stack: &Stack, window: Window, cfg: &BenchConfig, label: &str) -> (CpuReading, CpuReading) {
    tokio::time::sleep_until(window.warm_end.into()).await;
    let start = stack.cpu();
    let prof = profile::start(cfg.perf_dir.as_deref(), label, stack.apiserver.pid());
    tokio::time::sleep_until(window.end.into()).await;
    let end = stack.cpu();
    if let Some(p) = prof {
        p.stop().await;
    }
    (start, end)
}

/// A JSON pod body with a fixed-width name that is patched per request instead of re-serializing the pod.
#[derive(Clone)]
pub struct PodTemplate {
    bytes: Arc<Vec<u8>>,
    name_at: usize,
    name_len: usize,
}

impl PodTemplate {
    /// A template for names as long as `example`.
    pub fn new(example: &str) -> anyhow::Result<Self> {
        let placeholder = "#".repeat(example.len());
        let bytes = pod::pod_body(&placeholder, None);
        let needle = format!("\"{placeholder}\"");
        let at = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .ok_or_else(|| anyhow::anyhow!("pod template has no name placeholder"))?;
        Ok(PodTemplate {
            bytes: Arc::new(bytes),
            name_at: at + 1,
            name_len: example.len(),
        })
    }

    /// The body for the pod `name`, which must be as long as the template's example.
    pub fn body(&self, name: &str) -> Vec<u8> {
        let mut b = self.bytes.as_ref().clone();
        if name.len() == self.name_len {
            b[self.name_at..self.name_at + self.name_len].copy_from_slice(name.as_bytes());
        }
        b
    }
}

/// One pod create; any answer but 201 is an error.
pub async fn create(client: &kube::Client, body: Vec<u8>) -> anyhow::Result<()> {
    stack::send(client, stack::post(&pod::collection_path(), body)?)
        .await
        .map(drop)
}

/// A bulk load of pods.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    pub pods: usize,
    pub secs: f64,
    pub pods_per_sec: f64,
}

/// Creates pods `<prefix>-000-00000000` … `<prefix>-000-<n-1>` with `concurrency` creates in flight. Each
/// create is tried up to 3 times (a 429 under load is not a reason to abort); then the load fails.
pub async fn load_pods(stack: &Stack, prefix: &str, n: usize, concurrency: usize) -> anyhow::Result<Loaded> {
    let template = PodTemplate::new(&pod::name(prefix, 0, 0))?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..concurrency.max(1) {
        let (client, next, template, prefix) = (stack.client(t), next.clone(), template.clone(), prefix.to_string());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return anyhow::Ok(());
                }
                let body = template.body(&pod::name(&prefix, 0, i));
                let mut attempt = 0;
                loop {
                    match create(&client, body.clone()).await {
                        Ok(()) => break,
                        // A retried create whose first try went through after all.
                        Err(e) if attempt > 0 && is_conflict(&e) => break,
                        Err(e) if attempt >= 2 => {
                            return Err(e.context(format!("loading pod {i} into namespace {NAMESPACE}")));
                        }
                        Err(_) => {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Loaded {
        pods: n,
        secs,
        pods_per_sec: n as f64 / secs,
    })
}

/// Whether `e` is the apiserver's 409 (the object exists).
fn is_conflict(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<kube::Error>(), Some(kube::Error::Api(s)) if s.code == 409)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_patches_the_name() {
        let t = PodTemplate::new(&pod::name("c", 0, 0)).unwrap();
        let body = t.body(&pod::name("c", 12, 345));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["metadata"]["name"], "c-012-00000345");
        assert_eq!(v, pod::pod(&pod::name("c", 12, 345), None));
    }
}

//! Rate phase: pod creates sent open-loop at a fixed rate (each at its scheduled time, however long earlier ones
//! take), latency measured from the scheduled time so a slow server cannot hide queueing.

use std::time::{Duration, Instant};

use ferrokube_e2e::etcd::Backend;
use serde::Serialize;

use crate::{
    config::BenchConfig,
    load::{self, PodTemplate, Window},
    pod,
    stack::{self, CpuPerOp, Stack},
    stats::LatencySummary,
};

#[derive(Debug, Clone, Serialize)]
pub struct RateResult {
    /// Target creates per second.
    pub rate: u32,
    /// Creates scheduled in the measured window, and how many failed.
    pub sent: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    /// Completion − scheduled send time of the successful creates.
    pub latency: LatencySummary,
    pub cpu_per_create: CpuPerOp,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<RateResult> {
    let stack = Stack::start(backend, cfg.clients).await?;
    let template = PodTemplate::new(&pod::name("r", 0, 0))?;
    let window = Window::starting_now(cfg.rate_warmup, cfg.rate_duration);
    let interval = Duration::from_secs_f64(1.0 / f64::from(cfg.rate.max(1)));
    let start = Instant::now();

    let sender = async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0usize.. {
            let at = start + interval.mul_f64(i as f64);
            if at >= window.end {
                break;
            }
            tokio::time::sleep_until(at.into()).await;
            let (client, body) = (stack.client(i), template.body(&pod::name("r", 0, i)));
            tasks.spawn(async move {
                let res = load::create(&client, body).await;
                (at, at.elapsed(), res)
            });
        }
        let (mut samples, mut sent, mut errors, mut first_error) = (Vec::new(), 0, 0, None);
        while let Some(r) = tasks.join_next().await {
            let (at, took, res) = r?;
            if at < window.warm_end {
                continue;
            }
            sent += 1;
            match res {
                Ok(()) => samples.push(took),
                Err(e) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
        anyhow::Ok((samples, sent, errors, first_error))
    };
    let label = format!("rate-{}", stack::label(backend));
    let observed = load::observe(&stack, window, cfg, &label);
    let (sent, (cpu_start, cpu_end)) = tokio::join!(sender, observed);
    let (samples, sent, errors, first_error) = sent?;
    let ok = samples.len();
    let latency = LatencySummary::of(samples)
        .ok_or_else(|| anyhow::anyhow!("no create succeeded ({errors} errors; first: {first_error:?})"))?;
    let cpu_per_create = cpu_start.per_op(&cpu_end, ok);
    println!(
        "   rate {backend} {}/s: p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   ({sent} sent, {errors} errors)",
        cfg.rate, latency.p50_ms, latency.p99_ms, latency.max_ms
    );
    Ok(RateResult {
        rate: cfg.rate,
        sent,
        errors,
        first_error,
        latency,
        cpu_per_create,
    })
}

//! Watch phase: many watch requests on the bench namespace's pods while a writer creates pods open-loop at a
//! fixed rate, each stamped with its send time; every watcher records, per event, receive − send and which
//! creates it saw, and receive − the create's acknowledgement is derived afterwards.

use std::time::{Duration, Instant};

use anyhow::Context;
use ferrokube_e2e::etcd::Backend;
use futures::{AsyncBufRead, AsyncBufReadExt};
use serde::Serialize;
use tokio::sync::watch as signal;

use crate::{
    config::BenchConfig,
    load::{self, Window},
    pod::{self, SENT_ANNOTATION},
    stack::{self, Stack},
    stats::LatencySummary,
};

/// How long watchers may lag behind the writer's last create before what they have not received counts as missed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Serialize)]
pub struct WatchResult {
    pub watchers: usize,
    /// Seconds it took to open every watch.
    pub setup_secs: f64,
    /// Creates the writer sent, and how many failed.
    pub creates: usize,
    pub create_errors: usize,
    /// Achieved send rate over the writing window, creates/s.
    pub rate: f64,
    /// Receive − send time stamped in the object, over every (watcher, event) pair.
    pub latency: LatencySummary,
    /// Receive − completion of the create as the writer saw it (0 when the event came first).
    pub latency_from_ack: LatencySummary,
    /// (watcher, event) pairs received before the writer had the create's response.
    pub before_ack: u64,
    /// Acknowledged creates a watcher never delivered, summed over watchers.
    pub missed: u64,
    pub duplicates: u64,
    /// Watchers whose stream ended early or failed, and the first such error.
    pub watcher_errors: usize,
    pub first_watcher_error: Option<String>,
    pub apiserver_rss_kib: u64,
    pub apiserver_cpu_secs_per_sec: Option<f64>,
    /// CPU this benchmark (writer and every watcher's reader) used, cores: on 2 cores it competes with the server.
    pub client_cpu_secs_per_sec: Option<f64>,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<WatchResult> {
    let stack = Stack::start(backend, cfg.clients).await?;
    let list = stack::send(&stack.client(0), stack::get(&pod::collection_path())?).await?;
    let list: serde_json::Value = serde_json::from_str(&list).context("LIST of pods: not JSON")?;
    let rv = list["metadata"]["resourceVersion"].as_str().unwrap_or("0").to_string();

    let base = Instant::now();
    let (acked_tx, acked_rx) = signal::channel(None);
    let path = format!(
        "{}?watch=true&resourceVersion={rv}&timeoutSeconds=900",
        pod::collection_path()
    );
    let mut watchers = tokio::task::JoinSet::new();
    for i in 0..cfg.watchers {
        let stream = stack
            .client(i)
            .request_stream(stack::get(&path)?)
            .await
            .with_context(|| format!("opening watch {i} of {}", cfg.watchers))?;
        watchers.spawn(receive(Box::pin(stream), base, acked_rx.clone()));
    }
    let setup_secs = base.elapsed().as_secs_f64();
    println!(
        "   watch {backend}: {} watchers open in {setup_secs:.1} s; creating {}/s for {:?}",
        cfg.watchers, cfg.watch_rate, cfg.watch_duration
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let window = Window::starting_now(Duration::ZERO, cfg.watch_duration);
    let label = format!("watch-{}", stack::label(backend));
    let observed = load::observe(&stack, window, cfg, &label);
    let (writer, (cpu_start, cpu_end)) = tokio::join!(write(&stack, base, cfg, window.end), observed);
    let writer = writer?;
    let apiserver_rss_kib = stack.apiserver_rss_kib()?;
    let acked_count = writer.ack_us.iter().filter(|a| a.is_some()).count();
    acked_tx.send_replace(Some(acked_count as u64));

    let deadline = tokio::time::sleep(DRAIN_TIMEOUT);
    tokio::pin!(deadline);
    let mut tallies = Vec::with_capacity(cfg.watchers);
    loop {
        tokio::select! {
            t = watchers.join_next() => match t {
                Some(t) => tallies.push(t?),
                None => break,
            },
            () = &mut deadline => {
                // Whatever has not arrived by now is missed; stop the stragglers so their tallies come back.
                acked_tx.send_replace(Some(0));
            }
        }
    }
    drop(acked_tx);

    let mut samples = Vec::new();
    let mut from_ack = Vec::new();
    let (mut before_ack, mut missed, mut duplicates, mut watcher_errors, mut first_watcher_error) = (0, 0, 0, 0, None);
    for tally in tallies {
        for (seq, ack) in writer.ack_us.iter().enumerate() {
            if ack.is_some() && !tally.seen.get(seq).copied().unwrap_or(false) {
                missed += 1;
            }
        }
        for &(seq, recv_us) in &tally.received {
            if let Some(Some(ack)) = writer.ack_us.get(seq as usize) {
                before_ack += u64::from(recv_us < *ack);
                from_ack.push(Duration::from_micros(recv_us.saturating_sub(*ack)));
            }
        }
        duplicates += tally.duplicates;
        if let Some(e) = tally.error {
            watcher_errors += 1;
            first_watcher_error.get_or_insert(e);
        }
        samples.extend(tally.samples);
    }
    let latency = LatencySummary::of(samples).ok_or_else(|| {
        anyhow::anyhow!("no watch event was delivered (first watcher error: {first_watcher_error:?})")
    })?;
    let latency_from_ack = LatencySummary::of(from_ack).ok_or_else(|| anyhow::anyhow!("no acknowledged event"))?;
    let secs = window.end.saturating_duration_since(window.warm_end).as_secs_f64();
    let cores = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if secs > 0.0 => Some((b - a) / secs),
        _ => None,
    };
    let cpu = cores(cpu_start.apiserver, cpu_end.apiserver);
    let client_cpu = cores(cpu_start.client, cpu_end.client);
    let result = WatchResult {
        watchers: cfg.watchers,
        setup_secs,
        creates: writer.ack_us.len(),
        create_errors: writer.errors,
        rate: writer.ack_us.len() as f64 / writer.secs,
        latency,
        latency_from_ack,
        before_ack,
        missed,
        duplicates,
        watcher_errors,
        first_watcher_error,
        apiserver_rss_kib,
        apiserver_cpu_secs_per_sec: cpu,
        client_cpu_secs_per_sec: client_cpu,
    };
    println!(
        "   watch {backend}: {} deliveries   p50 {:.2} ms   p99 {:.2} ms (from send; from ack p99 {:.2} ms)   missed {}   \
         create errors {}   CPUs: apiserver {:.2}, bench {:.2}; apiserver {:.1} MiB",
        result.latency.count,
        result.latency.p50_ms,
        result.latency.p99_ms,
        result.latency_from_ack.p99_ms,
        result.missed,
        result.create_errors,
        result.apiserver_cpu_secs_per_sec.unwrap_or(0.0),
        result.client_cpu_secs_per_sec.unwrap_or(0.0),
        stack::mib(result.apiserver_rss_kib)
    );
    if let Some(e) = &result.first_watcher_error {
        println!(
            "   watch {backend}: {} watchers ended early; first: {e}",
            result.watcher_errors
        );
    }
    Ok(result)
}

/// What the writer did: `ack_us[seq]` is when the create `seq` was acknowledged (µs since the base instant).
struct Written {
    ack_us: Vec<Option<u64>>,
    errors: usize,
    /// How long sending took (not counting the wait for the last responses).
    secs: f64,
}

/// Creates pods at `cfg.watch_rate` until `end`, each sent at its scheduled time in its own task, stamped with
/// `<seq>/<send time>`.
async fn write(stack: &Stack, base: Instant, cfg: &BenchConfig, end: Instant) -> anyhow::Result<Written> {
    let interval = Duration::from_secs_f64(1.0 / f64::from(cfg.watch_rate.max(1)));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for seq in 0usize.. {
        let at = start + interval.mul_f64(seq as f64);
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at.into()).await;
        let client = stack.client(seq);
        tasks.spawn(async move {
            let sent = base.elapsed().as_micros() as u64;
            let body = pod::pod_body(&pod::name("w", 0, seq), Some(&format!("{seq}/{sent}")));
            let ok = load::create(&client, body).await.is_ok();
            (seq, ok.then(|| base.elapsed().as_micros() as u64))
        });
    }
    let secs = start.elapsed().as_secs_f64();
    let mut out = Written {
        ack_us: Vec::new(),
        errors: 0,
        secs,
    };
    while let Some(r) = tasks.join_next().await {
        let (seq, ack) = r?;
        if seq >= out.ack_us.len() {
            out.ack_us.resize(seq + 1, None);
        }
        out.errors += usize::from(ack.is_none());
        out.ack_us[seq] = ack;
    }
    Ok(out)
}

/// What one watcher saw.
#[derive(Default)]
struct Tally {
    /// Receive − send of each first delivery.
    samples: Vec<Duration>,
    /// (seq, receive time in µs since the base instant) of each first delivery.
    received: Vec<(u32, u64)>,
    seen: Vec<bool>,
    seen_count: u64,
    duplicates: u64,
    error: Option<String>,
}

/// Reads watch events until it has seen as many creates as were acknowledged (`acked` becomes `Some` when the
/// writer is done; `Some(0)` stops it at once), or the stream ends.
async fn receive(
    mut stream: std::pin::Pin<Box<dyn AsyncBufRead + Send>>,
    base: Instant,
    mut acked: signal::Receiver<Option<u64>>,
) -> Tally {
    let mut tally = Tally::default();
    let mut line = Vec::with_capacity(8192);
    loop {
        match *acked.borrow_and_update() {
            Some(0) => return tally,
            Some(total) if tally.seen_count >= total => return tally,
            _ => {}
        }
        tokio::select! {
            // read_until keeps what it read in `line` when cancelled, so `line` is only cleared after a whole line.
            r = stream.read_until(b'\n', &mut line) => match r {
                Ok(0) => {
                    tally.error = Some("watch stream ended".to_string());
                    return tally;
                }
                Ok(_) => {
                    let now_us = base.elapsed().as_micros() as u64;
                    if let Err(e) = tally.record(&line, now_us) {
                        tally.error = Some(e);
                        return tally;
                    }
                    line.clear();
                }
                Err(e) => {
                    tally.error = Some(e.to_string());
                    return tally;
                }
            },
            changed = acked.changed() => {
                if changed.is_err() {
                    return tally;
                }
            }
        }
    }
}

impl Tally {
    /// Records one watch event line; an ERROR event is returned as an error.
    fn record(&mut self, line: &[u8], now_us: u64) -> Result<(), String> {
        if line.starts_with(b"{\"type\":\"ERROR\"") {
            return Err(String::from_utf8_lossy(line).trim().to_string());
        }
        if !line.starts_with(b"{\"type\":\"ADDED\"") {
            return Ok(());
        }
        let Some((seq, sent_us)) = parse_stamp(line) else {
            return Ok(());
        };
        if seq >= self.seen.len() {
            self.seen.resize(seq + 1, false);
        }
        if self.seen[seq] {
            self.duplicates += 1;
            return Ok(());
        }
        self.seen[seq] = true;
        self.seen_count += 1;
        self.samples.push(Duration::from_micros(now_us.saturating_sub(sent_us)));
        self.received.push((seq as u32, now_us));
        Ok(())
    }
}

/// The `<seq>/<sent µs>` stamp of an event line, found without parsing the whole object.
fn parse_stamp(line: &[u8]) -> Option<(usize, u64)> {
    // Searched once per (watcher, event): 100k times a second, on the cores the apiserver needs.
    static KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(&format!("\"{SENT_ANNOTATION}\":\"")).into_owned());
    let at = KEY.find(line)? + KEY.needle().len();
    let rest = &line[at..];
    let end = rest.iter().position(|&b| b == b'"')?;
    let stamp = std::str::from_utf8(&rest[..end]).ok()?;
    let (seq, sent) = stamp.split_once('/')?;
    Some((seq.parse().ok()?, sent.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_read_from_event_lines() {
        let obj = pod::pod(&pod::name("w", 0, 5), Some("5/123456"));
        // As the apiserver writes watch events: type first.
        let line = format!("{{\"type\":\"ADDED\",\"object\":{obj}}}\n");
        assert_eq!(parse_stamp(line.as_bytes()), Some((5, 123_456)));
        let mut t = Tally::default();
        t.record(line.as_bytes(), 200_000).unwrap();
        t.record(line.as_bytes(), 300_000).unwrap();
        assert_eq!((t.seen_count, t.duplicates), (1, 1));
        assert_eq!(t.samples, vec![Duration::from_micros(76_544)]);
        assert!(t.record(b"{\"type\":\"ERROR\",\"object\":{}}\n", 0).is_err());
        assert_eq!(parse_stamp(b"{\"type\":\"ADDED\",\"object\":{}}"), None);
    }
}

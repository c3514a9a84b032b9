//! Watch phase: many watchers on one prefix, a writer putting at a fixed rate
//! values that carry their send time; each watcher records receive − send for
//! every event and which writes it saw.

use std::time::{Duration, Instant};

use etcd_client::{Client, EventType, WatchOptions, WatchStream};
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;
use tokio::sync::watch as signal;

use crate::{config::BenchConfig, conn, stats::LatencySummary};

const KEY_PREFIX: &str = "/bench/watch/";
/// Distinct keys the writer cycles through.
const WRITER_KEYS: u64 = 100;
/// How long watchers may lag behind the writer's last put before the events
/// they have not received count as missed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Serialize)]
pub struct WatchResult {
    pub watchers: usize,
    pub connections: usize,
    /// Puts the writer attempted, and how many of them failed.
    pub puts: u64,
    pub put_errors: u64,
    /// Achieved writer rate, puts/s.
    pub rate: f64,
    /// Receive − send over every (watcher, event) pair.
    pub latency: LatencySummary,
    /// Acknowledged puts a watcher never delivered, summed over watchers.
    pub missed: u64,
    /// Events a watcher delivered more than once, summed over watchers.
    pub duplicates: u64,
    /// Watchers whose stream ended with an error, and the first such error.
    pub watcher_errors: usize,
    pub first_watcher_error: Option<String>,
}

/// Starts a server, opens the watchers, runs the writer, then collects.
pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<WatchResult> {
    let server = EtcdServer::start(backend.clone(), &[]).await?;
    let clients = conn::connect(&server, cfg.watch_connections.max(1)).await?;
    let base = Instant::now();
    let (acked_tx, acked_rx) = signal::channel(None);
    let drain_deadline = Instant::now() + cfg.watch_duration + DRAIN_TIMEOUT;

    let mut watchers = tokio::task::JoinSet::new();
    for i in 0..cfg.watchers {
        let stream = open_watch(&mut clients[i % clients.len()].clone()).await?;
        watchers.spawn(receive(stream, base, acked_rx.clone(), drain_deadline));
    }
    println!(
        "   watch {backend}: {} watchers on {} connections; writing {}/s for {:?}",
        cfg.watchers,
        clients.len(),
        cfg.watch_rate,
        cfg.watch_duration
    );

    let writer = write(clients[0].clone(), base, cfg).await;
    let acked = writer.acked.clone();
    // Watchers stop once they have every acknowledged put (or at the deadline).
    acked_tx.send_replace(Some(acked.iter().filter(|a| **a).count() as u64));

    let mut samples = Vec::new();
    let (mut missed, mut duplicates, mut watcher_errors, mut first_watcher_error) = (0, 0, 0, None);
    while let Some(tally) = watchers.join_next().await {
        let tally = tally?;
        missed += acked
            .iter()
            .enumerate()
            .filter(|(seq, a)| **a && !tally.seen.get(*seq).copied().unwrap_or(false))
            .count() as u64;
        duplicates += tally.duplicates;
        if let Some(e) = tally.error {
            watcher_errors += 1;
            first_watcher_error.get_or_insert(e);
        }
        samples.extend(tally.samples);
    }
    drop(acked_tx);
    let latency = LatencySummary::of(samples).ok_or_else(|| anyhow::anyhow!("no watch event was delivered"))?;
    let result = WatchResult {
        watchers: cfg.watchers,
        connections: clients.len(),
        puts: writer.acked.len() as u64,
        put_errors: writer.errors,
        rate: writer.acked.len() as f64 / writer.secs,
        latency,
        missed,
        duplicates,
        watcher_errors,
        first_watcher_error,
    };
    println!(
        "   watch {backend}: {} deliveries   p50 {:.2} ms   p99 {:.2} ms   missed {}   duplicates {}   put errors {}",
        result.latency.count,
        result.latency.p50_ms,
        result.latency.p99_ms,
        result.missed,
        result.duplicates,
        result.put_errors
    );
    Ok(result)
}

/// Opens a prefix watch and waits for the server to confirm it.
async fn open_watch(client: &mut Client) -> anyhow::Result<WatchStream> {
    let mut stream = conn::bounded(
        "watch",
        client.watch(KEY_PREFIX, Some(WatchOptions::new().with_prefix())),
    )
    .await?;
    let first = conn::bounded("watch creation", stream.message()).await?;
    match first {
        Some(r) if r.created() => Ok(stream),
        Some(r) => anyhow::bail!(
            "first watch response was not `created` (canceled: {}, {})",
            r.canceled(),
            r.cancel_reason()
        ),
        None => anyhow::bail!("watch stream ended before it was created"),
    }
}

/// What the writer did: `acked[seq]` is whether put `seq` succeeded.
struct Written {
    acked: Vec<bool>,
    errors: u64,
    secs: f64,
}

/// Puts at `cfg.watch_rate` for `cfg.watch_duration`, one at a time; value =
/// seq (u64 LE) ‖ send time in µs since `base` (u64 LE) ‖ padding.
async fn write(mut client: Client, base: Instant, cfg: &BenchConfig) -> Written {
    let padding = conn::payload(cfg.value_size.saturating_sub(16), 3);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(cfg.watch_rate.max(1))));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let start = Instant::now();
    let end = start + cfg.watch_duration;
    let mut out = Written {
        acked: Vec::new(),
        errors: 0,
        secs: 0.0,
    };
    loop {
        ticker.tick().await;
        if Instant::now() >= end {
            break;
        }
        let seq = out.acked.len() as u64;
        let mut value = Vec::with_capacity(cfg.value_size);
        value.extend_from_slice(&seq.to_le_bytes());
        value.extend_from_slice(&(base.elapsed().as_micros() as u64).to_le_bytes());
        value.extend_from_slice(&padding);
        let key = format!("{KEY_PREFIX}{:03}", seq % WRITER_KEYS);
        let ok = conn::put(&mut client, key, value).await.is_ok();
        out.errors += u64::from(!ok);
        out.acked.push(ok);
    }
    out.secs = start.elapsed().as_secs_f64();
    out
}

/// What one watcher saw.
#[derive(Default)]
struct Tally {
    samples: Vec<Duration>,
    /// `seen[seq]`: the put with this sequence number was delivered.
    seen: Vec<bool>,
    seen_count: u64,
    duplicates: u64,
    error: Option<String>,
}

/// Receives events until it has seen as many puts as were acknowledged
/// (`acked` becomes `Some` when the writer is done), the stream ends, or
/// `deadline`.
async fn receive(
    mut stream: WatchStream,
    base: Instant,
    mut acked: signal::Receiver<Option<u64>>,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let timeout = tokio::time::sleep_until(deadline.into());
    tokio::pin!(timeout);
    loop {
        if let Some(total) = *acked.borrow_and_update()
            && tally.seen_count >= total
        {
            return tally;
        }
        tokio::select! {
            msg = stream.message() => match msg {
                Ok(Some(resp)) => {
                    let now_us = base.elapsed().as_micros() as u64;
                    for ev in resp.events() {
                        if ev.event_type() == EventType::Put
                            && let Some(kv) = ev.kv()
                        {
                            tally.record(kv.value(), now_us);
                        }
                    }
                }
                Ok(None) => {
                    tally.error = Some("watch stream ended".to_string());
                    return tally;
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
            _ = &mut timeout => return tally,
        }
    }
}

impl Tally {
    /// Records one delivered value written by [`write`].
    fn record(&mut self, value: &[u8], now_us: u64) {
        let (Some(seq), Some(sent_us)) = (le_u64(value, 0), le_u64(value, 8)) else {
            return;
        };
        let seq = seq as usize;
        if seq >= self.seen.len() {
            self.seen.resize(seq + 1, false);
        }
        if self.seen[seq] {
            self.duplicates += 1;
            return;
        }
        self.seen[seq] = true;
        self.seen_count += 1;
        self.samples.push(Duration::from_micros(now_us.saturating_sub(sent_us)));
    }
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

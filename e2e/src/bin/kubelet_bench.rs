//! `kubelet-bench`: the kubelet's targets on a one-node cluster (etcd-shim, kube-apiserver, containerd,
//! the kubelet; release builds, images pre-imported).
//!
//! - startup: pods with `spec.nodeName` set, created open-loop at a fixed rate; latency = the time a
//!   watch first shows the pod `Running` − the time its create was sent.
//! - steady: the pods (topped up to `--hold`) held for `--steady-secs`; the kubelet's CPU (share of one
//!   core) and RSS, and containerd's CPU, over that window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use clap::Parser;
use ferrokube_e2e::benchkit::{cpu_secs, loadavg, render_table, utc, write_results};
use ferrokube_e2e::kubelet::NodeCluster;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::Api;
use kube::api::PostParams;
use kube::runtime::watcher;
use parking_lot::Mutex;
use serde::Serialize;

#[path = "etcd_bench/stats.rs"]
mod stats;

#[derive(Parser)]
#[command(
    name = "kubelet-bench",
    about = "Pod startup latency and steady-state cost of the Ferrokube kubelet"
)]
struct Args {
    /// Pods created in the startup phase.
    #[arg(long, default_value_t = 100)]
    pods: usize,
    /// Creates per second in the startup phase.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Pods held in the steady phase (the startup pods topped up).
    #[arg(long, default_value_t = 110)]
    hold: usize,
    /// Length of the steady window.
    #[arg(long, default_value_t = 30)]
    steady_secs: u64,
    /// Directory for `kubelet-<timestamp>.json` and `kubelet-latest.json`.
    #[arg(long, default_value = "bench/results")]
    out: std::path::PathBuf,
    /// A short run: 20 pods at 10/s, 30 held for 10 s.
    #[arg(long)]
    quick: bool,
}

#[derive(Serialize)]
struct Results {
    stamp: String,
    machine: String,
    pods: usize,
    rate: f64,
    startup: stats::LatencySummary,
    startup_cpu: StartupCpu,
    hold: usize,
    steady_secs: u64,
    all_running_after_steady: bool,
    kubelet_cpu_share: f64,
    kubelet_rss_mib: f64,
    containerd_cpu_share: f64,
}

fn pod(name: &str, node: &str) -> anyhow::Result<Pod> {
    Ok(serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "bench", "labels": {"app": "bench"}},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "c", "image": ferrokube_images::BUSYBOX_IMAGE, "command": ["sleep", "3600"]}]
        }
    }))?)
}

/// CPU use while the startup pods were created and came up, in cores.
#[derive(Serialize)]
struct StartupCpu {
    machine_busy_cores: f64,
    kubelet_cores: f64,
    containerd_cores: f64,
}

/// Seconds of non-idle CPU time of the whole machine, from `/proc/stat`.
fn machine_busy_secs() -> f64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().next() else { return 0.0 };
    let v: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    (v.iter().take(8).sum::<f64>() - idle) / 100.0
}

fn rss_mib(pid: u32) -> f64 {
    ferrokube_e2e::rss_kib(pid).unwrap_or(0) as f64 / 1024.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.quick {
        (args.pods, args.hold, args.steady_secs) = (20, 30, 10);
    }
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_default();
    let machine = format!(
        "{} × {cpu_model}, kernel {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    println!("kubelet-bench on {machine}");
    let load = loadavg();
    println!("load average at start: {load}");
    if load
        .split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l > 1.5)
    {
        println!(
            "note: the machine is busy (a run just before leaves the kernel tearing pods down); figures will be high"
        );
    }
    println!("==> starting etcd-shim, kube-apiserver, containerd and the kubelet");
    let cluster = NodeCluster::start("", &[]).await;
    let node = cluster.name.clone();
    let client = cluster.client.clone();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(serde_json::json!({"metadata": {"name": "bench"}}))?,
        )
        .await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "bench");

    // Running as first seen by a watch, per pod name.
    let running: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen = running.clone();
    let watch = tokio::spawn(async move {
        let mut events = std::pin::pin!(watcher(
            Api::<Pod>::namespaced(client, "bench"),
            watcher::Config::default()
        ));
        while let Some(ev) = events.next().await {
            if let Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p)) = ev
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
            {
                let now = Instant::now();
                seen.lock().entry(p.metadata.name.unwrap_or_default()).or_insert(now);
            }
        }
    });

    // Warm-up: one pod through the whole path.
    pods.create(&PostParams::default(), &pod("warmup", &node)?).await?;
    wait_running(&running, &["warmup".to_string()], Duration::from_secs(60)).await?;

    println!("==> startup: {} pods at {}/s", args.pods, args.rate);
    let kubelet_pid = cluster
        .kubelet
        .as_ref()
        .map(|k| k.id())
        .context("the kubelet is not running")?;
    let containerd_pid = cluster.runtime.pid().context("containerd is not running")?;
    let busy0 = machine_busy_secs();
    let (ks0, cs0) = (cpu_secs(kubelet_pid), cpu_secs(containerd_pid));
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let mut sent = Vec::new();
    let mut creates = Vec::new();
    for i in 0..args.pods {
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let name = format!("p{i:04}");
        let p = pod(&name, &node)?;
        let api = pods.clone();
        sent.push((name.clone(), Instant::now()));
        creates.push(tokio::spawn(async move {
            api.create(&PostParams::default(), &p).await.map(drop)
        }));
    }
    for c in creates {
        c.await?.context("creating a pod")?;
    }
    let names: Vec<String> = sent.iter().map(|(n, _)| n.clone()).collect();
    wait_running(&running, &names, Duration::from_secs(120)).await?;
    let samples: Vec<Duration> = {
        let seen = running.lock();
        sent.iter()
            .map(|(n, at)| seen[n].saturating_duration_since(*at))
            .collect()
    };
    let startup = stats::LatencySummary::of(samples).context("no startup samples")?;
    let startup_wall = start.elapsed().as_secs_f64();
    let startup_cpu = StartupCpu {
        machine_busy_cores: (machine_busy_secs() - busy0) / startup_wall,
        kubelet_cores: cpu_secs(kubelet_pid)
            .zip(ks0)
            .map(|(b, a)| (b - a) / startup_wall)
            .unwrap_or(f64::NAN),
        containerd_cores: cpu_secs(containerd_pid)
            .zip(cs0)
            .map(|(b, a)| (b - a) / startup_wall)
            .unwrap_or(f64::NAN),
    };
    println!(
        "   during startup: machine {:.2} of {} cores busy; kubelet {:.2}, containerd {:.2} cores",
        startup_cpu.machine_busy_cores,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        startup_cpu.kubelet_cores,
        startup_cpu.containerd_cores
    );
    println!(
        "   startup p50 {:.3} s, p99 {:.3} s, max {:.3} s",
        startup.p50_ms / 1000.0,
        startup.p99_ms / 1000.0,
        startup.max_ms / 1000.0
    );

    // Top up to the held count (the warm-up pod counts), then measure a quiet window.
    let mut held: Vec<String> = names.clone();
    held.push("warmup".into());
    for i in held.len()..args.hold {
        let name = format!("h{i:04}");
        pods.create(&PostParams::default(), &pod(&name, &node)?).await?;
        held.push(name);
    }
    wait_running(&running, &held, Duration::from_secs(120)).await?;
    println!("==> steady: {} pods held for {} s", held.len(), args.steady_secs);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (k0, c0, t0) = (cpu_secs(kubelet_pid), cpu_secs(containerd_pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(args.steady_secs)).await;
    let (k1, c1, wall) = (
        cpu_secs(kubelet_pid),
        cpu_secs(containerd_pid),
        t0.elapsed().as_secs_f64(),
    );
    let share = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (b - a) / wall,
        _ => f64::NAN,
    };
    let list = pods.list(&Default::default()).await?;
    let all_running = list.items.len() == held.len()
        && list
            .items
            .iter()
            .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
    let results = Results {
        stamp: utc(SystemTime::now()).1,
        machine,
        pods: args.pods,
        rate: args.rate,
        startup,
        startup_cpu,
        hold: held.len(),
        steady_secs: args.steady_secs,
        all_running_after_steady: all_running,
        kubelet_cpu_share: share(k0, k1),
        kubelet_rss_mib: rss_mib(kubelet_pid),
        containerd_cpu_share: share(c0, c1),
    };
    watch.abort();

    let pass = |ok: bool| if ok { "PASS" } else { "FAIL" }.to_string();
    let rows = vec![
        vec!["metric".into(), "value".into(), "target".into(), "".into()],
        vec![
            format!("pod startup p50 ({} pods at {}/s)", results.pods, results.rate),
            format!("{:.3} s", results.startup.p50_ms / 1000.0),
            "≤ 0.5 s".into(),
            pass(results.startup.p50_ms <= 500.0),
        ],
        vec![
            "pod startup p99".into(),
            format!("{:.3} s", results.startup.p99_ms / 1000.0),
            "≤ 1.5 s".into(),
            pass(results.startup.p99_ms <= 1500.0),
        ],
        vec![
            "pod startup max".into(),
            format!("{:.3} s", results.startup.max_ms / 1000.0),
            "".into(),
            "".into(),
        ],
        vec![
            "CPU during startup: machine / kubelet / containerd".into(),
            format!(
                "{:.2} / {:.2} / {:.2} cores",
                results.startup_cpu.machine_busy_cores,
                results.startup_cpu.kubelet_cores,
                results.startup_cpu.containerd_cores
            ),
            "".into(),
            "".into(),
        ],
        vec![
            format!("kubelet CPU, {} pods held {} s", results.hold, results.steady_secs),
            format!("{:.1}% of a core", results.kubelet_cpu_share * 100.0),
            "≤ 5%".into(),
            pass(results.kubelet_cpu_share <= 0.05),
        ],
        vec![
            format!("kubelet RSS, {} pods", results.hold),
            format!("{:.1} MiB", results.kubelet_rss_mib),
            "≤ 40 MiB".into(),
            pass(results.kubelet_rss_mib <= 40.0),
        ],
        vec![
            "containerd CPU (for reference)".into(),
            format!("{:.1}% of a core", results.containerd_cpu_share * 100.0),
            "".into(),
            "".into(),
        ],
        vec![
            "all pods still Running".into(),
            results.all_running_after_steady.to_string(),
            "true".into(),
            pass(results.all_running_after_steady),
        ],
    ];
    println!();
    print!("{}", render_table(&rows, |col| col == 1));
    for p in write_results(
        &args.out,
        "kubelet",
        &results.stamp,
        &serde_json::to_string_pretty(&results)?,
    )? {
        println!("wrote {}", p.display());
    }
    Ok(())
}

async fn wait_running(
    running: &Mutex<HashMap<String, Instant>>,
    names: &[String],
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let missing = {
            let seen = running.lock();
            names.iter().filter(|n| !seen.contains_key(*n)).count()
        };
        if missing == 0 {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "{missing} pods not Running within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

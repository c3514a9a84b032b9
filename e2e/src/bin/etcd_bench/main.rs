//! `etcd-bench`: measures real etcd and etcd-shim side by side in one run
//! (put throughput and latency, range, watch delivery, memory, disk
//! boundedness), prints a comparison table with the shim's targets and writes
//! the results as JSON.

mod config;
mod conn;
mod disk;
mod load;
mod machine;
mod memory;
mod output;
mod put;
mod range;
mod report;
mod results;
mod stats;
mod watch;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Parser;
use ferrokube_e2e::etcd::Backend;

use config::{BenchConfig, Only, Phase};
use results::{BackendResults, PhaseError};

/// Benchmarks real etcd against etcd-shim, one server at a time.
#[derive(Debug, Parser)]
#[command(name = "etcd-bench", version)]
struct BenchArgs {
    /// The etcd-shim binary (build it with `make bench` or
    /// `cargo build --release -p ferrokube-etcd-shim`).
    #[arg(long, default_value = "target/release/etcd-shim")]
    shim_bin: PathBuf,

    /// Directory for the JSON results (`etcd-<timestamp>.json`, `etcd-latest.json`).
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,

    /// Short run for smoke-testing: 3 s per put level, fewer keys for memory,
    /// 20 s of disk updates (unless --disk-secs is given).
    #[arg(long)]
    quick: bool,

    /// Seconds of steady updates in the disk phase (default 600; 20 with --quick).
    #[arg(long)]
    disk_secs: Option<u64>,

    /// Updates per second in the disk phase (the same for both backends, so
    /// the history each has to compact away is the same).
    #[arg(long, default_value_t = 500)]
    disk_rate: u32,

    /// Run only one backend.
    #[arg(long, value_enum)]
    only: Option<Only>,

    /// Phases to run, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "put,range,watch,memory,disk"
    )]
    phases: Vec<Phase>,
}

/// Exits 1 if the run could not start or any phase failed on any backend
/// (a FAIL against a target is a result, not a failure).
#[tokio::main]
async fn main() -> ExitCode {
    match run(BenchArgs::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("etcd-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the selected phases on the selected backends, prints the table and
/// writes the JSON; `Ok(false)` if some phase failed.
async fn run(args: BenchArgs) -> anyhow::Result<bool> {
    let cfg = BenchConfig::from_args(&args);
    let backends = selected_backends(&args)?;
    let machine = machine::describe(&args.shim_bin);
    print_header(&cfg, &machine, &backends);

    let mut all: Vec<(Backend, BackendResults)> =
        backends.into_iter().map(|b| (b, BackendResults::default())).collect();
    for phase in &cfg.phases {
        for (backend, res) in all.iter_mut() {
            println!("== {phase} on {backend}");
            if let Err(e) = run_phase(*phase, backend, &cfg, res).await {
                eprintln!("!! {phase} on {backend} failed: {e:#}");
                res.errors.push(PhaseError {
                    phase: phase.to_string(),
                    error: format!("{e:#}"),
                });
            }
        }
    }

    let etcd = all.iter().find(|(b, _)| *b == Backend::Etcd).map(|(_, r)| r);
    let shim = all.iter().find(|(b, _)| matches!(b, Backend::Shim(_))).map(|(_, r)| r);
    let rows = report::rows(etcd, shim, &cfg);
    println!();
    if rows.is_empty() {
        println!("no results to compare");
    } else {
        println!("{}", report::render(&rows));
    }
    let paths = output::write_json(&args.out, &output::Document::new(&machine, &cfg, etcd, shim, &rows))?;
    for p in paths {
        println!("wrote {}", p.display());
    }
    let failed = all.iter().any(|(_, r)| !r.errors.is_empty());
    if failed {
        eprintln!("some phases failed (see the `!!` lines above and `errors` in the JSON)");
    }
    Ok(!failed)
}

/// The backends to run, in order, after checking that their binaries exist.
fn selected_backends(args: &BenchArgs) -> anyhow::Result<Vec<Backend>> {
    let mut out = Vec::new();
    if args.only != Some(Only::Shim) {
        machine::etcd_version().context(
            "real etcd is not runnable: install it (`apt-get install etcd-server`) or point $ETCD_BIN at it, \
             or run with `--only shim`",
        )?;
        out.push(Backend::Etcd);
    }
    if args.only != Some(Only::Etcd) {
        let bin = &args.shim_bin;
        if !bin.is_file() {
            anyhow::bail!(
                "etcd-shim binary not found at {}: run `make bench` or `cargo build --release -p ferrokube-etcd-shim` \
                 (or pass --shim-bin PATH, or run with `--only etcd`)",
                bin.display()
            );
        }
        let abs = std::fs::canonicalize(bin).with_context(|| format!("resolving {}", bin.display()))?;
        out.push(Backend::Shim(abs));
    }
    Ok(out)
}

fn print_header(cfg: &BenchConfig, machine: &machine::Machine, backends: &[Backend]) {
    let names: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
    println!(
        "etcd-bench: {} on {} × {} ({} MiB RAM, kernel {}), etcd {}",
        names.join(" vs "),
        machine.nproc,
        machine.cpu_model,
        machine.mem_total_kib / 1024,
        machine.kernel,
        machine.etcd_version.as_deref().unwrap_or("?"),
    );
    let phases: Vec<String> = cfg.phases.iter().map(|p| p.to_string()).collect();
    println!(
        "phases: {}{}",
        phases.join(","),
        if cfg.quick { " (quick)" } else { "" }
    );
    if machine.bench_build == "debug" {
        println!(
            "note: etcd-bench is a debug build; client overhead inflates latencies (use --release for real numbers)"
        );
    }
}

async fn run_phase(phase: Phase, backend: &Backend, cfg: &BenchConfig, res: &mut BackendResults) -> anyhow::Result<()> {
    match phase {
        Phase::Put => put::run(backend, cfg, &mut res.put).await?,
        Phase::Range => res.range = Some(range::run(backend, cfg).await?),
        Phase::Watch => res.watch = Some(watch::run(backend, cfg).await?),
        Phase::Memory => res.memory = Some(memory::run(backend, cfg).await?),
        Phase::Disk => res.disk = Some(disk::run(backend, cfg).await?),
    }
    Ok(())
}

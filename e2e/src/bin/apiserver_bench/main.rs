//! `apiserver-bench`: measures kube-apiserver on etcd-shim and on real etcd in one run (pod create throughput
//! against raw etcd puts, open-loop create latency, GET and LIST, watch delivery to many watchers, memory),
//! prints a table with PASS/FAIL against the apiserver's targets and writes the results as JSON.

mod config;
mod create;
mod load;
#[path = "../etcd_bench/machine.rs"]
mod machine;
mod memory;
mod output;
mod pod;
mod profile;
mod rate;
mod read;
mod report;
mod results;
mod stack;
#[path = "../etcd_bench/stats.rs"]
mod stats;
mod watch;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Parser;
use ferrokube_e2e::{apiserver::target_bin, etcd::Backend};

use config::{BenchConfig, Only, Phase};
use results::{DatastoreResults, PhaseError};

/// Benchmarks kube-apiserver on etcd-shim and on real etcd, one stack at a time.
#[derive(Debug, Parser)]
#[command(name = "apiserver-bench", version)]
struct BenchArgs {
    /// The etcd-shim binary (kube-apiserver is taken from the directory of this binary).
    #[arg(long, default_value = "target/release/etcd-shim")]
    shim_bin: PathBuf,

    /// Directory for the JSON results (`apiserver-<timestamp>.json`, `apiserver-latest.json`).
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,

    /// Short run for smoke-testing: shorter windows, 2k pods to LIST, 100 watchers, 5k pods for memory
    /// (the targets about those sizes are then not judged).
    #[arg(long)]
    quick: bool,

    /// Run on one datastore only.
    #[arg(long, value_enum)]
    only: Option<Only>,

    /// Phases to run, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "create,rate,read,watch,memory"
    )]
    phases: Vec<Phase>,

    /// Record a `perf record --call-graph dwarf` profile of the apiserver during each measured window into this directory
    /// (`<phase>-<datastore>.perf.data`; read with `perf report -i FILE --no-children`).
    #[arg(long)]
    perf: Option<PathBuf>,
}

/// Exits 1 if the run could not start or any phase failed on any datastore (a FAIL against a target is a
/// result, not a failure).
#[tokio::main]
async fn main() -> ExitCode {
    match run(BenchArgs::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("apiserver-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: BenchArgs) -> anyhow::Result<bool> {
    let cfg = BenchConfig::from_args(&args);
    let backends = selected_backends(&args)?;
    let apiserver_bin = target_bin("kube-apiserver");
    anyhow::ensure!(
        apiserver_bin.is_file(),
        "kube-apiserver not found at {}: build it next to this binary (`cargo build --release -p ferrokube-apiserver`)",
        apiserver_bin.display()
    );
    let machine = machine::describe(&args.shim_bin);
    print_header(&cfg, &machine, &backends);
    let loadavg_start = output::loadavg();
    println!("load average at start: {loadavg_start}");
    if loadavg_start
        .split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l > 1.0)
    {
        println!("note: the machine is busy; figures from this run will be low (compare only quiet runs)");
    }

    let mut all: Vec<(Backend, DatastoreResults)> =
        backends.into_iter().map(|b| (b, DatastoreResults::default())).collect();
    for phase in &cfg.phases {
        for (backend, res) in all.iter_mut() {
            println!("== {phase} on kube-apiserver + {backend}");
            if let Err(e) = run_phase(*phase, backend, &cfg, res).await {
                eprintln!("!! {phase} on {backend} failed: {e:#}");
                res.errors.push(PhaseError {
                    phase: phase.to_string(),
                    error: format!("{e:#}"),
                });
            }
        }
    }

    let shim = all.iter().find(|(b, _)| matches!(b, Backend::Shim(_))).map(|(_, r)| r);
    let etcd = all.iter().find(|(b, _)| *b == Backend::Etcd).map(|(_, r)| r);
    let rows = report::rows(shim, etcd, &cfg);
    println!();
    if rows.is_empty() {
        println!("no results to show");
    } else {
        println!("{}", report::render(&rows));
    }
    let doc = output::Document::new(&machine, loadavg_start, &apiserver_bin, &cfg, shim, etcd, &rows);
    for p in output::write_json(&args.out, &doc)? {
        println!("wrote {}", p.display());
    }
    println!("load average at end: {}", doc.loadavg_end);
    let failed = all.iter().any(|(_, r)| !r.errors.is_empty());
    if failed {
        eprintln!("some phases failed (see the `!!` lines above and `errors` in the JSON)");
    }
    Ok(!failed)
}

/// The datastores to run on, etcd-shim first, after checking that their binaries exist.
fn selected_backends(args: &BenchArgs) -> anyhow::Result<Vec<Backend>> {
    let mut out = Vec::new();
    if args.only != Some(Only::Etcd) {
        let bin = &args.shim_bin;
        anyhow::ensure!(
            bin.is_file(),
            "etcd-shim binary not found at {}: run `make bench` or `cargo build --release -p ferrokube-etcd-shim` \
             (or pass --shim-bin PATH, or run with `--only etcd`)",
            bin.display()
        );
        let abs = std::fs::canonicalize(bin).with_context(|| format!("resolving {}", bin.display()))?;
        out.push(Backend::Shim(abs));
    }
    if args.only != Some(Only::Shim) {
        machine::etcd_version().context(
            "real etcd is not runnable: install it (`apt-get install etcd-server`) or point $ETCD_BIN at it, \
             or run with `--only shim`",
        )?;
        out.push(Backend::Etcd);
    }
    Ok(out)
}

fn print_header(cfg: &BenchConfig, machine: &machine::Machine, backends: &[Backend]) {
    let names: Vec<String> = backends.iter().map(|b| format!("kube-apiserver + {b}")).collect();
    println!(
        "apiserver-bench: {} on {} × {} ({} MiB RAM, kernel {}), etcd {}",
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
        println!("note: this is a debug build; use the release build for real numbers");
    }
}

async fn run_phase(
    phase: Phase,
    backend: &Backend,
    cfg: &BenchConfig,
    res: &mut DatastoreResults,
) -> anyhow::Result<()> {
    match phase {
        Phase::Create => res.create = Some(create::run(backend, cfg).await?),
        Phase::Rate => res.rate = Some(rate::run(backend, cfg).await?),
        Phase::Read => res.read = Some(read::run(backend, cfg).await?),
        Phase::Watch => res.watch = Some(watch::run(backend, cfg).await?),
        Phase::Memory => res.memory = Some(memory::run(backend, cfg).await?),
    }
    Ok(())
}

//! kube-apiserver: parses the command line and runs the server.

use clap::Parser;

// Request handling allocates many small JSON values; mimalloc is markedly faster than glibc's malloc for that
// pattern (the create benchmark spent a sixth of its time in malloc/free).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().collect();
    if let Err(msg) = ferrokube_apiserver::args::reject_unimplemented(&argv) {
        eprintln!("Error: {msg}");
        std::process::exit(1);
    }
    let args = ferrokube_apiserver::args::ApiserverArgs::parse_from(argv);
    args.logging.init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(ferrokube_apiserver::run(args))
}

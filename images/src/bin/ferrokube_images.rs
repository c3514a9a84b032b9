//! `ferrokube-images`: builds the project's images as OCI archives and imports them into containerd.
//!
//!   ferrokube-images build --out DIR                 writes DIR/pause.tar and DIR/busybox.tar
//!   ferrokube-images import --address SOCK --out DIR builds them and imports them into containerd

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ferrokube-images",
    about = "Builds the project's container images from local files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the images as OCI archives into a directory.
    Build(BuildArgs),
    /// Build the images and import them into containerd's k8s.io namespace.
    Import {
        #[command(flatten)]
        build: BuildArgs,
        /// containerd's socket.
        #[arg(long, default_value = "/run/containerd/containerd.sock")]
        address: PathBuf,
    },
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Directory for the archives.
    #[arg(long)]
    out: PathBuf,
    /// The `pause` binary (default: next to this program).
    #[arg(long)]
    pause: Option<PathBuf>,
    /// A statically linked busybox.
    #[arg(long, default_value = ferrokube_images::BUSYBOX_BIN)]
    busybox: PathBuf,
}

fn build(args: &BuildArgs) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let pause = match &args.pause {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .map(|d| d.join("pause"))
            .context("cannot tell this program's directory")?,
    };
    anyhow::ensure!(
        pause.exists(),
        "{} is missing: build it with `cargo build -p ferrokube-pause` or pass --pause",
        pause.display()
    );
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut written = Vec::new();
    for (file, image) in [
        ("pause.tar", ferrokube_images::pause_image(&pause)?),
        ("busybox.tar", ferrokube_images::busybox_image(&args.busybox)?),
    ] {
        let path = args.out.join(file);
        std::fs::write(&path, image.oci_archive()?).with_context(|| format!("writing {}", path.display()))?;
        written.push((image.name.clone(), path));
    }
    Ok(written)
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Build(args) => {
            for (name, path) in build(&args)? {
                println!("{name}\t{}", path.display());
            }
        }
        Command::Import { build: args, address } => {
            for (name, path) in build(&args)? {
                ferrokube_images::import(&address, &path)?;
                println!("imported {name}");
            }
        }
    }
    Ok(())
}

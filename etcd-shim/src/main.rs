use clap::Parser;

fn main() -> anyhow::Result<()> {
    ferrokube_etcd_shim::main_with(ferrokube_etcd_shim::args::EtcdShimArgs::parse())
}

//! Writes a development PKI and kubeconfigs; `make up` uses it (kubeadm will own the cluster PKI).
//!
//!   ferrokube-dev-pki <dir> <server-url>               CA, apiserver serving and kubelet client certs,
//!                                                      admin.kubeconfig (an existing PKI gets what it lacks)
//!   ferrokube-dev-pki <dir> <server-url> --node NAME   also kubelet.kubeconfig for system:node:NAME

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, server, node) = match args.as_slice() {
        [dir, server] => (dir, server, None),
        [dir, server, flag, node] if flag == "--node" => (dir, server, Some(node)),
        _ => anyhow::bail!("usage: ferrokube-dev-pki <dir> <server-url, e.g. https://127.0.0.1:6443> [--node NAME]"),
    };
    let dir = std::path::PathBuf::from(dir);
    let pki = if dir.join("ca.crt").exists() {
        let pki = ferrokube_e2e::pki::Pki::load(&dir)?;
        pki.ensure_kubelet_client()?;
        pki
    } else {
        let pki = ferrokube_e2e::pki::generate(&dir)?;
        pki.write_kubeconfig(&dir.join("admin.kubeconfig"), server)?;
        println!("wrote {}", dir.join("admin.kubeconfig").display());
        pki
    };
    if let Some(node) = node {
        let path = dir.join("kubelet.kubeconfig");
        pki.write_node_kubeconfig(&path, server, node)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

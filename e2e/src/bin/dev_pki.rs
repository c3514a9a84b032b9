//! Writes a development PKI and an admin kubeconfig: `ferrokube-dev-pki <dir> <server-url>`.
//! `make up` uses it; kubeadm will own the cluster PKI.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(server)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: ferrokube-dev-pki <dir> <server-url, e.g. https://127.0.0.1:6443>");
    };
    let dir = std::path::PathBuf::from(dir);
    let pki = ferrokube_e2e::pki::generate(&dir)?;
    pki.write_kubeconfig(&dir.join("admin.kubeconfig"), &server)?;
    println!("wrote {}", dir.join("admin.kubeconfig").display());
    Ok(())
}

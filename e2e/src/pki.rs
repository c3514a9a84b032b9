//! A throwaway PKI for clusters started by tests, benchmarks and `make up`: a CA, an apiserver serving
//! certificate for 127.0.0.1/localhost, an admin client certificate in `system:masters`, the apiserver's
//! client certificate towards kubelets, and kubeconfigs (admin, and per node for kubelets).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// Paths of the files [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub serving_cert: PathBuf,
    pub serving_key: PathBuf,
    pub admin_cert: PathBuf,
    pub admin_key: PathBuf,
    /// The apiserver's identity towards kubelets (`--kubelet-client-certificate`), as kubeadm's
    /// `apiserver-kubelet-client`.
    pub kubelet_client_cert: PathBuf,
    pub kubelet_client_key: PathBuf,
}

impl Pki {
    /// Writes an admin kubeconfig for `server` (e.g. `https://127.0.0.1:6443`) at `path`, with the
    /// certificates inlined so it works from any directory.
    pub fn write_kubeconfig(&self, path: &Path, server: &str) -> anyhow::Result<()> {
        let cert = std::fs::read_to_string(&self.admin_cert)?;
        let key = std::fs::read_to_string(&self.admin_key)?;
        self.write_client_kubeconfig(path, server, "admin", &cert, &key)
    }

    /// Writes a kubeconfig for `server` that authenticates with the client certificate `cert_pem`.
    pub fn write_client_kubeconfig(
        &self,
        path: &Path,
        server: &str,
        user: &str,
        cert_pem: &str,
        key_pem: &str,
    ) -> anyhow::Result<()> {
        use base64::Engine;
        let encode = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let ca = std::fs::read(&self.ca_cert)?;
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: ferrokube\n  cluster:\n    server: {server}\n    certificate-authority-data: {}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: {user}@ferrokube\n  context:\n    cluster: ferrokube\n    user: {user}\ncurrent-context: {user}@ferrokube\n",
            encode(&ca),
            encode(cert_pem.as_bytes()),
            encode(key_pem.as_bytes())
        );
        write_private(path, &text)
    }

    /// The PKI [`generate`] wrote into `dir` before.
    pub fn load(dir: &Path) -> anyhow::Result<Pki> {
        let pki = Pki::at(dir);
        anyhow::ensure!(
            pki.ca_cert.exists() && pki.ca_key.exists(),
            "no CA in {}: generate the PKI first",
            dir.display()
        );
        Ok(pki)
    }

    fn at(dir: &Path) -> Pki {
        Pki {
            dir: dir.to_path_buf(),
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            serving_cert: dir.join("apiserver.crt"),
            serving_key: dir.join("apiserver.key"),
            admin_cert: dir.join("admin.crt"),
            admin_key: dir.join("admin.key"),
            kubelet_client_cert: dir.join("apiserver-kubelet-client.crt"),
            kubelet_client_key: dir.join("apiserver-kubelet-client.key"),
        }
    }

    /// Issues a client certificate for user `cn` in groups `orgs`, signed by this PKI's CA: (cert, key) PEM.
    pub fn issue_client(&self, cn: &str, orgs: &[&str]) -> anyhow::Result<(String, String)> {
        let ca_key = KeyPair::from_pem(&std::fs::read_to_string(&self.ca_key)?)?;
        // The issuer is the CA's name and key: what a certificate it signs refers to.
        let issuer = Issuer::new(ca_params()?, ca_key);
        let key = KeyPair::generate()?;
        let cert = client_params(cn, orgs)?.signed_by(&key, &issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Issues the apiserver's kubelet client certificate when this PKI predates it (written by an older
    /// `generate`).
    pub fn ensure_kubelet_client(&self) -> anyhow::Result<()> {
        if self.kubelet_client_cert.exists() && self.kubelet_client_key.exists() {
            return Ok(());
        }
        let (cert, key) = self.issue_client("kube-apiserver-kubelet-client", &["kubeadm:cluster-admins"])?;
        std::fs::write(&self.kubelet_client_cert, cert)?;
        write_private(&self.kubelet_client_key, &key)
    }

    /// Writes a kubeconfig for the kubelet of node `node` (user `system:node:<node>`, group
    /// `system:nodes`, as upstream's node authorizer expects) at `path`.
    pub fn write_node_kubeconfig(&self, path: &Path, server: &str, node: &str) -> anyhow::Result<()> {
        let user = format!("system:node:{node}");
        let (cert, key) = self.issue_client(&user, &["system:nodes"])?;
        self.write_client_kubeconfig(path, server, &user, &cert, &key)
    }
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name.push(DnType::CommonName, "ferrokube-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(ca_params)
}

fn client_params(cn: &str, orgs: &[&str]) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    for o in orgs {
        dn.push(DnType::OrganizationName, *o);
    }
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    Ok(params)
}

/// Generates the PKI into `dir` (created if missing).
pub fn generate(dir: &Path) -> anyhow::Result<Pki> {
    std::fs::create_dir_all(dir)?;
    let ca_key = KeyPair::generate()?;
    let ca_params = ca_params()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let serving_key = KeyPair::generate()?;
    let mut serving_params = CertificateParams::new(vec![
        "localhost".to_string(),
        "kubernetes".to_string(),
        "kubernetes.default".to_string(),
        "kubernetes.default.svc".to_string(),
    ])?;
    serving_params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    serving_params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    serving_params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    serving_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let serving_cert = serving_params.signed_by(&serving_key, &issuer)?;

    let admin_key = KeyPair::generate()?;
    let admin_cert = client_params("kubernetes-admin", &["system:masters"])?.signed_by(&admin_key, &issuer)?;

    let kubelet_client_key = KeyPair::generate()?;
    let kubelet_client_cert = client_params("kube-apiserver-kubelet-client", &["kubeadm:cluster-admins"])?
        .signed_by(&kubelet_client_key, &issuer)?;

    let pki = Pki::at(dir);
    std::fs::write(&pki.kubelet_client_cert, kubelet_client_cert.pem())?;
    write_private(&pki.kubelet_client_key, &kubelet_client_key.serialize_pem())?;
    std::fs::write(&pki.ca_cert, ca_cert.pem())?;
    write_private(&pki.ca_key, &ca_key_pem)?;
    std::fs::write(&pki.serving_cert, serving_cert.pem())?;
    write_private(&pki.serving_key, &serving_key.serialize_pem())?;
    std::fs::write(&pki.admin_cert, admin_cert.pem())?;
    write_private(&pki.admin_key, &admin_key.serialize_pem())?;
    Ok(pki)
}

fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(pem.as_bytes())?;
    Ok(())
}

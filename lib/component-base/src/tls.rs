//! rustls configurations the daemons share: a serving configuration with optional client-certificate
//! verification (requests without a certificate still connect and are authenticated otherwise, or get 401),
//! a client configuration for calling another component, and the x509 subject that names a client.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: rustls_pki_types::pem::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: String },
    #[error("building the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("client CA bundle {path}: {reason}")]
    ClientCa { path: String, reason: String },
    #[error("CA bundle {path}: {reason}")]
    Ca { path: String, reason: String },
}

pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|source| TlsError::Read {
            path: path.display().to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.display().to_string(),
        });
    }
    Ok(certs)
}

/// Builds the server configuration; `alpn` lists the protocols offered (upstream's apiserver offers `h2`
/// and `http/1.1`).
pub fn server_config(
    cert_file: &Path,
    key_file: &Path,
    client_ca_file: Option<&Path>,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(cert_file)?;
    let key = read_key(key_file)?;
    let builder =
        rustls::ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match client_ca_file {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots.add(cert).map_err(|e| TlsError::ClientCa {
                    path: ca.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::ClientCa {
                    path: ca.display().to_string(),
                    reason: e.to_string(),
                })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// A client configuration speaking HTTP/1.1 (what connection upgrades need): the server is verified
/// against `ca` when given, else not at all (upstream's apiserver without `--kubelet-certificate-authority`);
/// `identity` is the client certificate and key presented.
pub fn client_config(
    ca: Option<&Path>,
    identity: Option<(&Path, &Path)>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder =
        rustls::ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots.add(cert).map_err(|e| TlsError::Ca {
                    path: ca.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
            builder.with_root_certificates(roots)
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider))),
    };
    let mut config = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(read_certs(cert)?, read_key(key)?)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts any server certificate (signatures are still checked, so the handshake is sound).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The subject's common name and organizations of a DER certificate: the user name and groups of x509
/// authentication. `None` when the certificate cannot be parsed.
pub fn subject_cn_and_orgs(der: &[u8]) -> Option<(String, Vec<String>)> {
    // Certificate ::= SEQUENCE { tbsCertificate, ... }; TBSCertificate ::= SEQUENCE { [0] version OPTIONAL,
    // serialNumber, signature, issuer, validity, subject, ... }.
    let (cert, _) = der_element(der, 0x30)?;
    let (tbs, _) = der_element(cert, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = der_skip(rest)?;
    }
    for _ in 0..4 {
        rest = der_skip(rest)?; // serial, signature algorithm, issuer, validity
    }
    let (subject, _) = der_element(rest, 0x30)?;
    let mut cn = String::new();
    let mut orgs = Vec::new();
    let mut rdns = subject;
    while !rdns.is_empty() {
        let (set, next) = der_element(rdns, 0x31)?;
        rdns = next;
        let mut atvs = set;
        while !atvs.is_empty() {
            let (atv, next) = der_element(atvs, 0x30)?;
            atvs = next;
            let (oid, value) = der_element(atv, 0x06)?;
            let (tag, body, _) = der_any(value)?;
            if !matches!(tag, 0x0c | 0x13 | 0x16 | 0x14) {
                continue;
            }
            let text = String::from_utf8_lossy(body).into_owned();
            match oid {
                [0x55, 0x04, 0x03] => cn = text,
                [0x55, 0x04, 0x0a] => orgs.push(text),
                _ => {}
            }
        }
    }
    Some((cn, orgs))
}

fn der_any(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

fn der_element(input: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = der_any(input)?;
    (tag == want).then_some((body, rest))
}

fn der_skip(input: &[u8]) -> Option<&[u8]> {
    der_any(input).map(|(_, _, rest)| rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_subject() {
        assert_eq!(subject_cn_and_orgs(b""), None);
        assert_eq!(subject_cn_and_orgs(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(subject_cn_and_orgs(&[0x30, 0x03, 0x30, 0x01]), None);
    }
}

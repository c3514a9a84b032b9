//! Running one probe (startup, liveness or readiness) of a container, as upstream's prober does:
//! `exec` through CRI ExecSync (exit 0 succeeds), `httpGet` to the pod's IP (a status from 200 to 399
//! succeeds; HTTPS without verifying the certificate), `tcpSocket` (a connection succeeds) and `grpc`
//! (the standard health service answers SERVING). Every probe is bounded by `timeoutSeconds`.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cri::Runtime;

/// A probe's outcome, with upstream's message on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure(String),
}

/// The port a probe names, by number or by the container's port name.
fn port(container: &Container, port: &IntOrString) -> Result<u16, String> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).map_err(|_| format!("invalid port number: {n}")),
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok())
            .ok_or_else(|| format!("couldn't find port: {name} in {}", container.name)),
    }
}

/// Runs `probe` once against `container` (CRI id `id`) in a pod at `pod_ip`.
pub async fn run(rt: &Runtime, probe: &Probe, container: &Container, id: &str, pod_ip: &str) -> Outcome {
    let timeout = Duration::from_secs(probe.timeout_seconds.unwrap_or(1).max(1) as u64);
    if let Some(exec) = &probe.exec {
        let cmd = exec.command.clone().unwrap_or_default();
        return match rt.exec_sync(id, cmd, timeout).await {
            Ok(r) if r.exit_code == 0 => Outcome::Success,
            Ok(r) => {
                let mut out = String::from_utf8_lossy(&r.stdout).into_owned();
                out.push_str(&String::from_utf8_lossy(&r.stderr));
                Outcome::Failure(if out.trim().is_empty() {
                    format!("command exited with {}", r.exit_code)
                } else {
                    out
                })
            }
            Err(e) => Outcome::Failure(e.to_string()),
        };
    }
    let result = tokio::time::timeout(timeout, async {
        if let Some(http) = &probe.http_get {
            let host = http
                .host
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| pod_ip.to_string());
            let port = port(container, &http.port)?;
            let path = http
                .path
                .clone()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "/".into());
            let headers: Vec<(String, String)> = http
                .http_headers
                .iter()
                .flatten()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect();
            let https = http.scheme.as_deref() == Some("HTTPS");
            http_get(&host, port, &path, &headers, https).await
        } else if let Some(tcp) = &probe.tcp_socket {
            let host = tcp
                .host
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| pod_ip.to_string());
            let port = port(container, &tcp.port)?;
            tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map(drop)
                .map_err(|e| format!("dial tcp {host}:{port}: {e}"))
        } else if let Some(grpc) = &probe.grpc {
            let port = u16::try_from(grpc.port).map_err(|_| format!("invalid port number: {}", grpc.port))?;
            grpc_health(pod_ip, port, grpc.service.as_deref().unwrap_or("")).await
        } else {
            Err("probe has no handler".to_string())
        }
    })
    .await;
    match result {
        Ok(Ok(())) => Outcome::Success,
        Ok(Err(message)) => Outcome::Failure(message),
        Err(_) => Outcome::Failure(format!("probe timed out after {}s", timeout.as_secs())),
    }
}

/// An HTTP/1.1 GET; a status from 200 to 399 is a success (redirects are not followed, as upstream
/// treats a redirect to another host).
async fn http_get(host: &str, port: u16, path: &str, headers: &[(String, String)], https: bool) -> Result<(), String> {
    let url = format!("{}://{host}:{port}{path}", if https { "https" } else { "http" });
    let tcp = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("Get \"{url}\": dial tcp {host}:{port}: {e}"))?;
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: kube-probe/1.37\r\nAccept: */*\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let head = if https {
        // HTTPS probes check that the server answers, not who it is: no certificate verification.
        let config = ferrokube_component_base::tls::client_config(None, None).map_err(|e| e.to_string())?;
        let connector = tokio_rustls::TlsConnector::from(config);
        let name =
            rustls_pki_types::ServerName::try_from(host.to_string()).map_err(|e| format!("Get \"{url}\": {e}"))?;
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("Get \"{url}\": {e}"))?;
        exchange(&mut tls, &request).await
    } else {
        let mut tcp = tcp;
        exchange(&mut tcp, &request).await
    }
    .map_err(|e| format!("Get \"{url}\": {e}"))?;
    let code: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("Get \"{url}\": malformed HTTP response"))?;
    if (200..400).contains(&code) {
        Ok(())
    } else {
        Err(format!("HTTP probe failed with statuscode: {code}"))
    }
}

/// Sends the request and reads the status line.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    s: &mut S,
    request: &str,
) -> Result<String, String> {
    s.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') && buf.len() < 4096 {
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).lines().next().unwrap_or("").to_string())
}

/// `grpc.health.v1.HealthCheckRequest`.
#[derive(Clone, PartialEq, prost::Message)]
struct HealthCheckRequest {
    #[prost(string, tag = "1")]
    service: String,
}

/// `grpc.health.v1.HealthCheckResponse`; status 1 is SERVING.
#[derive(Clone, PartialEq, prost::Message)]
struct HealthCheckResponse {
    #[prost(int32, tag = "1")]
    status: i32,
}

async fn grpc_health(ip: &str, port: u16, service: &str) -> Result<(), String> {
    let addr = format!("{ip}:{port}");
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| format!("failed to connect service {addr:?} within the timeout: {e}"))?;
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| e.to_string())?;
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/grpc.health.v1.Health/Check");
    let response: tonic::Response<HealthCheckResponse> = grpc
        .unary(
            tonic::Request::new(HealthCheckRequest {
                service: service.to_string(),
            }),
            path,
            tonic_prost::ProstCodec::default(),
        )
        .await
        .map_err(|s| format!("health rpc probe failed: {}", s.message()))?;
    match response.into_inner().status {
        1 => Ok(()),
        s => Err(format!(
            "service unhealthy (responded with \"{}\")",
            match s {
                2 => "NOT_SERVING",
                3 => "SERVICE_UNKNOWN",
                _ => "UNKNOWN",
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container() -> Container {
        serde_json::from_value(serde_json::json!({"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}))
            .unwrap()
    }

    #[test]
    fn named_ports_resolve_from_the_container() {
        let c = container();
        assert_eq!(port(&c, &IntOrString::String("http".into())), Ok(8080));
        assert_eq!(port(&c, &IntOrString::Int(81)), Ok(81));
        assert!(
            port(&c, &IntOrString::String("grpc".into()))
                .unwrap_err()
                .contains("couldn't find port")
        );
    }

    #[tokio::test]
    async fn http_and_tcp_probes_judge_by_status_and_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1024];
                let n = s.read(&mut buf).await.unwrap();
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let code = if req.starts_with("GET /healthy ") {
                    "200 OK"
                } else {
                    "500 Internal Server Error"
                };
                assert!(req.contains("User-Agent: kube-probe/1.37"), "{req}");
                let _ = s
                    .write_all(format!("HTTP/1.1 {code}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                    .await;
            }
        });
        assert_eq!(http_get("127.0.0.1", port, "/healthy", &[], false).await, Ok(()));
        assert_eq!(
            http_get("127.0.0.1", port, "/sick", &[], false).await,
            Err("HTTP probe failed with statuscode: 500".into())
        );
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        assert!(
            http_get("127.0.0.1", closed, "/", &[], false)
                .await
                .unwrap_err()
                .contains("dial tcp")
        );
    }
}

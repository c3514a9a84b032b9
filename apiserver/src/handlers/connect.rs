//! The pod subresources served by the pod's kubelet: `log` (streamed back), and `exec`, `attach`,
//! `portforward` (connection upgrades, SPDY or WebSocket, proxied to the kubelet's node server and spliced).
//! The apiserver checks the pod and container as upstream does, finds the node's address
//! (`--kubelet-preferred-address-types`) and port (`status.daemonEndpoints`), and connects with its kubelet
//! client certificate.

use std::sync::Arc;

use bytes::Bytes;
use ferrokube_apimachinery::status::{GroupResource, Status};
use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use rustls_pki_types::ServerName;
use serde_json::Value;
use tokio::net::TcpStream;

use super::{Body, full};
use crate::apiserver::{ApiResult, Apiserver};
use crate::request::RequestInfo;
use ferrokube_apimachinery::query::pairs as query_pairs;
use ferrokube_component_base::streamproxy;

/// Whether this request is served by a kubelet: the pod subresources `log`, `exec`, `attach`,
/// `portforward`, and `nodes/proxy`.
pub fn is_kubelet_subresource(info: &RequestInfo) -> bool {
    info.api_group.is_empty()
        && ((info.resource == "pods" && matches!(info.subresource.as_str(), "log" | "exec" | "attach" | "portforward"))
            || (info.resource == "nodes" && info.subresource == "proxy"))
}

/// `nodes/<name>[:port]/proxy/<path>`: any request passed to the node's kubelet as it came (path, query,
/// body, upgrades), answered with the kubelet's answer.
async fn node_proxy(api: &Arc<Apiserver>, mut req: Request<Incoming>, info: &RequestInfo) -> ApiResult<Response<Body>> {
    let (node, port) = match info.name.rsplit_once(':') {
        Some((n, p)) => (
            n,
            Some(
                p.parse::<u16>()
                    .map_err(|_| Status::bad_request(format!("invalid port {p:?}")))?,
            ),
        ),
        None => (info.name.as_str(), None),
    };
    let (host, kubelet_port) = kubelet_location(api, node).await?;
    let port = port.unwrap_or(kubelet_port);
    let prefix = format!("/api/v1/nodes/{}/proxy", info.name);
    let raw = req.uri().path();
    let rest = raw.strip_prefix(prefix.as_str()).unwrap_or("");
    let mut path_and_query = if rest.is_empty() {
        "/".to_string()
    } else {
        rest.to_string()
    };
    if let Some(q) = req.uri().query() {
        path_and_query = format!("{path_and_query}?{q}");
    }
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let io = dial(api, &host, port).await?;
    let upgrade = streamproxy::is_upgrade(req.headers());
    let method = req.method().clone();
    let mut next = streamproxy::next_hop_request(&method, req.headers(), &authority, &path_and_query)
        .map_err(|e| Status::bad_request(e.to_string()))?;
    for name in [http::header::CONTENT_TYPE, http::header::ACCEPT] {
        if let Some(v) = req.headers().get(&name) {
            next.headers_mut().insert(name, v.clone());
        }
    }
    let on_client = hyper::upgrade::on(&mut req);
    let body = if upgrade || matches!(method, http::Method::GET | http::Method::HEAD) {
        Bytes::new()
    } else {
        super::read_body(req).await?
    };
    let (parts, ()) = next.map(|_| ()).into_parts();
    let next = Request::from_parts(parts, http_body_util::Full::new(body));
    let resp = streamproxy::send(io, next)
        .await
        .map_err(|e| Status::service_unavailable(format!("error talking to the kubelet: {e}")))?;
    if upgrade && resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        return Ok(streamproxy::splice(on_client, resp).map(|()| full(Bytes::new())));
    }
    let (parts, body) = resp.into_parts();
    Ok(Response::from_parts(parts, body.map_err(std::io::Error::other).boxed()))
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn truthy(pairs: &[(String, String)], key: &str) -> bool {
    matches!(first(pairs, key), Some("1" | "t" | "T" | "true" | "TRUE" | "True"))
}

/// Query encoding of a component.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The container a request names, or the pod's only container; upstream's messages otherwise.
fn container_name(pod: &Value, name: &str, requested: Option<&str>) -> ApiResult<String> {
    let spec = &pod["spec"];
    let containers = names(spec.get("containers"));
    let init = names(spec.get("initContainers"));
    let ephemeral = names(spec.get("ephemeralContainers"));
    match requested.filter(|c| !c.is_empty()) {
        Some(c) => {
            if containers.iter().chain(&init).chain(&ephemeral).any(|n| n == c) {
                Ok(c.to_string())
            } else {
                Err(Status::bad_request(format!(
                    "container {c} is not valid for pod {name}"
                )))
            }
        }
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(" or one of the init containers: [{}]", init.join(" ")));
            }
            if !ephemeral.is_empty() {
                msg.push_str(&format!(
                    " or one of the ephemeral containers: [{}]",
                    ephemeral.join(" ")
                ));
            }
            Err(Status::bad_request(msg))
        }
    }
}

/// The kubelet of `node`: its address by the preferred types, and its port.
async fn kubelet_location(api: &Arc<Apiserver>, node: &str) -> ApiResult<(String, u16)> {
    let spec = api
        .resource("", "v1", "nodes")
        .ok_or_else(|| Status::internal_error("nodes are not served"))?;
    let node_obj = api.get(&spec, "", node, "").await?.into_value()?;
    let status = &node_obj["status"];
    let port = status["daemonEndpoints"]["kubeletEndpoint"]["Port"]
        .as_u64()
        .filter(|p| *p > 0 && *p <= 65535)
        .unwrap_or(10250) as u16;
    let addresses = status["addresses"].as_array().cloned().unwrap_or_default();
    for t in &api.config.kubelet_preferred_address_types {
        if let Some(a) = addresses
            .iter()
            .find(|a| a["type"].as_str() == Some(t.as_str()))
            .and_then(|a| a["address"].as_str())
            .filter(|a| !a.is_empty())
        {
            return Ok((a.to_string(), port));
        }
    }
    Err(Status::bad_request(format!(
        "no preferred addresses found; known addresses: {addresses:?}"
    )))
}

/// A TLS connection to a kubelet.
async fn dial(api: &Arc<Apiserver>, host: &str, port: u16) -> ApiResult<tokio_rustls::client::TlsStream<TcpStream>> {
    let unavailable = |e: String| Status::service_unavailable(format!("error dialing backend: {e}"));
    let tcp = tokio::time::timeout(std::time::Duration::from_secs(30), TcpStream::connect((host, port)))
        .await
        .map_err(|_| unavailable(format!("dial tcp {host}:{port}: i/o timeout")))?
        .map_err(|e| unavailable(format!("dial tcp {host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from(host.to_string()).map_err(|e| unavailable(e.to_string()))?;
    tokio_rustls::TlsConnector::from(api.kubelet_tls.clone())
        .connect(name, tcp)
        .await
        .map_err(|e| unavailable(format!("tls: {e}")))
}

/// Turns a kubelet's error answer into the Status upstream's response checker makes of it.
async fn kubelet_error(resp: Response<Incoming>, sub: &str, name: &str) -> Status {
    let code = resp.status().as_u16();
    let body = match http_body_util::Limited::new(resp.into_body(), 64 * 1024)
        .collect()
        .await
    {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).trim_end().to_string(),
        Err(_) => String::new(),
    };
    match code {
        500 => Status::internal_error(body),
        400 => Status::bad_request(body),
        _ => Status::generic_server_response(
            i32::from(code),
            "",
            &GroupResource::new("", format!("pods/{sub}")),
            name,
            &body,
            0,
            false,
        ),
    }
}

pub async fn handle(api: &Arc<Apiserver>, mut req: Request<Incoming>, info: &RequestInfo) -> ApiResult<Response<Body>> {
    if info.resource == "nodes" {
        return node_proxy(api, req, info).await;
    }
    let sub = info.subresource.as_str();
    let (ns, name) = (info.namespace.as_str(), info.name.as_str());
    let method_ok = match sub {
        "log" => info.verb == "get",
        _ => matches!(info.verb.as_str(), "get" | "create"),
    };
    if !method_ok {
        return Err(Status::method_not_supported(
            &GroupResource::new("", format!("pods/{sub}")),
            req.method().as_str(),
        ));
    }
    let pods = api
        .resource("", "v1", "pods")
        .ok_or_else(|| Status::internal_error("pods are not served"))?;
    let pod = api.get(&pods, ns, name, "").await?.into_value()?;
    let pairs = query_pairs(req.uri().query());
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("");
    if node.is_empty() {
        return Err(Status::bad_request(format!("pod {name} does not have a host assigned")));
    }
    let phase = pod["status"]["phase"].as_str().unwrap_or("");
    let mut query: Vec<(String, String)> = Vec::new();
    let path = match sub {
        "log" => {
            let container = container_name(&pod, name, first(&pairs, "container"))?;
            for key in ["follow", "previous", "timestamps"] {
                if truthy(&pairs, key) {
                    query.push((key.into(), "true".into()));
                }
            }
            for key in ["sinceSeconds", "sinceTime", "tailLines", "limitBytes"] {
                if let Some(v) = first(&pairs, key) {
                    query.push((key.into(), v.into()));
                }
            }
            validate_log_options(&pairs)?;
            format!("/containerLogs/{ns}/{name}/{container}")
        }
        "exec" | "attach" => {
            if matches!(phase, "Succeeded" | "Failed") {
                let action = if sub == "exec" { "exec into" } else { "attach to" };
                return Err(Status::bad_request(format!(
                    "cannot {action} a container in a completed pod; current phase is {phase}"
                )));
            }
            let container = container_name(&pod, name, first(&pairs, "container"))?;
            for (key, kubelet_key) in [
                ("stdin", "input"),
                ("stdout", "output"),
                ("stderr", "error"),
                ("tty", "tty"),
            ] {
                if truthy(&pairs, key) {
                    query.push((kubelet_key.into(), "1".into()));
                }
            }
            if sub == "exec" {
                let commands: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k == "command").collect();
                if commands.is_empty() {
                    return Err(Status::bad_request(
                        "you must specify at least one command for the container",
                    ));
                }
                query.extend(commands.into_iter().cloned());
            }
            format!("/{sub}/{ns}/{name}/{container}")
        }
        _ => {
            for (_, v) in pairs.iter().filter(|(k, _)| k == "ports") {
                for p in v.split(',') {
                    match p.trim().parse::<u16>() {
                        Ok(port) if port > 0 => query.push(("port".into(), port.to_string())),
                        _ => return Err(Status::bad_request(format!("invalid port {p:?}: must be 1-65535"))),
                    }
                }
            }
            format!("/portForward/{ns}/{name}")
        }
    };
    let mut path_and_query = path.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !query.is_empty() {
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        path_and_query = format!("{path_and_query}?{}", q.join("&"));
    }
    let (host, port) = kubelet_location(api, node).await?;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let io = dial(api, &host, port).await?;
    let upgrade = sub != "log" && streamproxy::is_upgrade(req.headers());
    if sub != "log" && !upgrade {
        return Err(Status::bad_request("Upgrade request required"));
    }
    let method = if sub == "log" {
        http::Method::GET
    } else {
        req.method().clone()
    };
    let next = streamproxy::next_hop_request(&method, req.headers(), &authority, &path_and_query)
        .map_err(|e| Status::bad_request(e.to_string()))?;
    let on_client = hyper::upgrade::on(&mut req);
    let resp = streamproxy::send(io, next)
        .await
        .map_err(|e| Status::service_unavailable(format!("error talking to the kubelet: {e}")))?;
    if upgrade {
        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            return Ok(streamproxy::splice(on_client, resp).map(|()| full(Bytes::new())));
        }
        // The negotiation failed at the kubelet or the runtime: the client gets that answer as it is, so a
        // client that falls back to another protocol on a failed upgrade can.
        let (parts, body) = resp.into_parts();
        return Ok(Response::from_parts(parts, body.map_err(std::io::Error::other).boxed()));
    }
    if !resp.status().is_success() {
        return Err(kubelet_error(resp, sub, name).await);
    }
    let (parts, body) = resp.into_parts();
    let mut out = Response::new(body.map_err(std::io::Error::other).boxed());
    *out.status_mut() = parts.status;
    out.headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    Ok(out)
}

/// Upstream's PodLogOptions validation.
fn validate_log_options(pairs: &[(String, String)]) -> ApiResult<()> {
    let int = |key: &str| -> ApiResult<Option<i64>> {
        first(pairs, key)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| Status::bad_request(format!("{key}: invalid value {v:?}: must be an integer")))
            })
            .transpose()
    };
    if int("tailLines")?.is_some_and(|n| n < 0) {
        return Err(Status::bad_request(
            "tailLines: Invalid value: must be greater than or equal to 0",
        ));
    }
    if int("limitBytes")?.is_some_and(|n| n < 1) {
        return Err(Status::bad_request("limitBytes: Invalid value: must be greater than 0"));
    }
    if int("sinceSeconds")?.is_some_and(|n| n < 1) {
        return Err(Status::bad_request(
            "sinceSeconds: Invalid value: must be greater than 0",
        ));
    }
    if first(pairs, "sinceSeconds").is_some() && first(pairs, "sinceTime").is_some() {
        return Err(Status::bad_request(
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_are_chosen_as_upstream() {
        let one = json!({"spec": {"containers": [{"name": "a"}]}});
        assert_eq!(container_name(&one, "p", None).unwrap(), "a");
        assert_eq!(container_name(&one, "p", Some("")).unwrap(), "a");
        let e = container_name(&one, "p", Some("x")).unwrap_err();
        assert_eq!(e.message, "container x is not valid for pod p");
        let two = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}});
        assert_eq!(
            container_name(&two, "p", None).unwrap_err().message,
            "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]"
        );
        assert_eq!(container_name(&two, "p", Some("i")).unwrap(), "i");
    }

    #[test]
    fn log_options_are_validated() {
        let q = |s: &str| query_pairs(Some(s));
        assert!(validate_log_options(&q("tailLines=0&limitBytes=1&sinceSeconds=5")).is_ok());
        assert!(validate_log_options(&q("tailLines=-1")).is_err());
        assert!(validate_log_options(&q("limitBytes=0")).is_err());
        assert!(validate_log_options(&q("tailLines=x")).is_err());
        assert!(validate_log_options(&q("sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z")).is_err());
        assert_eq!(encode("a b/ü"), "a%20b%2F%C3%BC");
    }
}

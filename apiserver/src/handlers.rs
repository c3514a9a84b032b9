//! Routes requests to their handlers, and turns results into HTTP responses with upstream's bodies.

mod connect;
mod discovery;
pub mod rest;
mod subresources;
mod watch;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use ferrokube_apimachinery::status::Status;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::Value;

use crate::apiserver::Apiserver;
use crate::auth::{Decision, UserInfo};
use crate::codec::{self, Format, Target};
use crate::metrics::{DurationLabels, InflightLabel, RequestLabels};
use crate::request::{Query, RequestInfo};
use crate::server::Body;

/// Request bodies over this size get 413, as upstream's 3 MiB limit.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// A response with `body` and `content_type`.
pub fn bytes_response(code: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// A `Status` response in the negotiated format (JSON unless the client asked for YAML/protobuf).
pub fn status_response(status: Status, target: Option<Target>) -> Response<Body> {
    let status = status.normalized();
    let code = status.http_code();
    let retry_after = status
        .details
        .as_ref()
        .map(|d| d.retry_after_seconds)
        .filter(|s| *s > 0);
    let format = target.map(|t| t.format).unwrap_or(Format::Json);
    let mut resp = match format {
        Format::Protobuf => match crate::wire::encode_status(&status) {
            Ok(bytes) => bytes_response(code, codec::PROTOBUF, bytes),
            Err(_) => bytes_response(code, codec::JSON, codec::to_json(&status)),
        },
        Format::Yaml => {
            let v = serde_json::to_value(&status).unwrap_or(Value::Null);
            bytes_response(code, codec::YAML, codec::to_yaml(&v))
        }
        Format::Json => bytes_response(code, codec::JSON, codec::to_json(&status)),
    };
    if let Some(s) = retry_after {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Reads a request body, with the 3 MiB limit. A body over the limit is still drained (up to 16 MiB) so
/// the client, still sending, reads the 413 instead of a reset connection.
pub async fn read_body(req: Request<Incoming>) -> Result<Bytes, Status> {
    const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
    let too_large = || Status::request_entity_too_large("limit is 3145728");
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut body = req.into_body();
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Status::bad_request(format!("error reading the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > DRAIN_LIMIT {
                break;
            }
            if seen <= MAX_BODY_BYTES {
                buf.extend_from_slice(&data);
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(buf.freeze())
}

fn is_public_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/livez" | "/readyz" | "/version")
        || path.starts_with("/healthz/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
}

fn is_long_running(info: &RequestInfo) -> bool {
    info.verb == "watch"
        || matches!(
            info.subresource.as_str(),
            "log" | "exec" | "attach" | "portforward" | "proxy"
        )
}

/// The request pipeline after TLS: authentication, authorization, in-flight limits, then the handlers.
pub async fn dispatch(
    api: &Arc<Apiserver>,
    req: Request<Incoming>,
    user: Option<UserInfo>,
    info: &RequestInfo,
    query: &Query,
) -> Response<Body> {
    let user = match user {
        Some(u) => u,
        None if is_public_path(&info.path) => UserInfo {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
        },
        None => return status_response(Status::unauthorized("Unauthorized"), None),
    };
    if let Decision::Deny(reason) = api.authorizer.authorize(&user, info) {
        return status_response(Status::forbidden(&Default::default(), "", reason), None);
    }
    let mutating = !matches!(
        *req.method(),
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    );
    let _permit = if is_long_running(info) {
        None
    } else {
        let (sem, kind) = if mutating {
            (&api.mutating_inflight, "mutating")
        } else {
            (&api.readonly_inflight, "readOnly")
        };
        match sem {
            Some(sem) => match sem.clone().try_acquire_owned() {
                Ok(p) => Some(InflightPermit::new(api, p, kind)),
                Err(_) => {
                    return status_response(
                        Status::too_many_requests("Too many requests, please try again later.", 1),
                        None,
                    );
                }
            },
            None => None,
        }
    };
    if !info.is_resource_request {
        return discovery::non_resource(api, req, info, query).await;
    }
    rest::resource(api, req, &user, info, query).await
}

/// Holds an in-flight slot and keeps `apiserver_current_inflight_requests` up to date.
struct InflightPermit {
    _permit: tokio::sync::OwnedSemaphorePermit,
    gauge: prometheus_client::metrics::gauge::Gauge,
}

impl InflightPermit {
    fn new(api: &Apiserver, permit: tokio::sync::OwnedSemaphorePermit, kind: &str) -> Self {
        let gauge = api
            .metrics
            .inflight
            .get_or_create(&InflightLabel {
                request_kind: kind.into(),
            })
            .clone();
        gauge.inc();
        InflightPermit { _permit: permit, gauge }
    }
}

impl Drop for InflightPermit {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// Records `apiserver_request_total` and `apiserver_request_duration_seconds`.
pub fn record(api: &Apiserver, info: &RequestInfo, query: &Query, code: u16, started: Instant) {
    let (group, version, resource, scope) = if info.is_resource_request {
        let scope = if !info.name.is_empty() {
            "resource"
        } else if !info.namespace.is_empty() {
            "namespace"
        } else {
            "cluster"
        };
        (
            info.api_group.clone(),
            info.api_version.clone(),
            info.resource.clone(),
            scope,
        )
    } else {
        (String::new(), String::new(), String::new(), "")
    };
    let verb = if info.is_resource_request {
        match info.verb.as_str() {
            "create" => "POST".to_string(),
            "update" => "PUT".to_string(),
            v => v.to_uppercase(),
        }
    } else {
        info.verb.to_uppercase()
    };
    let dry_run = if query.get("dryRun").is_some() { "All" } else { "" };
    let labels = DurationLabels {
        verb,
        dry_run: dry_run.into(),
        group,
        version,
        resource,
        subresource: info.subresource.clone(),
        scope: scope.into(),
        component: "apiserver".into(),
    };
    if info.verb != "watch" {
        api.metrics
            .durations
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    let req = RequestLabels {
        verb: labels.verb,
        dry_run: labels.dry_run,
        group: labels.group,
        version: labels.version,
        resource: labels.resource,
        subresource: labels.subresource,
        scope: labels.scope,
        component: labels.component,
        code: code.to_string(),
    };
    api.metrics.requests.get_or_create(&req).inc();
}

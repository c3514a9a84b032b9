//! Non-resource endpoints: discovery (legacy and aggregated), version, health checks, metrics, OpenAPI.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ferrokube_apimachinery::resources::{self, ResourceInfo, SubresourceInfo};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

use super::{Body, bytes_response, status_response};
use crate::apiserver::Apiserver;
use crate::codec;
use crate::request::{Query, RequestInfo};

const AGGREGATED_V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

pub async fn non_resource(
    api: &Arc<Apiserver>,
    req: Request<Incoming>,
    info: &RequestInfo,
    query: &Query,
) -> Response<Body> {
    let accept = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let aggregated = wants_aggregated(&accept);
    let path = info.path.trim_end_matches('/');
    match path {
        "/healthz" | "/livez" | "/readyz" => return health(api, path, query).await,
        "/version" => return bytes_response(200, codec::JSON, codec::to_json(&version())),
        "/metrics" => {
            refresh_storage_metrics(api);
            return bytes_response(200, "text/plain; version=0.0.4; charset=utf-8", api.metrics.encode());
        }
        "/api" if aggregated => return aggregated_response(&aggregated_list(api, true)),
        "/api" => {
            return json_response(&json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{
                    "clientCIDR": "0.0.0.0/0",
                    "serverAddress": format!("{}:{}", api.config.advertise_address, api.config.listen.port()),
                }],
            }));
        }
        "/apis" if aggregated => return aggregated_response(&aggregated_list(api, false)),
        "/apis" => {
            let groups: Vec<Value> = groups_view(api, false).iter().map(api_group).collect();
            return json_response(&json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}));
        }
        _ => {}
    }
    if let Some(check) = ["/healthz/", "/livez/", "/readyz/"]
        .iter()
        .find_map(|p| path.strip_prefix(p))
    {
        return single_check(api, check).await;
    }
    if path.starts_with("/openapi/") {
        return crate::openapi::serve(api, path, &accept);
    }
    // /apis/<group> and /apis/<group>/<version>, /api/v1
    let core = info.api_prefix == "api";
    if info.api_prefix == "apis"
        && info.api_version.is_empty()
        && !info.api_group.is_empty()
        && let Some(g) = groups_view(api, false).into_iter().find(|g| g.name == info.api_group)
    {
        return json_response(&api_group(&g));
    }
    if !info.api_version.is_empty()
        && info.parts.is_empty()
        && let Some(g) = groups_view(api, core).into_iter().find(|g| g.name == info.api_group)
        && let Some((_, resources)) = g.versions.iter().find(|(v, _)| *v == info.api_version)
    {
        return json_response(&resource_list(&info.api_group, &info.api_version, resources));
    }
    status_response(crate::handlers::rest::not_found_resource(), None)
}

fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|r| {
        let r = r.replace(' ', "");
        r.contains("g=apidiscovery.k8s.io")
            && r.contains("v=v2")
            && !r.contains("v=v2beta1")
            && r.contains("as=APIGroupDiscoveryList")
    })
}

fn json_response(v: &Value) -> Response<Body> {
    bytes_response(200, codec::JSON, codec::value_json(v))
}

fn aggregated_response(v: &Value) -> Response<Body> {
    bytes_response(200, AGGREGATED_V2, codec::value_json(v))
}

/// The version `/version` reports: upstream 1.37's fields.
/// `/version` (`version.Info`), its fields in Go's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    major: &'static str,
    minor: &'static str,
    emulation_major: &'static str,
    emulation_minor: &'static str,
    min_compatibility_major: &'static str,
    min_compatibility_minor: &'static str,
    git_version: &'static str,
    git_commit: &'static str,
    git_tree_state: &'static str,
    build_date: &'static str,
    go_version: &'static str,
    compiler: &'static str,
    platform: String,
}

pub fn version() -> VersionInfo {
    let arch = if std::env::consts::ARCH == "x86_64" {
        "amd64"
    } else {
        std::env::consts::ARCH
    };
    VersionInfo {
        major: "1",
        minor: "37",
        emulation_major: "1",
        emulation_minor: "37",
        min_compatibility_major: "1",
        min_compatibility_minor: "36",
        git_version: "v1.37.0",
        git_commit: option_env!("FERROKUBE_GIT_COMMIT").unwrap_or("ferrokube"),
        git_tree_state: "clean",
        build_date: "2026-11-22T00:00:00Z",
        go_version: "rust",
        compiler: "rustc",
        platform: format!("{}/{arch}", std::env::consts::OS),
    }
}

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// A served group: its versions in preference order, each with its resources.
struct GroupView {
    name: String,
    versions: Vec<(String, Vec<&'static ResourceInfo>)>,
}

/// Kubernetes' version priority: GA before beta before alpha, higher numbers first, others last by name.
fn version_priority(v: &str) -> (u8, i64, i64, String) {
    let parse = || -> Option<(u8, i64, i64)> {
        let rest = v.strip_prefix('v')?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let major: i64 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        if tail.is_empty() {
            return Some((0, -major, 0));
        }
        let (rank, n) = if let Some(n) = tail.strip_prefix("beta") {
            (1, n)
        } else if let Some(n) = tail.strip_prefix("alpha") {
            (2, n)
        } else {
            return None;
        };
        Some((rank, -major, -n.parse::<i64>().ok()?))
    };
    match parse() {
        Some((rank, major, minor)) => (rank, major, minor, String::new()),
        None => (3, 0, 0, v.to_string()),
    }
}

/// The built-in groups (core alone when `core`), then the groups custom resources add.
fn groups_view(api: &Apiserver, core: bool) -> Vec<GroupView> {
    let statics: Vec<&resources::GroupInfo> = if core {
        vec![resources::core_group()]
    } else {
        resources::api_groups().iter().filter(|g| !g.name.is_empty()).collect()
    };
    let mut out: Vec<GroupView> = statics
        .into_iter()
        .map(|g| GroupView {
            name: g.name.to_string(),
            versions: g
                .versions
                .iter()
                .map(|v| (v.to_string(), resources::group_version_resources(g.name, v).collect()))
                .collect(),
        })
        .collect();
    if !core {
        let mut custom: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<String, Vec<&'static ResourceInfo>>,
        > = Default::default();
        for spec in api.custom_resources() {
            custom
                .entry(spec.info.group.to_string())
                .or_default()
                .entry(spec.info.version.to_string())
                .or_default()
                .push(spec.info);
        }
        for (name, versions) in custom {
            let mut versions: Vec<(String, Vec<&'static ResourceInfo>)> = versions.into_iter().collect();
            versions.sort_by_key(|(v, _)| version_priority(v));
            out.push(GroupView { name, versions });
        }
    }
    out
}

fn api_group(g: &GroupView) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|(v, _)| json!({"groupVersion": group_version(&g.name, v), "version": v}))
        .collect();
    let preferred = g.versions.first().map(|(v, _)| v.as_str()).unwrap_or("v1");
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": g.name,
        "versions": versions,
        "preferredVersion": {"groupVersion": group_version(&g.name, preferred), "version": preferred},
    })
}

fn verbs(v: &[resources::Verb]) -> Vec<&'static str> {
    v.iter().map(|v| v.as_str()).collect()
}

/// `/api/v1` or `/apis/<group>/<version>`: an APIResourceList.
fn resource_list(group: &str, version: &str, resources: &[&'static ResourceInfo]) -> Value {
    let mut out = Vec::new();
    for r in resources.iter().copied() {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), json!(r.plural));
        m.insert("singularName".into(), json!(r.singular));
        m.insert("namespaced".into(), json!(r.namespaced()));
        m.insert("kind".into(), json!(r.kind));
        m.insert("verbs".into(), json!(verbs(r.verbs)));
        if !r.short_names.is_empty() {
            m.insert("shortNames".into(), json!(r.short_names));
        }
        if !r.categories.is_empty() {
            m.insert("categories".into(), json!(r.categories));
        }
        out.push(Value::Object(m));
        for s in r.subresources {
            out.push(subresource_entry(r, s));
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version(group, version), "resources": out})
}

fn subresource_entry(r: &ResourceInfo, s: &SubresourceInfo) -> Value {
    let (g, v, k) = s.response_kind(r);
    let mut m = serde_json::Map::new();
    m.insert("name".into(), json!(format!("{}/{}", r.plural, s.name)));
    m.insert("singularName".into(), json!(""));
    m.insert("namespaced".into(), json!(r.namespaced()));
    if g != r.group || v != r.version {
        m.insert("group".into(), json!(g));
        m.insert("version".into(), json!(v));
    }
    m.insert("kind".into(), json!(k));
    m.insert("verbs".into(), json!(verbs(s.verbs)));
    Value::Object(m)
}

/// The aggregated discovery document of `/api` (core) or `/apis` (every other group).
fn aggregated_list(api: &Apiserver, core: bool) -> Value {
    let mut items = Vec::new();
    for g in groups_view(api, core) {
        let mut versions = Vec::new();
        for (v, resources) in &g.versions {
            let resources: Vec<Value> = resources
                .iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    m.insert("resource".into(), json!(r.plural));
                    m.insert("responseKind".into(), json!({"group": r.group, "version": r.version, "kind": r.kind}));
                    m.insert("scope".into(), json!(r.scope));
                    m.insert("singularResource".into(), json!(r.singular));
                    m.insert("verbs".into(), json!(verbs(r.verbs)));
                    if !r.short_names.is_empty() {
                        m.insert("shortNames".into(), json!(r.short_names));
                    }
                    if !r.categories.is_empty() {
                        m.insert("categories".into(), json!(r.categories));
                    }
                    if !r.subresources.is_empty() {
                        let subs: Vec<Value> = r
                            .subresources
                            .iter()
                            .map(|s| {
                                let (sg, sv, sk) = s.response_kind(r);
                                json!({"subresource": s.name, "responseKind": {"group": sg, "version": sv, "kind": sk}, "verbs": verbs(s.verbs)})
                            })
                            .collect();
                        m.insert("subresources".into(), json!(subs));
                    }
                    Value::Object(m)
                })
                .collect();
            versions.push(json!({"version": v, "resources": resources, "freshness": "Current"}));
        }
        let metadata = if core {
            json!({"creationTimestamp": null})
        } else {
            json!({"name": g.name, "creationTimestamp": null})
        };
        items.push(json!({"metadata": metadata, "versions": versions}));
    }
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

/// The named checks of `/healthz`, `/livez` and `/readyz`.
fn checks(endpoint: &str) -> Vec<&'static str> {
    let mut c = vec!["ping", "log", "etcd"];
    if endpoint == "/readyz" {
        c.push("etcd-readiness");
        c.push("informer-sync");
    }
    c.push("poststarthook/bootstrap-controller");
    if endpoint == "/readyz" {
        c.push("shutdown");
    }
    c
}

async fn run_check(api: &Apiserver, name: &str) -> Result<(), String> {
    match name {
        "ping" | "log" | "shutdown" => Ok(()),
        "etcd" | "etcd-readiness" => {
            match tokio::time::timeout(std::time::Duration::from_secs(2), api.etcd.current_revision()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("etcd did not answer within 2s".into()),
            }
        }
        "informer-sync" | "poststarthook/bootstrap-controller" => {
            if api.ready.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err("not finished".into())
            }
        }
        _ => Err("no such check".into()),
    }
}

async fn health(api: &Apiserver, endpoint: &str, query: &Query) -> Response<Body> {
    let verbose = query.get("verbose").is_some();
    let excluded: Vec<&str> = query.get("exclude").map(|e| e.split(',').collect()).unwrap_or_default();
    let mut lines = Vec::new();
    let mut failed = false;
    for name in checks(endpoint) {
        if excluded.contains(&name) {
            lines.push(format!("[+]{name} excluded: ok"));
            continue;
        }
        match run_check(api, name).await {
            Ok(()) => lines.push(format!("[+]{name} ok")),
            Err(_) => {
                failed = true;
                lines.push(format!("[-]{name} failed: reason withheld"));
            }
        }
    }
    let what = endpoint.trim_start_matches('/');
    if failed {
        let mut body = lines.join("\n");
        body.push_str(&format!("\n{what} check failed\n"));
        return bytes_response(500, "text/plain; charset=utf-8", body);
    }
    if verbose {
        let mut body = lines.join("\n");
        body.push_str(&format!("\n{what} check passed\n"));
        return bytes_response(200, "text/plain; charset=utf-8", body);
    }
    bytes_response(200, "text/plain; charset=utf-8", "ok")
}

async fn single_check(api: &Apiserver, name: &str) -> Response<Body> {
    if !checks("/readyz").contains(&name) {
        return bytes_response(404, "text/plain; charset=utf-8", "404 page not found\n");
    }
    match run_check(api, name).await {
        Ok(()) => bytes_response(200, "text/plain; charset=utf-8", "ok"),
        Err(reason) => bytes_response(
            500,
            "text/plain; charset=utf-8",
            format!("internal server error: {reason}\n"),
        ),
    }
}

/// `apiserver_storage_objects` from the started watch caches.
fn refresh_storage_metrics(api: &Apiserver) {
    for cache in api.started_caches() {
        let spec = cache.spec();
        let resource = if spec.info.group.is_empty() {
            spec.info.plural.to_string()
        } else {
            format!("{}.{}", spec.info.plural, spec.info.group)
        };
        api.metrics
            .storage_objects
            .get_or_create(&crate::metrics::ResourceLabel { resource })
            .set(cache.len() as i64);
    }
}

//! `/openapi/v2` and `/openapi/v3`: the API's schemas for kubectl explain, apply and validation.

use ferrokube_apimachinery::status::Status;
use ferrokube_openapi::{JSON, OpenApiError, V2_PROTOBUF};
use http::{HeaderValue, header};
use hyper::Response;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::apiserver::Apiserver;
use crate::handlers::{bytes_response, status_response};
use crate::resource::ResourceSpec;
use crate::server::Body;

/// `/openapi/v3`: the built-in group versions plus those custom resources serve.
fn v3_index(api: &Apiserver, accept: &str) -> Response<Body> {
    let doc = match ferrokube_openapi::serve("/openapi/v3", accept) {
        Ok(doc) => doc,
        Err(OpenApiError::NotAcceptable(_)) => return status_response(Status::not_acceptable(&[JSON]), None),
        Err(err) => return status_response(Status::internal_error(err), None),
    };
    let mut index: Value = serde_json::from_slice(&doc.body).unwrap_or_else(|_| json!({"paths": {}}));
    let mut by_gv: std::collections::BTreeMap<String, Vec<Arc<ResourceSpec>>> = Default::default();
    for spec in api.custom_resources() {
        by_gv
            .entry(format!("apis/{}/{}", spec.info.group, spec.info.version))
            .or_default()
            .push(spec);
    }
    if let Some(paths) = index.get_mut("paths").and_then(Value::as_object_mut) {
        for (prefix, specs) in by_gv {
            let body = serde_json::to_vec(&custom_document(&specs)).unwrap_or_default();
            let hash = ferrokube_openapi::hash(&body);
            paths
                .entry(prefix.clone())
                .or_insert_with(|| json!({"serverRelativeURL": format!("/openapi/v3/{prefix}?hash={hash}")}));
        }
    }
    bytes_response(200, JSON, crate::codec::to_json(&index))
}

/// upstream's definition name of a custom resource: the group reversed, then version and kind
/// (`com.example.v1.Widget`).
fn definition_name(spec: &ResourceSpec) -> String {
    let mut parts: Vec<&str> = spec.info.group.split('.').collect();
    parts.reverse();
    format!("{}.{}.{}", parts.join("."), spec.info.version, spec.info.kind)
}

/// The v3 document of one custom resource group version: each kind's schema (from its CRD) with the
/// GVK extension, and paths whose write operations list `fieldValidation`.
fn custom_document(specs: &[Arc<ResourceSpec>]) -> Value {
    let mut schemas = serde_json::Map::new();
    let mut paths = serde_json::Map::new();
    for spec in specs {
        let Some(crd) = &spec.crd else { continue };
        let mut schema = crd
            .schema
            .clone()
            .unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
        if let Some(m) = schema.as_object_mut() {
            let props = m.entry("properties").or_insert_with(|| json!({}));
            if let Some(p) = props.as_object_mut() {
                p.entry("apiVersion").or_insert(json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."}));
                p.entry("kind").or_insert(json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."}));
                p.entry("metadata")
                    .or_insert(json!({"type": "object", "description": "Standard object's metadata."}));
            }
            m.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": spec.info.group, "kind": spec.info.kind, "version": spec.info.version}]),
            );
        }
        let name = definition_name(spec);
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        let body = json!({"content": {"application/json": {"schema": reference}}});
        let gvk = json!({"group": spec.info.group, "kind": spec.info.kind, "version": spec.info.version});
        let field_validation =
            json!({"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}});
        // Operations carry the GVK and action extensions: kubectl explain finds a resource's schema through them.
        let op = |action: &str, write: bool| {
            let mut o = json!({"responses": {"200": body}, "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk});
            if write {
                o["parameters"] = json!([field_validation]);
                o["requestBody"] = body.clone();
            }
            o
        };
        let base = if spec.info.namespaced() {
            format!(
                "/apis/{}/{}/namespaces/{{namespace}}/{}",
                spec.info.group, spec.info.version, spec.info.plural
            )
        } else {
            format!("/apis/{}/{}/{}", spec.info.group, spec.info.version, spec.info.plural)
        };
        paths.insert(
            base.clone(),
            json!({"get": op("list", false), "post": op("post", true)}),
        );
        paths.insert(
            format!("{base}/{{name}}"),
            json!({"get": op("get", false), "put": op("put", true), "patch": op("patch", true)}),
        );
        schemas.insert(name, schema);
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The document at `path` in the first acceptable media type, built on first use and cached; custom
/// resources' group versions are added from their CRDs' schemas.
pub fn serve(api: &Apiserver, path: &str, accept: &str) -> Response<Body> {
    let trimmed = path.trim_end_matches('/');
    if trimmed == "/openapi/v3" {
        return v3_index(api, accept);
    }
    if let Some(gv) = trimmed.strip_prefix("/openapi/v3/apis/") {
        let custom: Vec<Arc<ResourceSpec>> = api
            .custom_resources()
            .into_iter()
            .filter(|s| format!("{}/{}", s.info.group, s.info.version) == gv)
            .collect();
        if !custom.is_empty() && ferrokube_openapi::serve(path, accept).is_err() {
            let doc = custom_document(&custom);
            return bytes_response(200, JSON, crate::codec::to_json(&doc));
        }
    }
    match ferrokube_openapi::serve(path, accept) {
        Ok(doc) => {
            let mut resp = bytes_response(200, doc.content_type, doc.body);
            if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", doc.hash)) {
                resp.headers_mut().insert(header::ETAG, etag);
            }
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
            resp
        }
        Err(OpenApiError::NotFound(_)) => status_response(crate::handlers::rest::not_found_resource(), None),
        Err(OpenApiError::NotAcceptable(_)) => {
            let accepted: &[&str] = if path.starts_with("/openapi/v2") {
                &[JSON, V2_PROTOBUF]
            } else {
                &[JSON]
            };
            status_response(Status::not_acceptable(accepted), None)
        }
        Err(err) => status_response(Status::internal_error(err), None),
    }
}

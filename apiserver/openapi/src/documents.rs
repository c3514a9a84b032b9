//! The documents themselves and their cache of serialized bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use bytes::Bytes;
use parking_lot::Mutex;
use serde_json::{Map, Value, json};

use crate::definitions::{Builder, reachable, registrations, served_group_versions};
use crate::descriptions::Descriptions;
use crate::names::gv_prefix;
use crate::paths::group_version_paths;
use crate::{Document, Flavor, JSON, OpenApiError, V2_PROTOBUF_RESPONSE, hash};

const TITLE: &str = "Kubernetes";
const VERSION: &str = "v1.37.0";

/// The v3 document names of the served group versions: `("api/v1", "", "v1")`, `("apis/apps/v1", "apps", "v1")`.
pub fn v3_group_versions() -> Vec<(String, &'static str, &'static str)> {
    served_group_versions()
        .into_iter()
        .map(|(g, v)| (gv_prefix(g, v).trim_start_matches('/').to_string(), g, v))
        .collect()
}

/// The Swagger 2.0 document of every served group version.
pub fn v2_document(descriptions: &Descriptions) -> Value {
    let regs = registrations();
    let mut paths = BTreeMap::new();
    let mut roots: BTreeSet<_> = regs.keys().copied().collect();
    for (g, v) in served_group_versions() {
        let p = group_version_paths(g, v, Flavor::V2);
        paths.extend(p.paths);
        roots.extend(p.messages);
    }
    let builder = Builder {
        flavor: Flavor::V2,
        descriptions,
        registrations: &regs,
    };
    let definitions = builder.definitions(&reachable(roots));
    json!({
        "swagger": "2.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": paths.into_iter().collect::<Map<_, _>>(),
        "definitions": definitions.into_iter().collect::<Map<_, _>>(),
    })
}

/// The OpenAPI 3.0 document of one group version, or `None` when it is not served.
pub fn v3_document(group: &str, version: &str, descriptions: &Descriptions) -> Option<Value> {
    if !served_group_versions().iter().any(|&(g, v)| g == group && v == version) {
        return None;
    }
    let regs = registrations();
    let p = group_version_paths(group, version, Flavor::V3);
    let builder = Builder {
        flavor: Flavor::V3,
        descriptions,
        registrations: &regs,
    };
    let schemas = builder.definitions(&reachable(p.messages));
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": p.paths.into_iter().collect::<Map<_, _>>(),
        "components": {"schemas": schemas.into_iter().collect::<Map<_, _>>()},
    }))
}

/// The `/openapi/v3` index: each group version's document URL with the hash of its content.
pub fn v3_discovery(hashes: &[(String, String)]) -> Value {
    let paths: Map<String, Value> = hashes
        .iter()
        .map(|(prefix, h)| {
            (
                prefix.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{prefix}?hash={h}")}),
            )
        })
        .collect();
    json!({ "paths": paths })
}

fn document(content_type: &'static str, body: Vec<u8>) -> Document {
    let hash = hash(&body);
    Document {
        content_type,
        body: Bytes::from(body),
        hash,
    }
}

fn descriptions_for(_documents: &[(&str, &str)]) -> Descriptions {
    Descriptions::none()
}

fn build_v2_json() -> Result<Document, OpenApiError> {
    let doc = v2_document(&descriptions_for(&served_group_versions()));
    Ok(document(JSON, serde_json::to_vec(&doc)?))
}

pub(crate) fn v2_json() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, build_v2_json)
}

pub(crate) fn v2_protobuf() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, || {
        let doc = v2_document(&descriptions_for(&served_group_versions()));
        Ok(document(V2_PROTOBUF_RESPONSE, crate::proto::encode_document(&doc)))
    })
}

/// A document built once; a failed build is retried on the next request.
fn cached(
    cell: &OnceLock<Document>,
    build: impl FnOnce() -> Result<Document, OpenApiError>,
) -> Result<Document, OpenApiError> {
    if let Some(d) = cell.get() {
        return Ok(d.clone());
    }
    let d = build()?;
    Ok(cell.get_or_init(|| d).clone())
}

fn build_v3(prefix: &str) -> Option<Result<Document, OpenApiError>> {
    let (_, g, v) = v3_group_versions().into_iter().find(|(p, _, _)| p == prefix)?;
    let doc = v3_document(g, v, &descriptions_for(&[(g, v)]))?;
    Some(
        serde_json::to_vec(&doc)
            .map(|b| document(JSON, b))
            .map_err(OpenApiError::from),
    )
}

fn v3_cache() -> &'static Mutex<HashMap<String, Document>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Document>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The v3 document of a group version prefix (`api/v1`), built on first request.
pub(crate) fn v3_cached(prefix: &str) -> Option<Result<Document, OpenApiError>> {
    if let Some(d) = v3_cache().lock().get(prefix) {
        return Some(Ok(d.clone()));
    }
    let d = match build_v3(prefix)? {
        Ok(d) => d,
        Err(e) => return Some(Err(e)),
    };
    v3_cache().lock().insert(prefix.to_string(), d.clone());
    Some(Ok(d))
}

pub(crate) fn v3_discovery_document() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, || {
        let mut hashes = Vec::new();
        for (prefix, _, _) in v3_group_versions() {
            if let Some(d) = v3_cached(&prefix) {
                hashes.push((prefix, d?.hash));
            }
        }
        Ok(document(JSON, serde_json::to_vec(&v3_discovery(&hashes))?))
    })
}

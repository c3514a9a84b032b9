//! The documents themselves, written entry by entry (one path item or definition exists at a time), and
//! their cache of serialized bytes.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use bytes::Bytes;
use ferrokube_apischema::{MessageId, schema};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::definitions::{Builder, reachable, registrations, served_group_versions};
use crate::descriptions::Descriptions;
use crate::names::{definition_name, gv_prefix};
use crate::paths::group_version_paths;
use crate::proto::DocumentEncoder;
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

/// A JSON object written one entry at a time.
struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    error: Option<serde_json::Error>,
}

impl<'a> ObjectWriter<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        ObjectWriter {
            out,
            first: true,
            error: None,
        }
    }

    fn entry(&mut self, key: &str, value: &Value) {
        if self.error.is_some() {
            return;
        }
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        let written = serde_json::to_writer(&mut *self.out, key)
            .and_then(|()| {
                self.out.push(b':');
                serde_json::to_writer(&mut *self.out, value)
            })
            .err();
        self.error = written;
    }

    fn close(self) -> Result<(), serde_json::Error> {
        self.out.push(b'}');
        self.error.map_or(Ok(()), Err)
    }
}

/// Everything the v2 document holds, handed out entry by entry.
fn v2_parts(mut path: impl FnMut(String, Value), mut definition: impl FnMut(String, Value)) {
    let regs = registrations();
    let mut roots: BTreeSet<_> = regs.keys().copied().collect();
    for (g, v) in served_group_versions() {
        roots.extend(group_version_paths(g, v, Flavor::V2, Some(&mut path)));
    }
    let ids = reachable(roots);
    let descriptions = describe(&ids);
    let builder = Builder {
        flavor: Flavor::V2,
        descriptions: &descriptions,
        registrations: &regs,
    };
    for (name, def) in builder.definitions(&ids) {
        definition(name, def);
    }
}

/// The Swagger 2.0 document of every served group version, as JSON.
pub fn v2_json_bytes() -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1 << 20);
    out.extend_from_slice(br#"{"swagger":"2.0","info":"#);
    serde_json::to_writer(&mut out, &json!({"title": TITLE, "version": VERSION}))?;
    out.extend_from_slice(br#","paths":"#);
    let mut definitions = Vec::with_capacity(1 << 20);
    let mut paths = ObjectWriter::open(&mut out);
    let mut defs = ObjectWriter::open(&mut definitions);
    v2_parts(|k, v| paths.entry(&k, &v), |k, v| defs.entry(&k, &v));
    paths.close()?;
    defs.close()?;
    out.extend_from_slice(br#","definitions":"#);
    out.extend_from_slice(&definitions);
    out.push(b'}');
    Ok(out)
}

/// The Swagger 2.0 document in gnostic protobuf.
pub fn v2_protobuf_bytes() -> Vec<u8> {
    let encoder = std::cell::RefCell::new(DocumentEncoder::default());
    v2_parts(
        |k, v| encoder.borrow_mut().path(&k, &v),
        |k, v| encoder.borrow_mut().definition(&k, &v),
    );
    encoder.into_inner().finish("2.0", TITLE, VERSION)
}

/// The OpenAPI 3.0 document of one group version as JSON, or `None` when it is not served.
pub fn v3_bytes(group: &str, version: &str) -> Option<Result<Vec<u8>, serde_json::Error>> {
    if !served_group_versions().iter().any(|&(g, v)| g == group && v == version) {
        return None;
    }
    let mut out = Vec::with_capacity(256 << 10);
    out.extend_from_slice(br#"{"openapi":"3.0.0","info":"#);
    if let Err(e) = serde_json::to_writer(&mut out, &json!({"title": TITLE, "version": VERSION})) {
        return Some(Err(e));
    }
    out.extend_from_slice(br#","paths":"#);
    let mut paths = ObjectWriter::open(&mut out);
    let roots = group_version_paths(group, version, Flavor::V3, Some(&mut |k, v| paths.entry(&k, &v)));
    if let Err(e) = paths.close() {
        return Some(Err(e));
    }
    out.extend_from_slice(br#","components":{"schemas":"#);
    let regs = registrations();
    let ids = reachable(roots);
    let descriptions = describe(&ids);
    let builder = Builder {
        flavor: Flavor::V3,
        descriptions: &descriptions,
        registrations: &regs,
    };
    let mut schemas = ObjectWriter::open(&mut out);
    for (name, def) in builder.definitions(&ids) {
        schemas.entry(&name, &def);
    }
    if let Err(e) = schemas.close() {
        return Some(Err(e));
    }
    out.extend_from_slice(b"}}");
    Some(Ok(out))
}

/// The `/openapi/v3` index: each group version's document URL with its hash.
pub fn v3_discovery(hashes: &[(String, String)]) -> Value {
    let paths: serde_json::Map<String, Value> = hashes
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

/// The descriptions of the definitions of these messages.
fn describe(ids: &BTreeSet<MessageId>) -> Descriptions {
    let s = schema();
    let names = ids.iter().map(|&id| definition_name(&s.message(id).name)).collect();
    Descriptions::for_definitions(&names)
}

fn document(content_type: &'static str, body: Vec<u8>) -> Document {
    let hash = hash(&body);
    Document {
        content_type,
        body: Bytes::from(body),
        hash,
    }
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

pub(crate) fn v2_json() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, || Ok(document(JSON, v2_json_bytes()?)))
}

pub(crate) fn v2_protobuf() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, || Ok(document(V2_PROTOBUF_RESPONSE, v2_protobuf_bytes())))
}

/// What every document is a function of: this executable (its size and modification time), so hashes
/// change when the binary does without building every document to hash its bytes.
fn build_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let exe = std::env::current_exe().and_then(std::fs::metadata);
        let stamp = exe
            .map(|m| {
                let modified = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                format!("{}:{}", m.len(), modified.map(|d| d.as_nanos()).unwrap_or_default())
            })
            .unwrap_or_default();
        format!("{}:{stamp}", env!("CARGO_PKG_VERSION"))
    })
}

/// The `hash` of a v3 document's URL and its `ETag`.
fn v3_hash(prefix: &str) -> String {
    hash(format!("{}/{prefix}", build_fingerprint()).as_bytes())
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
    let (_, g, v) = v3_group_versions().into_iter().find(|(p, _, _)| p == prefix)?;
    let body = match v3_bytes(g, v)? {
        Ok(b) => b,
        Err(e) => return Some(Err(e.into())),
    };
    let d = Document {
        content_type: JSON,
        body: Bytes::from(body),
        hash: v3_hash(prefix),
    };
    v3_cache().lock().insert(prefix.to_string(), d.clone());
    Some(Ok(d))
}

pub(crate) fn v3_discovery_document() -> Result<Document, OpenApiError> {
    static CACHE: OnceLock<Document> = OnceLock::new();
    cached(&CACHE, || {
        let hashes: Vec<(String, String)> = v3_group_versions()
            .into_iter()
            .map(|(prefix, _, _)| {
                let h = v3_hash(&prefix);
                (prefix, h)
            })
            .collect();
        Ok(document(JSON, serde_json::to_vec(&v3_discovery(&hashes))?))
    })
}

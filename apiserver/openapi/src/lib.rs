//! The OpenAPI v2 and v3 documents kube-apiserver serves for built-in resources.
//!
//! `/openapi/v2` is one Swagger 2.0 document of every served group version, as JSON or as the gnostic
//! protobuf kubectl asks for; `/openapi/v3` lists one OpenAPI 3.0 document per group version
//! (`/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`), each with its paths and the schemas they reach.
//! Documents are built from the type schema on first request and kept as serialized bytes.

pub mod definitions;
pub mod descriptions;
mod documents;
pub mod names;
pub mod paths;
pub mod proto;

use bytes::Bytes;

pub use documents::{v2_json_bytes, v2_protobuf_bytes, v3_bytes, v3_discovery, v3_group_versions};

/// Which OpenAPI version a document follows; they differ in references and a few type encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Swagger 2.0: `#/definitions/...`.
    V2,
    /// OpenAPI 3.0: `#/components/schemas/...`, references with siblings wrapped in `allOf`.
    V3,
}

pub const JSON: &str = "application/json";
/// The gnostic protobuf form of the v2 document, as kubectl's discovery client requests it.
pub const V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
/// The same type as responses carry it: Go's media type parser rejects the `@` of the requested form.
pub const V2_PROTOBUF_RESPONSE: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
/// The gnostic protobuf form of v3 documents (not served: kubectl reads v3 as JSON).
pub const V3_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf";

/// Why a document could not be served.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("no OpenAPI document at {0}")]
    NotFound(String),
    #[error("none of the accepted media types {0:?} is served here")]
    NotAcceptable(String),
    #[error("serializing the document failed: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// A document ready to send.
#[derive(Debug, Clone)]
pub struct Document {
    pub content_type: &'static str,
    pub body: Bytes,
    /// A hash of the body, for `ETag` and the `?hash=` of v3 URLs.
    pub hash: String,
}

/// The document for a request path (`/openapi/v2`, `/openapi/v3`, `/openapi/v3/apis/apps/v1`) and `Accept`.
pub fn serve(path: &str, accept: &str) -> Result<Document, OpenApiError> {
    let path = path.trim_end_matches('/');
    if path == "/openapi/v2" {
        return match negotiate(accept, &[V2_PROTOBUF, V2_PROTOBUF_RESPONSE]) {
            Some(Format::Json) => documents::v2_json(),
            Some(Format::Protobuf) => documents::v2_protobuf(),
            None => Err(OpenApiError::NotAcceptable(accept.to_string())),
        };
    }
    let Some(rest) = path.strip_prefix("/openapi/v3") else {
        return Err(OpenApiError::NotFound(path.to_string()));
    };
    if negotiate(accept, &[]).is_none() {
        return Err(OpenApiError::NotAcceptable(accept.to_string()));
    }
    if rest.is_empty() {
        return documents::v3_discovery_document();
    }
    let prefix = rest.trim_start_matches('/');
    documents::v3_cached(prefix).ok_or_else(|| OpenApiError::NotFound(path.to_string()))?
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Protobuf,
}

/// The first media type of `accept` that is served: JSON, or one of the `protobuf` types where given.
fn negotiate(accept: &str, protobuf: &[&str]) -> Option<Format> {
    if accept.trim().is_empty() {
        return Some(Format::Json);
    }
    for part in accept.split(',') {
        let media = part.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match media.as_str() {
            "application/json" | "application/*" | "*/*" => return Some(Format::Json),
            m if protobuf.contains(&m) => return Some(Format::Protobuf),
            _ => {}
        }
    }
    None
}

/// A hex digest of bytes: two FNV-1a passes with different seeds, enough to tell documents apart.
pub fn hash(bytes: &[u8]) -> String {
    let pass = |seed: u64| {
        bytes
            .iter()
            .fold(seed, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    format!(
        "{:016X}{:016X}",
        pass(0xcbf2_9ce4_8422_2325),
        pass(0x6c62_272e_07bb_0142)
    )
}

#[cfg(test)]
mod tests;

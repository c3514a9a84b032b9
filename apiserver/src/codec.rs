//! Content negotiation and the wire formats of request and response bodies: JSON, YAML and protobuf.

use serde_json::Value;

pub const JSON: &str = "application/json";
pub const YAML: &str = "application/yaml";
pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
pub const JSON_PATCH: &str = "application/json-patch+json";
pub const MERGE_PATCH: &str = "application/merge-patch+json";
pub const STRATEGIC_PATCH: &str = "application/strategic-merge-patch+json";
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The serializations a body can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Protobuf,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Yaml => YAML,
            Format::Protobuf => PROTOBUF,
        }
    }
}

/// What the client wants the object rendered as (the `as=` parameter of its Accept header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    Object,
    Table,
    PartialObjectMetadata,
    PartialObjectMetadataList,
}

/// One acceptable response representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub format: Format,
    pub as_: As,
    /// `as=Table` with `v=v1beta1` answers with the v1beta1 Table.
    pub meta_version: &'static str,
}

/// One media range of an Accept header: `type/subtype;k=v;...`.
#[derive(Debug, Clone)]
struct MediaRange<'a> {
    mime: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

fn parse_media_ranges(header: &str) -> Vec<MediaRange<'_>> {
    header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let mime = pieces.next()?.trim();
            if mime.is_empty() {
                return None;
            }
            let params = pieces
                .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim(), v.trim().trim_matches('"'))))
                .collect();
            Some(MediaRange { mime, params })
        })
        .collect()
}

fn format_of(mime: &str) -> Option<Format> {
    match mime.to_ascii_lowercase().as_str() {
        "application/json" | "application/*" | "*/*" | "*" => Some(Format::Json),
        "application/yaml" => Some(Format::Yaml),
        "application/vnd.kubernetes.protobuf" => Some(Format::Protobuf),
        _ => None,
    }
}

/// Why no representation fits the Accept header (answered with 406).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NegotiateError {
    #[error("only the following media types are accepted: {0}")]
    NotAcceptable(String),
}

/// Picks the response representation for `accept`. `allow_protobuf` is false for custom resources, which
/// upstream serves as JSON only; `allow_as` is false for responses that have no Table/metadata forms.
pub fn negotiate(accept: Option<&str>, allow_protobuf: bool, allow_as: bool) -> Result<Target, NegotiateError> {
    let plain = Target {
        format: Format::Json,
        as_: As::Object,
        meta_version: "v1",
    };
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(plain);
    };
    for range in parse_media_ranges(accept) {
        let Some(format) = format_of(range.mime) else { continue };
        if format == Format::Protobuf && !allow_protobuf {
            continue;
        }
        let param = |k: &str| {
            range
                .params
                .iter()
                .find(|(pk, _)| pk.eq_ignore_ascii_case(k))
                .map(|(_, v)| *v)
        };
        match param("as") {
            None => {
                return Ok(Target {
                    format,
                    as_: As::Object,
                    meta_version: "v1",
                });
            }
            Some(kind) if allow_as => {
                let group_ok = param("g") == Some("meta.k8s.io");
                let version = match param("v") {
                    Some("v1") => "v1",
                    Some("v1beta1") => "v1beta1",
                    _ => continue,
                };
                if !group_ok {
                    continue;
                }
                let as_ = match kind {
                    "Table" => As::Table,
                    "PartialObjectMetadata" => As::PartialObjectMetadata,
                    "PartialObjectMetadataList" => As::PartialObjectMetadataList,
                    _ => continue,
                };
                // Tables are JSON/YAML only upstream too; protobuf tables fall through to the next range.
                if format == Format::Protobuf && as_ == As::Table {
                    continue;
                }
                return Ok(Target {
                    format,
                    as_,
                    meta_version: version,
                });
            }
            Some(_) => continue,
        }
    }
    let mut accepted = vec![JSON, YAML];
    if allow_protobuf {
        accepted.push(PROTOBUF);
    }
    Err(NegotiateError::NotAcceptable(accepted.join(", ")))
}

/// The request body's media type, without parameters, lower-cased.
pub fn content_type_of(header: Option<&str>) -> String {
    header
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{0}")]
    Malformed(String),
    #[error("unsupported media type")]
    Unsupported,
}

/// Decodes a JSON or YAML body into a value (protobuf bodies go through the schema).
pub fn decode_text(format: Format, body: &[u8]) -> Result<Value, DecodeError> {
    match format {
        Format::Json => serde_json::from_slice(body).map_err(|e| DecodeError::Malformed(json_error(&e, body))),
        Format::Yaml => {
            let text = std::str::from_utf8(body)
                .map_err(|_| DecodeError::Malformed("error converting YAML to JSON: invalid UTF-8".into()))?;
            serde_saphyr::from_str::<Value>(text)
                .map_err(|e| DecodeError::Malformed(format!("error converting YAML to JSON: yaml: {e}")))
        }
        Format::Protobuf => Err(DecodeError::Unsupported),
    }
}

/// Parses a JSON body, also finding its repeated keys and, with `kind`, the fields that kind does not have
/// (upstream's strict decoding findings).
pub fn decode_json_checked(
    body: &[u8],
    kind: Option<&ferrokube_apischema::GroupVersionKind>,
) -> Result<ferrokube_apischema::Checked, DecodeError> {
    ferrokube_apischema::parse_json_checked(body, kind).map_err(|e| DecodeError::Malformed(json_error(&e, body)))
}

/// Upstream's wording for JSON syntax errors (from Go's encoding/json via its decoder).
fn json_error(e: &serde_json::Error, body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "Object 'Kind' is missing in ''".to_string();
    }
    format!("couldn't get version/kind; json parse error: {e}")
}

/// A JSON object built as a `Value` as upstream writes it: `kind` and `apiVersion` first, the fields of
/// kinds the schema knows in Go's struct order, compact, with a trailing newline.
pub fn value_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ferrokube_apischema::write_go_json(value, &mut out);
    out.push(b'\n');
    out
}

/// A watch event line `{"type":…,"object":…}` (with its newline) around an object built as a `Value`.
pub fn watch_event_json(event_type: &str, object: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"{\"type\":");
    let _ = serde_json::to_writer(&mut out, event_type);
    out.extend_from_slice(b",\"object\":");
    ferrokube_apischema::write_go_json(object, &mut out);
    out.extend_from_slice(b"}\n");
    out
}

/// JSON as upstream writes it: compact, with a trailing newline.
pub fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut out = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}

pub fn to_yaml(value: &Value) -> Vec<u8> {
    serde_saphyr::to_string(value).unwrap_or_default().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_asks_for_tables() {
        let t = negotiate(Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"), true, true).unwrap();
        assert_eq!((t.format, t.as_, t.meta_version), (Format::Json, As::Table, "v1"));
        let t = negotiate(
            Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"),
            true,
            false,
        )
        .unwrap();
        assert_eq!(t.as_, As::Object);
    }

    #[test]
    fn protobuf_and_fallbacks() {
        let t = negotiate(Some("application/vnd.kubernetes.protobuf, */*"), true, true).unwrap();
        assert_eq!(t.format, Format::Protobuf);
        let t = negotiate(Some("application/vnd.kubernetes.protobuf, */*"), false, true).unwrap();
        assert_eq!(t.format, Format::Json);
        assert!(negotiate(Some("text/html"), true, true).is_err());
        assert_eq!(negotiate(None, true, true).unwrap().format, Format::Json);
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        assert!(decode_text(Format::Json, b"{\"kind\":").is_err());
        assert!(decode_text(Format::Yaml, b"a: [").is_err());
        assert_eq!(
            decode_text(Format::Yaml, b"kind: Pod\nspec: {a: 1}\n").unwrap()["spec"]["a"],
            1
        );
    }
}

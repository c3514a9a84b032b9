//! The v2 document in the gnostic `openapi.v2.Document` protobuf form that kubectl's discovery client reads
//! (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). Vendor extensions travel as YAML text;
//! JSON is valid YAML, so each extension's value is written as its JSON.

use serde_json::{Map, Value};

/// A protobuf writer for the few wire types the document needs.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn bytes(&mut self, field: u32, b: &[u8]) {
        self.varint(u64::from(field << 3 | 2));
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn string(&mut self, field: u32, s: &str) {
        if !s.is_empty() {
            self.bytes(field, s.as_bytes());
        }
    }

    fn opt_string(&mut self, field: u32, v: Option<&Value>) {
        if let Some(s) = v.and_then(Value::as_str) {
            self.string(field, s);
        }
    }

    fn strings(&mut self, field: u32, v: Option<&Value>) {
        for s in v
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            self.bytes(field, s.as_bytes());
        }
    }

    fn bool(&mut self, field: u32, v: Option<&Value>) {
        if v.and_then(Value::as_bool) == Some(true) {
            self.varint(u64::from(field << 3));
            self.varint(1);
        }
    }

    fn message(&mut self, field: u32, build: impl FnOnce(&mut Writer)) {
        let mut inner = Writer::default();
        build(&mut inner);
        self.bytes(field, &inner.0);
    }
}

fn obj(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

/// Builds an `openapi.v2.Document` piece by piece: paths and definitions are encoded as they come, so the
/// whole JSON document never has to exist at once.
#[derive(Default)]
pub struct DocumentEncoder {
    paths: Writer,
    definitions: Writer,
}

impl DocumentEncoder {
    /// One `paths` entry (a `NamedPathItem`).
    pub fn path(&mut self, name: &str, item: &Value) {
        self.paths.message(2, |w| {
            w.string(1, name);
            w.message(2, |w| path_item(w, item));
        });
    }

    /// One `definitions` entry (a `NamedSchema`).
    pub fn definition(&mut self, name: &str, s: &Value) {
        self.definitions.message(1, |w| {
            w.string(1, name);
            w.message(2, |w| schema(w, s));
        });
    }

    /// The document with `swagger`, `info` (title, version) and the entries added so far.
    pub fn finish(self, swagger: &str, title: &str, version: &str) -> Vec<u8> {
        let mut w = Writer::default();
        w.string(1, swagger);
        w.message(2, |w| {
            w.string(1, title);
            w.string(2, version);
        });
        w.bytes(8, &self.paths.0);
        w.bytes(9, &self.definitions.0);
        w.0
    }
}

fn path_item(w: &mut Writer, item: &Value) {
    let Some(item) = obj(item) else { return };
    for (field, method) in [
        (2, "get"),
        (3, "put"),
        (4, "post"),
        (5, "delete"),
        (6, "options"),
        (7, "head"),
        (8, "patch"),
    ] {
        if let Some(op) = item.get(method) {
            w.message(field, |w| operation(w, op));
        }
    }
    for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        w.message(9, |w| parameters_item(w, p));
    }
    extensions(w, 10, item);
}

fn operation(w: &mut Writer, op: &Value) {
    let Some(op) = obj(op) else { return };
    w.strings(1, op.get("tags"));
    w.opt_string(2, op.get("summary"));
    w.opt_string(3, op.get("description"));
    w.opt_string(5, op.get("operationId"));
    w.strings(6, op.get("produces"));
    w.strings(7, op.get("consumes"));
    for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        w.message(8, |w| parameters_item(w, p));
    }
    if let Some(responses) = op.get("responses").and_then(obj) {
        w.message(9, |w| {
            for (code, r) in responses {
                w.message(1, |w| {
                    w.string(1, code);
                    // ResponseValue.response -> Response
                    w.message(2, |w| {
                        w.message(1, |w| {
                            w.opt_string(1, r.get("description"));
                            if let Some(s) = r.get("schema") {
                                // SchemaItem.schema
                                w.message(2, |w| w.message(1, |w| schema(w, s)));
                            }
                        })
                    });
                });
            }
        });
    }
    w.strings(10, op.get("schemes"));
    w.bool(11, op.get("deprecated"));
    extensions(w, 13, op);
}

fn parameters_item(w: &mut Writer, p: &Value) {
    let Some(p) = obj(p) else { return };
    if let Some(r) = p.get("$ref") {
        w.message(2, |w| w.opt_string(1, Some(r)));
        return;
    }
    // ParametersItem.parameter -> Parameter
    w.message(1, |w| match p.get("in").and_then(Value::as_str) {
        Some("body") => w.message(1, |w| {
            w.opt_string(1, p.get("description"));
            w.opt_string(2, p.get("name"));
            w.opt_string(3, p.get("in"));
            w.bool(4, p.get("required"));
            if let Some(s) = p.get("schema") {
                w.message(5, |w| schema(w, s));
            }
        }),
        location => {
            // NonBodyParameter: header 1, formData 2, query 3, path 4. The sub-schemas share their first
            // four fields; `type` and `uniqueItems` sit one number later in the query and form schemas.
            let (field, shift) = match location {
                Some("header") => (1, 0),
                Some("formData") => (2, 1),
                Some("path") => (4, 0),
                _ => (3, 1),
            };
            w.message(2, |w| {
                w.message(field, |w| {
                    w.bool(1, p.get("required"));
                    w.opt_string(2, p.get("in"));
                    w.opt_string(3, p.get("description"));
                    w.opt_string(4, p.get("name"));
                    w.opt_string(5 + shift, p.get("type"));
                    w.opt_string(6 + shift, p.get("format"));
                    w.bool(19 + shift, p.get("uniqueItems"));
                })
            });
        }
    });
}

fn schema(w: &mut Writer, s: &Value) {
    let Some(s) = obj(s) else { return };
    w.opt_string(1, s.get("$ref"));
    w.opt_string(2, s.get("format"));
    w.opt_string(3, s.get("title"));
    w.opt_string(4, s.get("description"));
    w.strings(19, s.get("required"));
    match s.get("additionalProperties") {
        Some(Value::Bool(b)) => w.message(21, |w| w.bool(2, Some(&Value::Bool(*b)))),
        Some(a) => w.message(21, |w| w.message(1, |w| schema(w, a))),
        None => {}
    }
    if let Some(t) = s.get("type") {
        w.message(22, |w| match t {
            Value::Array(_) => w.strings(1, Some(t)),
            _ => w.opt_string(1, Some(t)),
        });
    }
    if let Some(items) = s.get("items") {
        w.message(23, |w| match items {
            Value::Array(list) => list.iter().for_each(|i| w.message(1, |w| schema(w, i))),
            one => w.message(1, |w| schema(w, one)),
        });
    }
    for a in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        w.message(24, |w| schema(w, a));
    }
    if let Some(props) = s.get("properties").and_then(obj) {
        w.message(25, |w| {
            for (name, p) in props {
                w.message(1, |w| {
                    w.string(1, name);
                    w.message(2, |w| schema(w, p));
                });
            }
        });
    }
    extensions(w, 31, s);
}

/// `x-` keys as `NamedAny { name, value: Any { yaml } }`.
fn extensions(w: &mut Writer, field: u32, m: &Map<String, Value>) {
    for (k, v) in m.iter().filter(|(k, _)| k.starts_with("x-")) {
        let yaml = serde_json::to_string(v).unwrap_or_default() + "\n";
        w.message(field, |w| {
            w.string(1, k);
            w.message(2, |w| w.string(2, &yaml));
        });
    }
}

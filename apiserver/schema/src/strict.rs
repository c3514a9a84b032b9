//! The unknown and duplicate fields a strict decoder reports (`unknown field "spec.containers[0].foo"`, `duplicate field "metadata.name"`).

use serde_json::{Map, Value};

use crate::error::TranscodeError;
use crate::parse::schema_props;
use crate::schema::{Cardinality, FieldType, GroupVersionKind, JsonTarget, Message, Special, schema};

const MAX_DEPTH: usize = 100;

/// The paths of fields a strict decoder rejects as unknown, in key order (JSON bodies are checked in document
/// order while they are parsed, by [`crate::parse_json_checked`]): `spec.foo`,
/// `spec.containers[0].bar`, `metadata.labels` values are free-form. Format each as `unknown field "<path>"`.
pub fn unknown_fields(gvk: &GroupVersionKind, object: &Value) -> Result<Vec<String>, TranscodeError> {
    let m = schema()
        .kind_of(gvk)
        .ok_or_else(|| TranscodeError::UnknownKind(gvk.to_string()))?;
    let mut out = Vec::new();
    if let Value::Object(obj) = object {
        for (key, v) in obj {
            if key == "kind" || key == "apiVersion" {
                continue;
            }
            check_field(m, key, v, &Path::Key(key, &Path::Root), &mut out, 0);
        }
    }
    Ok(out)
}

/// Where a value sits, rendered to `spec.containers[0].foo` only when an unknown field is reported, so a
/// body without unknown fields costs no string building.
enum Path<'a> {
    Root,
    Key(&'a str, &'a Path<'a>),
    Index(usize, &'a Path<'a>),
}

impl Path<'_> {
    fn render(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(k, parent) => {
                let p = parent.render();
                if p.is_empty() {
                    (*k).to_string()
                } else {
                    format!("{p}.{k}")
                }
            }
            Path::Index(i, parent) => format!("{}[{i}]", parent.render()),
        }
    }
}

fn check_object(m: &Message, obj: &Map<String, Value>, path: &Path<'_>, out: &mut Vec<String>, depth: usize) {
    for (key, v) in obj {
        check_field(m, key, v, &Path::Key(key, path), out, depth);
    }
}

fn check_field(m: &Message, key: &str, v: &Value, path: &Path<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(target) = m.by_json.get(key) else {
        out.push(path.render());
        return;
    };
    let f = match target {
        JsonTarget::Direct(i) => &m.fields[usize::from(*i)],
        JsonTarget::Inline(_) => match m.field_by_json(key) {
            Some(f) => f,
            None => return,
        },
    };
    let FieldType::Message(id) = f.ty else { return };
    let inner = schema().message(id);
    match (f.card, v) {
        (Cardinality::Optional, v) => check_value(inner, v, path, out, depth + 1),
        (Cardinality::Repeated, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(inner, item, &Path::Index(i, path), out, depth + 1);
            }
        }
        (Cardinality::Map, Value::Object(entries)) => {
            for (k, item) in entries {
                check_value(inner, item, &Path::Key(k, path), out, depth + 1);
            }
        }
        _ => {}
    }
}

fn check_value(m: &Message, v: &Value, path: &Path<'_>, out: &mut Vec<String>, depth: usize) {
    match (m.special, v) {
        (Special::None, Value::Object(obj)) => check_object(m, obj, path, out, depth),
        (Special::SchemaOrArray | Special::SchemaOrBool | Special::SchemaOrStringArray, v) => {
            let Some(props) = schema_props(m) else { return };
            match v {
                Value::Object(obj) => check_object(props, obj, path, out, depth + 1),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Value::Object(obj) = item {
                            check_object(props, obj, &Path::Index(i, path), out, depth + 1);
                        }
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The paths of keys that appear twice in the same JSON object of a request body (`metadata.name`),
/// in document order. Invalid JSON stops the scan (the caller's parse reports it).
pub fn duplicate_fields(body: &[u8]) -> Vec<String> {
    let mut scanner = Scanner {
        b: body,
        pos: 0,
        out: Vec::new(),
    };
    scanner.ws();
    let _ = scanner.value("", 0);
    scanner.out
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    out: Vec<String>,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn value(&mut self, path: &str, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut seen: Vec<String> = Vec::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if seen.contains(&key) {
                        self.out.push(p.clone());
                    } else {
                        seen.push(key);
                    }
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.ws();
                    self.value(&p, depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                    return Some(());
                }
                let mut i = 0;
                loop {
                    self.ws();
                    self.value(&format!("{path}[{i}]"), depth + 1)?;
                    i += 1;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while self.pos < self.b.len()
                    && !matches!(self.b[self.pos], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// A JSON string token, unescaped.
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            self.pos += 1;
            match c {
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                }
                b'"' => {
                    let raw = self.b.get(start..self.pos)?;
                    return if escaped {
                        serde_json::from_slice::<String>(raw).ok()
                    } else {
                        Some(String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned())
                    };
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_have_upstream_paths() {
        let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
        let d = json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": "d", "labels": {"free": "form"}, "bogus": 1},
            "spec": {"template": {"spec": {"containers": [{"name": "c"}, {"name": "d", "foo": 1}], "volumes": [{"name": "v", "emptyDir": {}, "nope": 2}]}}},
            "extra": {}
        });
        assert_eq!(
            unknown_fields(&gvk, &d).unwrap(),
            // In key order: JSON objects are sorted maps here (upstream reports them in document order).
            [
                "extra",
                "metadata.bogus",
                "spec.template.spec.containers[1].foo",
                "spec.template.spec.volumes[0].nope",
            ]
        );
    }

    #[test]
    fn unknown_fields_inside_crd_schemas() {
        let gvk = GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"a": {"type": "string", "bad": 1}}, "default": {"anything": "goes"}
        }}}]}});
        assert_eq!(
            unknown_fields(&gvk, &crd).unwrap(),
            ["spec.versions[0].schema.openAPIV3Schema.properties.a.bad"]
        );
    }

    #[test]
    fn duplicate_keys_are_found_with_paths() {
        let body = br#"{"metadata": {"name": "a", "name": "b"}, "spec": {"containers": [{"name": "x", "image": "i", "image": "j"}]}, "spec": 1}"#;
        assert_eq!(
            duplicate_fields(body),
            ["metadata.name", "spec.containers[0].image", "spec"]
        );
        assert!(duplicate_fields(br#"{"a\"b": 1, "a\"b": 2}"#) == ["a\"b"]);
        assert!(duplicate_fields(b"{\"a\": [1, 2, {\"b\": ").is_empty());
        assert!(duplicate_fields(b"").is_empty());
    }
}

//! The fields upstream's strict decoder reports as unknown (`unknown field "spec.containers[0].foo"`).
//! [`parse_json_checked`] parses a JSON request body into a [`Value`] and finds them, and the keys an object
//! repeats, in the same pass, in document order (the value is the one `serde_json::from_slice` builds; a
//! repeated key keeps its last value). [`unknown_fields`] finds them in an already parsed value (YAML bodies),
//! in key order. Both follow the same rules ([`Ctx`]).

use std::cell::{Cell, RefCell};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::decode::MAX_DEPTH;
use crate::error::TranscodeError;
use crate::schema::{Cardinality, FieldType, GroupVersionKind, JsonTarget, Message, Special, schema};

/// A parsed body and its strict-decoding findings.
#[derive(Debug)]
pub struct Checked {
    pub value: Value,
    /// Some object repeated a key (`duplicate_fields` words them).
    pub repeated_keys: bool,
    /// Paths of fields the kind does not have; empty when no kind was given.
    pub unknown_fields: Vec<String>,
}

/// Parses `body` as one JSON value; with `kind`, also checks its fields against that kind's schema (`kind` and
/// `apiVersion` at the top are always known). A kind the schema does not have checks nothing.
pub fn parse_json_checked(body: &[u8], kind: Option<&GroupVersionKind>) -> Result<Checked, serde_json::Error> {
    let state = State::default();
    let ctx = match kind.and_then(|k| schema().kind_of(k)) {
        Some(m) => Ctx::Root(m),
        None => Ctx::Free,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Seed {
        state: &state,
        ctx,
        path: &Path::Root,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(Checked {
        value,
        repeated_keys: state.repeated.get(),
        unknown_fields: state.unknown.into_inner(),
    })
}

/// The paths of `object`'s fields that `gvk`'s schema does not have, in key order: `spec.foo`,
/// `spec.containers[0].bar`; `metadata.labels` values are free-form. Format each as `unknown field "<path>"`.
pub fn unknown_fields(gvk: &GroupVersionKind, object: &Value) -> Result<Vec<String>, TranscodeError> {
    let m = schema()
        .kind_of(gvk)
        .ok_or_else(|| TranscodeError::UnknownKind(gvk.to_string()))?;
    let mut out = Vec::new();
    walk(Ctx::Root(m), object, &Path::Root, &mut out, 0);
    Ok(out)
}

fn walk(ctx: Ctx, v: &Value, path: &Path<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(obj) => {
            for (key, item) in obj {
                let path = Path::Key(key, path);
                match ctx.of_key(key) {
                    Some(inner) => walk(inner, item, &path, out, depth + 1),
                    None => out.push(path.rendered()),
                }
            }
        }
        Value::Array(items) => {
            let inner = ctx.of_item();
            for (i, item) in items.iter().enumerate() {
                walk(inner, item, &Path::Index(i, path), out, depth + 1);
            }
        }
        _ => {}
    }
}

#[derive(Default)]
struct State {
    repeated: Cell<bool>,
    unknown: RefCell<Vec<String>>,
}

/// What the schema expects of the value being parsed.
#[derive(Clone, Copy)]
enum Ctx {
    /// Nothing: scalars, free-form maps and raw JSON.
    Free,
    /// The top-level object of a kind.
    Root(&'static Message),
    /// An object with `.0`'s fields.
    Object(&'static Message),
    /// A list of `.0` values.
    List(&'static Message),
    /// A map of `.0` values.
    Map(&'static Message),
    /// An apiextensions JSONSchemaProps union: one schema object, or a list of them.
    SchemaUnion(&'static Message),
}

impl Ctx {
    /// The context of the value under `key` of an object in this context; `None` when the key is unknown.
    fn of_key(self, key: &str) -> Option<Ctx> {
        match self {
            Ctx::Root(_) if key == "kind" || key == "apiVersion" => Some(Ctx::Free),
            Ctx::Root(m) | Ctx::Object(m) | Ctx::SchemaUnion(m) => of_field(m, key),
            Ctx::Map(m) => Some(of_message(m)),
            Ctx::Free | Ctx::List(_) => Some(Ctx::Free),
        }
    }

    /// The context of the items of a list in this context.
    fn of_item(self) -> Ctx {
        match self {
            Ctx::List(m) => of_message(m),
            Ctx::SchemaUnion(props) => Ctx::Object(props),
            _ => Ctx::Free,
        }
    }
}

/// The context of a value of message type `m`.
fn of_message(m: &'static Message) -> Ctx {
    match m.special {
        Special::None => Ctx::Object(m),
        Special::SchemaOrArray | Special::SchemaOrBool | Special::SchemaOrStringArray => {
            schema_props(m).map_or(Ctx::Free, Ctx::SchemaUnion)
        }
        _ => Ctx::Free,
    }
}

/// The JSONSchemaProps message behind an apiextensions union.
pub(crate) fn schema_props(m: &Message) -> Option<&'static Message> {
    m.fields.iter().find_map(|f| match f.ty {
        FieldType::Message(id) if schema().message(id).special == Special::None => Some(schema().message(id)),
        _ => None,
    })
}

/// The context of the value of field `key` of `m`; `None` when `m` has no such field.
fn of_field(m: &'static Message, key: &str) -> Option<Ctx> {
    let f = match m.by_json.get(key)? {
        JsonTarget::Direct(i) => &m.fields[usize::from(*i)],
        JsonTarget::Inline(_) => match m.field_by_json(key) {
            Some(f) => f,
            None => return Some(Ctx::Free),
        },
    };
    let FieldType::Message(id) = f.ty else {
        return Some(Ctx::Free);
    };
    let inner = schema().message(id);
    Some(match f.card {
        Cardinality::Optional => of_message(inner),
        Cardinality::Repeated => Ctx::List(inner),
        Cardinality::Map => Ctx::Map(inner),
    })
}

/// Where a value sits, rendered (`spec.containers[0].foo`) only for an unknown field.
enum Path<'a> {
    Root,
    Key(&'a str, &'a Path<'a>),
    Index(usize, &'a Path<'a>),
}

impl Path<'_> {
    fn rendered(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }

    fn render(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(k, parent) => {
                parent.render(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Path::Index(i, parent) => {
                parent.render(out);
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    state: &'a State,
    ctx: Ctx,
    path: &'a Path<'a>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let item_ctx = self.ctx.of_item();
        let mut items = Vec::new();
        loop {
            let path = Path::Index(items.len(), self.path);
            let seed = Seed {
                state: self.state,
                ctx: item_ctx,
                path: &path,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let ctx = self.ctx.of_key(&key);
            let path = Path::Key(&key, self.path);
            if ctx.is_none() {
                self.state.unknown.borrow_mut().push(path.rendered());
            }
            let seed = Seed {
                state: self.state,
                ctx: ctx.unwrap_or(Ctx::Free),
                path: &path,
            };
            let value = map.next_value_seed(seed)?;
            if out.insert(key, value).is_some() {
                self.state.repeated.set(true);
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_serde_jsons() {
        let bodies: [&[u8]; 4] = [
            br#"{"a":{"b":1,"c":"x:y"},"d":[{"e":"q\\\":"}],"f":-2.5e3,"g":18446744073709551615,"h":null,"i":[true,false,[]]}"#,
            br#"{"a":1,"b":{"c":2,"c":3},"a":4}"#,
            b" [1, {\"k\": \"\\u00e9\"}] ",
            b"{}",
        ];
        for body in bodies {
            let got = parse_json_checked(body, None).unwrap();
            assert_eq!(got.value, serde_json::from_slice::<Value>(body).unwrap());
            assert!(got.unknown_fields.is_empty());
        }
        assert!(!parse_json_checked(bodies[0], None).unwrap().repeated_keys);
        let got = parse_json_checked(bodies[1], None).unwrap();
        assert!(got.repeated_keys);
        assert_eq!(got.value, json!({"a": 4, "b": {"c": 3}}));
        // Floats parse to the nearest double, as Go's strconv does (serde_json's `float_roundtrip`).
        let f = parse_json_checked(b"9.173820650199201e-78", None).unwrap().value;
        assert_eq!(f.as_f64(), Some(9.173820650199201e-78));
        assert_eq!(f.to_string(), "9.173820650199201e-78");
        assert!(parse_json_checked(b"{} x", None).is_err());
        assert!(parse_json_checked(&[b'['; 200], None).is_err());
    }

    #[test]
    fn unknown_fields_in_document_order_like_upstream() {
        let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
        let body = json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": "d", "labels": {"free": "form"}, "bogus": 1},
            "spec": {"template": {"spec": {"containers": [{"name": "c"}, {"name": "d", "foo": 1}], "volumes": [{"name": "v", "emptyDir": {}, "nope": 2}]}}},
            "extra": {}
        });
        // json! sorts keys; write the document in the order above instead.
        let text = r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d","labels":{"free":"form"},"bogus":1},"spec":{"template":{"spec":{"containers":[{"name":"c"},{"name":"d","foo":1}],"volumes":[{"name":"v","emptyDir":{},"nope":2}]}}},"extra":{}}"#;
        let got = parse_json_checked(text.as_bytes(), Some(&gvk)).unwrap();
        assert_eq!(got.value, body);
        assert_eq!(
            got.unknown_fields,
            [
                "metadata.bogus",
                "spec.template.spec.containers[1].foo",
                "spec.template.spec.volumes[0].nope",
                "extra"
            ]
        );
        // The walk over the parsed value finds the same, in key order.
        assert_eq!(
            unknown_fields(&gvk, &body).unwrap(),
            [
                "extra",
                "metadata.bogus",
                "spec.template.spec.containers[1].foo",
                "spec.template.spec.volumes[0].nope",
            ]
        );
    }

    #[test]
    fn crd_schemas_are_checked_inside_unions() {
        let gvk = GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
        let text = r#"{"spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"type":"object","properties":{"a":{"type":"string","bad":1}},"default":{"anything":"goes"},"items":[{"type":"string","worse":2}]}}}]}}"#;
        let got = parse_json_checked(text.as_bytes(), Some(&gvk)).unwrap();
        assert_eq!(
            got.unknown_fields,
            [
                "spec.versions[0].schema.openAPIV3Schema.properties.a.bad",
                "spec.versions[0].schema.openAPIV3Schema.items[0].worse"
            ]
        );
        // The walk: key order (`items` before `properties`); `default` is free-form JSON.
        assert_eq!(
            unknown_fields(&gvk, &got.value).unwrap(),
            [
                "spec.versions[0].schema.openAPIV3Schema.items[0].worse",
                "spec.versions[0].schema.openAPIV3Schema.properties.a.bad"
            ]
        );
    }
}

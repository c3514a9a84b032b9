//! JSON of a [`Value`] in the order Go prints it. The server's JSON objects are sorted maps; when a response is
//! built as a `Value` (a conversion, a subresource, a dry run, a Table, discovery), this writer puts `kind` and
//! `apiVersion` first and, for kinds the schema knows, every field in Go's struct order, as upstream's encoder
//! does. Keys the schema does not know follow, sorted; map keys are sorted, as Go sorts them.

use serde_json::{Map, Value};

use crate::parse::schema_props;
use crate::schema::{Cardinality, FieldType, GroupVersionKind, Message, Special, schema};

/// Writes `value` as Go would print the object: a kind the schema knows in its struct order, anything else with
/// `kind`, `apiVersion` and `metadata` first and the rest sorted.
pub fn write_go_json(value: &Value, out: &mut Vec<u8>) {
    let Value::Object(obj) = value else {
        write_plain(value, out);
        return;
    };
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("");
    let gvk = GroupVersionKind::from_api_version(str_of("apiVersion"), str_of("kind"));
    let message = schema().kind_of(&gvk).filter(|m| m.special == Special::None);
    write_object(obj, message, true, out);
}

fn write_plain(value: &Value, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// `[a,b,…]`, each item written by `item`.
fn write_array(items: &[Value], out: &mut Vec<u8>, item: impl Fn(&Value, &mut Vec<u8>)) {
    out.push(b'[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(v, out);
    }
    out.push(b']');
}

fn write_object(obj: &Map<String, Value>, m: Option<&'static Message>, top: bool, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    let leading: &[&str] = match (top, m) {
        (true, Some(_)) => &["kind", "apiVersion"],
        (true, None) => &["kind", "apiVersion", "metadata"],
        (false, _) => &[],
    };
    for key in leading {
        if let Some(v) = obj.get(*key) {
            write_key(out, &mut first, key);
            write_plain(v, out);
        }
    }
    if let Some(m) = m {
        write_fields(m, obj, &mut first, out, 0);
    }
    for (key, v) in obj {
        let known = leading.contains(&key.as_str()) || m.is_some_and(|m| m.field_by_json(key).is_some());
        if !known {
            write_key(out, &mut first, key);
            write_plain(v, out);
        }
    }
    out.push(b'}');
}

/// `m`'s fields present in `obj`, in Go order (an inline struct's fields where Go embeds it).
fn write_fields(m: &'static Message, obj: &Map<String, Value>, first: &mut bool, out: &mut Vec<u8>, depth: usize) {
    for f in &m.fields {
        if f.inline {
            if let FieldType::Message(id) = f.ty
                && depth < 8
            {
                write_fields(schema().message(id), obj, first, out, depth + 1);
            }
            continue;
        }
        if let Some(v) = obj.get(f.json.as_str()) {
            write_key(out, first, &f.json);
            write_known(m, &f.json, v, out);
        }
    }
}

/// The value of field `key` of `m`.
fn write_known(m: &'static Message, key: &str, v: &Value, out: &mut Vec<u8>) {
    let Some(f) = m.field_by_json(key) else {
        write_plain(v, out);
        return;
    };
    let FieldType::Message(id) = f.ty else {
        write_plain(v, out);
        return;
    };
    let inner = schema().message(id);
    match (f.card, v) {
        (Cardinality::Optional, v) => write_typed(inner, v, out),
        (Cardinality::Repeated, Value::Array(items)) => {
            write_array(items, out, |item, out| write_typed(inner, item, out))
        }
        (Cardinality::Map, Value::Object(entries)) => {
            out.push(b'{');
            let mut first = true;
            for (k, item) in entries {
                write_key(out, &mut first, k);
                write_typed(inner, item, out);
            }
            out.push(b'}');
        }
        (_, v) => write_plain(v, out),
    }
}

/// A value of message type `m`.
fn write_typed(m: &'static Message, v: &Value, out: &mut Vec<u8>) {
    match (m.special, v) {
        (Special::None, Value::Object(obj)) => write_object(obj, Some(m), false, out),
        (Special::SchemaOrArray | Special::SchemaOrBool | Special::SchemaOrStringArray, v) => {
            match (schema_props(m), v) {
                (Some(props), Value::Object(obj)) => write_object(obj, Some(props), false, out),
                (Some(props), Value::Array(items)) => write_array(items, out, |item, out| match item {
                    Value::Object(obj) => write_object(obj, Some(props), false, out),
                    other => write_plain(other, out),
                }),
                _ => write_plain(v, out),
            }
        }
        _ => write_plain(v, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn go(v: &Value) -> String {
        let mut out = Vec::new();
        write_go_json(v, &mut out);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(&serde_json::from_str::<Value>(&s).unwrap(), v, "same value");
        s
    }

    #[test]
    fn known_kinds_print_in_go_struct_order() {
        let pod = json!({
            "status": {"phase": "Pending"},
            "spec": {"containers": [{"image": "nginx", "name": "c", "x-extra": 1}], "volumes": [{"configMap": {"name": "x"}, "name": "v"}]},
            "apiVersion": "v1",
            "zzz": true,
            "metadata": {"labels": {"b": "1", "a": "2"}, "name": "p"},
            "kind": "Pod"
        });
        assert_eq!(
            go(&pod),
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","labels":{"a":"2","b":"1"}},"spec":{"volumes":[{"name":"v","configMap":{"name":"x"}}],"containers":[{"name":"c","image":"nginx","x-extra":1}]},"status":{"phase":"Pending"},"zzz":true}"#
        );
        let scale = json!({"status": {"replicas": 2, "selector": "app=web"}, "spec": {"replicas": 3}, "metadata": {"name": "web", "namespace": "default"}, "apiVersion": "autoscaling/v1", "kind": "Scale"});
        assert_eq!(
            go(&scale),
            r#"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"default"},"spec":{"replicas":3},"status":{"replicas":2,"selector":"app=web"}}"#
        );
    }

    #[test]
    fn other_objects_lead_with_kind_api_version_and_metadata() {
        let table = json!({"rows": [], "metadata": {"resourceVersion": "1"}, "kind": "Table", "columnDefinitions": [], "apiVersion": "meta.k8s.io/v1"});
        assert_eq!(
            go(&table),
            r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"1"},"columnDefinitions":[],"rows":[]}"#
        );
        assert_eq!(go(&json!([1, {"b": 1, "a": 2}])), r#"[1,{"a":2,"b":1}]"#);
    }
}

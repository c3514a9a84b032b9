//! Definitions (`definitions` in v2, `components.schemas` in v3) built from the type schema: one object
//! schema per message with its properties, patch metadata, list types and group-version-kinds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ferrokube_apimachinery::resources;
use ferrokube_apischema::{Cardinality, Field, FieldType, GoPresence, Message, MessageId, Special, schema};
use serde_json::{Map, Value, json};

use crate::Flavor;
use crate::descriptions::Descriptions;
use crate::names::{definition_name, reference};

/// meta/v1 kinds that every served group version registers, as upstream's schemes do.
const EVERY_GROUP_VERSION: &[&str] = &["DeleteOptions", "WatchEvent"];
const META_V1: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.";

/// Every served group version, the core group first.
pub fn served_group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let core = resources::core_group();
    for g in std::iter::once(core).chain(resources::api_groups().iter().filter(|g| g.name != core.name)) {
        for v in g.versions {
            out.push((g.name, *v));
        }
    }
    out
}

/// The group-version-kinds each message is registered under, restricted to served group versions.
pub fn registrations() -> HashMap<MessageId, Vec<(String, String, String)>> {
    let s = schema();
    let served = served_group_versions();
    let mut out: HashMap<MessageId, Vec<(String, String, String)>> = HashMap::new();
    for (g, v, k, m) in s.kinds() {
        if served.iter().any(|&(sg, sv)| sg == g && sv == v) {
            out.entry(m.id)
                .or_default()
                .push((g.to_string(), v.to_string(), k.to_string()));
        }
    }
    for kind in EVERY_GROUP_VERSION {
        if let Some(m) = s.message_by_name(&format!("{META_V1}{kind}")) {
            let list = out.entry(m.id).or_default();
            for &(g, v) in &served {
                let gvk = (g.to_string(), v.to_string(), kind.to_string());
                if !list.contains(&gvk) {
                    list.push(gvk);
                }
            }
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// Messages whose JSON form is a list of strings (`ExtraValue`: `map[string][]string` values).
fn string_list_wrapper(m: &Message) -> bool {
    m.name.ends_with(".ExtraValue")
        && m.fields.len() == 1
        && m.fields[0].card == Cardinality::Repeated
        && m.fields[0].ty == FieldType::String
}

/// The messages reachable from `roots` through fields. Structs that are only ever inlined into another
/// (`VolumeSource` into `Volume`) have their fields written into the parent and get no definition.
pub fn reachable(roots: impl IntoIterator<Item = MessageId>) -> BTreeSet<MessageId> {
    let s = schema();
    let mut seen = BTreeSet::new();
    let mut inlined = BTreeSet::new();
    let mut stack: Vec<(MessageId, bool)> = roots.into_iter().map(|id| (id, false)).collect();
    while let Some((id, inline)) = stack.pop() {
        let first = if inline { inlined.insert(id) } else { seen.insert(id) };
        if !first || (seen.contains(&id) && inlined.contains(&id)) {
            continue;
        }
        let m = s.message(id);
        if m.special != Special::None || string_list_wrapper(m) {
            continue;
        }
        for f in &m.fields {
            if let FieldType::Message(t) = f.ty {
                stack.push((t, f.inline));
            }
        }
    }
    // Wrappers are written in place, never as definitions of their own.
    seen.retain(|&id| !string_list_wrapper(s.message(id)));
    seen
}

/// Builds definitions in one flavour with one set of descriptions.
pub struct Builder<'a> {
    pub flavor: Flavor,
    pub descriptions: &'a Descriptions,
    pub registrations: &'a HashMap<MessageId, Vec<(String, String, String)>>,
}

impl Builder<'_> {
    /// The definitions of `ids` as (name, schema), sorted by name, each built when the iterator reaches it.
    pub fn definitions<'b>(&'b self, ids: &BTreeSet<MessageId>) -> impl Iterator<Item = (String, Value)> + 'b {
        let s = schema();
        let mut named: Vec<(String, MessageId)> = ids
            .iter()
            .map(|&id| (definition_name(&s.message(id).name), id))
            .collect();
        named.sort();
        named.into_iter().map(move |(name, id)| {
            let def = self.definition(s.message(id), &name);
            (name, def)
        })
    }

    fn definition(&self, m: &Message, name: &str) -> Value {
        let mut out = Map::new();
        if let Some(d) = self.descriptions.of_type(name) {
            out.insert("description".into(), d.into());
        }
        match (m.special, self.flavor) {
            (Special::Time | Special::MicroTime, _) => {
                out.insert("type".into(), "string".into());
                out.insert("format".into(), "date-time".into());
            }
            (Special::Duration, _) => {
                out.insert("type".into(), "string".into());
            }
            (Special::IntOrString, Flavor::V2) => {
                out.insert("type".into(), "string".into());
                out.insert("format".into(), "int-or-string".into());
            }
            (Special::IntOrString, Flavor::V3) => {
                out.insert("format".into(), "int-or-string".into());
                out.insert("oneOf".into(), json!([{"type": "integer"}, {"type": "string"}]));
            }
            (Special::Quantity, Flavor::V2) => {
                out.insert("type".into(), "string".into());
            }
            (Special::Quantity, Flavor::V3) => {
                out.insert("oneOf".into(), json!([{"type": "string"}, {"type": "number"}]));
            }
            (Special::FieldsV1, _) => {
                out.insert("type".into(), "object".into());
            }
            (Special::RawJson, _) if m.name.ends_with("runtime.RawExtension") => {
                out.insert("type".into(), "object".into());
            }
            // apiextensions JSON and the schema-or-x unions accept any JSON value.
            (Special::RawJson | Special::SchemaOrArray | Special::SchemaOrBool | Special::SchemaOrStringArray, _) => {}
            (Special::None, _) => self.object(m, name, &mut out),
        }
        Value::Object(sorted(out))
    }

    fn object(&self, m: &Message, name: &str, out: &mut Map<String, Value>) {
        let mut fields = Vec::new();
        flatten(m, &mut fields, 0);
        let registered = self.registrations.get(&m.id);
        let mut properties = BTreeMap::new();
        if registered.is_some() {
            for key in ["apiVersion", "kind"] {
                let mut p = Map::new();
                if let Some(d) = self.descriptions.of_field(name, key) {
                    p.insert("description".into(), d.into());
                }
                p.insert("type".into(), "string".into());
                properties.insert(key.to_string(), Value::Object(p));
            }
        }
        let mut required = Vec::new();
        for f in &fields {
            properties.insert(f.json.clone(), self.property(name, f));
            if required_field(f) {
                required.push(Value::from(f.json.as_str()));
            }
        }
        out.insert("type".into(), "object".into());
        if !properties.is_empty() {
            out.insert("properties".into(), Value::Object(properties.into_iter().collect()));
        }
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        if let Some(gvks) = registered {
            let list: Vec<Value> = gvks
                .iter()
                .map(|(g, v, k)| json!({"group": g, "kind": k, "version": v}))
                .collect();
            out.insert("x-kubernetes-group-version-kind".into(), Value::Array(list));
        }
    }

    /// The schema of a value of the field's type, without cardinality.
    fn value_schema(&self, ty: FieldType) -> (Value, bool) {
        let s = schema();
        let v = match ty {
            FieldType::String => json!({"type": "string"}),
            FieldType::Int32 => json!({"type": "integer", "format": "int32"}),
            FieldType::Int64 => json!({"type": "integer", "format": "int64"}),
            FieldType::Bool => json!({"type": "boolean"}),
            FieldType::Bytes => json!({"type": "string", "format": "byte"}),
            FieldType::Double => json!({"type": "number", "format": "double"}),
            FieldType::Message(id) => {
                let m = s.message(id);
                if string_list_wrapper(m) {
                    json!({"type": "array", "items": {"type": "string"}})
                } else {
                    return (json!({"$ref": reference(&definition_name(&m.name), self.flavor)}), true);
                }
            }
        };
        (v, false)
    }

    fn property(&self, owner: &str, f: &Field) -> Value {
        let (value, is_ref) = self.value_schema(f.ty);
        let mut out = Map::new();
        let description = self.descriptions.of_field(owner, &f.json);
        match f.card {
            Cardinality::Optional if is_ref => {
                if description.is_none() || self.flavor == Flavor::V2 {
                    if let Value::Object(m) = value {
                        out.extend(m);
                    }
                } else {
                    out.insert("allOf".into(), Value::Array(vec![value]));
                }
            }
            Cardinality::Optional => {
                if let Value::Object(m) = value {
                    out.extend(m);
                }
            }
            Cardinality::Repeated => {
                out.insert("type".into(), "array".into());
                out.insert("items".into(), value);
            }
            Cardinality::Map => {
                out.insert("type".into(), "object".into());
                out.insert("additionalProperties".into(), value);
            }
        }
        if let Some(d) = description {
            out.insert("description".into(), d.into());
        }
        let ps = f.patch_strategy;
        let strategies: Vec<&str> = [
            (ps.merge, "merge"),
            (ps.retain_keys, "retainKeys"),
            (ps.replace, "replace"),
        ]
        .into_iter()
        .filter_map(|(on, s)| on.then_some(s))
        .collect();
        if !strategies.is_empty() {
            out.insert("x-kubernetes-patch-strategy".into(), strategies.join(",").into());
        }
        if let Some(key) = &f.patch_merge_key {
            out.insert("x-kubernetes-patch-merge-key".into(), key.as_str().into());
        }
        if let Some(lt) = &f.list_type {
            out.insert("x-kubernetes-list-type".into(), lt.as_str().into());
        }
        if !f.list_map_keys.is_empty() {
            out.insert("x-kubernetes-list-map-keys".into(), json!(f.list_map_keys));
        }
        Value::Object(sorted(out))
    }
}

/// Whether upstream lists the field as required: Go writes it without `omitempty`. Struct fields carry no
/// `omitempty` information in the type schema (it never omits them), so an object's own `metadata`, `spec`
/// and `status` are taken as optional, as upstream marks them.
fn required_field(f: &Field) -> bool {
    let object_part = matches!(f.json.as_str(), "metadata" | "spec" | "status");
    f.go == GoPresence::Required && !(object_part && matches!(f.ty, FieldType::Message(_)))
}

/// The message's fields with inline structs' fields in their place.
fn flatten<'a>(m: &'a Message, out: &mut Vec<&'a Field>, depth: usize) {
    for f in &m.fields {
        match f.ty {
            FieldType::Message(id) if f.inline && depth < 4 => flatten(schema().message(id), out, depth + 1),
            _ => out.push(f),
        }
    }
}

/// An object's keys in alphabetical order, as upstream's documents print them.
pub fn sorted(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

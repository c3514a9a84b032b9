//! The type schema: messages in Go field order with JSON names, protobuf numbers and patch metadata,
//! and the kinds that map to them; loaded once from the committed `data/schema.json`.

use std::collections::HashMap;
use std::sync::OnceLock;

use ferrokube_apimachinery::patch::{FieldKind, FieldPatch, PatchMeta, PatchStrategy};
use serde::Deserialize;

/// Index of a message in [`Schema::messages`].
pub type MessageId = u32;

/// A group, version and kind: `("apps", "v1", "Deployment")`; the core group is `""`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersionKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl GroupVersionKind {
    pub fn new(group: &str, version: &str, kind: &str) -> Self {
        GroupVersionKind {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// Splits an `apiVersion` (`apps/v1`, `v1`) into group and version.
    pub fn from_api_version(api_version: &str, kind: &str) -> Self {
        match api_version.split_once('/') {
            Some((group, version)) => GroupVersionKind::new(group, version, kind),
            None => GroupVersionKind::new("", api_version, kind),
        }
    }

    /// The `apiVersion` string: `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl std::fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, Kind={}", self.api_version(), self.kind)
    }
}

/// A field's value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Int32,
    Int64,
    Bool,
    Bytes,
    Double,
    Message(MessageId),
}

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    Optional,
    Repeated,
    /// `map<string, T>`, encoded as repeated `{key = 1, value = 2}` entries.
    Map,
}

/// What the Go field is, which decides when Go's JSON encoder writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoPresence {
    /// No `omitempty`: always written, as the zero value when unset.
    Required,
    /// A pointer (or a message kept when present): written when set, even to a zero value.
    Pointer,
    /// A value with `omitempty`: omitted when zero (structs, which `omitempty` never omits, are always written).
    Value,
    /// A struct value with `omitzero` (ObjectMeta.creationTimestamp since 1.33): omitted from JSON when zero,
    /// still written to protobuf as Go's generated code writes non-pointer structs.
    OmitZero,
}

/// Messages whose JSON form is not an object of their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    None,
    /// meta/v1 Time: RFC 3339 seconds.
    Time,
    /// meta/v1 MicroTime: RFC 3339 with six fractional digits.
    MicroTime,
    /// meta/v1 Duration: a Go duration string.
    Duration,
    /// util/intstr IntOrString: a number or a string.
    IntOrString,
    /// api/resource Quantity: a canonical quantity string.
    Quantity,
    /// runtime RawExtension and apiextensions JSON: raw JSON bytes.
    RawJson,
    /// meta/v1 FieldsV1: raw JSON object bytes.
    FieldsV1,
    /// apiextensions JSONSchemaPropsOrArray: a schema or a list of schemas.
    SchemaOrArray,
    /// apiextensions JSONSchemaPropsOrBool: a bool or a schema.
    SchemaOrBool,
    /// apiextensions JSONSchemaPropsOrStringArray: a schema or a list of strings.
    SchemaOrStringArray,
}

/// One field of a message.
#[derive(Debug)]
pub struct Field {
    pub json: String,
    /// `"<json>":`, as JSON output prints the key.
    pub(crate) json_key: String,
    pub number: u32,
    pub ty: FieldType,
    pub card: Cardinality,
    pub go: GoPresence,
    /// An embedded Go struct whose fields appear in the parent's JSON (`Volume.volumeSource`).
    pub inline: bool,
    pub patch_strategy: PatchStrategy,
    pub patch_merge_key: Option<String>,
    pub list_type: Option<String>,
    pub list_map_keys: Vec<String>,
}

/// Where a JSON name of a message leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonTarget {
    /// A field of the message itself.
    Direct(u16),
    /// A field of the inline message held in field `.0` of this message (possibly nested).
    Inline(u16),
}

/// A protobuf message with its fields in Go struct order.
#[derive(Debug)]
pub struct Message {
    pub id: MessageId,
    /// Full proto name: `k8s.io.api.core.v1.Pod`.
    pub name: String,
    pub fields: Vec<Field>,
    pub special: Special,
    /// Looked up for every key of every object encoded or checked: a fast fixed hasher (the keys are the
    /// schema's own names; lookups of client keys only probe).
    pub(crate) by_json: HashMap<String, JsonTarget, foldhash::fast::FixedState>,
    /// Field number -> field index + 1 (0: unknown).
    pub(crate) by_number: Vec<u16>,
    /// Indexes of the fields Go's JSON encoder prints even when they are unset (inline structs, fields
    /// without `omitempty`, struct values): every other absent field prints nothing.
    pub(crate) loud: Vec<u16>,
}

impl Message {
    /// The field with this JSON name, looking through inline structs.
    pub fn field_by_json(&self, json: &str) -> Option<&Field> {
        match self.by_json.get(json)? {
            JsonTarget::Direct(i) => self.fields.get(usize::from(*i)),
            JsonTarget::Inline(i) => {
                let f = self.fields.get(usize::from(*i))?;
                match f.ty {
                    FieldType::Message(m) => schema().message(m).field_by_json(json),
                    _ => None,
                }
            }
        }
    }

    /// The field with this protobuf number.
    pub fn field_by_number(&self, number: u32) -> Option<&Field> {
        let i = *self.by_number.get(number as usize)?;
        if i == 0 {
            None
        } else {
            self.fields.get(usize::from(i - 1))
        }
    }

    pub(crate) fn index_by_number(&self, number: u32) -> Option<usize> {
        match self.by_number.get(number as usize) {
            Some(&i) if i > 0 => Some(usize::from(i - 1)),
            _ => None,
        }
    }
}

/// Whether Go's JSON encoder prints nothing for this field when it is unset.
pub(crate) fn silent_when_absent(field: &Field) -> bool {
    match field.go {
        GoPresence::Pointer | GoPresence::OmitZero => true,
        GoPresence::Value => field.card != Cardinality::Optional || !matches!(field.ty, FieldType::Message(_)),
        GoPresence::Required => false,
    }
}

/// All messages and kinds.
#[derive(Debug)]
pub struct Schema {
    messages: Vec<Message>,
    by_name: HashMap<String, MessageId>,
    kinds: HashMap<(String, String, String), MessageId, foldhash::fast::FixedState>,
}

/// Kinds of meta/v1 that every group version serves (Status, WatchEvent, DeleteOptions...).
const META_V1: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.";

impl Schema {
    /// The message by index; ids come from this schema, so they are always valid.
    pub fn message(&self, id: MessageId) -> &Message {
        &self.messages[id as usize]
    }

    pub fn message_by_name(&self, name: &str) -> Option<&Message> {
        self.by_name.get(name).map(|&id| self.message(id))
    }

    /// The top-level message of a kind; meta/v1 kinds (`Status`, `WatchEvent`...) resolve in any group version.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<&Message> {
        if let Some(&id) = self
            .kinds
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
        {
            return Some(self.message(id));
        }
        self.message_by_name(&format!("{META_V1}{kind}"))
            .filter(|_| META_KINDS.contains(&kind))
    }

    pub fn kind_of(&self, gvk: &GroupVersionKind) -> Option<&Message> {
        self.kind(&gvk.group, &gvk.version, &gvk.kind)
    }

    /// Every (group, version, kind) with a message, sorted.
    pub fn kinds(&self) -> Vec<(&str, &str, &str, &Message)> {
        let mut out: Vec<_> = self
            .kinds
            .iter()
            .map(|((g, v, k), &id)| (g.as_str(), v.as_str(), k.as_str(), self.message(id)))
            .collect();
        out.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        out
    }
}

/// The meta/v1 kinds that are registered in every group version.
const META_KINDS: &[&str] = &[
    "Status",
    "WatchEvent",
    "DeleteOptions",
    "ListOptions",
    "GetOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "APIGroup",
    "APIGroupList",
    "APIResourceList",
    "APIVersions",
    "Table",
    "PartialObjectMetadata",
    "PartialObjectMetadataList",
];

/// The schema, parsed from the embedded data file on first use.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| match load(include_str!("../data/schema.json")) {
        Ok(s) => s,
        // The data file is committed and checked by tests; a broken one is a build defect.
        Err(err) => panic!("data/schema.json is invalid: {err}"),
    })
}

#[derive(Deserialize)]
struct RawData {
    kinds: Vec<(String, String, String, String)>,
    messages: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct RawField {
    j: String,
    n: u32,
    t: String,
    #[serde(default)]
    c: Option<String>,
    g: String,
    #[serde(default)]
    inline: bool,
    #[serde(default)]
    ps: Option<String>,
    #[serde(default)]
    pk: Option<String>,
    #[serde(default)]
    lt: Option<String>,
    #[serde(default)]
    lk: Vec<String>,
}

fn special_of(name: &str) -> Special {
    match name {
        "k8s.io.apimachinery.pkg.apis.meta.v1.Time" => Special::Time,
        "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" => Special::MicroTime,
        "k8s.io.apimachinery.pkg.apis.meta.v1.Duration" => Special::Duration,
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => Special::IntOrString,
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => Special::Quantity,
        "k8s.io.apimachinery.pkg.runtime.RawExtension" => Special::RawJson,
        "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1" => Special::FieldsV1,
        n if n.starts_with("k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.") => {
            match n.rsplit('.').next().unwrap_or_default() {
                "JSON" => Special::RawJson,
                "JSONSchemaPropsOrArray" => Special::SchemaOrArray,
                "JSONSchemaPropsOrBool" => Special::SchemaOrBool,
                "JSONSchemaPropsOrStringArray" => Special::SchemaOrStringArray,
                _ => Special::None,
            }
        }
        _ => Special::None,
    }
}

/// Parses the data file.
pub(crate) fn load(text: &str) -> Result<Schema, String> {
    let raw: RawData = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let by_name: HashMap<String, MessageId> = raw
        .messages
        .keys()
        .enumerate()
        .map(|(i, name)| (name.clone(), i as MessageId))
        .collect();
    let mut messages = Vec::with_capacity(raw.messages.len());
    for (i, (name, fields)) in raw.messages.into_iter().enumerate() {
        let raw_fields: Vec<RawField> = serde_json::from_value(fields).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::with_capacity(raw_fields.len());
        for f in raw_fields {
            let ty = match f.t.as_str() {
                "string" => FieldType::String,
                "int32" => FieldType::Int32,
                "int64" => FieldType::Int64,
                "bool" => FieldType::Bool,
                "bytes" => FieldType::Bytes,
                "double" => FieldType::Double,
                other => FieldType::Message(
                    *by_name
                        .get(other)
                        .ok_or_else(|| format!("{name}.{}: no message {other}", f.j))?,
                ),
            };
            let card = match f.c.as_deref() {
                None | Some("opt") => Cardinality::Optional,
                Some("rep") => Cardinality::Repeated,
                Some("map") => Cardinality::Map,
                Some(other) => return Err(format!("{name}.{}: bad cardinality {other}", f.j)),
            };
            let go = match f.g.as_str() {
                "req" => GoPresence::Required,
                "ptr" => GoPresence::Pointer,
                "val" => GoPresence::Value,
                "omitzero" => GoPresence::OmitZero,
                other => return Err(format!("{name}.{}: bad go presence {other}", f.j)),
            };
            let mut strategy = PatchStrategy::default();
            for s in f.ps.as_deref().unwrap_or_default().split(',') {
                match s {
                    "merge" => strategy.merge = true,
                    "retainKeys" => strategy.retain_keys = true,
                    "replace" => strategy.replace = true,
                    _ => {}
                }
            }
            out.push(Field {
                json_key: format!("{}:", serde_json::Value::from(f.j.as_str())),
                json: f.j,
                number: f.n,
                ty,
                card,
                go,
                inline: f.inline,
                patch_strategy: strategy,
                patch_merge_key: f.pk,
                list_type: f.lt,
                list_map_keys: f.lk,
            });
        }
        let max = out.iter().map(|f| f.number).max().unwrap_or(0) as usize;
        let mut by_number = vec![0u16; max + 1];
        for (fi, f) in out.iter().enumerate() {
            by_number[f.number as usize] = fi as u16 + 1;
        }
        let loud = out
            .iter()
            .enumerate()
            .filter(|(_, f)| f.inline || !silent_when_absent(f))
            .map(|(i, _)| i as u16)
            .collect();
        messages.push(Message {
            id: i as MessageId,
            special: special_of(&name),
            name,
            fields: out,
            by_json: HashMap::default(),
            by_number,
            loud,
        });
    }
    // JSON name indexes, with inline structs' names (recursively) pointing at the inline field.
    for i in 0..messages.len() {
        let mut index: HashMap<String, JsonTarget, foldhash::fast::FixedState> = HashMap::default();
        for (fi, f) in messages[i].fields.iter().enumerate() {
            if f.inline {
                let mut names = Vec::new();
                inline_names(&messages, f.ty, &mut names, 0);
                for n in names {
                    index.entry(n).or_insert(JsonTarget::Inline(fi as u16));
                }
            } else {
                index.insert(f.json.clone(), JsonTarget::Direct(fi as u16));
            }
        }
        messages[i].by_json = index;
    }
    let mut kinds: HashMap<(String, String, String), MessageId, foldhash::fast::FixedState> = HashMap::default();
    for (g, v, k, m) in raw.kinds {
        let id = *by_name.get(&m).ok_or_else(|| format!("kind {k}: no message {m}"))?;
        kinds.insert((g, v, k), id);
    }
    Ok(Schema {
        messages,
        by_name,
        kinds,
    })
}

fn inline_names(messages: &[Message], ty: FieldType, out: &mut Vec<String>, depth: usize) {
    let FieldType::Message(id) = ty else { return };
    if depth > 4 {
        return;
    }
    for f in &messages[id as usize].fields {
        if f.inline {
            inline_names(messages, f.ty, out, depth + 1);
        } else {
            out.push(f.json.clone());
        }
    }
}

impl PatchMeta for Message {
    fn field(&self, json_name: &str) -> Option<FieldPatch<'_>> {
        let f = self.field_by_json(json_name)?;
        let target = match f.ty {
            FieldType::Message(id) => {
                let m = schema().message(id);
                (m.special == Special::None).then_some(m)
            }
            _ => None,
        };
        let kind = match f.card {
            Cardinality::Repeated => FieldKind::List,
            Cardinality::Map => FieldKind::Map,
            Cardinality::Optional if target.is_some() => FieldKind::Object,
            Cardinality::Optional => FieldKind::Primitive,
        };
        Some(FieldPatch {
            kind,
            strategy: f.patch_strategy,
            merge_key: f.patch_merge_key.as_deref(),
            schema: target.map(|m| m as &dyn PatchMeta),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_resolve_to_messages_in_go_order() {
        let s = schema();
        let pod = s.kind("", "v1", "Pod").unwrap();
        assert_eq!(pod.name, "k8s.io.api.core.v1.Pod");
        let names: Vec<&str> = pod.fields.iter().map(|f| f.json.as_str()).collect();
        assert_eq!(names, ["metadata", "spec", "status"]);
        let spec = s.message_by_name("k8s.io.api.core.v1.PodSpec").unwrap();
        assert_eq!(spec.fields[0].json, "volumes");
        assert_eq!(spec.fields[1].json, "initContainers");
        assert_eq!(spec.fields[1].number, 20);
        assert!(s.kind("apps", "v1", "DeploymentList").is_some());
        assert_eq!(
            s.kind("apps", "v1", "Status").unwrap().name,
            "k8s.io.apimachinery.pkg.apis.meta.v1.Status"
        );
        assert!(s.kind("apps", "v1", "Nope").is_none());
    }

    #[test]
    fn inline_fields_are_found_by_their_json_names() {
        let volume = schema().message_by_name("k8s.io.api.core.v1.Volume").unwrap();
        let f = volume.field_by_json("configMap").unwrap();
        assert_eq!(f.number, 19);
        assert!(volume.field_by_json("volumeSource").is_none());
    }

    #[test]
    fn patch_meta_walks_containers_by_name() {
        let pod = schema().kind("", "v1", "Pod").unwrap();
        let spec = pod.field("spec").unwrap();
        assert_eq!(spec.kind, FieldKind::Object);
        let containers = spec.schema.unwrap().field("containers").unwrap();
        assert_eq!(containers.kind, FieldKind::List);
        assert!(containers.strategy.merge);
        assert_eq!(containers.merge_key, Some("name"));
        let ports = containers.schema.unwrap().field("ports").unwrap();
        assert_eq!(ports.merge_key, Some("containerPort"));
        let volumes = spec.schema.unwrap().field("volumes").unwrap();
        assert!(volumes.strategy.retain_keys);
        let labels = pod.field("metadata").unwrap().schema.unwrap().field("labels").unwrap();
        assert_eq!(labels.kind, FieldKind::Map);
        assert!(labels.schema.is_none());
        let created = pod
            .field("metadata")
            .unwrap()
            .schema
            .unwrap()
            .field("creationTimestamp")
            .unwrap();
        assert_eq!(created.kind, FieldKind::Primitive);
    }
}

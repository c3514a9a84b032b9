//! The `paths` of a group version: collection, item and subresource endpoints of each served resource, with
//! the `x-kubernetes-action` and `x-kubernetes-group-version-kind` extensions kubectl looks up (a PATCH
//! operation that lists `fieldValidation` tells kubectl the server validates fields itself).

use std::collections::BTreeSet;

use ferrokube_apimachinery::resources::{self, ResourceInfo, Verb};
use ferrokube_apischema::{MessageId, schema};
use serde_json::{Map, Value, json};

use crate::Flavor;
use crate::definitions::sorted;
use crate::names::{definition_name, gv_prefix, op_stem, reference, tag};

const PRODUCES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];
const PRODUCES_LIST: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];
const CONSUMES_PATCH: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];
const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.";
/// Subresources that stream or proxy rather than read and write an object.
const CONNECT_SUBRESOURCES: &[&str] = &["attach", "exec", "log", "portforward", "proxy"];

/// A query or path parameter: name, JSON type and a short description.
type Param = (&'static str, &'static str, &'static str);

const LIST_PARAMS: &[Param] = &[
    ("allowWatchBookmarks", "boolean", "Ask for BOOKMARK events in a watch."),
    (
        "continue",
        "string",
        "The continue token of the previous page of a chunked list.",
    ),
    (
        "fieldSelector",
        "string",
        "Only objects whose fields match this selector.",
    ),
    (
        "labelSelector",
        "string",
        "Only objects whose labels match this selector.",
    ),
    (
        "limit",
        "integer",
        "At most this many items; the rest come with the continue token.",
    ),
    (
        "resourceVersion",
        "string",
        "Which resource version the list or watch is served at.",
    ),
    (
        "resourceVersionMatch",
        "string",
        "How resourceVersion is applied to a list.",
    ),
    (
        "sendInitialEvents",
        "boolean",
        "Start a watch with the current state as synthetic ADDED events.",
    ),
    (
        "timeoutSeconds",
        "integer",
        "Ends the list or watch after this many seconds.",
    ),
    ("watch", "boolean", "Stream changes instead of returning a list."),
];
const WRITE_PARAMS: &[Param] = &[
    (
        "dryRun",
        "string",
        "All: run admission and validation but persist nothing.",
    ),
    (
        "fieldManager",
        "string",
        "The name of the actor making the change, for managed fields.",
    ),
    (
        "fieldValidation",
        "string",
        "Ignore, Warn or Strict: what to do with unknown and duplicate fields in the body.",
    ),
];
const FORCE_PARAM: Param = ("force", "boolean", "Take over conflicting fields in an apply request.");
const DELETE_PARAMS: &[Param] = &[
    (
        "dryRun",
        "string",
        "All: run admission and validation but persist nothing.",
    ),
    (
        "gracePeriodSeconds",
        "integer",
        "Seconds before the object is deleted; 0 deletes at once.",
    ),
    (
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "boolean",
        "Delete objects that cannot be read from storage.",
    ),
    ("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
    (
        "propagationPolicy",
        "string",
        "Orphan, Background or Foreground garbage collection of dependents.",
    ),
];
const PRETTY: Param = ("pretty", "string", "Pretty-print the output when true.");
const NAME: Param = ("name", "string", "The object's name.");
const NAMESPACE: Param = ("namespace", "string", "The object's namespace.");

/// One operation of a path.
struct Op {
    method: &'static str,
    action: &'static str,
    id: String,
    gvk: (String, String, String),
    body: Option<String>,
    /// Response codes with their definition.
    responses: Vec<(&'static str, String)>,
    query: Vec<Param>,
    consumes: &'static [&'static str],
    produces: &'static [&'static str],
}

/// Where path items go as they are built, and the messages they refer to.
pub struct GroupVersionPaths<'a> {
    /// Receives each path with its item (collection, all namespaces, object, subresources, per resource);
    /// `None` when only the messages are wanted.
    pub sink: Option<&'a mut dyn FnMut(String, Value)>,
    pub messages: BTreeSet<MessageId>,
}

/// Builds the paths of a group version one at a time into `sink` and returns the messages they refer to.
pub fn group_version_paths(
    group: &str,
    version: &str,
    flavor: Flavor,
    sink: Option<&mut dyn FnMut(String, Value)>,
) -> BTreeSet<MessageId> {
    let mut out = GroupVersionPaths {
        sink,
        messages: BTreeSet::new(),
    };
    for r in resources::group_version_resources(group, version) {
        add_resource(r, flavor, &mut out);
    }
    out.messages
}

fn message_name(group: &str, version: &str, kind: &str) -> Option<(MessageId, String)> {
    let m = schema().kind(group, version, kind)?;
    Some((m.id, definition_name(&m.name)))
}

fn meta(kind: &str) -> Option<(MessageId, String)> {
    let m = schema().message_by_name(&format!("{META}{kind}"))?;
    Some((m.id, definition_name(&m.name)))
}

fn add_resource(r: &ResourceInfo, flavor: Flavor, out: &mut GroupVersionPaths<'_>) {
    let Some((kind_id, kind_def)) = message_name(r.group, r.version, r.kind) else {
        return;
    };
    out.messages.insert(kind_id);
    let list = message_name(r.group, r.version, &format!("{}List", r.kind));
    let status = meta("Status");
    let delete_options = meta("DeleteOptions");
    let patch = meta("Patch");
    for m in [&list, &status, &delete_options, &patch].into_iter().flatten() {
        out.messages.insert(m.0);
    }
    let status_def = status.map(|s| s.1).unwrap_or_default();
    let stem = op_stem(r.group, r.version);
    let scoped = if r.namespaced() { "Namespaced" } else { "" };
    let gvk = (r.group.to_string(), r.version.to_string(), r.kind.to_string());
    let prefix = gv_prefix(r.group, r.version);
    let collection = if r.namespaced() {
        format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
    } else {
        format!("{prefix}/{}", r.plural)
    };
    let item = format!("{collection}/{{name}}");
    let scope_params: &[Param] = if r.namespaced() { &[NAMESPACE] } else { &[] };
    let item_params: Vec<Param> = [NAME].into_iter().chain(scope_params.iter().copied()).collect();

    let op = |method, action, verb: &str, suffix: &str| Op {
        method,
        action,
        id: format!("{verb}{stem}{scoped}{}{suffix}", r.kind),
        gvk: gvk.clone(),
        body: None,
        responses: Vec::new(),
        query: Vec::new(),
        consumes: &[],
        produces: PRODUCES,
    };

    // The collection.
    let mut ops = Vec::new();
    if r.supports(Verb::List)
        && let Some((_, list_def)) = &list
    {
        let mut o = op("get", "list", "list", "");
        o.responses = vec![("200", list_def.clone())];
        o.query = LIST_PARAMS.to_vec();
        o.produces = PRODUCES_LIST;
        ops.push(o);
    }
    if r.supports(Verb::Create) {
        let mut o = op("post", "post", "create", "");
        o.body = Some(kind_def.clone());
        o.responses = ["200", "201", "202"].iter().map(|c| (*c, kind_def.clone())).collect();
        o.query = WRITE_PARAMS.to_vec();
        ops.push(o);
    }
    if r.supports(Verb::DeleteCollection) {
        let mut o = op("delete", "deletecollection", "deleteCollection", "");
        o.body = delete_options.as_ref().map(|d| d.1.clone());
        o.responses = vec![("200", status_def.clone())];
        o.query = DELETE_PARAMS.iter().chain(LIST_PARAMS).copied().collect();
        ops.push(o);
    }
    insert_path(out, flavor, &collection, scope_params, ops);

    // Every namespace's objects.
    if r.namespaced()
        && r.supports(Verb::List)
        && let Some((_, list_def)) = &list
    {
        let mut o = op("get", "list", "list", "ForAllNamespaces");
        o.id = format!("list{stem}{}ForAllNamespaces", r.kind);
        o.responses = vec![("200", list_def.clone())];
        o.query = LIST_PARAMS.to_vec();
        o.produces = PRODUCES_LIST;
        insert_path(out, flavor, &format!("{prefix}/{}", r.plural), &[], vec![o]);
    }

    // The object.
    let mut ops = Vec::new();
    if r.supports(Verb::Get) {
        let mut o = op("get", "get", "read", "");
        o.responses = vec![("200", kind_def.clone())];
        ops.push(o);
    }
    if r.supports(Verb::Update) {
        let mut o = op("put", "put", "replace", "");
        o.body = Some(kind_def.clone());
        o.responses = ["200", "201"].iter().map(|c| (*c, kind_def.clone())).collect();
        o.query = WRITE_PARAMS.to_vec();
        ops.push(o);
    }
    if r.supports(Verb::Patch) {
        ops.push(patch_op(op("patch", "patch", "patch", ""), &patch, &kind_def));
    }
    if r.supports(Verb::Delete) {
        let mut o = op("delete", "delete", "delete", "");
        o.body = delete_options.as_ref().map(|d| d.1.clone());
        o.responses = vec![("200", status_def.clone()), ("202", status_def.clone())];
        o.query = DELETE_PARAMS.to_vec();
        ops.push(o);
    }
    insert_path(out, flavor, &item, &item_params, ops);

    // Subresources that read and write objects.
    for sub in r.subresources {
        if CONNECT_SUBRESOURCES.contains(&sub.name) {
            continue;
        }
        let (g, v, k) = sub.response_kind(r);
        let Some((sub_id, sub_def)) = message_name(g, v, k) else {
            continue;
        };
        out.messages.insert(sub_id);
        let suffix = capitalize(sub.name);
        let sub_op = |method, action, verb: &str| {
            let mut o = op(method, action, verb, &suffix);
            o.gvk = (g.to_string(), v.to_string(), k.to_string());
            o
        };
        let mut ops = Vec::new();
        if sub.supports(Verb::Get) {
            let mut o = sub_op("get", "get", "read");
            o.responses = vec![("200", sub_def.clone())];
            ops.push(o);
        }
        if sub.supports(Verb::Create) {
            let mut o = sub_op("post", "post", "create");
            o.body = Some(sub_def.clone());
            o.responses = ["200", "201", "202"].iter().map(|c| (*c, sub_def.clone())).collect();
            o.query = WRITE_PARAMS.to_vec();
            ops.push(o);
        }
        if sub.supports(Verb::Update) {
            let mut o = sub_op("put", "put", "replace");
            o.body = Some(sub_def.clone());
            o.responses = ["200", "201"].iter().map(|c| (*c, sub_def.clone())).collect();
            o.query = WRITE_PARAMS.to_vec();
            ops.push(o);
        }
        if sub.supports(Verb::Patch) {
            ops.push(patch_op(sub_op("patch", "patch", "patch"), &patch, &sub_def));
        }
        insert_path(out, flavor, &format!("{item}/{}", sub.name), &item_params, ops);
    }
}

fn patch_op(mut o: Op, patch: &Option<(MessageId, String)>, kind_def: &str) -> Op {
    o.body = patch.as_ref().map(|p| p.1.clone());
    o.responses = ["200", "201"].iter().map(|c| (*c, kind_def.to_string())).collect();
    o.query = WRITE_PARAMS.iter().copied().chain([FORCE_PARAM]).collect();
    o.consumes = CONSUMES_PATCH;
    o
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn insert_path(out: &mut GroupVersionPaths<'_>, flavor: Flavor, path: &str, path_params: &[Param], ops: Vec<Op>) {
    let Some(sink) = out.sink.as_mut() else { return };
    if ops.is_empty() {
        return;
    }
    let mut item = Map::new();
    for o in &ops {
        item.insert(o.method.to_string(), operation(o, flavor));
    }
    let mut params: Vec<Value> = path_params.iter().map(|p| parameter(*p, "path", flavor)).collect();
    params.push(parameter(PRETTY, "query", flavor));
    item.insert("parameters".into(), Value::Array(params));
    sink(path.to_string(), Value::Object(sorted(item)));
}

fn parameter((name, ty, description): Param, location: &str, flavor: Flavor) -> Value {
    let mut p = Map::new();
    p.insert("description".into(), description.into());
    p.insert("in".into(), location.into());
    p.insert("name".into(), name.into());
    if location == "path" {
        p.insert("required".into(), true.into());
    }
    match flavor {
        Flavor::V2 => {
            p.insert("type".into(), ty.into());
            p.insert("uniqueItems".into(), true.into());
        }
        Flavor::V3 => {
            p.insert("schema".into(), json!({"type": ty, "uniqueItems": true}));
        }
    }
    Value::Object(sorted(p))
}

fn operation(o: &Op, flavor: Flavor) -> Value {
    let mut v = Map::new();
    v.insert("description".into(), format!("{} {}", o.action, o.gvk.2).into());
    v.insert("operationId".into(), o.id.clone().into());
    v.insert("tags".into(), json!([tag(&o.gvk.0, &o.gvk.1)]));
    let mut params: Vec<Value> = Vec::new();
    let mut responses = Map::new();
    match flavor {
        Flavor::V2 => {
            if let Some(body) = &o.body {
                params.push(json!({"in": "body", "name": "body", "required": true,
                    "schema": {"$ref": reference(body, flavor)}}));
            }
            if !o.consumes.is_empty() {
                v.insert("consumes".into(), json!(o.consumes));
            }
            v.insert("produces".into(), json!(o.produces));
            v.insert("schemes".into(), json!(["https"]));
            for (code, def) in &o.responses {
                responses.insert(
                    (*code).to_string(),
                    json!({"description": status_text(code), "schema": {"$ref": reference(def, flavor)}}),
                );
            }
        }
        Flavor::V3 => {
            if let Some(body) = &o.body {
                let types: &[&str] = if o.consumes.is_empty() { PRODUCES } else { o.consumes };
                let content: Map<String, Value> = types
                    .iter()
                    .map(|t| ((*t).to_string(), json!({"schema": {"$ref": reference(body, flavor)}})))
                    .collect();
                v.insert("requestBody".into(), json!({"content": content, "required": true}));
            }
            for (code, def) in &o.responses {
                let content: Map<String, Value> = o
                    .produces
                    .iter()
                    .map(|t| ((*t).to_string(), json!({"schema": {"$ref": reference(def, flavor)}})))
                    .collect();
                responses.insert(
                    (*code).to_string(),
                    json!({"description": status_text(code), "content": content}),
                );
            }
        }
    }
    responses.insert("401".into(), json!({"description": "Unauthorized"}));
    params.extend(o.query.iter().map(|p| parameter(*p, "query", flavor)));
    v.insert("parameters".into(), Value::Array(params));
    v.insert("responses".into(), Value::Object(responses));
    v.insert("x-kubernetes-action".into(), o.action.into());
    v.insert(
        "x-kubernetes-group-version-kind".into(),
        json!({"group": o.gvk.0, "kind": o.gvk.2, "version": o.gvk.1}),
    );
    Value::Object(sorted(v))
}

fn status_text(code: &str) -> &'static str {
    match code {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        _ => "",
    }
}

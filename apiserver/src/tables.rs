//! `as=Table` responses for `kubectl get`, through the printers crate.

use std::time::SystemTime;

use ferrokube_printers::{IncludeObject, TableOptions};
use serde_json::{Map, Value};

use crate::codec::Target;
use crate::resource::ResourceSpec;

/// A Table of `objects`; `list_meta` carries resourceVersion/continue of a list.
pub fn table(
    spec: &ResourceSpec,
    objects: &[Value],
    list_meta: Option<&Map<String, Value>>,
    _list_rv: Option<i64>,
    target: Target,
) -> Value {
    table_with(spec, objects, list_meta, target, IncludeObject::Metadata, false)
}

pub fn table_with(
    spec: &ResourceSpec,
    objects: &[Value],
    list_meta: Option<&Map<String, Value>>,
    target: Target,
    include_object: IncludeObject,
    no_headers: bool,
) -> Value {
    let api_version = if target.meta_version == "v1beta1" {
        "meta.k8s.io/v1beta1"
    } else {
        "meta.k8s.io/v1"
    };
    if let Some(crd) = &spec.crd {
        return custom_resource_table(crd, objects, list_meta, api_version, include_object);
    }
    let opts = TableOptions {
        include_object,
        no_headers,
        api_version,
    };
    let meta = list_meta.map(|m| Value::Object(m.clone()));
    ferrokube_printers::table(
        spec.info.group,
        spec.info.plural,
        objects,
        meta.as_ref(),
        &opts,
        SystemTime::now(),
    )
}

/// A custom resource's Table: Name, then the CRD's printer columns (`date` columns as ages).
fn custom_resource_table(
    crd: &crate::crd::CrdVersion,
    objects: &[Value],
    list_meta: Option<&Map<String, Value>>,
    api_version: &str,
    include_object: IncludeObject,
) -> Value {
    use serde_json::json;
    let mut columns = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", "priority": 0}),
    ];
    for c in &crd.printer_columns {
        columns.push(json!({
            "name": c["name"],
            "type": c["type"],
            "format": c.get("format").cloned().unwrap_or(json!("")),
            "description": c.get("description").cloned().unwrap_or(json!("")),
            "priority": c.get("priority").cloned().unwrap_or(json!(0)),
        }));
    }
    let now = ferrokube_printers::time::Timestamp::from_system_time(SystemTime::now());
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut cells = vec![json!(crate::object::name(o))];
            for c in &crd.printer_columns {
                let v = crate::crd::json_path(o, c["jsonPath"].as_str().unwrap_or("")).cloned();
                let cell = match (c["type"].as_str(), v) {
                    (Some("date"), Some(Value::String(ts))) => match ferrokube_printers::time::Timestamp::parse(&ts) {
                        Some(t) => json!(ferrokube_printers::time::since(t, now)),
                        None => json!(ts),
                    },
                    (_, Some(v)) => v,
                    (_, None) => Value::Null,
                };
                cells.push(cell);
            }
            let object = match include_object {
                IncludeObject::None => Value::Null,
                IncludeObject::Object => o.clone(),
                IncludeObject::Metadata => json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": api_version,
                    "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
                }),
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta.cloned().unwrap_or_default(),
        "columnDefinitions": columns,
        "rows": rows,
    })
}

//! Assembling the `meta.k8s.io` Table: column definitions, rows and the list metadata.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::format::{int_at, name, str_at};
use crate::print::{self, Printer};
use crate::time::Timestamp;

/// What each row's `object` holds (the request's `includeObject` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// `None`: `object` is `null`.
    None,
    /// `Metadata` (the default): a `PartialObjectMetadata` with the object's metadata.
    #[default]
    Metadata,
    /// `Object`: the whole object as served.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query value; empty means `Metadata`. `None` for unknown values
    /// (upstream answers 400 `unrecognized includeObject value: "x"`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "" | "Metadata" => Some(IncludeObject::Metadata),
            "None" => Some(IncludeObject::None),
            "Object" => Some(IncludeObject::Object),
            _ => None,
        }
    }
}

/// How to build the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    /// What each row's `object` holds.
    pub include_object: IncludeObject,
    /// `TableOptions.noHeaders`: leave `columnDefinitions` out (`null`).
    pub no_headers: bool,
    /// The Table's group version: `meta.k8s.io/v1` (default) or `meta.k8s.io/v1beta1`; partial
    /// object metadata rows use the same.
    pub api_version: &'static str,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            include_object: IncludeObject::Metadata,
            no_headers: false,
            api_version: "meta.k8s.io/v1",
        }
    }
}

/// The `object` of a row.
fn row_object(obj: &Value, options: &TableOptions) -> Value {
    match options.include_object {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => {
            let mut m = Map::new();
            m.insert("kind".into(), "PartialObjectMetadata".into());
            m.insert("apiVersion".into(), options.api_version.into());
            let metadata = obj.get("metadata").filter(|v| v.is_object()).cloned();
            m.insert("metadata".into(), metadata.unwrap_or_else(|| Value::Object(Map::new())));
            Value::Object(m)
        }
    }
}

/// A row: `cells`, `conditions` (omitted when empty) and `object`.
fn row(printer: &Printer, obj: &Value, now: Timestamp, options: &TableOptions) -> Value {
    let mut m = Map::new();
    m.insert("cells".into(), Value::Array((printer.cells)(obj, now)));
    let conditions = (printer.conditions)(obj);
    if !conditions.is_empty() {
        m.insert("conditions".into(), Value::Array(conditions));
    }
    m.insert("object".into(), row_object(obj, options));
    Value::Object(m)
}

/// Builds a Table for `objects` of `group`/`resource`.
///
/// `list_metadata` is the list's `metadata` (its `resourceVersion`, `continue` and
/// `remainingItemCount` are carried over); pass `None` when rendering a single object, whose own
/// `resourceVersion` is then used. Upstream's printers always render the wide columns; clients
/// hide priority-1 columns themselves.
pub fn table(
    group: &str,
    resource: &str,
    objects: &[Value],
    list_metadata: Option<&Value>,
    options: &TableOptions,
    now: SystemTime,
) -> Value {
    let now = Timestamp::from_system_time(now);
    let registered = print::lookup(group, resource);
    let printer = registered.unwrap_or(print::DEFAULT);

    let mut order: Vec<&Value> = objects.iter().collect();
    if (group, resource) == ("flowcontrol.apiserver.k8s.io", "flowschemas") {
        // Upstream prints flow schema lists in matching order: precedence, then name.
        order.sort_by(|a, b| {
            let key = |o: &Value| (int_at(o, &["spec", "matchingPrecedence"]), name(o).to_string());
            key(a).cmp(&key(b))
        });
    }
    let rows: Vec<Value> = order.into_iter().map(|o| row(&printer, o, now, options)).collect();
    // The default convertor appends to a nil slice, so an empty result encodes as null.
    let rows = if rows.is_empty() && registered.is_none() {
        Value::Null
    } else {
        Value::Array(rows)
    };

    let mut metadata = Map::new();
    match list_metadata {
        Some(list) => {
            let rv = str_at(list, &["resourceVersion"]);
            if !rv.is_empty() {
                metadata.insert("resourceVersion".into(), rv.into());
            }
            let cont = str_at(list, &["continue"]);
            if !cont.is_empty() {
                metadata.insert("continue".into(), cont.into());
            }
            if let Some(remaining) = list.get("remainingItemCount").filter(|v| v.is_i64() || v.is_u64()) {
                metadata.insert("remainingItemCount".into(), remaining.clone());
            }
        }
        None => {
            let rv = objects
                .first()
                .map_or("", |o| str_at(o, &["metadata", "resourceVersion"]));
            if !rv.is_empty() {
                metadata.insert("resourceVersion".into(), rv.into());
            }
        }
    }

    let column_definitions = if options.no_headers {
        Value::Null
    } else {
        Value::Array(printer.columns.iter().map(|c| c.to_json()).collect())
    };

    let mut t = Map::new();
    t.insert("kind".into(), "Table".into());
    t.insert("apiVersion".into(), options.api_version.into());
    t.insert("metadata".into(), Value::Object(metadata));
    t.insert("columnDefinitions".into(), column_definitions);
    t.insert("rows".into(), rows);
    Value::Object(t)
}

/// Builds a Table from a whole list response (`{"metadata": {...}, "items": [...]}`).
pub fn table_from_list(group: &str, resource: &str, list: &Value, options: &TableOptions, now: SystemTime) -> Value {
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let metadata = list
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    table(group, resource, items, Some(&metadata), options, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::{Duration, UNIX_EPOCH};

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_709_294_400) // 2024-03-01T12:00:00Z
    }

    fn cm(name: &str) -> Value {
        json!({"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "default", "resourceVersion": "7", "creationTimestamp": "2024-03-01T11:00:00Z"},
            "data": {"a": "b"}})
    }

    #[test]
    fn table_shape() {
        let list = json!({"kind": "ConfigMapList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "42", "continue": "abc", "remainingItemCount": 3}, "items": [cm("one")]});
        let t = table_from_list("", "configmaps", &list, &TableOptions::default(), now());
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["apiVersion", "columnDefinitions", "kind", "metadata", "rows"]);
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(
            t["metadata"],
            json!({"resourceVersion": "42", "continue": "abc", "remainingItemCount": 3})
        );
        let col_keys: Vec<&str> = t["columnDefinitions"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(col_keys, ["description", "format", "name", "priority", "type"]);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Data", "Age"]);
        assert_eq!(t["columnDefinitions"][0]["format"], "name");
        let row = &t["rows"][0];
        let row_keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(row_keys, ["cells", "object"]);
        assert_eq!(row["cells"], json!(["one", 1, "60m"]));
        assert_eq!(
            row["object"],
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": cm("one")["metadata"]})
        );
    }

    #[test]
    fn include_object_modes_and_no_headers() {
        let objs = [cm("one")];
        let none = TableOptions {
            include_object: IncludeObject::None,
            no_headers: true,
            ..TableOptions::default()
        };
        let t = table("", "configmaps", &objs, None, &none, now());
        assert_eq!(t["rows"][0]["object"], Value::Null);
        assert!(t.as_object().unwrap().contains_key("columnDefinitions"));
        assert_eq!(t["columnDefinitions"], Value::Null);
        assert_eq!(t["metadata"], json!({"resourceVersion": "7"}));
        let full = TableOptions {
            include_object: IncludeObject::Object,
            ..TableOptions::default()
        };
        let t = table("", "configmaps", &objs, None, &full, now());
        assert_eq!(t["rows"][0]["object"], objs[0]);
        assert_eq!(IncludeObject::parse(""), Some(IncludeObject::Metadata));
        assert_eq!(IncludeObject::parse("Object"), Some(IncludeObject::Object));
        assert_eq!(IncludeObject::parse("none"), None);
    }

    #[test]
    fn empty_lists_rows_array_or_null_as_upstream() {
        let list = json!({"metadata": {"resourceVersion": "5"}, "items": []});
        let t = table_from_list("", "pods", &list, &TableOptions::default(), now());
        assert_eq!(t["rows"], json!([]));
        let t = table_from_list(
            "rbac.authorization.k8s.io",
            "roles",
            &list,
            &TableOptions::default(),
            now(),
        );
        assert_eq!(t["rows"], Value::Null);
        assert_eq!(t["metadata"], json!({"resourceVersion": "5"}));
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Created At"]);
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
    }

    #[test]
    fn pod_rows_carry_conditions_between_cells_and_object() {
        let pod = json!({"metadata": {"name": "done"}, "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Failed"}});
        let t = table("", "pods", &[pod], None, &TableOptions::default(), now());
        let keys: Vec<&str> = t["rows"][0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["cells", "conditions", "object"]);
        assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Failed");
        assert_eq!(t["columnDefinitions"].as_array().unwrap().len(), 9);
        assert_eq!(t["columnDefinitions"][5]["priority"], 1);
    }

    #[test]
    fn flow_schemas_sorted_by_precedence_then_name() {
        let fs = |n: &str, p: i64| json!({"metadata": {"name": n}, "spec": {"matchingPrecedence": p}});
        let objs = [
            fs("global-default", 9900),
            fs("b", 1000),
            fs("a", 1000),
            fs("exempt", 1),
        ];
        let t = table(
            "flowcontrol.apiserver.k8s.io",
            "flowschemas",
            &objs,
            None,
            &TableOptions::default(),
            now(),
        );
        let names: Vec<&str> = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cells"][0].as_str().unwrap())
            .collect();
        assert_eq!(names, ["exempt", "a", "b", "global-default"]);
    }

    #[test]
    fn v1beta1_tables_use_their_group_version() {
        let opts = TableOptions {
            api_version: "meta.k8s.io/v1beta1",
            ..TableOptions::default()
        };
        let t = table("", "configmaps", &[cm("x")], None, &opts, now());
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(t["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1beta1");
    }
}

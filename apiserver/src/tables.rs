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
    let api_version = if target.meta_version == "v1beta1" { "meta.k8s.io/v1beta1" } else { "meta.k8s.io/v1" };
    let opts = TableOptions { include_object, no_headers, api_version };
    let meta = list_meta.map(|m| Value::Object(m.clone()));
    ferrokube_printers::table(spec.info.group, spec.info.plural, objects, meta.as_ref(), &opts, SystemTime::now())
}

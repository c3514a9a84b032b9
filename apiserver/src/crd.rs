//! Custom resources: serving the resources CustomResourceDefinitions declare (registration, discovery,
//! storage as JSON under `/registry/<group>/<plural>`), the CRD status conditions upstream's apiextensions
//! controllers maintain, and the custom-resource strategy (schema pruning, defaulting, validation,
//! status/spec split, generation).

pub mod structural;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use ferrokube_apimachinery::resources::{ResourceInfo, Scope, SubresourceInfo, SubresourceKind, Verb};
use ferrokube_apimachinery::status::field::{self, Path};
use ferrokube_apimachinery::status::{GroupKind, Status};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::apiserver::Apiserver;
use crate::cache::{Filter, WatchEventType};
use crate::object;
use crate::resource::ResourceSpec;

/// What one served version of a CRD declares.
#[derive(Debug)]
pub struct CrdVersion {
    /// `openAPIV3Schema`, when the version has one.
    pub schema: Option<Value>,
    pub status_subresource: bool,
    /// `.spec.replicas`-style paths of the scale subresource.
    pub scale: Option<ScalePaths>,
    /// `additionalPrinterColumns`, with upstream's default `Age` column when none are given.
    pub printer_columns: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

const STANDARD: &[Verb] = &[
    Verb::Create,
    Verb::Delete,
    Verb::DeleteCollection,
    Verb::Get,
    Verb::List,
    Verb::Patch,
    Verb::Update,
    Verb::Watch,
];
const SUB_VERBS: &[Verb] = &[Verb::Get, Verb::Patch, Verb::Update];

fn leak(s: &str) -> &'static str {
    static STRINGS: LazyLock<Mutex<HashMap<String, &'static str>>> = LazyLock::new(Default::default);
    let mut m = STRINGS.lock();
    if let Some(s) = m.get(s) {
        return s;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    m.insert(s.to_string(), leaked);
    leaked
}

/// Interns a ResourceInfo: CRDs are few and change rarely, so each distinct declaration is kept once.
fn intern(info: ResourceInfo) -> &'static ResourceInfo {
    static INFOS: LazyLock<Mutex<HashMap<String, &'static ResourceInfo>>> = LazyLock::new(Default::default);
    let key = format!("{info:?}");
    let mut m = INFOS.lock();
    if let Some(i) = m.get(&key) {
        return i;
    }
    let leaked: &'static ResourceInfo = Box::leak(Box::new(info));
    m.insert(key, leaked);
    leaked
}

fn strs(v: Option<&Value>) -> &'static [&'static str] {
    let items: Vec<&'static str> = v
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(leak).collect())
        .unwrap_or_default();
    Box::leak(items.into_boxed_slice())
}

/// The resource specs a CRD serves: one per served version.
pub fn specs_of(crd: &Value) -> Vec<ResourceSpec> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or("");
    let names = &spec["names"];
    let (Some(plural), Some(kind)) = (names["plural"].as_str(), names["kind"].as_str()) else {
        return Vec::new();
    };
    if group.is_empty() {
        return Vec::new();
    }
    let singular = names["singular"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_lowercase());
    let scope = if spec["scope"] == "Cluster" {
        Scope::Cluster
    } else {
        Scope::Namespaced
    };
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let storage_version = versions
        .iter()
        .find(|v| v["storage"] == true)
        .and_then(|v| v["name"].as_str())
        .unwrap_or("v1");
    let storage_resource = leak(&format!("{group}/{plural}"));
    versions
        .iter()
        .filter(|v| v["served"] == true)
        .filter_map(|v| {
            let version = v["name"].as_str()?;
            let status = v.pointer("/subresources/status").is_some();
            let scale = v.pointer("/subresources/scale").map(|s| ScalePaths {
                spec_replicas: s["specReplicasPath"].as_str().unwrap_or(".spec.replicas").to_string(),
                status_replicas: s["statusReplicasPath"]
                    .as_str()
                    .unwrap_or(".status.replicas")
                    .to_string(),
                label_selector: s["labelSelectorPath"].as_str().map(str::to_string),
            });
            let mut subs = Vec::new();
            if scale.is_some() {
                subs.push(SubresourceInfo {
                    name: "scale",
                    kind: SubresourceKind::Foreign {
                        group: "autoscaling",
                        version: "v1",
                        kind: "Scale",
                    },
                    verbs: SUB_VERBS,
                });
            }
            if status {
                subs.push(SubresourceInfo {
                    name: "status",
                    kind: SubresourceKind::Parent,
                    verbs: SUB_VERBS,
                });
            }
            let info = intern(ResourceInfo {
                group: leak(group),
                version: leak(version),
                kind: leak(kind),
                plural: leak(plural),
                singular: leak(&singular),
                scope,
                verbs: STANDARD,
                short_names: strs(names.get("shortNames")),
                categories: strs(names.get("categories")),
                subresources: Box::leak(subs.into_boxed_slice()),
            });
            let mut columns = v["additionalPrinterColumns"].as_array().cloned().unwrap_or_default();
            if columns.is_empty() {
                columns.push(json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}));
            }
            Some(ResourceSpec {
                info,
                storage_resource,
                storage_group: leak(group),
                storage_version: leak(storage_version),
                storage_kind: leak(kind),
                indexed_fields: crate::fieldsel::indexed_fields(group, kind),
                crd: Some(Arc::new(CrdVersion {
                    schema: v.pointer("/schema/openAPIV3Schema").cloned(),
                    status_subresource: status,
                    scale,
                    printer_columns: columns,
                })),
            })
        })
        .collect()
}

/// Keeps the served custom resources in step with the stored CRDs, and their status conditions current.
pub async fn run(api: Arc<Apiserver>) {
    let Some(crd_spec) = api.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions") else {
        return;
    };
    loop {
        let cache = api.cache(&crd_spec).await;
        let Ok((mut rx, _, _guard)) = cache.watch(0, true, Filter::default()) else {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        };
        while let Some(item) = rx.recv().await {
            let Ok(crd) = serde_json::from_slice::<Value>(&item.obj.json) else {
                continue;
            };
            match item.kind {
                WatchEventType::Deleted => api.unregister_crd(&crd),
                _ => {
                    if object::deletion_timestamp(&crd).is_some() {
                        cleanup(&api, &crd).await;
                        continue;
                    }
                    api.register_crd(&crd).await;
                    if let Err(e) = establish(&api, &crd_spec, &crd).await {
                        tracing::warn!(crd = object::name(&crd), error = %e.message, "updating CRD status failed");
                    }
                }
            }
        }
    }
}

/// A CRD being deleted: its custom resources go first, then the cleanup finalizer.
async fn cleanup(api: &Arc<Apiserver>, crd: &Value) {
    const FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";
    for spec in specs_of(crd).into_iter().take(1) {
        let spec = Arc::new(spec);
        if let Ok(list) = api.list(&spec, &Default::default()).await {
            for e in list.items {
                let _ = api.delete(&spec, &e.namespace, &e.name, &Default::default()).await;
            }
        }
    }
    api.unregister_crd(crd);
    let Some(crd_spec) = api.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions") else {
        return;
    };
    let _ = api
        .guaranteed_update(
            &crd_spec,
            "",
            object::name(crd),
            "",
            crate::strategy::Scope::Object,
            &Default::default(),
            |current| {
                let mut new = current.clone();
                let rest: Vec<String> = object::finalizers(current)
                    .into_iter()
                    .filter(|f| f != FINALIZER)
                    .collect();
                object::set_meta(&mut new, "finalizers", json!(rest));
                Ok(new)
            },
        )
        .await;
}

/// Sets the conditions and accepted names upstream's naming and establishing controllers set.
async fn establish(api: &Arc<Apiserver>, crd_spec: &Arc<ResourceSpec>, crd: &Value) -> Result<(), Status> {
    const FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";
    let names = crd.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let mut accepted = names.clone();
    if let Some(a) = accepted.as_object_mut() {
        if !a.contains_key("singular") {
            let kind = names["kind"].as_str().unwrap_or("").to_lowercase();
            a.insert("singular".into(), json!(kind));
        }
        if !a.contains_key("listKind") {
            a.insert(
                "listKind".into(),
                json!(format!("{}List", names["kind"].as_str().unwrap_or(""))),
            );
        }
    }
    let established = crd.pointer("/status/acceptedNames") == Some(&accepted)
        && crd
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
    if !object::finalizers(crd).iter().any(|f| f == FINALIZER) {
        api.guaranteed_update(
            crd_spec,
            "",
            object::name(crd),
            "",
            crate::strategy::Scope::Object,
            &Default::default(),
            |current| {
                let mut new = current.clone();
                let mut f = object::finalizers(current);
                if !f.iter().any(|x| x == FINALIZER) {
                    f.push(FINALIZER.into());
                }
                object::set_meta(&mut new, "finalizers", json!(f));
                Ok(new)
            },
        )
        .await?;
    }
    if established {
        return Ok(());
    }
    let now = object::now_rfc3339();
    let storage: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v["storage"] == true)
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    api.guaranteed_update(
        crd_spec,
        "",
        object::name(crd),
        "",
        crate::strategy::Scope::Status,
        &Default::default(),
        move |current| {
        let mut new = current.clone();
        let status = json!({
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
                {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
            ],
            "acceptedNames": accepted,
            "storedVersions": storage,
        });
        if let Some(m) = new.as_object_mut() {
            m.insert("status".into(), status);
        }
        Ok(new)
    })
    .await?;
    Ok(())
}

fn invalid(spec: &ResourceSpec, obj: &Value, errs: &[field::Error]) -> Status {
    Status::invalid(
        &GroupKind::new(spec.storage_group, spec.storage_kind),
        object::name(obj),
        errs,
    )
}

fn meta_errors(spec: &ResourceSpec, obj: &Value) -> Vec<field::Error> {
    let mut errs = Vec::new();
    let name = object::name(obj);
    let path = Path::new("metadata").child("name");
    if name.is_empty() {
        errs.push(field::required(&path, "name or generateName is required"));
    } else {
        for msg in ferrokube_apimachinery::validation::is_dns1123_subdomain(name) {
            errs.push(field::invalid(&path, name, msg));
        }
    }
    if spec.info.namespaced() && object::namespace(obj).is_empty() {
        errs.push(field::required(&Path::new("metadata").child("namespace"), ""));
    }
    errs
}

/// Create preparation and validation of a custom resource.
pub fn prepare_and_validate_create(spec: &ResourceSpec, crd: &CrdVersion, obj: &mut Value) -> Result<(), Status> {
    if crd.status_subresource
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    object::set_meta(obj, "generation", json!(1));
    let mut errs = meta_errors(spec, obj);
    if let Some(schema) = &crd.schema {
        structural::prune(obj, schema);
        structural::apply_defaults(obj, schema);
        errs.extend(structural::validate(obj, schema));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(spec, obj, &errs))
    }
}

/// Update preparation (status/spec split, generation) and validation of a custom resource.
pub fn prepare_and_validate_update(
    spec: &ResourceSpec,
    crd: &CrdVersion,
    new: &mut Value,
    old: &Value,
    status_only: bool,
) -> Result<(), Status> {
    if status_only {
        let status = new.get("status").cloned();
        let mut merged = old.clone();
        if let Some(m) = merged.as_object_mut() {
            match status {
                Some(s) => {
                    m.insert("status".into(), s);
                }
                None => {
                    m.remove("status");
                }
            }
        }
        if let Some(rv) = object::meta(new).and_then(|m| m.get("resourceVersion")).cloned() {
            object::set_meta(&mut merged, "resourceVersion", rv);
        }
        *new = merged;
    } else if crd.status_subresource
        && let Some(m) = new.as_object_mut()
    {
        match old.get("status") {
            Some(s) => {
                m.insert("status".into(), s.clone());
            }
            None => {
                m.remove("status");
            }
        }
    }
    let body = |o: &Value| -> Vec<(String, Value)> {
        o.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.as_str() != "metadata" && !(crd.status_subresource && k.as_str() == "status"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let generation = object::meta(old)
        .and_then(|m| m.get("generation"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let bumped = if body(new) != body(old) {
        generation + 1
    } else {
        generation
    };
    object::set_meta(new, "generation", json!(bumped));
    for f in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        match object::meta(old).and_then(|m| m.get(f)).cloned() {
            Some(v) => object::set_meta(new, f, v),
            None => {
                object::remove_meta(new, f);
            }
        }
    }
    let mut errs = meta_errors(spec, new);
    if let Some(schema) = &crd.schema {
        structural::prune(new, schema);
        structural::apply_defaults(new, schema);
        errs.extend(structural::validate(new, schema));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(spec, new, &errs))
    }
}

/// Unknown fields of a custom resource body, for `fieldValidation`.
pub fn unknown_fields(crd: &CrdVersion, obj: &Value) -> Vec<String> {
    let Some(schema) = &crd.schema else { return Vec::new() };
    let mut copy = obj.clone();
    structural::prune(&mut copy, schema)
        .into_iter()
        .map(|p| format!("unknown field \"{p}\""))
        .collect()
}

/// Evaluates the simple JSONPath subset printer columns use (`.spec.replicas`, `.status.conditions[0].type`).
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = obj;
    let path = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('$');
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

//! Builds the schema data file from k8s-pb (field numbers, wire types, Go field order, patch markers),
//! k8s-openapi's `v1_37` module (JSON names, required fields, kinds) and our hand-kept overrides.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where the two source crates live.
pub struct Sources {
    pub pb: PathBuf,
    pub openapi: PathBuf,
}

impl Sources {
    /// Finds `k8s-pb-0.9.0` and `k8s-openapi-0.29.0` under `$CARGO_HOME/registry/src/*/`.
    pub fn locate() -> Option<Sources> {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let mut pb = None;
        let mut openapi = None;
        for index in std::fs::read_dir(home.join("registry/src")).ok()?.flatten() {
            let p = index.path().join("k8s-pb-0.9.0/src");
            if pb.is_none() && p.is_dir() {
                pb = Some(p);
            }
            let o = index.path().join("k8s-openapi-0.29.0/src/v1_37");
            if openapi.is_none() && o.is_dir() {
                openapi = Some(o);
            }
        }
        Some(Sources {
            pb: pb?,
            openapi: openapi?,
        })
    }
}

/// The generated data file and what the generator noticed on the way.
pub struct Output {
    pub data: String,
    pub warnings: Vec<String>,
}

/// One field of a message, as written to the data file.
#[derive(Clone, Debug)]
struct Field {
    json: String,
    number: u32,
    /// `string`, `int32`, `int64`, `bool`, `bytes`, `double`, or a message's full proto name.
    ty: String,
    /// `opt`, `rep` or `map` (map keys are strings).
    card: &'static str,
    /// The k8s-pb type reference (`package|RustName`), for inline lookups.
    raw_ty: String,
    /// Go-side emptiness: `req` (no omitempty), `ptr` (presence), `val` (omitted when zero).
    go: String,
    inline: bool,
    patch_strategy: Option<String>,
    merge_key: Option<String>,
    list_type: Option<String>,
    list_map_keys: Vec<String>,
}

/// A message parsed from k8s-pb, before JSON names are attached.
struct PbMessage {
    package: String,
    rust_name: String,
    fields: Vec<PbField>,
}

struct PbField {
    rust_name: String,
    number: u32,
    ty: String,
    card: &'static str,
    markers: Vec<String>,
}

/// A struct's JSON fields from k8s-openapi: (json name, required).
struct OaStruct {
    fields: Vec<(String, bool)>,
}

struct OaKind {
    group: String,
    version: String,
    kind: String,
    list_kind: Option<String>,
    package: String,
    name: String,
}

/// Lowercased alphanumerics only: how names from the two crates are matched.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn package_of(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("k8s.io.{}", parts.join("."))
}

/// Parses every prost message in k8s-pb.
fn parse_pb(root: &Path) -> Vec<PbMessage> {
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut messages = Vec::new();
    for file in files {
        if file.file_name().is_none_or(|n| n != "mod.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let dir = file.parent().unwrap_or(root);
        let package = package_of(root, dir);
        let module: Vec<String> = package.split('.').skip(2).map(str::to_string).collect();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        let mut derive_message = false;
        while i < lines.len() {
            let line = lines[i].trim_end();
            if line.starts_with("#[derive(") {
                derive_message = line.contains("::prost::Message");
            }
            if let Some(rest) = line.strip_prefix("pub struct ")
                && derive_message
                && let Some(name) = rest.strip_suffix(" {}")
            {
                messages.push(PbMessage {
                    package: package.clone(),
                    rust_name: name.to_string(),
                    fields: Vec::new(),
                });
                derive_message = false;
            } else if let Some(rest) = line.strip_prefix("pub struct ")
                && derive_message
                && let Some(name) = rest.strip_suffix(" {")
            {
                let mut msg = PbMessage {
                    package: package.clone(),
                    rust_name: name.to_string(),
                    fields: Vec::new(),
                };
                let mut markers = Vec::new();
                let mut attr: Option<String> = None;
                i += 1;
                while i < lines.len() && lines[i] != "}" {
                    let l = lines[i].trim();
                    if let Some(doc) = l.strip_prefix("///") {
                        let doc = doc.trim();
                        if doc.starts_with('+') {
                            markers.push(doc.to_string());
                        }
                    } else if l.starts_with("#[prost(") {
                        attr = Some(l.to_string());
                    } else if let Some(decl) = l.strip_prefix("pub ") {
                        let mut decl = decl.to_string();
                        while !(decl.ends_with(',') && decl.matches('<').count() == decl.matches('>').count())
                            && i + 1 < lines.len()
                        {
                            i += 1;
                            decl.push_str(lines[i].trim());
                        }
                        if let Some(a) = attr.take()
                            && let Some(f) = pb_field(&a, &decl, &module, std::mem::take(&mut markers))
                        {
                            msg.fields.push(f);
                        }
                        markers.clear();
                    }
                    i += 1;
                }
                messages.push(msg);
                derive_message = false;
            }
            i += 1;
        }
    }
    messages
}

fn pb_field(attr: &str, decl: &str, module: &[String], markers: Vec<String>) -> Option<PbField> {
    let (name, ty_text) = decl.split_once(':')?;
    let rust_name = name.trim().trim_start_matches("r#").to_string();
    let tag_pos = attr.find("tag = \"")? + 7;
    let number: u32 = attr[tag_pos..].split('"').next()?.parse().ok()?;
    let inner = attr.strip_prefix("#[prost(")?;
    let (card, scalar) = if let Some(rest) = inner.strip_prefix("btree_map = \"string, ") {
        ("map", rest.split('"').next()?.to_string())
    } else {
        let kind = inner.split(',').next()?.trim();
        let kind = kind.split(' ').next()?.to_string();
        let card = if inner.contains("repeated") { "rep" } else { "opt" };
        (card, kind)
    };
    let ty = if scalar == "message" {
        resolve_type(ty_text, module)?
    } else {
        scalar
    };
    Some(PbField {
        rust_name,
        number,
        ty,
        card,
        markers,
    })
}

/// Turns `::core::option::Option<super::super::x::y::Name>` into `pkgpath|Name` (rust names).
fn resolve_type(ty: &str, module: &[String]) -> Option<String> {
    let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    let ty = ty.trim_end_matches([',', '>']);
    let last = ty.rsplit(['<', ',']).next()?;
    let segments: Vec<&str> = last.split("::").filter(|s| !s.is_empty()).collect();
    let (name, path) = segments.split_last()?;
    let mut base: Vec<String> = module.to_vec();
    let mut rest = Vec::new();
    for s in path {
        if *s == "super" {
            base.pop();
        } else {
            rest.push(s.to_string());
        }
    }
    base.extend(rest);
    Some(format!("k8s.io.{}|{}", base.join("."), name))
}

/// Parses k8s-openapi's Serialize impls (JSON names, required) and Resource impls (kinds).
fn parse_openapi(root: &Path) -> (HashMap<(String, String), OaStruct>, Vec<OaKind>) {
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut structs = HashMap::new();
    let mut kinds: Vec<OaKind> = Vec::new();
    let mut list_kinds: HashMap<(String, String), String> = HashMap::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "mod.rs" || n == "list.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let package = package_of(root, file.parent().unwrap_or(root));
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            if let Some(rest) = line.strip_prefix("impl crate::serde::Serialize for ")
                && let Some(name) = rest.strip_suffix(" {")
            {
                let mut fields = Vec::new();
                while i < lines.len() && lines[i] != "}" {
                    let l = lines[i];
                    if let Some(pos) = l.find("serialize_field(&mut state, \"") {
                        let after = &l[pos + 29..];
                        if let Some((json, value)) = after.split_once("\", ")
                            && !value.starts_with("<Self as crate::Resource>")
                        {
                            fields.push((json.to_string(), value.starts_with("&self.")));
                        }
                    }
                    i += 1;
                }
                structs.insert((package.clone(), name.to_string()), OaStruct { fields });
            } else if let Some(rest) = line.strip_prefix("impl crate::ListableResource for ")
                && let Some(name) = rest.strip_suffix(" {")
                && let Some(l) = lines.get(i + 1)
                && let Some(v) = l.trim().strip_prefix("const LIST_KIND: &'static str = \"")
            {
                list_kinds.insert(
                    (package.clone(), name.to_string()),
                    v.trim_end_matches("\";").to_string(),
                );
            } else if let Some(rest) = line.strip_prefix("impl crate::Resource for ")
                && let Some(name) = rest.strip_suffix(" {")
            {
                let mut consts: HashMap<String, String> = HashMap::new();
                while i < lines.len() && lines[i] != "}" {
                    let l = lines[i].trim();
                    if let Some(c) = l.strip_prefix("const ")
                        && let Some((k, v)) = c.split_once(": &'static str = \"")
                    {
                        consts.insert(k.to_string(), v.trim_end_matches("\";").to_string());
                    }
                    i += 1;
                }
                if let (Some(g), Some(v), Some(k)) = (consts.get("GROUP"), consts.get("VERSION"), consts.get("KIND")) {
                    kinds.push(OaKind {
                        group: g.clone(),
                        version: v.clone(),
                        kind: k.clone(),
                        list_kind: None,
                        package: package.clone(),
                        name: name.to_string(),
                    });
                }
            }
            i += 1;
        }
    }
    for k in &mut kinds {
        k.list_kind = list_kinds.get(&(k.package.clone(), k.name.clone())).cloned();
    }
    (structs, kinds)
}

/// Messages whose JSON form is not their fields (handled by hand in the transcoder).
const WELL_KNOWN: &[&str] = &[
    ".Time",
    ".MicroTime",
    ".Duration",
    ".IntOrString",
    ".Quantity",
    ".RawExtension",
    ".JSON",
    ".FieldsV1",
    ".JSONSchemaPropsOrArray",
    ".JSONSchemaPropsOrBool",
    ".JSONSchemaPropsOrStringArray",
];

/// The normalized JSON names a message contributes when inlined (nested inlines flattened by name).
fn json_visible(pb: &HashMap<String, &PbMessage>, ty: &str, depth: usize) -> Vec<String> {
    let Some(m) = pb.get(ty) else { return Vec::new() };
    let mut out = Vec::new();
    for f in &m.fields {
        out.push(norm(&f.rust_name));
        if depth < 3 && f.card == "opt" && f.ty.contains('|') {
            // A nested struct may itself be inlined; include its names as candidates.
            out.extend(json_visible(pb, &f.ty, depth + 1));
        }
    }
    out
}

/// Kinds promoted to a new version after k8s-pb's release keep their field numbers: copies the named
/// messages (and what they use that the target package lacks) from the older package into the newer.
fn clone_promoted(pb: &mut Vec<PbMessage>, overrides: &Value) -> Result<(), String> {
    let Some(specs) = overrides.get("promoted").and_then(Value::as_array) else {
        return Ok(());
    };
    for spec in specs {
        let get = |k: &str| {
            spec.get(k)
                .and_then(Value::as_str)
                .ok_or(format!("overrides.promoted: no {k}"))
        };
        let (from, to) = (get("from")?, get("to")?);
        let roots: Vec<&str> = spec
            .get("messages")
            .and_then(Value::as_array)
            .ok_or("overrides.promoted: no messages")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let in_target: HashSet<String> = pb
            .iter()
            .filter(|m| m.package == to)
            .map(|m| norm(&m.rust_name))
            .collect();
        let mut wanted: Vec<String> = Vec::new();
        let mut queue: Vec<String> = roots.iter().map(|r| norm(r)).collect();
        while let Some(n) = queue.pop() {
            if wanted.contains(&n) || in_target.contains(&n) {
                continue;
            }
            let m = pb
                .iter()
                .find(|m| m.package == from && norm(&m.rust_name) == n)
                .ok_or(format!("overrides.promoted: no message {n} in {from}"))?;
            for f in &m.fields {
                if let Some((package, name)) = f.ty.split_once('|')
                    && package == from
                {
                    queue.push(norm(name));
                }
            }
            wanted.push(n);
        }
        let from_prefix = format!("{from}|");
        let copies: Vec<PbMessage> = pb
            .iter()
            .filter(|m| m.package == from && wanted.contains(&norm(&m.rust_name)))
            .map(|m| PbMessage {
                package: to.to_string(),
                rust_name: m.rust_name.clone(),
                fields: m
                    .fields
                    .iter()
                    .map(|f| PbField {
                        rust_name: f.rust_name.clone(),
                        number: f.number,
                        ty: match f.ty.strip_prefix(&from_prefix) {
                            Some(name) => format!("{to}|{name}"),
                            None => f.ty.clone(),
                        },
                        card: f.card,
                        markers: f.markers.clone(),
                    })
                    .collect(),
            })
            .collect();
        pb.extend(copies);
    }
    Ok(())
}

/// Whether every field of `ty` appears in the parent's JSON, directly or through a nested inline.
fn inline_ok(pb: &HashMap<String, &PbMessage>, ty: &str, o: &[(String, bool)], depth: usize) -> bool {
    let Some(m) = pb.get(ty) else { return false };
    !m.fields.is_empty()
        && depth < 4
        && m.fields.iter().all(|f| {
            o.iter().any(|(json, _)| norm(json) == norm(&f.rust_name))
                || (f.card == "opt" && f.ty.contains('|') && inline_ok(pb, &f.ty, o, depth + 1))
        })
}

fn marker<'a>(markers: &'a [String], key: &str) -> Option<&'a str> {
    markers.iter().find_map(|m| m.strip_prefix(key))
}

/// Runs the generator: returns the data file's text.
pub fn generate(sources: &Sources, overrides_text: &str) -> Result<Output, String> {
    let overrides: Value = serde_json::from_str(overrides_text).map_err(|e| format!("overrides.json: {e}"))?;
    let mut warnings = Vec::new();
    let mut pb = parse_pb(&sources.pb);
    clone_promoted(&mut pb, &overrides)?;
    let (oa_structs, oa_kinds) = parse_openapi(&sources.openapi);

    // Proto names: k8s-openapi's struct names (and list kinds) are the Go/proto names; k8s-pb's are
    // prost-mangled (`HostIp`). Map (package, normalized) -> real name.
    let mut real_names: HashMap<(String, String), String> = HashMap::new();
    for (package, name) in oa_structs.keys() {
        real_names.insert((package.clone(), norm(name)), name.clone());
    }
    for k in &oa_kinds {
        real_names.insert((k.package.clone(), norm(&k.name)), k.name.clone());
        if let Some(list) = &k.list_kind {
            real_names.insert((k.package.clone(), norm(list)), list.clone());
        }
    }
    let real = |package: &str, rust: &str| -> String {
        let name = real_names
            .get(&(package.to_string(), norm(rust)))
            .cloned()
            .unwrap_or_else(|| rust.to_string());
        format!("{package}.{name}")
    };
    let resolve = |ty: &str| -> String {
        match ty.split_once('|') {
            Some((package, name)) => real(package, name),
            None => ty.to_string(),
        }
    };

    let go_overrides = overrides.get("go").and_then(Value::as_object);
    let mut messages: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    let mut openapi_fields: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for ((package, name), s) in &oa_structs {
        openapi_fields.insert(format!("{package}.{name}"), s.fields.clone());
    }
    // JSON names by normalized name over every k8s-openapi struct, for messages k8s-openapi has no
    // struct of its own for (VolumeSource and PersistentVolumeSource are inlined there; v1beta1 kinds it
    // dropped; option types): Kubernetes spells a name the same everywhere (downwardAPI, scaleIO, nodeID,
    // insecureSkipTLSVerify), which lower-camel-casing the Rust name gets wrong.
    // A name spelled two ways (`subresource` in authorization, `subResource` in admission) is ambiguous
    // and keeps the lower-camel-cased Rust name.
    let mut known_json: HashMap<String, Option<String>> = HashMap::new();
    for s in oa_structs.values() {
        for (json, _) in &s.fields {
            let entry = known_json.entry(norm(json)).or_insert_with(|| Some(json.clone()));
            if entry.as_deref().is_some_and(|j| j != json) {
                *entry = None;
            }
        }
    }
    // Names no k8s-openapi struct has.
    for json in ["insecureSkipTLSVerifyBackend", "desiredAPIVersion", "carpIP"] {
        known_json.entry(norm(json)).or_insert_with(|| Some(json.to_string()));
    }
    // Spelled differently in types k8s-openapi lacks (admission's `subResource`).
    known_json.insert(norm("subResource"), None);
    let json_name = |rust: &str| {
        known_json
            .get(&norm(rust))
            .cloned()
            .flatten()
            .unwrap_or_else(|| lower_camel(rust))
    };
    // Message field lists from k8s-pb, JSON names from k8s-openapi.
    let pb_by_name: HashMap<String, &PbMessage> = pb
        .iter()
        .map(|m| (format!("{}|{}", m.package, m.rust_name), m))
        .collect();
    for m in &pb {
        let full = real(&m.package, &m.rust_name);
        let oa = openapi_fields.get(&full);
        let mut fields = Vec::new();
        for f in &m.fields {
            let ty = resolve(&f.ty);
            let matched = oa.and_then(|o| o.iter().find(|(json, _)| norm(json) == norm(&f.rust_name)));
            let (json, required, inline) = match (matched, oa) {
                (Some((json, req)), _) => (json.clone(), *req, false),
                (None, Some(o)) => {
                    // An embedded struct whose fields are inlined in JSON (Volume.volumeSource).
                    let inline = inline_ok(&pb_by_name, &f.ty, o, 0);
                    if !inline && !WELL_KNOWN.iter().any(|w| full.ends_with(w)) {
                        warnings.push(format!(
                            "{full}.{}: in k8s-pb but not in k8s-openapi v1_37 (dropped)",
                            f.rust_name
                        ));
                        continue;
                    }
                    // Hand-encoded types keep their proto fields under their proto names.
                    let json = if inline {
                        f.rust_name.clone()
                    } else {
                        lower_camel(&f.rust_name)
                    };
                    (json, false, inline)
                }
                (None, None) => (json_name(&f.rust_name), false, false),
            };
            let mut field = Field {
                json,
                number: f.number,
                ty,
                card: f.card,
                raw_ty: f.ty.clone(),
                go: String::new(),
                inline,
                patch_strategy: marker(&f.markers, "+patchStrategy=").map(str::to_string),
                merge_key: marker(&f.markers, "+patchMergeKey=").map(str::to_string),
                list_type: marker(&f.markers, "+listType=").map(str::to_string),
                list_map_keys: f
                    .markers
                    .iter()
                    .filter_map(|m| m.strip_prefix("+listMapKey="))
                    .map(str::to_string)
                    .collect(),
            };
            field.go = default_go(&field, required);
            fields.push(field);
        }
        if let Some(o) = oa {
            for (json, _) in o {
                let known = fields.iter().any(|f| &f.json == json)
                    || json == "apiVersion"
                    || json == "kind"
                    || fields
                        .iter()
                        .any(|f| f.inline && json_visible(&pb_by_name, &f.raw_ty, 0).contains(&norm(json)));
                if !known && !override_has(&overrides, &full, json) {
                    warnings.push(format!(
                        "{full}.{json}: in k8s-openapi v1_37 but no field number (add to overrides.json)"
                    ));
                }
            }
        }
        messages.insert(full, fields);
    }

    // Whole messages new in 1.36/1.37.
    if let Some(new) = overrides.get("messages").and_then(Value::as_object) {
        for (name, fields) in new {
            let list = fields
                .as_array()
                .ok_or(format!("overrides.messages.{name} is not a list"))?;
            let oa = openapi_fields.get(name);
            let mut out = Vec::new();
            for f in list {
                out.push(override_field(f, oa, name)?);
            }
            if let Some(o) = oa {
                for (json, _) in o {
                    if !out.iter().any(|f| &f.json == json) {
                        warnings.push(format!(
                            "{name}.{json}: in k8s-openapi v1_37 but not in overrides.messages"
                        ));
                    }
                }
            }
            messages.insert(name.clone(), out);
        }
    }
    // Fields new in 1.36/1.37, placed after the field they follow in Go.
    if let Some(new) = overrides.get("fields").and_then(Value::as_object) {
        for (name, fields) in new {
            let list = fields
                .as_array()
                .ok_or(format!("overrides.fields.{name} is not a list"))?;
            let oa = openapi_fields.get(name).cloned();
            let Some(msg) = messages.get_mut(name) else {
                return Err(format!("overrides.fields: no message {name}"));
            };
            for f in list {
                let field = override_field(f, oa.as_ref(), name)?;
                if msg.iter().any(|g| g.number == field.number || g.json == field.json) {
                    return Err(format!(
                        "overrides.fields: {name}.{} clashes with an existing field",
                        field.json
                    ));
                }
                let pos = match f.get("after").and_then(Value::as_str) {
                    Some(after) => {
                        msg.iter()
                            .position(|g| g.json == after)
                            .ok_or(format!("{name}: no field {after}"))?
                            + 1
                    }
                    None => msg.len(),
                };
                msg.insert(pos, field);
            }
        }
    }
    // A kind's spec and status are Go struct values, emitted even when empty.
    for k in &oa_kinds {
        if let Some(msg) = messages.get_mut(&format!("{}.{}", k.package, k.name)) {
            for f in msg.iter_mut() {
                if matches!(f.json.as_str(), "spec" | "status")
                    && f.card == "opt"
                    && f.go == "ptr"
                    && f.ty.starts_with("k8s.io.")
                {
                    f.go = "val".to_string();
                }
            }
        }
    }
    // Go pointer-ness that the sources cannot tell.
    if let Some(go) = go_overrides {
        for (name, fields) in go {
            let Some(msg) = messages.get_mut(name) else {
                return Err(format!("overrides.go: no message {name}"));
            };
            for (json, kind) in fields
                .as_object()
                .ok_or(format!("overrides.go.{name} is not an object"))?
            {
                let field = msg
                    .iter_mut()
                    .find(|f| &f.json == json)
                    .ok_or(format!("overrides.go: no field {name}.{json}"))?;
                field.go = kind.as_str().ok_or("overrides.go values are strings")?.to_string();
            }
        }
    }
    for (name, fields) in &messages {
        for f in fields {
            if !matches!(
                f.ty.as_str(),
                "string" | "int32" | "int64" | "bool" | "bytes" | "double"
            ) && !messages.contains_key(&f.ty)
            {
                warnings.push(format!("{name}.{}: unknown type {}", f.json, f.ty));
            }
        }
    }

    // Kinds: resources and their lists, plus the overrides' kinds.
    let mut kinds: Vec<(String, String, String, String)> = Vec::new();
    for k in &oa_kinds {
        let full = format!("{}.{}", k.package, k.name);
        if messages.contains_key(&full) {
            kinds.push((k.group.clone(), k.version.clone(), k.kind.clone(), full));
        } else {
            warnings.push(format!("kind {}/{} {}: no message {full}", k.group, k.version, k.kind));
        }
        if let Some(list) = &k.list_kind {
            let full = format!("{}.{}", k.package, list);
            if messages.contains_key(&full) {
                kinds.push((k.group.clone(), k.version.clone(), list.clone(), full));
            }
        }
    }
    if let Some(extra) = overrides.get("kinds").and_then(Value::as_array) {
        for k in extra {
            let s = |i: usize| {
                k.get(i)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or("overrides.kinds rows are 4 strings")
            };
            let row = (s(0)?, s(1)?, s(2)?, s(3)?);
            if !messages.contains_key(&row.3) {
                return Err(format!("overrides.kinds: no message {}", row.3));
            }
            kinds.retain(|r| !(r.0 == row.0 && r.1 == row.1 && r.2 == row.2));
            kinds.push(row);
        }
    }
    kinds.sort();
    kinds.dedup();
    warnings.sort();
    warnings.dedup();
    Ok(Output {
        data: render(&kinds, &messages),
        warnings,
    })
}

fn override_has(overrides: &Value, message: &str, json: &str) -> bool {
    overrides
        .get("fields")
        .and_then(|f| f.get(message))
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|f| f.get("json").and_then(Value::as_str) == Some(json)))
}

fn override_field(f: &Value, oa: Option<&Vec<(String, bool)>>, message: &str) -> Result<Field, String> {
    let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
    let json = s("json").ok_or(format!("{message}: override field without json"))?;
    let number = f
        .get("number")
        .and_then(Value::as_u64)
        .ok_or(format!("{message}.{json}: no number"))? as u32;
    let ty = s("type").ok_or(format!("{message}.{json}: no type"))?;
    let card = match s("card").as_deref() {
        None | Some("opt") => "opt",
        Some("rep") => "rep",
        Some("map") => "map",
        Some(other) => return Err(format!("{message}.{json}: bad card {other}")),
    };
    let required = oa
        .and_then(|o| o.iter().find(|(j, _)| *j == json))
        .is_some_and(|(_, r)| *r);
    let mut field = Field {
        json,
        number,
        ty,
        card,
        raw_ty: String::new(),
        go: String::new(),
        inline: f.get("inline").and_then(Value::as_bool).unwrap_or(false),
        patch_strategy: s("patchStrategy"),
        merge_key: s("patchMergeKey"),
        list_type: s("listType"),
        list_map_keys: f
            .get("listMapKeys")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
    };
    field.go = s("go").unwrap_or_else(|| default_go(&field, required));
    Ok(field)
}

/// Without Go types at hand: required (no omitempty) from k8s-openapi; optional strings, bytes, lists
/// and maps are taken as Go values with `omitempty` (the common case), optional numbers, bools and
/// structs as pointers (kept when present: losing an explicit zero would change meaning). The
/// overrides correct the exceptions.
fn default_go(field: &Field, required: bool) -> String {
    const VALUE_TIMES: &[&str] = &[
        "creationTimestamp",
        "lastTransitionTime",
        "lastProbeTime",
        "lastHeartbeatTime",
        "lastUpdateTime",
        "firstTimestamp",
        "lastTimestamp",
        "startedAt",
        "finishedAt",
    ];
    let go = if required {
        "req"
    } else if field.card != "opt"
        || matches!(field.ty.as_str(), "string" | "bytes")
        || (field.ty.ends_with(".Time") && VALUE_TIMES.contains(&field.json.as_str()))
    {
        "val"
    } else {
        "ptr"
    };
    go.to_string()
}

fn lower_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn render(kinds: &[(String, String, String, String)], messages: &BTreeMap<String, Vec<Field>>) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::from("{\n\"kinds\": [\n");
    for (i, (g, v, k, m)) in kinds.iter().enumerate() {
        let sep = if i + 1 < kinds.len() { "," } else { "" };
        let _ = writeln!(out, "[{}, {}, {}, {}]{sep}", q(g), q(v), q(k), q(m));
    }
    out.push_str("],\n\"messages\": {\n");
    let mut seen = HashSet::new();
    for (mi, (name, fields)) in messages.iter().enumerate() {
        seen.insert(name.clone());
        let _ = writeln!(out, "{}: [", q(name));
        for (i, f) in fields.iter().enumerate() {
            let mut obj = format!("{{\"j\": {}, \"n\": {}, \"t\": {}", q(&f.json), f.number, q(&f.ty));
            if f.card != "opt" {
                let _ = write!(obj, ", \"c\": {}", q(f.card));
            }
            let _ = write!(obj, ", \"g\": {}", q(&f.go));
            if f.inline {
                obj.push_str(", \"inline\": true");
            }
            if let Some(p) = &f.patch_strategy {
                let _ = write!(obj, ", \"ps\": {}", q(p));
            }
            if let Some(p) = &f.merge_key {
                let _ = write!(obj, ", \"pk\": {}", q(p));
            }
            if let Some(p) = &f.list_type {
                let _ = write!(obj, ", \"lt\": {}", q(p));
            }
            if !f.list_map_keys.is_empty() {
                let keys: Vec<String> = f.list_map_keys.iter().map(|k| q(k)).collect();
                let _ = write!(obj, ", \"lk\": [{}]", keys.join(", "));
            }
            obj.push('}');
            let sep = if i + 1 < fields.len() { "," } else { "" };
            let _ = writeln!(out, "  {obj}{sep}");
        }
        let sep = if mi + 1 < messages.len() { "," } else { "" };
        let _ = writeln!(out, "]{sep}");
    }
    out.push_str("}\n}\n");
    out
}

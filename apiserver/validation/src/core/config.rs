//! ConfigMap and Secret validation (keys, sizes, secret types, `immutable`) and the Secret's
//! `stringData` merge that upstream performs when converting a request.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::formats::{NameRule, is_config_map_key};
use crate::meta::{self, validate_object_meta};
use crate::value::{at, child, default_str, is_true, obj_at, semantic_eq, str_at};

/// Upstream's `MaxSecretSize` (1 MiB), also the ConfigMap limit.
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

/// Secret defaults: `type: Opaque`, and `stringData` merged into `data` (base64) then dropped.
pub fn default_secret(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    default_str(o, "type", "Opaque");
    if let Some(Value::Object(string_data)) = o.remove("stringData")
        && let Some(data) = child(o, "data")
    {
        for (k, v) in string_data {
            let raw = v.as_str().unwrap_or("");
            data.insert(k, json!(STANDARD.encode(raw.as_bytes())));
        }
    }
}

fn decoded_len(v: &Value) -> usize {
    v.as_str().and_then(|s| STANDARD.decode(s).ok()).map_or(0, |b| b.len())
}

/// `ValidateConfigMap`.
pub fn validate_config_map(cm: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(cm, true, NameRule::Subdomain);
    let mut total = 0;
    let data = obj_at(cm, &["data"]);
    let binary = obj_at(cm, &["binaryData"]);
    for (k, v) in data.into_iter().flatten() {
        let p = Path::new("data").key(k.as_str());
        errs.extend(
            is_config_map_key(k)
                .into_iter()
                .map(|m| field::invalid(&p, k.as_str(), m)),
        );
        if binary.is_some_and(|b| b.contains_key(k)) {
            errs.push(field::invalid(&p, k.as_str(), "duplicate of key present in binaryData"));
        }
        total += v.as_str().map_or(0, str::len);
    }
    for (k, v) in binary.into_iter().flatten() {
        let p = Path::new("binaryData").key(k.as_str());
        errs.extend(
            is_config_map_key(k)
                .into_iter()
                .map(|m| field::invalid(&p, k.as_str(), m)),
        );
        if data.is_some_and(|d| d.contains_key(k)) {
            errs.push(field::invalid(&p, k.as_str(), "duplicate of key present in data"));
        }
        total += decoded_len(v);
    }
    if total > MAX_SECRET_SIZE {
        errs.push(field::too_long(&Path::new(""), MAX_SECRET_SIZE as i64));
    }
    errs
}

/// `ValidateConfigMapUpdate`.
pub fn validate_config_map_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    if is_true(old, &["immutable"]) {
        if !is_true(new, &["immutable"]) {
            errs.push(field::forbidden(&Path::new("immutable"), IMMUTABLE_WHEN_SET));
        }
        for key in ["data", "binaryData"] {
            if !semantic_eq(at(new, &[key]), at(old, &[key])) {
                errs.push(field::forbidden(&Path::new(key), IMMUTABLE_WHEN_SET));
            }
        }
    }
    errs.extend(validate_config_map(new));
    errs
}

/// `ValidateSecret`: keys, total size, and the keys each secret type requires.
pub fn validate_secret(secret: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(secret, true, NameRule::Subdomain);
    let dp = Path::new("data");
    let data = obj_at(secret, &["data"]);
    let mut total = 0;
    for (k, v) in data.into_iter().flatten() {
        let p = dp.key(k.as_str());
        errs.extend(
            is_config_map_key(k)
                .into_iter()
                .map(|m| field::invalid(&p, k.as_str(), m)),
        );
        total += decoded_len(v);
    }
    if total > MAX_SECRET_SIZE {
        errs.push(field::too_long(&dp, MAX_SECRET_SIZE as i64));
    }
    let has = |k: &str| data.is_some_and(|d| d.contains_key(k));
    match str_at(secret, &["type"]) {
        "kubernetes.io/service-account-token" => {
            let key = "kubernetes.io/service-account.name";
            if str_at(secret, &["metadata", "annotations", key]).is_empty() {
                errs.push(field::required(
                    &Path::new("metadata").child("annotations").key(key),
                    "",
                ));
            }
        }
        t @ ("kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson") => {
            let key = if t == "kubernetes.io/dockercfg" {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            match data.and_then(|d| d.get(key)) {
                None => errs.push(field::required(&dp.key(key), "")),
                Some(v) => {
                    let bytes = v.as_str().and_then(|s| STANDARD.decode(s).ok()).unwrap_or_default();
                    if let Err(e) = serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes) {
                        errs.push(field::invalid(
                            &dp.key(key),
                            "<secret contents redacted>",
                            json_error_text(&e),
                        ));
                    }
                }
            }
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.push(field::required(&dp.key("username"), ""));
            errs.push(field::required(&dp.key("password"), ""));
        }
        "kubernetes.io/ssh-auth" if data.and_then(|d| d.get("ssh-privatekey")).map_or(0, decoded_len) == 0 => {
            errs.push(field::required(&dp.key("ssh-privatekey"), ""));
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !has(key) {
                    errs.push(field::required(&dp.key(key), ""));
                }
            }
        }
        _ => {}
    }
    errs
}

fn json_error_text(e: &serde_json::Error) -> String {
    if e.is_eof() {
        "unexpected end of JSON input".to_string()
    } else {
        format!("invalid character at line {} column {}", e.line(), e.column())
    }
}

/// `ValidateSecretUpdate`.
pub fn validate_secret_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(meta::immutable(
        at(new, &["type"]),
        at(old, &["type"]),
        &Path::new("type"),
    ));
    if is_true(old, &["immutable"]) {
        if !is_true(new, &["immutable"]) {
            errs.push(field::forbidden(&Path::new("immutable"), IMMUTABLE_WHEN_SET));
        }
        if !semantic_eq(at(new, &["data"]), at(old, &["data"])) {
            errs.push(field::forbidden(&Path::new("data"), IMMUTABLE_WHEN_SET));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn config_map_keys() {
        let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"a b": "x", "k": "v"}, "binaryData": {"k": "AA=="}});
        let r = render(&validate_config_map(&cm));
        assert!(r[0].starts_with(
            "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters"
        ));
        assert_eq!(
            r[1],
            "data[k]: Invalid value: \"k\": duplicate of key present in binaryData"
        );
        assert_eq!(
            r[2],
            "binaryData[k]: Invalid value: \"k\": duplicate of key present in data"
        );
    }

    #[test]
    fn immutable_config_map() {
        let old = json!({"metadata": {"name": "c", "namespace": "d", "resourceVersion": "1"}, "immutable": true, "data": {"a": "1"}});
        let mut new = old.clone();
        new["data"]["a"] = json!("2");
        assert_eq!(
            render(&validate_config_map_update(&new, &old)),
            vec!["data: Forbidden: field is immutable when `immutable` is set"]
        );
    }

    #[test]
    fn secret_types() {
        let mut s = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "AA=="}});
        default_secret(&mut s);
        assert_eq!(render(&validate_secret(&s)), vec!["data[tls.key]: Required value"]);
        let mut s = json!({"metadata": {"name": "s", "namespace": "d"}, "stringData": {"password": "pw"}});
        default_secret(&mut s);
        assert_eq!(
            s,
            json!({"metadata": {"name": "s", "namespace": "d"}, "type": "Opaque", "data": {"password": "cHc="}})
        );
        let old = json!({"metadata": {"name": "s", "namespace": "d", "resourceVersion": "1"}, "type": "Opaque"});
        let mut new = old.clone();
        new["type"] = json!("kubernetes.io/basic-auth");
        assert_eq!(
            render(&validate_secret_update(&new, &old)),
            vec![
                "type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable",
                "data[username]: Required value",
                "data[password]: Required value",
            ]
        );
    }
}

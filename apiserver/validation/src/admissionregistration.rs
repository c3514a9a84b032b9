//! The `admissionregistration.k8s.io` group: webhook configuration defaulting and validation.

use std::collections::BTreeSet;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::is_dns1123_subdomain;
use serde_json::{Value, json};

use crate::formats::NameRule;
use crate::meta::{self, validate_label_selector, validate_object_meta};
use crate::value::{Obj, arr_at, at, default, each, existing, i64_at, str_at};

fn is_webhook_config(kind: &str) -> bool {
    kind == "ValidatingWebhookConfiguration" || kind == "MutatingWebhookConfiguration"
}

/// Defaults each webhook of a configuration (`SetDefaults_ValidatingWebhook` / `_MutatingWebhook`).
pub fn defaults(kind: &str, obj: &mut Value) {
    if !is_webhook_config(kind) {
        return;
    }
    let mutating = kind == "MutatingWebhookConfiguration";
    let Some(o) = obj.as_object_mut() else { return };
    each(o, "webhooks", |w| default_webhook(w, mutating));
}

fn default_webhook(w: &mut Obj, mutating: bool) {
    default(w, "failurePolicy", json!("Fail"));
    default(w, "matchPolicy", json!("Equivalent"));
    default(w, "namespaceSelector", json!({}));
    default(w, "objectSelector", json!({}));
    default(w, "timeoutSeconds", json!(10));
    if mutating {
        default(w, "reinvocationPolicy", json!("Never"));
    }
    each(w, "rules", |r| default(r, "scope", json!("*")));
    if let Some(svc) = existing(w, "clientConfig").and_then(|c| existing(c, "service")) {
        default(svc, "port", json!(443));
    }
}

/// Create-time validation of webhook configurations; `None` for other kinds.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    if !is_webhook_config(kind) {
        return None;
    }
    let mut errs = validate_object_meta(obj, false, NameRule::Subdomain);
    errs.extend(validate_webhooks(obj));
    Some(errs)
}

fn validate_webhooks(obj: &Value) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut names = BTreeSet::new();
    for (i, w) in arr_at(obj, &["webhooks"]).iter().enumerate() {
        let wp = Path::new("webhooks").index(i);
        let name = str_at(w, &["name"]);
        if name.is_empty() {
            errs.push(field::required(&wp.child("name"), ""));
        } else {
            let np = wp.child("name");
            errs.extend(
                is_dns1123_subdomain(name)
                    .into_iter()
                    .map(|m| field::invalid(&np, name, m)),
            );
            if name.split('.').count() < 3 {
                errs.push(field::invalid(
                    &np,
                    name,
                    "should be a domain with at least three segments separated by dots",
                ));
            }
            if !names.insert(name) {
                errs.push(field::duplicate(&np, name));
            }
        }
        let versions = arr_at(w, &["admissionReviewVersions"]);
        if versions.is_empty() {
            errs.push(field::required(
                &wp.child("admissionReviewVersions"),
                "must specify one of v1, v1beta1",
            ));
        } else if !versions.iter().any(|v| v == "v1" || v == "v1beta1") {
            errs.push(field::invalid(
                &wp.child("admissionReviewVersions"),
                Value::from(versions.to_vec()),
                "must include at least one of v1, v1beta1",
            ));
        }
        match at(w, &["sideEffects"]).and_then(Value::as_str) {
            None | Some("") => errs.push(field::required(
                &wp.child("sideEffects"),
                "must specify one of None, NoneOnDryRun",
            )),
            Some("None" | "NoneOnDryRun") => {}
            Some(other) => errs.push(field::not_supported(
                &wp.child("sideEffects"),
                other,
                &["None", "NoneOnDryRun"],
            )),
        }
        if let Some(fp) = at(w, &["failurePolicy"]).and_then(Value::as_str)
            && fp != "Fail"
            && fp != "Ignore"
        {
            errs.push(field::not_supported(
                &wp.child("failurePolicy"),
                fp,
                &["Fail", "Ignore"],
            ));
        }
        if let Some(t) = i64_at(w, &["timeoutSeconds"])
            && !(1..=30).contains(&t)
        {
            errs.push(field::invalid(
                &wp.child("timeoutSeconds"),
                t,
                "the timeout value must be between 1 and 30 seconds",
            ));
        }
        let cp = wp.child("clientConfig");
        match (at(w, &["clientConfig", "url"]), at(w, &["clientConfig", "service"])) {
            (Some(_), Some(_)) | (None, None) => {
                errs.push(field::required(&cp, "exactly one of url or service is required"))
            }
            (None, Some(svc)) => {
                for key in ["namespace", "name"] {
                    if str_at(svc, &[key]).is_empty() {
                        errs.push(field::required(
                            &cp.child("service").child(key),
                            "service ".to_string() + key + " is required",
                        ));
                    }
                }
            }
            (Some(url), None) => {
                let url = url.as_str().unwrap_or("");
                if !url.starts_with("https://") {
                    errs.push(field::invalid(
                        &cp.child("url"),
                        url,
                        "'https' is the only allowed URL scheme",
                    ));
                }
            }
        }
        for key in ["namespaceSelector", "objectSelector"] {
            if let Some(sel) = at(w, &[key]) {
                errs.extend(validate_label_selector(sel, &wp.child(key)));
            }
        }
    }
    errs
}

/// Update-time validation of webhook configurations; `None` for other kinds.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if !is_webhook_config(kind) {
        return None;
    }
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(validate_webhooks(new));
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_defaults_and_rules() {
        let mut cfg = json!({"metadata": {"name": "w"}, "webhooks": [{"name": "a.b.c", "sideEffects": "None",
            "admissionReviewVersions": ["v1"], "clientConfig": {"service": {"namespace": "n", "name": "s"}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]});
        defaults("MutatingWebhookConfiguration", &mut cfg);
        let w = &cfg["webhooks"][0];
        assert_eq!(w["failurePolicy"], "Fail");
        assert_eq!(w["reinvocationPolicy"], "Never");
        assert_eq!(w["clientConfig"]["service"]["port"], 443);
        assert_eq!(w["rules"][0]["scope"], "*");
        assert_eq!(validate_create("MutatingWebhookConfiguration", &cfg), Some(vec![]));
        cfg["webhooks"][0]["name"] = json!("short");
        let errs = validate_create("MutatingWebhookConfiguration", &cfg).unwrap_or_default();
        assert_eq!(
            errs[0].to_string(),
            "webhooks[0].name: Invalid value: \"short\": should be a domain with at least three segments separated by dots"
        );
    }
}

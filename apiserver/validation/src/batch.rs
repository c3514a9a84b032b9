//! The `batch` group: Job and CronJob defaulting and validation
//! (`pkg/apis/batch/v1/defaults.go`, `pkg/apis/batch/validation`).

pub mod cron;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::core::pod::validate_pod_template;
use crate::core::pod_defaults::default_pod_template;
use crate::formats::NameRule;
use crate::meta::{
    self, bad, immutable, labels_of, nonnegative_at, selector_of, validate_label_selector, validate_object_meta,
};
use crate::value::{at, child, default, default_str, each, existing, str_at};

/// Defaults a `batch` object of `kind`.
pub fn defaults(kind: &str, obj: &mut Value) {
    match kind {
        "Job" => {
            let template_labels = at(obj, &["spec", "template", "metadata", "labels"]).cloned();
            let Some(o) = obj.as_object_mut() else { return };
            if let Some(spec) = child(o, "spec") {
                default_job_spec(spec);
            }
            if let Some(labels) = template_labels
                && let Some(m) = child(o, "metadata")
                && m.get("labels").and_then(Value::as_object).is_none_or(|l| l.is_empty())
            {
                m.insert("labels".into(), labels);
            }
        }
        "CronJob" => {
            let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
                return;
            };
            default_str(spec, "concurrencyPolicy", "Allow");
            default(spec, "suspend", json!(false));
            default(spec, "successfulJobsHistoryLimit", json!(3));
            default(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(t) = child(spec, "jobTemplate")
                .and_then(|jt| child(jt, "spec"))
                .and_then(|s| child(s, "template"))
            {
                default_pod_template(t);
            }
        }
        _ => {}
    }
}

fn default_job_spec(spec: &mut serde_json::Map<String, Value>) {
    let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
    if unset(spec.get("completions")) && unset(spec.get("parallelism")) {
        spec.insert("completions".into(), json!(1));
        spec.insert("parallelism".into(), json!(1));
    }
    default(spec, "parallelism", json!(1));
    let per_index = !unset(spec.get("backoffLimitPerIndex"));
    default(
        spec,
        "backoffLimit",
        json!(if per_index { i64::from(i32::MAX) } else { 6 }),
    );
    default(spec, "completionMode", json!("NonIndexed"));
    default(spec, "suspend", json!(false));
    let has_failure_policy = !unset(spec.get("podFailurePolicy"));
    if let Some(policy) = existing(spec, "podFailurePolicy") {
        each(policy, "rules", |rule| {
            each(rule, "onPodConditions", |c| default_str(c, "status", "True"))
        });
    }
    default(
        spec,
        "podReplacementPolicy",
        json!(if has_failure_policy {
            "Failed"
        } else {
            "TerminatingOrFailed"
        }),
    );
    if let Some(t) = child(spec, "template") {
        default_pod_template(t);
    }
}

/// Create-time validation of a `batch` object; `None` for kinds without specific rules.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "Job" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            errs.extend(validate_job_spec(obj));
            errs
        }
        "CronJob" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            errs.extend(validate_cron_job_spec(obj, None));
            let name = str_at(obj, &["metadata", "name"]);
            if name.len() > 52 {
                errs.push(field::invalid(
                    &Path::new("metadata").child("name"),
                    name,
                    "must be no more than 52 characters",
                ));
            }
            errs
        }
        _ => return None,
    })
}

fn validate_job_spec(obj: &Value) -> Vec<Error> {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let sp = Path::new("spec");
    let mut errs = validate_job_spec_common(spec, &sp);
    match at(spec, &["selector"]) {
        None => errs.push(field::required(&sp.child("selector"), "")),
        Some(sel) => errs.extend(validate_label_selector(sel, &sp.child("selector"))),
    }
    if let Some(sel) = at(spec, &["selector"]).and_then(selector_of) {
        let template = at(spec, &["template"]).unwrap_or(&empty);
        if !sel.matches(&labels_of(template)) {
            errs.push(field::invalid(
                &sp.child("template").child("metadata").child("labels"),
                bad(at(template, &["metadata", "labels"])),
                "`selector` does not match template `labels`",
            ));
        }
    }
    errs
}

fn validate_job_spec_common(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    for key in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        errs.extend(nonnegative_at(spec, key, sp));
    }
    if let Some(mode) = at(spec, &["completionMode"]).and_then(Value::as_str) {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(field::not_supported(
                &sp.child("completionMode"),
                mode,
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" && at(spec, &["completions"]).is_none() {
            errs.push(field::required(
                &sp.child("completions"),
                "when completion mode is Indexed",
            ));
        }
    }
    if let Some(policy) = at(spec, &["podReplacementPolicy"]).and_then(Value::as_str)
        && policy != "TerminatingOrFailed"
        && policy != "Failed"
    {
        errs.push(field::not_supported(
            &sp.child("podReplacementPolicy"),
            policy,
            &["Failed", "TerminatingOrFailed"],
        ));
    }
    let tp = sp.child("template");
    let empty = Value::Null;
    let template = at(spec, &["template"]).unwrap_or(&empty);
    errs.extend(validate_pod_template(template, &tp, &[]));
    let rp = str_at(template, &["spec", "restartPolicy"]);
    let rpp = tp.child("spec").child("restartPolicy");
    if rp == "Always" || rp.is_empty() {
        errs.push(field::required(&rpp, "valid values: \"OnFailure\", \"Never\""));
    } else if rp != "OnFailure" && rp != "Never" {
        errs.push(field::not_supported(&rpp, rp, &["OnFailure", "Never"]));
    }
    errs
}

fn validate_cron_job_spec(obj: &Value, old: Option<&Value>) -> Vec<Error> {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let sp = Path::new("spec");
    let mut errs = Vec::new();
    let schedule = str_at(spec, &["schedule"]);
    let schp = sp.child("schedule");
    if schedule.is_empty() {
        errs.push(field::required(&schp, ""));
    } else {
        if let Err(e) = cron::parse_standard(schedule) {
            errs.push(field::invalid(&schp, schedule, e.to_string()));
        }
        let allow_tz = old.is_some_and(|o| str_at(o, &["spec", "schedule"]).contains("TZ"));
        if allow_tz && schedule.contains("TZ") && at(spec, &["timeZone"]).is_some() {
            errs.push(field::invalid(
                &schp,
                schedule,
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        } else if !allow_tz && schedule.contains("TZ") {
            errs.push(field::invalid(
                &schp,
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
    }
    errs.extend(nonnegative_at(spec, "startingDeadlineSeconds", &sp));
    let tz_changed = old.is_none_or(|o| at(o, &["spec", "timeZone"]) != at(spec, &["timeZone"]));
    if tz_changed && let Some(tz) = at(spec, &["timeZone"]).and_then(Value::as_str) {
        let p = sp.child("timeZone");
        if tz.is_empty() {
            errs.push(field::invalid(&p, tz, "timeZone must be nil or non-empty string"));
        } else if tz.eq_ignore_ascii_case("local") {
            errs.push(field::invalid(
                &p,
                tz,
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            ));
        } else if !tz
            .split('/')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c)))
        {
            errs.push(field::invalid(&p, tz, format!("unknown time zone {tz}")));
        }
    }
    let policy = str_at(spec, &["concurrencyPolicy"]);
    let pp = sp.child("concurrencyPolicy");
    if policy.is_empty() {
        errs.push(field::required(&pp, ""));
    } else if !["Allow", "Forbid", "Replace"].contains(&policy) {
        errs.push(field::not_supported(&pp, policy, &["Allow", "Forbid", "Replace"]));
    }
    let jtp = sp.child("jobTemplate");
    let jt = at(spec, &["jobTemplate"]).unwrap_or(&empty);
    errs.extend(meta::validate_labels(
        at(jt, &["metadata", "labels"]),
        &jtp.child("labels"),
    ));
    errs.extend(meta::validate_annotations(
        at(jt, &["metadata", "annotations"]),
        &jtp.child("annotations"),
    ));
    errs.extend(validate_job_spec_common(
        at(jt, &["spec"]).unwrap_or(&empty),
        &jtp.child("spec"),
    ));
    if let Some(sel) = at(jt, &["spec", "selector"]) {
        errs.extend(validate_label_selector(sel, &jtp.child("spec").child("selector")));
    }
    for key in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        errs.extend(nonnegative_at(spec, key, &sp));
    }
    errs
}

/// Update-time validation of a `batch` object; `None` for kinds without specific rules.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "Job" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(validate_job_spec(new));
            let sp = Path::new("spec");
            let indexed = str_at(new, &["spec", "completionMode"]) == "Indexed";
            let elastic = indexed && at(new, &["spec", "completions"]) == at(new, &["spec", "parallelism"]);
            if !elastic {
                errs.extend(immutable(
                    at(new, &["spec", "completions"]),
                    at(old, &["spec", "completions"]),
                    &sp.child("completions"),
                ));
            }
            errs.extend(immutable(
                at(new, &["spec", "selector"]),
                at(old, &["spec", "selector"]),
                &sp.child("selector"),
            ));
            errs.extend(immutable(
                at(new, &["spec", "template"]),
                at(old, &["spec", "template"]),
                &sp.child("template"),
            ));
            for key in ["completionMode", "podFailurePolicy", "backoffLimitPerIndex"] {
                errs.extend(immutable(
                    at(new, &["spec", key]),
                    at(old, &["spec", key]),
                    &sp.child(key),
                ));
            }
            errs
        }
        "CronJob" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(validate_cron_job_spec(new, Some(old)));
            errs
        }
        _ => return None,
    })
}

/// Status-update validation of a `batch` object.
pub fn validate_status_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if kind != "Job" {
        return None;
    }
    let mut errs = meta::validate_object_meta_update(new, old);
    let sp = Path::new("status");
    let empty = Value::Null;
    let status = at(new, &["status"]).unwrap_or(&empty);
    for key in ["active", "succeeded", "failed", "ready", "terminating"] {
        errs.extend(nonnegative_at(status, key, &sp));
    }
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn job() -> Value {
        json!({"metadata": {"name": "pi", "namespace": "d", "uid": "u"}, "spec": {"template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}})
    }

    #[test]
    fn job_defaults() {
        let mut j = job();
        defaults("Job", &mut j);
        let s = &j["spec"];
        assert_eq!(
            (
                s["completions"].clone(),
                s["parallelism"].clone(),
                s["backoffLimit"].clone()
            ),
            (json!(1), json!(1), json!(6))
        );
        assert_eq!(s["completionMode"], "NonIndexed");
        assert_eq!(s["suspend"], false);
        assert_eq!(s["podReplacementPolicy"], "TerminatingOrFailed");
    }

    #[test]
    fn job_restart_policy_and_immutable_template() {
        let mut j = job();
        j["spec"]["template"]["spec"]
            .as_object_mut()
            .map(|s| s.remove("restartPolicy"));
        defaults("Job", &mut j);
        crate::strategy::prepare_for_create("batch", "Job", &mut j);
        assert_eq!(
            render(&validate_create("Job", &j).unwrap_or_default()),
            vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""]
        );
        let mut old = job();
        defaults("Job", &mut old);
        crate::strategy::prepare_for_create("batch", "Job", &mut old);
        old["metadata"]["resourceVersion"] = json!("1");
        assert_eq!(validate_create("Job", &old), Some(vec![]));
        let mut new = old.clone();
        new["spec"]["template"]["spec"]["containers"][0]["image"] = json!("perl:2");
        let errs = validate_update("Job", &new, &old).unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "spec.template");
        assert!(errs[0].to_string().ends_with(": field is immutable"));
    }

    #[test]
    fn cron_job_defaults_and_schedule() {
        let mut c = json!({"metadata": {"name": "hello", "namespace": "d"}, "spec": {"schedule": "61 * * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}});
        defaults("CronJob", &mut c);
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(c["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(c["spec"]["failedJobsHistoryLimit"], 1);
        assert_eq!(c["spec"]["suspend"], false);
        assert!(c["spec"]["jobTemplate"]["spec"].get("backoffLimit").is_none());
        assert_eq!(
            render(&validate_create("CronJob", &c).unwrap_or_default()),
            vec!["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"]
        );
        c["spec"]["schedule"] = json!("@every 1h");
        assert_eq!(validate_create("CronJob", &c), Some(vec![]));
        c["spec"]["schedule"] = json!("every minute");
        assert_eq!(
            render(&validate_create("CronJob", &c).unwrap_or_default()),
            vec!["spec.schedule: Invalid value: \"every minute\": expected exactly 5 fields, found 2: [every minute]"]
        );
        c["spec"]["concurrencyPolicy"] = json!("Sometimes");
        c["spec"]["schedule"] = json!("0 * * * *");
        assert_eq!(
            render(&validate_create("CronJob", &c).unwrap_or_default()),
            vec![
                "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""
            ]
        );
    }
}

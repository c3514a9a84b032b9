//! The create-only review resources that are answered, not stored: SelfSubjectAccessReview,
//! SelfSubjectRulesReview, SubjectAccessReview, LocalSubjectAccessReview (authorization.k8s.io) and
//! SelfSubjectReview, TokenReview (authentication.k8s.io). Their bodies carry no `metadata.name`.

use ferrokube_apimachinery::status::Status;
use serde_json::{Value, json};

use crate::apiserver::Apiserver;
use crate::auth::{Decision, UserInfo};
use crate::request::RequestInfo;
use crate::resource::ResourceSpec;

/// Whether the resource is one of the review kinds.
pub fn is_review(spec: &ResourceSpec) -> bool {
    matches!(
        (spec.info.group, spec.info.plural),
        (
            "authorization.k8s.io",
            "selfsubjectaccessreviews"
                | "selfsubjectrulesreviews"
                | "subjectaccessreviews"
                | "localsubjectaccessreviews"
        ) | ("authentication.k8s.io", "selfsubjectreviews" | "tokenreviews")
    )
}

/// Answers a review: the request object with its `status` filled in.
pub fn answer(
    api: &Apiserver,
    spec: &ResourceSpec,
    user: &UserInfo,
    namespace: &str,
    mut review: Value,
) -> Result<Value, Status> {
    if !review.is_object() {
        return Err(Status::bad_request("the review is not a JSON object"));
    }
    let attrs = |review: &Value| -> RequestInfo {
        let ra = review.pointer("/spec/resourceAttributes");
        let nra = review.pointer("/spec/nonResourceAttributes");
        let s = |v: Option<&Value>, k: &str| {
            v.and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        match (ra, nra) {
            (Some(_), _) => RequestInfo {
                is_resource_request: true,
                verb: s(ra, "verb"),
                api_group: s(ra, "group"),
                api_version: s(ra, "version"),
                namespace: s(ra, "namespace"),
                resource: s(ra, "resource"),
                subresource: s(ra, "subresource"),
                name: s(ra, "name"),
                ..Default::default()
            },
            _ => RequestInfo {
                path: s(nra, "path"),
                verb: s(nra, "verb"),
                ..Default::default()
            },
        }
    };
    let decision_status = |d: Decision| match d {
        Decision::Allow => json!({"allowed": true}),
        Decision::Deny(reason) => json!({"allowed": false, "reason": reason}),
    };
    let status = match spec.info.plural {
        "selfsubjectaccessreviews" => decision_status(api.authorizer.authorize(user, &attrs(&review))),
        "subjectaccessreviews" | "localsubjectaccessreviews" => {
            let subject = UserInfo {
                name: review
                    .pointer("/spec/user")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                groups: review
                    .pointer("/spec/groups")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|g| g.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
            };
            if subject.name.is_empty() && subject.groups.is_empty() {
                return Err(Status::invalid(
                    &ferrokube_apimachinery::status::GroupKind::new(spec.info.group, spec.info.kind),
                    "",
                    &[ferrokube_apimachinery::status::field::invalid(
                        &ferrokube_apimachinery::status::field::Path::new("spec").child("user"),
                        "",
                        "at least one of user or group must be specified",
                    )],
                ));
            }
            decision_status(api.authorizer.authorize(&subject, &attrs(&review)))
        }
        // Under AlwaysAllow every rule is allowed; RBAC will list the user's actual rules.
        "selfsubjectrulesreviews" => json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        }),
        "selfsubjectreviews" => json!({"userInfo": {"username": user.name, "groups": user.groups}}),
        // No token authenticator is configured yet: every token is unknown.
        "tokenreviews" => json!({"user": {}, "error": "token authentication is not configured on this server"}),
        _ => json!({}),
    };
    let Some(map) = review.as_object_mut() else {
        return Err(Status::bad_request("the review is not a JSON object"));
    };
    let rest: serde_json::Map<String, Value> = std::mem::take(map)
        .into_iter()
        .filter(|(k, _)| k != "kind" && k != "apiVersion" && k != "status")
        .collect();
    map.insert("kind".into(), json!(spec.info.kind));
    map.insert("apiVersion".into(), json!(spec.info.api_version()));
    map.extend(rest);
    let meta = map.entry("metadata").or_insert_with(|| json!({}));
    if spec.info.plural == "localsubjectaccessreviews"
        && let Some(m) = meta.as_object_mut()
    {
        m.insert("namespace".into(), json!(namespace));
    }
    map.insert("status".into(), status);
    Ok(review)
}

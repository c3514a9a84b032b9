//! The `metav1.Status` errors kube-apiserver answers with, built as upstream's `pkg/api/errors` builds them.
//!
//! [`Status`] serializes (serde) to exactly the JSON upstream writes: Go's struct field order and
//! `omitempty` rules, `metadata` always present as `{}`. [`Status::to_json`] additionally escapes
//! `<`, `>`, `&`, U+2028 and U+2029 the way Go's `encoding/json` does, so bodies match byte for byte;
//! [`Status::to_response_body`] appends the newline that upstream's encoder writes after the object.
//!
//! The constructors (`not_found`, `conflict`, `invalid`, ...) reproduce upstream's code, reason,
//! details and message exactly. [`field`] holds the field errors (`field.Error`, `field.Path`) that
//! an `Invalid` status is built from.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::gostr::{go_quote, to_go_json};

pub mod field;

/// `metav1.StatusSuccess`.
pub const STATUS_SUCCESS: &str = "Success";
/// `metav1.StatusFailure`.
pub const STATUS_FAILURE: &str = "Failure";

/// The `err` upstream's registry passes to [`Status::conflict`] when a write carries a stale
/// `resourceVersion` (`storage.OptimisticLockErrorMsg`).
pub const OPTIMISTIC_LOCK_ERROR_MSG: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// The body of the 429 that the max-in-flight and priority-and-fairness filters answer with.
///
/// Upstream writes it with `http.Error`, so it is **plain text** (`text/plain; charset=utf-8`,
/// `X-Content-Type-Options: nosniff`, plus a `Retry-After` header), not a `Status` object.
pub const TOO_MANY_REQUESTS_BODY: &str = "Too many requests, please try again later.\n";

/// A resource qualified by its API group (`schema.GroupResource`); displays as upstream's
/// `String()`: `pods`, `deployments.apps`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GroupResource {
    /// API group; empty for the core group.
    pub group: String,
    /// Plural resource name, e.g. `deployments`.
    pub resource: String,
}

impl GroupResource {
    /// A resource in `group` (empty for the core group).
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// True when both group and resource are empty (`GroupResource.Empty()`).
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.resource.is_empty()
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// A kind qualified by its API group (`schema.GroupKind`); displays as `ConfigMap`, `Deployment.apps`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GroupKind {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
}

impl GroupKind {
    /// A kind in `group` (empty for the core group).
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            kind: kind.into(),
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// Why a request failed (`metav1.StatusReason`); serializes as upstream's string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum StatusReason {
    /// `""`: no reason given (`StatusReasonUnknown`).
    #[default]
    Unknown,
    /// `Unauthorized` (401).
    Unauthorized,
    /// `Forbidden` (403).
    Forbidden,
    /// `NotFound` (404).
    NotFound,
    /// `AlreadyExists` (409).
    AlreadyExists,
    /// `Conflict` (409).
    Conflict,
    /// `Gone` (410).
    Gone,
    /// `Invalid` (422).
    Invalid,
    /// `ServerTimeout` (500 with a retry hint).
    ServerTimeout,
    /// `StorageReadError` (500).
    StoreReadError,
    /// `Timeout` (504).
    Timeout,
    /// `TooManyRequests` (429).
    TooManyRequests,
    /// `BadRequest` (400).
    BadRequest,
    /// `MethodNotAllowed` (405).
    MethodNotAllowed,
    /// `NotAcceptable` (406).
    NotAcceptable,
    /// `RequestEntityTooLarge` (413).
    RequestEntityTooLarge,
    /// `UnsupportedMediaType` (415).
    UnsupportedMediaType,
    /// `InternalError` (500).
    InternalError,
    /// `Expired` (410).
    Expired,
    /// `ServiceUnavailable` (503).
    ServiceUnavailable,
    /// A reason this table does not know, kept verbatim from a decoded body.
    Other(String),
}

impl StatusReason {
    const KNOWN: [(StatusReason, &'static str); 19] = [
        (StatusReason::Unauthorized, "Unauthorized"),
        (StatusReason::Forbidden, "Forbidden"),
        (StatusReason::NotFound, "NotFound"),
        (StatusReason::AlreadyExists, "AlreadyExists"),
        (StatusReason::Conflict, "Conflict"),
        (StatusReason::Gone, "Gone"),
        (StatusReason::Invalid, "Invalid"),
        (StatusReason::ServerTimeout, "ServerTimeout"),
        (StatusReason::StoreReadError, "StorageReadError"),
        (StatusReason::Timeout, "Timeout"),
        (StatusReason::TooManyRequests, "TooManyRequests"),
        (StatusReason::BadRequest, "BadRequest"),
        (StatusReason::MethodNotAllowed, "MethodNotAllowed"),
        (StatusReason::NotAcceptable, "NotAcceptable"),
        (StatusReason::RequestEntityTooLarge, "RequestEntityTooLarge"),
        (StatusReason::UnsupportedMediaType, "UnsupportedMediaType"),
        (StatusReason::InternalError, "InternalError"),
        (StatusReason::Expired, "Expired"),
        (StatusReason::ServiceUnavailable, "ServiceUnavailable"),
    ];

    /// The wire string (`""` for [`StatusReason::Unknown`]).
    pub fn as_str(&self) -> &str {
        match self {
            StatusReason::Unknown => "",
            StatusReason::Other(s) => s,
            known => Self::KNOWN.iter().find(|(r, _)| r == known).map_or("", |(_, s)| *s),
        }
    }

    /// The reason for a wire string; unknown strings are kept as [`StatusReason::Other`].
    pub fn from_wire(s: &str) -> Self {
        if s.is_empty() {
            return StatusReason::Unknown;
        }
        Self::KNOWN
            .iter()
            .find(|(_, name)| *name == s)
            .map_or_else(|| StatusReason::Other(s.to_string()), |(r, _)| r.clone())
    }

    /// True for the reasons upstream's `Is*` helpers recognise (every named reason but `Unknown`).
    fn is_known(&self) -> bool {
        !matches!(self, StatusReason::Unknown | StatusReason::Other(_))
    }
}

impl fmt::Display for StatusReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StatusReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StatusReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(deserializer)?;
        Ok(StatusReason::from_wire(s.as_deref().unwrap_or("")))
    }
}

/// `metav1.ListMeta` as carried by a `Status`: every field is `omitempty`, so it is usually `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Deprecated `selfLink`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub self_link: String,
    /// `resourceVersion`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub resource_version: String,
    /// `continue` token.
    #[serde(
        rename = "continue",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub continue_token: String,
    /// `remainingItemCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
}

/// One cause of a failure (`metav1.StatusCause`); for `Invalid`, one per field error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusCause {
    /// Machine-readable cause (`CauseType`, JSON `reason`), e.g. `FieldValueRequired`.
    #[serde(
        rename = "reason",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub cause_type: String,
    /// Human-readable description.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub message: String,
    /// The field path, e.g. `spec.containers[0].image`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub field: String,
}

/// `metav1.StatusDetails`: which object failed and why. Note that `kind` carries the *resource*
/// for most errors (upstream sets `Kind: qualifiedResource.Resource`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// Object name (or, for `ServerTimeout`, the operation).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub name: String,
    /// API group.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub group: String,
    /// Kind or resource.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// Object UID.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub uid: String,
    /// Causes, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying; 0 is omitted.
    #[serde(default, skip_serializing_if = "is_zero_i32", deserialize_with = "null_as_default")]
    pub retry_after_seconds: i32,
}

/// A `metav1.Status`: the body of every apiserver error response, and of some successful deletes.
///
/// Its `Display` is the message, so a `Status` works as an error with `?`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `Status` (omitted when empty).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// `v1` (omitted when empty).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: String,
    /// Always serialized, usually `{}`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ListMeta,
    /// [`STATUS_FAILURE`] or [`STATUS_SUCCESS`] (omitted when empty).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub status: String,
    /// Human-readable description (omitted when empty).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub message: String,
    /// Machine-readable reason (omitted when [`StatusReason::Unknown`]).
    #[serde(default, skip_serializing_if = "is_unknown_reason")]
    pub reason: StatusReason,
    /// Details; omitted only when `None` (an empty `Some` serializes as `{}`, as upstream's pointer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// HTTP status code (omitted when 0).
    #[serde(default, skip_serializing_if = "is_zero_i32", deserialize_with = "null_as_default")]
    pub code: i32,
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

fn is_unknown_reason(r: &StatusReason) -> bool {
    r.as_str().is_empty()
}

/// Go's decoder leaves a field at its zero value when the JSON holds `null`.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn details_for(gr: &GroupResource, name: &str) -> Option<StatusDetails> {
    Some(StatusDetails {
        name: name.to_string(),
        group: gr.group.clone(),
        kind: gr.resource.clone(),
        ..StatusDetails::default()
    })
}

fn retry_only(retry_after_seconds: i32) -> Option<StatusDetails> {
    Some(StatusDetails {
        retry_after_seconds,
        ..StatusDetails::default()
    })
}

impl Status {
    /// A failure with `code`, `reason` and `message`, already carrying `kind: Status` and
    /// `apiVersion: v1` as upstream's response writer sets them.
    pub fn failure(code: i32, reason: StatusReason, message: impl Into<String>) -> Self {
        Status {
            kind: "Status".to_string(),
            api_version: "v1".to_string(),
            status: STATUS_FAILURE.to_string(),
            message: message.into(),
            reason,
            code,
            ..Status::default()
        }
    }

    fn with_details(mut self, details: Option<StatusDetails>) -> Self {
        self.details = details;
        self
    }

    /// 404 `NotFound`: `pods "x" not found`, `deployments.apps "x" not found`; an empty name
    /// still prints its quotes (`pods "" not found`), as upstream does.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self::failure(
            404,
            StatusReason::NotFound,
            format!("{gr} {} not found", go_quote(name)),
        )
        .with_details(details_for(gr, name))
    }

    /// 409 `AlreadyExists`: `configmaps "c1" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!("{gr} {} already exists", go_quote(name)),
        )
        .with_details(details_for(gr, name))
    }

    /// 409 `AlreadyExists` for a `generateName` create that found no free name.
    pub fn generate_name_conflict(gr: &GroupResource, name: &str, retry_after_seconds: i32) -> Self {
        let message = format!(
            "{gr} {} already exists, the server was not able to generate a unique name for the object",
            go_quote(name)
        );
        let mut details = details_for(gr, name);
        if let Some(d) = details.as_mut() {
            d.retry_after_seconds = retry_after_seconds;
        }
        Self::failure(409, StatusReason::AlreadyExists, message).with_details(details)
    }

    /// 401 `Unauthorized`; an empty reason becomes `not authorized`.
    pub fn unauthorized(reason: &str) -> Self {
        let message = if reason.is_empty() { "not authorized" } else { reason };
        Self::failure(401, StatusReason::Unauthorized, message)
    }

    /// 403 `Forbidden`: `pods "x" is forbidden: <err>`; without a name `pods is forbidden: <err>`;
    /// without a resource `forbidden: <err>`.
    pub fn forbidden(gr: &GroupResource, name: &str, err: impl fmt::Display) -> Self {
        let message = if gr.is_empty() {
            format!("forbidden: {err}")
        } else if name.is_empty() {
            format!("{gr} is forbidden: {err}")
        } else {
            format!("{gr} {} is forbidden: {err}", go_quote(name))
        };
        Self::failure(403, StatusReason::Forbidden, message).with_details(details_for(gr, name))
    }

    /// 409 `Conflict`: `Operation cannot be fulfilled on configmaps "c1": <err>`
    /// (see [`OPTIMISTIC_LOCK_ERROR_MSG`]).
    pub fn conflict(gr: &GroupResource, name: &str, err: impl fmt::Display) -> Self {
        let message = format!("Operation cannot be fulfilled on {gr} {}: {err}", go_quote(name));
        Self::failure(409, StatusReason::Conflict, message).with_details(details_for(gr, name))
    }

    /// 409 `Conflict` for server-side apply, carrying the field-manager conflicts as causes.
    pub fn apply_conflict(causes: Vec<StatusCause>, message: impl Into<String>) -> Self {
        Self::failure(409, StatusReason::Conflict, message).with_details(Some(StatusDetails {
            causes,
            ..StatusDetails::default()
        }))
    }

    /// 410 `Gone` (deprecated upstream in favour of [`Status::resource_expired`]).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Gone, message)
    }

    /// 410 `Expired`: the requested resourceVersion is too old.
    pub fn resource_expired(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Expired, message)
    }

    /// 422 `Invalid`: `ConfigMap "x" is invalid: <aggregate>`, one cause per field error, in order.
    ///
    /// The aggregate drops repeated messages, prints a single error bare and several as
    /// `[a, b]`; with no errors the message is just `ConfigMap "x" is invalid`.
    pub fn invalid(gk: &GroupKind, name: &str, errs: &[field::Error]) -> Self {
        let causes = errs
            .iter()
            .map(|e| StatusCause {
                cause_type: e.error_type.as_str().to_string(),
                message: e.error_body(),
                field: e.field.clone(),
            })
            .collect();
        let message = match field::aggregate_message(errs) {
            Some(agg) => format!("{gk} {} is invalid: {agg}", go_quote(name)),
            None => format!("{gk} {} is invalid", go_quote(name)),
        };
        Self::failure(422, StatusReason::Invalid, message).with_details(Some(StatusDetails {
            name: name.to_string(),
            group: gk.group.clone(),
            kind: gk.kind.clone(),
            causes,
            ..StatusDetails::default()
        }))
    }

    /// 400 `BadRequest` with `reason` as the message.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::failure(400, StatusReason::BadRequest, reason)
    }

    /// 429 `TooManyRequests` (`NewTooManyRequests`); details always present, with
    /// `retryAfterSeconds` when non-zero.
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: i32) -> Self {
        Self::failure(429, StatusReason::TooManyRequests, message).with_details(retry_only(retry_after_seconds))
    }

    /// 429 `TooManyRequests` (`NewTooManyRequestsError`): `Too many requests: <message>`, no details.
    /// (The in-flight limiters do not use this; see [`TOO_MANY_REQUESTS_BODY`].)
    pub fn too_many_requests_error(message: &str) -> Self {
        Self::failure(
            429,
            StatusReason::TooManyRequests,
            format!("Too many requests: {message}"),
        )
    }

    /// 503 `ServiceUnavailable` with `reason` as the message.
    pub fn service_unavailable(reason: impl Into<String>) -> Self {
        Self::failure(503, StatusReason::ServiceUnavailable, reason)
    }

    /// 405 `MethodNotAllowed`: `<action> is not supported on resources of kind "pods"`.
    pub fn method_not_supported(gr: &GroupResource, action: &str) -> Self {
        let message = format!(
            "{action} is not supported on resources of kind {}",
            go_quote(&gr.to_string())
        );
        Self::failure(405, StatusReason::MethodNotAllowed, message).with_details(details_for(gr, ""))
    }

    /// 500 `ServerTimeout`: `The <op> operation against <gr> could not be completed at this time,
    /// please try again.`; details name the operation.
    pub fn server_timeout(gr: &GroupResource, operation: &str, retry_after_seconds: i32) -> Self {
        let message =
            format!("The {operation} operation against {gr} could not be completed at this time, please try again.");
        let mut details = details_for(gr, operation);
        if let Some(d) = details.as_mut() {
            d.retry_after_seconds = retry_after_seconds;
        }
        Self::failure(500, StatusReason::ServerTimeout, message).with_details(details)
    }

    /// [`Status::server_timeout`] with a kind standing in for the resource (`NewServerTimeoutForKind`).
    pub fn server_timeout_for_kind(gk: &GroupKind, operation: &str, retry_after_seconds: i32) -> Self {
        Self::server_timeout(
            &GroupResource::new(gk.group.clone(), gk.kind.clone()),
            operation,
            retry_after_seconds,
        )
    }

    /// 500 `InternalError`: `Internal error occurred: <err>`, with the error as the only cause.
    pub fn internal_error(err: impl fmt::Display) -> Self {
        let err = err.to_string();
        Self::failure(
            500,
            StatusReason::InternalError,
            format!("Internal error occurred: {err}"),
        )
        .with_details(Some(StatusDetails {
            causes: vec![StatusCause {
                message: err,
                ..StatusCause::default()
            }],
            ..Default::default()
        }))
    }

    /// 504 `Timeout`: `Timeout: <message>`; details always present.
    pub fn timeout(message: &str, retry_after_seconds: i32) -> Self {
        Self::failure(504, StatusReason::Timeout, format!("Timeout: {message}"))
            .with_details(retry_only(retry_after_seconds))
    }

    /// 413 `RequestEntityTooLarge`: `Request entity too large: <message>`.
    pub fn request_entity_too_large(message: &str) -> Self {
        Self::failure(
            413,
            StatusReason::RequestEntityTooLarge,
            format!("Request entity too large: {message}"),
        )
    }

    /// 406 `NotAcceptable` from content negotiation:
    /// `only the following media types are accepted: application/json, ...`.
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        let message = format!("only the following media types are accepted: {}", accepted.join(", "));
        Self::failure(406, StatusReason::NotAcceptable, message)
    }

    /// 406 `NotAcceptable` for a conversion (e.g. to `Table`) the media type cannot carry.
    pub fn not_acceptable_conversion(target: &str, accepted: &[&str]) -> Self {
        let message = format!(
            "only the following media types are accepted when converting to {target}: {}",
            accepted.join(", ")
        );
        Self::failure(406, StatusReason::NotAcceptable, message)
    }

    /// 415 `UnsupportedMediaType`:
    /// `the body of the request was in an unknown format - accepted media types include: ...`.
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        let message = format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        );
        Self::failure(415, StatusReason::UnsupportedMediaType, message)
    }

    /// `NewGenericServerResponse`: the status for a bare HTTP code. The apiserver answers unknown
    /// paths with `generic_server_response(404, "", &GroupResource::default(), "", "", 0, false)`
    /// (`the server could not find the requested resource`, `"details":{}`).
    pub fn generic_server_response(
        code: i32,
        verb: &str,
        gr: &GroupResource,
        name: &str,
        server_message: &str,
        retry_after_seconds: i32,
        is_unexpected_response: bool,
    ) -> Self {
        let (reason, mut message) = match code {
            409 => {
                let reason = if verb == "POST" { StatusReason::AlreadyExists } else { StatusReason::Conflict };
                (reason, "the server reported a conflict".to_string())
            }
            404 => (StatusReason::NotFound, "the server could not find the requested resource".to_string()),
            400 => (StatusReason::BadRequest, "the server rejected our request for an unknown reason".to_string()),
            401 => (
                StatusReason::Unauthorized,
                "the server has asked for the client to provide credentials".to_string(),
            ),
            403 => (StatusReason::Forbidden, server_message.to_string()),
            406 => {
                let message = if server_message.is_empty() || server_message == "unknown" {
                    "the server was unable to respond with a content type that the client supports".to_string()
                } else {
                    server_message.to_string()
                };
                (StatusReason::NotAcceptable, message)
            }
            415 => (StatusReason::UnsupportedMediaType, server_message.to_string()),
            405 => (
                StatusReason::MethodNotAllowed,
                "the server does not allow this method on the requested resource".to_string(),
            ),
            422 => (
                StatusReason::Invalid,
                "the server rejected our request due to an error in our request".to_string(),
            ),
            503 => (StatusReason::ServiceUnavailable, "the server is currently unable to handle the request".to_string()),
            504 => (
                StatusReason::Timeout,
                "the server was unable to return a response in the time allotted, but may still be processing the request"
                    .to_string(),
            ),
            429 => (
                StatusReason::TooManyRequests,
                "the server has received too many requests and has asked us to try again later".to_string(),
            ),
            c if c >= 500 => (
                StatusReason::InternalError,
                format!(
                    "an error on the server ({}) has prevented the request from succeeding",
                    go_quote(server_message)
                ),
            ),
            c => (
                StatusReason::Unknown,
                format!("the server responded with the status code {c} but did not return more information"),
            ),
        };
        if !gr.is_empty() {
            let verb = verb.to_lowercase();
            message = if name.is_empty() {
                format!("{message} ({verb} {gr})")
            } else {
                format!("{message} ({verb} {gr} {name})")
            };
        }
        let causes = if is_unexpected_response {
            vec![StatusCause {
                cause_type: "UnexpectedServerResponse".to_string(),
                message: server_message.to_string(),
                field: String::new(),
            }]
        } else {
            Vec::new()
        };
        Self::failure(code, reason, message).with_details(Some(StatusDetails {
            name: name.to_string(),
            group: gr.group.clone(),
            kind: gr.resource.clone(),
            uid: String::new(),
            causes,
            retry_after_seconds,
        }))
    }

    /// The `Success` status the generic registry returns from a delete when it does not return
    /// the object: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",
    /// "details":{"name":..,"group":..,"kind":<resource>,"uid":..}}` (no `code`).
    pub fn deleted(gr: &GroupResource, name: &str, uid: &str) -> Self {
        Status {
            kind: "Status".to_string(),
            api_version: "v1".to_string(),
            status: STATUS_SUCCESS.to_string(),
            details: Some(StatusDetails {
                name: name.to_string(),
                group: gr.group.clone(),
                kind: gr.resource.clone(),
                uid: uid.to_string(),
                ..StatusDetails::default()
            }),
            ..Status::default()
        }
    }

    /// Fills what upstream's `ErrorToAPIStatus` fills before writing an error: `kind`/`apiVersion`,
    /// `status` defaulting to `Failure`, and a zero `code` becoming 200 (success) or 500.
    pub fn normalized(mut self) -> Self {
        if self.status.is_empty() {
            self.status = STATUS_FAILURE.to_string();
        }
        if self.code == 0 {
            self.code = if self.status == STATUS_SUCCESS { 200 } else { 500 };
        }
        self.kind = "Status".to_string();
        self.api_version = "v1".to_string();
        self
    }

    /// The HTTP status to answer with (500 when `code` is not a valid HTTP status).
    pub fn http_code(&self) -> u16 {
        u16::try_from(self.code)
            .ok()
            .filter(|c| (100..=599).contains(c))
            .unwrap_or(500)
    }

    /// JSON exactly as Go's `encoding/json` writes it (HTML-safe escaping), without a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        to_go_json(self)
    }

    /// The response body upstream writes: [`Status::to_json`] followed by `\n`.
    pub fn to_response_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut body = to_go_json(self)?.into_bytes();
        body.push(b'\n');
        Ok(body)
    }

    fn reason_or_code(&self, reason: StatusReason, code: i32) -> bool {
        self.reason == reason || (!self.reason.is_known() && self.code == code)
    }

    /// `IsNotFound`: reason `NotFound`, or an unknown reason with code 404.
    pub fn is_not_found(&self) -> bool {
        self.reason_or_code(StatusReason::NotFound, 404)
    }
    /// `IsAlreadyExists`: reason `AlreadyExists` only.
    pub fn is_already_exists(&self) -> bool {
        self.reason == StatusReason::AlreadyExists
    }
    /// `IsConflict`: reason `Conflict`, or an unknown reason with code 409.
    pub fn is_conflict(&self) -> bool {
        self.reason_or_code(StatusReason::Conflict, 409)
    }
    /// `IsInvalid`: reason `Invalid`, or an unknown reason with code 422.
    pub fn is_invalid(&self) -> bool {
        self.reason_or_code(StatusReason::Invalid, 422)
    }
    /// `IsGone`: reason `Gone`, or an unknown reason with code 410.
    pub fn is_gone(&self) -> bool {
        self.reason_or_code(StatusReason::Gone, 410)
    }
    /// `IsResourceExpired`: reason `Expired` only.
    pub fn is_resource_expired(&self) -> bool {
        self.reason == StatusReason::Expired
    }
    /// `IsNotAcceptable`: reason `NotAcceptable`, or an unknown reason with code 406.
    pub fn is_not_acceptable(&self) -> bool {
        self.reason_or_code(StatusReason::NotAcceptable, 406)
    }
    /// `IsUnsupportedMediaType`: reason `UnsupportedMediaType`, or an unknown reason with code 415.
    pub fn is_unsupported_media_type(&self) -> bool {
        self.reason_or_code(StatusReason::UnsupportedMediaType, 415)
    }
    /// `IsMethodNotSupported`: reason `MethodNotAllowed`, or an unknown reason with code 405.
    pub fn is_method_not_supported(&self) -> bool {
        self.reason_or_code(StatusReason::MethodNotAllowed, 405)
    }
    /// `IsServiceUnavailable`: reason `ServiceUnavailable`, or an unknown reason with code 503.
    pub fn is_service_unavailable(&self) -> bool {
        self.reason_or_code(StatusReason::ServiceUnavailable, 503)
    }
    /// `IsBadRequest`: reason `BadRequest`, or an unknown reason with code 400.
    pub fn is_bad_request(&self) -> bool {
        self.reason_or_code(StatusReason::BadRequest, 400)
    }
    /// `IsUnauthorized`: reason `Unauthorized`, or an unknown reason with code 401.
    pub fn is_unauthorized(&self) -> bool {
        self.reason_or_code(StatusReason::Unauthorized, 401)
    }
    /// `IsForbidden`: reason `Forbidden`, or an unknown reason with code 403.
    pub fn is_forbidden(&self) -> bool {
        self.reason_or_code(StatusReason::Forbidden, 403)
    }
    /// `IsTimeout`: reason `Timeout`, or an unknown reason with code 504.
    pub fn is_timeout(&self) -> bool {
        self.reason_or_code(StatusReason::Timeout, 504)
    }
    /// `IsServerTimeout`: reason `ServerTimeout` only.
    pub fn is_server_timeout(&self) -> bool {
        self.reason == StatusReason::ServerTimeout
    }
    /// `IsInternalError`: reason `InternalError`, or an unknown reason with code 500.
    pub fn is_internal_error(&self) -> bool {
        self.reason_or_code(StatusReason::InternalError, 500)
    }
    /// `IsTooManyRequests`: reason `TooManyRequests`, or code 429 whatever the reason.
    pub fn is_too_many_requests(&self) -> bool {
        self.reason == StatusReason::TooManyRequests || self.code == 429
    }
    /// `IsRequestEntityTooLargeError`: reason `RequestEntityTooLarge`, or code 413 whatever the reason.
    pub fn is_request_entity_too_large(&self) -> bool {
        self.reason == StatusReason::RequestEntityTooLarge || self.code == 413
    }

    /// `SuggestsClientDelay`: the seconds to wait, for a `ServerTimeout` (even 0) or any status
    /// with a positive `retryAfterSeconds`.
    pub fn suggests_client_delay(&self) -> Option<i32> {
        let details = self.details.as_ref()?;
        if self.reason == StatusReason::ServerTimeout || details.retry_after_seconds > 0 {
            Some(details.retry_after_seconds)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::field::{self, BadValue, Path};

    #[test]
    fn bad_value_from_float() {
        assert_eq!(BadValue::from(2.5).clone(), BadValue::Float(2.5));
    }
    use super::*;

    fn gr(group: &str, resource: &str) -> GroupResource {
        GroupResource::new(group, resource)
    }

    #[test]
    fn group_resource_and_kind_strings() {
        let cases = [
            (gr("", "pods").to_string(), "pods"),
            (gr("apps", "deployments").to_string(), "deployments.apps"),
            (GroupKind::new("", "ConfigMap").to_string(), "ConfigMap"),
            (GroupKind::new("apps", "Deployment").to_string(), "Deployment.apps"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn golden_not_found_body() {
        let body = Status::not_found(&gr("", "pods"), "x").to_json().unwrap();
        assert_eq!(
            body,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#
        );
        let raw = Status::not_found(&gr("", "pods"), "x").to_response_body().unwrap();
        assert_eq!(raw.last(), Some(&b'\n'));
        assert_eq!(&raw[..raw.len() - 1], body.as_bytes());
    }

    #[test]
    fn golden_conflict_body() {
        let body = Status::conflict(&gr("", "configmaps"), "c1", OPTIMISTIC_LOCK_ERROR_MSG)
            .to_json()
            .unwrap();
        assert_eq!(
            body,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"c1\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"c1","kind":"configmaps"},"code":409}"#
        );
    }

    #[test]
    fn golden_invalid_body_with_causes() {
        let spec = Path::new("spec");
        let errs = vec![
            field::invalid(&spec.child("replicas"), -1i64, "must be greater than or equal to 0"),
            field::required(&spec.child("template").child("spec").child("containers"), ""),
        ];
        let body = Status::invalid(&GroupKind::new("apps", "Deployment"), "web", &errs)
            .to_json()
            .unwrap();
        assert_eq!(
            body,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers: Required value]","reason":"Invalid","details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.template.spec.containers"}]},"code":422}"#
        );
    }

    #[test]
    fn golden_unknown_path_404_has_empty_details() {
        let s = Status::generic_server_response(404, "", &GroupResource::default(), "", "", 0, false);
        assert_eq!(
            s.to_json().unwrap(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
        );
    }

    #[test]
    fn golden_delete_success_body() {
        let s = Status::deleted(&gr("", "configmaps"), "c1", "0c5e");
        assert_eq!(
            s.to_json().unwrap(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"c1","kind":"configmaps","uid":"0c5e"}}"#
        );
    }

    #[test]
    fn messages_codes_and_reasons_match_upstream() {
        let apps = gr("apps", "deployments");
        let pods = gr("", "pods");
        let cases: Vec<(Status, i32, StatusReason, &str)> = vec![
            (
                Status::not_found(&pods, "x"),
                404,
                StatusReason::NotFound,
                r#"pods "x" not found"#,
            ),
            (
                Status::not_found(&apps, "x"),
                404,
                StatusReason::NotFound,
                r#"deployments.apps "x" not found"#,
            ),
            (
                Status::not_found(&pods, ""),
                404,
                StatusReason::NotFound,
                r#"pods "" not found"#,
            ),
            (
                Status::already_exists(&gr("", "configmaps"), "c1"),
                409,
                StatusReason::AlreadyExists,
                r#"configmaps "c1" already exists"#,
            ),
            (
                Status::generate_name_conflict(&pods, "p-abcde", 1),
                409,
                StatusReason::AlreadyExists,
                r#"pods "p-abcde" already exists, the server was not able to generate a unique name for the object"#,
            ),
            (
                Status::unauthorized(""),
                401,
                StatusReason::Unauthorized,
                "not authorized",
            ),
            (
                Status::unauthorized("Unauthorized"),
                401,
                StatusReason::Unauthorized,
                "Unauthorized",
            ),
            (
                Status::forbidden(&pods, "x", "User \"bob\" cannot get resource \"pods\""),
                403,
                StatusReason::Forbidden,
                r#"pods "x" is forbidden: User "bob" cannot get resource "pods""#,
            ),
            (
                Status::forbidden(&pods, "", "nope"),
                403,
                StatusReason::Forbidden,
                "pods is forbidden: nope",
            ),
            (
                Status::forbidden(&GroupResource::default(), "", "nope"),
                403,
                StatusReason::Forbidden,
                "forbidden: nope",
            ),
            (Status::gone("too old"), 410, StatusReason::Gone, "too old"),
            (
                Status::resource_expired("too old resource version: 1 (5)"),
                410,
                StatusReason::Expired,
                "too old resource version: 1 (5)",
            ),
            (Status::bad_request("bad"), 400, StatusReason::BadRequest, "bad"),
            (
                Status::too_many_requests("slow down", 3),
                429,
                StatusReason::TooManyRequests,
                "slow down",
            ),
            (
                Status::too_many_requests_error("slow down"),
                429,
                StatusReason::TooManyRequests,
                "Too many requests: slow down",
            ),
            (
                Status::service_unavailable("later"),
                503,
                StatusReason::ServiceUnavailable,
                "later",
            ),
            (
                Status::method_not_supported(&apps, "create"),
                405,
                StatusReason::MethodNotAllowed,
                r#"create is not supported on resources of kind "deployments.apps""#,
            ),
            (
                Status::server_timeout(&pods, "get", 2),
                500,
                StatusReason::ServerTimeout,
                "The get operation against pods could not be completed at this time, please try again.",
            ),
            (
                Status::internal_error("boom"),
                500,
                StatusReason::InternalError,
                "Internal error occurred: boom",
            ),
            (
                Status::timeout("request did not complete within 1m0s", 0),
                504,
                StatusReason::Timeout,
                "Timeout: request did not complete within 1m0s",
            ),
            (
                Status::request_entity_too_large("limit is 3145728"),
                413,
                StatusReason::RequestEntityTooLarge,
                "Request entity too large: limit is 3145728",
            ),
            (
                Status::not_acceptable(&["application/json", "application/yaml"]),
                406,
                StatusReason::NotAcceptable,
                "only the following media types are accepted: application/json, application/yaml",
            ),
            (
                Status::not_acceptable_conversion("meta.k8s.io/v1 Table", &["application/json"]),
                406,
                StatusReason::NotAcceptable,
                "only the following media types are accepted when converting to meta.k8s.io/v1 Table: application/json",
            ),
            (
                Status::unsupported_media_type(&["application/json-patch+json", "application/merge-patch+json"]),
                415,
                StatusReason::UnsupportedMediaType,
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
            ),
        ];
        for (status, code, reason, message) in cases {
            assert_eq!(status.code, code, "{message}");
            assert_eq!(status.reason, reason, "{message}");
            assert_eq!(status.message, message);
            assert_eq!(status.to_string(), message, "Display is the message");
            assert_eq!(status.status, STATUS_FAILURE);
        }
    }

    #[test]
    fn details_match_upstream_shapes() {
        let s = Status::server_timeout(&gr("", "pods"), "get", 2);
        assert_eq!(
            serde_json::to_value(&s.details).unwrap(),
            serde_json::json!({"name": "get", "kind": "pods", "retryAfterSeconds": 2})
        );
        // Details present but empty when there is nothing to say: `"details":{}`.
        let s = Status::timeout("x", 0);
        assert!(s.to_json().unwrap().contains(r#""details":{},"code":504"#));
        let s = Status::too_many_requests("x", 5);
        assert!(
            s.to_json()
                .unwrap()
                .contains(r#""details":{"retryAfterSeconds":5},"code":429"#)
        );
        // No details at all for the plain message errors.
        assert!(!Status::bad_request("x").to_json().unwrap().contains("details"));
        let s = Status::internal_error("boom");
        assert!(
            s.to_json()
                .unwrap()
                .contains(r#""details":{"causes":[{"message":"boom"}]}"#)
        );
        let s = Status::method_not_supported(&gr("apps", "deployments"), "create");
        assert!(
            s.to_json()
                .unwrap()
                .contains(r#""details":{"group":"apps","kind":"deployments"}"#)
        );
    }

    #[test]
    fn generic_server_response_messages() {
        let pods = gr("", "pods");
        let cases = [
            (
                409,
                "POST",
                "",
                StatusReason::AlreadyExists,
                "the server reported a conflict (post pods x)",
            ),
            (
                409,
                "PUT",
                "",
                StatusReason::Conflict,
                "the server reported a conflict (put pods x)",
            ),
            (403, "GET", "denied", StatusReason::Forbidden, "denied (get pods x)"),
            (
                406,
                "GET",
                "",
                StatusReason::NotAcceptable,
                "the server was unable to respond with a content type that the client supports (get pods x)",
            ),
            (
                502,
                "GET",
                "bad gw",
                StatusReason::InternalError,
                r#"an error on the server ("bad gw") has prevented the request from succeeding (get pods x)"#,
            ),
            (
                302,
                "GET",
                "",
                StatusReason::Unknown,
                "the server responded with the status code 302 but did not return more information (get pods x)",
            ),
        ];
        for (code, verb, server_message, reason, message) in cases {
            let s = Status::generic_server_response(code, verb, &pods, "x", server_message, 0, false);
            assert_eq!((s.reason.clone(), s.message.as_str()), (reason, message));
        }
        let s = Status::generic_server_response(500, "GET", &GroupResource::default(), "", "oops", 0, true);
        assert_eq!(s.details.unwrap().causes[0].cause_type, "UnexpectedServerResponse");
    }

    #[test]
    fn go_json_escapes_html_like_encoding_json() {
        let s = Status::bad_request("a <b> & c\u{2028}");
        assert_eq!(
            s.to_json().unwrap(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"a \u003cb\u003e \u0026 c\u2028","reason":"BadRequest","code":400}"#
        );
        // Plain serde output keeps them, which is still valid JSON that decodes identically.
        let plain = serde_json::to_string(&s).unwrap();
        assert!(plain.contains("a <b> & c"));
    }

    #[test]
    fn decodes_upstream_bodies() {
        let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{"resourceVersion":"12"},"status":"Failure","message":"m","reason":"SomethingNew","details":{"name":"x","causes":[{"reason":"FieldValueInvalid","message":"Invalid value","field":"a"}],"retryAfterSeconds":3},"code":418,"extra":true}"#;
        let s: Status = serde_json::from_str(body).unwrap();
        assert_eq!(s.reason, StatusReason::Other("SomethingNew".to_string()));
        assert_eq!(s.metadata.resource_version, "12");
        assert_eq!(s.code, 418);
        let d = s.details.as_ref().unwrap();
        assert_eq!(
            (d.name.as_str(), d.retry_after_seconds, d.causes[0].field.as_str()),
            ("x", 3, "a")
        );
        // Round trip keeps the body (minus unknown fields).
        assert_eq!(s.to_json().unwrap(), body.replace(r#","extra":true"#, ""));
        let nulls: Status =
            serde_json::from_str(r#"{"metadata":null,"message":null,"reason":null,"details":null}"#).unwrap();
        assert_eq!(nulls, Status::default());
        assert_eq!(Status::default().to_json().unwrap(), r#"{"metadata":{}}"#);
    }

    #[test]
    fn reason_wire_strings_round_trip() {
        for (reason, wire) in StatusReason::KNOWN.iter() {
            assert_eq!(reason.as_str(), *wire);
            assert_eq!(&StatusReason::from_wire(wire), reason);
        }
        assert_eq!(StatusReason::from_wire(""), StatusReason::Unknown);
        assert_eq!(StatusReason::StoreReadError.as_str(), "StorageReadError");
    }

    #[test]
    fn normalized_fills_what_error_to_api_status_fills() {
        let bare = Status {
            message: "x".to_string(),
            ..Status::default()
        }
        .normalized();
        assert_eq!(
            (
                bare.kind.as_str(),
                bare.api_version.as_str(),
                bare.status.as_str(),
                bare.code
            ),
            ("Status", "v1", "Failure", 500)
        );
        let ok = Status {
            status: STATUS_SUCCESS.to_string(),
            ..Status::default()
        }
        .normalized();
        assert_eq!(ok.code, 200);
        assert_eq!(Status::failure(999, StatusReason::Unknown, "").http_code(), 500);
        assert_eq!(Status::not_found(&gr("", "pods"), "x").http_code(), 404);
    }

    #[test]
    fn is_helpers_follow_reason_then_code() {
        assert!(Status::not_found(&gr("", "pods"), "x").is_not_found());
        let unknown_404 = Status::failure(404, StatusReason::Unknown, "");
        assert!(unknown_404.is_not_found());
        // A known reason with another code is not re-read from the code.
        assert!(!Status::failure(404, StatusReason::Gone, "").is_not_found());
        assert!(!Status::failure(409, StatusReason::Unknown, "").is_already_exists());
        assert!(Status::failure(429, StatusReason::BadRequest, "").is_too_many_requests());
        assert!(Status::conflict(&gr("", "pods"), "x", "e").is_conflict());
        assert!(Status::invalid(&GroupKind::new("", "Pod"), "x", &[]).is_invalid());
        assert_eq!(
            Status::server_timeout(&gr("", "pods"), "get", 0).suggests_client_delay(),
            Some(0)
        );
        assert_eq!(Status::too_many_requests("x", 4).suggests_client_delay(), Some(4));
        assert_eq!(Status::too_many_requests("x", 0).suggests_client_delay(), None);
    }

    #[test]
    fn status_is_a_std_error_usable_with_question_mark() {
        fn fails() -> Result<(), Box<dyn std::error::Error>> {
            Err(Status::not_found(&GroupResource::new("", "pods"), "x"))?;
            Ok(())
        }
        assert_eq!(fails().unwrap_err().to_string(), r#"pods "x" not found"#);
    }

    #[test]
    fn invalid_aggregate_formatting() {
        let gk = GroupKind::new("", "ConfigMap");
        let a = field::required(&Path::new("data"), "");
        let b = field::invalid(&Path::new("metadata").child("name"), "X", "bad name");
        let cases: Vec<(Vec<field::Error>, &str)> = vec![
            (vec![], r#"ConfigMap "x" is invalid"#),
            (vec![a.clone()], r#"ConfigMap "x" is invalid: data: Required value"#),
            (
                vec![a.clone(), a.clone()],
                r#"ConfigMap "x" is invalid: data: Required value"#,
            ),
            (
                vec![a.clone(), b.clone(), a.clone()],
                r#"ConfigMap "x" is invalid: [data: Required value, metadata.name: Invalid value: "X": bad name]"#,
            ),
        ];
        for (errs, message) in cases {
            let s = Status::invalid(&gk, "x", &errs);
            assert_eq!(s.message, message);
            // Causes keep every error, duplicates included.
            assert_eq!(s.details.as_ref().map(|d| d.causes.len()), Some(errs.len()));
        }
    }

    #[test]
    fn field_paths() {
        let cases = [
            (
                Path::new("spec").child("containers").index(0).child("image"),
                "spec.containers[0].image",
            ),
            (Path::new("metadata").child("labels").key("app"), "metadata.labels[app]"),
            (Path::new("spec").index(2).index(3), "spec[2][3]"),
            (Path::new("a").child("b").key("c.d").child("e"), "a.b[c.d].e"),
            (Path::default(), "<nil>"),
            (Path::new(""), "[]"),
            (Path::new("spec").child("x").root(), "spec"),
        ];
        for (path, want) in cases {
            assert_eq!(path.to_string(), want);
        }
    }

    #[test]
    fn field_error_strings() {
        let p = Path::new("spec").child("f");
        let cases: Vec<(field::Error, &str)> = vec![
            (field::required(&p, ""), "spec.f: Required value"),
            (
                field::required(&p, "must be set"),
                "spec.f: Required value: must be set",
            ),
            (
                field::invalid(&p, "a\"b", "bad"),
                r#"spec.f: Invalid value: "a\"b": bad"#,
            ),
            (field::invalid(&p, "", ""), r#"spec.f: Invalid value: """#),
            (field::invalid(&p, 5i64, "too big"), "spec.f: Invalid value: 5: too big"),
            (field::invalid(&p, true, ""), "spec.f: Invalid value: true"),
            (field::invalid(&p, 0.5, ""), "spec.f: Invalid value: 0.5"),
            (field::invalid(&p, 1e6, ""), "spec.f: Invalid value: 1e+06"),
            (
                field::invalid(&p, vec!["a".to_string(), "<b>".to_string()], "x"),
                r#"spec.f: Invalid value: ["a","\u003cb\u003e"]: x"#,
            ),
            (
                field::invalid(&p, serde_json::Value::Null, "x"),
                "spec.f: Invalid value: null: x",
            ),
            (
                field::invalid(&p, serde_json::json!({"b": 1, "a": "x"}), ""),
                r#"spec.f: Invalid value: {"a":"x","b":1}"#,
            ),
            (
                field::type_invalid(&p, "x", "expected integer"),
                r#"spec.f: Invalid value: "x": expected integer"#,
            ),
            (
                field::not_supported(&p, "Bogus", &["Always", "Never"]),
                r#"spec.f: Unsupported value: "Bogus": supported values: "Always", "Never""#,
            ),
            (
                field::not_supported::<&str>(&p, "Bogus", &[]),
                r#"spec.f: Unsupported value: "Bogus""#,
            ),
            (field::duplicate(&p, "a"), r#"spec.f: Duplicate value: "a""#),
            (field::not_found(&p, "a"), r#"spec.f: Not found: "a""#),
            (
                field::forbidden(&p, "may not be set"),
                "spec.f: Forbidden: may not be set",
            ),
            (
                field::too_long(&p, 63),
                "spec.f: Too long: may not be more than 63 bytes",
            ),
            (field::too_long(&p, 1), "spec.f: Too long: may not be more than 1 byte"),
            (field::too_long(&p, -1), "spec.f: Too long: value is too long"),
            (
                field::too_long_max_length(&p, 10),
                "spec.f: Too long: may not be more than 10 bytes",
            ),
            (
                field::too_long_characters(&p, 5),
                "spec.f: Too long: may not be more than 5 characters",
            ),
            (
                field::too_many(&p, 5, 3),
                "spec.f: Too many: 5: must have at most 3 items",
            ),
            (field::too_many(&p, -1, 1), "spec.f: Too many: must have at most 1 item"),
            (field::too_many(&p, 2, -1), "spec.f: Too many: 2: has too many items"),
            (
                field::too_few(&p, 1, 2),
                "spec.f: Too few: 1: must have at least 2 items",
            ),
            (
                field::too_short(&p, "ab", 3),
                "spec.f: Too short: must be at least 3 characters",
            ),
            (field::internal_error(&p, "oops"), "spec.f: Internal error: oops"),
            (
                field::internal_error(&Path::default(), "oops"),
                "<nil>: Internal error: oops",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
            assert_eq!(format!("{}: {}", err.field, err.error_body()), want);
        }
    }

    #[test]
    fn field_error_types_are_cause_types() {
        let p = Path::new("x");
        let cases = [
            (field::required(&p, "").error_type.as_str(), "FieldValueRequired"),
            (field::invalid(&p, 1i64, "").error_type.as_str(), "FieldValueInvalid"),
            (
                field::not_supported::<&str>(&p, "a", &[]).error_type.as_str(),
                "FieldValueNotSupported",
            ),
            (field::too_long(&p, 1).error_type.as_str(), "FieldValueTooLong"),
            (field::too_many(&p, 1, 1).error_type.as_str(), "FieldValueTooMany"),
            (field::internal_error(&p, "e").error_type.as_str(), "InternalError"),
            (field::forbidden(&p, "").error_type.as_str(), "FieldValueForbidden"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(field::aggregate_message(&[]), None);
    }
}

//! JSON patch, JSON merge patch and strategic merge patch, as kube-apiserver applies them.
//!
//! Strategic merge patch needs each field's patch strategy and merge key, which upstream reads from Go
//! struct tags. Here they come from a [`PatchMeta`] the caller supplies (the apiserver's schema table),
//! so this module stays free of any type table.

mod gofmt;
pub mod json_patch;
pub mod merge_patch;
pub mod strategic;

pub use json_patch::{JsonPatchError, JsonPatchLimits};
pub use merge_patch::MergePatchError;
pub use strategic::StrategicPatchError;

use serde_json::Value;

use crate::status::{Status, StatusReason};

/// How a field merges in a strategic merge patch (upstream's `patchStrategy` struct tag).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatchStrategy {
    /// `merge`: lists merge element by element (by merge key for lists of objects).
    pub merge: bool,
    /// `retainKeys`: keys absent from the patch are cleared (used by unions such as volume sources).
    pub retain_keys: bool,
    /// `replace`: the patch value replaces the field wholesale.
    pub replace: bool,
}

/// What a field's value is, as far as patching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A struct: patched field by field with [`FieldPatch::schema`] describing its fields.
    Object,
    /// A `map[string]T`: patched key by key; [`FieldPatch::schema`] describes the values when they are structs.
    Map,
    /// A list; [`FieldPatch::schema`] describes the elements when they are structs.
    List,
    /// A scalar, or free-form JSON (RawExtension, JSON): replaced as a whole.
    Primitive,
}

/// The patch metadata of one field of a struct.
#[derive(Clone, Copy)]
pub struct FieldPatch<'a> {
    pub kind: FieldKind,
    pub strategy: PatchStrategy,
    /// `patchMergeKey`, for lists of structs merged element by element.
    pub merge_key: Option<&'a str>,
    /// The struct schema of the value (objects), of each value (maps) or of each element (lists); `None`
    /// when those are scalars or free-form.
    pub schema: Option<&'a dyn PatchMeta>,
}

impl std::fmt::Debug for FieldPatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldPatch")
            .field("kind", &self.kind)
            .field("strategy", &self.strategy)
            .field("merge_key", &self.merge_key)
            .field("has_schema", &self.schema.is_some())
            .finish()
    }
}

/// The fields of one struct type, by JSON name, with their patch metadata.
pub trait PatchMeta: Send + Sync {
    /// The field named `json_name`, or `None` when the struct has no such field.
    fn field(&self, json_name: &str) -> Option<FieldPatch<'_>>;
}

impl PatchStrategy {
    /// No strategy: lists are replaced, structs and maps merged key by key.
    pub const NONE: PatchStrategy = PatchStrategy {
        merge: false,
        retain_keys: false,
        replace: false,
    };
    /// `patchStrategy:"merge"`.
    pub const MERGE: PatchStrategy = PatchStrategy {
        merge: true,
        retain_keys: false,
        replace: false,
    };
    /// `patchStrategy:"merge,retainKeys"`.
    pub const MERGE_RETAIN_KEYS: PatchStrategy = PatchStrategy {
        merge: true,
        retain_keys: true,
        replace: false,
    };
    /// `patchStrategy:"retainKeys"`.
    pub const RETAIN_KEYS: PatchStrategy = PatchStrategy {
        merge: false,
        retain_keys: true,
        replace: false,
    };
    /// `patchStrategy:"replace"`.
    pub const REPLACE: PatchStrategy = PatchStrategy {
        merge: false,
        retain_keys: false,
        replace: true,
    };
}

/// The patch formats a PATCH request can carry (upstream's `types.PatchType`), server-side apply aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json`: RFC 6902 operations.
    Json,
    /// `application/merge-patch+json`: RFC 7386 merge patch.
    Merge,
    /// `application/strategic-merge-patch+json`: Kubernetes' strategic merge patch.
    Strategic,
}

impl PatchType {
    /// The type a `Content-Type` header names; parameters (`; charset=utf-8`) are ignored as upstream
    /// ignores them. `None` for anything else (upstream answers 415 then).
    pub fn from_content_type(content_type: &str) -> Option<PatchType> {
        let media = match content_type.find(';') {
            Some(idx) if idx > 0 => &content_type[..idx],
            _ => content_type,
        };
        match media {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            _ => None,
        }
    }

    /// The media type of this patch format.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::Strategic => "application/strategic-merge-patch+json",
        }
    }
}

/// Why a PATCH body could not be applied; [`PatchError::to_status`] answers with what upstream answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A JSON patch failed to decode, was too long, or did not apply.
    #[error(transparent)]
    Json(#[from] JsonPatchError),
    /// A JSON merge patch was not a JSON document.
    #[error(transparent)]
    Merge(#[from] MergePatchError),
    /// A strategic merge patch failed to decode or did not apply.
    #[error(transparent)]
    Strategic(#[from] StrategicPatchError),
}

impl PatchError {
    /// The HTTP code upstream answers with: 400 for malformed patches, 413 for too many JSON patch
    /// operations, 422 for JSON patches that do not apply (and the two strategic errors upstream maps
    /// there), 500 for the errors upstream passes on unclassified.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::Json(e) => e.code(),
            PatchError::Merge(e) => e.code(),
            PatchError::Strategic(e) => e.code(),
        }
    }

    /// The `Status` upstream's handler writes for this error.
    ///
    /// 422s come from `NewGenericServerResponse`, which keeps only the generic text (`the server
    /// rejected our request due to an error in our request`); the library message is in
    /// `Display`. Unclassified errors are 500 with an empty reason and the message verbatim, as
    /// upstream's `ErrorToAPIStatus` builds them for errors that are not a `Status`.
    pub fn to_status(&self) -> Status {
        let message = self.to_string();
        match self.code() {
            400 => Status::bad_request(message),
            413 => Status::request_entity_too_large(&message),
            422 => Status::generic_server_response(
                422,
                "",
                &crate::status::GroupResource::default(),
                "",
                &message,
                0,
                false,
            ),
            code => Status::failure(i32::from(code), StatusReason::Unknown, message),
        }
    }
}

/// Applies a PATCH body of type `kind` to `original`, as kube-apiserver's PATCH handler does before it
/// decodes the result into the typed object.
///
/// `patch` is the raw request body. Upstream accepts only JSON here (YAML is for server-side apply,
/// and kubectl converts YAML patches to JSON itself), so YAML bodies fail to decode as they do
/// upstream. `meta` describes the object's type for strategic merge patches; without it a strategic
/// patch fails as it does for custom resources upstream (`strategic merge patch format is not
/// supported`). JSON patches use [`JsonPatchLimits::default`], upstream's limits.
///
/// The result is what upstream's patch step yields, before typed decoding: a merge patch or JSON patch
/// may turn the document into a non-object (upstream then fails decoding it into the type), and
/// values a strategic patch takes over wholesale may still hold `null`s that typed decoding would turn
/// into zero values. Never panics, whatever the bytes.
pub fn apply(
    kind: PatchType,
    original: &Value,
    patch: &[u8],
    meta: Option<&dyn PatchMeta>,
) -> Result<Value, PatchError> {
    match kind {
        PatchType::Json => Ok(json_patch::apply(original, patch, &JsonPatchLimits::default())?),
        PatchType::Merge => Ok(merge_patch::apply(original, patch)?),
        PatchType::Strategic => match meta {
            Some(meta) => Ok(strategic::apply(original, patch, meta)?),
            None => Err(StrategicPatchError::Unsupported.into()),
        },
    }
}

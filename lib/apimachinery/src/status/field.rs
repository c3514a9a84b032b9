//! Field-level validation errors (`k8s.io/apimachinery/pkg/util/validation/field`).
//!
//! [`Path`] builds `spec.containers[0].image`; the constructors build [`Error`]s whose
//! `Display` is upstream's `Error()` (`<field>: <body>`) and whose [`Error::error_body`] is what
//! an `Invalid` status puts in each cause.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::gostr::{go_format_float, go_quote, to_go_json};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Element {
    Name(Cow<'static, str>),
    Index(usize),
    Key(String),
}

/// One element of a path and the path it extends.
#[derive(Debug)]
struct Node {
    parent: Option<Arc<Node>>,
    element: Element,
}

/// A path to a field (`field.Path`). The empty path prints `<nil>` (upstream's nil path).
///
/// Paths share their prefixes: validation builds one for every field it visits and prints only the few
/// that end up in an error, so `child` costs one small allocation, not a copy of the path.
#[derive(Clone, Default)]
pub struct Path {
    last: Option<Arc<Node>>,
}

impl Path {
    /// A root path (`NewPath`), e.g. `Path::new("spec")`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Path {
            last: Some(Arc::new(Node {
                parent: None,
                element: Element::Name(name.into()),
            })),
        }
    }

    /// The path of a named child: `spec` → `spec.replicas`.
    pub fn child(&self, name: impl Into<Cow<'static, str>>) -> Self {
        self.with(Element::Name(name.into()))
    }

    /// The path of a list element: `spec.containers` → `spec.containers[0]`.
    pub fn index(&self, index: usize) -> Self {
        self.with(Element::Index(index))
    }

    /// The path of a map entry: `metadata.labels` → `metadata.labels[app]`.
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(Element::Key(key.into()))
    }

    /// The first element of the path (`Root()`).
    pub fn root(&self) -> Self {
        let mut node = self.last.clone();
        while let Some(parent) = node.as_ref().and_then(|n| n.parent.clone()) {
            node = Some(parent);
        }
        Path { last: node }
    }

    fn with(&self, element: Element) -> Self {
        Path {
            last: Some(Arc::new(Node {
                parent: self.last.clone(),
                element,
            })),
        }
    }

    /// The elements from the root.
    fn elements(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut node = self.last.as_deref();
        while let Some(n) = node {
            out.push(&n.element);
            node = n.parent.as_deref();
        }
        out.reverse();
        out
    }
}

impl PartialEq for Path {
    fn eq(&self, other: &Self) -> bool {
        self.elements() == other.elements()
    }
}

impl Eq for Path {}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elements = self.elements();
        if elements.is_empty() {
            return f.write_str("<nil>");
        }
        for (i, element) in elements.into_iter().enumerate() {
            match element {
                // An empty name renders as an empty subscript, as upstream's.
                Element::Name(name) if name.is_empty() => f.write_str("[]")?,
                Element::Name(name) if i > 0 => write!(f, ".{name}")?,
                Element::Name(name) => f.write_str(name)?,
                Element::Index(index) => write!(f, "[{index}]")?,
                Element::Key(key) => write!(f, "[{key}]")?,
            }
        }
        Ok(())
    }
}

/// Machine-readable error type (`field.ErrorType`), also the status cause type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// `FieldValueNotFound`.
    NotFound,
    /// `FieldValueRequired`.
    Required,
    /// `FieldValueDuplicate`.
    Duplicate,
    /// `FieldValueInvalid`.
    Invalid,
    /// `FieldValueNotSupported`.
    NotSupported,
    /// `FieldValueForbidden`.
    Forbidden,
    /// `FieldValueTooLong`.
    TooLong,
    /// `FieldValueTooMany`.
    TooMany,
    /// `FieldValueTooFew`.
    TooFew,
    /// `InternalError`.
    Internal,
    /// `FieldValueTypeInvalid`.
    TypeInvalid,
    /// `FieldValueTooShort`.
    TooShort,
}

impl ErrorType {
    /// The cause type string, e.g. `FieldValueRequired`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::TooFew => "FieldValueTooFew",
            ErrorType::Internal => "InternalError",
            ErrorType::TypeInvalid => "FieldValueTypeInvalid",
            ErrorType::TooShort => "FieldValueTooShort",
        }
    }
}

/// The human text of the type (`ErrorType.String()`), e.g. `Required value`.
impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid | ErrorType::TypeInvalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::TooFew => "Too few",
            ErrorType::Internal => "Internal error",
            ErrorType::TooShort => "Too short",
        })
    }
}

/// The offending value (upstream's `BadValue interface{}`), rendered as upstream renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum BadValue {
    /// Not shown at all (upstream's `omitValue`).
    Omitted,
    /// Go-quoted: `"abc"`.
    String(String),
    /// Decimal.
    Int(i64),
    /// Decimal.
    Uint(u64),
    /// Go's `%v`: `0.5`, `1e+06`.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// Anything else, as Go's `json.Marshal` prints it (`["a","b"]`, `null`).
    Json(serde_json::Value),
}

impl BadValue {
    fn render(&self) -> Option<String> {
        match self {
            BadValue::Omitted => None,
            BadValue::String(s) => Some(go_quote(s)),
            BadValue::Int(v) => Some(v.to_string()),
            BadValue::Uint(v) => Some(v.to_string()),
            BadValue::Float(v) => Some(go_format_float(*v)),
            BadValue::Bool(v) => Some(v.to_string()),
            BadValue::Json(v) => {
                let sorted = sort_keys(v);
                Some(to_go_json(&sorted).unwrap_or_else(|_| sorted.to_string()))
            }
        }
    }
}

impl From<&str> for BadValue {
    fn from(v: &str) -> Self {
        BadValue::String(v.to_string())
    }
}
impl From<String> for BadValue {
    fn from(v: String) -> Self {
        BadValue::String(v)
    }
}
impl From<&String> for BadValue {
    fn from(v: &String) -> Self {
        BadValue::String(v.clone())
    }
}
impl From<i64> for BadValue {
    fn from(v: i64) -> Self {
        BadValue::Int(v)
    }
}
impl From<i32> for BadValue {
    fn from(v: i32) -> Self {
        BadValue::Int(v.into())
    }
}
impl From<u32> for BadValue {
    fn from(v: u32) -> Self {
        BadValue::Int(v.into())
    }
}
impl From<u64> for BadValue {
    fn from(v: u64) -> Self {
        BadValue::Uint(v)
    }
}
impl From<usize> for BadValue {
    fn from(v: usize) -> Self {
        BadValue::Uint(v as u64)
    }
}
impl From<f64> for BadValue {
    fn from(v: f64) -> Self {
        BadValue::Float(v)
    }
}
impl From<bool> for BadValue {
    fn from(v: bool) -> Self {
        BadValue::Bool(v)
    }
}
impl From<serde_json::Value> for BadValue {
    fn from(v: serde_json::Value) -> Self {
        BadValue::Json(v)
    }
}
impl From<Vec<String>> for BadValue {
    fn from(v: Vec<String>) -> Self {
        BadValue::Json(serde_json::Value::from(v))
    }
}

/// One field-level validation error (`field.Error`). `Display` is `<field>: <body>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What kind of error.
    pub error_type: ErrorType,
    /// The rendered path, e.g. `spec.replicas`.
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Extra detail appended after the value.
    pub detail: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error_body())
    }
}

impl std::error::Error for Error {}

impl Error {
    fn new(error_type: ErrorType, path: &Path, bad_value: BadValue, detail: String) -> Self {
        Error {
            error_type,
            field: path.to_string(),
            bad_value,
            detail,
        }
    }

    /// The message without the field (`ErrorBody()`): `Invalid value: "x": detail`.
    pub fn error_body(&self) -> String {
        let mut body = self.error_type.to_string();
        let shows_value = !matches!(
            self.error_type,
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong | ErrorType::TooShort | ErrorType::Internal
        );
        if let Some(value) = self.bad_value.render().filter(|_| shows_value) {
            body.push_str(": ");
            body.push_str(&value);
        }
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }
}

/// `Required value`, with an optional detail.
pub fn required(path: &Path, detail: impl Into<String>) -> Error {
    Error::new(
        ErrorType::Required,
        path,
        BadValue::String(String::new()),
        detail.into(),
    )
}

/// `Invalid value: <value>: <detail>`.
pub fn invalid(path: &Path, value: impl Into<BadValue>, detail: impl Into<String>) -> Error {
    Error::new(ErrorType::Invalid, path, value.into(), detail.into())
}

/// `Invalid value: <value>: <detail>` typed as a schema type mismatch.
pub fn type_invalid(path: &Path, value: impl Into<BadValue>, detail: impl Into<String>) -> Error {
    Error::new(ErrorType::TypeInvalid, path, value.into(), detail.into())
}

/// `Not found: <value>`.
pub fn not_found(path: &Path, value: impl Into<BadValue>) -> Error {
    Error::new(ErrorType::NotFound, path, value.into(), String::new())
}

/// `Duplicate value: <value>`.
pub fn duplicate(path: &Path, value: impl Into<BadValue>) -> Error {
    Error::new(ErrorType::Duplicate, path, value.into(), String::new())
}

/// `Unsupported value: <value>: supported values: "a", "b"` (no detail when `valid` is empty).
pub fn not_supported<S: AsRef<str>>(path: &Path, value: impl Into<BadValue>, valid: &[S]) -> Error {
    let detail = if valid.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = valid.iter().map(|v| go_quote(v.as_ref())).collect();
        format!("supported values: {}", quoted.join(", "))
    };
    Error::new(ErrorType::NotSupported, path, value.into(), detail)
}

/// `Forbidden: <detail>`.
pub fn forbidden(path: &Path, detail: impl Into<String>) -> Error {
    Error::new(
        ErrorType::Forbidden,
        path,
        BadValue::String(String::new()),
        detail.into(),
    )
}

fn too_long_with(path: &Path, max_length: i64, unit: &str) -> Error {
    let detail = if max_length >= 0 {
        let plural = if max_length == 1 { "" } else { "s" };
        format!("may not be more than {max_length} {unit}{plural}")
    } else {
        "value is too long".to_string()
    };
    Error::new(
        ErrorType::TooLong,
        path,
        BadValue::String("<value omitted>".to_string()),
        detail,
    )
}

/// `Too long: may not be more than <n> bytes` (`value is too long` for a negative limit).
/// Upstream never shows the value, so none is taken.
pub fn too_long(path: &Path, max_length: i64) -> Error {
    too_long_with(path, max_length, "byte")
}

/// `Too long: may not be more than <n> characters` (`TooLongCharacters`).
pub fn too_long_characters(path: &Path, max_length: i64) -> Error {
    too_long_with(path, max_length, "character")
}

/// Deprecated upstream alias of [`too_long`].
pub fn too_long_max_length(path: &Path, max_length: i64) -> Error {
    too_long(path, max_length)
}

/// `Too many: <actual>: must have at most <max> items`; a negative `actual` is not shown and a
/// negative `max` reads `has too many items`.
pub fn too_many(path: &Path, actual: i64, max: i64) -> Error {
    let detail = if max >= 0 {
        format!("must have at most {max} {}", if max == 1 { "item" } else { "items" })
    } else {
        "has too many items".to_string()
    };
    let value = if actual >= 0 {
        BadValue::Int(actual)
    } else {
        BadValue::Omitted
    };
    Error::new(ErrorType::TooMany, path, value, detail)
}

/// `Too few: <actual>: must have at least <min> items`.
pub fn too_few(path: &Path, actual: i64, min: i64) -> Error {
    let detail = if min >= 0 {
        format!("must have at least {min} {}", if min == 1 { "item" } else { "items" })
    } else {
        "has too few items".to_string()
    };
    Error::new(ErrorType::TooFew, path, BadValue::Int(actual), detail)
}

/// `Too short: must be at least <n> characters` (the value is kept but not shown).
pub fn too_short(path: &Path, value: &str, min_length: i64) -> Error {
    let detail = if min_length >= 0 {
        let plural = if min_length == 1 { "" } else { "s" };
        format!("must be at least {min_length} character{plural}")
    } else {
        "value is too short".to_string()
    };
    Error::new(ErrorType::TooShort, path, BadValue::String(value.to_string()), detail)
}

/// `Internal error: <err>`.
pub fn internal_error(path: &Path, err: impl fmt::Display) -> Error {
    let message = err.to_string();
    Error::new(ErrorType::Internal, path, BadValue::String(message.clone()), message)
}

/// The message of upstream's `ErrorList.ToAggregate()`: `None` for no errors, the bare message
/// for one distinct message, `[a, b]` for several; repeated messages appear once.
pub fn aggregate_message(errs: &[Error]) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        let msg = e.to_string();
        if !seen.contains(&msg) {
            seen.push(msg);
        }
    }
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("[{}]", seen.join(", "))),
    }
}

/// A copy of `v` with object keys sorted at every level, as Go marshals maps.
fn sort_keys(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            serde_json::Value::Object(keys.into_iter().map(|k| (k.clone(), sort_keys(&m[k]))).collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

//! The transcoder's error: what failed, and where in the object.

/// A JSON <-> protobuf transcoding failure. `path` is the JSON path of the value (`spec.containers[0].name`),
/// empty at the top.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscodeError {
    #[error("no protobuf schema for kind {0}")]
    UnknownKind(String),
    #[error("data does not start with the protobuf envelope prefix k8s\\0")]
    MissingPrefix,
    #[error("{path}: truncated protobuf data")]
    Truncated { path: String },
    #[error("{path}: varint longer than 10 bytes")]
    BadVarint { path: String },
    #[error("{path}: field {number} of {message} has wire type {wire_type}, expected {expected}")]
    WrongWireType {
        path: String,
        message: String,
        number: u32,
        wire_type: u8,
        expected: u8,
    },
    #[error("{path}: invalid wire type {wire_type} (field {number})")]
    InvalidWireType { path: String, number: u32, wire_type: u8 },
    #[error("{path}: invalid field number 0")]
    ZeroFieldNumber { path: String },
    #[error("{path}: protobuf nesting deeper than {limit}")]
    TooDeep { path: String, limit: usize },
    #[error("{path}: expected {expected}, got {got}")]
    JsonType {
        path: String,
        expected: &'static str,
        got: &'static str,
    },
    #[error("{path}: {value} does not fit in {ty}")]
    OutOfRange {
        path: String,
        value: String,
        ty: &'static str,
    },
    #[error("{path}: invalid time {value:?}: {reason}")]
    BadTime {
        path: String,
        value: String,
        reason: &'static str,
    },
    #[error("{path}: invalid duration {value:?}")]
    BadDuration { path: String, value: String },
    #[error("{path}: invalid quantity {value:?}: {reason}")]
    BadQuantity {
        path: String,
        value: String,
        reason: String,
    },
    #[error("{path}: invalid base64 data")]
    BadBase64 { path: String },
    #[error("{path}: raw bytes are not JSON: {reason}")]
    BadRawJson { path: String, reason: String },
    #[error("{path}: {value} is not a JSON number")]
    NotFinite { path: String, value: String },
}

impl TranscodeError {
    /// Prefixes the path with a parent segment: a field name, or `[i]` / `[key]`.
    pub(crate) fn under(mut self, segment: &str) -> Self {
        if let Some(path) = self.path_mut() {
            if path.is_empty() {
                *path = segment.to_string();
            } else if path.starts_with('[') {
                *path = format!("{segment}{path}");
            } else if !segment.is_empty() {
                *path = format!("{segment}.{path}");
            }
        }
        self
    }

    fn path_mut(&mut self) -> Option<&mut String> {
        use TranscodeError::*;
        match self {
            UnknownKind(_) | MissingPrefix => None,
            Truncated { path }
            | BadVarint { path }
            | WrongWireType { path, .. }
            | InvalidWireType { path, .. }
            | ZeroFieldNumber { path }
            | TooDeep { path, .. }
            | JsonType { path, .. }
            | OutOfRange { path, .. }
            | BadTime { path, .. }
            | BadDuration { path, .. }
            | BadQuantity { path, .. }
            | BadBase64 { path }
            | BadRawJson { path, .. }
            | NotFinite { path, .. } => Some(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_build_from_the_inside_out() {
        let e = TranscodeError::BadBase64 { path: String::new() }
            .under("k")
            .under("binaryData");
        assert_eq!(e.to_string(), "binaryData.k: invalid base64 data");
        let e = TranscodeError::Truncated { path: "name".into() }
            .under("[0]")
            .under("containers")
            .under("spec");
        assert_eq!(e.to_string(), "spec.containers[0].name: truncated protobuf data");
    }
}

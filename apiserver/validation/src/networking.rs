//! The `networking` group's defaulting and validation.

use ferrokube_apimachinery::status::field::Error;
use serde_json::Value;

/// Defaults an object of `kind`.
pub fn defaults(_kind: &str, _obj: &mut Value) {}

/// Create-time validation; `None` for kinds without specific rules.
pub fn validate_create(_kind: &str, _obj: &Value) -> Option<Vec<Error>> {
    None
}

/// Update-time validation; `None` for kinds without specific rules.
pub fn validate_update(_kind: &str, _new: &Value, _old: &Value) -> Option<Vec<Error>> {
    None
}

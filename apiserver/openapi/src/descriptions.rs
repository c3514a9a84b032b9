//! Descriptions of definitions and their properties, for `kubectl explain`.

use std::collections::HashMap;

/// The description of one definition and of its properties.
#[derive(Debug, Default)]
pub struct TypeDescription {
    pub description: Option<String>,
    pub properties: HashMap<String, String>,
}

/// Descriptions by definition name (`io.k8s.api.core.v1.Pod`).
#[derive(Debug, Default)]
pub struct Descriptions {
    pub types: HashMap<String, TypeDescription>,
}

impl Descriptions {
    /// No descriptions at all.
    pub fn none() -> Self {
        Descriptions::default()
    }

    pub fn of_type(&self, definition: &str) -> Option<&str> {
        self.types.get(definition)?.description.as_deref()
    }

    pub fn of_field(&self, definition: &str, property: &str) -> Option<&str> {
        self.types.get(definition)?.properties.get(property).map(String::as_str)
    }
}

//! JSON patch, JSON merge patch and strategic merge patch, as kube-apiserver applies them.
//!
//! Strategic merge patch needs each field's patch strategy and merge key, which upstream reads from Go
//! struct tags. Here they come from a [`PatchMeta`] the caller supplies (the apiserver's schema table),
//! so this module stays free of any type table.

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

//! Shared API machinery: the pieces of upstream's `k8s.io/apimachinery` that more
//! than one Ferrokube component needs, with upstream's semantics and messages.

pub mod fields;
pub mod gostr;
pub mod labels;
pub mod patch;
pub mod quantity;
pub mod query;
pub mod resources;
pub mod status;
pub mod time;
pub mod validation;

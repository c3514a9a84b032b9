//! Shared API machinery: the pieces of upstream's `k8s.io/apimachinery` that more
//! than one Ferrokube component needs. It grows with the apiserver issue.

pub mod validation;

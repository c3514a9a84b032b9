//! The OpenAPI v2 and v3 documents kube-apiserver serves for built-in resources.

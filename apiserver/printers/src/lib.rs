//! kubectl get tables (meta.k8s.io/v1 Table) for built-in resources, with upstream's columns

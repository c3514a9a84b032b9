//! Kubernetes API type schemas: Go field order, JSON names, protobuf field numbers, patch strategies; JSON <-> protobuf transcoding as kube-apiserver stores and serves it

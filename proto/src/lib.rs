//! Protobuf messages and gRPC service stubs shared by Ferrokube components.
//!
//! The Rust code under `src/generated/` is generated from the `.proto` files in
//! this crate and committed, so ordinary builds need no `protoc`. The test
//! `tests/generated.rs` regenerates it and fails when the committed copy is stale;
//! `make proto` rewrites it.

#![allow(clippy::all, missing_docs)]

/// etcd's `mvccpb` package: stored key-value pairs and watch events.
pub mod mvccpb {
    include!("generated/mvccpb.rs");
}

/// etcd's `etcdserverpb` package: the KV, Watch, Lease, Cluster and Maintenance services.
pub mod etcdserverpb {
    include!("generated/etcdserverpb.rs");
}

/// The CRI v1 (`runtime.v1`): the kubelet's RuntimeService and ImageService client, and their server
/// traits for fake runtimes in tests.
pub mod runtime {
    pub mod v1 {
        include!("generated/runtime.v1.rs");
    }
}

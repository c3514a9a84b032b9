//! The committed generated code must equal what the `.proto` files generate.
//! With `FERROKUBE_REGENERATE=1` the test rewrites `src/generated/` instead.

use std::path::{Path, PathBuf};

/// etcd's services: served by etcd-shim (the apiserver's KV client frames its calls itself).
const ETCD_PROTOS: &[&str] = &["etcd/mvcc.proto", "etcd/rpc.proto"];
/// The CRI: called by the kubelet, served by the fake runtime in its tests.
const CRI_PROTOS: &[&str] = &["cri/api.proto"];
const FILES: &[&str] = &["mvccpb.rs", "etcdserverpb.rs", "runtime.v1.rs"];

fn generate(out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (protos, client) in [(ETCD_PROTOS, false), (CRI_PROTOS, true)] {
        tonic_prost_build::configure()
            .build_client(client)
            .build_server(true)
            // Fake runtimes in tests implement only the RPCs they need; the rest answer UNIMPLEMENTED.
            .generate_default_stubs(client)
            .bytes(".")
            .emit_rerun_if_changed(false)
            .out_dir(out)
            .compile_protos(
                &protos.iter().map(|p| root.join(p)).collect::<Vec<_>>(),
                &[root.to_path_buf()],
            )
            .expect("protoc failed: install protobuf-compiler (apt-get install protobuf-compiler)");
    }
}

#[test]
fn generated_code_is_fresh() {
    let committed: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    if std::env::var_os("FERROKUBE_REGENERATE").is_some() {
        generate(&committed);
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    for file in FILES {
        let fresh = std::fs::read_to_string(tmp.path().join(file)).unwrap();
        let old = std::fs::read_to_string(committed.join(file)).unwrap_or_default();
        assert!(
            fresh == old,
            "proto/src/generated/{file} is stale: run `make proto` and commit the result"
        );
    }
}

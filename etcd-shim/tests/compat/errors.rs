//! Request validation: empty keys, oversized requests; codes and messages as etcd sends them.

use etcd_client::{Compare, CompareOp, DeleteOptions, GetOptions, Txn, TxnOp};
use ferrokube_e2e::etcd::Backend;
use tonic::Code;

use crate::support::*;

const EMPTY_KEY: &str = "etcdserver: key is not provided";

/// An empty key is refused by Range, Put, DeleteRange and inside a Txn.
pub async fn empty_key(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    assert_grpc_error(c.put("", "v", None).await, Code::InvalidArgument, EMPTY_KEY);
    assert_grpc_error(c.get("", None).await, Code::InvalidArgument, EMPTY_KEY);
    assert_grpc_error(
        c.get("", Some(GetOptions::new().with_range("z"))).await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    assert_grpc_error(c.delete("", None).await, Code::InvalidArgument, EMPTY_KEY);
    assert_grpc_error(
        c.delete("", Some(DeleteOptions::new().with_range("z"))).await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    assert_grpc_error(
        c.txn(Txn::new().and_then([TxnOp::put("", "v", None)])).await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    assert_grpc_error(
        c.txn(Txn::new().or_else([TxnOp::get("", None)])).await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    assert_grpc_error(
        c.txn(Txn::new().and_then([TxnOp::delete("", None)])).await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    // Nested txns are validated too.
    let nested = Txn::new().and_then([TxnOp::txn(Txn::new().and_then([TxnOp::put("", "v", None)]))]);
    assert_grpc_error(c.txn(nested).await, Code::InvalidArgument, EMPTY_KEY);
    // So is a compare on the empty key.
    assert_grpc_error(
        c.txn(Txn::new().when([Compare::version("", CompareOp::Equal, 0)]))
            .await,
        Code::InvalidArgument,
        EMPTY_KEY,
    );
    // `\0` as a key is a real key, not an empty one.
    assert_eq!(rev(c.put("\0", "nul", None).await.unwrap().header()), 2);
    assert_eq!(
        kvs(c.get("\0", None).await.unwrap().kvs()),
        vec![kv("\0", "nul", 2, 2, 1)]
    );
    assert_eq!(current_rev(&mut c).await, 2);
}

/// With --max-request-bytes=65536: just above is "request is too large"; far above
/// is refused by gRPC itself (limit + 512 KiB) with RESOURCE_EXHAUSTED.
pub async fn oversized_requests(backend: Backend) {
    let (_s, mut c) = start(backend, &["--max-request-bytes=65536"]).await;
    let too_large = "etcdserver: request is too large";
    // Comfortably below the limit.
    c.put("ok", vec![b'v'; 60_000], None).await.unwrap();
    // Just above it.
    assert_grpc_error(
        c.put("big", vec![b'v'; 65_537], None).await,
        Code::InvalidArgument,
        too_large,
    );
    // Many small puts in one txn add up.
    let ops: Vec<TxnOp> = (0..40)
        .map(|i| TxnOp::put(format!("t{i}"), vec![b'v'; 2000], None))
        .collect();
    assert_grpc_error(c.txn(Txn::new().and_then(ops)).await, Code::InvalidArgument, too_large);
    // Much larger than the gRPC receive limit (65536 + 512 KiB = 589824 bytes).
    let (code, msg) = grpc_error(c.put("huge", vec![b'v'; 1 << 20], None).await);
    assert_eq!(code, Code::ResourceExhausted);
    assert_eq!(msg, "grpc: received message larger than max (1048586 vs. 589824)");
    // The connection and store are fine afterwards.
    assert_eq!(rev(c.put("after", "v", None).await.unwrap().header()), 3);
    assert_eq!(c.get("big", None).await.unwrap().count(), 0);
    assert_eq!(c.get("huge", None).await.unwrap().count(), 0);
}

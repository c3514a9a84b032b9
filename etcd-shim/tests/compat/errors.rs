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

/// Sends raw bytes as the request message of `method` (e.g. `/etcdserverpb.KV/Range`).
async fn raw_call(endpoint: &str, method: &'static str, body: Vec<u8>) -> Result<(), tonic::Status> {
    let channel = tonic::transport::Channel::from_shared(endpoint.to_string())
        .expect("valid endpoint")
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(method);
    grpc.unary(tonic::Request::new(body), path, raw::RawCodec)
        .await
        .map(|_| ())
}

/// A gRPC codec that moves bytes unchanged, to send what no typed client would.
mod raw {
    use prost::bytes::{Buf, BufMut};
    use tonic::Status;
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

    pub struct RawCodec;

    impl Codec for RawCodec {
        type Encode = Vec<u8>;
        type Decode = Vec<u8>;
        type Encoder = RawCodec;
        type Decoder = RawCodec;
        fn encoder(&mut self) -> Self::Encoder {
            RawCodec
        }
        fn decoder(&mut self) -> Self::Decoder {
            RawCodec
        }
    }

    impl Encoder for RawCodec {
        type Item = Vec<u8>;
        type Error = Status;
        fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
            dst.put_slice(&item);
            Ok(())
        }
    }

    impl Decoder for RawCodec {
        type Item = Vec<u8>;
        type Error = Status;
        fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
            let bytes = src.copy_to_bytes(src.remaining());
            Ok(Some(bytes.to_vec()))
        }
    }
}

/// Bodies that are not valid protobuf are refused with Internal (as grpc-go
/// answers), and the server keeps serving.
pub async fn malformed_protobuf(backend: Backend) {
    let (server, mut c) = start(backend, &[]).await;
    // Field 1 as a length-delimited value whose length runs past the end.
    let truncated = vec![0x0a, 0x10, b'k'];
    // Wire type 7 does not exist.
    let bad_wire_type = vec![0x0f, 0x00];
    for (method, body) in [
        ("/etcdserverpb.KV/Range", truncated.clone()),
        ("/etcdserverpb.KV/Put", bad_wire_type.clone()),
        ("/etcdserverpb.KV/Txn", truncated),
        ("/etcdserverpb.Lease/LeaseGrant", bad_wire_type),
    ] {
        let status = raw_call(&server.endpoint(), method, body)
            .await
            .expect_err("malformed body accepted");
        assert_eq!(status.code(), Code::Internal, "{method}: {status:?}");
    }
    c.put("still", "serving", None).await.unwrap();
    let got = c.get("still", None).await.unwrap();
    assert_eq!(got.kvs()[0].value(), b"serving");
}

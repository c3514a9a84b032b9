//! The KV service: Range, Put, DeleteRange, Txn, Compact.

use ferrokube_proto::etcdserverpb::{
    CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, PutRequest, PutResponse,
    RangeRequest, RangeResponse, RequestOp, TxnRequest, TxnResponse, kv_server::Kv, request_op::Request,
    response_op::Response as OpResponse,
};
use tonic::{Request as Req, Response, Status};

use super::{Limits, blocking};
use crate::store::Store;
use crate::store::writer::Write;
use crate::validate;

pub struct KvService {
    pub store: Store,
    pub limits: Limits,
}

impl KvService {
    /// Runs a single-op transaction and returns its only response, with the txn's header.
    async fn single(&self, op: Request) -> Result<(OpResponse, TxnResponse), Status> {
        let txn = TxnRequest {
            compare: vec![],
            success: vec![RequestOp { request: Some(op) }],
            failure: vec![],
        };
        let mut resp = self.store.write(|reply| Write::Txn(txn, reply)).await?;
        let op = resp
            .responses
            .pop()
            .and_then(|r| r.response)
            .ok_or_else(|| Status::internal("transaction returned no response"))?;
        Ok((op, resp))
    }
}

#[tonic::async_trait]
impl Kv for KvService {
    async fn range(&self, req: Req<RangeRequest>) -> Result<Response<RangeResponse>, Status> {
        let req = req.into_inner();
        let shared = self.store.shared.clone();
        let resp = blocking(move || shared.range(&req)).await?;
        Ok(Response::new(resp))
    }

    async fn put(&self, req: Req<PutRequest>) -> Result<Response<PutResponse>, Status> {
        let req = req.into_inner();
        self.limits.check(&req)?;
        validate::check_put(&req)?;
        match self.single(Request::RequestPut(req)).await? {
            (OpResponse::ResponsePut(mut p), txn) => {
                p.header = txn.header;
                Ok(Response::new(p))
            }
            _ => Err(Status::internal("put returned another response kind")),
        }
    }

    async fn delete_range(&self, req: Req<DeleteRangeRequest>) -> Result<Response<DeleteRangeResponse>, Status> {
        let req = req.into_inner();
        self.limits.check(&req)?;
        validate::check_delete(&req)?;
        match self.single(Request::RequestDeleteRange(req)).await? {
            (OpResponse::ResponseDeleteRange(mut d), txn) => {
                d.header = txn.header;
                Ok(Response::new(d))
            }
            _ => Err(Status::internal("delete returned another response kind")),
        }
    }

    async fn txn(&self, req: Req<TxnRequest>) -> Result<Response<TxnResponse>, Status> {
        let req = req.into_inner();
        self.limits.check(&req)?;
        validate::check_txn(&req, self.store.shared.config.max_txn_ops)?;
        let resp = self.store.write(|reply| Write::Txn(req, reply)).await?;
        Ok(Response::new(resp))
    }

    async fn compact(&self, req: Req<CompactionRequest>) -> Result<Response<CompactionResponse>, Status> {
        let req = req.into_inner();
        let rev = self
            .store
            .write(|reply| Write::Compact {
                rev: req.revision,
                physical: req.physical,
                reply,
            })
            .await?;
        Ok(Response::new(CompactionResponse {
            header: Some(self.store.shared.header(rev)),
        }))
    }
}

//! The operations the randomized test issues, and responses reduced to what the
//! model and the server must agree on.

use etcd_client::CompareOp;
use tonic::Code;

use crate::support::Kv;

/// A key range as etcd encodes it: `end` empty = single key, `"\0"` = every key >= key.
#[derive(Debug, Clone)]
pub struct Span {
    pub key: String,
    pub end: String,
}

impl Span {
    pub fn contains(&self, k: &str) -> bool {
        if self.end.is_empty() {
            k == self.key
        } else if self.end == "\0" {
            k >= self.key.as_str()
        } else {
            k >= self.key.as_str() && k < self.end.as_str()
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    Mod,
    Create,
    Version,
    Value,
}

#[derive(Debug, Clone)]
pub struct Cmp {
    pub span: Span,
    pub target: Target,
    pub op: CompareOp,
    pub num: i64,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Read {
    pub span: Span,
    pub revision: i64,
    pub limit: i64,
    pub descending: bool,
    pub count_only: bool,
    pub keys_only: bool,
}

#[derive(Debug, Clone)]
pub enum Op {
    Put {
        key: String,
        value: String,
        prev_kv: bool,
    },
    Delete {
        span: Span,
        prev_kv: bool,
    },
    Range(Read),
    Txn {
        compares: Vec<Cmp>,
        success: Vec<Op>,
        failure: Vec<Op>,
    },
    Compact {
        revision: i64,
    },
}

/// A response reduced to what both sides must agree on.
#[derive(Debug, PartialEq)]
pub enum Out {
    Put {
        rev: i64,
        prev: Option<Kv>,
    },
    Delete {
        rev: i64,
        deleted: i64,
        prev: Vec<Kv>,
    },
    Range {
        rev: i64,
        kvs: Vec<Kv>,
        count: i64,
        more: bool,
    },
    Txn {
        rev: i64,
        succeeded: bool,
        ops: Vec<Out>,
    },
    Compact {
        rev: i64,
    },
    Err {
        code: Code,
        message: String,
    },
}

pub const FUTURE: &str = "etcdserver: mvcc: required revision is a future revision";
pub const COMPACTED: &str = "etcdserver: mvcc: required revision has been compacted";
pub const DUPLICATE: &str = "etcdserver: duplicate key given in txn request";

pub fn err(code: Code, message: &str) -> Out {
    Out::Err {
        code,
        message: message.to_string(),
    }
}

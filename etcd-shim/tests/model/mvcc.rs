//! etcd's MVCC semantics in miniature: per-key history, revisions, versions,
//! txn evaluation and compaction, as an oracle for the randomized test.

use std::collections::BTreeMap;

use etcd_client::CompareOp;
use tonic::Code;

use crate::ops::{COMPACTED, Cmp, DUPLICATE, FUTURE, Op, Out, Read, Span, Target, err};
use crate::support::Kv;

/// One stored record: a value at a revision, or a tombstone (`value: None`).
#[derive(Debug, Clone)]
struct Rec {
    rev: i64,
    value: Option<String>,
    create: i64,
    version: i64,
}

/// etcd's MVCC store in miniature: full history per key, a revision counter
/// and a compaction floor.
#[derive(Debug)]
pub struct Model {
    /// The store revision; a fresh store is at 1.
    pub rev: i64,
    /// The last compaction revision (0: never compacted); reads below it fail.
    pub compacted: i64,
    history: BTreeMap<String, Vec<Rec>>,
}

impl Model {
    /// An empty store at revision 1, like a fresh etcd.
    pub fn new() -> Self {
        Model {
            rev: 1,
            compacted: 0,
            history: BTreeMap::new(),
        }
    }

    fn kv_of(key: &str, r: &Rec) -> Option<Kv> {
        r.value.as_ref().map(|v| Kv {
            key: key.to_string(),
            value: v.clone(),
            create: r.create,
            modified: r.rev,
            version: r.version,
            lease: 0,
        })
    }

    /// Live keys at `rev`; `None` means "latest, including uncommitted txn writes".
    pub fn state(&self, rev: Option<i64>, span: &Span) -> Vec<Kv> {
        self.history
            .iter()
            .filter(|(k, _)| span.contains(k))
            .filter_map(|(k, recs)| {
                let r = match rev {
                    None => recs.last(),
                    Some(rev) => recs.iter().rev().find(|r| r.rev <= rev),
                }?;
                Self::kv_of(k, r)
            })
            .collect()
    }

    fn latest(&self, key: &str) -> Option<Kv> {
        self.history
            .get(key)
            .and_then(|recs| recs.last())
            .and_then(|r| Self::kv_of(key, r))
    }

    fn write(&mut self, key: &str, value: Option<String>, rev: i64) {
        let prev = self.latest(key);
        let rec = match (&value, prev) {
            (None, _) => Rec {
                rev,
                value: None,
                create: 0,
                version: 0,
            },
            (Some(_), Some(p)) => Rec {
                rev,
                value,
                create: p.create,
                version: p.version + 1,
            },
            (Some(_), None) => Rec {
                rev,
                value,
                create: rev,
                version: 1,
            },
        };
        self.history.entry(key.to_string()).or_default().push(rec);
    }

    pub fn range(&self, r: &Read, header: i64) -> Out {
        if r.revision > self.rev {
            return err(Code::OutOfRange, FUTURE);
        }
        if r.revision > 0 && r.revision < self.compacted {
            return err(Code::OutOfRange, COMPACTED);
        }
        let at = if r.revision > 0 { Some(r.revision) } else { None };
        let mut found = self.state(at, &r.span);
        let count = found.len() as i64;
        if r.count_only {
            return Out::Range {
                rev: header,
                kvs: vec![],
                count,
                more: false,
            };
        }
        if r.descending {
            found.reverse();
        }
        let more = r.limit > 0 && count > r.limit;
        if r.limit > 0 {
            found.truncate(r.limit as usize);
        }
        if r.keys_only {
            found.iter_mut().for_each(|k| k.value.clear());
        }
        Out::Range {
            rev: header,
            kvs: found,
            count,
            more,
        }
    }

    fn compare(&self, c: &Cmp) -> bool {
        let found = self.state(None, &c.span);
        let check = |kv: &Kv| {
            let ord = match c.target {
                Target::Mod => kv.modified.cmp(&c.num),
                Target::Create => kv.create.cmp(&c.num),
                Target::Version => kv.version.cmp(&c.num),
                Target::Value => kv.value.as_bytes().cmp(c.value.as_bytes()),
            };
            match c.op {
                CompareOp::Equal => ord.is_eq(),
                CompareOp::NotEqual => ord.is_ne(),
                CompareOp::Greater => ord.is_gt(),
                CompareOp::Less => ord.is_lt(),
            }
        };
        if found.is_empty() {
            // Missing keys compare as all-zero, except that value compares always fail.
            return !matches!(c.target, Target::Value)
                && check(&Kv {
                    key: String::new(),
                    value: String::new(),
                    create: 0,
                    modified: 0,
                    version: 0,
                    lease: 0,
                });
        }
        found.iter().all(check)
    }

    /// etcd's checkIntervals for one branch (no nested txns here): puts are
    /// unique and no put falls inside a delete range of the same branch.
    /// etcd 3.4 checks the raw interval [key, range_end), so a from-key delete
    /// (range_end "\0") conflicts with nothing: such a txn runs its ops in order.
    fn branch_conflicts(ops: &[Op]) -> bool {
        let in_interval = |d: &Span, k: &str| {
            if d.end.is_empty() {
                k == d.key
            } else {
                d.key.as_str() <= k && k < d.end.as_str()
            }
        };
        let dels: Vec<&Span> = ops
            .iter()
            .filter_map(|o| {
                if let Op::Delete { span, .. } = o {
                    Some(span)
                } else {
                    None
                }
            })
            .collect();
        let mut puts: Vec<&str> = Vec::new();
        for o in ops {
            if let Op::Put { key, .. } = o {
                if puts.contains(&key.as_str()) || dels.iter().any(|d| in_interval(d, key)) {
                    return true;
                }
                puts.push(key);
            }
        }
        false
    }

    pub fn apply(&mut self, op: &Op) -> Out {
        match op {
            Op::Put { key, value, prev_kv } => {
                let prev = self.latest(key).filter(|_| *prev_kv);
                self.rev += 1;
                self.write(key, Some(value.clone()), self.rev);
                Out::Put { rev: self.rev, prev }
            }
            Op::Delete { span, prev_kv } => {
                let found = self.state(None, span);
                if !found.is_empty() {
                    self.rev += 1;
                    for k in &found {
                        self.write(&k.key, None, self.rev);
                    }
                }
                Out::Delete {
                    rev: self.rev,
                    deleted: found.len() as i64,
                    prev: if *prev_kv { found } else { vec![] },
                }
            }
            Op::Range(r) => self.range(r, self.rev),
            Op::Compact { revision } => {
                if *revision <= self.compacted {
                    err(Code::OutOfRange, COMPACTED)
                } else if *revision > self.rev {
                    err(Code::OutOfRange, FUTURE)
                } else {
                    self.compacted = *revision;
                    Out::Compact { rev: self.rev }
                }
            }
            Op::Txn {
                compares,
                success,
                failure,
            } => {
                if Self::branch_conflicts(success) || Self::branch_conflicts(failure) {
                    return err(Code::InvalidArgument, DUPLICATE);
                }
                let succeeded = compares.iter().all(|c| self.compare(c));
                let begin = self.rev;
                let mut changed = false;
                let mut outs = Vec::new();
                for op in if succeeded { success } else { failure } {
                    outs.push(match op {
                        Op::Put { key, value, prev_kv } => {
                            let prev = self.latest(key).filter(|_| *prev_kv);
                            self.write(key, Some(value.clone()), begin + 1);
                            changed = true;
                            Out::Put { rev: begin + 1, prev }
                        }
                        Op::Delete { span, prev_kv } => {
                            let found = self.state(None, span);
                            for k in &found {
                                self.write(&k.key, None, begin + 1);
                            }
                            changed |= !found.is_empty();
                            let rev = if changed { begin + 1 } else { begin };
                            Out::Delete {
                                rev,
                                deleted: found.len() as i64,
                                prev: if *prev_kv { found } else { vec![] },
                            }
                        }
                        Op::Range(r) => {
                            let now = if changed { begin + 1 } else { begin };
                            // Reads inside a txn see its earlier writes.
                            let saved = self.rev;
                            self.rev = now;
                            let out = self.range(r, now);
                            self.rev = saved;
                            out
                        }
                        other => panic!("generator put {other:?} in a txn branch"),
                    });
                }
                if changed {
                    self.rev = begin + 1;
                }
                Out::Txn {
                    rev: self.rev,
                    succeeded,
                    ops: outs,
                }
            }
        }
    }
}

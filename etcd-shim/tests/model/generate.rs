//! Seeded random operations, biased towards interesting cases (matching
//! compares, conflicting txn writes, stale and future revisions).

use etcd_client::CompareOp;

use crate::mvcc::Model;
use crate::ops::{Cmp, Op, Read, Span, Target};

pub struct Gen {
    rng: fastrand::Rng,
    keys: usize,
}

impl Gen {
    /// A generator over `keys` keys (`k00`, `k01`, ...).
    pub fn new(seed: u64, keys: usize) -> Self {
        Gen {
            rng: fastrand::Rng::with_seed(seed),
            keys,
        }
    }

    fn key(&mut self) -> String {
        format!("k{:02}", self.rng.usize(..self.keys))
    }

    fn value(&mut self) -> String {
        // A small alphabet so value compares sometimes match.
        match self.rng.u8(..10) {
            0 => String::new(),
            n => format!("v{}", n % 4),
        }
    }

    fn span(&mut self, single_bias: u8) -> Span {
        let roll = self.rng.u8(..100);
        if roll < single_bias {
            return Span {
                key: self.key(),
                end: String::new(),
            };
        }
        match self.rng.u8(..4) {
            0 => {
                let (a, b) = (self.key(), self.key());
                Span { key: a, end: b } // possibly empty or inverted
            }
            1 => Span {
                key: "k0".into(),
                end: "k1".into(),
            }, // prefix k0
            2 => Span {
                key: self.key(),
                end: "\0".into(),
            }, // from key
            _ => Span {
                key: "\0".into(),
                end: "\0".into(),
            }, // everything
        }
    }

    fn read(&mut self, model: &Model, single_bias: u8, historical: bool) -> Read {
        let revision = if historical && self.rng.u8(..10) < 4 {
            match self.rng.u8(..10) {
                // Below the compaction floor.
                0 if model.compacted > 1 => self.rng.i64(1..model.compacted),
                // In the future.
                1 => model.rev + self.rng.i64(1..=3),
                _ => self.rng.i64(model.compacted.max(1)..=model.rev),
            }
        } else {
            0
        };
        Read {
            span: self.span(single_bias),
            revision,
            limit: if self.rng.bool() { 0 } else { self.rng.i64(1..5) },
            descending: self.rng.u8(..5) == 0,
            count_only: self.rng.u8(..8) == 0,
            keys_only: self.rng.u8(..8) == 0,
        }
    }

    fn cmp(&mut self, model: &Model) -> Cmp {
        let span = if self.rng.u8(..100) < 85 {
            Span {
                key: self.key(),
                end: String::new(),
            }
        } else {
            self.span(0)
        };
        let cur = model
            .state(
                None,
                &Span {
                    key: span.key.clone(),
                    end: String::new(),
                },
            )
            .pop();
        let target = match self.rng.u8(..4) {
            0 => Target::Mod,
            1 => Target::Create,
            2 => Target::Version,
            _ => Target::Value,
        };
        let base = match (&cur, target) {
            (Some(kv), Target::Mod) => kv.modified,
            (Some(kv), Target::Create) => kv.create,
            (Some(kv), Target::Version) => kv.version,
            _ => 0,
        };
        let num = match self.rng.u8(..4) {
            0 => 0,
            1 => base + 1,
            2 => base - 1,
            _ => base,
        };
        let value = match (&cur, self.rng.bool()) {
            (Some(kv), true) => kv.value.clone(),
            _ => self.value(),
        };
        let op = match self.rng.u8(..6) {
            0 => CompareOp::Greater,
            1 => CompareOp::Less,
            2 => CompareOp::NotEqual,
            _ => CompareOp::Equal,
        };
        Cmp {
            span,
            target,
            op,
            num,
            value,
        }
    }

    fn branch(&mut self, model: &Model) -> Vec<Op> {
        let n = self.rng.usize(0..=4);
        let distinct = self.rng.u8(..10) != 0;
        let mut used: Vec<String> = Vec::new();
        let mut ops = Vec::new();
        for _ in 0..n {
            let op = match self.rng.u8(..10) {
                0..=4 => {
                    let mut key = self.key();
                    if distinct {
                        while used.contains(&key) && used.len() < self.keys {
                            key = self.key();
                        }
                    }
                    let value = self.value();
                    Op::Put {
                        key,
                        value,
                        prev_kv: self.rng.bool(),
                    }
                }
                5..=6 => {
                    let span = if distinct {
                        Span {
                            key: self.key(),
                            end: String::new(),
                        }
                    } else {
                        self.span(50)
                    };
                    Op::Delete {
                        span,
                        prev_kv: self.rng.bool(),
                    }
                }
                _ => Op::Range(self.read(model, 50, false)),
            };
            if distinct {
                let clash = match &op {
                    Op::Put { key, .. } => used.contains(key),
                    Op::Delete { span, .. } => used.contains(&span.key),
                    _ => false,
                };
                if clash {
                    continue;
                }
                match &op {
                    Op::Put { key, .. } => used.push(key.clone()),
                    Op::Delete { span, .. } => used.push(span.key.clone()),
                    _ => {}
                }
            }
            ops.push(op);
        }
        ops
    }

    pub fn op(&mut self, model: &Model) -> Op {
        match self.rng.u8(..100) {
            0..=29 => Op::Put {
                key: self.key(),
                value: self.value(),
                prev_kv: self.rng.bool(),
            },
            30..=39 => Op::Delete {
                span: Span {
                    key: self.key(),
                    end: String::new(),
                },
                prev_kv: self.rng.bool(),
            },
            40..=44 => Op::Delete {
                span: self.span(0),
                prev_kv: self.rng.bool(),
            },
            45..=69 => Op::Txn {
                compares: (0..self.rng.usize(0..=2)).map(|_| self.cmp(model)).collect(),
                success: self.branch(model),
                failure: self.branch(model),
            },
            70..=96 => Op::Range(self.read(model, 40, true)),
            _ => {
                // Mostly a valid point well behind the head, sometimes stale or in the future.
                let revision = match self.rng.u8(..10) {
                    0 => self.rng.i64((model.compacted - 2).max(1)..=model.compacted.max(1)),
                    1 => model.rev + self.rng.i64(0..=2),
                    _ => self
                        .rng
                        .i64(model.compacted.max(1)..=(model.rev - 20).max(model.compacted.max(1))),
                };
                Op::Compact { revision }
            }
        }
    }
}

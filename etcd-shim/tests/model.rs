//! Model-based randomized test: a seeded sequence of puts, deletes, delete-ranges,
//! txns, ranges (current and historical) and compactions on a small key space,
//! each checked against an in-memory model of etcd's MVCC semantics.
//!
//! Set `MODEL_SEED=<n>` to reproduce a failure; the seed is printed at the start.

#[allow(dead_code)] // shared with the compat suite, which uses more of it
#[macro_use]
#[path = "compat/support.rs"]
mod support;

#[path = "model/generate.rs"]
mod generate;
#[path = "model/mvcc.rs"]
mod mvcc;
#[path = "model/ops.rs"]
mod ops;
#[path = "model/server.rs"]
mod server;

/// The scenarios: a model run per key-space shape.
mod random {
    use std::collections::BTreeMap;

    use ferrokube_e2e::etcd::Backend;

    use crate::generate::Gen;
    use crate::mvcc::Model;
    use crate::ops::{Op, Out, Read, Span};
    use crate::server::execute;
    use crate::support::start;

    const DEFAULT_SEED: u64 = 0x5EED_E7CD;

    /// A short label for the op/outcome mix, printed so coverage is visible.
    fn outcome(op: &Op, out: &Out) -> String {
        let kind = match op {
            Op::Put { .. } => "put",
            Op::Delete { .. } => "delete",
            Op::Range(r) if r.revision > 0 => "range@rev",
            Op::Range(_) => "range",
            Op::Txn { .. } => "txn",
            Op::Compact { .. } => "compact",
        };
        let result = match out {
            Out::Err { message, .. } => message.trim_start_matches("etcdserver: ").to_string(),
            Out::Txn { succeeded: true, .. } => "success".into(),
            Out::Txn { succeeded: false, .. } => "failure".into(),
            Out::Delete { deleted: 0, .. } => "none".into(),
            Out::Range { kvs, count, .. } if kvs.is_empty() && *count == 0 => "empty".into(),
            _ => "ok".into(),
        };
        format!("{kind}:{result}")
    }

    fn seed(offset: u64) -> u64 {
        let base = std::env::var("MODEL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_SEED);
        base.wrapping_add(offset)
    }

    async fn run(backend: Backend, seed: u64, keys: usize, ops: usize) {
        eprintln!("model seed {seed} (MODEL_SEED={} reproduces this run)", seed);
        let (_server, mut c) = start(backend, &[]).await;
        let mut model = Model::new();
        let mut generator = Gen::new(seed, keys);
        let everything = Read {
            span: Span {
                key: "\0".into(),
                end: "\0".into(),
            },
            revision: 0,
            limit: 0,
            descending: false,
            count_only: false,
            keys_only: false,
        };
        let mut log: Vec<String> = Vec::new();
        let mut stats: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..ops {
            let op = generator.op(&model);
            log.push(format!("#{i}: {op:?}"));
            let want = model.apply(&op);
            let got = execute(&mut c, &op).await;
            let recent = log.iter().rev().take(5).rev().cloned().collect::<Vec<_>>().join("\n");
            assert_eq!(got, want, "seed {seed}, op #{i}: {op:?}\nrecent ops:\n{recent}");
            *stats.entry(outcome(&op, &got)).or_default() += 1;
            // After every op the whole store matches the model.
            let all = model.range(&everything, model.rev);
            assert_eq!(
                execute(&mut c, &Op::Range(everything.clone())).await,
                all,
                "seed {seed}, store after op #{i}: {op:?}"
            );
        }
        eprintln!("outcomes: {stats:?}");
        // Finally, every readable historical revision matches.
        for r in model.compacted.max(1)..=model.rev {
            let read = Read {
                revision: r,
                ..everything.clone()
            };
            assert_eq!(
                execute(&mut c, &Op::Range(read.clone())).await,
                model.range(&read, model.rev),
                "seed {seed}, final read at revision {r}"
            );
        }
    }

    /// 20 keys, 300 ops.
    pub async fn wide_keyspace(backend: Backend) {
        run(backend, seed(0), 20, 300).await
    }

    /// 4 keys, 250 ops: many create/delete cycles and conflicting txns.
    pub async fn narrow_keyspace(backend: Backend) {
        run(backend, seed(1), 4, 250).await
    }
}

compat_tests! {
    random {
        wide_keyspace,
        narrow_keyspace,
    }
}

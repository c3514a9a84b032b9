//! Compatibility suite: the same scenarios against real etcd (`etcd::…`) and
//! etcd-shim (`shim::…`), asserting the exact values real etcd returns.
//!
//! Run the real-etcd half with `cargo test -p ferrokube-etcd-shim --test compat etcd::`.

#[macro_use]
#[path = "compat/support.rs"]
mod support;

#[path = "compat/durability.rs"]
mod durability;
#[path = "compat/errors.rs"]
mod errors;
#[path = "compat/kv.rs"]
mod kv;
#[path = "compat/lease.rs"]
mod lease;
#[path = "compat/maintenance.rs"]
mod maintenance;
#[path = "compat/txn.rs"]
mod txn;
#[path = "compat/watch.rs"]
mod watch;

compat_tests! {
    kv {
        fresh_store_is_revision_one,
        put_delete_put_cycle,
        delete_of_nothing_keeps_revision,
        range_shapes,
        range_limit_more_count,
        range_sort,
        range_revision_filters,
        range_at_revision,
        compact_errors,
        put_prev_kv_and_lease,
        put_ignore_value_and_lease,
        delete_range,
        binary_keys_and_values,
    }
    txn {
        compare_targets_and_ops,
        compare_missing_key,
        compare_over_range,
        branches_and_shared_revision,
        op_response_headers,
        nested_txn,
        duplicate_keys,
        too_many_ops,
        cas_race,
        from_key_delete_and_put_in_one_txn,
        range_revision_outside_history,
    }
    watch {
        events_and_headers,
        start_revision_replay,
        prefix_range_and_from_key,
        prev_kv_and_filters,
        cancel_and_watch_ids,
        many_watchers_one_stream,
        ordering_under_concurrent_writers,
        resume_after_reconnect,
        compacted_start_revision,
        progress_notify_periodic,
        progress_request,
        progress_request_without_watchers,
        slow_watcher_and_long_replay,
    }
    lease {
        grant,
        revoke,
        time_to_live,
        leases_list,
        keep_alive,
        expiry,
    }
    errors {
        empty_key,
        oversized_requests,
        malformed_protobuf,
    }
    maintenance {
        status,
        member_list,
        health_endpoint,
        require_leader_metadata,
        alarms_and_defragment,
    }
    durability {
        state_survives_kill9,
        acknowledged_writes_survive,
    }
}

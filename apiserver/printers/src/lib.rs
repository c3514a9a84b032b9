//! kubectl get tables (meta.k8s.io/v1 Table) for built-in resources, with upstream's columns

pub mod columns;
pub mod duration;
pub mod format;
mod print;
pub mod table;
pub mod time;

use std::time::SystemTime;

use serde_json::Value;

pub use columns::ColumnDefinition;
pub use table::{IncludeObject, TableOptions, table, table_from_list};

/// Whether upstream has a dedicated printer for `group`/`resource` (otherwise the default
/// `Name`/`Created At` table applies).
pub fn has_printer(group: &str, resource: &str) -> bool {
    print::lookup(group, resource).is_some()
}

/// The columns upstream's table for `group`/`resource` has, wide (priority 1) ones included.
pub fn columns(group: &str, resource: &str) -> &'static [ColumnDefinition] {
    print::lookup(group, resource).unwrap_or(print::DEFAULT).columns
}

/// The cells of `obj`'s row, one per column of [`columns`] (upstream renders the wide cells too).
pub fn cells(group: &str, resource: &str, obj: &Value, now: SystemTime) -> Vec<Value> {
    let printer = print::lookup(group, resource).unwrap_or(print::DEFAULT);
    (printer.cells)(obj, time::Timestamp::from_system_time(now))
}

/// The row conditions of `obj` (pods that succeeded or failed carry a `Completed` condition).
pub fn row_conditions(group: &str, resource: &str, obj: &Value) -> Vec<Value> {
    let printer = print::lookup(group, resource).unwrap_or(print::DEFAULT);
    (printer.conditions)(obj)
}

//! Merging lists in a strategic merge patch: element-wise merge by key, set union of scalars, the
//! `$patch` and `$deleteFromPrimitiveList` directives, and the order rules of `$setElementOrder`.
//!
//! Order follows upstream exactly, including two details that fall out of how its Go code shares
//! slice storage: elements the patch adds come before server-only elements unless the live order says
//! otherwise, and under `$setElementOrder` the live order consulted is the live list with deleted
//! elements removed and as many added elements appended as were deleted.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{
    DELETE_DIRECTIVE, DIRECTIVE_MARKER, Lookup, MERGE_DIRECTIVE, REPLACE_DIRECTIVE, Result, SET_ELEMENT_ORDER_PREFIX,
    Schema, StrategicPatchError, Strategy, extract_key, merge_map, remove_directives,
};
use crate::patch::gofmt::{GoType, MAP_TYPE, SLICE_TYPE, go_s, go_type, go_type_name, go_v_list, go_v_map};

/// The result of merging a list.
pub(super) struct Merged {
    pub(super) merged: Vec<Value>,
    /// The live order upstream consults afterwards when a `$setElementOrder` list applies.
    pub(super) server_order: Vec<Value>,
}

/// A canonical string for a JSON value, for hashing (distinguishes `1` from `1.0` as Go's `==` on
/// decoded values does).
fn hash_key(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The value an element is ordered by: its merge key for objects, itself otherwise.
fn order_key(item: &Value, merge_key: &str, kind: GoType) -> String {
    if kind == GoType::Map {
        match item.as_object().and_then(|m| m.get(merge_key)) {
            Some(v) => hash_key(v),
            None => hash_key(&Value::Null),
        }
    } else {
        hash_key(item)
    }
}

/// Index of the first element of `order` with each order key.
fn positions(order: &[Value], merge_key: &str, kind: GoType) -> HashMap<String, usize> {
    let mut map = HashMap::with_capacity(order.len());
    for (i, item) in order.iter().enumerate() {
        map.entry(order_key(item, merge_key, kind)).or_insert(i);
    }
    map
}

fn bad_map(v: &Value) -> StrategicPatchError {
    StrategicPatchError::BadArgType {
        expected: MAP_TYPE,
        actual: go_type_name(v),
    }
}

fn no_merge_key(map: &Map<String, Value>, key: &str) -> StrategicPatchError {
    StrategicPatchError::NoMergeKey {
        map: go_v_map(map),
        key: key.to_string(),
    }
}

/// Upstream's `sliceElementType`: the one Go type of all elements of `lists`.
fn element_type(lists: &[&[Value]]) -> Result<GoType> {
    let mixed = || {
        let rendered: Vec<String> = lists.iter().map(|l| go_v_list(l)).collect();
        StrategicPatchError::MixedListElements(format!("[{}]", rendered.join(" ")))
    };
    let mut found: Option<GoType> = None;
    for item in lists.iter().flat_map(|l| l.iter()) {
        let t = go_type(item);
        match found {
            None if t == GoType::Nil => return Err(mixed()),
            None if t == GoType::Slice => return Err(StrategicPatchError::NoListOfLists),
            None => found = Some(t),
            Some(prev) if prev != t => return Err(mixed()),
            Some(_) => {}
        }
    }
    found.ok_or(StrategicPatchError::NoElements)
}

/// Merges `patch` into `original` for a list field (upstream's `mergeSlice`).
pub(super) fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    lookup: &Lookup<'_>,
    field: &str,
    is_delete_list: bool,
) -> Result<Merged> {
    if original.is_empty() && patch.is_empty() {
        return Ok(Merged {
            merged: original,
            server_order: Vec::new(),
        });
    }
    let kind = element_type(&[&original, &patch])?;
    let merge_key = lookup.merge_key;
    let live_len = original.len();

    let (merged, patch, inner_order, server_order) = if kind != GoType::Map {
        if is_delete_list {
            let doomed: HashSet<String> = patch.iter().map(hash_key).collect();
            let merged = original
                .iter()
                .filter(|v| !doomed.contains(&hash_key(v)))
                .cloned()
                .collect();
            return Ok(Merged {
                merged,
                server_order: original,
            });
        }
        let mut seen = HashSet::new();
        let merged: Vec<Value> = original
            .iter()
            .chain(patch.iter())
            .filter(|v| seen.insert(hash_key(v)))
            .cloned()
            .collect();
        (merged, patch, original.clone(), original)
    } else {
        if merge_key.is_empty() {
            return Err(StrategicPatchError::NoMergeKeyDeclared(field.to_string()));
        }
        let special = split_special_elements(original, patch, merge_key)?;
        let (base, patch) = if special.replace {
            (special.rest, Vec::new())
        } else {
            (special.remaining.clone(), special.rest)
        };
        let base_len = base.len();
        let merged = merge_elements(base.clone(), &patch, merge_key, lookup.sub)?;
        let mut server_order = special.remaining;
        if !special.replace {
            server_order.extend(merged.iter().skip(base_len).cloned());
        }
        server_order.truncate(live_len);
        (merged, patch, base, server_order)
    };

    let (patch_items, server_only) = partition(merged, &patch, merge_key)?;
    let merged = normalize_element_order(patch_items, server_only, &patch, &inner_order, merge_key, kind)?;
    Ok(Merged { merged, server_order })
}

struct SpecialElements {
    /// The original list with `$patch: delete` elements removed.
    remaining: Vec<Value>,
    /// The patch elements without a `$patch` directive.
    rest: Vec<Value>,
    /// A `$patch: replace` element was present.
    replace: bool,
}

/// Upstream's `mergeSliceWithSpecialElements`: acts on the `$patch` elements of a list of objects.
fn split_special_elements(original: Vec<Value>, patch: Vec<Value>, merge_key: &str) -> Result<SpecialElements> {
    let mut rest = Vec::with_capacity(patch.len());
    let mut doomed: HashSet<String> = HashSet::new();
    let mut replace = false;
    for item in patch {
        let Some(directive) = item.as_object().and_then(|m| m.get(DIRECTIVE_MARKER)) else {
            rest.push(item);
            continue;
        };
        let map = item.as_object().ok_or_else(|| bad_map(&item))?;
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => match map.get(merge_key) {
                Some(value) => {
                    doomed.insert(hash_key(value));
                }
                None => return Err(no_merge_key(map, merge_key)),
            },
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => return Err(StrategicPatchError::MergeDirectiveInList),
            _ => {
                return Err(StrategicPatchError::BadPatchType {
                    directive: go_s(directive),
                    map: go_v_map(map),
                });
            }
        }
    }
    let remaining = if doomed.is_empty() {
        original
    } else {
        original
            .into_iter()
            .filter(|e| {
                let key = e.as_object().and_then(|m| m.get(merge_key));
                !key.is_some_and(|k| doomed.contains(&hash_key(k)))
            })
            .collect()
    };
    Ok(SpecialElements {
        remaining,
        rest,
        replace,
    })
}

/// Upstream's `mergeSliceWithoutSpecialElements`: merges each patch element into the original element
/// with the same merge key, or appends it.
fn merge_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: Schema<'_>,
) -> Result<Vec<Value>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, e) in original.iter().enumerate() {
        match e.as_object() {
            Some(m) => {
                if let Some(k) = m.get(merge_key) {
                    index.entry(hash_key(k)).or_insert(i);
                }
            }
            None => return Err(StrategicPatchError::NotAMap(i)),
        }
    }
    for item in patch {
        let map = item.as_object().ok_or_else(|| bad_map(item))?;
        let key = map.get(merge_key).ok_or_else(|| no_merge_key(map, merge_key))?;
        match index.get(&hash_key(key)).copied() {
            Some(i) => {
                let current = match std::mem::take(&mut original[i]) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                original[i] = Value::Object(merge_map(current, map.clone(), schema)?);
            }
            None => {
                index.insert(hash_key(key), original.len());
                original.push(item.clone());
            }
        }
    }
    Ok(original)
}

/// Splits `merged` into the elements present in `by` and the others (upstream's
/// `partitionPrimitivesByPresentInList` / `partitionMapsByPresentInList`).
fn partition(merged: Vec<Value>, by: &[Value], merge_key: &str) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut present = Vec::with_capacity(merged.len());
    let mut absent = Vec::with_capacity(merged.len());
    if merge_key.is_empty() {
        let set: HashSet<String> = by.iter().map(hash_key).collect();
        for v in merged {
            if set.contains(&hash_key(&v)) {
                present.push(v);
            } else {
                absent.push(v);
            }
        }
        return Ok((present, absent));
    }
    // Keys of the map elements of `by` before its first non-map element, which upstream's linear search
    // trips over when it gets there.
    let mut keys = HashSet::new();
    let mut first_non_map = None;
    for (i, e) in by.iter().enumerate() {
        match e.as_object() {
            Some(m) => {
                if let Some(k) = m.get(merge_key) {
                    keys.insert(hash_key(k));
                }
            }
            None => {
                first_non_map = Some(i);
                break;
            }
        }
    }
    for v in merged {
        let map = v.as_object().ok_or_else(|| bad_map(&v))?;
        let key = map.get(merge_key).ok_or_else(|| no_merge_key(map, merge_key))?;
        if keys.contains(&hash_key(key)) {
            present.push(v);
        } else if let Some(i) = first_non_map {
            return Err(StrategicPatchError::NotAMap(i));
        } else {
            absent.push(v);
        }
    }
    Ok((present, absent))
}

/// Upstream's `normalizeElementOrder`: patch elements in patch order, server-only elements in live
/// order, then interleaved by live order.
fn normalize_element_order(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let patch_items = normalize_slice_order(patch_items, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted(server_only, patch_items, server_order, merge_key, kind))
}

/// Upstream's `normalizeSliceOrder`: a stable sort of `to_sort` by position in `order`, with
/// `$patch: delete` elements moved to the end.
fn normalize_slice_order(to_sort: Vec<Value>, order: &[Value], merge_key: &str, kind: GoType) -> Result<Vec<Value>> {
    let mut deletes = Vec::new();
    let mut keep = to_sort;
    if kind == GoType::Map {
        for item in keep.iter().chain(order.iter()) {
            let map = item.as_object().ok_or_else(|| bad_map(item))?;
            if !map.contains_key(merge_key) {
                return Err(no_merge_key(map, merge_key));
            }
        }
        let (d, k): (Vec<Value>, Vec<Value>) = keep.into_iter().partition(|v| {
            v.as_object()
                .and_then(|m| m.get(DIRECTIVE_MARKER))
                .and_then(Value::as_str)
                == Some(DELETE_DIRECTIVE)
        });
        deletes = d;
        keep = k;
    }
    let pos = positions(order, merge_key, kind);
    let mut keyed: Vec<(Option<usize>, Value)> = keep
        .into_iter()
        .map(|v| (pos.get(&order_key(&v, merge_key, kind)).copied(), v))
        .collect();
    go_stable_sort(&mut keyed, |a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x < y,
        _ => true,
    });
    let mut out: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
    out.extend(deletes);
    Ok(out)
}

/// Upstream's `mergeSortedSlice`: takes a server-only element first only when both it and the next
/// patch element are in the live order and it comes earlier there.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Vec<Value> {
    let pos = positions(server_order, merge_key, kind);
    let at = |v: &Value| pos.get(&order_key(v, merge_key, kind)).copied();
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!((at(l), at(r)), (Some(li), Some(ri)) if li < ri),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

/// Go's `sort.SliceStable` (insertion sort of blocks of 20, then in-place symmetric merges), so that
/// comparators which are not strict orders give upstream's results.
fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    if m - a == 1 {
        // Binary search for the first element of [m, b) not less than data[a], then rotate data[a] there.
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i - 1 {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        data[start..end].rotate_left(m - start);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

/// Upstream's `mergePatchIntoOriginal`: for each `$setElementOrder/<field>`, merges the field's list
/// (if the patch has one) and orders the result by the directive, then by the patch, then by the live
/// list. Both the directive and the list leave `patch`.
pub(super) fn merge_ordered_lists(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema<'_>,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for key in keys {
        let Some(order) = patch.remove(&key) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(StrategicPatchError::BadArgType {
                expected: SLICE_TYPE,
                actual: go_type_name(&order),
            });
        };
        let field = extract_key(
            &key,
            SET_ELEMENT_ORDER_PREFIX,
            StrategicPatchError::BadSetElementOrderFormat,
        )?;
        let live = list_field(original, &field)?;
        let patch_list = list_field(patch, &field)?;
        let lookup = schema.lookup(&field)?;
        validate_order(patch_list.as_deref().unwrap_or(&[]), &order, lookup.merge_key)?;

        let (merged, server_order) = match (live, patch_list.clone()) {
            (None, None) => continue,
            (Some(live), None) => (live.clone(), live),
            (None, Some(p)) => match remove_directives(Value::Array(p)) {
                Some(Value::Array(items)) => (items, Vec::new()),
                _ => continue,
            },
            (Some(live), Some(p)) => {
                if lookup.strategy == Strategy::Merge {
                    let m = merge_list(live, p, &lookup, &field, false)?;
                    (m.merged, m.server_order)
                } else {
                    (p, live)
                }
            }
        };

        let (patch_items, server_only) = partition(merged, &order, lookup.merge_key)?;
        let kind = element_type(&[&server_order, patch_list.as_deref().unwrap_or(&[])])?;
        let ordered = normalize_element_order(patch_items, server_only, &order, &server_order, lookup.merge_key, kind)?;
        original.insert(field.clone(), Value::Array(ordered));
        patch.remove(&field);
    }
    Ok(())
}

/// The list at `field`, if any; anything else there is a type error.
fn list_field(map: &Map<String, Value>, field: &str) -> Result<Option<Vec<Value>>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(other) => Err(StrategicPatchError::BadArgType {
            expected: SLICE_TYPE,
            actual: go_type_name(other),
        }),
    }
}

/// Upstream's `validatePatchWithSetOrderList`: the patch's elements (deletions aside) must appear in
/// the `$setElementOrder` list, in the same relative order.
fn validate_order(patch_list: &[Value], order: &[Value], merge_key: &str) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let mut non_delete: Vec<&Value> = Vec::with_capacity(patch_list.len());
    for item in patch_list {
        if !merge_key.is_empty() {
            let map = item.as_object().ok_or_else(|| bad_map(item))?;
            if map.get(DIRECTIVE_MARKER).and_then(Value::as_str) == Some(DELETE_DIRECTIVE) {
                continue;
            }
        }
        non_delete.push(item);
    }
    let (mut p, mut s) = (0, 0);
    while p < non_delete.len() && s < order.len() {
        if non_delete[p]
            .as_object()
            .is_some_and(|m| m.contains_key(DIRECTIVE_MARKER))
        {
            p += 1;
            continue;
        }
        if merge_key_value_equal(non_delete[p], &order[s], merge_key)? {
            p += 1;
        }
        s += 1;
    }
    if p < non_delete.len() && s >= order.len() {
        return Err(StrategicPatchError::OrderMismatch {
            patch: go_v_list(patch_list),
            order: go_v_list(order),
        });
    }
    Ok(())
}

fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let l = left.as_object().ok_or_else(|| bad_map(left))?;
    let r = right.as_object().ok_or_else(|| bad_map(right))?;
    let lk = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rk = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(lk == rk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_sorted(keys: &[Option<usize>]) -> Vec<Option<usize>> {
        let mut data = keys.to_vec();
        go_stable_sort(&mut data, |a, b| match (a, b) {
            (Some(x), Some(y)) => x < y,
            _ => true,
        });
        data
    }

    #[test]
    fn stable_sort_orders_found_elements_stably() {
        let keys: Vec<Option<usize>> = (0..57).map(|i| Some((i * 7) % 13)).collect();
        let mut want = keys.clone();
        want.sort();
        assert_eq!(go_sorted(&keys), want);
    }

    #[test]
    fn stable_sort_moves_unfound_elements_as_insertion_sort_does() {
        // With Go's comparator an unfound element is "less" than everything before it.
        assert_eq!(go_sorted(&[Some(1), Some(0), None]), vec![None, Some(0), Some(1)]);
        assert_eq!(go_sorted(&[None, Some(2), Some(1)]), vec![Some(1), Some(2), None]);
    }

    #[test]
    fn element_types_must_agree() {
        let a = vec![Value::from(1), Value::from("x")];
        assert_eq!(
            element_type(&[&a]).unwrap_err().to_string(),
            "list element types are not identical: [[1 x]]"
        );
        let nested = vec![Value::Array(vec![])];
        assert_eq!(
            element_type(&[&nested]).unwrap_err(),
            StrategicPatchError::NoListOfLists
        );
        assert_eq!(element_type(&[&[], &[]]).unwrap_err(), StrategicPatchError::NoElements);
    }
}

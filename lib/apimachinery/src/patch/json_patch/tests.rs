use serde_json::{Value, json};

use super::*;

fn run(doc: Value, patch: Value) -> Result<Value, JsonPatchError> {
    apply(&doc, patch.to_string().as_bytes(), &JsonPatchLimits::default())
}

fn apply_err(doc: Value, patch: Value) -> String {
    run(doc, patch).expect_err("patch should fail").to_string()
}

// RFC 6902 appendix A.

#[test]
fn rfc_a1_adding_an_object_member() {
    let out = run(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/baz", "value": "qux"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"baz": "qux", "foo": "bar"}));
}

#[test]
fn rfc_a2_adding_an_array_element() {
    let out = run(
        json!({"foo": ["bar", "baz"]}),
        json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": ["bar", "qux", "baz"]}));
}

#[test]
fn rfc_a3_removing_an_object_member() {
    let out = run(
        json!({"baz": "qux", "foo": "bar"}),
        json!([{"op": "remove", "path": "/baz"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": "bar"}));
}

#[test]
fn rfc_a4_removing_an_array_element() {
    let out = run(
        json!({"foo": ["bar", "qux", "baz"]}),
        json!([{"op": "remove", "path": "/foo/1"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": ["bar", "baz"]}));
}

#[test]
fn rfc_a5_replacing_a_value() {
    let out = run(
        json!({"baz": "qux", "foo": "bar"}),
        json!([{"op": "replace", "path": "/baz", "value": "boo"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"baz": "boo", "foo": "bar"}));
}

#[test]
fn rfc_a6_moving_a_value() {
    let out = run(
        json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
        json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
    );
}

#[test]
fn rfc_a7_moving_an_array_element() {
    let out = run(
        json!({"foo": ["all", "grass", "cows", "eat"]}),
        json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": ["all", "cows", "eat", "grass"]}));
}

#[test]
fn rfc_a8_testing_a_value_success() {
    let doc = json!({"baz": "qux", "foo": ["a", 2, "c"]});
    let out = run(
        doc.clone(),
        json!([
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2}
        ]),
    )
    .unwrap();
    assert_eq!(out, doc);
}

#[test]
fn rfc_a9_testing_a_value_error() {
    let err = run(
        json!({"baz": "qux"}),
        json!([{"op": "test", "path": "/baz", "value": "bar"}]),
    )
    .unwrap_err();
    assert_eq!(
        err,
        JsonPatchError::Apply("testing value /baz failed: test failed".into())
    );
    assert_eq!(err.code(), 422);
}

#[test]
fn rfc_a10_adding_a_nested_member_object() {
    let out = run(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": "bar", "child": {"grandchild": {}}}));
}

#[test]
fn rfc_a11_ignoring_unrecognized_elements() {
    let out = run(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": "bar", "baz": "qux"}));
}

#[test]
fn rfc_a12_adding_to_a_nonexistent_target() {
    let err = apply_err(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/baz/bat", "value": "qux"}]),
    );
    assert_eq!(
        err,
        "add operation does not apply: doc is missing path: \"/baz/bat\": missing value"
    );
}

#[test]
fn rfc_a13_duplicate_op_member_keeps_the_last_as_go_does() {
    // RFC says the document is invalid; Go's decoder keeps the last "op", so this is a remove of a
    // missing member, which fails.
    let body = br#"[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]"#;
    let err = apply(&json!({"foo": "bar"}), body, &JsonPatchLimits::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "error in remove for path: '/baz': Unable to remove nonexistent key: baz: missing value"
    );
}

#[test]
fn rfc_a14_escape_ordering() {
    let doc = json!({"/": 9, "~1": 10});
    assert_eq!(
        run(doc.clone(), json!([{"op": "test", "path": "/~01", "value": 10}])).unwrap(),
        doc
    );
}

#[test]
fn rfc_a15_comparing_strings_and_numbers() {
    let err = apply_err(
        json!({"/": 9, "~1": 10}),
        json!([{"op": "test", "path": "/~01", "value": "10"}]),
    );
    assert_eq!(err, "testing value /~01 failed: test failed");
}

#[test]
fn rfc_a16_adding_an_array_value() {
    let out = run(
        json!({"foo": ["bar"]}),
        json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]),
    )
    .unwrap();
    assert_eq!(out, json!({"foo": ["bar", ["abc", "def"]]}));
}

// Pointer escaping and array index rules.

#[test]
fn escaped_tokens_address_slash_and_tilde_members() {
    let out = run(
        json!({"metadata": {"labels": {"app.kubernetes.io/name": "a", "x~y": "b"}}}),
        json!([
            {"op": "replace", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "z"},
            {"op": "remove", "path": "/metadata/labels/x~0y"}
        ]),
    )
    .unwrap();
    assert_eq!(out, json!({"metadata": {"labels": {"app.kubernetes.io/name": "z"}}}));
}

#[test]
fn negative_indices_count_from_the_end() {
    let out = run(
        json!({"a": [1, 2, 3]}),
        json!([
            {"op": "remove", "path": "/a/-1"},
            {"op": "add", "path": "/a/-1", "value": 9},
            {"op": "replace", "path": "/a/-3", "value": 0}
        ]),
    )
    .unwrap();
    assert_eq!(out, json!({"a": [0, 2, 9]}));
}

#[test]
fn array_index_errors_carry_the_library_text() {
    let doc = json!({"a": [1, 2]});
    assert_eq!(
        apply_err(doc.clone(), json!([{"op": "add", "path": "/a/5", "value": 1}])),
        "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"
    );
    assert_eq!(
        apply_err(doc.clone(), json!([{"op": "add", "path": "/a/x", "value": 1}])),
        "error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax"
    );
    assert_eq!(
        apply_err(doc.clone(), json!([{"op": "remove", "path": "/a/2"}])),
        "error in remove for path: '/a/2': Unable to access invalid index: 2: invalid index referenced"
    );
    assert_eq!(
        apply_err(doc.clone(), json!([{"op": "remove", "path": "/a/-"}])),
        "error in remove for path: '/a/-': strconv.Atoi: parsing \"-\": invalid syntax"
    );
    assert_eq!(
        apply_err(doc.clone(), json!([{"op": "replace", "path": "/a/2", "value": 1}])),
        "replace operation does not apply: doc is missing key: /a/2: missing value"
    );
    assert_eq!(
        apply_err(doc, json!([{"op": "test", "path": "/a/9", "value": 1}])),
        "error in test for path: '/a/9': Unable to access invalid index: 9: invalid index referenced"
    );
}

#[test]
fn appending_with_dash_and_at_len() {
    let out = run(
        json!({"a": [1]}),
        json!([{"op": "add", "path": "/a/-", "value": 2}, {"op": "add", "path": "/a/2", "value": 3}]),
    )
    .unwrap();
    assert_eq!(out, json!({"a": [1, 2, 3]}));
}

#[test]
fn replace_of_missing_member_adds_it_as_the_library_does() {
    let out = run(json!({"a": 1}), json!([{"op": "replace", "path": "/b", "value": 2}])).unwrap();
    assert_eq!(out, json!({"a": 1, "b": 2}));
}

#[test]
fn replace_of_whole_document() {
    let out = run(
        json!({"a": 1}),
        json!([{"op": "replace", "path": "", "value": {"b": 2}}]),
    )
    .unwrap();
    assert_eq!(out, json!({"b": 2}));
    let out = run(json!({"a": 1}), json!([{"op": "replace", "path": "", "value": 3}])).unwrap();
    assert_eq!(out, json!({"a": 1}));
}

#[test]
fn copy_duplicates_and_test_compares_like_the_library() {
    let out = run(
        json!({"spec": {"template": {"labels": {"a": "b"}}}}),
        json!([
            {"op": "copy", "from": "/spec/template/labels", "path": "/spec/selector"},
            {"op": "test", "path": "/spec/selector", "value": {"a": "b", "extra": 1}}
        ]),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"spec": {"template": {"labels": {"a": "b"}}, "selector": {"a": "b"}}})
    );
}

#[test]
fn test_of_missing_member_against_null_passes() {
    let doc = json!({"a": null});
    let out = run(
        doc.clone(),
        json!([{"op": "test", "path": "/a", "value": null}, {"op": "test", "path": "/b", "value": null}]),
    )
    .unwrap();
    assert_eq!(out, doc);
    assert_eq!(
        apply_err(json!({"a": 1}), json!([{"op": "test", "path": "/b", "value": 1}])),
        "testing value /b failed: test failed"
    );
}

#[test]
fn move_errors_name_the_key() {
    assert_eq!(
        apply_err(json!({"a": {}}), json!([{"op": "move", "from": "/a/x", "path": "/b"}])),
        "error in move for path: 'x': Unable to remove nonexistent key: x: missing value"
    );
    assert_eq!(
        apply_err(
            json!({"a": {"x": 1}}),
            json!([{"op": "move", "from": "/a/x", "path": "/a/x/y"}])
        ),
        "move operation does not apply: doc is missing destination path: /a/x/y: missing value"
    );
    assert_eq!(
        apply_err(json!({}), json!([{"op": "move", "path": "/b"}])),
        "move operation failed to decode from: operation, missing from field: missing value"
    );
}

#[test]
fn operation_field_errors() {
    assert_eq!(
        apply_err(json!({}), json!([{"path": "/a"}])),
        "Unexpected kind: unknown"
    );
    assert_eq!(
        apply_err(json!({}), json!([{"op": "ADD", "path": "/a"}])),
        "Unexpected kind: ADD"
    );
    assert_eq!(apply_err(json!({}), json!([null])), "Unexpected kind: unknown");
    assert_eq!(
        apply_err(json!({}), json!([{"op": "add", "value": 1}])),
        "add operation failed to decode path: missing value"
    );
    assert_eq!(
        apply_err(json!({}), json!([{"op": "replace", "path": 5, "value": 1}])),
        "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string"
    );
    assert_eq!(
        apply_err(json!({}), json!([{"op": "add", "path": "", "value": 1}])),
        "add operation does not apply: doc is missing path: \"\": missing value"
    );
    assert_eq!(
        apply_err(json!({"a": "s"}), json!([{"op": "add", "path": "/a/b", "value": 1}])),
        "add operation does not apply: doc is missing path: \"/a/b\": missing value"
    );
}

#[test]
fn add_without_value_adds_null() {
    assert_eq!(
        run(json!({}), json!([{"op": "add", "path": "/a"}])).unwrap(),
        json!({"a": null})
    );
}

#[test]
fn a_failed_operation_leaves_the_original_untouched() {
    let doc = json!({"a": 1});
    let err = run(
        doc.clone(),
        json!([{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/a"}]),
    );
    assert!(err.is_err());
    assert_eq!(doc, json!({"a": 1}));
}

// Decoding and limits.

#[test]
fn malformed_bodies_are_bad_requests() {
    let doc = json!({});
    let limits = JsonPatchLimits::default();
    let err = apply(&doc, b"not json", &limits).unwrap_err();
    assert_eq!(
        err,
        JsonPatchError::Decode("invalid character 'o' looking for beginning of value".into())
    );
    assert_eq!(err.code(), 400);
    assert_eq!(
        apply(&doc, br#"{"op":"add"}"#, &limits).unwrap_err(),
        JsonPatchError::Decode("json: cannot unmarshal object into Go value of type jsonpatch.Patch".into())
    );
    assert_eq!(
        apply(&doc, br#"["add"]"#, &limits).unwrap_err(),
        JsonPatchError::Decode("json: cannot unmarshal string into Go value of type jsonpatch.Operation".into())
    );
    assert_eq!(
        apply(&doc, b"", &limits).unwrap_err().to_string(),
        "unexpected end of JSON input"
    );
    assert_eq!(apply(&doc, b"null", &limits).unwrap(), doc);
}

#[test]
fn more_than_ten_thousand_operations_is_too_large() {
    let ops: Vec<Value> = (0..10_001)
        .map(|_| json!({"op": "test", "path": "/a", "value": 1}))
        .collect();
    let err = run(json!({"a": 1}), Value::Array(ops)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The allowed maximum operations in a JSON patch is 10000, got 10001"
    );
    assert_eq!(err.code(), 413);
    let ops: Vec<Value> = (0..10_000)
        .map(|_| json!({"op": "test", "path": "/a", "value": 1}))
        .collect();
    assert!(run(json!({"a": 1}), Value::Array(ops)).is_ok());
}

#[test]
fn copies_are_bounded_by_the_accumulated_size() {
    let limits = JsonPatchLimits {
        max_operations: 100,
        max_copy_bytes: 20,
    };
    let doc = json!({"a": "0123456789"});
    let patch = json!([
        {"op": "copy", "from": "/a", "path": "/b"},
        {"op": "copy", "from": "/a", "path": "/c"}
    ]);
    let err = apply(&doc, patch.to_string().as_bytes(), &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unable to complete the copy, the accumulated size increase of copy is 24, exceeding the limit 20"
    );
}

#[test]
fn non_container_documents_fail() {
    let err = apply(&json!("s"), b"[]", &JsonPatchLimits::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "json: cannot unmarshal string into Go value of type jsonpatch.partialDoc"
    );
}

//! Fuzz target: a request body (first byte picks the kind) through JSON, protobuf and YAML decoding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrokube_fuzz::decode_body(data));

//! Fuzz target: a PATCH body (first byte picks the patch type and original) applied to a Pod or Deployment.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrokube_fuzz::patch(data));

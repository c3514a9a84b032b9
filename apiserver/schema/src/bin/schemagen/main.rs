//! Regenerates `data/schema.json` from the k8s-pb and k8s-openapi sources in the cargo registry.
//!
//! Usage: `cargo run -p ferrokube-apischema --bin schemagen [-- --check]`.

mod generate;

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(sources) = generate::Sources::locate() else {
        eprintln!("schemagen: k8s-pb 0.9.0 / k8s-openapi 0.29.0 sources not found in the cargo registry");
        return ExitCode::FAILURE;
    };
    let overrides = match std::fs::read_to_string(manifest.join("data/overrides.json")) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("schemagen: reading data/overrides.json: {err}");
            return ExitCode::FAILURE;
        }
    };
    let output = match generate::generate(&sources, &overrides) {
        Ok(output) => output,
        Err(err) => {
            eprintln!("schemagen: {err}");
            return ExitCode::FAILURE;
        }
    };
    for warning in &output.warnings {
        eprintln!("warning: {warning}");
    }
    let path = manifest.join("data/schema.json");
    if check {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != output.data {
            eprintln!("schemagen: {} is stale", path.display());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    if let Err(err) = std::fs::write(&path, &output.data) {
        eprintln!("schemagen: writing {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!("schemagen: wrote {}", path.display());
    ExitCode::SUCCESS
}

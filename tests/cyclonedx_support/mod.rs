//! The official CycloneDX 1.6 JSON schema (and the two it references), from
//! `fixtures/cyclonedx/` (origin in `fixtures/SOURCES.md`), as a validator.
#![allow(dead_code)]

use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cyclonedx")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every way `bom` breaks the official CycloneDX 1.6 schema (empty: valid).
pub fn violations(bom: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            fixture("spdx.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            fixture("jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&fixture("bom-1.6.schema.json"))
        .unwrap();
    validator
        .iter_errors(bom)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Panics with every violation unless `bom` is valid CycloneDX 1.6.
pub fn assert_valid(bom: &Value, what: &str) {
    let violations = violations(bom);
    assert!(violations.is_empty(), "{what}: {violations:#?}");
    assert_eq!(bom["specVersion"], "1.6", "{what}");
    assert_eq!(bom["bomFormat"], "CycloneDX", "{what}");
}

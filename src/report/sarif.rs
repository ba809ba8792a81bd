//! SARIF 2.1.0: one `rule` per pubgate rule (help text and docs link), one `result` per
//! finding located at its lockfile (or policy) line; exempted findings carry a
//! `suppressions` entry with the exemption's reason.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Report;
use crate::evaluate::Finding;
use crate::rules::{Level, Rule};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/pubgate/pubgate";

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// A path as a SARIF URI reference: `/`-separated and percent-encoded; absolute paths
/// become `file://` URIs.
pub fn path_uri(path: &std::path::Path) -> String {
    let text = path.display().to_string().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    if out.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn rule_descriptor(rule: Rule) -> Value {
    json!({
        "id": rule.code(),
        "name": rule.slug(),
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": format!("{}. {}", rule.summary(), rule.fix()) },
        "help": {
            "text": format!("{}\nFix: {}\nDocs: {}", rule.summary(), rule.fix(), rule.docs_url()),
            "markdown": format!("**{}** ({}): {}\n\n**Fix:** {}\n\n[Documentation]({})",
                rule.slug(), rule.code(), rule.summary(), rule.fix(), rule.docs_url()),
        },
        "helpUri": rule.docs_url(),
        "defaultConfiguration": { "level": sarif_level(rule.default_level()) },
        "properties": { "tags": ["security", "supply-chain"] },
    })
}

/// A stable identity for a finding across runs (GitHub code scanning uses it to track alerts).
fn fingerprint(f: &Finding) -> String {
    let mut hasher = Sha256::new();
    for part in [
        f.rule.code(),
        f.lockfile
            .as_ref()
            .map(|p| p.to_str().unwrap_or_default())
            .unwrap_or_default(),
        f.package.as_deref().unwrap_or_default(),
        f.version.as_deref().unwrap_or_default(),
        f.artifact.as_deref().unwrap_or_default(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    if f.lockfile.is_none() {
        hasher.update(f.location.line.to_le_bytes());
        hasher.update(f.message.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// `slug (name==version): message. Fix: …`
fn message(f: &Finding) -> String {
    let spec = f.package_spec();
    let about = if spec.is_empty() {
        f.rule.slug().to_string()
    } else {
        format!("{} ({spec})", f.rule.slug())
    };
    format!("{about}: {}. Fix: {}", f.message, f.fix)
}

fn result(f: &Finding) -> Value {
    let rule_index = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
    let mut properties = serde_json::Map::new();
    for (key, value) in [
        ("package", &f.package),
        ("version", &f.version),
        ("artifact", &f.artifact),
    ] {
        if let Some(v) = value {
            properties.insert(key.to_string(), json!(v));
        }
    }
    let mut result = json!({
        "ruleId": f.rule.code(),
        "ruleIndex": rule_index,
        "level": sarif_level(f.level),
        "message": { "text": message(f) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": path_uri(&f.location.path) },
                "region": { "startLine": f.location.line.max(1) },
            }
        }],
        "partialFingerprints": { "pubgate/v1": fingerprint(f) },
        "properties": properties,
    });
    if let (Some(e), Some(map)) = (&f.exempted_by, result.as_object_mut()) {
        map.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": e.reason,
                "location": {
                    "physicalLocation": {
                        "artifactLocation": { "uri": path_uri(&e.location.path) },
                        "region": { "startLine": e.location.line.max(1) },
                    }
                },
            }]),
        );
    }
    result
}

/// Renders the SARIF log (pretty-printed, trailing newline).
pub fn render(report: &Report) -> String {
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pubgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": Rule::ALL.iter().map(|r| rule_descriptor(*r)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "properties": {
                    "outcome": report.outcome().as_str(),
                    "policy": report.policy().to_string(),
                    "denyWarnings": report.deny_warnings(),
                },
            }],
            "results": report.findings().iter().map(result).collect::<Vec<_>>(),
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        use std::path::Path;
        assert_eq!(path_uri(Path::new("uv.lock")), "uv.lock");
        assert_eq!(path_uri(Path::new("sub dir/uv.lock")), "sub%20dir/uv.lock");
        assert_eq!(path_uri(Path::new("/abs/uv.lock")), "file:///abs/uv.lock");
        assert_eq!(path_uri(Path::new("a#b?c")), "a%23b%3Fc");
    }
}

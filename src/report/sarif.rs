//! SARIF 2.1.0: one `rule` per pubgate rule (help text and docs link), one `result` per
//! finding located at its lockfile (or policy) line; exempted findings carry a
//! `suppressions` entry with the exemption's reason.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Report;
use crate::evaluate::Finding;
use crate::lockfile::Location;
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

// ---- the SARIF 2.1.0 wire model: only what pubgate writes -----------------------------

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<SarifRun>,
}

#[derive(Serialize)]
struct SarifRun {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    properties: InvocationProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvocationProperties {
    outcome: &'static str,
    policy: String,
    deny_warnings: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: Fingerprints,
    properties: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "pubgate/v1")]
    pubgate_v1: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    location: SarifLocation,
}

fn physical(location: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: path_uri(&location.path),
        },
        region: Region {
            start_line: location.line.max(1),
        },
    }
}

fn rule_descriptor(rule: Rule) -> Descriptor {
    Descriptor {
        id: rule.code(),
        name: rule.slug(),
        short_description: Text {
            text: rule.summary().to_string(),
        },
        full_description: Text {
            text: format!("{}. {}", rule.summary(), rule.fix()),
        },
        help: Help {
            text: format!(
                "{}\nFix: {}\nDocs: {}",
                rule.summary(),
                rule.fix(),
                rule.docs_url()
            ),
            markdown: format!(
                "**{}** ({}): {}\n\n**Fix:** {}\n\n[Documentation]({})",
                rule.slug(),
                rule.code(),
                rule.summary(),
                rule.fix(),
                rule.docs_url()
            ),
        },
        help_uri: rule.docs_url(),
        default_configuration: Configuration {
            level: sarif_level(rule.default_level()),
        },
        properties: DescriptorProperties {
            tags: ["security", "supply-chain"],
        },
    }
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
    } else if f.package.is_none() {
        // A finding about the lockfile as a whole (a source it names): its line tells it
        // apart; its message may carry a URL that differs between runs.
        hasher.update(f.location.line.to_le_bytes());
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

fn result(f: &Finding) -> SarifResult {
    let mut properties = BTreeMap::new();
    for (key, value) in [
        ("package", f.package.as_deref()),
        ("version", f.version.as_deref()),
        ("artifact", f.artifact.as_deref()),
    ] {
        if let Some(v) = value {
            properties.insert(key, v.to_string());
        }
    }
    SarifResult {
        rule_id: f.rule.code(),
        rule_index: f.rule.index(),
        level: sarif_level(f.level),
        message: Text { text: message(f) },
        locations: vec![SarifLocation {
            id: None,
            physical_location: physical(&f.location),
            message: None,
        }],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(id, r)| SarifLocation {
                id: Some(id),
                physical_location: physical(&r.location),
                message: Some(Text {
                    text: r.role.describe().to_string(),
                }),
            })
            .collect(),
        partial_fingerprints: Fingerprints {
            pubgate_v1: fingerprint(f),
        },
        properties,
        suppressions: f
            .exempted_by
            .iter()
            .map(|e| Suppression {
                kind: "external",
                status: "accepted",
                justification: e.reason.clone(),
                location: SarifLocation {
                    id: None,
                    physical_location: physical(&e.location),
                    message: None,
                },
            })
            .collect(),
    }
}

/// Renders the SARIF log (pretty-printed, trailing newline).
pub fn render(report: &Report) -> String {
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![SarifRun {
            tool: Tool {
                driver: Driver {
                    name: "pubgate",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: Rule::ALL.iter().map(|r| rule_descriptor(*r)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                properties: InvocationProperties {
                    outcome: report.outcome().as_str(),
                    policy: report.policy().to_string(),
                    deny_warnings: report.deny_warnings(),
                },
            }],
            results: report.findings().iter().map(result).collect(),
        }],
    };
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

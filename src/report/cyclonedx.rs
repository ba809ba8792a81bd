//! CycloneDX 1.6 JSON: a provenance trail a security team can store and query, for `check`
//! (what a project consumes) and `audit` (what it publishes). Documented in
//! `docs/cyclonedx.md`; validated in tests against the official 1.6 schema.
//!
//! - A release is a `library` component with its purl (`pkg:pypi/name@version`, with
//!   `repository_url`, `vcs_url` or `download_url` qualifiers when it does not come from
//!   PyPI) and, in `hashes`, every sha256 the installer may accept for it.
//! - Each file is a nested `file` component with its own purl (`?file_name=`) and sha256;
//!   its verified publisher in `publisher`, the attestation as `evidence.identity` (field
//!   `hash`, technique `attestation`), and every detail — certificate identity, issuer,
//!   transparency-log index and integrated time — as `pubgate:` properties.
//! - Findings are `pubgate:finding` properties of the component they are about (the BOM's
//!   metadata for findings about a lockfile or the policy): CycloneDX annotations must carry
//!   a timestamp, and this output has none.
//! - Deterministic: components sorted by `bom-ref`, properties in a fixed order, no
//!   timestamp; the serial number is derived from the content (UUID version 8).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::AuditReport;
use super::Report;
use crate::audit::{FileEvidence, PageStatus, ProjectSummary, ReleaseEvidence};
use crate::evaluate::Finding;
use crate::evidence::{ArtifactEvidence, PackageEvidence, ProvenanceStatus};
use crate::lockfile::Source;
use crate::verify::{VerifiedProvenance, VerifiedPublisher};

/// The property namespace every pubgate property is in.
pub const NAMESPACE: &str = "pubgate:";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Metadata {
    tools: Tools,
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
struct Evidence {
    identity: Vec<Identity>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    field: &'static str,
    confidence: u8,
    concluded_value: String,
    methods: Vec<Method>,
}

#[derive(Serialize)]
struct Method {
    technique: &'static str,
    confidence: u8,
    value: String,
}

#[derive(Serialize, Clone)]
struct Property {
    name: String,
    value: String,
}

fn property(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: format!("{NAMESPACE}{name}"),
        value: value.into(),
    }
}

/// The bom-ref of the tool component, which evidence methods point at.
const TOOL_REF: &str = "pubgate";

fn bom(metadata: Vec<Property>, mut components: Vec<Component>) -> String {
    sort(&mut components);
    let mut seen = std::collections::HashSet::from([TOOL_REF.to_string()]);
    unique_refs(&mut components, &mut seen, &mut Default::default());
    let mut bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: Metadata {
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    bom_ref: TOOL_REF.into(),
                    name: "pubgate".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    ..Component::default()
                }],
            },
            properties: metadata,
        },
        components,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let unnumbered = serde_json::to_vec(&bom).unwrap_or_default();
    bom.serial_number = Some(serial_number(&unnumbered));
    let mut text = serde_json::to_string_pretty(&bom).unwrap_or_default();
    text.push('\n');
    text
}

/// A serial number derived from the content: the same evidence gives the same BOM, and
/// different evidence a different number (RFC 9562 UUID version 8, from a SHA-256).
fn serial_number(content: &[u8]) -> String {
    let mut bytes: [u8; 16] = [0; 16];
    bytes.copy_from_slice(&Sha256::digest(content)[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Sorts components (and their children) by bom-ref.
fn sort(components: &mut [Component]) {
    components.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
    for c in components.iter_mut() {
        sort(&mut c.components);
    }
}

/// Makes every bom-ref in the BOM unique (CycloneDX requires it), in document order: a
/// repeated one gets `#2`, `#3`, … (two entries for one file with different digests).
fn unique_refs(
    components: &mut [Component],
    seen: &mut std::collections::HashSet<String>,
    repeats: &mut std::collections::HashMap<String, usize>,
) {
    for c in components.iter_mut() {
        if !seen.insert(c.bom_ref.clone()) {
            let n = repeats.entry(c.bom_ref.clone()).or_insert(1);
            loop {
                *n += 1;
                let candidate = format!("{}#{n}", c.bom_ref);
                if seen.insert(candidate.clone()) {
                    c.bom_ref = candidate;
                    break;
                }
            }
        }
        unique_refs(&mut c.components, seen, repeats);
    }
}

/// Percent-encodes a purl segment or qualifier value (RFC 3986 unreserved characters stay).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `pkg:pypi/name[@version][?qualifiers]`; qualifiers sorted by key, as the purl spec asks.
fn purl(name: &str, version: Option<&str>, qualifiers: &[(&str, String)]) -> String {
    // The purl spec's pypi name: lowercase, `_` as `-` (a PEP 503 name already is).
    let mut out = format!(
        "pkg:pypi/{}",
        encode(&name.to_ascii_lowercase().replace('_', "-"))
    );
    if let Some(version) = version {
        out.push('@');
        out.push_str(&encode(version));
    }
    let mut qualifiers: Vec<&(&str, String)> = qualifiers.iter().collect();
    qualifiers.sort();
    for (i, (key, value)) in qualifiers.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&format!("{key}={}", encode(value)));
    }
    out
}

/// The purl qualifiers that say where a release comes from when it is not PyPI.
fn source_qualifiers(source: &Source) -> Vec<(&'static str, String)> {
    use crate::url::strip_credentials;
    match source {
        Source::Index { url } if crate::index::is_pypi_default(url.expose()) => Vec::new(),
        Source::Index { url } => vec![("repository_url", strip_credentials(url.expose()))],
        Source::Git { url, commit } => {
            let mut vcs = format!("git+{}", strip_credentials(url.expose()));
            if let Some(commit) = commit {
                vcs.push('@');
                vcs.push_str(commit);
            }
            vec![("vcs_url", vcs)]
        }
        Source::Url { url } => vec![("download_url", strip_credentials(url.expose()))],
        Source::Path { .. } | Source::Editable { .. } | Source::Virtual { .. } => Vec::new(),
    }
}

fn sha256(content: &str) -> Hash {
    Hash {
        alg: "SHA-256",
        content: content.to_string(),
    }
}

/// A one-line publisher for CycloneDX's `publisher`: `GitHub pypa/sampleproject workflow release.yml`.
fn publisher_text(p: &VerifiedPublisher) -> String {
    crate::policy::describe(p).replace('`', "")
}

/// The `pubgate:publisher:*` properties of a verified publisher.
fn publisher_properties(p: &VerifiedPublisher, out: &mut Vec<Property>) {
    out.push(property("publisher:kind", p.kind.as_str()));
    let fields = [
        ("publisher:repository", &p.repository),
        ("publisher:workflow", &p.workflow),
        ("publisher:workflow-filepath", &p.workflow_filepath),
        ("publisher:email", &p.email),
        ("publisher:project-id", &p.project_id),
        (
            "publisher:pipeline-definition-id",
            &p.pipeline_definition_id,
        ),
        ("publisher:ref", &p.git_ref),
        ("publisher:commit", &p.commit),
        // PyPI's claim: the certificate does not carry it.
        ("publisher:environment", &p.environment),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            out.push(property(name, value.clone()));
        }
    }
}

/// The `pubgate:attestation:*` properties and the identity evidence of verified provenance.
fn attestation_evidence(
    v: &VerifiedProvenance,
    sha256: Option<&str>,
    out: &mut Vec<Property>,
) -> Option<Evidence> {
    let mut methods = Vec::new();
    for a in &v.attestations {
        let identity = a.publisher.san.clone().unwrap_or_default();
        let issuer = a.publisher.issuer.clone().unwrap_or_default();
        let time = super::audit::seconds(a.signed_at);
        let index = a.log_index.map(|i| i.to_string()).unwrap_or_default();
        out.push(property(
            "attestation:certificate-identity",
            identity.clone(),
        ));
        out.push(property("attestation:issuer", issuer.clone()));
        if a.log_index.is_some() {
            out.push(property("attestation:log-index", index.clone()));
        }
        out.push(property("attestation:integrated-time", time.clone()));
        out.push(property(
            "attestation:predicate-type",
            a.predicate_type.clone(),
        ));
        methods.push(Method {
            technique: "attestation",
            confidence: 1,
            value: format!(
                "PEP 740 attestation verified offline against the Sigstore trust root: certificate identity {identity}, issuer {issuer}, transparency-log index {}, integrated time {time}, predicate {}",
                if index.is_empty() { "none" } else { &index },
                a.predicate_type
            ),
        });
    }
    let sha256 = sha256?;
    (!methods.is_empty()).then(|| Evidence {
        identity: vec![Identity {
            field: "hash",
            confidence: 1,
            concluded_value: sha256.to_string(),
            methods,
        }],
    })
}

/// A file's provenance as properties (and evidence, when verified).
fn provenance_properties(
    status: &ProvenanceStatus,
    sha256: Option<&str>,
    out: &mut Vec<Property>,
) -> (Option<String>, Option<Evidence>) {
    out.push(property("provenance", status.slug()));
    match status {
        ProvenanceStatus::Verified(v) => {
            publisher_properties(&v.publisher, out);
            let evidence = attestation_evidence(v, sha256, out);
            (Some(publisher_text(&v.publisher)), evidence)
        }
        ProvenanceStatus::Invalid { reason, detail } => {
            out.push(property("provenance:reason", reason.as_str()));
            if !detail.trim().is_empty() {
                out.push(property("provenance:detail", detail.clone()));
            }
            (None, None)
        }
        ProvenanceStatus::Unavailable { cause } => {
            out.push(property("provenance:detail", cause.to_string()));
            (None, None)
        }
        ProvenanceStatus::Absent | ProvenanceStatus::NotApplicable => (None, None),
    }
}

/// `deny PG201 publisher-mismatch uv.lock:33: message (exempted by pubgate.toml:40: reason)`.
fn finding_text(f: &Finding) -> String {
    let mut text = format!(
        "{} {} {} {}:{}: {}",
        f.level,
        f.rule.code(),
        f.rule.slug(),
        f.location.path.display(),
        f.location.line,
        f.message
    );
    if let Some(e) = &f.exempted_by {
        text.push_str(&format!(
            " (exempted by {}:{}: {})",
            e.location.path.display(),
            e.location.line,
            e.reason
        ));
    }
    text
}

/// The verified publisher every file of a release names, if they all name the same one.
fn common_publisher<'a>(statuses: impl Iterator<Item = &'a ProvenanceStatus>) -> Option<String> {
    let mut publisher: Option<String> = None;
    for status in statuses {
        let text = publisher_text(&status.verified()?.publisher);
        match &publisher {
            Some(p) if *p != text => return None,
            _ => publisher = Some(text),
        }
    }
    publisher
}

// ---- check ----------------------------------------------------------------------------

/// A release locked by one or more lockfiles, merged.
struct Locked<'a> {
    package: &'a PackageEvidence,
    locations: Vec<String>,
    artifacts: BTreeMap<(String, Option<String>), &'a ArtifactEvidence>,
}

/// Renders a check as CycloneDX: one component per locked release.
pub fn render(report: &Report) -> String {
    let mut releases: BTreeMap<String, Locked<'_>> = BTreeMap::new();
    for lockfile in report.lockfiles() {
        for package in &lockfile.packages {
            let qualifiers = source_qualifiers(&package.package.source);
            let bom_ref = purl(
                &package.package.name,
                package.package.version.as_deref(),
                &qualifiers,
            );
            let entry = releases.entry(bom_ref).or_insert_with(|| Locked {
                package,
                locations: Vec::new(),
                artifacts: BTreeMap::new(),
            });
            let location = package.package.location.clone();
            entry
                .locations
                .push(format!("{}:{}", location.path.display(), location.line));
            for artifact in &package.artifacts {
                let name = artifact.filename.clone().unwrap_or_default();
                entry
                    .artifacts
                    .entry((name, artifact.sha256.clone()))
                    .or_insert(artifact);
            }
        }
    }
    let mut components = Vec::new();
    for (bom_ref, locked) in releases {
        let package = &locked.package.package;
        let version = package.version.as_deref();
        let qualifiers = source_qualifiers(&package.source);
        let mut properties = vec![property("source", package.source.kind())];
        for location in &locked.locations {
            properties.push(property("location", location.clone()));
        }
        for finding in report.findings().iter().filter(|f| {
            f.package.as_ref() == Some(&package.name) && f.version.as_deref() == version
        }) {
            properties.push(property("finding", finding_text(finding)));
        }
        let mut files = Vec::new();
        let mut hashes = Vec::new();
        for ((filename, sha), artifact) in &locked.artifacts {
            let name = if filename.is_empty() {
                // A requirements hash that names no file of the release.
                sha.as_ref()
                    .map(|s| format!("sha256:{s}"))
                    .unwrap_or_else(|| "(unnamed file)".into())
            } else {
                filename.clone()
            };
            let mut file_qualifiers = qualifiers.clone();
            file_qualifiers.push(("file_name", name.clone()));
            let mut props = Vec::new();
            if !artifact.locked_hash && sha.is_some() {
                props.push(property("hash-source", "index"));
            }
            for unbound in &artifact.unbound_hashes {
                props.push(property("unbound-hash", unbound.to_string()));
            }
            let (publisher, evidence) =
                provenance_properties(&artifact.provenance, sha.as_deref(), &mut props);
            if let Some(sha) = sha {
                hashes.push(sha256(sha));
            }
            files.push(Component {
                kind: "file",
                bom_ref: purl(&package.name, version, &file_qualifiers),
                publisher,
                name,
                version: package.version.clone(),
                hashes: sha.iter().map(|s| sha256(s)).collect(),
                purl: Some(purl(&package.name, version, &file_qualifiers)),
                evidence,
                properties: props,
                components: Vec::new(),
            });
        }
        hashes.sort();
        hashes.dedup();
        components.push(Component {
            kind: "library",
            publisher: common_publisher(locked.artifacts.values().map(|a| &a.provenance)),
            name: package.name.to_string(),
            version: package.version.clone(),
            hashes,
            purl: Some(bom_ref.clone()),
            bom_ref,
            evidence: None,
            properties,
            components: files,
        });
    }
    let mut metadata = vec![
        property("command", "check"),
        property("outcome", report.outcome().as_str()),
        property("policy", report.policy().to_string()),
    ];
    let mut lockfiles: Vec<String> = report
        .lockfiles()
        .iter()
        .map(|l| l.path.display().to_string())
        .collect();
    lockfiles.sort();
    lockfiles.dedup();
    metadata.extend(lockfiles.into_iter().map(|l| property("lockfile", l)));
    metadata.extend(
        report
            .findings()
            .iter()
            .filter(|f| f.package.is_none())
            .map(|f| property("finding", finding_text(f))),
    );
    bom(metadata, components)
}

// ---- audit ----------------------------------------------------------------------------

/// Renders an audit as CycloneDX: one component per project, its examined releases nested
/// in it, their files in them.
pub fn render_audit(report: &AuditReport) -> String {
    let mut components = Vec::new();
    for project in report.projects() {
        let name = project.name.as_str();
        let project_ref = purl(name, None, &[]);
        let mut properties = vec![property("audit:index", project.index_url.redacted())];
        let mut releases = Vec::new();
        match &project.page {
            PageStatus::NotFound { .. } => properties.push(property("audit:page", "not-found")),
            PageStatus::Unavailable(cause) => {
                properties.push(property("audit:page", "unavailable"));
                properties.push(property("audit:detail", cause.to_string()));
            }
            PageStatus::Found(listing) => {
                properties.push(property("audit:page", "found"));
                let s = ProjectSummary::of(listing);
                properties.push(property(
                    "audit:releases-listed",
                    s.releases_listed.to_string(),
                ));
                properties.push(property(
                    "audit:releases-examined",
                    s.releases_examined.to_string(),
                ));
                properties.push(property(
                    "audit:releases-trusted-publishing",
                    s.releases_trusted.to_string(),
                ));
                properties.push(property(
                    "audit:files-examined",
                    s.files_examined.to_string(),
                ));
                properties.push(property(
                    "audit:files-verified",
                    s.files_verified.to_string(),
                ));
                if let Some(first) = &s.first_attested {
                    properties.push(property(
                        "audit:first-attested-release",
                        first.version.clone(),
                    ));
                }
                if let Some(latest) = &s.latest {
                    properties.push(property("audit:latest-release", latest.version.clone()));
                }
                for release in listing.releases.iter().filter(|r| r.examined) {
                    releases.push(release_component(report, name, release));
                }
            }
        }
        for finding in report
            .findings_about(project)
            .filter(|f| f.version.is_none())
        {
            properties.push(property("finding", finding_text(finding)));
        }
        components.push(Component {
            kind: "library",
            bom_ref: project_ref.clone(),
            name: name.to_string(),
            purl: Some(project_ref),
            properties,
            components: releases,
            ..Component::default()
        });
    }
    let mut metadata = vec![
        property("command", "audit"),
        property("outcome", report.outcome().as_str()),
        property("policy", report.policy().to_string()),
    ];
    if let Some(since) = report.window().since {
        metadata.push(property("audit:since", since.to_string()));
    }
    if let Some(last) = report.window().last {
        metadata.push(property("audit:last", last.to_string()));
    }
    for r in report.remediation() {
        metadata.push(property(
            "audit:remediation",
            format!("{} {}: {}", r.project, r.latest.version, r.why.describe()),
        ));
    }
    metadata.extend(
        report
            .findings()
            .iter()
            .filter(|f| f.package.is_none())
            .map(|f| property("finding", finding_text(f))),
    );
    bom(metadata, components)
}

fn release_component(report: &AuditReport, project: &str, release: &ReleaseEvidence) -> Component {
    let version = Some(release.version.as_str());
    let bom_ref = purl(project, version, &[]);
    let mut properties = Vec::new();
    if let Some(verdict) = release.verdict() {
        properties.push(property("audit:verdict", verdict.slug()));
    }
    if release.yanked() {
        properties.push(property("yanked", "true"));
    }
    for finding in report.findings().iter().filter(|f| {
        f.package.as_ref().is_some_and(|p| p.as_str() == project)
            && f.version.as_deref() == Some(release.version.as_str())
    }) {
        properties.push(property("finding", finding_text(finding)));
    }
    let files: Vec<Component> = release
        .files
        .iter()
        .map(|file| file_component(project, &release.version, file))
        .collect();
    let mut hashes: Vec<Hash> = release
        .files
        .iter()
        .filter_map(|f| f.sha256.as_deref().map(sha256))
        .collect();
    hashes.sort();
    hashes.dedup();
    Component {
        kind: "library",
        publisher: common_publisher(release.files.iter().filter_map(|f| f.provenance.as_ref())),
        name: project.to_string(),
        version: Some(release.version.clone()),
        hashes,
        purl: Some(bom_ref.clone()),
        bom_ref,
        properties,
        components: files,
        ..Component::default()
    }
}

fn file_component(project: &str, version: &str, file: &FileEvidence) -> Component {
    let file_ref = purl(
        project,
        Some(version),
        &[("file_name", file.filename.clone())],
    );
    let mut properties = Vec::new();
    if let Some(at) = file.uploaded {
        properties.push(property(
            "upload-time",
            at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ));
    }
    if file.yanked {
        properties.push(property("yanked", "true"));
    }
    let (publisher, evidence) = match &file.provenance {
        Some(status) => provenance_properties(status, file.sha256.as_deref(), &mut properties),
        None => (None, None),
    };
    Component {
        kind: "file",
        purl: Some(file_ref.clone()),
        bom_ref: file_ref,
        publisher,
        name: file.filename.clone(),
        version: Some(version.to_string()),
        hashes: file.sha256.iter().map(|s| sha256(s)).collect(),
        evidence,
        properties,
        components: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_are_encoded_and_qualified() {
        assert_eq!(
            purl("sampleproject", Some("4.0.0"), &[]),
            "pkg:pypi/sampleproject@4.0.0"
        );
        assert_eq!(
            purl(
                "torch",
                Some("2.3.0+cpu"),
                &[
                    ("repository_url", "https://download.pytorch.org/whl/cpu".into()),
                    ("file_name", "torch-2.3.0+cpu-cp312-none-any.whl".into())
                ]
            ),
            "pkg:pypi/torch@2.3.0%2Bcpu?file_name=torch-2.3.0%2Bcpu-cp312-none-any.whl&repository_url=https%3A%2F%2Fdownload.pytorch.org%2Fwhl%2Fcpu"
        );
        assert_eq!(purl("a_b", None, &[]), "pkg:pypi/a-b");
    }

    #[test]
    fn serial_numbers_are_version_8_uuids_of_the_content() {
        let a = serial_number(b"one");
        assert_eq!(a, serial_number(b"one"));
        assert_ne!(a, serial_number(b"two"));
        let uuid = a.strip_prefix("urn:uuid:").unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "8");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }
}

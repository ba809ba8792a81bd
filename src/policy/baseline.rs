//! A starting policy from what verifies now (`pubgate init`): every package whose locked
//! files all carry verified provenance is pinned to its publishers (the identity from the
//! certificate: kind, repository, workflow or CI file, email; the environment PyPI claims
//! when every file agrees), packages that share their publishers share one `[[package]]`
//! entry, and packages that cannot be pinned are listed with the reason. The text is
//! deterministic: the same evidence always writes the same file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::dist::PackageName;
use crate::evidence::{LockfileEvidence, PackageEvidence, ProvenanceStatus};
use crate::lockfile::Source;
use crate::verify::{PublisherKind, VerifiedPublisher};

use super::{describe, PublisherIdentity};

/// A publisher written as a policy requirement: `(key, value)` pairs in a fixed order,
/// `kind` first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublisherTable {
    pub fields: Vec<(&'static str, String)>,
    /// How reports name it: `GitHub `psf/requests` workflow `publish.yml``.
    pub description: String,
}

impl PublisherTable {
    /// The requirement naming `publisher`, with `environment` when given. `None` for a kind
    /// a policy cannot name, or an identity without its identifying field.
    pub fn of(publisher: &VerifiedPublisher, environment: Option<&str>) -> Option<PublisherTable> {
        let mut fields = Vec::new();
        let push = |fields: &mut Vec<(&'static str, String)>, key, value: &Option<String>| {
            if let Some(value) = value {
                fields.push((key, value.clone()));
            }
        };
        match publisher.kind {
            PublisherKind::GitHub | PublisherKind::GitLab => {
                publisher.repository.as_ref()?;
                let github = publisher.kind == PublisherKind::GitHub;
                fields.push(("kind", if github { "github" } else { "gitlab" }.into()));
                push(&mut fields, "repository", &publisher.repository);
                if github {
                    push(&mut fields, "workflow", &publisher.workflow);
                } else {
                    push(
                        &mut fields,
                        "workflow_filepath",
                        &publisher.workflow_filepath,
                    );
                }
                if let Some(environment) = environment {
                    fields.push(("environment", environment.to_string()));
                }
            }
            PublisherKind::Google => {
                publisher.email.as_ref()?;
                fields.push(("kind", "google".into()));
                push(&mut fields, "email", &publisher.email);
            }
            PublisherKind::CircleCI => {
                publisher.project_id.as_ref()?;
                fields.push(("kind", "circleci".into()));
                push(&mut fields, "project_id", &publisher.project_id);
                push(
                    &mut fields,
                    "pipeline_definition_id",
                    &publisher.pipeline_definition_id,
                );
            }
            PublisherKind::Other => return None,
        }
        let mut description = describe(publisher);
        if let Some(environment) = environment {
            description.push_str(&format!(" environment `{environment}`"));
        }
        Some(PublisherTable {
            fields,
            description,
        })
    }

    /// `{ kind = "github", repository = "psf/requests", workflow = "publish.yml" }`.
    pub fn inline_toml(&self) -> String {
        let pairs: Vec<String> = self
            .fields
            .iter()
            .map(|(key, value)| format!("{key} = {}", toml_string(value)))
            .collect();
        format!("{{ {} }}", pairs.join(", "))
    }
}

/// A TOML basic string: `"…"` with `\`, `"` and control characters escaped.
pub fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line of a TOML comment: control characters and invisible controls made visible, so
/// text from an index or a lockfile can neither end the comment nor hide in it.
pub fn comment_text(text: &str) -> String {
    crate::report::sanitize(text)
}

/// A package every locked file of which verified: who published it.
#[derive(Debug, Clone)]
pub struct PackagePin {
    pub name: PackageName,
    /// `name==version` of every locked release of it.
    pub specs: BTreeSet<String>,
    /// The requirements to write, one per distinct publisher.
    pub tables: BTreeSet<PublisherTable>,
    /// The verified publisher of every locked file, to compare with a policy's requirement.
    pub verified: Vec<VerifiedPublisher>,
}

/// A package that cannot be pinned, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotPinned {
    pub name: PackageName,
    /// `name==version` (or the name alone when unversioned).
    pub spec: String,
    pub reason: String,
}

/// What verifies now, per package name across every lockfile.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub pins: BTreeMap<PackageName, PackagePin>,
    pub not_pinned: Vec<NotPinned>,
}

impl Baseline {
    /// Reads the evidence: a name is pinned only when every locked release of it, in every
    /// lockfile, is an index package whose files all verified, with publishers a policy can
    /// name; otherwise it is listed, with the reason of each release that stops it.
    pub fn from_evidence(evidence: &[LockfileEvidence]) -> Baseline {
        let mut by_name: BTreeMap<PackageName, Vec<&PackageEvidence>> = BTreeMap::new();
        for lockfile in evidence {
            for package in &lockfile.packages {
                by_name
                    .entry(package.package.name.clone())
                    .or_default()
                    .push(package);
            }
        }
        let mut baseline = Baseline::default();
        for (name, releases) in by_name {
            let mut problems: BTreeSet<NotPinned> = BTreeSet::new();
            let mut pin = PackagePin {
                name: name.clone(),
                specs: BTreeSet::new(),
                tables: BTreeSet::new(),
                verified: Vec::new(),
            };
            for release in &releases {
                let spec = spec(release);
                match release_tables(release) {
                    Ok((tables, verified)) => {
                        pin.specs.insert(spec);
                        pin.tables.extend(tables);
                        pin.verified.extend(verified);
                    }
                    Err(reason) => {
                        problems.insert(NotPinned {
                            name: name.clone(),
                            spec,
                            reason,
                        });
                    }
                }
            }
            if problems.is_empty() {
                baseline.pins.insert(name, pin);
            } else {
                baseline.not_pinned.extend(problems);
            }
        }
        baseline
    }
}

fn spec(package: &PackageEvidence) -> String {
    match &package.package.version {
        Some(v) => format!("{}=={v}", package.package.name),
        None => package.package.name.to_string(),
    }
}

/// The PEP 751 `attestation-identities` of one release whose files all verified (PEP 740
/// publisher objects: `kind` as PyPI writes it, `repository`, `workflow` or
/// `workflow_filepath`, `environment` when every file agrees; `email` for Google), or why
/// none can be recorded.
pub fn attestation_identities(
    package: &PackageEvidence,
) -> Result<Vec<crate::lockfile::IdentityFields>, String> {
    let (tables, _) = release_tables(package)?;
    tables
        .iter()
        .map(|table| {
            let mut fields = Vec::new();
            for (key, value) in &table.fields {
                let value = match (*key, value.as_str()) {
                    ("kind", "github") => "GitHub".to_string(),
                    ("kind", "gitlab") => "GitLab".to_string(),
                    ("kind", "google") => "Google".to_string(),
                    ("kind", other) => {
                        return Err(format!(
                            "published by a {other} publisher, which PEP 740 attestation identities do not describe"
                        ))
                    }
                    _ => value.clone(),
                };
                fields.push((*key, value));
            }
            Ok(fields)
        })
        .collect()
}

/// The publisher tables of one release whose files all verified, or why it cannot be pinned.
fn release_tables(
    package: &PackageEvidence,
) -> Result<(Vec<PublisherTable>, Vec<VerifiedPublisher>), String> {
    let what = match &package.package.source {
        Source::Index { .. } => None,
        Source::Git { .. } => Some("git"),
        Source::Url { .. } => Some("a URL"),
        Source::Path { .. } => Some("a local path"),
        Source::Editable { .. } => Some("an editable tree"),
        Source::Virtual { .. } => Some("a virtual workspace entry"),
    };
    if let Some(what) = what {
        return Err(format!(
            "installed from {what}, which can carry no provenance"
        ));
    }
    if package.artifacts.is_empty() {
        return Err("no file of it was examined".into());
    }
    let all_verified = package
        .artifacts
        .iter()
        .all(|a| matches!(a.provenance, ProvenanceStatus::Verified(_)));
    if !all_verified {
        let why = crate::report::publishers(package);
        let unavailable = package
            .artifacts
            .iter()
            .any(|a| matches!(a.provenance, ProvenanceStatus::Unavailable { .. }));
        return Err(if unavailable {
            format!("{why}; run `pubgate init --update` again when the index answers")
        } else {
            why
        });
    }
    // One table per identity; the environment only when every file of it names the same.
    let mut identities: BTreeMap<
        PublisherIdentity,
        (&VerifiedPublisher, BTreeSet<Option<String>>),
    > = BTreeMap::new();
    let mut verified = Vec::new();
    for artifact in &package.artifacts {
        if let ProvenanceStatus::Verified(v) = &artifact.provenance {
            let environment = v.publisher.environment.as_ref().map(|e| {
                if v.publisher.kind == PublisherKind::GitHub {
                    e.to_ascii_lowercase()
                } else {
                    e.clone()
                }
            });
            identities
                .entry(PublisherIdentity::of(&v.publisher))
                .or_insert_with(|| (&v.publisher, BTreeSet::new()))
                .1
                .insert(environment);
            verified.push(v.publisher.clone());
        }
    }
    let mut tables = Vec::new();
    for (publisher, environments) in identities.values() {
        let environment = match environments.iter().collect::<Vec<_>>().as_slice() {
            [Some(_)] => publisher.environment.as_deref(),
            _ => None,
        };
        match PublisherTable::of(publisher, environment) {
            Some(table) => tables.push(table),
            None => {
                return Err(format!(
                    "published by {}, which a policy cannot name as a publisher",
                    describe(publisher)
                ))
            }
        }
    }
    Ok((tables, verified))
}

/// The `[[package]]` entries for `pins`: packages with the same publishers share one entry;
/// entries in the order of their publishers, names sorted, each after a comment naming its
/// publishers.
pub fn entries_toml<'a>(pins: impl IntoIterator<Item = &'a PackagePin>) -> String {
    let mut groups: BTreeMap<&BTreeSet<PublisherTable>, Vec<&PackageName>> = BTreeMap::new();
    for pin in pins {
        groups.entry(&pin.tables).or_default().push(&pin.name);
    }
    let mut out = String::new();
    for (tables, mut names) in groups {
        names.sort();
        let described: Vec<&str> = tables.iter().map(|t| t.description.as_str()).collect();
        let _ = writeln!(out, "# {}", comment_text(&described.join(" or ")));
        let _ = writeln!(out, "[[package]]");
        let quoted: Vec<String> = names.iter().map(|n| toml_string(n.as_str())).collect();
        let _ = writeln!(out, "names = [{}]", quoted.join(", "));
        match tables.iter().collect::<Vec<_>>().as_slice() {
            [one] => {
                let _ = writeln!(out, "publisher = {}", one.inline_toml());
            }
            many => {
                let _ = writeln!(out, "publisher = [");
                for table in many {
                    let _ = writeln!(out, "    {},", table.inline_toml());
                }
                let _ = writeln!(out, "]");
            }
        }
        out.push('\n');
    }
    out
}

/// The comment lines listing packages that could not be pinned.
pub fn not_pinned_comment(not_pinned: &[NotPinned]) -> String {
    if not_pinned.is_empty() {
        return String::new();
    }
    let width = not_pinned
        .iter()
        .map(|n| n.spec.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Not pinned: no verified provenance to pin. `missing-provenance` (PG101) warns about"
    );
    let _ = writeln!(
        out,
        "# files without provenance; pin these once they publish with Trusted Publishing."
    );
    for n in not_pinned {
        let _ = writeln!(
            out,
            "#   {:<width$}  {}",
            comment_text(&n.spec),
            comment_text(&n.reason)
        );
    }
    out
}

/// The starting policy: a header naming the lockfiles it was made from, `schema = 1`, the
/// entries, and the packages that could not be pinned.
pub fn starting_policy(baseline: &Baseline, lockfiles: &[String]) -> String {
    let mut out = String::new();
    let from = comment_text(&lockfiles.join(", "));
    let _ = writeln!(
        out,
        "# pubgate policy: who may publish each locked package (docs/policy.md)."
    );
    let _ = writeln!(
        out,
        "# Started by `pubgate init` from {from}: each [[package]] pins the"
    );
    let _ = writeln!(
        out,
        "# publisher its verified PEP 740 provenance names today, and a file without verified"
    );
    let _ = writeln!(
        out,
        "# provenance from that publisher fails the check (PG201). Review changes to this file"
    );
    let _ = writeln!(out, "# like code: an entry here decides whom you trust.");
    let _ = writeln!(out, "schema = 1");
    out.push('\n');
    out.push_str(&entries_toml(baseline.pins.values()));
    out.push_str(&not_pinned_comment(&baseline.not_pinned));
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

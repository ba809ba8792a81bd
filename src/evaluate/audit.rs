//! Findings about your own projects (`pubgate audit`): PG401 unattested-upload, PG402
//! undeclared-publisher, PG403 publisher-drift, PG404 mixed-release, PG405 never-attested;
//! and, for your own files, PG102 invalid-provenance and PG103 provenance-unavailable with
//! the meaning they have everywhere. Findings point at the project's `[[project]]` name in
//! the policy (or `<command line>` for a project named only there); levels resolve and
//! exemptions apply as for a package of that name.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::context::{capitalized, files_phrase, one_line, single, Candidate};
use super::{Finding, RelatedRole};
use crate::audit::{
    never_attested, FileEvidence, PageStatus, ProjectEvidence, ReleaseEvidence, Window,
};
use crate::dist::PackageName;
use crate::evidence::{InvalidReason, ProvenanceStatus, SharedCause};
use crate::lockfile::Location;
use crate::policy::{describe, Policy, PublisherIdentity, PublisherRequirement};
use crate::rules::Rule;
use crate::verify::{PublisherKind, VerifiedPublisher};

pub(super) const RULES: &[Rule] = &[
    Rule::UnattestedUpload,
    Rule::UndeclaredPublisher,
    Rule::PublisherDrift,
    Rule::MixedRelease,
    Rule::NeverAttested,
];

/// Where findings about a project named only on the command line point.
pub const COMMAND_LINE: &str = "<command line>";

/// Judges audited projects against `policy` on `today` (UTC). Findings come per project (in
/// the order given), newest release first, then findings about the policy's exemptions of
/// audit rules (expired; unused, when every release was examined).
pub fn evaluate_audit(
    projects: &[ProjectEvidence],
    policy: &Policy,
    today: jiff::civil::Date,
    window: &Window,
) -> Vec<Finding> {
    let mut candidates = Vec::new();
    for project in projects {
        Project::new(project, policy).check(&mut candidates);
    }
    let mut used = BTreeSet::new();
    let mut findings: Vec<Finding> = candidates
        .into_iter()
        .filter_map(|c| super::resolve(c, policy, today, &mut used))
        .map(|mut f| {
            f.lockfile = None;
            f
        })
        .collect();
    let audited: Vec<&PackageName> = projects.iter().map(|p| &p.name).collect();
    check_exemptions(policy, today, window, &audited, &used, &mut findings);
    findings
}

/// One project with what its checks read.
struct Project<'a> {
    evidence: &'a ProjectEvidence,
    location: Location,
    /// The declared publishers (empty: none declared).
    publishers: &'a [PublisherRequirement],
    policy_path: PathBuf,
}

impl<'a> Project<'a> {
    fn new(evidence: &'a ProjectEvidence, policy: &'a Policy) -> Project<'a> {
        let policy_path = policy.source.path();
        let (location, publishers) = match policy.project(&evidence.name) {
            Some((entry, name)) => (
                Location {
                    path: policy_path.clone(),
                    line: name.position.line,
                },
                entry.publishers.as_slice(),
            ),
            None => (
                Location {
                    path: PathBuf::from(COMMAND_LINE),
                    line: 1,
                },
                &[][..],
            ),
        };
        Project {
            evidence,
            location,
            publishers,
            policy_path,
        }
    }

    fn candidate(
        &self,
        rule: Rule,
        version: Option<&str>,
        files: &[&FileEvidence],
        message: String,
    ) -> Candidate {
        let names: Vec<String> = files.iter().map(|f| f.filename.clone()).collect();
        Candidate {
            rule,
            package: Some(self.evidence.name.clone()),
            version: version.map(str::to_string),
            artifact: single(&names),
            message,
            fix: rule.fix().to_string(),
            location: self.location.clone(),
            lockfile: PathBuf::new(),
            digests: files
                .iter()
                .filter_map(|f| f.sha256.as_ref().map(|sha| format!("sha256:{sha}")))
                .collect(),
            by_digest_only: false,
            related: Vec::new(),
        }
    }

    fn check(&self, out: &mut Vec<Candidate>) {
        let name = &self.evidence.name;
        let listing = match &self.evidence.page {
            PageStatus::Found(listing) => listing,
            PageStatus::NotFound { index } => {
                out.push(
                    self.candidate(
                        Rule::ProvenanceUnavailable,
                        None,
                        &[],
                        format!(
                            "the index `{}` has no project `{name}`, so nothing of it was audited",
                            index.trimmed()
                        ),
                    )
                    .with_fix(
                        "check the project's name (in its `[[project]]` entry or on the command line) and `--index-url`",
                    ),
                );
                return;
            }
            PageStatus::Unavailable(cause) => {
                out.push(self.candidate(
                    Rule::ProvenanceUnavailable,
                    None,
                    &[],
                    format!(
                        "could not get the project page, so nothing of `{name}` was audited: {}",
                        one_line(&cause.to_string())
                    ),
                ));
                return;
            }
        };
        let adoption = listing.adoption();
        for release in listing.releases.iter().rev().filter(|r| r.examined) {
            self.check_invalid(release, out);
            self.check_unavailable(release, out);
            let flagged = adoption
                .as_ref()
                .is_some_and(|adoption| self.check_after_adoption(release, adoption, out));
            if !flagged {
                self.check_mixed(release, out);
            }
            self.check_publishers(release, out);
        }
        if never_attested(listing) {
            out.push(self.candidate(
                Rule::NeverAttested,
                None,
                &[],
                format!(
                    "no file of `{name}` has provenance ({} listed): every release was uploaded with an API token (or before PEP 740)",
                    plural(listing.releases.len(), "release")
                ),
            ));
        }
    }

    /// PG102, one finding per file whose provenance fails verification.
    fn check_invalid(&self, release: &ReleaseEvidence, out: &mut Vec<Candidate>) {
        for file in &release.files {
            let Some(ProvenanceStatus::Invalid { reason, detail }) = &file.provenance else {
                continue;
            };
            let what = super::provenance::invalid_what(&file.filename, reason);
            let message = if detail.trim().is_empty() {
                what
            } else {
                format!("{what}: {}", one_line(detail))
            };
            let candidate = self.candidate(
                Rule::InvalidProvenance,
                Some(&release.version),
                &[file],
                message,
            );
            out.push(match reason {
                InvalidReason::Verification(_) => candidate,
                _ => candidate.by_digest_only(),
            }
            .with_fix("find out who uploaded this file: provenance that does not verify for your own release is what a forged upload looks like; yank it if it is not yours"));
        }
    }

    /// PG103, once per release and cause, for files whose provenance could not be had.
    fn check_unavailable(&self, release: &ReleaseEvidence, out: &mut Vec<Candidate>) {
        let mut groups: Vec<(SharedCause<'_>, Vec<&FileEvidence>)> = Vec::new();
        for file in &release.files {
            let Some(ProvenanceStatus::Unavailable { cause }) = &file.provenance else {
                continue;
            };
            let shared = cause.shared();
            match groups.iter_mut().find(|(s, _)| *s == shared) {
                Some((_, files)) => files.push(file),
                None => groups.push((shared, vec![file])),
            }
        }
        for (shared, files) in groups {
            let names: Vec<String> = files.iter().map(|f| f.filename.clone()).collect();
            let cause = match files.as_slice() {
                [one] => match &one.provenance {
                    Some(ProvenanceStatus::Unavailable { cause }) => cause.to_string(),
                    _ => shared.to_string(),
                },
                _ => shared.to_string(),
            };
            out.push(self.candidate(
                Rule::ProvenanceUnavailable,
                Some(&release.version),
                &files,
                format!(
                    "could not get provenance for {}: {}",
                    files_phrase(&names, release.files.len()),
                    one_line(&cause)
                ),
            ));
        }
    }

    /// PG401 for files without provenance uploaded after the first attested upload; whether
    /// it fired.
    fn check_after_adoption(
        &self,
        release: &ReleaseEvidence,
        adoption: &crate::audit::Adoption<'_>,
        out: &mut Vec<Candidate>,
    ) -> bool {
        let late: Vec<&FileEvidence> = release
            .files
            .iter()
            .filter(|f| matches!(f.provenance, Some(ProvenanceStatus::Absent)))
            .filter(|f| adoption.precedes(release, f))
            .collect();
        if late.is_empty() {
            return false;
        }
        let names: Vec<String> = late.iter().map(|f| f.filename.clone()).collect();
        let phrase = files_phrase(&names, release.files.len());
        let singular = late.len() == 1;
        let since = match adoption.first_uploaded {
            Some(at) => format!(" (uploaded {})", day(at)),
            None => String::new(),
        };
        out.push(self.candidate(
            Rule::UnattestedUpload,
            Some(&release.version),
            &late,
            format!(
                "{} uploaded without provenance{}, but `{}` has published with attestations since `{}`{since}: an upload with an API token, or a release pipeline that stopped attesting",
                capitalized(&phrase, singular),
                uploaded_when(&late),
                self.evidence.name,
                adoption.first.version
            ),
        ));
        true
    }

    /// PG404 for a release some of whose files verified and others have no provenance.
    fn check_mixed(&self, release: &ReleaseEvidence, out: &mut Vec<Candidate>) {
        if release.verdict() != Some(crate::audit::Verdict::Mixed) {
            return;
        }
        let absent: Vec<&FileEvidence> = release
            .files
            .iter()
            .filter(|f| matches!(f.provenance, Some(ProvenanceStatus::Absent)))
            .collect();
        let names: Vec<String> = absent.iter().map(|f| f.filename.clone()).collect();
        let verified = release.files.len() - absent.len();
        out.push(self.candidate(
            Rule::MixedRelease,
            Some(&release.version),
            &absent,
            format!(
                "{} of this release {} no provenance, while {} verified through Trusted Publishing",
                files_phrase(&names, release.files.len()),
                if absent.len() == 1 { "has" } else { "have" },
                plural(verified, "other file"),
            ),
        ));
    }

    /// PG402 and PG403 for verified files whose publisher is not a declared one.
    fn check_publishers(&self, release: &ReleaseEvidence, out: &mut Vec<Candidate>) {
        if self.publishers.is_empty() {
            return;
        }
        // Files by who published them, the fields a requirement can name included.
        let mut groups: Vec<(&VerifiedPublisher, Vec<&FileEvidence>)> = Vec::new();
        for file in &release.files {
            let Some(verified) = file.verified() else {
                continue;
            };
            let key = publisher_key(&verified.publisher);
            match groups.iter_mut().find(|(p, _)| publisher_key(p) == key) {
                Some((_, files)) => files.push(file),
                None => groups.push((&verified.publisher, vec![file])),
            }
        }
        for (publisher, files) in groups {
            if self.publishers.iter().any(|r| r.matches(publisher)) {
                continue;
            }
            let names: Vec<String> = files.iter().map(|f| f.filename.clone()).collect();
            let phrase = capitalized(&files_phrase(&names, release.files.len()), files.len() == 1);
            let same_identity: Vec<&PublisherRequirement> = self
                .publishers
                .iter()
                .filter(|r| same_identity(r, publisher))
                .collect();
            let candidate = match same_identity.first() {
                Some(declared) => {
                    let differ = differences(declared, publisher);
                    self.candidate(
                        Rule::PublisherDrift,
                        Some(&release.version),
                        &files,
                        format!(
                            "{phrase} published by {}, but the project declares {declared} ({}:{}): the {} {}",
                            describe_full(publisher, declared),
                            self.policy_path.display(),
                            declared.position.line,
                            differ.join(" and "),
                            if differ.len() == 1 { "differs" } else { "differ" },
                        ),
                    )
                    .related_to(self.requirement_at(declared), RelatedRole::Requirement)
                }
                None => {
                    let declared: Vec<String> =
                        self.publishers.iter().map(ToString::to_string).collect();
                    let mut candidate = self.candidate(
                        Rule::UndeclaredPublisher,
                        Some(&release.version),
                        &files,
                        format!(
                            "{phrase} published by {}, which is not a declared publisher of `{}` (declared: {})",
                            describe_full(publisher, &self.publishers[0]),
                            self.evidence.name,
                            declared.join("; ")
                        ),
                    );
                    for requirement in self.publishers {
                        candidate = candidate
                            .related_to(self.requirement_at(requirement), RelatedRole::Requirement);
                    }
                    candidate
                }
            };
            out.push(candidate);
        }
    }

    fn requirement_at(&self, requirement: &PublisherRequirement) -> Location {
        Location {
            path: self.policy_path.clone(),
            line: requirement.position.line,
        }
    }
}

/// Who published, with every field a requirement can name: the identity plus ref and
/// environment (case-insensitive where the forge is).
fn publisher_key(p: &VerifiedPublisher) -> (PublisherIdentity, Option<String>, Option<String>) {
    let environment = match p.kind {
        PublisherKind::GitHub => p.environment.as_ref().map(|e| e.to_ascii_lowercase()),
        _ => p.environment.clone(),
    };
    (PublisherIdentity::of(p), p.git_ref.clone(), environment)
}

/// Whether a requirement names the same kind and identifying field (repository, email or
/// project) as a verified publisher.
fn same_identity(requirement: &PublisherRequirement, p: &VerifiedPublisher) -> bool {
    let eq =
        |required: &Option<String>, actual: &Option<String>, fold: bool| match (required, actual) {
            (Some(r), Some(a)) if fold => r.eq_ignore_ascii_case(a),
            (Some(r), Some(a)) => r == a,
            _ => false,
        };
    requirement.kind == p.kind
        && match p.kind {
            PublisherKind::GitHub | PublisherKind::GitLab => {
                eq(&requirement.repository, &p.repository, true)
            }
            PublisherKind::Google => eq(&requirement.email, &p.email, true),
            PublisherKind::CircleCI => eq(&requirement.project_id, &p.project_id, false),
            PublisherKind::Other => false,
        }
}

/// The fields in which a verified publisher fails a requirement of the same identity: each
/// field the requirement names, checked alone with the identity.
fn differences(requirement: &PublisherRequirement, p: &VerifiedPublisher) -> Vec<&'static str> {
    let identity = PublisherRequirement {
        workflow: None,
        workflow_filepath: None,
        environment: None,
        pipeline_definition_id: None,
        git_ref: None,
        ..requirement.clone()
    };
    type Keep = fn(&mut PublisherRequirement, &PublisherRequirement);
    let fields: [(&str, Keep); 5] = [
        ("workflow", |r, from| r.workflow = from.workflow.clone()),
        ("CI file", |r, from| {
            r.workflow_filepath = from.workflow_filepath.clone()
        }),
        ("environment", |r, from| {
            r.environment = from.environment.clone()
        }),
        ("pipeline", |r, from| {
            r.pipeline_definition_id = from.pipeline_definition_id.clone()
        }),
        ("ref", |r, from| r.git_ref = from.git_ref.clone()),
    ];
    let mut out: Vec<&'static str> = fields
        .iter()
        .filter_map(|(name, keep)| {
            let mut only = identity.clone();
            keep(&mut only, requirement);
            (!only.matches(p)).then_some(*name)
        })
        .collect();
    if out.is_empty() {
        // No field alone fails, yet the whole does not match (a CircleCI repository).
        out.push("publisher");
    }
    out
}

/// A verified publisher with the ref and environment a requirement may name.
fn describe_full(p: &VerifiedPublisher, requirement: &PublisherRequirement) -> String {
    let mut out = describe(p);
    if let Some(git_ref) = &p.git_ref {
        out.push_str(&format!(" ref `{git_ref}`"));
    }
    match &p.environment {
        Some(environment) => {
            out.push_str(&format!(" environment `{environment}` (as PyPI claims)"))
        }
        None if requirement.environment.is_some() => out.push_str(" without an environment"),
        None => {}
    }
    out
}

/// `` (uploaded 2025-06-01)`` for files uploaded on one day, `` (uploaded 2025-06-01 to
/// 2025-06-03)`` for several, nothing when the index does not say.
fn uploaded_when(files: &[&FileEvidence]) -> String {
    let times: Vec<jiff::Timestamp> = files.iter().filter_map(|f| f.uploaded).collect();
    match (times.iter().min(), times.iter().max()) {
        (Some(first), Some(last)) if day(*first) == day(*last) => format!(" on {}", day(*first)),
        (Some(first), Some(last)) => format!(" from {} to {}", day(*first), day(*last)),
        _ => String::new(),
    }
}

/// The UTC day of a time: `2025-06-01`.
pub fn day(at: jiff::Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// PG301 for expired exemptions of audit rules; PG302 for those that covered nothing, when
/// every release of the project they name was examined (a window cannot tell).
fn check_exemptions(
    policy: &Policy,
    today: jiff::civil::Date,
    window: &Window,
    audited: &[&PackageName],
    used: &BTreeSet<usize>,
    findings: &mut Vec<Finding>,
) {
    for e in policy.exemptions.iter().filter(|e| RULES.contains(&e.rule)) {
        let what = super::policy::exemption_description(e);
        let (rule, message) = if e.is_expired(today) {
            let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
            (
                Rule::ExpiredExemption,
                format!("{what} expired on {expires} and no longer applies"),
            )
        } else if window.is_all()
            && !used.contains(&e.index)
            && audited.iter().any(|name| e.package.matches(name))
        {
            (Rule::UnusedExemption, format!("{what} matched no finding"))
        } else {
            continue;
        };
        findings.extend(super::policy::policy_finding(
            policy,
            rule,
            e.position.line,
            message,
            today,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Listed, ProjectListing};
    use crate::policy::{self, PolicySource};
    use crate::rules::Level;
    use crate::url::SecretUrl;
    use crate::verify::{VerifiedAttestation, VerifiedProvenance};

    fn github(
        repository: &str,
        workflow: &str,
        git_ref: &str,
        env: Option<&str>,
    ) -> ProvenanceStatus {
        let publisher = VerifiedPublisher {
            kind: PublisherKind::GitHub,
            repository: Some(repository.into()),
            workflow: Some(workflow.into()),
            workflow_filepath: None,
            email: None,
            git_ref: Some(git_ref.into()),
            commit: None,
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            san: None,
            project_id: None,
            pipeline_definition_id: None,
            environment: env.map(str::to_string),
        };
        ProvenanceStatus::Verified(std::sync::Arc::new(VerifiedProvenance {
            attestations: vec![VerifiedAttestation {
                predicate_type: "https://docs.pypi.org/attestations/publish/v1".into(),
                publisher: publisher.clone(),
                signed_at: 1_748_779_200,
                log_index: Some(1),
            }],
            publisher,
            claimed: None,
        }))
    }

    fn file(name: &str, at: &str, status: ProvenanceStatus) -> FileEvidence {
        FileEvidence {
            filename: name.into(),
            sha256: Some("ab".repeat(32)),
            uploaded: Some(at.parse().unwrap()),
            yanked: false,
            listed: if status.verified().is_some() {
                Listed::Linked
            } else {
                Listed::None
            },
            provenance: Some(status),
        }
    }

    fn project(releases: Vec<(&str, Vec<FileEvidence>)>) -> ProjectEvidence {
        ProjectEvidence {
            name: PackageName::new("demo"),
            index_url: SecretUrl::new("https://pypi.org/simple"),
            page: PageStatus::Found(ProjectListing {
                api_version: "1.4".into(),
                releases: releases
                    .into_iter()
                    .map(|(version, files)| ReleaseEvidence {
                        version: version.into(),
                        parsed: version.parse().ok(),
                        examined: true,
                        files,
                    })
                    .collect(),
            }),
        }
    }

    const DECLARED: &str = r#"schema = 1
[[project]]
names = ["demo"]
publisher = { kind = "github", repository = "acme/demo", workflow = "release.yml", environment = "pypi", ref = "refs/tags/v*" }
"#;

    fn judge(
        policy: &str,
        window: Window,
        evidence: ProjectEvidence,
    ) -> Vec<(&'static str, Level, String)> {
        let policy = policy::from_str(policy, PolicySource::File("pubgate.toml".into())).unwrap();
        evaluate_audit(&[evidence], &policy, jiff::civil::date(2026, 1, 1), &window)
            .into_iter()
            .map(|f| {
                let covered = if f.exempted_by.is_some() {
                    " (exempted)"
                } else {
                    ""
                };
                (
                    f.rule.code(),
                    f.level,
                    format!("{}{covered}", f.version.unwrap_or_default()),
                )
            })
            .collect()
    }

    fn good(version: &str, at: &str) -> FileEvidence {
        file(
            &format!("demo-{version}.tar.gz"),
            at,
            github(
                "acme/demo",
                "release.yml",
                &format!("refs/tags/v{version}"),
                Some("pypi"),
            ),
        )
    }

    #[test]
    fn releases_before_adoption_are_history_not_findings() {
        let evidence = project(vec![
            (
                "0.9",
                vec![file(
                    "demo-0.9.tar.gz",
                    "2024-01-01T00:00:00Z",
                    ProvenanceStatus::Absent,
                )],
            ),
            ("1.0", vec![good("1.0", "2025-01-01T00:00:00Z")]),
        ]);
        assert_eq!(judge(DECLARED, Window::all(), evidence), []);
    }

    #[test]
    fn a_late_file_is_pg401_and_not_also_pg404() {
        let evidence = project(vec![(
            "1.0",
            vec![
                good("1.0", "2025-01-01T00:00:00Z"),
                file(
                    "demo-1.0-py3-none-any.whl",
                    "2025-01-02T00:00:00Z",
                    ProvenanceStatus::Absent,
                ),
            ],
        )]);
        assert_eq!(
            judge(DECLARED, Window::all(), evidence),
            [("PG401", Level::Deny, "1.0".to_string())]
        );
        // Uploaded first, by hand: the adoption release is mixed, a warning.
        let evidence = project(vec![(
            "1.0",
            vec![
                good("1.0", "2025-01-02T00:00:00Z"),
                file(
                    "demo-1.0-py3-none-any.whl",
                    "2025-01-01T00:00:00Z",
                    ProvenanceStatus::Absent,
                ),
            ],
        )]);
        assert_eq!(
            judge(DECLARED, Window::all(), evidence),
            [("PG404", Level::Warn, "1.0".to_string())]
        );
    }

    #[test]
    fn an_undeclared_identity_is_pg402_a_declared_one_off_its_path_is_pg403() {
        let run = |status: ProvenanceStatus| {
            judge(
                DECLARED,
                Window::all(),
                project(vec![(
                    "1.0",
                    vec![file("demo-1.0.tar.gz", "2025-01-01T00:00:00Z", status)],
                )]),
            )
        };
        let pg = |code| vec![(code, Level::Deny, "1.0".to_string())];
        assert_eq!(
            run(github(
                "evil/demo",
                "release.yml",
                "refs/tags/v1.0",
                Some("pypi")
            )),
            pg("PG402")
        );
        // Another kind with the same repository name is another identity.
        let ProvenanceStatus::Verified(mut gitlab) =
            github("acme/demo", "release.yml", "refs/tags/v1.0", Some("pypi"))
        else {
            unreachable!()
        };
        std::sync::Arc::make_mut(&mut gitlab).publisher.kind = PublisherKind::GitLab;
        assert_eq!(run(ProvenanceStatus::Verified(gitlab)), pg("PG402"));
        assert_eq!(
            run(github(
                "ACME/Demo",
                "nightly.yml",
                "refs/tags/v1.0",
                Some("pypi")
            )),
            pg("PG403")
        );
        assert_eq!(
            run(github(
                "acme/demo",
                "release.yml",
                "refs/heads/main",
                Some("pypi")
            )),
            pg("PG403")
        );
        assert_eq!(
            run(github("acme/demo", "release.yml", "refs/tags/v1.0", None)),
            pg("PG403")
        );
        assert_eq!(
            run(github(
                "acme/demo",
                "release.yml",
                "refs/tags/v1.0",
                Some("PyPI")
            )),
            []
        );
    }

    #[test]
    fn drift_names_every_field_that_differs() {
        let policy = policy::from_str(DECLARED, PolicySource::File("pubgate.toml".into())).unwrap();
        let declared = &policy.projects[0].publishers[0];
        let ProvenanceStatus::Verified(v) = github("acme/demo", "other.yml", "refs/heads/x", None)
        else {
            unreachable!()
        };
        assert_eq!(
            differences(declared, &v.publisher),
            ["workflow", "environment", "ref"]
        );
    }

    #[test]
    fn invalid_and_unavailable_files_fail_closed() {
        use crate::evidence::{FetchError, FetchFailure, UnavailableCause};
        let url = crate::url::CleanUrl::parse("https://pypi.org/integrity/demo/1.0/x/provenance")
            .unwrap();
        let unavailable = || {
            ProvenanceStatus::unavailable(UnavailableCause::fetch_for(
                "x",
                FetchError::new(&url, FetchFailure::Timeout { attempts: 3 }),
            ))
        };
        let evidence = project(vec![(
            "1.0",
            vec![
                file(
                    "a.tar.gz",
                    "2025-01-01T00:00:00Z",
                    ProvenanceStatus::Invalid {
                        reason: InvalidReason::Verification(
                            crate::verify::FailureReason::Signature,
                        ),
                        detail: "bad".into(),
                    },
                ),
                file("b.whl", "2025-01-01T00:00:00Z", unavailable()),
                file("c.whl", "2025-01-01T00:00:00Z", unavailable()),
            ],
        )]);
        assert_eq!(
            judge(DECLARED, Window::all(), evidence),
            [
                ("PG102", Level::Deny, "1.0".to_string()),
                ("PG103", Level::Deny, "1.0".to_string())
            ]
        );
    }

    #[test]
    fn exemptions_cover_audit_findings_and_unused_ones_are_reported_on_full_audits_only() {
        let late = || {
            project(vec![
                ("1.0", vec![good("1.0", "2025-01-01T00:00:00Z")]),
                (
                    "1.1",
                    vec![file(
                        "demo-1.1.tar.gz",
                        "2025-02-01T00:00:00Z",
                        ProvenanceStatus::Absent,
                    )],
                ),
            ])
        };
        let exempt = |versions: &str| {
            format!("{DECLARED}[[exemption]]\npackage = \"demo\"\nversions = \"{versions}\"\nrule = \"unattested-upload\"\nreason = \"hand upload, #4\"\n")
        };
        assert_eq!(
            judge(&exempt("==1.1"), Window::all(), late()),
            [("PG401", Level::Deny, "1.1 (exempted)".to_string())]
        );
        assert_eq!(
            judge(&exempt("==9.9"), Window::all(), late()),
            [
                ("PG401", Level::Deny, "1.1".to_string()),
                ("PG302", Level::Warn, String::new())
            ]
        );
        // A window cannot tell an unused exemption from one for a release outside it.
        let since = Window {
            since: Some("2025-01-15T00:00:00Z".parse().unwrap()),
            last: None,
        };
        assert_eq!(
            judge(&exempt("==9.9"), since, late()),
            [("PG401", Level::Deny, "1.1".to_string())]
        );
    }

    #[test]
    fn a_check_leaves_exemptions_of_audit_rules_alone() {
        let policy = policy::from_str(
            "schema = 1\n[[exemption]]\npackage = \"demo\"\nrule = \"unattested-upload\"\nreason = \"r\"\nexpires = 2020-01-01\n",
            PolicySource::File("pubgate.toml".into()),
        )
        .unwrap();
        assert_eq!(
            super::super::evaluate(&[], &policy, jiff::civil::date(2026, 1, 1)),
            []
        );
        // The audit reports it expired.
        let findings = evaluate_audit(&[], &policy, jiff::civil::date(2026, 1, 1), &Window::all());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, Rule::ExpiredExemption);
    }
}

//! Evidence + policy + today's date → findings. A pure function: no I/O, no clock, no
//! printing. Rules produce candidates, one module per rule family ([`source`],
//! [`provenance`], [`publisher`], [`policy`]); levels resolve in [`Policy::resolve`];
//! exemptions apply after; findings come out in one deterministic order.

mod audit;
mod context;
mod index_status;
mod policy;
mod provenance;
mod publisher;
mod source;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::evidence::LockfileEvidence;
use crate::lockfile::Location;
use crate::policy::{Exemption, LevelOrigin, Policy, PolicySource};
use crate::rules::{Level, Rule};

use context::{Candidate, PackageContext};

pub use audit::{day, evaluate_audit, COMMAND_LINE};

/// One thing the policy has to say about a lockfile or about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The resolved level, `warn` or `deny` (findings at `allow` are not reported).
    pub level: Level,
    /// `None` for findings about a lockfile as a whole or the policy.
    pub package: Option<crate::dist::PackageName>,
    pub version: Option<String>,
    /// The file the finding is about; `None` when it is about the package or several files.
    pub artifact: Option<String>,
    /// What is wrong, one line.
    pub message: String,
    /// What to do, one line.
    pub fix: String,
    /// Where to look: the package's lockfile line, or the policy line.
    pub location: Location,
    /// The lockfile; `None` for findings about the policy.
    pub lockfile: Option<PathBuf>,
    /// The exemption that covers it: the finding is shown but does not count.
    pub exempted_by: Option<ExemptionRef>,
    /// Other places that explain the finding: the policy line that required a publisher,
    /// where its level was set.
    pub related: Vec<Related>,
}

/// A place that explains a finding, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub role: RelatedRole,
}

/// What a related location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelatedRole {
    /// The policy line (or lockfile identity) that requires the publisher.
    Requirement,
    /// The policy line that set the finding's level.
    Level,
}

impl RelatedRole {
    pub fn describe(self) -> &'static str {
        match self {
            RelatedRole::Requirement => "the publisher is required here",
            RelatedRole::Level => "the level is set here",
        }
    }
}

impl Finding {
    /// Whether the finding counts toward the verdict at all (not exempted).
    pub fn is_active(&self) -> bool {
        self.exempted_by.is_none()
    }

    /// `name==version`, `name`, or empty for lockfile and policy findings.
    pub fn package_spec(&self) -> String {
        match (&self.package, &self.version) {
            (Some(n), Some(v)) => format!("{n}=={v}"),
            (Some(n), None) => n.to_string(),
            _ => String::new(),
        }
    }
}

/// The exemption that covered a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptionRef {
    /// 0-based index among the policy's `[[exemption]]` entries.
    pub index: usize,
    pub location: Location,
    pub reason: String,
    pub expires: Option<jiff::civil::Date>,
}

/// The rule families, each with the rules it alone raises (the audit family also raises
/// PG102 and PG103 about your own files, and PG301/PG302 about exemptions of its rules).
const FAMILIES: [&[Rule]; 6] = [
    source::RULES,
    provenance::RULES,
    index_status::RULES,
    publisher::RULES,
    policy::RULES,
    audit::RULES,
];

/// Judges `evidence` against `policy` on `today` (UTC). Returns every reported finding,
/// exempted ones included, sorted by lockfile, line, package, version, code, artifact.
pub fn evaluate(
    evidence: &[LockfileEvidence],
    policy: &Policy,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut candidates = Vec::new();
    for lockfile in evidence {
        source::check_lockfile(lockfile, policy, &mut candidates);
        for package in &lockfile.packages {
            let cx = PackageContext::new(lockfile, package, policy, today);
            source::check_package(&cx, &mut candidates);
            provenance::check_package(&cx, &mut candidates);
            index_status::check_package(&cx, &mut candidates);
            publisher::check_package(&cx, &mut candidates);
        }
    }

    let mut used_exemptions = BTreeSet::new();
    let mut findings = Vec::new();
    for c in candidates {
        findings.extend(resolve(c, policy, today, &mut used_exemptions));
    }

    policy::check(evidence, policy, today, &used_exemptions, &mut findings);
    sort(&mut findings);
    findings
}

/// A candidate's level and exemption; `None` when it resolves to `allow`.
fn resolve(
    c: Candidate,
    policy: &Policy,
    today: jiff::civil::Date,
    used_exemptions: &mut BTreeSet<usize>,
) -> Option<Finding> {
    debug_assert!(
        FAMILIES.iter().any(|family| family.contains(&c.rule)),
        "{} is raised by no family",
        c.rule
    );
    let subject = c.subject();
    let resolution = policy.resolve(c.rule, subject.as_ref(), today);
    if resolution.level == Level::Allow {
        return None;
    }
    used_exemptions.extend(resolution.exemptions.iter().map(|e| e.index));
    let exempted_by = resolution
        .exemptions
        .first()
        .map(|e| exemption_ref(policy, e));
    let mut related = c.related;
    let level_at = match resolution.origin {
        LevelOrigin::Default => None,
        LevelOrigin::Rules(at) | LevelOrigin::Package(at) => Some(at),
    };
    // Only a level the policy changed is worth pointing at.
    let changed = resolution.level != c.rule.default_level();
    if let (Some(at), false, true) = (
        level_at,
        matches!(policy.source, PolicySource::BuiltIn),
        changed,
    ) {
        related.push(Related {
            location: Location {
                path: policy.source.path(),
                line: at.line,
            },
            role: RelatedRole::Level,
        });
    }
    Some(Finding {
        rule: c.rule,
        level: resolution.level,
        package: c.package,
        version: c.version,
        artifact: c.artifact,
        message: c.message,
        fix: c.fix,
        location: c.location,
        lockfile: Some(c.lockfile),
        exempted_by,
        related,
    })
}

/// Sorts findings: lockfile findings first (by lockfile, line, package, version, code,
/// artifact, message), then findings about the policy (by line).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.lockfile.is_none(),
            &a.lockfile,
            &a.location,
            &a.package,
            &a.version,
            a.rule,
            &a.artifact,
            &a.message,
        )
            .cmp(&(
                b.lockfile.is_none(),
                &b.lockfile,
                &b.location,
                &b.package,
                &b.version,
                b.rule,
                &b.artifact,
                &b.message,
            ))
    });
}

fn exemption_ref(policy: &Policy, e: &Exemption) -> ExemptionRef {
    ExemptionRef {
        index: e.index,
        location: Location {
            path: policy.source.path(),
            line: e.position.line,
        },
        reason: e.reason.clone(),
        expires: e.expires,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{
        ArtifactEvidence, History, PackageEvidence, PreviousRelease, ProvenanceStatus,
    };
    use crate::lockfile::{Artifact, LockFormat, LockedPackage, Source};

    #[test]
    fn the_families_together_raise_every_rule_exactly_once() {
        let mut seen: Vec<Rule> = FAMILIES.iter().flat_map(|f| f.iter().copied()).collect();
        seen.sort();
        let before = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), before, "a rule is in two families");
        assert_eq!(seen, Rule::ALL.to_vec(), "every rule belongs to one family");
    }

    /// Default-policy findings, as (code, artifact, message), for one locked package
    /// `flaky==1.0` with these files and this history.
    fn judge(
        files: &[(&str, ProvenanceStatus)],
        history: History,
    ) -> Vec<(&'static str, Option<String>, String)> {
        use crate::policy::{self, PolicySource};
        let package = LockedPackage {
            name: "flaky".into(),
            version: Some("1.0".into()),
            source: Source::Index {
                url: crate::url::SecretUrl::new("https://pypi.org/simple"),
            },
            artifacts: files
                .iter()
                .map(|(f, _)| Artifact {
                    filename: f.to_string(),
                    sha256: Some("ab".repeat(32)),
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: PathBuf::from("uv.lock"),
                line: 3,
            },
            attestation_identities: Vec::new(),
        };
        let evidence = LockfileEvidence {
            path: PathBuf::from("uv.lock"),
            format: LockFormat::Uv,
            packages: vec![PackageEvidence {
                package,
                index_url: None,
                artifacts: files
                    .iter()
                    .map(|(f, status)| artifact(f, status.clone()))
                    .collect(),
                history,
                project_status: None,
            }],
            unpinned: Vec::new(),
            indexes: Vec::new(),
            environment: Vec::new(),
        };
        let policy = policy::from_str(policy::DEFAULT_POLICY, PolicySource::BuiltIn).unwrap();
        evaluate(&[evidence], &policy, jiff::civil::date(2026, 6, 1))
            .into_iter()
            .map(|f| (f.rule.code(), f.artifact, f.message))
            .collect()
    }

    fn artifact(filename: &str, provenance: ProvenanceStatus) -> ArtifactEvidence {
        ArtifactEvidence {
            filename: Some(filename.to_string()),
            sha256: Some("ab".repeat(32)),
            locked_hash: true,
            unbound_hashes: Vec::new(),
            foreign_url: None,
            provenance,
            yanked: None,
        }
    }

    const URL: &str = "http://127.0.0.1:8080/integrity/flaky";

    /// Unavailable the way the fetcher makes it: asking the file's provenance URL failed.
    fn unavailable(
        version: &str,
        filename: &str,
        failure: crate::evidence::FetchFailure,
    ) -> ProvenanceStatus {
        use crate::evidence::{FetchError, UnavailableCause};
        let url =
            crate::url::CleanUrl::parse(&format!("{URL}/{version}/{filename}/provenance")).unwrap();
        ProvenanceStatus::unavailable(UnavailableCause::fetch_for(
            filename,
            FetchError::new(&url, failure),
        ))
    }

    const HTTP_503: crate::evidence::FetchFailure = crate::evidence::FetchFailure::Status {
        status: 503,
        attempts: 4,
    };

    fn verified() -> ProvenanceStatus {
        use crate::verify::{PublisherKind, VerifiedProvenance, VerifiedPublisher};
        let publisher = VerifiedPublisher {
            kind: PublisherKind::GitHub,
            repository: Some("flaky-dev/flaky".into()),
            workflow: Some("release.yml".into()),
            workflow_filepath: None,
            email: None,
            git_ref: None,
            commit: None,
            issuer: None,
            san: None,
            project_id: None,
            pipeline_definition_id: None,
            environment: None,
        };
        ProvenanceStatus::Verified(std::sync::Arc::new(VerifiedProvenance {
            publisher,
            claimed: None,
            attestations: Vec::new(),
        }))
    }

    #[test]
    fn reports_files_unavailable_for_the_same_reason_once() {
        let files = [
            "flaky-1.0-py3-none-any.whl",
            "flaky-1.0.tar.gz",
            "flaky-1.0-cp39-abi3-win_amd64.whl",
        ];
        let findings = judge(
            &[
                (files[0], unavailable("1.0", files[0], HTTP_503)),
                (files[1], unavailable("1.0", files[1], HTTP_503)),
                // The third file failed differently.
                (
                    files[2],
                    unavailable(
                        "1.0",
                        files[2],
                        crate::evidence::FetchFailure::Timeout { attempts: 1 },
                    ),
                ),
            ],
            History::FirstRelease,
        );
        assert_eq!(
            findings,
            [
                (
                    "PG103",
                    None,
                    format!("could not get provenance for 2 of 3 files (`flaky-1.0-py3-none-any.whl`, `flaky-1.0.tar.gz`): `{URL}/1.0/…/provenance`: HTTP 503 after 4 attempt(s)")
                ),
                (
                    "PG103",
                    Some(files[2].to_string()),
                    format!("could not get provenance for 1 of 3 files (`{}`): `{URL}/1.0/{}/provenance`: timed out after 1 attempt(s)", files[2], files[2])
                ),
            ]
        );
    }

    #[test]
    fn fails_closed_when_the_previous_release_cannot_be_examined() {
        let previous = |statuses: Vec<ProvenanceStatus>| {
            History::Previous(PreviousRelease {
                version: "0.9".into(),
                artifacts: statuses
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| artifact(&format!("flaky-0.9-{i}.tar.gz"), s))
                    .collect(),
                yanked: false,
                passed_over: Vec::new(),
            })
        };
        let locked = [("flaky-1.0.tar.gz", verified())];
        // Nothing of the previous release could be fetched: PG202/PG203 cannot be judged.
        let findings = judge(
            &locked,
            previous(vec![
                unavailable("0.9", "flaky-0.9-0.tar.gz", HTTP_503),
                ProvenanceStatus::Absent,
                unavailable("0.9", "flaky-0.9-2.tar.gz", HTTP_503),
            ]),
        );
        assert_eq!(
            findings,
            [(
                "PG103",
                None,
                format!("could not get provenance for 2 files (`flaky-0.9-0.tar.gz`, …) of the earlier release `0.9`, so a publisher change or lost provenance cannot be ruled out: `{URL}/0.9/flaky-0.9-0.tar.gz/provenance`: HTTP 503 after 4 attempt(s)")
            )]
        );
        // One verified file is evidence enough: the rules judge with it.
        assert!(judge(
            &locked,
            previous(vec![verified(), unavailable("0.9", "x", HTTP_503)])
        )
        .is_empty());
        // A previous release without provenance, fetched fine: nothing to say.
        assert!(judge(&locked, previous(vec![ProvenanceStatus::Absent])).is_empty());
        // Locked files already unavailable: one denial for the package is enough.
        let findings = judge(
            &[(
                "flaky-1.0.tar.gz",
                unavailable("1.0", "flaky-1.0.tar.gz", HTTP_503),
            )],
            previous(vec![unavailable("0.9", "flaky-0.9-0.tar.gz", HTTP_503)]),
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]
            .2
            .starts_with("could not get provenance for `flaky-1.0.tar.gz`"));
    }
}

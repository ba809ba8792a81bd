//! Hand-built evidence and policies for gate tests: no network, no crypto.
#![allow(dead_code)]

use std::path::PathBuf;

use pubgate::evaluate::{evaluate, Finding};
use pubgate::evidence::{
    ArtifactEvidence, History, InvalidReason, LockfileEvidence, PackageEvidence, PreviousRelease,
    ProvenanceStatus,
};
use pubgate::lockfile::{Artifact, Location, LockFormat, LockedPackage, Source, Unpinned};
use pubgate::policy::{self, Policy, PolicySource};
use pubgate::rules::Level;
use pubgate::url::SecretUrl;
use pubgate::verify::{
    ClaimedPublisher, FailureReason, PublisherKind, VerifiedAttestation, VerifiedProvenance,
    VerifiedPublisher,
};

pub const PYPI: &str = "https://pypi.org/simple";

pub fn date(text: &str) -> jiff::civil::Date {
    text.parse().unwrap()
}

/// The date every gate test judges on.
pub fn today() -> jiff::civil::Date {
    date("2026-06-01")
}

pub fn github(repository: &str, workflow: &str) -> VerifiedPublisher {
    VerifiedPublisher {
        kind: PublisherKind::GitHub,
        repository: Some(repository.into()),
        workflow: Some(workflow.into()),
        workflow_filepath: None,
        email: None,
        git_ref: Some("refs/tags/v1.0.0".into()),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        issuer: Some("https://token.actions.githubusercontent.com".into()),
        san: Some(format!(
            "https://github.com/{repository}/.github/workflows/{workflow}@refs/tags/v1.0.0"
        )),
        project_id: None,
        pipeline_definition_id: None,
        environment: None,
    }
}

pub fn gitlab(repository: &str, filepath: &str) -> VerifiedPublisher {
    VerifiedPublisher {
        kind: PublisherKind::GitLab,
        repository: Some(repository.into()),
        workflow: None,
        workflow_filepath: Some(filepath.into()),
        email: None,
        git_ref: Some("refs/tags/v1.0.0".into()),
        commit: Some("fedcba9876543210fedcba9876543210fedcba98".into()),
        issuer: Some("https://gitlab.com".into()),
        san: Some(format!(
            "https://gitlab.com/{repository}//{filepath}@refs/tags/v1.0.0"
        )),
        project_id: None,
        pipeline_definition_id: None,
        environment: None,
    }
}

pub fn google(email: &str) -> VerifiedPublisher {
    VerifiedPublisher {
        kind: PublisherKind::Google,
        repository: None,
        workflow: None,
        workflow_filepath: None,
        email: Some(email.into()),
        git_ref: None,
        commit: None,
        issuer: Some("https://accounts.google.com".into()),
        san: Some(email.into()),
        project_id: None,
        pipeline_definition_id: None,
        environment: None,
    }
}

pub fn verified(publisher: VerifiedPublisher) -> ProvenanceStatus {
    let claimed = ClaimedPublisher {
        kind: publisher.kind.as_str().to_string(),
        repository: publisher.repository.clone(),
        workflow: publisher.workflow.clone(),
        workflow_filepath: publisher.workflow_filepath.clone(),
        email: publisher.email.clone(),
        environment: publisher.environment.clone(),
        project_id: None,
        pipeline_definition_id: None,
        vcs_origin: None,
        vcs_ref: None,
    };
    ProvenanceStatus::Verified(std::sync::Arc::new(VerifiedProvenance {
        publisher: publisher.clone(),
        claimed: Some(claimed),
        attestations: vec![VerifiedAttestation {
            predicate_type: "https://docs.pypi.org/attestations/publish/v1".into(),
            publisher,
            signed_at: 1_730_000_000,
            log_index: Some(148_000_000),
        }],
    }))
}

pub fn absent() -> ProvenanceStatus {
    ProvenanceStatus::Absent
}

pub fn invalid(reason: InvalidReason, detail: &str) -> ProvenanceStatus {
    ProvenanceStatus::Invalid {
        reason,
        detail: detail.into(),
    }
}

pub fn bad_signature() -> ProvenanceStatus {
    invalid(
        InvalidReason::Verification(FailureReason::Signature),
        "the DSSE signature does not verify with the certificate's key",
    )
}

/// Unavailable because a request failed with `message` (the fixture's wording, shown as
/// is; the fetcher's own causes are tested in `tests/index_*.rs`).
pub fn unavailable(message: &str) -> ProvenanceStatus {
    ProvenanceStatus::unavailable(pubgate::evidence::FetchError {
        url: None,
        failure: pubgate::evidence::FetchFailure::Request {
            message: message.into(),
        },
    })
}

/// A fake but well-formed sha256 derived from the filename.
pub fn sha(filename: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(filename.as_bytes()))
}

pub fn artifact(filename: &str, provenance: ProvenanceStatus) -> ArtifactEvidence {
    ArtifactEvidence {
        filename: pubgate::evidence::named(filename),
        sha256: Some(sha(filename)),
        locked_hash: true,
        unbound_hashes: Vec::new(),
        foreign_url: None,
        provenance,
        yanked: None,
    }
}

pub fn unhashed(mut a: ArtifactEvidence) -> ArtifactEvidence {
    a.locked_hash = false;
    a
}

/// A package locked from PyPI at `line` of `uv.lock`, first release unless changed.
pub fn pkg(
    name: &str,
    version: &str,
    line: u32,
    artifacts: Vec<ArtifactEvidence>,
) -> PackageEvidence {
    PackageEvidence {
        package: LockedPackage {
            name: name.into(),
            version: Some(version.into()),
            source: Source::Index {
                url: SecretUrl::new(PYPI),
            },
            artifacts: artifacts
                .iter()
                .map(|a| Artifact {
                    filename: a.filename.clone().unwrap_or_default(),
                    sha256: if a.locked_hash {
                        a.sha256.clone()
                    } else {
                        None
                    },
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: PathBuf::from("uv.lock"),
                line,
            },
            attestation_identities: Vec::new(),
        },
        index_url: Some(SecretUrl::new(PYPI)),
        artifacts,
        history: History::FirstRelease,
        project_status: None,
    }
}

pub fn with_previous(
    mut p: PackageEvidence,
    version: &str,
    artifacts: Vec<ArtifactEvidence>,
) -> PackageEvidence {
    p.history = History::Previous(PreviousRelease {
        version: version.into(),
        artifacts,
        yanked: false,
        passed_over: Vec::new(),
    });
    p
}

pub fn with_source(mut p: PackageEvidence, source: Source) -> PackageEvidence {
    p.index_url = None;
    p.package.source = source;
    p
}

pub fn in_file(mut p: PackageEvidence, path: &str) -> PackageEvidence {
    p.package.location.path = PathBuf::from(path);
    p
}

pub fn lockfile(path: &str, packages: Vec<PackageEvidence>) -> LockfileEvidence {
    let packages = packages.into_iter().map(|p| in_file(p, path)).collect();
    LockfileEvidence {
        path: PathBuf::from(path),
        format: if path.ends_with(".txt") {
            LockFormat::Requirements
        } else {
            LockFormat::Uv
        },
        packages,
        unpinned: Vec::new(),
        indexes: Vec::new(),
        environment: Vec::new(),
    }
}

pub fn unpinned(name: &str, specifier: &str, path: &str, line: u32) -> Unpinned {
    Unpinned {
        name: name.into(),
        specifier: specifier.into(),
        location: Location {
            path: PathBuf::from(path),
            line,
        },
    }
}

/// A policy from TOML text, as if read from `pubgate.toml`.
pub fn policy(text: &str) -> Policy {
    policy::from_str(text, PolicySource::File(PathBuf::from("pubgate.toml")))
        .unwrap_or_else(|e| panic!("policy should load:\n{e}"))
}

pub fn default_policy() -> Policy {
    policy::from_str(policy::DEFAULT_POLICY, PolicySource::BuiltIn).unwrap()
}

pub fn eval(lockfiles: &[LockfileEvidence], policy: &Policy) -> Vec<Finding> {
    evaluate(lockfiles, policy, today())
}

/// `(code, level, exempted)` for each finding, in order.
pub fn summary(findings: &[Finding]) -> Vec<(&'static str, Level, bool)> {
    findings
        .iter()
        .map(|f| (f.rule.code(), f.level, f.exempted_by.is_some()))
        .collect()
}

/// The codes of the findings, in order.
pub fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.code()).collect()
}

/// The single finding with `code`; panics when there is not exactly one.
pub fn only<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    let matching: Vec<_> = findings.iter().filter(|f| f.rule.code() == code).collect();
    assert_eq!(matching.len(), 1, "expected one {code} in {findings:#?}");
    matching[0]
}

fn tagged(mut p: VerifiedPublisher, git_ref: &str) -> VerifiedPublisher {
    p.git_ref = Some(git_ref.into());
    p
}

/// The policy of the realistic set (as if read from `pubgate.toml`).
pub const REALISTIC_POLICY: &str = r#"schema = 1

[rules]
missing-provenance = "warn"

[[package]]
names = ["abi3info"]
publisher = { kind = "github", repository = "woodruffw/abi3info", workflow = "release.yml", ref = "refs/tags/*" }

[[package]]
names = ["pypi-attestations"]
publisher = [
  { kind = "github", repository = "pypi/pypi-attestations", workflow = "release.yml" },
  { kind = "github", repository = "trailofbits/pypi-attestations", workflow = "release.yml" },
]

[[package]]
names = ["sampleproject", "django-*"]
publisher = { kind = "github", repository = "pypa/sampleproject", workflow = "publish.yml" }

[[exemption]]
package = "legacy-lib"
rule = "missing-provenance"
reason = "publishes from a maintainer's laptop; upstream issue #123"
expires = 2027-03-01

[[exemption]]
package = "pypi-attestations"
versions = "==0.0.30"
rule = "publisher-change"
reason = "the repository moved from trailofbits to the pypi organisation"

[[exemption]]
package = "old-thing"
rule = "missing-provenance"
reason = "removed in Q1"
expires = 2026-01-31

[[exemption]]
package = "ghost"
rule = "other-index"
reason = "never installed"
"#;

/// One realistic evidence set: two lockfiles, every provenance status, most rules firing.
/// Publishers of real packages are the real ones from `fixtures/pep740`; the packages with
/// problems are fictional.
pub fn realistic() -> (Vec<LockfileEvidence>, Policy) {
    let abi3info = with_previous(
        pkg(
            "abi3info",
            "2024.10.8",
            8,
            vec![
                artifact(
                    "abi3info-2024.10.8-py3-none-any.whl",
                    verified(tagged(
                        github("woodruffw/abi3info", "release.yml"),
                        "refs/tags/v2024.10.8",
                    )),
                ),
                artifact(
                    "abi3info-2024.10.8.tar.gz",
                    verified(tagged(
                        github("woodruffw/abi3info", "release.yml"),
                        "refs/tags/v2024.10.8",
                    )),
                ),
            ],
        ),
        "2024.10.3",
        vec![artifact(
            "abi3info-2024.10.3-py3-none-any.whl",
            verified(tagged(
                github("woodruffw/abi3info", "release.yml"),
                "refs/tags/v2024.10.3",
            )),
        )],
    );
    let mut moved = github("pypi/pypi-attestations", "release.yml");
    moved.environment = Some("pypi".into());
    let pypi_attestations = with_previous(
        pkg(
            "pypi-attestations",
            "0.0.30",
            21,
            vec![artifact(
                "pypi_attestations-0.0.30-py3-none-any.whl",
                verified(moved),
            )],
        ),
        "0.0.19",
        vec![artifact(
            "pypi_attestations-0.0.19.tar.gz",
            verified(github("trailofbits/pypi-attestations", "release.yml")),
        )],
    );
    let sampleproject = with_previous(
        pkg(
            "sampleproject",
            "4.0.0",
            33,
            vec![
                artifact(
                    "sampleproject-4.0.0-py3-none-any.whl",
                    verified(github("pypa/sampleproject", "release.yml")),
                ),
                artifact(
                    "sampleproject-4.0.0.tar.gz",
                    verified(github("pypa/sampleproject", "release.yml")),
                ),
            ],
        ),
        "3.0.0",
        vec![artifact(
            "sampleproject-3.0.0.tar.gz",
            verified(google("919436158236-compute@developer.gserviceaccount.com")),
        )],
    );
    let sigstore = pkg(
        "sigstore",
        "3.6.1",
        45,
        vec![
            artifact(
                "sigstore-3.6.1-py3-none-any.whl",
                unavailable("HTTP 503 from the integrity API after 3 attempts"),
            ),
            artifact(
                "sigstore-3.6.1.tar.gz",
                verified(github("sigstore/sigstore-python", "release.yml")),
            ),
        ],
    );
    let tinyhttp = with_previous(
        pkg(
            "tinyhttp",
            "1.4.0",
            57,
            vec![
                artifact("tinyhttp-1.4.0-py3-none-any.whl", absent()),
                artifact("tinyhttp-1.4.0.tar.gz", absent()),
            ],
        ),
        "1.3.2",
        vec![artifact("tinyhttp-1.3.2.tar.gz", absent())],
    );
    let quickparse = with_previous(
        pkg(
            "quickparse",
            "2.1.0",
            69,
            vec![artifact("quickparse-2.1.0.tar.gz", absent())],
        ),
        "2.0.9",
        vec![artifact(
            "quickparse-2.0.9.tar.gz",
            verified(github("quickparse-dev/quickparse", "release.yml")),
        )],
    );
    let fastcodec = pkg(
        "fastcodec",
        "0.9.1",
        80,
        vec![
            artifact(
                "fastcodec-0.9.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                invalid(
                    InvalidReason::Verification(FailureReason::CertificateChain),
                    "the leaf certificate does not chain to a Fulcio CA of the trust root",
                ),
            ),
            artifact(
                "fastcodec-0.9.1.tar.gz",
                invalid(
                    InvalidReason::IndexHashMismatch,
                    "the index lists sha256 `5f1e…` for this file",
                ),
            ),
        ],
    );
    let dualpub = pkg(
        "dualpub",
        "1.0.0",
        92,
        vec![
            artifact(
                "dualpub-1.0.0-py3-none-any.whl",
                verified(github("dualpub/dualpub", "release.yml")),
            ),
            artifact(
                "dualpub-1.0.0.tar.gz",
                verified(gitlab("dualpub/dualpub", ".gitlab-ci.yml")),
            ),
        ],
    );
    let legacy = pkg(
        "legacy-lib",
        "1.2.0",
        104,
        vec![artifact("legacy_lib-1.2.0.tar.gz", absent())],
    );
    let mylib = with_source(
        PackageEvidence {
            history: History::NotApplicable,
            ..pkg("mylib", "0.3.0", 115, vec![])
        },
        Source::Git {
            url: SecretUrl::new("https://github.com/example/mylib"),
            commit: Some("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432".into()),
        },
    );
    let acme = PackageEvidence {
        history: History::NotApplicable,
        project_status: None,
        index_url: Some(SecretUrl::new("https://ci:t0ken@pkgs.acme.example/simple")),
        ..with_source(
            pkg(
                "acme-internal",
                "3.1.0",
                124,
                vec![artifact(
                    "acme_internal-3.1.0-py3-none-any.whl",
                    ProvenanceStatus::NotApplicable,
                )],
            ),
            Source::Index {
                url: SecretUrl::new("https://ci:t0ken@pkgs.acme.example/simple"),
            },
        )
    };
    let uv = lockfile(
        "uv.lock",
        vec![
            abi3info,
            pypi_attestations,
            sampleproject,
            sigstore,
            tinyhttp,
            quickparse,
            fastcodec,
            dualpub,
            legacy,
            mylib,
            acme,
        ],
    );

    let six = pkg(
        "six",
        "1.16.0",
        2,
        vec![
            unhashed(artifact("six-1.16.0-py2.py3-none-any.whl", absent())),
            unhashed(artifact("six-1.16.0.tar.gz", absent())),
        ],
    );
    let mut requirements = lockfile("requirements.txt", vec![six]);
    requirements.unpinned = vec![unpinned("flask", ">=2.0", "requirements.txt", 4)];

    (vec![uv, requirements], policy(REALISTIC_POLICY))
}

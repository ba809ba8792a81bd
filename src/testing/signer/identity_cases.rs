//! Certificate shapes for the identity tests: Fulcio-shaped leaves of every publisher kind
//! with extensions and SANs repeated, missing, extra, re-valued or made critical, each with
//! what the reference verifier and pubgate must answer. TEST-ONLY.
//!
//! `tests/verify_identity.rs` runs every case through `pubgate verify` and `pubgate check`;
//! `scripts/identity_crosscheck.py` runs the same minted set through pypi-attestations and
//! records that the `reference_accepts` column is what the reference does.

use super::authority::TestAuthority;
use super::edit::{CertEdit, Ext, ExtValue, SanEntry};
use super::{MintRequest, TestPublisher};

/// One certificate shape and the answers it must get.
#[derive(Debug, Clone)]
pub struct IdentityCase {
    /// `kind/shape`, e.g. `github/repeat-source-repository-uri`.
    pub name: String,
    /// Whom the leaf is minted for, before the edits.
    pub publisher: TestPublisher,
    /// The changes to that leaf.
    pub edits: Vec<CertEdit>,
    /// The publisher the provenance claims (PyPI's word).
    pub claim: TestPublisher,
    /// Whether pypi-attestations 0.0.30 (sigstore-python 4.5.1, pyca/cryptography) accepts
    /// the certificate for `claim`, as `scripts/identity_crosscheck.py` observed.
    pub reference_accepts: bool,
    /// pubgate's answer for the provenance object: `valid` or a failure reason slug.
    pub with_claim: &'static str,
    /// pubgate's answer for the lone attestation (bare verification, no claim).
    pub bare: &'static str,
    /// The identity bare verification reports when `bare` is `valid` (`None`: `claim`).
    pub bare_identity: Option<TestPublisher>,
    /// Why pubgate refuses a certificate the reference accepts (`None` when they agree).
    pub stricter: Option<&'static str>,
}

impl IdentityCase {
    /// The identity bare verification must report when it accepts.
    pub fn expected_bare_identity(&self) -> &TestPublisher {
        self.bare_identity.as_ref().unwrap_or(&self.claim)
    }

    /// The request that mints this case for `filename` / `sha256`.
    pub fn request(&self, filename: &str, sha256: &str) -> MintRequest {
        MintRequest::new(filename, sha256, self.publisher.clone())
            .cert_edits(self.edits.clone())
            .claiming(self.claim.clone())
    }
}

/// A case being described (see [`identity_cases`]).
struct Case(IdentityCase);

impl Case {
    fn new(name: &str, publisher: &TestPublisher, edits: Vec<CertEdit>) -> Case {
        Case(IdentityCase {
            name: name.to_string(),
            publisher: publisher.clone(),
            edits,
            claim: publisher.clone(),
            reference_accepts: true,
            with_claim: "valid",
            bare: "valid",
            bare_identity: None,
            stricter: None,
        })
    }

    /// The reference refuses it, and so does pubgate, with or without a claim.
    fn refused(mut self, reason: &'static str) -> Case {
        self.0.reference_accepts = false;
        self.0.with_claim = reason;
        self.0.bare = reason;
        self
    }

    /// The reference refuses the claim, and so does pubgate; bare verification answers `bare`.
    fn claim_refused(mut self, reason: &'static str, bare: &'static str) -> Case {
        self.0.reference_accepts = false;
        self.0.with_claim = reason;
        self.0.bare = bare;
        self
    }

    /// The reference accepts the claim and so does pubgate; bare verification refuses.
    fn bare_refused(mut self, reason: &'static str) -> Case {
        self.0.bare = reason;
        self
    }

    /// The reference accepts it; pubgate refuses it everywhere, for `why`.
    fn stricter(mut self, reason: &'static str, why: &'static str) -> Case {
        self.0.with_claim = reason;
        self.0.bare = reason;
        self.0.stricter = Some(why);
        self
    }

    fn claiming(mut self, claim: TestPublisher) -> Case {
        self.0.claim = claim;
        self
    }

    fn bare_identity(mut self, identity: TestPublisher) -> Case {
        self.0.bare_identity = Some(identity);
        self
    }
}

const PROFILE: &str = "certificate-profile";
const MISMATCH: &str = "publisher-mismatch";
const ONE_SAN: &str = "Fulcio issues exactly one SAN; with several, the identity checked and the identity reported could differ";

fn claim(value: &str) -> ExtValue {
    ExtValue::Claim(value.to_string())
}

/// A DER IA5String: a Fulcio `.8`+ value with the wrong string type.
fn ia5_der(value: &str) -> ExtValue {
    let mut der = vec![0x16, u8::try_from(value.len()).unwrap_or(0)];
    der.extend_from_slice(value.as_bytes());
    ExtValue::Der(der)
}

/// Every identity case, in a stable order (GitHub, GitLab, Google, CircleCI, email).
pub fn identity_cases() -> Vec<IdentityCase> {
    use CertEdit::{Add, Critical, Remove, Repeat, Sans, Set};
    use Ext::Fulcio;
    let mut cases = Vec::new();

    // GitHub.
    let gh = TestPublisher::github("octo-org/demo", "release.yml");
    let gh_uri = gh.build_config_uri().unwrap_or_default();
    let gh_commit = gh.commit().unwrap_or_default();
    let evil_uri =
        "https://github.com/evil-org/demo/.github/workflows/release.yml@refs/tags/v1.0.0";
    let base = "https://github.com/octo-org/demo/.github/workflows";
    cases.extend([
        Case::new("github/fulcio-shaped", &gh, vec![]),
        // Repeated extensions: pyca/cryptography refuses any repeated OID.
        Case::new(
            "github/repeat-source-repository-uri",
            &gh,
            vec![Repeat(
                Fulcio(12),
                claim("https://github.com/evil-org/demo"),
            )],
        )
        .refused(PROFILE),
        // Both claims repeated, the second copies naming another repository, and the
        // provenance claiming that one: a verifier reading the last copy would pass it.
        Case::new(
            "github/repeat-claims-for-another-repository",
            &gh,
            vec![
                Repeat(Fulcio(12), claim("https://github.com/evil-org/demo")),
                Repeat(Fulcio(18), claim(evil_uri)),
            ],
        )
        .claiming(TestPublisher::github("evil-org/demo", "release.yml"))
        .refused(PROFILE),
        Case::new(
            "github/repeat-build-config-uri",
            &gh,
            vec![Repeat(Fulcio(18), claim(evil_uri))],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-issuer",
            &gh,
            vec![Repeat(Fulcio(8), ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-legacy-repository",
            &gh,
            vec![Repeat(Fulcio(5), claim("evil-org/demo"))],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-runner-environment",
            &gh,
            vec![Repeat(Fulcio(11), ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-san",
            &gh,
            vec![Repeat(
                Ext::SubjectAltName,
                ExtValue::Sans(vec![SanEntry::Uri(evil_uri.into())]),
            )],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-key-usage",
            &gh,
            vec![Repeat(Ext::KeyUsage, ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-extended-key-usage",
            &gh,
            vec![Repeat(Ext::ExtendedKeyUsage, ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-authority-key-id",
            &gh,
            vec![Repeat(Ext::AuthorityKeyIdentifier, ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "github/repeat-sct-list",
            &gh,
            vec![Repeat(Ext::SctList, ExtValue::Same)],
        )
        .refused(PROFILE),
        // Missing extensions.
        Case::new("github/no-issuer", &gh, vec![Remove(Fulcio(8))]).refused(MISMATCH),
        Case::new("github/no-legacy-issuer", &gh, vec![Remove(Fulcio(1))]),
        Case::new(
            "github/no-legacy-claims",
            &gh,
            (1..=6).map(|n| Remove(Fulcio(n))).collect(),
        ),
        Case::new(
            "github/no-source-repository-uri",
            &gh,
            vec![Remove(Fulcio(12))],
        )
        .refused(MISMATCH),
        Case::new("github/no-source-ref", &gh, vec![Remove(Fulcio(14))]).refused(MISMATCH),
        Case::new(
            "github/digest-build-config",
            &gh,
            vec![
                Remove(Fulcio(14)),
                Set(
                    Fulcio(18),
                    claim(&format!("{base}/release.yml@{gh_commit}")),
                ),
            ],
        ),
        Case::new("github/no-source-digest", &gh, vec![Remove(Fulcio(13))]),
        Case::new(
            "github/no-source-digest-or-ref",
            &gh,
            vec![Remove(Fulcio(13)), Remove(Fulcio(14))],
        )
        .refused(MISMATCH),
        Case::new("github/no-build-config", &gh, vec![Remove(Fulcio(18))]).refused(MISMATCH),
        Case::new("github/no-san", &gh, vec![Remove(Ext::SubjectAltName)]).refused(PROFILE),
        Case::new(
            "github/no-authority-key-id",
            &gh,
            vec![Remove(Ext::AuthorityKeyIdentifier)],
        )
        .refused(PROFILE),
        Case::new(
            "github/no-subject-key-id",
            &gh,
            vec![Remove(Ext::SubjectKeyIdentifier)],
        ),
        Case::new("github/no-key-usage", &gh, vec![Remove(Ext::KeyUsage)]).refused(PROFILE),
        Case::new(
            "github/no-extended-key-usage",
            &gh,
            vec![Remove(Ext::ExtendedKeyUsage)],
        )
        .refused(PROFILE),
        // Values that say something else.
        Case::new(
            "github/build-config-other-ref",
            &gh,
            vec![Set(
                Fulcio(18),
                claim(&format!("{base}/release.yml@refs/heads/evil")),
            )],
        )
        .refused(MISMATCH),
        Case::new(
            "github/build-config-other-workflow",
            &gh,
            vec![Set(
                Fulcio(18),
                claim(&format!("{base}/evil.yml@refs/tags/v1.0.0")),
            )],
        )
        .claim_refused(MISMATCH, "valid")
        .bare_identity(TestPublisher::github("octo-org/demo", "evil.yml")),
        Case::new(
            "github/build-config-other-repository",
            &gh,
            vec![Set(Fulcio(18), claim(evil_uri))],
        )
        .refused(MISMATCH),
        Case::new(
            "github/source-repository-other-host",
            &gh,
            vec![Set(
                Fulcio(12),
                claim("https://github.example.com/octo-org/demo"),
            )],
        )
        .refused(MISMATCH),
        Case::new(
            "github/workflow-with-at",
            &TestPublisher::github("octo-org/demo", "release@v2.yml"),
            vec![],
        ),
        Case::new(
            "github/ambiguous-build-config",
            &gh,
            vec![
                Set(Fulcio(13), claim("c0ffee")),
                Set(Fulcio(14), claim("refs/tags/v1@c0ffee")),
                Set(
                    Fulcio(18),
                    claim(&format!("{base}/release.yml@refs/tags/v1@c0ffee")),
                ),
            ],
        )
        .bare_refused(MISMATCH),
        Case::new(
            "github/issuer-gitlab",
            &gh,
            vec![Set(Fulcio(8), claim("https://gitlab.com"))],
        )
        .refused(MISMATCH),
        Case::new(
            "github/legacy-issuer-google",
            &gh,
            vec![Set(Fulcio(1), claim("https://accounts.google.com"))],
        ),
        Case::new(
            "github/san-other-workflow",
            &gh,
            vec![Sans(vec![SanEntry::Uri(evil_uri.into())])],
        ),
        Case::new(
            "github/san-email",
            &gh,
            vec![Sans(vec![SanEntry::Email("octo@example.com".into())])],
        ),
        Case::new(
            "github/two-sans",
            &gh,
            vec![Sans(vec![
                SanEntry::Uri(gh_uri.clone()),
                SanEntry::Uri(evil_uri.into()),
            ])],
        )
        .stricter(PROFILE, ONE_SAN),
        Case::new("github/empty-san", &gh, vec![Sans(vec![])])
            .stricter(PROFILE, "a SAN with no entry names no one"),
        Case::new(
            "github/dns-san",
            &gh,
            vec![Sans(vec![SanEntry::Dns("demo.example".into())])],
        )
        .stricter(
            PROFILE,
            "Fulcio's SAN is a URI, an email or a username, never a DNS name",
        ),
        Case::new(
            "github/extra-extension",
            &gh,
            vec![Add {
                ext: Fulcio(99),
                critical: false,
                value: claim("anything"),
            }],
        ),
        Case::new(
            "github/extra-critical-extension",
            &gh,
            vec![Add {
                ext: Ext::Other("1.3.6.1.4.1.99999.1".into()),
                critical: true,
                value: ExtValue::Der(vec![0x05, 0x00]),
            }],
        )
        .refused(PROFILE),
        Case::new(
            "github/critical-source-repository-uri",
            &gh,
            vec![Critical(Fulcio(12), true)],
        )
        .refused(PROFILE),
        Case::new(
            "github/critical-extended-key-usage",
            &gh,
            vec![Critical(Ext::ExtendedKeyUsage, true)],
        )
        .refused(PROFILE),
        Case::new(
            "github/critical-authority-key-id",
            &gh,
            vec![Critical(Ext::AuthorityKeyIdentifier, true)],
        )
        .refused(PROFILE),
        Case::new(
            "github/key-cert-sign",
            &gh,
            vec![Set(
                Ext::KeyUsage,
                ExtValue::KeyUsage {
                    digital_signature: true,
                    key_cert_sign: true,
                },
            )],
        )
        .refused(PROFILE),
        Case::new(
            "github/basic-constraints-ca",
            &gh,
            vec![Add {
                ext: Ext::BasicConstraints,
                critical: true,
                value: ExtValue::BasicConstraints { ca: true },
            }],
        )
        .refused(PROFILE),
        Case::new(
            "github/basic-constraints-not-ca",
            &gh,
            vec![Add {
                ext: Ext::BasicConstraints,
                critical: true,
                value: ExtValue::BasicConstraints { ca: false },
            }],
        ),
        Case::new(
            "github/name-constraints",
            &gh,
            vec![Add {
                ext: Ext::NameConstraints,
                critical: false,
                value: ExtValue::NameConstraints("demo.example".into()),
            }],
        )
        .refused(PROFILE),
        Case::new(
            "github/source-repository-not-utf8string",
            &gh,
            vec![Set(Fulcio(12), ia5_der("https://github.com/octo-org/demo"))],
        )
        .refused(PROFILE),
        Case::new(
            "github/unread-claim-not-utf8string",
            &gh,
            vec![Set(Fulcio(21), ia5_der("https://example.com/run"))],
        ),
        Case::new(
            "github/legacy-claim-not-utf8",
            &gh,
            vec![Set(Fulcio(4), ExtValue::Der(vec![0xff, 0xfe, 0x00]))],
        ),
    ]);

    // GitLab.
    let gl = TestPublisher::gitlab("octo-group/sub/demo", ".gitlab-ci.yml");
    let gl_uri = gl.build_config_uri().unwrap_or_default();
    let gl_commit = gl.commit().unwrap_or_default();
    let gl_base = "https://gitlab.com/octo-group/sub/demo//.gitlab-ci.yml";
    cases.extend([
        Case::new("gitlab/fulcio-shaped", &gl, vec![]),
        Case::new(
            "gitlab/repeat-build-config-uri",
            &gl,
            vec![Repeat(
                Fulcio(18),
                claim("https://gitlab.com/evil/demo//.gitlab-ci.yml@refs/heads/main"),
            )],
        )
        .refused(PROFILE),
        Case::new("gitlab/no-issuer", &gl, vec![Remove(Fulcio(8))]).refused(MISMATCH),
        Case::new("gitlab/no-source-digest", &gl, vec![Remove(Fulcio(13))]).refused(MISMATCH),
        Case::new("gitlab/no-source-ref", &gl, vec![Remove(Fulcio(14))]).refused(MISMATCH),
        Case::new(
            "gitlab/digest-build-config",
            &gl,
            vec![Set(Fulcio(18), claim(&format!("{gl_base}@{gl_commit}")))],
        ),
        Case::new(
            "gitlab/build-config-other-ref",
            &gl,
            vec![Set(
                Fulcio(18),
                claim(&format!("{gl_base}@refs/heads/evil")),
            )],
        )
        .refused(MISMATCH),
        Case::new(
            "gitlab/nested-ci-path",
            &TestPublisher::gitlab("octo-group/demo", "ci/release.yml"),
            vec![],
        ),
        Case::new(
            "gitlab/two-sans",
            &gl,
            vec![Sans(vec![
                SanEntry::Uri(gl_uri.clone()),
                SanEntry::Uri(gl_uri.replace("demo", "evil")),
            ])],
        )
        .stricter(PROFILE, ONE_SAN),
    ]);

    // Google.
    let go = TestPublisher::google("builder@demo.iam.gserviceaccount.com");
    let other_email = "intruder@evil.iam.gserviceaccount.com";
    let go_email = "builder@demo.iam.gserviceaccount.com";
    cases.extend([
        Case::new("google/fulcio-shaped", &go, vec![]),
        Case::new(
            "google/repeat-legacy-issuer",
            &go,
            vec![Repeat(Fulcio(1), ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "google/repeat-san",
            &go,
            vec![Repeat(
                Ext::SubjectAltName,
                ExtValue::Sans(vec![SanEntry::Email(other_email.into())]),
            )],
        )
        .refused(PROFILE),
        // The Google policy reads the legacy issuer (.1) only: without .8 the claim still
        // passes, but bare verification takes the kind from .8 alone.
        Case::new("google/no-issuer", &go, vec![Remove(Fulcio(8))]).bare_refused(MISMATCH),
        Case::new("google/no-legacy-issuer", &go, vec![Remove(Fulcio(1))]).refused(MISMATCH),
        Case::new(
            "google/legacy-issuer-other",
            &go,
            vec![Set(Fulcio(1), claim("https://github.com/login/oauth"))],
        )
        .refused(MISMATCH),
        Case::new(
            "google/issuer-other",
            &go,
            vec![Set(Fulcio(8), claim("https://github.com/login/oauth"))],
        )
        .bare_identity(TestPublisher::email(go_email)),
        Case::new(
            "google/two-emails-claim-first",
            &go,
            vec![Sans(vec![
                SanEntry::Email(go_email.into()),
                SanEntry::Email(other_email.into()),
            ])],
        )
        .stricter(PROFILE, ONE_SAN),
        Case::new(
            "google/two-emails-claim-second",
            &go,
            vec![Sans(vec![
                SanEntry::Email(other_email.into()),
                SanEntry::Email(go_email.into()),
            ])],
        )
        .stricter(PROFILE, ONE_SAN),
        Case::new(
            "google/uri-san",
            &go,
            vec![Sans(vec![SanEntry::Uri(go_email.into())])],
        )
        .bare_refused(MISMATCH),
        Case::new(
            "google/username-san",
            &go,
            vec![Sans(vec![SanEntry::Username(go_email.into())])],
        )
        .refused(MISMATCH),
        Case::new(
            "google/other-email",
            &go,
            vec![Sans(vec![SanEntry::Email(other_email.into())])],
        )
        .claim_refused(MISMATCH, "valid")
        .bare_identity(TestPublisher::google(other_email)),
    ]);

    // CircleCI.
    let ci = TestPublisher::circleci(
        "0f6c1b0a-1111-4222-8333-444455556666",
        "9a8b7c6d-5e4f-4a3b-9c2d-1e0f11223344",
    );
    let ci_base = "https://circleci.com/api/v2/projects/0f6c1b0a-1111-4222-8333-444455556666/pipeline-definitions";
    let ci_other = TestPublisher::circleci(
        "0f6c1b0a-1111-4222-8333-444455556666",
        "00000000-0000-4000-8000-000000000000",
    );
    cases.extend([
        Case::new("circleci/fulcio-shaped", &ci, vec![]),
        Case::new(
            "circleci/no-vcs",
            &TestPublisher::CircleCI {
                project_id: "0f6c1b0a-1111-4222-8333-444455556666".into(),
                pipeline_definition_id: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f11223344".into(),
                vcs_origin: None,
                vcs_ref: None,
            },
            vec![],
        ),
        Case::new("circleci/no-issuer", &ci, vec![Remove(Fulcio(8))]).refused(MISMATCH),
        Case::new("circleci/no-build-signer", &ci, vec![Remove(Fulcio(9))]).refused(MISMATCH),
        Case::new(
            "circleci/build-signer-other",
            &ci,
            vec![Set(
                Fulcio(9),
                claim(&format!("{ci_base}/00000000-0000-4000-8000-000000000000")),
            )],
        )
        .claim_refused(MISMATCH, "valid")
        .bare_identity(ci_other),
        Case::new(
            "circleci/ambiguous-build-signer",
            &ci,
            vec![Set(
                Fulcio(9),
                claim(&format!("{ci_base}/a/pipeline-definitions/b")),
            )],
        )
        .claiming(TestPublisher::CircleCI {
            project_id: "0f6c1b0a-1111-4222-8333-444455556666".into(),
            pipeline_definition_id: "a/pipeline-definitions/b".into(),
            vcs_origin: Some("github.com/octo-org/demo".into()),
            vcs_ref: Some("refs/heads/main".into()),
        })
        .bare_refused(MISMATCH),
        Case::new(
            "circleci/vcs-ref-other",
            &ci,
            vec![Set(Fulcio(14), claim("refs/heads/evil"))],
        )
        .claim_refused(MISMATCH, "valid")
        .bare_identity(ci.clone().with_ref("refs/heads/evil")),
        Case::new(
            "circleci/two-sans",
            &ci,
            vec![Sans(vec![
                SanEntry::Uri(ci.build_signer_uri().unwrap_or_default()),
                SanEntry::Uri(format!("{ci_base}/00000000-0000-4000-8000-000000000000")),
            ])],
        )
        .stricter(PROFILE, ONE_SAN),
    ]);

    // A person's email identity: not a Trusted Publisher, so PyPI never claims it (the
    // reference cannot even read the claim); bare verification reports it as `Other`.
    let em = TestPublisher::email("maintainer@example.com");
    cases.extend([
        Case::new("email/fulcio-shaped", &em, vec![]).claim_refused(MISMATCH, "valid"),
        Case::new("email/no-issuer", &em, vec![Remove(Fulcio(8))]).refused(MISMATCH),
        Case::new(
            "email/repeat-issuer",
            &em,
            vec![Repeat(Fulcio(8), ExtValue::Same)],
        )
        .refused(PROFILE),
        Case::new(
            "email/two-sans",
            &em,
            vec![Sans(vec![
                SanEntry::Email("maintainer@example.com".into()),
                SanEntry::Email("someone@example.com".into()),
            ])],
        )
        .claim_refused(PROFILE, PROFILE),
    ]);
    cases.into_iter().map(|c| c.0).collect()
}

impl TestAuthority {
    /// Mints `case` for `filename` / `sha256`: its lone attestation and its provenance.
    pub fn mint_identity_case(
        &self,
        case: &IdentityCase,
        filename: &str,
        sha256: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        let request = case.request(filename, sha256);
        (
            self.mint_attestation(&request),
            self.mint_provenance(std::slice::from_ref(&request)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique_and_deviations_explained() {
        let cases = identity_cases();
        let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), cases.len());
        for case in &cases {
            // pubgate never accepts what the reference refuses, and refuses what it
            // accepts only with a stated reason.
            if case.with_claim == "valid" {
                assert!(case.reference_accepts, "{}", case.name);
            }
            assert_eq!(
                case.reference_accepts && case.with_claim != "valid",
                case.stricter.is_some(),
                "{}",
                case.name
            );
        }
    }
}

//! Certificate identity: every Fulcio extension and the SAN of a leaf certificate, decoded,
//! and the [`VerifiedPublisher`] they describe.
//!
//! Fulcio OIDs `1.3.6.1.4.1.57264.1.1`–`.6` hold raw UTF-8 bytes (deprecated); `.8`–`.22`
//! hold a DER `UTF8String` (<https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md>).

use x509_cert::der::asn1::{ObjectIdentifier, Utf8StringRef};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::Certificate;

use super::{PublisherKind, VerifiedPublisher};

/// The Fulcio OID arc; extension `n` is `1.3.6.1.4.1.57264.1.n`.
const FULCIO_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1");
/// Fulcio's OtherName SAN type (`.7`).
const FULCIO_OTHER_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
/// `id-kp-codeSigning`.
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

pub(crate) const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const GITLAB_ISSUER: &str = "https://gitlab.com";
pub(crate) const GOOGLE_ISSUER: &str = "https://accounts.google.com";
pub(crate) const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

/// Why a certificate's identity could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct IdentityError(pub String);

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Email(String),
    Uri(String),
    /// Fulcio's `OtherName` SAN (OID `.1.7`, a DER `UTF8String`), used for usernames.
    Other(String),
}

impl San {
    pub(crate) fn value(&self) -> &str {
        match self {
            San::Email(v) | San::Uri(v) | San::Other(v) => v,
        }
    }
}

/// Everything identity-related a Fulcio leaf certificate says, undecided and unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CertificateIdentity {
    pub sans: Vec<San>,
    /// `.1` Issuer (v1, raw bytes).
    pub issuer_v1: Option<String>,
    /// `.2` GitHub Workflow Trigger, `.3` Workflow SHA, `.4` Workflow Name,
    /// `.5` Workflow Repository, `.6` Workflow Ref (all raw bytes, deprecated).
    pub github_workflow_trigger: Option<String>,
    pub github_workflow_sha: Option<String>,
    pub github_workflow_name: Option<String>,
    pub github_workflow_repository: Option<String>,
    pub github_workflow_ref: Option<String>,
    /// `.8` Issuer (v2).
    pub issuer_v2: Option<String>,
    /// `.9` Build Signer URI, `.10` Build Signer Digest, `.11` Runner Environment.
    pub build_signer_uri: Option<String>,
    pub build_signer_digest: Option<String>,
    pub runner_environment: Option<String>,
    /// `.12`–`.17`: source repository URI, digest, ref, identifier, owner URI, owner id.
    pub source_repository_uri: Option<String>,
    pub source_repository_digest: Option<String>,
    pub source_repository_ref: Option<String>,
    pub source_repository_identifier: Option<String>,
    pub source_repository_owner_uri: Option<String>,
    pub source_repository_owner_identifier: Option<String>,
    /// `.18` Build Config URI, `.19` Build Config Digest, `.20` Build Trigger,
    /// `.21` Run Invocation URI, `.22` Source Repository Visibility At Signing.
    pub build_config_uri: Option<String>,
    pub build_config_digest: Option<String>,
    pub build_trigger: Option<String>,
    pub run_invocation_uri: Option<String>,
    pub source_repository_visibility: Option<String>,
    /// Key usage has `digitalSignature`.
    pub key_usage_digital_signature: bool,
    /// Extended key usage has `codeSigning`.
    pub eku_code_signing: bool,
}

impl CertificateIdentity {
    /// Decodes a DER certificate's SAN and Fulcio extensions. A Fulcio extension whose
    /// value does not decode as its documented type is an error, not a silent gap.
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, IdentityError> {
        let cert = Certificate::from_der(der)
            .map_err(|e| IdentityError(format!("the certificate does not parse: {e}")))?;
        let mut id = CertificateIdentity::default();
        let Some(extensions) = cert.tbs_certificate.extensions.as_ref() else {
            return Ok(id);
        };
        for ext in extensions {
            let oid = ext.extn_id;
            let value = ext.extn_value.as_bytes();
            if oid == SUBJECT_ALT_NAME {
                let san = SubjectAltName::from_der(value).map_err(|e| {
                    IdentityError(format!("malformed subject alternative name: {e}"))
                })?;
                for name in san.0 {
                    id.sans.extend(decode_general_name(&name)?);
                }
                continue;
            }
            if oid == KEY_USAGE {
                let ku = KeyUsage::from_der(value)
                    .map_err(|e| IdentityError(format!("malformed key usage: {e}")))?;
                id.key_usage_digital_signature = ku.0.contains(KeyUsages::DigitalSignature);
                continue;
            }
            if oid == EXTENDED_KEY_USAGE {
                let eku = ExtendedKeyUsage::from_der(value)
                    .map_err(|e| IdentityError(format!("malformed extended key usage: {e}")))?;
                id.eku_code_signing = eku.0.contains(&CODE_SIGNING);
                continue;
            }
            // `1.3.6.1.4.1.57264.1.n`: the arc plus exactly one more arc.
            if oid.parent() != Some(FULCIO_ARC) {
                continue;
            }
            let Some(n) = oid.arcs().last() else {
                continue;
            };
            let raw = || {
                String::from_utf8(value.to_vec())
                    .map_err(|_| IdentityError(format!("Fulcio extension `{oid}` is not UTF-8")))
            };
            let utf8 = || {
                Utf8StringRef::from_der(value)
                    .map(|s| s.as_str().to_string())
                    .map_err(|e| {
                        IdentityError(format!(
                            "Fulcio extension `{oid}` is not a DER UTF8String: {e}"
                        ))
                    })
            };
            let slot = match n {
                1 => (&mut id.issuer_v1, raw()?),
                2 => (&mut id.github_workflow_trigger, raw()?),
                3 => (&mut id.github_workflow_sha, raw()?),
                4 => (&mut id.github_workflow_name, raw()?),
                5 => (&mut id.github_workflow_repository, raw()?),
                6 => (&mut id.github_workflow_ref, raw()?),
                8 => (&mut id.issuer_v2, utf8()?),
                9 => (&mut id.build_signer_uri, utf8()?),
                10 => (&mut id.build_signer_digest, utf8()?),
                11 => (&mut id.runner_environment, utf8()?),
                12 => (&mut id.source_repository_uri, utf8()?),
                13 => (&mut id.source_repository_digest, utf8()?),
                14 => (&mut id.source_repository_ref, utf8()?),
                15 => (&mut id.source_repository_identifier, utf8()?),
                16 => (&mut id.source_repository_owner_uri, utf8()?),
                17 => (&mut id.source_repository_owner_identifier, utf8()?),
                18 => (&mut id.build_config_uri, utf8()?),
                19 => (&mut id.build_config_digest, utf8()?),
                20 => (&mut id.build_trigger, utf8()?),
                21 => (&mut id.run_invocation_uri, utf8()?),
                22 => (&mut id.source_repository_visibility, utf8()?),
                // .7 is the OtherName SAN type (decoded with the SAN); newer OIDs are
                // not needed for publisher identity.
                _ => continue,
            };
            *slot.0 = Some(slot.1);
        }
        Ok(id)
    }

    /// The OIDC issuer: `.8` (v2) when present, else the legacy `.1`.
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.issuer_v2.as_deref().or(self.issuer_v1.as_deref())
    }

    pub(crate) fn san_email(&self) -> Option<&str> {
        self.sans.iter().find_map(|s| match s {
            San::Email(e) => Some(e.as_str()),
            _ => None,
        })
    }

    /// The first SAN value (URI for CI workloads, email for people and service accounts).
    pub(crate) fn san(&self) -> Option<&str> {
        self.sans.first().map(San::value)
    }

    /// The source ref (`.14`, else legacy `.6`).
    pub(crate) fn git_ref(&self) -> Option<&str> {
        self.source_repository_ref
            .as_deref()
            .or(self.github_workflow_ref.as_deref())
    }

    /// The source commit (`.13`, else legacy `.3`).
    pub(crate) fn commit(&self) -> Option<&str> {
        self.source_repository_digest
            .as_deref()
            .or(self.github_workflow_sha.as_deref())
    }

    /// Which CI system issued the identity, by OIDC issuer.
    pub(crate) fn kind(&self) -> PublisherKind {
        match self.issuer() {
            Some(GITHUB_ISSUER) => PublisherKind::GitHub,
            Some(GITLAB_ISSUER) => PublisherKind::GitLab,
            Some(GOOGLE_ISSUER) => PublisherKind::Google,
            Some(CIRCLECI_ISSUER) => PublisherKind::CircleCI,
            _ => PublisherKind::Other,
        }
    }

    /// The publisher this certificate identifies. `environment` is PyPI's claim (the
    /// certificate never carries it).
    pub(crate) fn to_publisher(&self, environment: Option<String>) -> VerifiedPublisher {
        let kind = self.kind();
        let mut p = VerifiedPublisher {
            kind,
            repository: None,
            workflow: None,
            workflow_filepath: None,
            email: self.san_email().map(str::to_string),
            git_ref: self.git_ref().map(str::to_string),
            commit: self.commit().map(str::to_string),
            issuer: self.issuer().map(str::to_string),
            san: self.san().map(str::to_string),
            project_id: None,
            pipeline_definition_id: None,
            environment,
        };
        match kind {
            PublisherKind::GitHub => {
                p.repository = self
                    .source_repository_uri
                    .as_deref()
                    .and_then(|u| u.strip_prefix("https://github.com/"))
                    .map(str::to_string)
                    .or_else(|| self.github_workflow_repository.clone());
                p.workflow = p.repository.as_deref().and_then(|repo| {
                    let prefix = format!("https://github.com/{repo}/.github/workflows/");
                    let rest = self.build_config_uri.as_deref()?.strip_prefix(&prefix)?;
                    Some(self.strip_ref_suffix(rest))
                });
            }
            PublisherKind::GitLab => {
                p.repository = self
                    .source_repository_uri
                    .as_deref()
                    .and_then(|u| u.strip_prefix("https://gitlab.com/"))
                    .map(str::to_string);
                p.workflow_filepath = p.repository.as_deref().and_then(|repo| {
                    let prefix = format!("https://gitlab.com/{repo}//");
                    let rest = self.build_config_uri.as_deref()?.strip_prefix(&prefix)?;
                    Some(self.strip_ref_suffix(rest))
                });
            }
            PublisherKind::CircleCI => {
                p.repository = self.source_repository_uri.clone();
                if let Some((project, pipeline)) = self
                    .build_signer_uri
                    .as_deref()
                    .and_then(|u| u.strip_prefix("https://circleci.com/api/v2/projects/"))
                    .and_then(|rest| rest.split_once("/pipeline-definitions/"))
                {
                    p.project_id = Some(project.to_string());
                    p.pipeline_definition_id = Some(pipeline.to_string());
                }
            }
            PublisherKind::Google | PublisherKind::Other => {}
        }
        p
    }
}

impl CertificateIdentity {
    /// `path@X` → `path`, where X is this certificate's commit or ref (falling back to the
    /// first `@`, since refs may contain `@` but workflow paths normally do not).
    fn strip_ref_suffix(&self, rest: &str) -> String {
        for suffix in [self.commit(), self.git_ref()].into_iter().flatten() {
            if let Some(path) = rest.strip_suffix(suffix).and_then(|r| r.strip_suffix('@')) {
                return path.to_string();
            }
        }
        rest.split_once('@').map_or(rest, |(w, _)| w).to_string()
    }
}

fn decode_general_name(name: &GeneralName) -> Result<Option<San>, IdentityError> {
    Ok(match name {
        GeneralName::Rfc822Name(email) => Some(San::Email(email.to_string())),
        GeneralName::UniformResourceIdentifier(uri) => Some(San::Uri(uri.to_string())),
        GeneralName::OtherName(other) if other.type_id == FULCIO_OTHER_NAME => {
            let der = other
                .value
                .to_der()
                .map_err(|e| IdentityError(format!("malformed OtherName SAN: {e}")))?;
            let value = Utf8StringRef::from_der(&der)
                .map_err(|e| IdentityError(format!("malformed OtherName SAN: {e}")))?;
            Some(San::Other(value.as_str().to_string()))
        }
        _ => None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The DER inside the first PEM block of a fixture (which may carry a note before it).
    pub(crate) fn pem_fixture(path: &str) -> Vec<u8> {
        use base64::Engine;
        let text =
            std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let start = text.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end = text.find("-----END CERTIFICATE-----").unwrap();
        let body: String = text[start + 27..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    #[test]
    fn decodes_google_service_account_certificate() {
        let der = pem_fixture("fixtures/pep740/pypi-attestations/200170367.pem");
        let id = CertificateIdentity::from_der(&der).unwrap();
        assert_eq!(id.issuer_v1.as_deref(), Some(GOOGLE_ISSUER));
        assert_eq!(
            id.san_email(),
            Some("919436158236-compute@developer.gserviceaccount.com")
        );
        assert_eq!(id.kind(), PublisherKind::Google);
        assert!(id.key_usage_digital_signature && id.eku_code_signing);
        let p = id.to_publisher(None);
        assert_eq!(
            p.email.as_deref(),
            Some("919436158236-compute@developer.gserviceaccount.com")
        );
        assert_eq!(p.repository, None);
    }

    #[test]
    fn decodes_github_certificate_without_source_ref() {
        let der =
            pem_fixture("fixtures/pep740/pypi-attestations/no-source-repository-ref-extension.pem");
        let id = CertificateIdentity::from_der(&der).unwrap();
        assert_eq!(id.kind(), PublisherKind::GitHub);
        assert_eq!(id.source_repository_ref, None);
        assert!(id.source_repository_digest.is_some());
        let p = id.to_publisher(Some("pypi".into()));
        assert_eq!(p.repository.as_deref(), Some("SWIFTSIM/swiftgalaxy"));
        assert_eq!(p.workflow.as_deref(), Some("python-publish.yml"));
        assert_eq!(p.environment.as_deref(), Some("pypi"));
        assert_eq!(p.commit, id.source_repository_digest);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(CertificateIdentity::from_der(b"not a certificate").is_err());
    }
}

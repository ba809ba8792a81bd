//! The one list of rules: code, slug, default level, summary, fix and docs anchor.
//!
//! Everything that names a rule (policy keys, findings, JSON, SARIF, docs tests) reads
//! it from [`Rule`]; adding a rule means adding one entry to the `rules!` list (then its
//! section in docs/rules.md, which a test demands, and the check that raises it).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Where the rules reference lives; each rule's anchor is appended.
pub const RULES_DOCS_URL: &str = "https://github.com/pubgate/pubgate/blob/main/docs/rules.md";

/// How seriously a finding is taken.
///
/// Ordered `allow < warn < deny`. A finding at `allow` is not reported; `warn` is reported
/// and passes (unless `--deny-warnings`); `deny` fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Allow, Level::Warn, Level::Deny];

    /// `allow`, `warn` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown level `{s}`: expected `deny`, `warn` or `allow`"))
    }
}

/// Who a rule's findings are about, which decides where a policy may set its level and
/// whether an exemption can cover it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One locked package: levels in `[rules]` and `[[package]]`, exemptions by package.
    Package,
    /// A lockfile as a whole (its sources, its emptiness): levels in `[rules]` only, no
    /// exemptions (there is no package to name).
    Lockfile,
    /// The policy file itself: levels in `[rules]` only, no exemptions.
    Policy,
}

/// The static description of one rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable code, e.g. `PG101`.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `missing-provenance`; the key used in policies.
    pub slug: &'static str,
    /// The level when no policy says otherwise.
    pub default_level: Level,
    /// Whether a policy may set it below `deny`. Rules whose findings mean "the installer may
    /// take a file nobody examined" or "a required publisher was not verified" may not: a
    /// finding of theirs can only be accepted one release (or one file) at a time.
    pub lowerable: bool,
    pub scope: Scope,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// One line: what to do about it.
    pub fix: &'static str,
}

/// Declares every rule once: the enum, [`Rule::ALL`] and each rule's [`RuleInfo`] come from
/// this one list, so a rule cannot exist without its code, slug, level and docs.
macro_rules! rules {
    ($(
        $(#[$doc:meta])*
        $variant:ident {
            code: $code:literal,
            slug: $slug:literal,
            default: $level:ident,
            lowerable: $lowerable:literal,
            scope: $scope:ident,
            summary: $summary:literal,
            fix: $fix:literal $(,)?
        }
    )*) => {
        /// A check pubgate performs. The variant order is the code order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The rule's position in [`Rule::ALL`] (SARIF's `ruleIndex`).
            pub fn index(self) -> usize {
                self as usize
            }

            /// The rule's description.
            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $(Rule::$variant => &RuleInfo {
                        code: $code,
                        slug: $slug,
                        default_level: Level::$level,
                        lowerable: $lowerable,
                        scope: Scope::$scope,
                        summary: $summary,
                        fix: $fix,
                    },)*
                }
            }
        }
    };
}

rules! {
    /// PG001: a requirements line that is not an exact pin.
    UnpinnedRequirement {
        code: "PG001",
        slug: "unpinned-requirement",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "a requirement that is not an exact `==`/`===` pin",
        fix: "pin every requirement to one version with hashes (`uv pip compile --generate-hashes` or `pip-compile --generate-hashes`)",
    }
    /// PG002: a locked file without a sha256.
    UnhashedArtifact {
        code: "PG002",
        slug: "unhashed-artifact",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "no sha256 is locked, so the installed file is not pinned",
        fix: "re-lock with hashes so the installer refuses any other file",
    }
    /// PG003: git, URL, path, editable or virtual source.
    NonIndexSource {
        code: "PG003",
        slug: "non-index-source",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "a git, URL, local-path, editable or virtual source: no attestation is possible",
        fix: "depend on a release from PyPI, or allow this source in the policy with a reason",
    }
    /// PG004: a package from an index other than PyPI.
    OtherIndex {
        code: "PG004",
        slug: "other-index",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "an index other than PyPI, which has no PEP 740 provenance today",
        fix: "install it from PyPI, or allow the rule for the packages your private index serves",
    }
    /// PG005: a locked hash no examined file carries.
    UnverifiableHash {
        code: "PG005",
        slug: "unverifiable-hash",
        default: Deny,
        lowerable: false,
        scope: Package,
        summary: "the installer would accept a file by a hash that binds to no file pubgate examined",
        fix: "re-lock so every hash is the sha256 of a file on the index (`--generate-hashes`); remove hashes you cannot account for",
    }
    /// PG006: a package source the policy does not list.
    IndexNotAllowed {
        code: "PG006",
        slug: "index-not-allowed",
        default: Deny,
        lowerable: false,
        scope: Lockfile,
        summary: "the lockfile tells the installer to use an index, find-links location or trusted host the policy does not allow",
        fix: "remove the option from the lockfile, or list the source under `[sources]` in the policy after reviewing who controls it",
    }
    /// PG007: a lockfile that locks nothing.
    EmptyLockfile {
        code: "PG007",
        slug: "empty-lockfile",
        default: Warn,
        lowerable: true,
        scope: Lockfile,
        summary: "the lockfile locks no package: nothing was checked",
        fix: "re-create the lockfile with its tool (a failed or interrupted lock can leave it empty), or stop checking it",
    }
    /// PG008: a locked download URL that is not the index's, with no hash binding the file.
    ForeignArtifactUrl {
        code: "PG008",
        slug: "foreign-artifact-url",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "the installer would download a file from a URL that is not the index's URL for it, and no locked hash binds it to the file examined",
        fix: "re-lock from the index so the lockfile records its URLs and hashes; never edit artifact URLs by hand",
    }
    /// PG101: the index says a locked file has no provenance.
    MissingProvenance {
        code: "PG101",
        slug: "missing-provenance",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "a locked artifact has no provenance",
        fix: "ask the maintainers to publish with Trusted Publishing and attestations, or exempt it with a reason",
    }
    /// PG102: provenance that fails verification, or a file that is not the index's.
    InvalidProvenance {
        code: "PG102",
        slug: "invalid-provenance",
        default: Deny,
        lowerable: false,
        scope: Package,
        summary: "provenance is present but fails verification (never below deny)",
        fix: "do not install this file: treat it as a possible compromise, re-lock from PyPI and tell the maintainers",
    }
    /// PG103: the index could not be asked.
    ProvenanceUnavailable {
        code: "PG103",
        slug: "provenance-unavailable",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "the index could not be asked about provenance (network, 5xx, 429, bad answer)",
        fix: "re-run when the index answers, or vendor provenance with `pubgate fetch` and check with `--offline --provenance-dir`",
    }
    /// PG104: a locked file the index marks yanked.
    YankedRelease {
        code: "PG104",
        slug: "yanked-release",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "the index marks a locked file yanked (PEP 592): its maintainers withdrew it, usually for a reason they give",
        fix: "read the yank reason and upgrade or downgrade to a release that is not yanked, or exempt this version with a reason",
    }
    /// PG105: the project is archived, deprecated, or in a status pubgate does not know.
    ProjectStatus {
        code: "PG105",
        slug: "project-status",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "the index marks the project archived (no further releases), deprecated, or with a status pubgate does not know (PEP 792)",
        fix: "check whether the project is still maintained and plan a replacement, or allow `project-status` for it with a reason",
    }
    /// PG201: a required publisher that was not verified.
    PublisherMismatch {
        code: "PG201",
        slug: "publisher-mismatch",
        default: Deny,
        lowerable: false,
        scope: Package,
        summary: "a file was not verified as published by the publisher the policy (or the lockfile) requires (never below deny)",
        fix: "confirm the new publisher with the project, then update the `publisher` of its `[[package]]` entry; otherwise do not upgrade",
    }
    /// PG202: a publisher other than the last known one.
    PublisherChange {
        code: "PG202",
        slug: "publisher-change",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "the verified publisher differs from the last attested earlier release's",
        fix: "confirm the move with the project (release notes, repository), then exempt this version with a reason",
    }
    /// PG203: an earlier release was attested, this one is not.
    ProvenanceRegression {
        code: "PG203",
        slug: "provenance-regression",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "an earlier release was attested, this one is not",
        fix: "keep the previous version until the maintainers explain why attestations stopped, or exempt this version with a reason",
    }
    /// PG204: several publishers in one release.
    MixedPublishers {
        code: "PG204",
        slug: "mixed-publishers",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "files of one release were attested by different publishers",
        fix: "check with the project that every publisher is theirs; pin a publisher with a `[[package]]` entry",
    }
    /// PG301: an exemption past its date.
    ExpiredExemption {
        code: "PG301",
        slug: "expired-exemption",
        default: Warn,
        lowerable: true,
        scope: Policy,
        summary: "an exemption is past its `expires` date and no longer applies",
        fix: "renew the exemption with a new `expires` date and reason, or remove it",
    }
    /// PG302: an exemption or name that matched nothing.
    UnusedExemption {
        code: "PG302",
        slug: "unused-exemption",
        default: Warn,
        lowerable: true,
        scope: Policy,
        summary: "an exemption, `[[package]]` name or allowed source that matched nothing",
        fix: "remove the entry, or correct its name, versions or rule",
    }
    /// PG401 (audit): a file without provenance uploaded after the project adopted
    /// Trusted Publishing.
    UnattestedUpload {
        code: "PG401",
        slug: "unattested-upload",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "a file without provenance was uploaded after the project's first attested upload: a token upload or a broken pipeline",
        fix: "find out who uploaded it (the project's history on PyPI, its API tokens); revoke tokens you no longer use and yank the release if it is not yours, or exempt this version with a reason",
    }
    /// PG402 (audit): a release published by an identity that is not declared.
    UndeclaredPublisher {
        code: "PG402",
        slug: "undeclared-publisher",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "a release was published by an identity that is not among the project's declared publishers",
        fix: "if the identity is yours, add it to the `publisher` list of the project's `[[project]]` entry; otherwise treat it as a compromise: remove that Trusted Publisher on PyPI and yank the release",
    }
    /// PG403 (audit): a declared repository, but another workflow, environment or ref.
    PublisherDrift {
        code: "PG403",
        slug: "publisher-drift",
        default: Deny,
        lowerable: true,
        scope: Package,
        summary: "a release came from a declared repository, but its workflow, environment or ref is not the declared one",
        fix: "find the run that published it; if the change is yours, update the declared `workflow`, `environment` or `ref`, otherwise treat it as a compromise",
    }
    /// PG404 (audit): files of one release partly attested, partly not.
    MixedRelease {
        code: "PG404",
        slug: "mixed-release",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "some files of a release have provenance and others have none",
        fix: "publish every file of a release from the release workflow; find out who uploaded the files without provenance",
    }
    /// PG405 (audit): a project that never published through Trusted Publishing.
    NeverAttested {
        code: "PG405",
        slug: "never-attested",
        default: Warn,
        lowerable: true,
        scope: Package,
        summary: "no file of the project has provenance: it is published with API tokens",
        fix: "add a Trusted Publisher for the project on PyPI and publish from CI with `pypa/gh-action-pypi-publish` (it attests by default), then revoke the API tokens",
    }
}

impl Rule {
    /// Stable code, e.g. `PG101`.
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// Stable kebab-case name, e.g. `missing-provenance`.
    pub fn slug(self) -> &'static str {
        self.info().slug
    }

    pub fn default_level(self) -> Level {
        self.info().default_level
    }

    pub fn summary(self) -> &'static str {
        self.info().summary
    }

    pub fn fix(self) -> &'static str {
        self.info().fix
    }

    /// The heading anchor of the rule's section in `docs/rules.md`: `pg101-missing-provenance`
    /// for the heading `## PG101 missing-provenance`.
    pub fn anchor(self) -> String {
        format!("{}-{}", self.code().to_ascii_lowercase(), self.slug())
    }

    /// The URL of the rule's documentation.
    pub fn docs_url(self) -> String {
        format!("{RULES_DOCS_URL}#{}", self.anchor())
    }

    /// Finds a rule by slug (`missing-provenance`) or code (`PG101`, any case).
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.slug() == id || r.code().eq_ignore_ascii_case(id))
    }

    /// Whether a policy may set this rule below `deny` (see [`RuleInfo::lowerable`]).
    pub fn can_be_lowered(self) -> bool {
        self.info().lowerable
    }

    pub fn scope(self) -> Scope {
        self.info().scope
    }

    /// Rules about the policy file itself (not about a package): set only in `[rules]`,
    /// never exempted.
    pub fn is_about_policy(self) -> bool {
        self.scope() == Scope::Policy
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.slug())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_and_slugs_are_unique_and_ordered() {
        let codes: BTreeSet<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let slugs: BTreeSet<_> = Rule::ALL.iter().map(|r| r.slug()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
        assert_eq!(slugs.len(), Rule::ALL.len());
        let mut sorted = Rule::ALL.to_vec();
        sorted.sort_by_key(|r| r.code());
        assert_eq!(sorted, Rule::ALL.to_vec(), "variant order is code order");
        for rule in Rule::ALL {
            assert!(rule.code().starts_with("PG") && rule.code().len() == 5);
            assert!(rule
                .slug()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }

    #[test]
    fn indexes_are_positions_in_all() {
        for (at, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule.index(), at, "{rule}");
        }
    }

    #[test]
    fn finds_rules_by_slug_or_code() {
        assert_eq!(
            Rule::from_id("missing-provenance"),
            Some(Rule::MissingProvenance)
        );
        assert_eq!(Rule::from_id("PG101"), Some(Rule::MissingProvenance));
        assert_eq!(Rule::from_id("pg102"), Some(Rule::InvalidProvenance));
        assert_eq!(Rule::from_id("Missing-Provenance"), None);
        assert_eq!(Rule::from_id("PG999"), None);
    }

    #[test]
    fn defaults_match_the_design_table() {
        use Level::*;
        let expected = [
            ("PG001", Deny),
            ("PG002", Warn),
            ("PG003", Warn),
            ("PG004", Warn),
            ("PG005", Deny),
            ("PG006", Deny),
            ("PG007", Warn),
            ("PG008", Warn),
            ("PG101", Warn),
            ("PG102", Deny),
            ("PG103", Deny),
            ("PG104", Warn),
            ("PG105", Warn),
            ("PG201", Deny),
            ("PG202", Deny),
            ("PG203", Deny),
            ("PG204", Warn),
            ("PG301", Warn),
            ("PG302", Warn),
            ("PG401", Deny),
            ("PG402", Deny),
            ("PG403", Deny),
            ("PG404", Warn),
            ("PG405", Warn),
        ];
        for (code, level) in expected {
            assert_eq!(
                Rule::from_id(code).unwrap().default_level(),
                level,
                "{code}"
            );
        }
    }

    #[test]
    fn levels_order_allow_warn_deny() {
        assert!(Level::Allow < Level::Warn && Level::Warn < Level::Deny);
        assert_eq!("warn".parse::<Level>(), Ok(Level::Warn));
        assert!("error".parse::<Level>().is_err());
    }
}

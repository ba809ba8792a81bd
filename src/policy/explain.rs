//! `pubgate policy explain NAME`: what the policy says about one package — every
//! `[[package]]` name that matches it and the one that decides it, the publishers it
//! requires, the level of each rule with where that level comes from
//! ([`Policy::resolve`]), and the exemptions written for it. Read from the policy alone:
//! no lockfile, no network.

use super::{
    Exemption, LevelOrigin, NameEntry, PackageEntry, Policy, Position, PublisherRequirement,
    Subject,
};
use crate::dist::PackageName;
use crate::rules::{Level, Rule, Scope};

/// One `[[package]]` name that matches the package.
#[derive(Debug, Clone)]
pub struct NameMatch<'p> {
    /// 0-based index among the `[[package]]` entries.
    pub entry_index: usize,
    pub entry: &'p PackageEntry,
    pub name: &'p NameEntry,
    /// Whether this name decides the package (the most specific match).
    pub decides: bool,
}

/// The level one rule resolves to for the package, and why.
#[derive(Debug, Clone, Copy)]
pub struct RuleLevel {
    pub rule: Rule,
    pub level: Level,
    pub origin: LevelOrigin,
    /// Set in the policy below `deny`, but the rule cannot be lowered: held at `deny`.
    pub held_at_deny: bool,
}

/// An exemption whose `package` matches the package.
#[derive(Debug, Clone)]
pub struct ExemptionMatch<'p> {
    pub exemption: &'p Exemption,
    /// Whether it applies on the day asked: not expired, and (when a version is given) its
    /// `versions` admit it.
    pub applies: bool,
    /// Why it does not apply, when it does not.
    pub why_not: Option<String>,
}

/// What the policy says about one package.
#[derive(Debug, Clone)]
pub struct Explanation<'p> {
    pub package: PackageName,
    pub version: Option<String>,
    pub names: Vec<NameMatch<'p>>,
    /// The publishers the deciding entry requires (empty: none).
    pub publishers: &'p [PublisherRequirement],
    pub rules: Vec<RuleLevel>,
    pub exemptions: Vec<ExemptionMatch<'p>>,
}

/// Explains how `policy` judges `name` (at `version`, when given) on `today` (UTC).
pub fn explain<'p>(
    policy: &'p Policy,
    name: &str,
    version: Option<&str>,
    today: jiff::civil::Date,
) -> Explanation<'p> {
    let package = PackageName::new(name);
    let decided = policy.package_entry(&package);
    let mut names = Vec::new();
    for (entry_index, entry) in policy.packages.iter().enumerate() {
        for (name_index, name) in entry.names.iter().enumerate() {
            if name.pattern.matches(&package) {
                names.push(NameMatch {
                    entry_index,
                    entry,
                    name,
                    decides: decided.is_some_and(|m| {
                        m.entry_index == entry_index && m.name_index == name_index
                    }),
                });
            }
        }
    }
    let subject = Subject {
        package: &package,
        version,
        digests: &[],
        by_digest_only: false,
    };
    let rules = Rule::ALL
        .iter()
        .map(|&rule| {
            let subject = (rule.scope() == Scope::Package).then_some(&subject);
            let resolution = policy.resolve(rule, subject, today);
            let written = match resolution.origin {
                LevelOrigin::Default => None,
                LevelOrigin::Rules(_) => policy.rules.get(&rule).map(|s| s.level),
                LevelOrigin::Package(_) => decided
                    .and_then(|m| m.entry.rules.get(&rule))
                    .map(|s| s.level),
            };
            RuleLevel {
                rule,
                level: resolution.level,
                origin: resolution.origin,
                held_at_deny: written.is_some_and(|w| w != resolution.level),
            }
        })
        .collect();
    let exemptions = policy
        .exemptions
        .iter()
        .filter(|e| e.package.matches(&package))
        .map(|exemption| {
            let why_not = if exemption.is_expired(today) {
                Some(format!(
                    "expired on {}",
                    exemption.expires.map(|d| d.to_string()).unwrap_or_default()
                ))
            } else {
                match (&exemption.versions, version) {
                    (Some((text, specifiers)), Some(v))
                        if !super::versions_match(specifiers, v) =>
                    {
                        Some(format!("`{v}` is not in `{text}`"))
                    }
                    _ => None,
                }
            };
            ExemptionMatch {
                exemption,
                applies: why_not.is_none(),
                why_not,
            }
        })
        .collect();
    Explanation {
        package,
        version: version.map(str::to_string),
        names,
        publishers: decided.map_or(&[], |m| m.entry.publishers.as_slice()),
        rules,
        exemptions,
    }
}

impl Explanation<'_> {
    /// The deciding name, if any entry names the package.
    pub fn deciding(&self) -> Option<&NameMatch<'_>> {
        self.names.iter().find(|m| m.decides)
    }
}

/// Where a level came from, in words: `the default`, `[rules] (pubgate.toml:4)`.
pub fn origin_text(origin: LevelOrigin, policy: &Policy) -> String {
    let at = |p: Position| format!("{}:{}", policy.source.path().display(), p.line);
    match origin {
        LevelOrigin::Default => "the rule's default".to_string(),
        LevelOrigin::Rules(p) => format!("`[rules]` ({})", at(p)),
        LevelOrigin::Package(p) => format!("the `[[package]]` entry's `rules` ({})", at(p)),
    }
}

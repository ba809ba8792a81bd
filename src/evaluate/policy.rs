//! Findings about the policy itself: PG301 expired-exemption and PG302 unused-exemption
//! (exemptions, `[[package]]` names and `[sources]` entries that decided nothing).

use std::collections::BTreeSet;

use super::Finding;
use crate::dist::PackageName;
use crate::evidence::LockfileEvidence;
use crate::lockfile::{IndexKind, Location, Source};
use crate::policy::{suggest, Exemption, Policy};
use crate::rules::{Level, Rule};

pub(super) const RULES: &[Rule] = &[Rule::ExpiredExemption, Rule::UnusedExemption];

/// A finding about the policy file itself, at `line`, unless the policy allows `rule`.
pub(super) fn policy_finding(
    policy: &Policy,
    rule: Rule,
    line: u32,
    message: String,
    today: jiff::civil::Date,
) -> Option<Finding> {
    let level = policy.resolve(rule, None, today).level;
    (level != Level::Allow).then(|| Finding {
        rule,
        level,
        package: None,
        version: None,
        artifact: None,
        message,
        fix: rule.fix().to_string(),
        location: Location {
            path: policy.source.path(),
            line,
        },
        lockfile: None,
        exempted_by: None,
        related: Vec::new(),
    })
}

/// PG301 for expired exemptions, PG302 for exemptions, `[[package]]` names and allowed
/// sources that did nothing.
pub(super) fn check(
    evidence: &[LockfileEvidence],
    policy: &Policy,
    today: jiff::civil::Date,
    used_exemptions: &BTreeSet<usize>,
    findings: &mut Vec<Finding>,
) {
    let mut push = |rule: Rule, line: u32, message: String| {
        findings.extend(policy_finding(policy, rule, line, message, today));
    };

    let locked: BTreeSet<String> = evidence
        .iter()
        .flat_map(|lf| {
            lf.packages
                .iter()
                .map(|p| p.package.name.to_string())
                .chain(
                    lf.unpinned
                        .iter()
                        .map(|u| PackageName::new(&u.name).to_string()),
                )
        })
        .collect();
    // "did you mean `requests`?" for an exact name no locked package has.
    let did_you_mean = |pattern: &crate::policy::NamePattern| -> String {
        if !pattern.is_exact() || locked.contains(pattern.as_str()) {
            return String::new();
        }
        match suggest::closest_name(pattern.as_str(), locked.iter().map(String::as_str)) {
            Some(name) => format!("; did you mean `{name}`?"),
            None => String::new(),
        }
    };

    // Exemptions of audit rules are judged by `pubgate audit`, never by a check.
    for e in policy
        .exemptions
        .iter()
        .filter(|e| !super::audit::RULES.contains(&e.rule))
    {
        let what = exemption_description(e);
        if e.is_expired(today) {
            let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
            push(
                Rule::ExpiredExemption,
                e.position.line,
                format!("{what} expired on {expires} and no longer applies"),
            );
        } else if !used_exemptions.contains(&e.index) {
            let no_package = if e.package.is_exact() && !locked.contains(e.package.as_str()) {
                format!(
                    ": no locked package is named `{}`{}",
                    e.package.as_str(),
                    did_you_mean(&e.package)
                )
            } else {
                String::new()
            };
            push(
                Rule::UnusedExemption,
                e.position.line,
                format!("{what} matched no finding{no_package}"),
            );
        }
    }

    let mut winning = BTreeSet::new();
    let names = evidence.iter().flat_map(|lf| {
        lf.packages
            .iter()
            .map(|p| p.package.name.clone())
            .chain(lf.unpinned.iter().map(|u| PackageName::new(&u.name)))
    });
    for name in names {
        if let Some(m) = policy.package_entry(&name) {
            winning.insert((m.entry_index, m.name_index));
        }
    }
    for (entry_index, entry) in policy.packages.iter().enumerate() {
        for (name_index, name) in entry.names.iter().enumerate() {
            if winning.contains(&(entry_index, name_index)) {
                continue;
            }
            let matched_elsewhere = evidence.iter().any(|lf| {
                lf.packages
                    .iter()
                    .any(|p| name.pattern.matches(&p.package.name))
            });
            let message = if matched_elsewhere {
                format!(
                    "`[[package]]` name `{}` only matches packages a more specific entry decides",
                    name.pattern.as_str()
                )
            } else {
                format!(
                    "`[[package]]` name `{}` matched no locked package{}",
                    name.pattern.as_str(),
                    did_you_mean(&name.pattern)
                )
            };
            push(Rule::UnusedExemption, name.position.line, message);
        }
    }

    let used_sources = used_sources(evidence, policy);
    for allowed in policy
        .sources
        .indexes
        .iter()
        .chain(&policy.sources.trusted_hosts)
    {
        if !used_sources.contains(&allowed.position) {
            push(
                Rule::UnusedExemption,
                allowed.position.line,
                format!(
                    "allowed source `{}` is named by no checked lockfile",
                    allowed.text
                ),
            );
        }
    }
}

/// Positions of the `[sources]` entries some lockfile source matched.
fn used_sources(
    evidence: &[LockfileEvidence],
    policy: &Policy,
) -> BTreeSet<crate::policy::Position> {
    let mut used = BTreeSet::new();
    for lockfile in evidence {
        let named = lockfile.indexes.iter().map(|i| (i.url.expose(), i.kind));
        let packages = lockfile
            .packages
            .iter()
            .filter_map(|p| match &p.package.source {
                Source::Index { url } => Some((url.expose(), IndexKind::Index)),
                _ => None,
            });
        let environment = lockfile
            .environment
            .iter()
            .map(|s| (s.url.expose(), s.kind));
        for (url, kind) in named.chain(packages).chain(environment) {
            if let (_, Some(entry)) = policy.sources.allows(url, kind) {
                used.insert(entry.position);
            }
        }
    }
    used
}

pub(super) fn exemption_description(e: &Exemption) -> String {
    let versions = e
        .versions
        .as_ref()
        .map(|(text, _)| format!(" `{text}`"))
        .unwrap_or_default();
    let hashes = match e.hashes.len() {
        0 => String::new(),
        1 => " (1 digest)".to_string(),
        n => format!(" ({n} digests)"),
    };
    format!(
        "exemption for `{}`{versions}{hashes} ({})",
        e.package.as_str(),
        e.rule.slug()
    )
}

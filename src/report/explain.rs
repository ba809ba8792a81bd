//! `pubgate policy explain` output: the [`Explanation`] of one package, for people (aligned
//! text) and machines (JSON, schema 1). Names and reasons come from the policy file, so the
//! human text is sanitized.

use std::fmt::Write;

use serde::Serialize;

use super::text::sanitize;
use crate::policy::explain::{origin_text, Explanation};
use crate::policy::{LevelOrigin, Policy, PolicySource};

/// The explanation as text.
pub fn human(explanation: &Explanation<'_>, policy: &Policy) -> String {
    let mut out = String::new();
    let path = policy.source.path();
    let at = |line: u32| format!("{}:{line}", path.display());
    let spec = match &explanation.version {
        Some(v) => format!("{}=={v}", explanation.package),
        None => explanation.package.to_string(),
    };
    let _ = writeln!(out, "`{spec}` under {}", policy.source);

    match explanation.deciding() {
        Some(m) => {
            let _ = writeln!(
                out,
                "decided by: the `[[package]]` entry at {}, through the name `{}` ({}, {})",
                at(m.entry.position.line),
                m.name.pattern.as_str(),
                at(m.name.position.line),
                if m.name.pattern.is_exact() {
                    "exact name"
                } else {
                    "glob"
                }
            );
        }
        None => {
            let _ = writeln!(
                out,
                "decided by: no `[[package]]` entry names it, so `[rules]` and the defaults apply and no publisher is required"
            );
        }
    }
    for m in explanation.names.iter().filter(|m| !m.decides) {
        let _ = writeln!(
            out,
            "  also matches: `{}` ({}), in the entry at {}; a more specific name decides, so that entry does not apply",
            m.name.pattern.as_str(),
            at(m.name.position.line),
            at(m.entry.position.line)
        );
    }

    if explanation.publishers.is_empty() {
        if explanation.deciding().is_some() {
            let _ = writeln!(out, "publisher: none required by the deciding entry");
        }
    } else {
        let list: Vec<String> = explanation
            .publishers
            .iter()
            .map(|r| format!("{r} ({})", at(r.position.line)))
            .collect();
        let _ = writeln!(
            out,
            "publisher required: {}; every file must have verified provenance from it, or it is PG201 publisher-mismatch at deny",
            list.join(" or ")
        );
    }

    let _ = writeln!(out, "rules:");
    // A fixed width, so the table does not shift when a rule with a longer slug is added.
    let width = explanation
        .rules
        .iter()
        .map(|r| r.rule.slug().len())
        .max()
        .unwrap_or(0)
        .max(24);
    for r in &explanation.rules {
        let mut why = origin_text(r.origin, policy);
        if r.held_at_deny {
            why.push_str(", held at deny: this rule cannot be lowered");
        }
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<5}  {why}",
            r.rule.code(),
            r.rule.slug(),
            r.level.as_str(),
        );
    }

    if explanation.exemptions.is_empty() {
        let _ = writeln!(out, "exemptions: none names it");
    } else {
        let _ = writeln!(out, "exemptions:");
        for m in &explanation.exemptions {
            let e = m.exemption;
            let mut scope = Vec::new();
            if let Some((text, _)) = &e.versions {
                scope.push(format!("versions `{text}`"));
            }
            if !e.hashes.is_empty() {
                scope.push(format!(
                    "only files with {} listed digest{}",
                    e.hashes.len(),
                    if e.hashes.len() == 1 { "" } else { "s" }
                ));
            }
            if let Some(expires) = e.expires {
                scope.push(format!("until {expires}"));
            }
            let scope = if scope.is_empty() {
                String::new()
            } else {
                format!(" ({})", scope.join(", "))
            };
            let state = match &m.why_not {
                None => "applies".to_string(),
                Some(why) => format!("does not apply: {why}"),
            };
            let _ = writeln!(
                out,
                "  {}  {} {}{scope}: {state}; reason: {}",
                at(e.position.line),
                e.rule.code(),
                e.rule.slug(),
                e.reason
            );
        }
    }
    sanitize_block(&out)
}

/// Sanitizes each line (names and reasons come from the policy file).
fn sanitize_block(text: &str) -> String {
    text.lines().map(|l| format!("{}\n", sanitize(l))).collect()
}

#[derive(Serialize)]
struct JsonExplanation {
    schema: u32,
    package: String,
    version: Option<String>,
    policy: JsonPolicy,
    /// Every `[[package]]` name that matches; `decides` marks the one that applies.
    names: Vec<JsonName>,
    publishers: Vec<JsonPublisher>,
    rules: Vec<JsonRule>,
    exemptions: Vec<JsonExemption>,
}

#[derive(Serialize)]
struct JsonPolicy {
    source: &'static str,
    path: Option<String>,
}

#[derive(Serialize)]
struct JsonName {
    name: String,
    exact: bool,
    decides: bool,
    line: u32,
    entry_line: u32,
}

#[derive(Serialize)]
struct JsonPublisher {
    requirement: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    rule: &'static str,
    level: &'static str,
    /// `default`, `rules` (`[rules]`) or `package` (the deciding entry's `rules`).
    origin: &'static str,
    line: Option<u32>,
    held_at_deny: bool,
}

#[derive(Serialize)]
struct JsonExemption {
    line: u32,
    rule: &'static str,
    versions: Option<String>,
    hashes: usize,
    expires: Option<String>,
    applies: bool,
    why_not: Option<String>,
    reason: String,
}

/// The explanation as JSON (pretty-printed, trailing newline).
pub fn json(explanation: &Explanation<'_>, policy: &Policy) -> String {
    let wire = JsonExplanation {
        schema: 1,
        package: explanation.package.to_string(),
        version: explanation.version.clone(),
        policy: JsonPolicy {
            source: policy.source.kind(),
            path: match &policy.source {
                PolicySource::BuiltIn => None,
                source => Some(source.path().display().to_string()),
            },
        },
        names: explanation
            .names
            .iter()
            .map(|m| JsonName {
                name: m.name.pattern.as_str().to_string(),
                exact: m.name.pattern.is_exact(),
                decides: m.decides,
                line: m.name.position.line,
                entry_line: m.entry.position.line,
            })
            .collect(),
        publishers: explanation
            .publishers
            .iter()
            .map(|r| JsonPublisher {
                requirement: r.to_string(),
                line: r.position.line,
            })
            .collect(),
        rules: explanation
            .rules
            .iter()
            .map(|r| {
                let (origin, line) = match r.origin {
                    LevelOrigin::Default => ("default", None),
                    LevelOrigin::Rules(p) => ("rules", Some(p.line)),
                    LevelOrigin::Package(p) => ("package", Some(p.line)),
                };
                JsonRule {
                    code: r.rule.code(),
                    rule: r.rule.slug(),
                    level: r.level.as_str(),
                    origin,
                    line,
                    held_at_deny: r.held_at_deny,
                }
            })
            .collect(),
        exemptions: explanation
            .exemptions
            .iter()
            .map(|m| JsonExemption {
                line: m.exemption.position.line,
                rule: m.exemption.rule.slug(),
                versions: m.exemption.versions.as_ref().map(|(t, _)| t.clone()),
                hashes: m.exemption.hashes.len(),
                expires: m.exemption.expires.map(|d| d.to_string()),
                applies: m.applies,
                why_not: m.why_not.clone(),
                reason: m.exemption.reason.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&wire).unwrap_or_default();
    text.push('\n');
    super::defuse_workflow_commands(&text, true)
}

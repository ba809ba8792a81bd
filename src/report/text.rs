//! Text helpers shared by the renderers: sanitizing hostile text, locations, publishers.

use std::collections::BTreeMap;

use crate::evidence::{PackageEvidence, ProvenanceStatus};
use crate::lockfile::Location;
use crate::policy::{describe, PublisherIdentity};

/// Replaces control characters (escape sequences, CR, LF, …) and invisible bidirectional
/// controls with visible escapes, so a hostile name or message cannot rewrite a terminal,
/// split a line or reorder what it shows; and defuses GitHub's legacy `##[command]`
/// workflow commands, which the Actions runner honours anywhere in a log line.
pub fn sanitize(text: &str) -> String {
    escape(text, false)
}

/// [`sanitize`] for multi-line text (error messages with a source excerpt): line feeds and
/// tabs stay, everything else is escaped the same way.
pub fn sanitize_lines(text: &str) -> String {
    escape(text, true)
}

/// Characters that reorder or hide text without being control characters (Unicode
/// bidirectional controls, "Trojan Source"), and line or paragraph separators.
pub(super) fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep_lines && matches!(c, '\n' | '\t') {
            out.push(c);
        } else if c.is_control() || is_invisible_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    defuse_workflow_commands(&out, false)
}

/// The Actions runner runs a legacy `##[name]data` command found *anywhere* in a line of
/// the log (`ActionCommand.TryParse`), and a `::name::` one at its start after leading
/// whitespace. Text pubgate prints comes partly from lockfiles and indexes, so `##[` never
/// reaches the log as is: in text it becomes `#\#[`; in JSON (`json = true`) the same
/// characters are written `#\u0023[`, which every JSON parser reads back unchanged (`##[`
/// can only occur inside JSON strings).
///
/// In JSON, bidirectional controls are also written as `\uXXXX` escapes (they can only
/// occur inside strings), so a JSON report printed to a terminal shows them.
pub fn defuse_workflow_commands(text: &str, json: bool) -> String {
    let mut out = if text.contains("##[") {
        text.replace("##[", if json { "#\\u0023[" } else { "#\\#[" })
    } else {
        text.to_string()
    };
    if json && out.chars().any(is_invisible_control) {
        out = out
            .chars()
            .map(|c| {
                if is_invisible_control(c) {
                    format!("\\u{:04x}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect();
    }
    out
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `path:line`.
pub(super) fn location(location: &Location) -> String {
    format!("{}:{}", location.path.display(), location.line)
}

/// A lockfile path as shown.
pub(super) fn path(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// `name==version` (or `name` when the version is unknown).
pub(super) fn package_spec(package: &PackageEvidence) -> String {
    match &package.package.version {
        Some(v) => format!("{}=={v}", package.package.name),
        None => package.package.name.to_string(),
    }
}

/// Who published a package's files: each distinct verified publisher with its file count,
/// then the files without verified provenance by status. E.g.
/// `GitHub `psf/requests` workflow `publish.yml` (2 of 2 files)`.
pub fn publishers(package: &PackageEvidence) -> String {
    use crate::lockfile::Source;
    let what = match &package.package.source {
        Source::Index { .. } => None,
        Source::Git { url, .. } => Some(format!("git `{url}`")),
        Source::Url { url } => Some(format!("the URL `{url}`")),
        Source::Path { path } => Some(format!("the local path `{path}`")),
        Source::Editable { path } => Some(format!("the editable tree `{path}`")),
        Source::Virtual { path } => Some(format!("the virtual workspace entry `{path}`")),
    };
    if let Some(what) = what {
        return format!("no provenance possible: installed from {what}");
    }
    let total = package.artifacts.len();
    let mut verified: BTreeMap<PublisherIdentity, (String, usize)> = BTreeMap::new();
    let mut others: BTreeMap<Unverified, usize> = BTreeMap::new();
    for artifact in &package.artifacts {
        let status = match &artifact.provenance {
            ProvenanceStatus::Verified(v) => {
                verified
                    .entry(PublisherIdentity::of(&v.publisher))
                    .or_insert_with(|| (describe(&v.publisher), 0))
                    .1 += 1;
                continue;
            }
            ProvenanceStatus::Absent => Unverified::Absent,
            ProvenanceStatus::Invalid { .. } => Unverified::Invalid,
            ProvenanceStatus::NotApplicable => Unverified::NotApplicable,
            ProvenanceStatus::Unavailable { .. } => Unverified::Unavailable,
        };
        *others.entry(status).or_default() += 1;
    }
    let of_total = |n: usize| {
        if total == 1 {
            "the only file".to_string()
        } else {
            format!("{n} of {total} files")
        }
    };
    let mut parts: Vec<String> = verified
        .into_values()
        .map(|(who, n)| format!("{who} ({})", of_total(n)))
        .collect();
    for (status, n) in others {
        parts.push(format!("{} ({})", status.phrase(), of_total(n)));
    }
    if parts.is_empty() {
        return format!("no files locked ({} source)", package.package.source.kind());
    }
    parts.join("; ")
}

/// Who publishes a package, without file counts or versions, so packages with the same
/// publisher share the label: the distinct verified publishers, then the other statuses
/// (`GitHub `psf/requests` workflow `publish.yml``, `no provenance`, `no provenance possible:
/// installed from git`).
pub fn publisher_label(package: &PackageEvidence) -> String {
    if !package.package.source.is_index() {
        return format!(
            "no provenance possible: installed from {}",
            match &package.package.source {
                crate::lockfile::Source::Git { .. } => "git",
                crate::lockfile::Source::Url { .. } => "a URL",
                crate::lockfile::Source::Path { .. } => "a local path",
                crate::lockfile::Source::Editable { .. } => "an editable tree",
                crate::lockfile::Source::Virtual { .. } => "a virtual workspace entry",
                crate::lockfile::Source::Index { .. } => "an index",
            }
        );
    }
    let mut verified: BTreeMap<PublisherIdentity, String> = BTreeMap::new();
    let mut others: std::collections::BTreeSet<Unverified> = Default::default();
    for artifact in &package.artifacts {
        match &artifact.provenance {
            ProvenanceStatus::Verified(v) => {
                verified
                    .entry(PublisherIdentity::of(&v.publisher))
                    .or_insert_with(|| describe(&v.publisher));
            }
            ProvenanceStatus::Absent => {
                others.insert(Unverified::Absent);
            }
            ProvenanceStatus::Invalid { .. } => {
                others.insert(Unverified::Invalid);
            }
            ProvenanceStatus::NotApplicable => {
                others.insert(Unverified::NotApplicable);
            }
            ProvenanceStatus::Unavailable { .. } => {
                others.insert(Unverified::Unavailable);
            }
        }
    }
    let parts: Vec<String> = verified
        .into_values()
        .chain(others.into_iter().map(|o| o.phrase().to_string()))
        .collect();
    if parts.is_empty() {
        return "no files locked".to_string();
    }
    parts.join("; ")
}

/// The statuses other than verified, in the order [`publishers`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unverified {
    Absent,
    Invalid,
    NotApplicable,
    Unavailable,
}

impl Unverified {
    fn phrase(self) -> &'static str {
        match self {
            Unverified::Absent => "no provenance",
            Unverified::Invalid => "invalid provenance",
            Unverified::NotApplicable => "not applicable",
            Unverified::Unavailable => "provenance unavailable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_control_characters() {
        assert_eq!(sanitize("a\x1b[2Jb\nc\rd"), "a\\u{1b}[2Jb\\nc\\rd");
        assert_eq!(sanitize("plain `text` ü"), "plain `text` ü");
        assert_eq!(sanitize("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(sanitize("x ##[add-mask]y"), "x #\\#[add-mask]y");
        assert_eq!(
            sanitize_lines("a\n\tb\r##[error]c"),
            "a\n\tb\\r#\\#[error]c"
        );
    }

    #[test]
    fn defused_json_reads_back_the_same() {
        let value = serde_json::json!({"name": "x ##[stop-commands]t ##[ \u{202e}", "n": 1});
        let text = defuse_workflow_commands(&value.to_string(), true);
        assert!(
            !text.contains("##[") && !text.contains('\u{202e}'),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}

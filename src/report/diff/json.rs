//! The JSON diff report, schema 1 (`docs/diff-schema.json`). Wire structs apart from the
//! internal types; findings have the same shape as in the `check` report.

use serde::Serialize;

use super::super::json::{finding, JsonFinding, JsonLocation, JsonPolicy, JsonPublisher, Tool};
use crate::diff::{DiffReport, PackageChange, Side};

#[derive(Serialize)]
struct JsonDiff {
    schema: u32,
    tool: Tool,
    outcome: &'static str,
    deny_warnings: bool,
    policy: JsonPolicy,
    /// The git revision the old lockfiles were read at (`--base`), else null.
    base: Option<String>,
    summary: JsonSummary,
    lockfiles: Vec<JsonLockfile>,
    introduced: Vec<JsonFinding>,
    resolved: Vec<JsonFinding>,
}

#[derive(Serialize)]
struct JsonSummary {
    added: usize,
    removed: usize,
    upgraded: usize,
    downgraded: usize,
    changed: usize,
    publisher_changed: usize,
    provenance_gained: usize,
    provenance_lost: usize,
    introduced: JsonCounts,
    resolved: usize,
}

#[derive(Serialize)]
struct JsonCounts {
    deny: usize,
    warn: usize,
    exempted: usize,
}

#[derive(Serialize)]
struct JsonLockfile {
    path: String,
    format: &'static str,
    /// How the old side is named (`REF:path` or the OLD file); null when it did not exist.
    old_path: Option<String>,
    packages: Vec<JsonChange>,
}

#[derive(Serialize)]
struct JsonChange {
    name: String,
    /// `added`, `removed`, `upgraded`, `downgraded` or `changed`.
    change: &'static str,
    before: Option<JsonSide>,
    after: Option<JsonSide>,
    publisher_changed: bool,
    /// `gained`, `lost` or null.
    provenance: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonSide {
    versions: Vec<String>,
    location: Option<JsonLocation>,
    /// `verified`, `partial`, `absent`, `not-applicable` or `unknown`.
    provenance: &'static str,
    /// The distinct verified publishers.
    publishers: Vec<JsonPublisher>,
}

fn side(side: &Side) -> JsonSide {
    JsonSide {
        versions: side.versions(),
        location: side.location().map(JsonLocation::from),
        provenance: side.provenance.as_str(),
        publishers: side.publishers.values().map(JsonPublisher::from).collect(),
    }
}

fn change(c: &PackageChange) -> JsonChange {
    JsonChange {
        name: c.name.to_string(),
        change: c.kind.as_str(),
        before: c.before.as_ref().map(side),
        after: c.after.as_ref().map(side),
        publisher_changed: c.publisher_changed,
        provenance: c.provenance.map(|p| p.as_str()),
    }
}

/// Renders the JSON diff (pretty-printed, trailing newline).
pub(super) fn render(report: &DiffReport) -> String {
    let s = report.summary();
    let wire = JsonDiff {
        schema: 1,
        tool: Tool::pubgate(),
        outcome: report.outcome().as_str(),
        deny_warnings: report.deny_warnings(),
        policy: JsonPolicy::of(report.policy()),
        base: report.base().map(str::to_string),
        summary: JsonSummary {
            added: s.added,
            removed: s.removed,
            upgraded: s.upgraded,
            downgraded: s.downgraded,
            changed: s.changed,
            publisher_changed: s.publisher_changed,
            provenance_gained: s.provenance_gained,
            provenance_lost: s.provenance_lost,
            introduced: JsonCounts {
                deny: s.deny,
                warn: s.warn,
                exempted: s.exempted,
            },
            resolved: s.resolved,
        },
        lockfiles: report
            .lockfiles()
            .iter()
            .map(|l| JsonLockfile {
                path: l.path.display().to_string(),
                format: l.format.as_str(),
                old_path: l.old_path.as_ref().map(|p| p.display().to_string()),
                packages: l.packages.iter().map(change).collect(),
            })
            .collect(),
        introduced: report.introduced().iter().map(finding).collect(),
        resolved: report.resolved().iter().map(finding).collect(),
    };
    let mut text = serde_json::to_string_pretty(&wire).unwrap_or_default();
    text.push('\n');
    text
}

//! `pubgate init --update`: bring a policy up to date with the lockfiles without taking a
//! decision away from its reviewer. Packages no `[[package]]` entry decides are pinned in
//! new entries appended to the file (the rest of the file is kept byte for byte). A package
//! whose pinned publisher no longer matches what verifies is reported, never rewritten,
//! unless it is named to be accepted: then its entry changes (edited with `toml_edit`,
//! which keeps the file's formatting and comments) and the change shows in the diff a
//! reviewer sees.

use std::collections::{BTreeMap, BTreeSet};

use super::baseline::{entries_toml, Baseline, NotPinned, PackagePin, PublisherTable};
use super::{NameEntry, PackageEntry, Policy};
use crate::dist::PackageName;

/// A pinned publisher that no longer matches what verifies.
#[derive(Debug, Clone)]
pub struct Changed<'p> {
    pub name: PackageName,
    pub specs: BTreeSet<String>,
    /// 0-based index of the deciding `[[package]]` entry.
    pub entry_index: usize,
    pub entry: &'p PackageEntry,
    /// The name in it that decides the package.
    pub name_entry: &'p NameEntry,
    /// What verifies now.
    pub now: BTreeSet<PublisherTable>,
}

/// What an update would do.
#[derive(Debug, Clone)]
pub struct Plan<'p, 'b> {
    /// Packages no entry decides, to pin in new entries.
    pub added: Vec<&'b PackagePin>,
    /// Packages whose pinned publisher changed.
    pub changed: Vec<Changed<'p>>,
    /// Packages no entry decides that cannot be pinned (no verified provenance).
    pub not_pinned: Vec<&'b NotPinned>,
    /// Packages whose entry still matches what verifies, or decides them without a publisher.
    pub unchanged: usize,
}

/// Compares `policy` with what verifies now.
pub fn plan<'p, 'b>(policy: &'p Policy, baseline: &'b Baseline) -> Plan<'p, 'b> {
    let mut plan = Plan {
        added: Vec::new(),
        changed: Vec::new(),
        not_pinned: Vec::new(),
        unchanged: 0,
    };
    for pin in baseline.pins.values() {
        let Some(decided) = policy.package_entry(&pin.name) else {
            plan.added.push(pin);
            continue;
        };
        let requirements = &decided.entry.publishers;
        let holds = requirements.is_empty()
            || pin
                .verified
                .iter()
                .all(|publisher| requirements.iter().any(|r| r.matches(publisher)));
        if holds {
            plan.unchanged += 1;
        } else {
            plan.changed.push(Changed {
                name: pin.name.clone(),
                specs: pin.specs.clone(),
                entry_index: decided.entry_index,
                entry: decided.entry,
                name_entry: &decided.entry.names[decided.name_index],
                now: pin.tables.clone(),
            });
        }
    }
    for not_pinned in &baseline.not_pinned {
        if policy.package_entry(&not_pinned.name).is_some() {
            plan.unchanged += 1;
        } else {
            plan.not_pinned.push(not_pinned);
        }
    }
    plan
}

/// Why an update could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("`{0}` is not a package whose pinned publisher changed: `--accept` names only packages the update reports as changed")]
    NotChanged(String),
    #[error("cannot edit the policy: {0}")]
    Edit(String),
}

/// The policy text after the update: new entries appended for `plan.added`; for each
/// changed package in `accept`, its entry edited (the publisher replaced when the entry
/// names only it, else the name moved to an entry of its own).
pub fn apply(
    text: &str,
    plan: &Plan<'_, '_>,
    accept: &[PackageName],
    lockfiles: &[String],
) -> Result<String, UpdateError> {
    for name in accept {
        if !plan.changed.iter().any(|c| &c.name == name) {
            return Err(UpdateError::NotChanged(name.to_string()));
        }
    }
    let accepted: Vec<&Changed<'_>> = plan
        .changed
        .iter()
        .filter(|c| accept.contains(&c.name))
        .collect();
    let mut out = if accepted.is_empty() {
        text.to_string()
    } else {
        edit_entries(text, &accepted)?
    };

    // Accepted packages that now need an entry of their own, and new packages.
    let moved: Vec<PackagePin> = accepted
        .iter()
        .filter(|c| !replaces_in_place(c))
        .map(|c| PackagePin {
            name: c.name.clone(),
            specs: c.specs.clone(),
            tables: c.now.clone(),
            verified: Vec::new(),
        })
        .collect();
    let appended: Vec<&PackagePin> = plan.added.iter().copied().chain(moved.iter()).collect();
    if !appended.is_empty() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&format!(
            "# Added by `pubgate init --update` from {}:\n",
            super::baseline::comment_text(&lockfiles.join(", "))
        ));
        let entries = entries_toml(appended);
        out.push_str(entries.trim_end_matches('\n'));
        out.push('\n');
    }
    Ok(out)
}

/// Whether accepting `change` edits its entry's `publisher` (the entry names only this
/// package, exactly) rather than moving the package to an entry of its own.
fn replaces_in_place(change: &Changed<'_>) -> bool {
    change.entry.names.len() == 1 && change.name_entry.pattern.is_exact()
}

/// The publisher value for `tables`: one inline table, or an array of them.
fn publisher_value(tables: &BTreeSet<PublisherTable>) -> Result<toml_edit::Value, UpdateError> {
    let text = match tables.iter().collect::<Vec<_>>().as_slice() {
        [one] => one.inline_toml(),
        many => format!(
            "[{}]",
            many.iter()
                .map(|t| t.inline_toml())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut value = text
        .parse::<toml_edit::Value>()
        .map_err(|e| UpdateError::Edit(format!("a publisher did not make valid TOML: {e}")))?;
    // The default `key = value` spacing, as the rest of the file writes it.
    value.decor_mut().clear();
    Ok(value)
}

/// Edits the entries of accepted changes.
fn edit_entries(text: &str, accepted: &[&Changed<'_>]) -> Result<String, UpdateError> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| UpdateError::Edit(format!("the policy is not TOML: {e}")))?;
    let entries = doc
        .get_mut("package")
        .and_then(|item| item.as_array_of_tables_mut())
        .ok_or_else(|| {
            UpdateError::Edit(
                "its entries are not `[[package]]` tables: write them as `[[package]]` tables to update them".into(),
            )
        })?;
    // Names to take out of each entry, by entry index.
    let mut removals: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for change in accepted {
        let entry = entries.get_mut(change.entry_index).ok_or_else(|| {
            UpdateError::Edit(format!(
                "the `[[package]]` entry deciding `{}` is not where the policy said",
                change.name
            ))
        })?;
        if replaces_in_place(change) {
            entry.insert(
                "publisher",
                toml_edit::Item::Value(publisher_value(&change.now)?),
            );
        } else if change.name_entry.pattern.is_exact() {
            removals
                .entry(change.entry_index)
                .or_default()
                .push(change.name_entry.pattern.as_str());
        }
    }
    // Highest index first, so removing a whole entry does not move the others.
    for (index, names) in removals.into_iter().rev() {
        let Some(entry) = entries.get_mut(index) else {
            continue;
        };
        let array = entry
            .get_mut("names")
            .and_then(|item| item.as_array_mut())
            .ok_or_else(|| {
                UpdateError::Edit("a `[[package]]` entry's `names` is not a list".into())
            })?;
        array.retain(|value| {
            value
                .as_str()
                .is_none_or(|v| !names.contains(&PackageName::new(v).as_str()))
        });
        if array.is_empty() {
            entries.remove(index);
        } else {
            array.fmt();
        }
    }
    Ok(doc.to_string())
}

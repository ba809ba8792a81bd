//! `pubgate lock`: print what the lockfile parser sees (packages, sources, artifacts,
//! unpinned requirements, indexes), as an aligned table or as JSON (schema 1).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{LockArgs, SimpleFormat};
use pubgate::lockfile::{self, LockedPackage, Lockfile, Source};

/// The JSON document: the lockfile model under a schema number.
#[derive(Serialize)]
struct LockJson<'a> {
    schema: u32,
    #[serde(flatten)]
    lockfile: &'a Lockfile,
}

pub fn run(args: LockArgs) -> anyhow::Result<ExitCode> {
    let lockfile = lockfile::read(&args.lockfile, args.lock_format)?;
    let output = match args.format {
        SimpleFormat::Json => {
            let mut json = serde_json::to_string_pretty(&LockJson {
                schema: 1,
                lockfile: &lockfile,
            })
            .context("cannot render the lockfile as JSON")?;
            json.push('\n');
            pubgate::report::defuse_workflow_commands(&json, true)
        }
        // Names, URLs and paths come from the lockfile: no terminal escapes, no `##[`.
        SimpleFormat::Human => pubgate::report::sanitize_lines(&render_human(&lockfile)),
    };
    pubgate::report::write_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}

/// `kind target`: the index URL, repository@commit, URL or path (credentials redacted).
fn describe_source(source: &Source) -> String {
    match source {
        Source::Index { url } => format!("index {url}"),
        Source::Git { url, commit } => match commit {
            Some(commit) => format!(
                "git {url} @ {}",
                commit.chars().take(12).collect::<String>()
            ),
            None => format!("git {url}"),
        },
        Source::Url { url } => format!("url {url}"),
        Source::Path { path } => format!("path {path}"),
        Source::Editable { path } => format!("editable {path}"),
        Source::Virtual { path } => format!("virtual {path}"),
    }
}

/// Longest SOURCE cell in the table; longer ones keep their start and end (JSON has it all).
const SOURCE_WIDTH: usize = 64;

fn elide(text: String, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text;
    }
    let head = max / 2 - 1;
    let tail = max - head - 1;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn render_human(lockfile: &Lockfile) -> String {
    let header = ["NAME", "VERSION", "SOURCE", "FILES", "LOCATION"];
    let rows: Vec<[String; 5]> = lockfile
        .packages
        .iter()
        .map(|package: &LockedPackage| {
            [
                if package.name.is_empty() {
                    "(unnamed)".to_string()
                } else {
                    package.name.to_string()
                },
                package.version.clone().unwrap_or_else(|| "-".into()),
                elide(describe_source(&package.source), SOURCE_WIDTH),
                package.artifacts.len().to_string(),
                package.location.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    if !rows.is_empty() {
        line(header);
        for row in &rows {
            line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        }
    }
    if !lockfile.unpinned.is_empty() {
        out.push_str("\nunpinned (not an exact `==` or `===` pin):\n");
        for unpinned in &lockfile.unpinned {
            let specifier = if unpinned.specifier.is_empty() {
                "(any version)"
            } else {
                unpinned.specifier.as_str()
            };
            let _ = writeln!(
                out,
                "  {} {specifier}  {}",
                unpinned.name, unpinned.location
            );
        }
    }
    if !lockfile.indexes.is_empty() {
        out.push_str("\nsources the installer uses:\n");
        for index in &lockfile.indexes {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                index.kind.describe(),
                index.url,
                index.location
            );
        }
    }
    let from_index = lockfile
        .packages
        .iter()
        .filter(|package| package.source.is_index())
        .count();
    let artifacts: usize = lockfile
        .packages
        .iter()
        .map(|package| package.artifacts.len())
        .sum();
    let _ = writeln!(
        out,
        "\n{} ({}): {} ({from_index} from an index, {} other), {}, {} unpinned",
        lockfile.path.display(),
        lockfile.format,
        plural(lockfile.packages.len(), "package", "packages"),
        lockfile.packages.len() - from_index,
        plural(artifacts, "artifact", "artifacts"),
        lockfile.unpinned.len()
    );
    if out.starts_with('\n') {
        out.remove(0);
    }
    out
}

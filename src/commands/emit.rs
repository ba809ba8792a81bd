//! Delivering a command's report: to `--output` or stdout (coloured only on a terminal),
//! the GitHub step summary beside `--format github`, and `--sarif FILE` from the same run.
//! One place, so `check`, `audit` and `diff` cannot drift in how they write.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use pubgate::report::{self, Format, View};

/// Where and how a report goes: the flags every reporting command shares.
pub(crate) struct Target<'a> {
    pub format: Format,
    pub output: Option<&'a Path>,
    pub sarif: Option<&'a Path>,
    pub verbose: bool,
}

/// Renders with `render` (text in a format, as a [`View`] asks) and writes it where
/// `target` says.
pub(crate) fn emit(render: &dyn Fn(Format, View) -> String, target: &Target) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let color = report::use_color(
        target.format,
        target.output.is_some(),
        stdout.is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let destination = report::Destination {
        format: target.format,
        file: target.output,
        step_summary: step_summary.as_deref(),
        color,
        verbose: target.verbose,
    };
    let choice = if color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    };
    let mut out = anstream::AutoStream::new(stdout.lock(), choice);
    report::deliver_rendered(render, &destination, &mut out)?;
    if let Some(path) = target.sarif {
        let sarif = report::Destination {
            format: Format::Sarif,
            file: Some(path),
            step_summary: None,
            color: false,
            verbose: false,
        };
        report::deliver_rendered(render, &sarif, &mut out)?;
    }
    Ok(())
}

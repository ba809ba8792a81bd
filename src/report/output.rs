//! Delivering a rendered report: to a file or stdout, plus the Markdown step summary on
//! GitHub Actions; and the one decision about colour.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{render_view, Format, Report, View};

/// Where and how a report goes.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub format: Format,
    /// Write the report here instead of stdout (never coloured).
    pub file: Option<&'a Path>,
    /// Append a Markdown summary to this file (GitHub's `GITHUB_STEP_SUMMARY`); only for
    /// [`Format::Github`].
    pub step_summary: Option<&'a Path>,
    /// ANSI styles in the human format on stdout.
    pub color: bool,
    /// Show everything the format would fold (`--verbose`).
    pub verbose: bool,
}

/// A report that could not be delivered (exit 2: the verdict must not be lost silently).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write the report to `{}`: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the report to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("cannot append the step summary to `{}`: {source}", path.display())]
    StepSummary {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes command output to stdout. A reader that went away (`pubgate lock … | head`) is
/// not an error: the exit code still carries the outcome, and nothing panics.
pub fn write_stdout(text: &str) -> Result<(), OutputError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(OutputError::Stdout),
    }
}

/// Whether to colour: only the human format, only on a terminal, never into a file, and
/// never when `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn use_color(
    format: Format,
    to_file: bool,
    stdout_is_terminal: bool,
    no_color: Option<&OsStr>,
) -> bool {
    format == Format::Human
        && !to_file
        && stdout_is_terminal
        && no_color.is_none_or(|v| v.is_empty())
}

/// Renders `report` and writes it to `destination.file` or `stdout`; with the GitHub
/// format and a step-summary path, appends the Markdown report there too.
pub fn deliver(
    report: &Report,
    destination: &Destination<'_>,
    stdout: &mut dyn Write,
) -> Result<(), OutputError> {
    deliver_rendered(
        &|format, view| render_view(report, format, view),
        destination,
        stdout,
    )
}

/// [`deliver`] for a report of any kind: `render` gives its text in a format, as `view`
/// asks (colour only for the human one on a terminal; the step summary's own wording).
pub fn deliver_rendered(
    render: &dyn Fn(Format, View) -> String,
    destination: &Destination<'_>,
    stdout: &mut dyn Write,
) -> Result<(), OutputError> {
    let view = View {
        color: false,
        verbose: destination.verbose,
        step_summary: false,
    };
    match destination.file {
        Some(path) => {
            let text = render(destination.format, view);
            std::fs::write(path, text).map_err(|source| OutputError::File {
                path: path.to_path_buf(),
                source,
            })?;
        }
        None => {
            let text = render(
                destination.format,
                View {
                    color: destination.color,
                    ..view
                },
            );
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(OutputError::Stdout)?;
        }
    }
    if let (Format::Github, Some(path)) = (destination.format, destination.step_summary) {
        let summary_error = |source| OutputError::StepSummary {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(summary_error)?;
        let summary = View {
            step_summary: true,
            ..view
        };
        file.write_all(render(Format::Markdown, summary).as_bytes())
            .map_err(summary_error)?;
    }
    Ok(())
}

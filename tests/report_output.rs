//! Delivering a report: the output file, stdout, the GitHub step summary, colour rules.

mod gate_support;

use std::ffi::OsStr;

use gate_support::*;
use pubgate::report::{
    deliver, render, render_view, use_color, Destination, Format, OutputError, Report, View,
};

fn report() -> Report {
    let (lockfiles, policy) = realistic();
    Report::check(lockfiles, &policy, today(), false)
}

#[test]
fn writes_the_output_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let mut stdout = Vec::new();
    let destination = Destination {
        format: Format::Json,
        file: Some(&path),
        step_summary: None,
        color: true,
        verbose: false,
    };
    deliver(&report(), &destination, &mut stdout).unwrap();
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        render(&report(), Format::Json, false)
    );
}

#[test]
fn output_files_are_never_coloured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    let destination = Destination {
        format: Format::Human,
        file: Some(&path),
        step_summary: None,
        color: true,
        verbose: false,
    };
    deliver(&report(), &destination, &mut Vec::new()).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains('\x1b'));
}

#[test]
fn writes_stdout_when_no_file_is_given() {
    let mut stdout = Vec::new();
    let destination = Destination {
        format: Format::Sarif,
        file: None,
        step_summary: None,
        color: false,
        verbose: false,
    };
    deliver(&report(), &destination, &mut stdout).unwrap();
    assert_eq!(
        String::from_utf8(stdout).unwrap(),
        render(&report(), Format::Sarif, false)
    );
}

#[test]
fn github_format_appends_a_markdown_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut stdout = Vec::new();
    let destination = Destination {
        format: Format::Github,
        file: None,
        step_summary: Some(&summary),
        color: false,
        verbose: false,
    };
    deliver(&report(), &destination, &mut stdout).unwrap();
    let text = std::fs::read_to_string(&summary).unwrap();
    // The Markdown report, saying where every finding is (the step's log).
    let summary_view = View {
        step_summary: true,
        ..View::default()
    };
    assert_eq!(
        text,
        format!(
            "earlier step\n{}",
            render_view(&report(), Format::Markdown, summary_view)
        )
    );
    assert!(text.contains("every finding is in this step's log"));
    assert!(String::from_utf8(stdout)
        .unwrap()
        .starts_with("::error file="));
}

#[test]
fn other_formats_leave_the_step_summary_alone() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Markdown] {
        let destination = Destination {
            format,
            file: None,
            step_summary: Some(&summary),
            color: false,
            verbose: false,
        };
        deliver(&report(), &destination, &mut Vec::new()).unwrap();
    }
    assert!(!summary.exists());
}

#[test]
fn an_unwritable_destination_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("report.json");
    let destination = Destination {
        format: Format::Json,
        file: Some(&path),
        step_summary: None,
        color: false,
        verbose: false,
    };
    let err = deliver(&report(), &destination, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, OutputError::File { .. }));
    assert!(
        err.to_string().starts_with("cannot write the report to `"),
        "{err}"
    );
    assert!(err.to_string().contains("missing-dir"));
}

#[test]
fn colour_only_for_humans_on_a_terminal_without_no_color() {
    assert!(use_color(Format::Human, false, true, None));
    assert!(use_color(Format::Human, false, true, Some(OsStr::new(""))));
    assert!(!use_color(
        Format::Human,
        false,
        true,
        Some(OsStr::new("1"))
    ));
    assert!(!use_color(Format::Human, false, false, None));
    assert!(!use_color(Format::Human, true, true, None));
    for format in [
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ] {
        assert!(!use_color(format, false, true, None), "{format:?}");
    }
}

//! The source line an error points into, with a caret under the column, as rustc and ruff
//! show it (after the `error: file:line:column: …` line):
//!
//! ```text
//!    |
//! 12 | name = "x
//!    |          ^
//! ```
//!
//! The line comes from a lockfile, so it is shown defused: control and bidirectional
//! characters as escapes, a tab as four spaces, `##[` as `#\#[`; `…` marks a cut line; no
//! colour. The caret stays under the character the error points at.

use std::fmt::Write as _;

use super::text::is_invisible_control;
use crate::lockfile::{Excerpt, LockError};

/// The excerpt of a lockfile syntax error, when its reader knew the column.
pub fn lock_error(error: &LockError) -> Option<String> {
    error
        .excerpt()
        .map(|(location, excerpt)| render(location.line, excerpt))
}

/// Three lines (gutter, source, caret), each ending in a line feed.
pub fn render(line: u32, excerpt: &Excerpt) -> String {
    let chars: Vec<char> = excerpt.text().chars().collect();
    let mut shown = String::new();
    let mut caret = 0;
    if excerpt.cut_before() {
        shown.push('…');
        caret += 1;
    }
    for (i, &c) in chars.iter().enumerate() {
        let piece = show(c, i.checked_sub(1).map(|p| chars[p]), chars.get(i + 1));
        if i < excerpt.caret() {
            caret += piece.chars().count();
        }
        shown.push_str(&piece);
    }
    if excerpt.cut_after() {
        shown.push('…');
    }
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    let mut out = String::new();
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{number} | {shown}");
    let _ = writeln!(out, "{gutter} | {}^", " ".repeat(caret));
    out
}

/// One character as shown: escaped when it could rewrite or reorder the terminal, or (the
/// second `#` of `##[`) start a workflow command.
fn show(c: char, before: Option<char>, after: Option<&char>) -> String {
    match c {
        '\t' => "    ".into(),
        '#' if before == Some('#') && after == Some(&'[') => "\\#".into(),
        c if c.is_control() => c.escape_default().collect(),
        c if is_invisible_control(c) => format!("\\u{{{:x}}}", c as u32),
        c => c.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn excerpt_of(name: &str, text: &str) -> String {
        let err = crate::lockfile::parse_str(text, Path::new(name), None).unwrap_err();
        lock_error(&err).unwrap_or_else(|| panic!("no excerpt: {err}"))
    }

    /// The column of the caret line's `^` and the character above it.
    fn caret_target(rendered: &str) -> char {
        let lines: Vec<&str> = rendered.lines().collect();
        let at = lines[2].chars().position(|c| c == '^').unwrap();
        lines[1].chars().nth(at).unwrap()
    }

    #[test]
    fn the_caret_stays_under_its_character_after_escapes() {
        // a tab, a bidirectional override and `##[` before the error, all shown longer
        let text = "version = 1\na = \"\t\u{202e}##[x\" = 1\n";
        let rendered = excerpt_of("uv.lock", text);
        assert_eq!(
            rendered,
            "  |\n2 | a = \"    \\u{202e}#\\#[x\" = 1\n  |                         ^\n"
        );
        assert_eq!(caret_target(&rendered), '=');
    }

    #[test]
    fn control_characters_are_escaped() {
        let rendered = excerpt_of("uv.lock", "version = 1\nname\u{1b}[2J = 1\n");
        assert_eq!(rendered, "  |\n2 | name\\u{1b}[2J = 1\n  |           ^\n");
        assert!(!rendered.chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn long_lines_are_cut_and_marked() {
        let pad = " ".repeat(10_000);
        let text = format!("{{\"_meta\": {{}}, \"default\": {{{pad}!{pad}}}}}");
        let rendered = excerpt_of("Pipfile.lock", &text);
        let source = rendered.lines().nth(1).unwrap();
        assert!(
            source.starts_with("1 | …") && source.ends_with('…'),
            "{source}"
        );
        assert!(source.chars().count() < crate::lockfile::MAX_EXCERPT_CHARS + 10);
        assert_eq!(caret_target(&rendered), '!');
    }
}

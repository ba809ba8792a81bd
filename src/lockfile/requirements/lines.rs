//! pip's requirements-file preprocessing, step for step (`req_file.py` `preprocess`): split
//! lines like `str.splitlines`, join `\` continuations (not after a comment line), strip
//! comments (`#` at line start or after whitespace), drop empty lines, expand `${VAR}`.

/// One logical line: the 1-based number of its first physical line, and its text after
/// joining and comment stripping (before `${VAR}` expansion, so messages never show secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LogicalLine {
    pub number: u32,
    pub text: String,
}

/// The logical lines of a requirements file, in order.
pub(super) fn logical_lines(content: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut joined: Option<(u32, String)> = None;
    for (index, line) in split_lines(content).into_iter().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let is_comment = is_comment_line(line);
        if !line.ends_with('\\') || is_comment {
            // pip prefixes comment lines with a space so the comment is stripped after joining
            let piece = if is_comment {
                format!(" {line}")
            } else {
                line.to_string()
            };
            match joined.take() {
                Some((first, mut text)) => {
                    text.push_str(&piece);
                    push(&mut out, first, &text);
                }
                None => push(&mut out, number, &piece),
            }
        } else {
            // pip's `line.strip("\\")`: backslashes go from both ends
            let piece = line.trim_matches('\\');
            match &mut joined {
                Some((_, text)) => text.push_str(piece),
                None => joined = Some((number, piece.to_string())),
            }
        }
    }
    if let Some((first, text)) = joined {
        push(&mut out, first, &text);
    }
    out
}

fn push(out: &mut Vec<LogicalLine>, number: u32, line: &str) {
    let text = strip_comment(line).trim_matches(is_python_space);
    if !text.is_empty() {
        out.push(LogicalLine {
            number,
            text: text.to_string(),
        });
    }
}

/// Python's `str.splitlines()` (without keeping ends): `\n`, `\r\n`, `\r`, and the other
/// Unicode line boundaries.
fn split_lines(content: &str) -> Vec<&str> {
    let bytes = content.as_bytes();
    // Only `\n` breaks lines unless one of the other boundaries (or the first byte of the
    // UTF-8 encoding of U+0085, U+2028, U+2029) occurs: then go through every char.
    let only_newlines = memchr::memchr3(b'\r', 0x0b, 0x0c, bytes).is_none()
        && memchr::memchr3(0x1c, 0x1d, 0x1e, bytes).is_none()
        && memchr::memchr2(0xc2, 0xe2, bytes).is_none();
    if content.is_empty() {
        return Vec::new();
    }
    if only_newlines {
        let mut lines: Vec<&str> = content.split('\n').collect();
        if content.ends_with('\n') {
            lines.pop();
        }
        return lines;
    }
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = content.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let boundary = matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !boundary {
            continue;
        }
        lines.push(&content[start..at]);
        let mut end = at + c.len_utf8();
        if c == '\r' {
            if let Some(&(next_at, '\n')) = chars.peek() {
                chars.next();
                end = next_at + 1;
            }
        }
        start = end;
    }
    if start < content.len() {
        lines.push(&content[start..]);
    }
    lines
}

/// pip's `COMMENT_RE.match`: optional whitespace, then `#`, at the start of the line.
fn is_comment_line(line: &str) -> bool {
    line.trim_start_matches(is_python_space).starts_with('#')
}

/// pip's `COMMENT_RE.sub("", line)` with `(^|\s+)#.*$`: the first `#` at the start of the
/// line or preceded by whitespace starts a comment, together with the whitespace before it.
fn strip_comment(line: &str) -> &str {
    for at in memchr::memchr_iter(b'#', line.as_bytes()) {
        let before = line[..at].chars().next_back();
        if before.is_none_or(is_python_space) {
            return line[..at].trim_end_matches(is_python_space);
        }
    }
    line
}

/// Python's `str.isspace` for the characters that can remain inside a line.
pub(super) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// pip's `${NAME}` expansion (NAME of `A-Z`, `0-9`, `_`): replaced when the variable is set
/// and not empty, left as written otherwise.
pub(super) fn expand_env(line: &str, var: &dyn Fn(&str) -> Option<String>) -> String {
    if !line.contains("${") {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if name_len > 0 && after[name_len..].starts_with('}') {
            let name = &after[..name_len];
            match var(name).filter(|value| !value.is_empty()) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[start..start + 3 + name_len]),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(content: &str) -> Vec<(u32, String)> {
        logical_lines(content)
            .into_iter()
            .map(|l| (l.number, l.text))
            .collect()
    }

    #[test]
    fn joins_continuations_keeping_the_first_line_number() {
        assert_eq!(
            lines("a==1 \\\n    --hash=sha256:x \\\n    --hash=sha256:y\nb==2\n"),
            vec![
                (
                    1,
                    "a==1     --hash=sha256:x     --hash=sha256:y".to_string()
                ),
                (4, "b==2".to_string())
            ]
        );
    }

    #[test]
    fn a_comment_line_ending_in_backslash_is_not_a_continuation() {
        assert_eq!(lines("# note \\\na==1\n"), vec![(2, "a==1".to_string())]);
    }

    #[test]
    fn a_comment_after_a_continuation_ends_the_joined_line() {
        // uv-testdata-whitespace.txt: a requirement continued into a comment line
        assert_eq!(
            lines("pandas @ git+https://x/p.git \\\n # comment\nnumpy\n"),
            vec![
                (1, "pandas @ git+https://x/p.git".to_string()),
                (3, "numpy".to_string())
            ]
        );
    }

    #[test]
    fn hash_signs_inside_tokens_are_not_comments() {
        assert_eq!(
            lines("pkg @ https://h/pkg.whl#sha256=abc # pinned\n-e git+https://h/r#egg=r\n"),
            vec![
                (1, "pkg @ https://h/pkg.whl#sha256=abc".to_string()),
                (2, "-e git+https://h/r#egg=r".to_string())
            ]
        );
        assert_eq!(lines("  # only a comment\n\n   \n"), vec![]);
    }

    #[test]
    fn crlf_cr_and_unicode_line_breaks_split_lines() {
        assert_eq!(
            lines("a==1\r\nb==2\rc==3\u{2028}d==4"),
            vec![
                (1, "a==1".to_string()),
                (2, "b==2".to_string()),
                (3, "c==3".to_string()),
                (4, "d==4".to_string())
            ]
        );
        // a CRLF continuation joins the same as LF
        assert_eq!(
            lines("a==1 \\\r\n  --hash=sha256:x\r\n"),
            lines("a==1 \\\n  --hash=sha256:x\n")
        );
    }

    #[test]
    fn trailing_backslash_on_the_last_line_and_lone_backslashes() {
        assert_eq!(lines("a==1 \\"), vec![(1, "a==1".to_string())]);
        assert_eq!(lines("\\\n\nb==1\n"), vec![(3, "b==1".to_string())]);
        // whitespace after the backslash: not a continuation (pip's TODO)
        assert_eq!(
            lines("a==1 \\ \nb==1\n"),
            vec![(1, "a==1 \\".to_string()), (2, "b==1".to_string())]
        );
    }

    #[test]
    fn split_lines_like_python() {
        assert_eq!(split_lines("a\nb\n"), vec!["a", "b"]);
        assert_eq!(split_lines("a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(
            split_lines("a\r\nb\rc\u{85}d\u{2029}e\u{c}f"),
            vec!["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(
            split_lines("caf\u{e9}\n\u{a9}\n"),
            vec!["caf\u{e9}", "\u{a9}"]
        );
        assert_eq!(split_lines(""), Vec::<&str>::new());
        assert_eq!(split_lines("\n"), vec![""]);
    }

    #[test]
    fn comments_start_at_line_start_or_after_whitespace() {
        assert_eq!(strip_comment("a==1 # c"), "a==1");
        assert_eq!(strip_comment("a==1\u{3000}# c"), "a==1");
        assert_eq!(strip_comment("u#egg=x #c"), "u#egg=x");
        assert_eq!(strip_comment("#c"), "");
        assert_eq!(strip_comment("\u{e9}#x"), "\u{e9}#x");
    }

    #[test]
    fn expands_only_upper_case_braced_variables_that_are_set() {
        let var = |name: &str| match name {
            "TOKEN" => Some("s3cret".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            expand_env("-i https://${TOKEN}@h/simple", &var),
            "-i https://s3cret@h/simple"
        );
        assert_eq!(
            expand_env("${UNSET}/${EMPTY}/$TOKEN/${token}/${", &var),
            "${UNSET}/${EMPTY}/$TOKEN/${token}/${"
        );
    }
}

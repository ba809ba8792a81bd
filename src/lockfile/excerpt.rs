//! The source line a syntax error points into, kept with the error so the binary can show it
//! with a caret under the column (`report::excerpt` renders it). Only a window of the line
//! is kept: a hostile lockfile can be one 32 MiB line.

/// Characters of a line kept around the column; longer lines are cut on both sides.
pub const MAX_EXCERPT_CHARS: usize = 200;

/// Part of one source line and the column an error points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    column: u32,
    text: String,
    caret: usize,
    cut_before: bool,
    cut_after: bool,
}

impl Excerpt {
    /// The excerpt for byte `offset` of `text` (clamped to the text, moved back to a
    /// character boundary). A line feed ends a line; a carriage return before it is dropped.
    pub(super) fn at_offset(text: &str, offset: usize) -> Excerpt {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let bytes = text.as_bytes();
        let start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |at| at + 1);
        let mut end = memchr::memchr(b'\n', &bytes[offset..]).map_or(text.len(), |at| offset + at);
        if end > offset && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        Excerpt::cut(&text[start..end], text[start..offset].chars().count())
    }

    /// The excerpt at 1-based `line` and 1-based byte `column` (as `serde_json` counts them;
    /// column 0 is the start of the line); `None` when the text has no such line.
    pub(super) fn at_line_column(text: &str, line: usize, column: usize) -> Option<Excerpt> {
        let start = match line {
            0 => return None,
            1 => 0,
            _ => memchr::memchr_iter(b'\n', text.as_bytes()).nth(line - 2)? + 1,
        };
        let line_end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |at| start + at);
        let offset = start + column.saturating_sub(1).min(line_end - start);
        Some(Excerpt::at_offset(text, offset))
    }

    /// Keeps at most [`MAX_EXCERPT_CHARS`] of `line` around character `before` (the caret).
    fn cut(line: &str, before: usize) -> Excerpt {
        let total = line.chars().count();
        let half = MAX_EXCERPT_CHARS / 2;
        let first = before
            .saturating_sub(half)
            .min(total.saturating_sub(MAX_EXCERPT_CHARS));
        let text: String = line.chars().skip(first).take(MAX_EXCERPT_CHARS).collect();
        Excerpt {
            column: u32::try_from(before + 1).unwrap_or(u32::MAX),
            cut_before: first > 0,
            cut_after: first + MAX_EXCERPT_CHARS < total,
            caret: before - first,
            text,
        }
    }

    /// The 1-based column (in characters) in the whole line.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The kept part of the line, as written (control characters included).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many characters of [`Excerpt::text`] come before the caret; may equal its length
    /// (the error is at the end of the line).
    pub fn caret(&self) -> usize {
        self.caret
    }

    /// Whether the line goes on before the kept part.
    pub fn cut_before(&self) -> bool {
        self.cut_before
    }

    /// Whether the line goes on after the kept part.
    pub fn cut_after(&self) -> bool {
        self.cut_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_character_of_the_offset() {
        let text = "version = 1\r\n[[package]\nname = \"x\"\n";
        let excerpt = Excerpt::at_offset(text, text.find("]\n").unwrap() + 1);
        assert_eq!(
            (excerpt.text(), excerpt.caret(), excerpt.column()),
            ("[[package]", 10, 11)
        );
        let excerpt = Excerpt::at_offset(text, 4);
        assert_eq!((excerpt.text(), excerpt.caret()), ("version = 1", 4));
        // past the end, inside a character: clamped, never a panic
        assert_eq!(Excerpt::at_offset("é", 1).caret(), 0);
        assert_eq!(Excerpt::at_offset("a\n", 99).text(), "");
    }

    #[test]
    fn counts_columns_in_characters() {
        let excerpt = Excerpt::at_offset("név = é", "név = é".len() - 2);
        assert_eq!((excerpt.column(), excerpt.caret()), (7, 6));
    }

    #[test]
    fn finds_a_line_and_byte_column() {
        let text = "{\n  \"a\": x\n}";
        let excerpt = Excerpt::at_line_column(text, 2, 8).unwrap();
        assert_eq!((excerpt.text(), excerpt.caret()), ("  \"a\": x", 7));
        assert_eq!(Excerpt::at_line_column(text, 2, 0).unwrap().caret(), 0);
        assert_eq!(Excerpt::at_line_column(text, 2, 999).unwrap().caret(), 8);
        assert!(Excerpt::at_line_column(text, 4, 1).is_none());
        assert!(Excerpt::at_line_column(text, 0, 1).is_none());
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let excerpt = Excerpt::at_offset(&line, 5000);
        assert_eq!(excerpt.text().chars().count(), MAX_EXCERPT_CHARS);
        assert_eq!(excerpt.text().chars().nth(excerpt.caret()), Some('X'));
        assert!(excerpt.cut_before() && excerpt.cut_after());
        assert_eq!(excerpt.column(), 5001);
        // near either end the window stays full and the caret moves instead
        let excerpt = Excerpt::at_offset(&line, 3);
        assert_eq!(
            (excerpt.caret(), excerpt.cut_before(), excerpt.cut_after()),
            (3, false, true)
        );
        let excerpt = Excerpt::at_offset(&line, line.len());
        assert_eq!(excerpt.caret(), MAX_EXCERPT_CHARS);
        assert!(excerpt.cut_before() && !excerpt.cut_after());
    }
}

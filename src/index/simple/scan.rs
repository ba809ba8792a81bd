//! Byte-scanning primitives for the page parsers, and HTML character-reference decoding.
//!
//! Every primitive examines each byte it is given at most a constant number of times, and
//! the parsers only ever move forward through their input, so parsing is linear in the
//! page. Unit tests count the bytes the primitives examine ([`steps`]): a parser that
//! re-scans its input shows up as a count that grows faster than the input does.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Records `n` bytes examined (tests only; nothing in a release build).
#[inline]
pub(super) fn count(n: usize) {
    #[cfg(test)]
    STEPS.with(|steps| steps.set(steps.get().saturating_add(n as u64)));
    #[cfg(not(test))]
    let _ = n;
}

/// Runs `f` and returns its result with the number of bytes the primitives examined.
#[cfg(test)]
pub(crate) fn steps<T>(f: impl FnOnce() -> T) -> (T, u64) {
    STEPS.with(|steps| steps.set(0));
    let out = f();
    (out, STEPS.with(std::cell::Cell::get))
}

/// The first `byte` at or after `from`.
pub(super) fn find_byte(hay: &[u8], from: usize, byte: u8) -> Option<usize> {
    let slice = hay.get(from..)?;
    let found = memchr::memchr(byte, slice);
    count(found.map_or(slice.len(), |i| i + 1));
    found.map(|i| from + i)
}

/// The first of two bytes at or after `from`.
pub(super) fn find_either(hay: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let slice = hay.get(from..)?;
    let found = memchr::memchr2(a, b, slice);
    count(found.map_or(slice.len(), |i| i + 1));
    found.map(|i| from + i)
}

/// The first ASCII-case-insensitive occurrence of `needle` (short) at or after `from`.
pub(super) fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut at = from;
    while let Some(i) = find_either(hay, at, lower, upper) {
        let window = hay.get(i..i + needle.len())?;
        count(needle.len());
        if window.eq_ignore_ascii_case(needle) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// The end of a start tag whose name ends at `from`: the index of the `>` that closes it,
/// skipping `>` inside attribute values quoted after `=`, as Python's `html.parser` (pip's
/// page parser) does. `None` when the tag never closes.
pub(super) fn start_tag_end(hay: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut after_equals = false;
    while i < hay.len() {
        count(1);
        match hay[i] {
            b'>' => return Some(i),
            b'=' => after_equals = true,
            quote @ (b'"' | b'\'') if after_equals => {
                // The quoted value runs to its closing quote; an unclosed quote never ends.
                i = find_byte(hay, i + 1, quote)?;
                after_equals = false;
            }
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    None
}

/// The longest named reference pubgate looks for (Python's `html.unescape` stops at 32).
const MAX_NAME: usize = 32;

/// Named character references decoded, with and without the `;` (HTML5 decodes these
/// legacy names without it too). The punctuation names matter: they can change what a URL
/// names (`&sol;` is `/`, `&num;` is `#`), and pip decodes them.
const NAMED: [(&str, char, bool); 22] = [
    ("amp", '&', true),
    ("lt", '<', true),
    ("gt", '>', true),
    ("quot", '"', true),
    ("AMP", '&', true),
    ("LT", '<', true),
    ("GT", '>', true),
    ("QUOT", '"', true),
    ("apos", '\'', false),
    ("sol", '/', false),
    ("num", '#', false),
    ("quest", '?', false),
    ("equals", '=', false),
    ("period", '.', false),
    ("colon", ':', false),
    ("percnt", '%', false),
    ("lowbar", '_', false),
    ("hyphen", '\u{2010}', false),
    ("plus", '+', false),
    ("commat", '@', false),
    ("excl", '!', false),
    ("comma", ',', false),
];

/// Decodes HTML character references (`&amp;`, `&#38;`, `&#x26;`, …) in one pass: each
/// `&` looks ahead at most [`MAX_NAME`] bytes, and digits of a numeric reference are
/// consumed, never re-read.
pub(super) fn decode_entities(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(amp) = find_byte(bytes, at, b'&') {
        out.push_str(&text[at..amp]);
        match reference(bytes, amp + 1) {
            Some((c, end)) => {
                out.push(c);
                at = end;
            }
            None => {
                out.push('&');
                at = amp + 1;
            }
        }
    }
    out.push_str(&text[at..]);
    out
}

/// The character a reference starting at `from` (just after `&`) stands for, and where
/// the reference ends.
fn reference(bytes: &[u8], from: usize) -> Option<(char, usize)> {
    if bytes.get(from) == Some(&b'#') {
        let hex = matches!(bytes.get(from + 1), Some(b'x' | b'X'));
        let start = from + if hex { 2 } else { 1 };
        let mut value: u32 = 0;
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            let digit = if hex {
                (b as char).to_digit(16)
            } else {
                (b as char).to_digit(10)
            };
            let Some(digit) = digit else { break };
            count(1);
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(digit);
            i += 1;
        }
        if i == start {
            return None;
        }
        if bytes.get(i) == Some(&b';') {
            i += 1;
        }
        // Out of range, surrogates and NUL become U+FFFD, as in Python and browsers.
        let c = char::from_u32(value)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        return Some((c, i));
    }
    let window = &bytes[from..bytes.len().min(from + MAX_NAME + 1)];
    count(window.len());
    for (name, c, legacy) in NAMED {
        if let Some(rest) = window.strip_prefix(name.as_bytes()) {
            if rest.first() == Some(&b';') {
                return Some((c, from + name.len() + 1));
            }
            if legacy {
                return Some((c, from + name.len()));
            }
        }
    }
    None
}

/// Decodes `%XX` escapes; invalid UTF-8 becomes U+FFFD (Python's `urllib.parse.unquote`).
pub(super) fn percent_decode(text: &str) -> String {
    count(text.len());
    crate::url::percent_decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_references_like_python() {
        assert_eq!(
            decode_entities("a&amp;b&#60;&#x3e;&bogus;&&amp&lt&sol;&num;&#65&#0;&#x110000;"),
            "a&b<>&bogus;&&</#A\u{FFFD}\u{FFFD}"
        );
        assert_eq!(decode_entities("&apos&apos;"), "&apos'");
        assert_eq!(decode_entities("no references"), "no references");
    }

    #[test]
    fn tag_ends_skip_quoted_values() {
        let tag = br#"a href="x>y" data-x='>' title=a"b>rest"#;
        let end = start_tag_end(tag, 1).unwrap();
        assert_eq!(&tag[end..], b">rest");
        assert_eq!(start_tag_end(br#"a href="never closed>"#, 1), None);
    }

    #[test]
    fn finds_case_insensitively() {
        assert_eq!(find_ci(b"xx</A>", 0, b"</a"), Some(2));
        assert_eq!(find_ci(b"xx<>", 0, b"</a"), None);
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
    }
}

//! Bytes to text exactly as pip 26 decodes a requirements file (`_decode_req_file` in
//! `pip/_internal/req/req_file.py`):
//!
//! 1. a byte order mark, tried in pip's order (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE), picks
//!    the codec for the rest (the generic `utf-32`/`utf-16` codecs still read a second BOM);
//! 2. else the first of the first two `\n`-separated lines that *starts* with `#` and matches
//!    `coding[:=]\s*([-\w.]+)` names a codec, looked up like Python's registry;
//! 3. else UTF-8. pip then falls back to the locale's encoding; pubgate does not guess the
//!    installer's locale, so a file that is not UTF-8 must say what it is.
//!
//! A codec pubgate cannot decode exactly as Python does is an error, never a guess.

#[allow(clippy::all)]
#[rustfmt::skip]
#[path = "pycodecs.rs"]
mod pycodecs;

use pycodecs::{Codec, ALIASES, CODECS};

/// Why a requirements file cannot be decoded: the 1-based line, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub line: u32,
    pub message: String,
}

/// Decodes a requirements file the way pip does, or says where and why it cannot.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    // pip's BOMS list (on a little-endian machine, where `BOM_UTF32` is `BOM_UTF32_LE`)
    const BOMS: [(&[u8], Codec); 7] = [
        (b"\xEF\xBB\xBF", Codec::Utf8),
        (b"\xFF\xFE\x00\x00", Codec::Utf32),
        (b"\x00\x00\xFE\xFF", Codec::Utf32Be),
        (b"\xFF\xFE\x00\x00", Codec::Utf32Le),
        (b"\xFF\xFE", Codec::Utf16),
        (b"\xFE\xFF", Codec::Utf16Be),
        (b"\xFF\xFE", Codec::Utf16Le),
    ];
    for (bom, codec) in BOMS {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return run(codec, rest).map_err(|line| DecodeError {
                line,
                message: format!(
                    "is not valid {} although it starts with its byte order mark: save it as UTF-8",
                    codec_label(codec)
                ),
            });
        }
    }
    for (index, line) in bytes.split(|&b| b == b'\n').take(2).enumerate() {
        let number = index as u32 + 1;
        if line.first() != Some(&b'#') {
            continue;
        }
        let Some(name) = coding_name(line) else {
            continue;
        };
        let codec = lookup(name).map_err(|reason| DecodeError {
            line: number,
            message: reason,
        })?;
        return run(codec, bytes).map_err(|line| DecodeError {
            line,
            message: format!(
                "is not valid `{name}` (the encoding its coding line declares): fix the bytes or the declaration"
            ),
        });
    }
    run(Codec::Utf8, bytes).map_err(|line| DecodeError {
        line,
        message: "is not valid UTF-8 and declares no encoding: pip would decode it with its machine's locale encoding, which pubgate cannot know; save it as UTF-8 or declare the encoding with a `# -*- coding: NAME -*-` first line".into(),
    })
}

/// `coding[:=]\s*([-\w.]+)` searched in a line (bytes: `\s` and `\w` are ASCII).
fn coding_name(line: &[u8]) -> Option<&str> {
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&line[from..], b"coding") {
        let after = from + at + b"coding".len();
        from += at + 1;
        if !matches!(line.get(after), Some(b':' | b'=')) {
            continue;
        }
        let rest = &line[after + 1..];
        let start = rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
            .unwrap_or(rest.len());
        let len = rest[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        if len > 0 {
            // only ASCII bytes were taken
            return std::str::from_utf8(&rest[start..start + len]).ok();
        }
    }
    None
}

/// Python's codec lookup (`_Py_normalize_encoding`, then `encodings.search_function`).
fn lookup(name: &str) -> Result<Codec, String> {
    let normalized = normalize(name);
    let alias = |key: &str| {
        ALIASES
            .binary_search_by(|(alias, _)| alias.cmp(&key))
            .ok()
            .map(|at| ALIASES[at].1)
    };
    let aliased = alias(&normalized).or_else(|| alias(&normalized.replace('.', "_")));
    let module = aliased
        .into_iter()
        .chain(std::iter::once(normalized.as_str()))
        .filter(|module| !module.is_empty() && !module.contains('.'))
        .find_map(|module| {
            CODECS
                .binary_search_by(|(known, _)| known.cmp(&module))
                .ok()
                .map(|at| CODECS[at].1)
        });
    match module {
        Some(Codec::NotText) => Err(format!(
            "declares the encoding `{name}`, which is not a text encoding (pip fails on it): declare a text encoding, or none for UTF-8"
        )),
        Some(Codec::Unsupported) => Err(format!(
            "declares the encoding `{name}`, which pubgate does not decode (multi-byte and escape codecs are refused rather than guessed): save the file as UTF-8"
        )),
        Some(codec) => Ok(codec),
        None => Err(format!(
            "declares the encoding `{name}`, which Python does not know (pip fails on it): fix the coding line"
        )),
    }
}

/// Runs of characters other than ASCII letters, digits and `.` become one `_` (none at
/// either end); letters are lowercased.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(c.to_ascii_lowercase());
        } else {
            punct = true;
        }
    }
    out
}

fn codec_label(codec: Codec) -> &'static str {
    match codec {
        Codec::Utf8 | Codec::Utf8Sig => "UTF-8",
        Codec::Utf16 | Codec::Utf16Le | Codec::Utf16Be => "UTF-16",
        Codec::Utf32 | Codec::Utf32Le | Codec::Utf32Be => "UTF-32",
        _ => "text",
    }
}

/// Decodes with `codec` (strict errors); `Err` is the 1-based line of the first error.
fn run(codec: Codec, bytes: &[u8]) -> Result<String, u32> {
    let line_at = |offset: usize| {
        let newlines = memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count();
        u32::try_from(newlines + 1).unwrap_or(u32::MAX)
    };
    match codec {
        Codec::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(err) => Err(line_at(err.valid_up_to())),
        },
        Codec::Utf8Sig => run(
            Codec::Utf8,
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        ),
        Codec::Utf16 => match bytes {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            _ => utf16(bytes, false),
        },
        Codec::Utf16Le => utf16(bytes, false),
        Codec::Utf16Be => utf16(bytes, true),
        Codec::Utf32 => match bytes {
            [0xFF, 0xFE, 0x00, 0x00, rest @ ..] => utf32(rest, false),
            [0x00, 0x00, 0xFE, 0xFF, rest @ ..] => utf32(rest, true),
            _ => utf32(bytes, false),
        },
        Codec::Utf32Le => utf32(bytes, false),
        Codec::Utf32Be => utf32(bytes, true),
        Codec::Table(table) => {
            let mut map = ['\u{fffe}'; 256];
            for (slot, c) in map.iter_mut().zip(table.chars()) {
                *slot = c;
            }
            let mut out = String::with_capacity(bytes.len());
            for (at, &byte) in bytes.iter().enumerate() {
                let c = map[usize::from(byte)];
                if c == '\u{fffe}' {
                    return Err(line_at(at));
                }
                out.push(c);
            }
            Ok(out)
        }
        Codec::NotText | Codec::Unsupported => Err(1),
    }
}

/// UTF-16 without a BOM to interpret; `Err` is the line of the first bad unit.
fn utf16(bytes: &[u8], big_endian: bool) -> Result<String, u32> {
    let units = bytes.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => out.push(c),
            Err(_) => return Err(lines_in(&out)),
        }
    }
    if !bytes.len().is_multiple_of(2) {
        return Err(lines_in(&out));
    }
    Ok(out)
}

/// UTF-32 without a BOM to interpret; `Err` is the line of the first bad unit.
fn utf32(bytes: &[u8], big_endian: bool) -> Result<String, u32> {
    let mut out = String::with_capacity(bytes.len() / 4);
    for quad in bytes.chunks(4) {
        let Ok(quad) = <[u8; 4]>::try_from(quad) else {
            return Err(lines_in(&out));
        };
        let unit = if big_endian {
            u32::from_be_bytes(quad)
        } else {
            u32::from_le_bytes(quad)
        };
        match char::from_u32(unit) {
            Some(c) => out.push(c),
            None => return Err(lines_in(&out)),
        }
    }
    Ok(out)
}

/// The line the next character of a partly decoded text is on.
fn lines_in(decoded: &str) -> u32 {
    u32::try_from(decoded.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(CODECS.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, codec) in CODECS {
            if let Codec::Table(table) = codec {
                assert_eq!(table.chars().count(), 256);
            }
        }
    }

    #[test]
    fn codec_names_resolve_like_python() {
        let table = |name| match lookup(name) {
            Ok(Codec::Table(t)) => t.chars().nth(0xE9),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(table("latin-1"), Some('\u{e9}'));
        assert_eq!(table("ISO-8859-1"), Some('\u{e9}'));
        assert_eq!(table("--Latin--1--"), Some('\u{e9}'));
        assert_eq!(table("iso8859.1"), Some('\u{e9}'));
        assert_eq!(table("cp1252"), Some('\u{e9}'));
        assert_eq!(table("windows-1252"), Some('\u{e9}'));
        assert_eq!(table("koi8-r"), Some('\u{418}'));
        assert_eq!(table("ascii"), Some('\u{fffe}'));
        assert_eq!(lookup("UTF8"), Ok(Codec::Utf8));
        assert_eq!(lookup("u8"), Ok(Codec::Utf8));
        assert_eq!(lookup("utf-8-sig"), Ok(Codec::Utf8Sig));
        assert_eq!(lookup("UTF-16"), Ok(Codec::Utf16));
        assert!(lookup("shift_jis").unwrap_err().contains("does not decode"));
        assert!(lookup("utf-7").unwrap_err().contains("does not decode"));
        assert!(lookup("rot13").unwrap_err().contains("not a text encoding"));
        assert!(lookup("aliases").unwrap_err().contains("does not know"));
        assert!(lookup("bogus").unwrap_err().contains("does not know"));
    }

    #[test]
    fn a_coding_line_on_line_two_counts_after_a_comment_without_one() {
        // the bug this replaced: giving up after a first comment line without `coding`
        let text = decode(b"# requirements\n# -*- coding: latin-1 -*-\nr\xc3\xa9==1\n").unwrap();
        assert_eq!(
            text,
            "# requirements\n# -*- coding: latin-1 -*-\nr\u{c3}\u{a9}==1\n"
        );
        // the line must start with `#`; the regex is searched, later matches count
        assert_eq!(
            decode(b" # coding: latin-1\n\xc3\xa9").unwrap(),
            " # coding: latin-1\n\u{e9}"
        );
        assert_eq!(
            decode(b"#coding is fun, coding=cp1252\n\x80").unwrap(),
            "#coding is fun, coding=cp1252\n\u{20ac}"
        );
        // only the first two lines
        assert_eq!(
            decode(b"#\n#\n# coding: latin-1\n").unwrap(),
            "#\n#\n# coding: latin-1\n"
        );
        // a lone CR does not end a line here
        assert_eq!(
            decode(b"a\r# coding: latin-1\n").unwrap(),
            "a\r# coding: latin-1\n"
        );
    }

    #[test]
    fn byte_order_marks_in_pips_order() {
        assert_eq!(decode(b"\xEF\xBB\xBFa==1").unwrap(), "a==1");
        // a second UTF-8 BOM stays (pip uses `utf-8`, not `utf-8-sig`)
        assert_eq!(decode(b"\xEF\xBB\xBF\xEF\xBB\xBFa").unwrap(), "\u{feff}a");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(utf16le("a==1\n"));
        assert_eq!(decode(&utf16).unwrap(), "a==1\n");
        // `utf-16` reads a second BOM, which may switch the byte order
        let mut switched = vec![0xFF, 0xFE, 0xFE, 0xFF];
        switched.extend("a".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&switched).unwrap(), "a");
        // FF FE 00 00 is UTF-32 (pip tries it before UTF-16)
        let mut utf32 = vec![0xFF, 0xFE, 0x00, 0x00];
        utf32.extend("b==2".chars().flat_map(|c| (c as u32).to_le_bytes()));
        assert_eq!(decode(&utf32).unwrap(), "b==2");
        let mut utf32be = vec![0x00, 0x00, 0xFE, 0xFF];
        utf32be.extend("b".chars().flat_map(|c| (c as u32).to_be_bytes()));
        assert_eq!(decode(&utf32be).unwrap(), "b");
        let odd = [0xFF, 0xFE, b'a'];
        assert!(decode(&odd).is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let err = decode(b"a==1\nb==2\n\xFF\n").unwrap_err();
        assert_eq!(err.line, 3);
        let err = decode(b"# coding: ascii\nok\n\xE9\n").unwrap_err();
        assert_eq!(err.line, 3);
        let err = decode(b"#\n# vim: set fileencoding=bogus :\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("`bogus`"), "{}", err.message);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(utf16le("a\nb\n"));
        utf16.extend([0x00, 0xD8, b'x', 0]);
        assert_eq!(decode(&utf16).unwrap_err().line, 3);
    }
}

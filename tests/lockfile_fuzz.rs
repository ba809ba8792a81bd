//! Property tests: every reader gets arbitrary bytes, lockfile-flavoured token soup and
//! mutated real lockfiles (byte flips, truncations, deleted and duplicated lines, inserted
//! bytes). None may panic or take long; the uv fast path must agree with the TOML path.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use pubgate::lockfile::{self, LockFormat};

/// Generous: a debug build reads the largest fixture in well under a second.
const BUDGET: Duration = Duration::from_secs(10);

const FIXTURES: &[(&str, LockFormat)] = &[
    (
        "fixtures/lockfiles/uv/forks-workspace.uv.lock",
        LockFormat::Uv,
    ),
    ("fixtures/lockfiles/uv/exo.uv.lock", LockFormat::Uv),
    ("fixtures/lockfiles/uv/built-by-uv.uv.lock", LockFormat::Uv),
    (
        "fixtures/lockfiles/poetry/poetry-paths.poetry.lock",
        LockFormat::Poetry,
    ),
    (
        "fixtures/lockfiles/poetry/poetry-1.1.poetry.lock",
        LockFormat::Poetry,
    ),
    (
        "fixtures/lockfiles/pylock/forks.pylock.toml",
        LockFormat::Pylock,
    ),
    (
        "fixtures/lockfiles/pylock/spec-example.pylock.toml",
        LockFormat::Pylock,
    ),
    (
        "fixtures/lockfiles/pipfile/pipenv-examples.Pipfile.lock",
        LockFormat::Pipfile,
    ),
    ("fixtures/lockfiles/pdm/pdm-4.0.pdm.lock", LockFormat::Pdm),
    ("fixtures/lockfiles/pdm/pdm-demo.pdm.lock", LockFormat::Pdm),
    (
        "fixtures/lockfiles/requirements/forks.uv-export.txt",
        LockFormat::Requirements,
    ),
    (
        "fixtures/lockfiles/requirements/uv-testdata-whitespace.txt",
        LockFormat::Requirements,
    ),
    (
        "fixtures/lockfiles/requirements/uv-testdata-poetry-with-hashes.txt",
        LockFormat::Requirements,
    ),
    (
        "fixtures/lockfiles/requirements/uv-testdata-editable.txt",
        LockFormat::Requirements,
    ),
];

fn fixture_bytes() -> &'static Vec<Vec<u8>> {
    static BYTES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    BYTES.get_or_init(|| {
        FIXTURES
            .iter()
            .map(|(path, _)| std::fs::read(path).unwrap())
            .collect()
    })
}

/// Parses with every reader (and with detection), checking time; for uv, that the fast
/// path and the TOML path agree.
fn parse_everything(text: &str, name: &str) {
    let path = Path::new(name);
    let start = Instant::now();
    let _ = lockfile::parse_str(text, path, None);
    for format in LockFormat::ALL {
        let result = lockfile::parse_str(text, path, Some(format));
        if format == LockFormat::Uv {
            let slow = lockfile::parse_uv_without_fast_path(text, path);
            match (&result, &slow) {
                (Ok(fast), Ok(slow)) => assert_eq!(fast, slow),
                (Err(_), Err(_)) => {}
                _ => panic!("uv fast path disagrees: {result:?} vs {slow:?}"),
            }
        }
    }
    assert!(start.elapsed() < BUDGET, "took {:?}", start.elapsed());
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Truncate { at: usize },
    DeleteLine { line: usize },
    DuplicateLine { line: usize },
    Insert { at: usize, bytes: Vec<u8> },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    let line_spans = |bytes: &[u8]| -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut start = 0;
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                spans.push((start, i + 1));
                start = i + 1;
            }
        }
        if start < bytes.len() {
            spans.push((start, bytes.len()));
        }
        spans
    };
    match mutation {
        Mutation::Flip { at, byte } => {
            let at = at % bytes.len();
            bytes[at] ^= byte | 1;
        }
        Mutation::Truncate { at } => bytes.truncate(at % bytes.len()),
        Mutation::DeleteLine { line } => {
            let spans = line_spans(&bytes);
            let (start, end) = spans[line % spans.len()];
            bytes.drain(start..end);
        }
        Mutation::DuplicateLine { line } => {
            let spans = line_spans(&bytes);
            let (start, end) = spans[line % spans.len()];
            let copy = bytes[start..end].to_vec();
            bytes.splice(start..start, copy);
        }
        Mutation::Insert { at, bytes: insert } => {
            let at = at % bytes.len();
            bytes.splice(at..at, insert.iter().copied());
        }
    }
    bytes
}

/// Pieces of every format, for inputs that get past the first syntax checks.
const TOKENS: &[&str] = &[
    "[[package]]",
    "[[packages]]",
    "[metadata]",
    "[metadata.files]",
    "[package.source]",
    "version = 1",
    "revision = 3",
    "lock-version = \"1.0\"",
    "lock_version = \"4.5.0\"",
    "name = \"a\"",
    "name = \"Zope.Interface\"",
    "version = \"1.0\"",
    "version = \"==1\"",
    "source = { registry = \"https://pypi.org/simple\" }",
    "source = { git = \"https://h/r#abc\" }",
    "source = { editable = \".\" }",
    "sdist = { url = \"https://h/a-1.tar.gz\", hash = \"sha256:00\" }",
    "wheels = [",
    "    { url = \"https://h/a-1-py3-none-any.whl\", size = 1 },",
    "]",
    "type = \"legacy\"",
    "url = \"https://pypi.org/simple\"",
    "files = [{file = \"a-1.tar.gz\", hash = \"sha256:ab\"}]",
    "{",
    "}",
    "\"_meta\": {\"pipfile-spec\": 6}",
    "\"default\": {",
    "\"a\": {\"version\": \"==1\"}",
    ",",
    "a==1",
    "b===x",
    "c>=1",
    "-e .",
    "-r other.txt",
    "-c c.txt",
    "--hash=sha256:",
    "--hash",
    "\\",
    "#",
    " # c",
    "${HOME}",
    "; python_version < '3'",
    "@ https://h/x.whl",
    "git+https://h/r.git@v1#egg=r",
    "--index-url https://m/simple",
    "\r",
    "\t",
    "\"",
    "'",
    "\"\"\"",
    "[",
    "=",
];

proptest! {
    // `PROPTEST_CASES=5000 cargo test --test lockfile_fuzz` for a longer run
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse_everything(&String::from_utf8_lossy(&bytes), "lockfile");
        parse_everything(&String::from_utf8_lossy(&bytes), "requirements.txt");
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        parse_everything(&text, "lockfile");
    }

    #[test]
    fn token_soup(tokens in prop::collection::vec((0..TOKENS.len(), prop_oneof![Just(" "), Just("\n"), Just("")]), 0..60)) {
        let text: String = tokens.iter().map(|(i, sep)| format!("{}{sep}", TOKENS[*i])).collect();
        parse_everything(&text, "lockfile");
    }

    #[test]
    fn mutated_real_lockfiles(
        which in 0..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (path, format) = FIXTURES[which];
        let mut bytes = fixture_bytes()[which].clone();
        for mutation in &mutations {
            bytes = apply(bytes, mutation);
        }
        let text = String::from_utf8_lossy(&bytes);
        let start = Instant::now();
        let result = lockfile::parse_str(&text, Path::new(path), Some(format));
        if format == LockFormat::Uv {
            let slow = lockfile::parse_uv_without_fast_path(&text, Path::new(path));
            match (&result, &slow) {
                (Ok(fast), Ok(slow)) => prop_assert_eq!(fast, slow),
                (Err(_), Err(_)) => {}
                _ => prop_assert!(false, "uv fast path disagrees: {:?} vs {:?}", result.is_ok(), slow.is_ok()),
            }
        }
        prop_assert!(start.elapsed() < BUDGET, "took {:?}", start.elapsed());
        // the file-reading path too (size limit, decoding)
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(Path::new(path).file_name().unwrap());
        std::fs::write(&copy, &bytes).unwrap();
        let _ = lockfile::read(&copy, Some(format));
    }
}

/// A uv.lock in the exact layout uv writes, whose artifact lines the fast path reads itself.
const CANONICAL_UV: &str = r#"version = 1
revision = 3
requires-python = ">=3.9"

[[package]]
name = "attrs"
version = "25.3.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "idna" },
]
sdist = { url = "https://files.pythonhosted.org/packages/5a/b0/attrs-25.3.0.tar.gz", hash = "sha256:75d7cefc7fb576747b2c81b4442d4d4a1ce0900973527c011d1030fd3bf4af1b", size = 810562, upload-time = "2025-03-13T11:10:22.779Z" }
wheels = [
    { url = "https://files.pythonhosted.org/packages/77/06/attrs-25.3.0-py3-none-any.whl", hash = "sha256:427318ce031701fea540783410126f03899a97ffc6f61596ad581ac2e40e3bc3", size = 63815, upload-time = "2025-03-13T11:10:21.14Z" },
    { url = "https://files.pythonhosted.org/packages/77/07/attrs-25.3.0-cp312-cp312-manylinux_2_17_x86_64.whl", hash = "sha256:527318ce031701fea540783410126f03899a97ffc6f61596ad581ac2e40e3bc3", size = 63816 },
]
"#;

/// Pieces that make a canonical artifact line invalid TOML, or valid TOML of another
/// meaning, or change a value: the fast path must never accept what the TOML path refuses.
const INVALID_PIECES: &[&str] = &[
    "\\q",
    "\\",
    "\"",
    "\u{1}",
    "\u{7f}",
    "\t",
    "\r",
    "\n",
    ",",
    ",,",
    "=",
    "==",
    "{",
    "}",
    "[",
    "]",
    "#",
    " hash = \"sha256:00\",",
    " url = \"x\",",
    " size = 1,",
    " size = -1,",
    " size = 1.5,",
    " size = 0x10,",
    " size = 1_000,",
    " size = +1,",
    " Size = 1,",
    " url.x = 1,",
    " 'url' = \"x\",",
    " \"url\" = \"x\",",
    " zstd = { hash = \"sha256:00\" },",
    "\\u0041",
    "\\U00000041",
    "\\n",
    "'",
    "'''",
    "\"\"\"",
    " ",
    "  ",
    "é",
    "\u{feff}",
    "\u{2028}",
    "}}",
    "{ }",
    "= =",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    /// The uv fast path agrees with the TOML path on validity, not only on results: an
    /// artifact or dependency line broken anywhere is refused by both (at the same line)
    /// or read alike by both.
    #[test]
    fn uv_fast_path_agrees_on_invalid_lines(
        edits in prop::collection::vec((10usize..17, any::<usize>(), 0..INVALID_PIECES.len(), any::<bool>()), 1..4),
    ) {
        let mut lines: Vec<String> = CANONICAL_UV.lines().map(str::to_string).collect();
        for (line, at, piece, replace) in &edits {
            let count = lines.len();
            let text = &mut lines[*line % count];
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let at = boundaries[*at % boundaries.len()];
            if *replace && at < text.len() {
                let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                text.replace_range(at..end, INVALID_PIECES[*piece]);
            } else {
                text.insert_str(at, INVALID_PIECES[*piece]);
            }
        }
        let text = lines.join("\n") + "\n";
        let path = Path::new("uv.lock");
        let fast = lockfile::parse_str(&text, path, Some(LockFormat::Uv));
        let slow = lockfile::parse_uv_without_fast_path(&text, path);
        match (&fast, &slow) {
            (Ok(fast), Ok(slow)) => prop_assert_eq!(fast, slow),
            (Err(fast), Err(slow)) => {
                let line = |e: &lockfile::LockError| match e {
                    lockfile::LockError::Syntax { location, .. } => Some(location.line),
                    _ => None,
                };
                prop_assert_eq!(line(fast), line(slow), "fast: {}\nslow: {}\n{}", fast, slow, text);
            }
            _ => prop_assert!(false, "uv fast path disagrees on validity: fast {:?}, slow {:?}\n{}", fast.as_ref().map(|_| ()), slow.as_ref().map(|_| ()), text),
        }
    }
}

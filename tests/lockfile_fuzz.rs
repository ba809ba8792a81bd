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

//! requirements files: pubgate's reader against pip's own parser
//! (`drivers/pip_requirements.py`), on a few hundred generated files: encodings (BOMs,
//! coding lines on line 1 and 2, undeclared bytes), every line separator, continuations,
//! comments, options (index, find-links, trusted-host, abbreviations, unknown ones),
//! hashes in several algorithms, direct URLs with URL hashes, editables, includes and
//! invalid lines. Both must agree on what is installed (name, pin or specifier, URL,
//! hashes by algorithm, marker present, file and line) and on the sources pip uses; a file
//! pip refuses, pubgate refuses. pubgate may refuse more only for the deliberate,
//! documented fail-closed reasons in `DELIBERATE`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pubgate::lockfile::{self, IndexKind, LockFormat, Lockfile, Source};

use crate::harness::{self, Rng};

const SEED: u64 = 0x5EED_0263;
const CASES: usize = 320;
const PYPI: &str = "https://pypi.org/simple";

/// Errors pubgate raises on files pip's parser accepts, each a documented fail-closed
/// choice (docs/lockfiles.md): a malformed digest (pip keeps it and then matches no file), a
/// codec pubgate does not decode exactly as Python (multi-byte and escape codecs), and hashes
/// on a VCS requirement (pip's parser keeps them; its installer then refuses the file).
const DELIBERATE: [&str; 3] = [
    "hexadecimal digits",
    "which pubgate does not decode",
    "pip cannot check hashes of a version-control checkout",
];

/// pip errors on which pubgate reads the file, each documented: a requirement that looks
/// like a path (has a `/` or starts with `.`) and is not an archive is a local source tree
/// to pubgate (kind `path`, never an index package), and `-e PATH` an editable one; pip
/// takes them only if that directory exists where it runs, which pubgate cannot know.
const LENIENT: [&str; 2] = [
    "It looks like a path",
    "is not a valid editable requirement. It should either be a path to a local project",
];

#[test]
fn pubgate_reads_requirements_files_as_pip_does() {
    let Some(python) = harness::python_with("pip", "pip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `PUBGATE_DIFFERENTIAL_KEEP=DIR` writes the cases there, to look at a failing one
    let kept = std::env::var_os("PUBGATE_DIFFERENTIAL_KEEP").map(PathBuf::from);
    let root = kept.as_deref().unwrap_or(dir.path());
    // another seed explores further (`PUBGATE_DIFFERENTIAL_SEED=7 cargo test --test differential`)
    let seed = std::env::var("PUBGATE_DIFFERENTIAL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(SEED);
    let mut rng = Rng::new(seed);
    let cases: Vec<(String, PathBuf)> = (0..CASES)
        .map(|n| {
            let case_dir = root.join(format!("case-{n}"));
            (format!("case-{n}"), write_case(&mut rng, &case_dir))
        })
        .collect();
    let (header, answers) = harness::run_driver(&python, "pip_requirements.py", &cases);
    assert_eq!(header["pip"], harness::pinned_version("pip"));

    let mut failures = Vec::new();
    let (mut agreed_ok, mut agreed_err, mut deliberate) = (0, 0, 0);
    for ((case, path), pip) in cases.iter().zip(&answers) {
        let ours = lockfile::read(path, Some(LockFormat::Requirements));
        let pip_ok = pip["ok"].as_bool() == Some(true);
        match (ours, pip_ok) {
            (Ok(lock), true) => {
                let theirs = pip_records(pip);
                let ours =
                    constrained_like_pip(named_like_pip(records(&lock), &theirs), &theirs, pip);
                let (our_sources, their_sources) = (sources(&lock), pip_sources(pip));
                if ours != theirs || !same_sources(&our_sources, &their_sources) {
                    failures.push(format!(
                        "{case}: different readings\n  file: {}\n  pubgate: {ours:#?}\n  pip:     {theirs:#?}\n  pubgate sources: {our_sources:?}\n  pip sources:     {their_sources:?}",
                        show(path)
                    ));
                } else {
                    agreed_ok += 1;
                }
            }
            (Err(err), false) => {
                agreed_err += 1;
                if std::env::var_os("PUBGATE_DIFFERENTIAL_VERBOSE").is_some() {
                    eprintln!(
                        "{case}: both refuse\n  pip: {}\n  pubgate: {err}",
                        pip["error"]
                    );
                }
            }
            (Err(err), true) => {
                let err = err.to_string();
                if DELIBERATE.iter().any(|reason| err.contains(reason)) {
                    deliberate += 1;
                } else {
                    failures.push(format!(
                        "{case}: pubgate refuses what pip reads: {err}\n  file: {}",
                        show(path)
                    ));
                }
            }
            (Ok(_), false)
                if LENIENT
                    .iter()
                    .any(|reason| pip["error"].as_str().is_some_and(|e| e.contains(reason))) =>
            {
                deliberate += 1;
            }
            (Ok(_), false) => failures.push(format!(
                "{case}: pip refuses what pubgate reads: {}\n  file: {}",
                pip["error"],
                show(path)
            )),
        }
    }
    eprintln!(
        "differential against pip {} (seed {seed}): {agreed_ok} read alike, {agreed_err} refused by both, {deliberate} read differently on purpose",
        header["pip"]
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // the generator must exercise both sides of every outcome
    assert!(agreed_ok > CASES / 4 && agreed_err > 10 && deliberate > 0);
}

fn show(path: &Path) -> String {
    let mut out = format!(
        "{:?}",
        String::from_utf8_lossy(&std::fs::read(path).unwrap())
    );
    for include in ["inc.txt", "cons.txt"] {
        if let Ok(bytes) = std::fs::read(path.with_file_name(include)) {
            out.push_str(&format!(
                "\n  {include}: {:?}",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    out
}

/// What is installed, as comparable records: (file, line, kind, name, pin or specifier,
/// URL, sorted hashes, marker present).
type Record = (
    String,
    u32,
    String,
    String,
    Vec<String>,
    Option<String>,
    Vec<String>,
    bool,
);

fn records(lock: &Lockfile) -> BTreeSet<Record> {
    let mut out = BTreeSet::new();
    for package in &lock.packages {
        let (kind, url) = match &package.source {
            Source::Index { url } => ("pin", Some(url.expose().to_string())),
            Source::Url { url } => ("direct", Some(url.expose().to_string())),
            Source::Path { .. } => ("direct", None),
            Source::Git { .. } => ("vcs", None),
            Source::Editable { .. } => ("editable-path", None),
            Source::Virtual { .. } => ("virtual", None),
        };
        let specifier = match kind {
            "pin" => vec![package.version.clone().unwrap_or_default()],
            _ => package.version.iter().map(|v| format!("=={v}")).collect(),
        };
        let mut hashes = BTreeSet::new();
        for artifact in &package.artifacts {
            if let Some(sha256) = &artifact.sha256 {
                hashes.insert(format!("sha256:{sha256}"));
            }
            for other in &artifact.other_hashes {
                hashes.insert(other.to_string());
            }
        }
        out.insert((
            file_name(&package.location.path),
            package.location.line,
            kind.to_string(),
            package.name.to_string(),
            specifier,
            url,
            hashes.into_iter().collect(),
            package.marker.is_some(),
        ));
    }
    for unpinned in &lock.unpinned {
        let mut specifier: Vec<String> = unpinned
            .specifier
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        specifier.sort();
        out.insert((
            file_name(&unpinned.location.path),
            unpinned.location.line,
            "unpinned".into(),
            unpinned.name.to_string(),
            specifier,
            None,
            Vec::new(),
            // the model keeps no marker for unpinned requirements
            false,
        ));
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn pip_records(pip: &serde_json::Value) -> BTreeSet<Record> {
    let mut out = Vec::new();
    let index_urls = strings(&pip["index_urls"]);
    let find_links = strings(&pip["find_links"]);
    let primary = index_urls
        .first()
        .or(find_links.first())
        .cloned()
        .unwrap_or_else(|| PYPI.to_string());
    for req in pip["requirements"].as_array().into_iter().flatten() {
        let kind = req["kind"].as_str().unwrap_or("?").to_string();
        let mut specifier = strings(&req["specifier"]);
        let url = match kind.as_str() {
            "pin" => {
                // the pinned version, its operator dropped (pubgate keeps `==` and `===` alike)
                specifier = specifier
                    .iter()
                    .map(|s| s.trim_start_matches('=').to_string())
                    .collect();
                Some(primary.clone())
            }
            "direct" => req["url"].as_str().map(str::to_string),
            _ => None,
        };
        let marker = kind != "unpinned" && req["marker"].as_bool() == Some(true);
        // pubgate keeps no hashes for unpinned requirements (they are a finding of their own)
        let hashes = if kind == "unpinned" {
            Vec::new()
        } else {
            strings(&req["hashes"])
        };
        out.push((
            req["file"].as_str().unwrap_or("?").to_string(),
            u32::try_from(req["line"].as_u64().unwrap_or(0)).unwrap_or(0),
            kind,
            req["name"].as_str().unwrap_or("").to_string(),
            specifier,
            url,
            hashes,
            marker,
        ));
    }
    without_repeats(out)
}

/// pip leaves a bare non-wheel URL unnamed until it builds it; pubgate names it by its
/// filename (deliberately, so a policy about that project sees it): compare without that
/// name.
fn named_like_pip(ours: BTreeSet<Record>, pip: &BTreeSet<Record>) -> BTreeSet<Record> {
    ours.into_iter()
        .map(|mut record| {
            let unnamed_by_pip = pip.iter().any(|theirs| {
                (&theirs.0, theirs.1, theirs.2.as_str()) == (&record.0, record.1, "direct")
                    && theirs.3.is_empty()
            });
            if record.2 == "direct" && unnamed_by_pip {
                record.3 = String::new();
            }
            record
        })
        .collect()
}

/// A pin without hashes of its own takes its project's constraint hashes. pip skips a
/// constraint whose marker does not match its machine, which pubgate cannot know, so
/// pubgate records a superset when a constraint has a marker: a superset of pip's is a
/// match (every recorded hash must still bind to an examined file).
fn constrained_like_pip(
    ours: BTreeSet<Record>,
    pip: &BTreeSet<Record>,
    answer: &serde_json::Value,
) -> BTreeSet<Record> {
    let constrained: BTreeSet<(String, u32)> = answer["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|req| req["constrained"].as_bool() == Some(true))
        .map(|req| {
            (
                req["file"].as_str().unwrap_or("?").to_string(),
                u32::try_from(req["line"].as_u64().unwrap_or(0)).unwrap_or(0),
            )
        })
        .collect();
    ours.into_iter()
        .map(|mut record| {
            if constrained.contains(&(record.0.clone(), record.1)) {
                let theirs = pip
                    .iter()
                    .find(|theirs| (&theirs.0, theirs.1) == (&record.0, record.1));
                if let Some(theirs) = theirs {
                    if theirs.6.iter().all(|hash| record.6.contains(hash)) {
                        record.6 = theirs.6.clone();
                    }
                }
            }
            record
        })
        .collect()
}

/// Packages equal but for their place, after the first in reading order: pubgate reports
/// exact duplicates once (unpinned requirements are all kept).
fn without_repeats(records: Vec<Record>) -> BTreeSet<Record> {
    let mut seen = BTreeSet::new();
    records
        .into_iter()
        .filter(|record| {
            let mut key = record.clone();
            key.0 = String::new();
            key.1 = 0;
            record.2 == "unpinned" || seen.insert(key)
        })
        .collect()
}

/// (indexes, find-links, trusted hosts).
type Sources = (Vec<String>, Vec<String>, Vec<String>);

fn sources(lock: &Lockfile) -> Sources {
    let of = |kinds: &[IndexKind]| {
        let mut urls: Vec<String> = Vec::new();
        for index in lock.indexes.iter().filter(|i| kinds.contains(&i.kind)) {
            // the same URL as index and extra index is one URL to pip
            if !urls.iter().any(|url| url == index.url.expose()) {
                urls.push(index.url.expose().to_string());
            }
        }
        urls
    };
    (
        of(&[IndexKind::Index, IndexKind::ExtraIndex]),
        of(&[IndexKind::FindLinks]),
        of(&[IndexKind::TrustedHost]),
    )
}

fn pip_sources(pip: &serde_json::Value) -> Sources {
    (
        strings(&pip["index_urls"]),
        strings(&pip["find_links"]),
        strings(&pip["trusted_hosts"]),
    )
}

/// pubgate records no index when the file names none; pip then keeps its default (PyPI),
/// or none after `--no-index`.
fn same_sources(ours: &Sources, pip: &Sources) -> bool {
    let indexes_agree = if ours.0.is_empty() {
        pip.0.is_empty() || pip.0 == [PYPI]
    } else {
        ours.0 == pip.0
    };
    indexes_agree && ours.1 == pip.1 && ours.2 == pip.2
}

// ---- the generator ----

/// How the main file is encoded.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
    /// `# -*- coding: NAME -*-` on line 1 (`true`) or line 2 after a plain comment.
    Declared(&'static str, bool),
    /// High bytes, nothing declared (not UTF-8: both refuse).
    Undeclared,
    /// A coding line on line 3: ignored, so the file is UTF-8.
    TooLate,
}

/// One token of a file body: text, a line break, or an odd character (rendered per
/// encoding).
#[derive(Debug, Clone)]
enum Tok {
    Text(String),
    Break,
    Odd,
}

fn write_case(rng: &mut Rng, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("pkgdir")).unwrap();
    std::fs::write(
        dir.join("pkgdir/pyproject.toml"),
        "[project]\nname = \"local\"\nversion = \"1\"\n",
    )
    .unwrap();
    let encoding = if rng.chance(40) {
        Encoding::Utf8
    } else {
        *rng.pick(&[
            Encoding::Utf8,
            Encoding::Utf8Bom,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Utf32Le,
            Encoding::Utf32Be,
            Encoding::Declared("latin-1", true),
            Encoding::Declared("latin-1", false),
            Encoding::Declared("iso-8859-15", false),
            Encoding::Declared("cp1252", true),
            Encoding::Declared("koi8_r", false),
            Encoding::Declared("utf-8", true),
            Encoding::Declared("UTF8", false),
            Encoding::Declared("utf-16", true),
            Encoding::Declared("ascii", true),
            Encoding::Declared("shift_jis", false),
            Encoding::Declared("utf-7", true),
            Encoding::Declared("no-such-codec", true),
            Encoding::Declared("rot13", false),
            Encoding::Undeclared,
            Encoding::TooLate,
        ])
    };
    let mut names = 0;
    let mut body = Vec::new();
    let entries = 2 + rng.below(9);
    for _ in 0..entries {
        entry(rng, &mut names, &mut body, true);
        body.push(Tok::Break);
    }
    if rng.chance(20) {
        body.pop(); // no final line break
    }
    let path = dir.join("requirements.txt");
    std::fs::write(&path, render(rng, encoding, &body)).unwrap();
    for (include, prefix) in [("inc.txt", "inc"), ("cons.txt", "con")] {
        let mut body = Vec::new();
        let mut names = 0;
        for _ in 0..1 + rng.below(3) {
            let mut tokens = Vec::new();
            entry(rng, &mut names, &mut tokens, false);
            for token in tokens {
                body.push(match token {
                    Tok::Text(text) => Tok::Text(
                        text.replace("pkg", prefix)
                            .replace(&format!("{prefix}dir"), "pkgdir"),
                    ),
                    other => other,
                });
            }
            body.push(Tok::Break);
        }
        std::fs::write(dir.join(include), render(rng, Encoding::Utf8, &body)).unwrap();
    }
    path
}

/// Appends one line's tokens (a requirement, an option line, a comment, …).
fn entry(rng: &mut Rng, names: &mut usize, out: &mut Vec<Tok>, includes: bool) {
    *names += 1;
    let n = *names;
    let name = match rng.below(4) {
        0 => format!("Pkg{n}"),
        1 => format!("pkg_{n}"),
        2 => format!("pkg.{n}"),
        _ => format!("pkg{n}"),
    };
    let text = |s: String| Tok::Text(s);
    let version = rng
        .pick(&["1.0", "2.3.4", "1.0.post1", "0.9rc1", "01.0"])
        .to_string();
    let marker = |rng: &mut Rng| match rng.below(6) {
        0 => " ; python_version >= \"3.8\"".to_string(),
        1 => ";sys_platform=='linux'".to_string(),
        _ => String::new(),
    };
    let line = match rng.below(22) {
        0..=4 => {
            let extras = if rng.chance(20) { "[extra]" } else { "" };
            let op = if rng.chance(15) { "===" } else { "==" };
            format!("{name}{extras}{op}{version}{}{}", marker(rng), hashes(rng))
        }
        5 => format!(
            "{name}{}",
            rng.pick(&[">=1.0", "", "==1.*", "~=1.0", "<2,>=1.0"])
        ),
        6 => {
            let url = format!("https://files.example/{name}-{version}-py3-none-any.whl");
            let fragment = match rng.below(5) {
                0 => format!("#sha256={}", rng.hex(64)),
                1 => format!("#md5={}&sha256={}", rng.hex(32), rng.hex(64)),
                2 => format!("#egg={name}&sha1={}", rng.hex(40)),
                3 => {
                    let len = if rng.chance(90) { 128 } else { 12 };
                    format!("#sha512={}", rng.hex(len))
                }
                _ => String::new(),
            };
            if rng.chance(50) {
                format!("{name} @ {url}{fragment}{}", hashes(rng))
            } else {
                format!("{url}{fragment}{}", hashes(rng))
            }
        }
        7 => match rng.below(5) {
            0 => format!("{name} @ git+https://git.example/{name}.git@v1"),
            1 => format!("-e git+https://git.example/r{n}.git#egg={name}"),
            // options other than --config-settings on an editable line are ignored
            2 => format!("-e ./pkgdir --hash=sha256:{}", rng.hex(64)),
            3 => "-e ./pkgdir[extra] -C key=value".to_string(),
            _ => "-e ./pkgdir".to_string(),
        },
        8..=10 => option_line(rng),
        11 => format!(
            "# comment {}",
            rng.pick(&["", "\\", "coding: latin-1", "#x"])
        ),
        12 => format!("{name}=={version} # pinned"),
        13 => String::new(),
        14 => "   ".to_string(),
        15 if includes => rng
            .pick(&[
                "-r inc.txt",
                "-c cons.txt",
                "--requirement=inc.txt",
                "-rinc.txt",
            ])
            .to_string(),
        16 if rng.chance(25) => {
            let md5 = rng.hex(32);
            rng.pick(&[
                "b=1".to_string(),
                "two words here".to_string(),
                format!("{name}==${{PUBGATE_DIFF_UNSET}}"),
                format!("{name}==1 --hash"),
                format!("{name}==1 --hash=md5:{md5}"),
            ])
            .clone()
        }
        17 => {
            // a continuation inside the requirement or before its options
            out.push(text(format!("{name}=={version} \\")));
            out.push(Tok::Break);
            format!("    --hash=sha256:{}", rng.hex(64))
        }
        18 => {
            out.push(text(format!("{name}==")));
            out.push(Tok::Odd);
            version
        }
        19 => {
            out.push(text("# odd ".to_string()));
            out.push(Tok::Odd);
            format!("{name}=={version}")
        }
        20 => {
            out.push(text(format!("{name}=={version}")));
            out.push(Tok::Odd);
            "# trailing".to_string()
        }
        _ => format!("{name}=={version}{}", hashes(rng)),
    };
    out.push(text(line));
}

fn hashes(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.below(4) {
        let (algorithm, len) = *rng.pick(&[
            ("sha256", 64),
            ("sha256", 64),
            ("sha384", 96),
            ("sha512", 128),
            ("sha512", 128),
            ("sha384", 96),
            ("sha256", 64),
            ("sha256", 64),
            ("sha512", 7),
        ]);
        let digest = rng.hex(len);
        let digest = if rng.chance(10) {
            digest.to_uppercase()
        } else {
            digest
        };
        let spelling: &&str = rng.pick(&[" --hash=", " --hash ", " \\\n    --hash="]);
        out.push_str(spelling);
        out.push_str(&format!("{algorithm}:{digest}"));
    }
    out
}

fn option_line(rng: &mut Rng) -> String {
    let host = rng.pick(&[
        "mirror.example",
        "mirror.example:8080",
        "10.0.0.1",
        "Mirror.Example:443",
        "u:p@h.example:1",
        "[::1]:8080",
        "::1",
        "h.example:http",
        ":8080",
        "''",
    ]);
    let url = format!(
        "https://{}/simple",
        rng.pick(&["a.example", "b.example", "c.example"])
    );
    match rng.below(18) {
        0 => format!("-i {url}"),
        1 => format!("--index-url={url}"),
        2 => format!("--extra-index-url {url}"),
        3 => "--no-index".to_string(),
        4 => format!("-f https://links.example/{}", rng.below(3)),
        5 => "--find-links https://links.example/a -f https://links.example/b".to_string(),
        6 => format!("--trusted-host {host}"),
        7 => format!("--pypi-url {url}"),
        8 => "--pre".to_string(),
        9 => "--prefer-binary --require-hashes".to_string(),
        10 => "--no-binary :all: --only-binary=:none:".to_string(),
        11 => format!(
            "--use-feature {}",
            rng.pick(&["fast-deps", "fast-deps", "fast-deps", "bogus-feature"])
        ),
        12 => format!("--ind {url}"),
        13 if rng.chance(20) => "--bogus-option".to_string(),
        14 => format!("-ihttps://d.example/simple --extra-index-url={url}"),
        15 if rng.chance(20) => "--no".to_string(),
        16 => format!("--hash=sha256:{}", rng.hex(64)),
        _ => format!("--trusted-host={host} --extra-index-url {url}"),
    }
}

/// Line breaks and odd characters for text encodings (every `str.splitlines` boundary,
/// whitespace Python strips, a BOM inside the text).
const UNICODE_BREAKS: [&str; 13] = [
    "\n", "\n", "\n", "\r\n", "\r", "\u{b}", "\u{c}", "\u{1c}", "\u{1d}", "\u{1e}", "\u{85}",
    "\u{2028}", "\u{2029}",
];
const UNICODE_ODD: [&str; 9] = [
    "\u{a0}", "\u{3000}", "\u{1f}", "\u{2029}", "\u{feff}", "\u{e9}", "\t", " ", "\u{85}",
];

fn render(rng: &mut Rng, encoding: Encoding, body: &[Tok]) -> Vec<u8> {
    let byte_codec = matches!(encoding, Encoding::Declared(name, _) if !name.to_ascii_lowercase().starts_with("utf"))
        || matches!(encoding, Encoding::Undeclared);
    let mut bytes = Vec::new();
    for token in body {
        match token {
            Tok::Text(text) => bytes.extend(text.as_bytes()),
            Tok::Break if byte_codec => {
                let breaks: [&[u8]; 6] = [b"\n", b"\n", b"\r\n", b"\r", b"\x0c", b"\x85"];
                bytes.extend(*rng.pick(&breaks));
            }
            Tok::Break => bytes.extend(rng.pick(&UNICODE_BREAKS).as_bytes()),
            Tok::Odd if byte_codec => bytes.push(0x80 + rng.below(128) as u8),
            Tok::Odd => bytes.extend(rng.pick(&UNICODE_ODD).as_bytes()),
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let units16 = |big: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let units32 = |big: bool| -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                let c = c as u32;
                if big {
                    c.to_be_bytes()
                } else {
                    c.to_le_bytes()
                }
            })
            .collect()
    };
    match encoding {
        Encoding::Utf8 => bytes,
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".to_vec(), bytes].concat(),
        Encoding::Utf16Le => [vec![0xFF, 0xFE], units16(false)].concat(),
        Encoding::Utf16Be => [vec![0xFE, 0xFF], units16(true)].concat(),
        Encoding::Utf32Le => [vec![0xFF, 0xFE, 0, 0], units32(false)].concat(),
        Encoding::Utf32Be => [vec![0, 0, 0xFE, 0xFF], units32(true)].concat(),
        Encoding::Declared(name, first) => {
            let declaration = format!("# -*- coding: {name} -*-\n");
            let head = if first {
                declaration
            } else {
                format!("# generated\n{declaration}")
            };
            // a declared `utf-16` without a BOM makes pip read these ASCII bytes as UTF-16
            // (garbage both refuse or read alike)
            [head.into_bytes(), bytes].concat()
        }
        Encoding::Undeclared => [b"# caf\xe9\n".to_vec(), bytes].concat(),
        Encoding::TooLate => [b"#\n#\n# -*- coding: latin-1 -*-\n".to_vec(), bytes].concat(),
    }
}

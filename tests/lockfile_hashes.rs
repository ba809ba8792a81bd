//! Every hash the installer would accept is recorded, in every format (sha256 in `sha256`,
//! other algorithms in `other_hashes`), and a hash the installer refuses, or a malformed
//! one, is an error with file:line. Also: every package source the installer will use is
//! recorded with its kind and line.

use std::path::Path;

use assert_cmd::Command;
use pubgate::lockfile::{self, Artifact, IndexKind, Lockfile};

const SHA256: &str = "1111111111111111111111111111111111111111111111111111111111111111";

fn sha512() -> String {
    "5".repeat(128)
}

fn parse(name: &str, text: &str) -> Lockfile {
    lockfile::parse_str(text, Path::new(name), None).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn parse_err(name: &str, text: &str) -> String {
    lockfile::parse_str(text, Path::new(name), None)
        .unwrap_err()
        .to_string()
}

/// `(filename, sha256, other hashes)` of every artifact of the first package.
fn hashes(lock: &Lockfile) -> Vec<(String, Option<String>, Vec<String>)> {
    lock.packages[0]
        .artifacts
        .iter()
        .map(|a: &Artifact| {
            (
                a.filename.clone(),
                a.sha256.clone(),
                a.other_hashes.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

fn sources(lock: &Lockfile) -> Vec<(String, IndexKind, String)> {
    lock.indexes
        .iter()
        .map(|i| (i.url.expose().to_string(), i.kind, i.location.to_string()))
        .collect()
}

#[test]
fn the_issue_example_records_the_sha512_pip_would_accept() {
    // pip installs any file matching either hash: the sha512 one must not vanish
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        format!(
            "sampleproject==4.0.0 --hash=sha256:{SHA256} --hash=sha512:{}\n",
            sha512()
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("pubgate")
        .unwrap()
        .args(["lock", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifacts = &json["packages"][0]["artifacts"];
    assert_eq!(artifacts[0]["sha256"], SHA256);
    assert_eq!(artifacts[1]["sha256"], serde_json::Value::Null);
    assert_eq!(artifacts[1]["other_hashes"][0]["algorithm"], "sha512");
    assert_eq!(artifacts[1]["other_hashes"][0]["digest"], sha512());
}

#[test]
fn requirements_hashes_in_every_algorithm_pip_accepts() {
    let sha384 = "3".repeat(96);
    let lock = parse(
        "requirements.txt",
        &format!(
            "a==1 --hash=sha384:{sha384} \\\n  --hash=sha256:{} --hash sha512:{}\n",
            SHA256.to_uppercase(),
            sha512()
        ),
    );
    assert_eq!(
        hashes(&lock),
        vec![
            (String::new(), None, vec![format!("sha384:{sha384}")]),
            (String::new(), Some(SHA256.to_string()), vec![]),
            (String::new(), None, vec![format!("sha512:{}", sha512())]),
        ]
    );
    // pip refuses md5 and upper-case names in `--hash`; malformed digests are errors
    for (line, needle) in [
        (
            format!("a==1 --hash=md5:{}", "0".repeat(32)),
            "allowed hash",
        ),
        (format!("a==1 --hash=SHA512:{}", sha512()), "allowed hash"),
        ("a==1 --hash=sha512:abc".to_string(), "128 hexadecimal"),
        (
            format!("a==1 --hash=sha384:{}", "x".repeat(96)),
            "96 hexadecimal",
        ),
    ] {
        let err = parse_err("requirements.txt", &format!("\n{line}\n"));
        assert!(err.starts_with("requirements.txt:2: "), "{err}");
        assert!(err.contains(needle), "{line}: {err}");
    }
}

#[test]
fn requirements_direct_urls_take_the_first_hash_pip_reads_from_the_url() {
    let md5 = "0123456789abcdef0123456789abcdef";
    let lock = parse(
        "requirements.txt",
        &format!(
            "x @ https://h.example/x-1.0-py3-none-any.whl#md5={md5}&sha256={SHA256} --hash=sha512:{}\n",
            sha512()
        ),
    );
    // pip honours the md5 (the first match) and the --hash; the later `sha256=` is ignored
    assert_eq!(
        hashes(&lock),
        vec![
            (
                "x-1.0-py3-none-any.whl".into(),
                None,
                vec![format!("md5:{md5}")]
            ),
            (
                "x-1.0-py3-none-any.whl".into(),
                None,
                vec![format!("sha512:{}", sha512())]
            ),
        ]
    );
    let lock = parse(
        "requirements.txt",
        &format!("https://h.example/x-1.0-py3-none-any.whl#sha256={SHA256}\n"),
    );
    assert_eq!(
        hashes(&lock),
        vec![("x-1.0-py3-none-any.whl".into(), Some(SHA256.into()), vec![])]
    );
    let err = parse_err(
        "requirements.txt",
        "x @ https://h.example/x-1.0.tar.gz#sha1=nothex\n",
    );
    assert!(err.starts_with("requirements.txt:1: "), "{err}");
}

#[test]
fn requirements_hashes_in_included_files_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let top = dir.path().join("requirements.txt");
    std::fs::write(&top, "-r sub/more.txt\n-c constraints.txt\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/more.txt"),
        format!("\nb==2 --hash=sha512:{}\n", sha512()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("constraints.txt"),
        "--extra-index-url https://extra.example/simple\n",
    )
    .unwrap();
    let lock = lockfile::read(&top, None).unwrap();
    assert_eq!(
        hashes(&lock),
        vec![(String::new(), None, vec![format!("sha512:{}", sha512())])]
    );
    assert_eq!(lock.packages[0].location.line, 2);
    let found = sources(&lock);
    assert_eq!(found[1].0, "https://extra.example/simple");
    assert_eq!(found[1].1, IndexKind::ExtraIndex);
    assert!(found[1].2.ends_with("constraints.txt:1"), "{found:?}");
}

#[test]
fn requirements_sources_with_pip_semantics() {
    let lock = parse(
        "requirements.txt",
        "a==1\n-i https://first.example/simple\n--index-url https://second.example/simple\n--extra-index-url https://extra.example/simple\n-f ./wheels -f ./ignored\n--trusted-host mirror.example:8080\nb==1 --trusted-host ignored.example\n",
    );
    assert_eq!(
        sources(&lock),
        vec![
            (
                "https://second.example/simple".into(),
                IndexKind::Index,
                "requirements.txt:3".into()
            ),
            (
                "https://extra.example/simple".into(),
                IndexKind::ExtraIndex,
                "requirements.txt:4".into()
            ),
            (
                "./wheels".into(),
                IndexKind::FindLinks,
                "requirements.txt:5".into()
            ),
            (
                "mirror.example:8080".into(),
                IndexKind::TrustedHost,
                "requirements.txt:6".into()
            ),
        ]
    );
    // --no-index drops every index, before and after it; find-links stay
    let lock = parse(
        "requirements.txt",
        "--extra-index-url https://extra.example/simple\n--no-index\n-i https://later.example/simple\n--find-links=https://links.example/\n",
    );
    assert_eq!(
        sources(&lock),
        vec![(
            "https://links.example/".into(),
            IndexKind::FindLinks,
            "requirements.txt:4".into()
        )]
    );
    // `--pypi-url` is pip's other spelling of `--index-url`
    let lock = parse("requirements.txt", "--pypi-url https://p.example/simple\n");
    assert_eq!(lock.indexes[0].url.expose(), "https://p.example/simple");
    // an extra index alone keeps PyPI, recorded where the file starts naming sources
    let lock = parse(
        "requirements.txt",
        "a==1\n\n--extra-index-url https://extra.example/simple\n",
    );
    assert_eq!(
        sources(&lock)[0],
        (
            "https://pypi.org/simple".into(),
            IndexKind::Index,
            "requirements.txt:3".into()
        )
    );
    assert!(parse("requirements.txt", "a==1\n").indexes.is_empty());
}

#[test]
fn pipfile_lock_hashes_are_pips_and_file_entries_are_unhashed() {
    let text = format!(
        r#"{{
    "_meta": {{"pipfile-spec": 6, "sources": [{{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}}]}},
    "default": {{
        "a": {{"version": "==1", "hashes": ["sha512:{}"]}},
        "w": {{"file": "https://h.example/w-1.0-py3-none-any.whl", "hashes": ["sha256:{SHA256}"]}}
    }}
}}"#,
        sha512()
    );
    let lock = parse("Pipfile.lock", &text);
    assert_eq!(
        hashes(&lock),
        vec![(String::new(), None, vec![format!("sha512:{}", sha512())])]
    );
    // pipenv installs a `file` entry without passing its hashes to pip
    let w = &lock.packages[1];
    assert_eq!(w.artifacts.len(), 1);
    assert_eq!(w.artifacts[0].sha256, None);
    assert_eq!(
        sources(&lock),
        vec![(
            "https://pypi.org/simple".into(),
            IndexKind::Index,
            "Pipfile.lock:2".into()
        )]
    );
}

#[test]
fn poetry_files_keep_every_hashlib_algorithm() {
    let text = format!(
        "[[package]]\nname = \"a\"\nversion = \"1\"\noptional = false\npython-versions = \"*\"\nfiles = [\n  {{file = \"a-1.tar.gz\", hash = \"sha256:{SHA256}\"}},\n  {{file = \"a-1-py3-none-any.whl\", hash = \"sha3_512:{}\"}},\n]\n[package.source]\ntype = \"legacy\"\nurl = \"https://private.example/simple\"\nreference = \"private\"\n\n[metadata]\nlock-version = \"2.0\"\ncontent-hash = \"x\"\n",
        sha512()
    );
    let lock = parse("poetry.lock", &text);
    assert_eq!(
        hashes(&lock),
        vec![
            ("a-1.tar.gz".into(), Some(SHA256.into()), vec![]),
            (
                "a-1-py3-none-any.whl".into(),
                None,
                vec![format!("sha3_512:{}", sha512())]
            ),
        ]
    );
    assert_eq!(
        sources(&lock),
        vec![(
            "https://private.example/simple".into(),
            IndexKind::Index,
            "poetry.lock:2".into()
        )]
    );
    let bad = text.replace("sha3_512:", "whirlpool:");
    let err = parse_err("poetry.lock", &bad);
    assert!(
        err.starts_with("poetry.lock:2: ") && err.contains("whirlpool"),
        "{err}"
    );
}

#[test]
fn pdm_hashes_bare_digests_are_sha256() {
    let text = format!(
        "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [\n  {{file = \"a-1.tar.gz\", hash = \"{SHA256}\"}},\n  {{file = \"a-1-py3-none-any.whl\", hash = \"sha512:{}\"}},\n]\n",
        sha512()
    );
    let lock = parse("pdm.lock", &text);
    assert_eq!(
        hashes(&lock),
        vec![
            ("a-1.tar.gz".into(), Some(SHA256.into()), vec![]),
            (
                "a-1-py3-none-any.whl".into(),
                None,
                vec![format!("sha512:{}", sha512())]
            ),
        ]
    );
    // pdm.lock records no index
    assert!(lock.indexes.is_empty());
}

#[test]
fn pylock_hashes_tables_keep_every_algorithm() {
    let text = format!(
        "lock-version = \"1.0\"\ncreated-by = \"t\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\nindex = \"https://private.example/simple\"\n[[packages.wheels]]\nurl = \"https://private.example/a-1-py3-none-any.whl\"\nhashes = {{ sha256 = \"{SHA256}\", blake2b = \"{}\", md5 = \"{}\" }}\n",
        "b".repeat(128),
        "0".repeat(32)
    );
    let lock = parse("pylock.toml", &text);
    assert_eq!(
        hashes(&lock),
        vec![(
            "a-1-py3-none-any.whl".into(),
            Some(SHA256.into()),
            vec![
                format!("blake2b:{}", "b".repeat(128)),
                format!("md5:{}", "0".repeat(32))
            ]
        )]
    );
    assert_eq!(sources(&lock)[0].1, IndexKind::Index);
    let err = parse_err("pylock.toml", &text.replace("md5 = ", "nohash = "));
    assert!(err.contains("nohash"), "{err}");
}

#[test]
fn uv_lock_hashes_in_uvs_algorithms_and_flat_indexes() {
    let lock_with = |hash: &str, registry: &str| {
        format!(
            "version = 1\nrevision = 2\n\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = {{ registry = \"{registry}\" }}\nwheels = [\n    {{ url = \"https://files.example/a-1-py3-none-any.whl\", hash = \"{hash}\" }},\n]\n"
        )
    };
    let lock = parse(
        "uv.lock",
        &lock_with(&format!("sha512:{}", sha512()), "https://pypi.org/simple"),
    );
    assert_eq!(
        hashes(&lock),
        vec![(
            "a-1-py3-none-any.whl".into(),
            None,
            vec![format!("sha512:{}", sha512())]
        )]
    );
    assert_eq!(sources(&lock)[0].1, IndexKind::Index);
    // uv refuses an algorithm it does not know
    let err = parse_err(
        "uv.lock",
        &lock_with(
            &format!("sha1:{}", "0".repeat(40)),
            "https://pypi.org/simple",
        ),
    );
    assert!(err.starts_with("uv.lock:") && err.contains("sha1"), "{err}");
    // a local directory used as a flat index
    let lock = parse(
        "uv.lock",
        &lock_with(&format!("sha256:{SHA256}"), "../wheels"),
    );
    assert_eq!(
        sources(&lock),
        vec![("../wheels".into(), IndexKind::FindLinks, "uv.lock:5".into())]
    );
}

#[test]
fn a_latin1_coding_line_on_line_two_reveals_what_pip_installs() {
    // In UTF-8, `\xc3\x85` is `Å` inside the comment; in latin-1 (what pip reads, from the
    // coding line on line 2) `\x85` is a line break and `evil==1` a requirement.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        b"# pinned requirements\n# -*- coding: latin-1 -*-\n# note \xc3\x85evil==1\nok==1\n",
    )
    .unwrap();
    let lock = lockfile::read(&path, None).unwrap();
    let pins: Vec<(&str, u32)> = lock
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.location.line))
        .collect();
    assert_eq!(pins, vec![("evil", 4), ("ok", 5)]);
    // an encoding pubgate cannot decode exactly is refused, with the line that names it
    std::fs::write(&path, b"#\n# coding: shift_jis\nok==1\n").unwrap();
    let out = Command::cargo_bin("pubgate")
        .unwrap()
        .arg("lock")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("requirements.txt:2:") && stderr.contains("shift_jis"),
        "{stderr}"
    );
}

#[test]
fn credentials_in_sources_never_reach_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        "--trusted-host user:s3cret@h.example:8080\n--extra-index-url https://user:s3cret@x.example/simple\na==1\n",
    )
    .unwrap();
    for format in ["human", "json"] {
        let out = Command::cargo_bin("pubgate")
            .unwrap()
            .args(["lock", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(!stdout.contains("s3cret"), "{stdout}");
        assert!(stdout.contains("h.example:8080"), "{stdout}");
    }
}

#[test]
fn uv_lock_zstd_hashes_are_recorded_too() {
    // uv accepts a wheel matching its own hash or its zstd copy's
    let text = format!(
        "version = 1\nrevision = 3\n\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nwheels = [\n    {{ url = \"https://files.example/a-1-py3-none-any.whl\", hash = \"sha256:{SHA256}\", zstd = {{ hash = \"sha512:{}\", size = 3 }} }},\n]\n",
        sha512()
    );
    let lock = parse("uv.lock", &text);
    assert_eq!(
        hashes(&lock),
        vec![
            ("a-1-py3-none-any.whl".into(), Some(SHA256.into()), vec![]),
            (
                "a-1-py3-none-any.whl".into(),
                None,
                vec![format!("sha512:{}", sha512())]
            ),
        ]
    );
    let without_fast_path =
        lockfile::parse_uv_without_fast_path(&text, Path::new("uv.lock")).unwrap();
    assert_eq!(without_fast_path, lock);
}

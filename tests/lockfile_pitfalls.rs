//! One test per edge case in §8 ("Edge cases a parser must handle") of the project's research
//! notes, `../shared/notes/lockfile-formats.md` (beside this repository, not in it), in that
//! table's order, through the public API. What the readers guarantee is `docs/lockfiles.md`.

use std::path::Path;

use pubgate::lockfile::{self, is_pypi_index, LockFormat, Lockfile, Source};

fn parse(name: &str, text: &str) -> Lockfile {
    lockfile::parse_str(text, Path::new(name), None).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn parse_err(name: &str, text: &str) -> String {
    lockfile::parse_str(text, Path::new(name), None)
        .unwrap_err()
        .to_string()
}

fn read(path: &str) -> Lockfile {
    lockfile::read(Path::new(path), None).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// `name==version` of every index package, in file order.
fn index_pins(lock: &Lockfile) -> Vec<String> {
    lock.packages
        .iter()
        .filter(|p| p.source.is_index())
        .map(|p| format!("{}=={}", p.name, p.version.as_deref().unwrap_or("?")))
        .collect()
}

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

#[test]
fn unpinned_requirements_are_reported_never_guessed() {
    let lock = parse(
        "requirements.txt",
        "numpy\npkg>=1\nother==1.*\npinned==2.0\n",
    );
    assert_eq!(index_pins(&lock), vec!["pinned==2.0"]);
    let unpinned: Vec<(String, String, u32)> = lock
        .unpinned
        .iter()
        .map(|u| (u.name.to_string(), u.specifier.clone(), u.location.line))
        .collect();
    assert_eq!(
        unpinned,
        vec![
            ("numpy".into(), "".into(), 1),
            ("pkg".into(), ">=1".into(), 2),
            ("other".into(), "==1.*".into(), 3)
        ]
    );
    let lock = read("fixtures/lockfiles/requirements/include-b.txt");
    assert_eq!(lock.unpinned[0].name, "tomli");
}

#[test]
fn arbitrary_equality_is_a_literal_pin() {
    let lock = parse("requirements.txt", "attrs===25.3.0\nodd===not.pep-440!\n");
    assert_eq!(
        index_pins(&lock),
        vec!["attrs==25.3.0", "odd==not.pep-440!"]
    );
    let lock = read("fixtures/lockfiles/requirements/forks.uv-export.txt");
    assert!(index_pins(&lock).contains(&"attrs==25.3.0".to_string()));
}

#[test]
fn pins_without_hashes_are_read_with_no_artifacts() {
    let lock = read("fixtures/lockfiles/requirements/include-a.txt");
    assert_eq!(index_pins(&lock), vec!["numpy==1.24.2"]);
    assert!(lock.packages[0].artifacts.is_empty());
}

#[test]
fn hash_spellings_several_hashes_and_continuations() {
    let text = format!(
        "a==1 --hash sha256:{H1} --hash=sha256:{H2}\nb==2 \\\n    --hash=sha256:{H1} \\\n    --hash sha256:{H2}\n"
    );
    let lock = parse("requirements.txt", &text);
    for package in &lock.packages {
        let digests: Vec<&str> = package
            .artifacts
            .iter()
            .map(|a| a.sha256.as_deref().unwrap())
            .collect();
        assert_eq!(digests, vec![H1, H2], "{}", package.name);
        assert!(package.artifacts.iter().all(|a| a.filename.is_empty()));
    }
    assert_eq!(lock.packages[1].location.line, 2);
    let lock = read("fixtures/lockfiles/requirements/uv-testdata-poetry-with-hashes.txt");
    assert_eq!(lock.packages.len(), 5);
}

#[test]
fn hash_sign_without_whitespace_is_not_a_comment() {
    let text = format!("pkg @ https://h.example/pkg-1.0-py3-none-any.whl#sha256={H1} # note\n");
    let lock = parse("requirements.txt", &text);
    let artifact = &lock.packages[0].artifacts[0];
    assert_eq!(artifact.sha256.as_deref(), Some(H1));
    assert_eq!(
        artifact.url.as_ref().unwrap().expose(),
        format!("https://h.example/pkg-1.0-py3-none-any.whl#sha256={H1}")
    );
}

#[test]
fn a_comment_line_ending_in_backslash_is_not_a_continuation() {
    let lock = parse("requirements.txt", "# comment \\\nsix==1.16.0\n");
    assert_eq!(index_pins(&lock), vec!["six==1.16.0"]);
    assert_eq!(lock.packages[0].location.line, 2);
}

#[test]
fn includes_relative_cycles_and_constraints() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "-r sub/more.txt\n-c constraints.txt\na==1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("sub/more.txt"), "b==2\n").unwrap();
    std::fs::write(dir.path().join("constraints.txt"), "c==3\n").unwrap();
    let lock = lockfile::read(&dir.path().join("requirements.txt"), None).unwrap();
    assert_eq!(index_pins(&lock), vec!["b==2", "a==1"]);
    assert!(lock.packages[0].location.path.ends_with("sub/more.txt"));

    std::fs::write(dir.path().join("sub/more.txt"), "-r ../requirements.txt\n").unwrap();
    let err = lockfile::read(&dir.path().join("requirements.txt"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already being read"), "{err}");
}

#[test]
fn editables_vcs_direct_urls_and_archives_are_not_index_packages() {
    let lock = read("fixtures/lockfiles/requirements/uv-testdata-editable.txt");
    assert!(lock.packages.iter().all(|p| p.source.kind() == "editable"));
    let lock = parse(
        "requirements.txt",
        "-e git+https://github.com/o/r.git@v1#egg=r\nidna @ https://h/idna-3.20-py3-none-any.whl\n./downloads/numpy-1.9.2-cp34-none-win32.whl\n",
    );
    let kinds: Vec<&str> = lock.packages.iter().map(|p| p.source.kind()).collect();
    assert_eq!(kinds, vec!["git", "url", "path"]);
    assert!(index_pins(&lock).is_empty());
}

#[test]
fn index_options_are_recorded_and_an_extra_index_is_visible() {
    let lock = parse(
        "requirements.txt",
        "--index-url https://mirror.example/simple\n--extra-index-url https://extra.example/simple\nsix==1.16.0\n",
    );
    assert_eq!(lock.indexes.len(), 2, "two indexes: the pin is ambiguous");
    assert_eq!(
        lock.packages[0].source,
        Source::Index {
            url: "https://mirror.example/simple".into()
        }
    );
}

#[test]
fn several_versions_of_one_name_are_all_kept() {
    let uv = read("fixtures/lockfiles/uv/forks-workspace.uv.lock");
    let numpy: Vec<String> = index_pins(&uv)
        .into_iter()
        .filter(|p| p.starts_with("numpy=="))
        .collect();
    assert_eq!(numpy, vec!["numpy==1.26.4", "numpy==2.5.5"]);
    let poetry = read("fixtures/lockfiles/poetry/poetry-paths.poetry.lock");
    assert_eq!(
        index_pins(&poetry)
            .iter()
            .filter(|p| p.starts_with("urllib3=="))
            .count(),
        2
    );
    let export = read("fixtures/lockfiles/requirements/forks.uv-export.txt");
    assert_eq!(
        index_pins(&export)
            .iter()
            .filter(|p| p.starts_with("packaging=="))
            .count(),
        2
    );
    // pdm's extras entries are the same release: one package
    let pdm = read("fixtures/lockfiles/pdm/pdm-4.0.pdm.lock");
    assert_eq!(
        index_pins(&pdm)
            .iter()
            .filter(|p| p.starts_with("cachecontrol=="))
            .count(),
        1
    );
    assert_eq!(pdm.packages.len(), 80);
}

#[test]
fn project_and_workspace_entries_are_not_index_packages() {
    let uv = read("fixtures/lockfiles/uv/langgraph-cli-monorepo.uv.lock");
    let own: Vec<(&str, &str)> = uv
        .packages
        .iter()
        .filter(|p| !p.source.is_index())
        .map(|p| (p.name.as_str(), p.source.kind()))
        .collect();
    assert_eq!(
        own,
        vec![
            ("agent", "editable"),
            ("shared", "editable"),
            ("uv-monorepo-example", "virtual")
        ]
    );
    let export = read("fixtures/lockfiles/requirements/forks.uv-export.txt");
    assert_eq!(
        export.packages[0].source,
        Source::Editable { path: ".".into() }
    );
    let pipfile = read("fixtures/lockfiles/pipfile/pipenv-editable-file.Pipfile.lock");
    let pipenv = pipfile
        .packages
        .iter()
        .find(|p| p.name == "pipenv")
        .unwrap();
    assert_eq!(pipenv.source, Source::Editable { path: ".".into() });
    assert_eq!(pipenv.version, None);
}

#[test]
fn registries_other_than_pypi_are_index_sources_that_are_not_pypi() {
    let uv = parse(
        "uv.lock",
        "version = 1\n[[package]]\nname = \"torch\"\nversion = \"2.3.0+cpu\"\nsource = { registry = \"https://download.pytorch.org/whl/cpu\" }\n[[package]]\nname = \"w\"\nversion = \"1\"\nsource = { registry = \"../wheels\" }\n",
    );
    assert!(uv.packages.iter().all(|p| p.source.is_index()));
    assert!(uv.indexes.iter().all(|i| !is_pypi_index(i.url.expose())));

    let poetry = |url: &str| {
        parse(
            "poetry.lock",
            &format!("[[package]]\nname = \"a\"\nversion = \"1\"\noptional = false\npython-versions = \"*\"\nfiles = []\n[package.source]\ntype = \"legacy\"\nurl = \"{url}\"\nreference = \"r\"\n[metadata]\nlock-version = \"2.1\"\n"),
        )
    };
    let Source::Index { url } = &poetry("https://pypi.org/simple").packages[0].source else {
        panic!()
    };
    assert!(
        is_pypi_index(url.expose()),
        "a legacy source at PyPI's simple index is PyPI"
    );
    let Source::Index { url } = &poetry("https://private.example/simple").packages[0].source else {
        panic!()
    };
    assert!(!is_pypi_index(url.expose()));

    let pipfile = parse(
        "Pipfile.lock",
        "{\"_meta\": {\"pipfile-spec\": 6, \"sources\": [{\"name\": \"pypi\", \"url\": \"https://pypi.org/simple\"}, {\"name\": \"corp\", \"url\": \"https://corp.example/simple\"}]},\n\"default\": {\"a\": {\"index\": \"corp\", \"version\": \"==1\"}}}",
    );
    assert_eq!(
        pipfile.packages[0].source,
        Source::Index {
            url: "https://corp.example/simple".into()
        }
    );
    let pylock = parse(
        "pylock.toml",
        "lock-version = \"1.0\"\ncreated-by = \"t\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\nindex = \"https://corp.example/simple\"\nwheels = [{ url = \"https://corp.example/a-1-py3-none-any.whl\" }]\n",
    );
    assert_eq!(
        pylock.packages[0].source,
        Source::Index {
            url: "https://corp.example/simple".into()
        }
    );
}

#[test]
fn git_sources_keep_the_repository_and_resolved_commit() {
    let commit = |lock: &Lockfile, name: &str| match &lock
        .packages
        .iter()
        .find(|p| p.name == name)
        .unwrap()
        .source
    {
        Source::Git { url, commit } => (url.expose().to_string(), commit.clone()),
        other => panic!("{name}: {other:?}"),
    };
    let uv = read("fixtures/lockfiles/uv/exo.uv.lock");
    assert_eq!(
        commit(&uv, "mflux"),
        (
            "https://github.com/evanev7/mflux?branch=exo2".into(),
            Some("0fdd4cca9468dd92d8c2511c88031e937655eb01".into())
        )
    );
    let poetry = read("fixtures/lockfiles/poetry/poetry-2.1-gitsource.poetry.lock");
    assert_eq!(
        commit(&poetry, "poetry-core"),
        (
            "https://github.com/python-poetry/poetry-core.git".into(),
            Some("e3998b0e111dc03e4aa721fd054c48e5c7de6fc5".into())
        )
    );
    let pylock = parse("pylock.toml", "lock-version = \"1.0\"\ncreated-by = \"t\"\n[[packages]]\nname = \"a\"\nvcs = { type = \"git\", url = \"https://h/a.git\", requested-revision = \"main\", commit-id = \"abc123\" }\n");
    assert_eq!(
        commit(&pylock, "a"),
        ("https://h/a.git".into(), Some("abc123".into()))
    );
    let pipfile = parse("Pipfile.lock", "{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {\"a\": {\"git\": \"https://h/a.git\", \"ref\": \"abc123\"}}}");
    assert_eq!(
        commit(&pipfile, "a"),
        ("https://h/a.git".into(), Some("abc123".into()))
    );
    let pdm = parse("pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"a\"\nversion = \"1\"\ngit = \"https://h/a.git\"\nrevision = \"abc123\"\n");
    assert_eq!(
        commit(&pdm, "a"),
        ("https://h/a.git".into(), Some("abc123".into()))
    );
}

#[test]
fn missing_versions_are_allowed_only_outside_indexes() {
    let uv = parse(
        "uv.lock",
        "version = 1\n[[package]]\nname = \"dyn\"\nsource = { editable = \".\" }\n",
    );
    assert_eq!(uv.packages[0].version, None);
    let pylock = read("fixtures/lockfiles/pylock/pip-testdata.pylock.directory.toml");
    assert!(pylock.packages.iter().all(|p| p.version.is_none()));
    let err = parse_err("uv.lock", "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://pypi.org/simple\" }\n");
    assert!(
        err.starts_with("uv.lock:3:") && err.contains("has no version"),
        "{err}"
    );
}

#[test]
fn lock_version_variants_are_read_and_unknown_ones_refused() {
    for version in ["1.0", "1.1", "2.0", "2.1"] {
        parse(
            "poetry.lock",
            &format!("[metadata]\nlock-version = \"{version}\"\n"),
        );
    }
    assert!(
        parse_err("poetry.lock", "[metadata]\nlock-version = \"3.0\"\n").contains("not supported")
    );
    // what pdm 2.29 reads: its major, no newer minor
    for version in ["4.0", "4.5.1"] {
        parse(
            "pdm.lock",
            &format!("[metadata]\nlock_version = \"{version}\"\n"),
        );
    }
    for version in ["2.0", "3.1", "4.6.0", "5.0"] {
        assert!(parse_err(
            "pdm.lock",
            &format!("[metadata]\nlock_version = \"{version}\"\n")
        )
        .contains("not supported"));
    }
    for revision in ["", "revision = 1\n", "revision = 5\n", "revision = 42\n"] {
        parse("uv.lock", &format!("version = 1\n{revision}"));
    }
    assert!(parse_err("uv.lock", "version = 2\n").contains("not supported"));
    parse(
        "pylock.toml",
        "lock-version = \"1.0\"\ncreated-by = \"t\"\n",
    );
    parse(
        "pylock.toml",
        "lock-version = \"1.7\"\ncreated-by = \"t\"\n",
    );
    assert!(parse_err(
        "pylock.toml",
        "lock-version = \"2.0\"\ncreated-by = \"t\"\n"
    )
    .contains("not supported"));
    // the fixtures span the layouts
    assert_eq!(
        read("fixtures/lockfiles/poetry/poetry-1.1.poetry.lock")
            .packages
            .len(),
        83
    );
    assert_eq!(
        read("fixtures/lockfiles/pdm/pdm-4.0.pdm.lock")
            .packages
            .len(),
        80
    );
}

#[test]
fn legacy_poetry_name_casing_is_normalized() {
    let lock = read("fixtures/lockfiles/poetry/poetry-1.1.poetry.lock");
    // written `CacheControl`, `PyYAML`, `backports.cached-property` there
    for name in ["cachecontrol", "pyyaml", "backports-cached-property"] {
        assert!(lock.packages.iter().any(|p| p.name == name), "{name}");
    }
    assert!(lock
        .packages
        .iter()
        .all(|p| p.name == p.name.to_lowercase()));
    // and 1.1's per-name [metadata.files] still gives every package its files
    assert!(lock.packages.iter().all(|p| !p.artifacts.is_empty()));
}

#[test]
fn a_local_file_with_a_version_in_pipfile_lock_is_a_path_source() {
    let lock = read("fixtures/lockfiles/pipfile/pipenv-editable-file.Pipfile.lock");
    let atomicwrites = lock
        .packages
        .iter()
        .find(|p| p.name == "atomicwrites")
        .unwrap();
    assert_eq!(atomicwrites.source.kind(), "path");
    assert_eq!(atomicwrites.version.as_deref(), Some("1.4.1"));
    assert_eq!(
        atomicwrites.artifacts[0].filename,
        "atomicwrites-1.4.1-py2.py3-none-any.whl"
    );
}

#[test]
fn pylock_wheels_known_only_by_local_path_are_a_path_source() {
    let lock = read("fixtures/lockfiles/pylock/pip-testdata.pylock.mixed.toml");
    assert_eq!(
        lock.packages[0].source,
        Source::Path {
            path: "../packages/simplewheel-2.0-1-py2.py3-none-any.whl".into()
        }
    );
}

#[test]
fn a_450_package_lock_is_read_whole() {
    let lock = read("fixtures/lockfiles/bench/bench-monolith.uv.lock");
    assert_eq!(lock.packages.len(), 472);
    assert_eq!(
        lock.packages
            .iter()
            .map(|p| p.artifacts.len())
            .sum::<usize>(),
        8137
    );
}

#[test]
fn bom_crlf_and_non_ascii_comments() {
    let lock = parse(
        "requirements.txt",
        "\u{feff}# caf\u{e9} \u{c3a9}\r\nsix==1.16.0 # \u{1f600}\r\n",
    );
    assert_eq!(index_pins(&lock), vec!["six==1.16.0"]);
    assert_eq!(lock.packages[0].location.line, 2);
    let lock = parse("uv.lock", "\u{feff}version = 1\r\n");
    assert!(lock.packages.is_empty());
    let lock = read("fixtures/lockfiles/requirements/uv-testdata-whitespace.txt");
    assert_eq!(lock.packages[0].name, "pandas");
    // UTF-16 with a BOM (PowerShell's `>`) for requirements files
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("six==1.16.0\r\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&path, utf16).unwrap();
    assert_eq!(
        index_pins(&lockfile::read(&path, None).unwrap()),
        vec!["six==1.16.0"]
    );
}

#[test]
fn environment_variables_in_pips_form_only() {
    std::env::set_var("PUBGATE_TEST_MIRROR", "https://mirror.example/simple");
    // Only variables the user lists are expanded (see lockfile_hostile.rs).
    std::env::set_var(
        "PUBGATE_EXPAND_ENV",
        "PUBGATE_TEST_MIRROR, PUBGATE_TEST_UNSET_VERSION",
    );
    let lock = parse(
        "requirements.txt",
        "-i ${PUBGATE_TEST_MIRROR}\nsix==1.16.0\n",
    );
    assert_eq!(
        lock.packages[0].source,
        Source::Index {
            url: "https://mirror.example/simple".into()
        }
    );
    // `$VAR` and lower-case names are not expanded; an unexpanded name is a bad requirement
    let err = parse_err("requirements.txt", "six==${PUBGATE_TEST_UNSET_VERSION}\n");
    assert!(
        err.starts_with(
            "requirements.txt:1: invalid requirements line `six==${PUBGATE_TEST_UNSET_VERSION}`"
        ),
        "{err}"
    );
    let lock = parse(
        "requirements.txt",
        "-i $PUBGATE_TEST_MIRROR/x\nsix==1.16.0\n",
    );
    assert_eq!(lock.indexes[0].url.expose(), "$PUBGATE_TEST_MIRROR/x");
}

#[test]
fn formats_are_detected_by_name_then_content() {
    assert_eq!(parse("x/uv.lock", "version = 1\n").format, LockFormat::Uv);
    assert_eq!(
        parse("script.py.lock", "version = 1\n").format,
        LockFormat::Uv
    );
    assert_eq!(
        parse(
            "pylock.dev.toml",
            "lock-version = \"1.0\"\ncreated-by = \"t\"\n"
        )
        .format,
        LockFormat::Pylock
    );
    assert_eq!(
        parse("requirements-dev.txt", "six==1.16.0\n").format,
        LockFormat::Requirements
    );
    assert_eq!(
        parse(
            "renamed.lock",
            &std::fs::read_to_string("fixtures/lockfiles/pdm/pdm-demo.pdm.lock").unwrap()
        )
        .format,
        LockFormat::Pdm
    );
    let err = parse_err("deps.lock", "six==1.16.0\n");
    assert!(err.contains("--lock-format"), "{err}");
}

#[test]
fn pylock_attestation_identities_are_kept_with_their_line() {
    let lock = pubgate::lockfile::read(
        std::path::Path::new("fixtures/lockfiles/pylock/spec-example.pylock.toml"),
        None,
    )
    .unwrap();
    let attrs = lock.packages.iter().find(|p| p.name == "attrs").unwrap();
    let [identity] = attrs.attestation_identities.as_slice() else {
        panic!("expected one identity: {:?}", attrs.attestation_identities);
    };
    assert_eq!(identity.kind, "GitHub");
    assert_eq!(identity.repository.as_deref(), Some("python-attrs/attrs"));
    assert_eq!(identity.workflow.as_deref(), Some("pypi-package.yml"));
    assert_eq!(identity.environment.as_deref(), Some("release-pypi"));
    assert_eq!(identity.location.line, 18);
    // Other packages of the lock record none.
    assert!(lock
        .packages
        .iter()
        .filter(|p| p.name != "attrs")
        .all(|p| p.attestation_identities.is_empty()));
}

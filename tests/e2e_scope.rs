//! `--python` / `--platform` through the binary: only the locked files that install on a
//! target are examined (sdists always), the default stays every locked file, and a package
//! none of whose files installs on the targets is examined whole.

mod e2e_support;

use e2e_support::*;
use pubgate::testing::fake_pypi::{
    default_publisher, synthetic_sha256, FakeFile, FakeIndex, MintRequest, Minter, SignerMinter,
    Variant,
};

/// `native` locks an sdist, a manylinux wheel and a Windows wheel whose provenance is
/// tampered; `winonly` locks only a tampered Windows wheel.
fn setup() -> (Site, tempfile::TempDir) {
    let native = Pkg {
        name: "native".into(),
        version: "1.0".into(),
        source: Src::Pypi,
        files: [
            "native-1.0.tar.gz",
            "native-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "native-1.0-cp312-cp312-win_amd64.whl",
        ]
        .iter()
        .map(|f| (f.to_string(), Some(synthetic_sha256(f))))
        .collect(),
    };
    let winonly = Pkg {
        name: "winonly".into(),
        version: "2.0".into(),
        source: Src::Pypi,
        files: vec![(
            "winonly-2.0-cp312-cp312-win_amd64.whl".into(),
            Some(synthetic_sha256("winonly-2.0-cp312-cp312-win_amd64.whl")),
        )],
    };
    let mut index = FakeIndex::new();
    for p in [&native, &winonly] {
        let publisher = default_publisher(&p.name);
        for (filename, sha) in &p.files {
            let sha = sha.clone().unwrap();
            let variant = if filename.contains("win_amd64") {
                Variant::Tampered
            } else {
                Variant::Valid
            };
            let provenance = SignerMinter.mint(&MintRequest {
                filename,
                sha256: &sha,
                publisher: &publisher,
                variant,
            });
            index.add(
                &p.name,
                FakeFile::new(filename, &sha).with_provenance(provenance),
            );
        }
    }
    let site = Site::serve(&index);
    let dir = project(&[("uv.lock", &uv_lock(&[native, winonly]))]);
    (site, dir)
}

#[test]
fn only_files_for_the_targets_are_examined() {
    let (site, dir) = setup();
    // By default every locked file is examined: both tampered wheels fail.
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        statuses(&report, "native"),
        ["verified", "verified", "invalid"]
    );

    // On Linux the Windows wheel of `native` is left out; `winonly` has no file for Linux,
    // so all of it is still examined (and still fails).
    let linux = [
        "uv.lock",
        "--format",
        "json",
        "--python",
        "3.12",
        "--platform",
        "manylinux_2_28_x86_64",
    ];
    let run = site.check(dir.path(), &linux);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(statuses(&report, "native"), ["verified", "verified"]);
    assert_eq!(statuses(&report, "winonly"), ["invalid"]);
    assert!(
        run.stderr.contains(
            "only files that install on Python 3.12 on manylinux_2_28_x86_64 were examined"
        ) && run.stderr.contains("1 locked file(s) left out"),
        "{}",
        run.stderr
    );

    // Python 3.11: the cp312 wheels are left out, the sdist is not.
    let run = site.check(
        dir.path(),
        &["uv.lock", "--format", "json", "--python", "3.11"],
    );
    let report = run.json();
    assert_eq!(statuses(&report, "native"), ["verified"]);
}

#[test]
fn targets_are_checked_before_anything_runs() {
    let (site, dir) = setup();
    let run = site.check(dir.path(), &["uv.lock", "--platform", "manylinux_x_86"]);
    run.expect_code(2);
    assert!(run.stderr.contains("manylinux_x_86"), "{}", run.stderr);
    let run = site.check(dir.path(), &["uv.lock", "--python", "2.7"]);
    run.expect_code(2);
}

#[test]
fn the_policy_environment_scopes_a_run_and_the_flags_replace_it() {
    let (site, dir) = setup();
    std::fs::write(
        dir.path().join("pubgate.toml"),
        "schema = 1\n\n[environment]\npython = \"3.12\"\nplatforms = [\"manylinux_2_28_x86_64\"]\n",
    )
    .unwrap();
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    let report = run.json();
    assert_eq!(statuses(&report, "native"), ["verified", "verified"]);
    assert!(
        run.stderr.contains("1 locked file(s) left out"),
        "{}",
        run.stderr
    );
    // The flags replace the table: on Windows, the tampered wheel is examined again.
    let run = site.check(
        dir.path(),
        &["uv.lock", "--format", "json", "--platform", "win_amd64"],
    );
    let report = run.json();
    assert_eq!(statuses(&report, "native"), ["verified", "invalid"]);

    std::fs::write(
        dir.path().join("pubgate.toml"),
        "schema = 1\n\n[environment]\npython = \"3\"\nplatform = \"linux\"\n",
    )
    .unwrap();
    let run = site.check(dir.path(), &["uv.lock"]);
    run.expect_code(2);
    assert!(run.stderr.contains("pubgate.toml:"), "{}", run.stderr);
}

//! Evaluation and policy under attack: evidence that names no file, exemptions that could
//! hide more than they name, names spelled differently than the policy, ref globs that
//! try to climb out of `refs/tags/`. Evidence is built by hand: no network, no crypto.

mod gate_support;

use gate_support::*;
use pubgate::policy::{self, PolicySource};
use pubgate::report::Report;
use pubgate::rules::Level;

#[test]
fn an_index_package_with_no_examined_file_fails_closed() {
    // Evidence for an index package that names no file at all (a caller of the library,
    // or a resolver bug): nothing was verified, so nothing may pass.
    let lock = lockfile("uv.lock", vec![pkg("ghost", "1.0", 4, vec![])]);
    let findings = eval(&[lock], &default_policy());
    let f = only(&findings, "PG103");
    assert_eq!(f.level, Level::Deny);
    assert!(
        f.message.contains("no file of this release was examined"),
        "{}",
        f.message
    );
}

#[test]
fn an_invalid_provenance_exemption_cannot_hide_behind_a_glob() {
    // `package = "*"` with `versions = "==1.0"` would accept broken provenance of any
    // package that ever reaches 1.0.
    for package in ["*", "requests*", "req?ests", "{requests,urllib3}"] {
        let text = format!(
            "schema = 1\n[[exemption]]\npackage = \"{package}\"\nversions = \"==1.0\"\nrule = \"invalid-provenance\"\nreason = \"checked\"\n"
        );
        let err =
            policy::from_str(&text, PolicySource::File("pubgate.toml".into())).expect_err(package);
        assert!(err.message.contains("must name one package"), "{err}");
        assert_eq!(err.position.map(|p| p.line), Some(3));
    }
    // An exact name (any spelling) is fine, and covers only that package at that version.
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"Fast.Codec\"\nversions = \"==0.9.1\"\nrule = \"PG102\"\nreason = \"rebuilt and compared by hand\"\n",
    );
    let lock = lockfile(
        "uv.lock",
        vec![
            pkg(
                "fast-codec",
                "0.9.1",
                4,
                vec![artifact("fast_codec-0.9.1.tar.gz", bad_signature())],
            ),
            pkg(
                "other",
                "0.9.1",
                9,
                vec![artifact("other-0.9.1.tar.gz", bad_signature())],
            ),
        ],
    );
    assert_eq!(
        summary(&eval(&[lock], &pol)),
        [("PG102", Level::Deny, true), ("PG102", Level::Deny, false)]
    );
}

#[test]
fn a_package_name_spelled_differently_still_meets_its_policy() {
    // The policy names `foo-bar`; evidence handed in as `Foo.Bar` (PEP 503 says they are
    // one project) must still be held to its publisher requirement and exemptions.
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["foo-bar"]
publisher = { kind = "github", repository = "foo/bar", workflow = "release.yml" }

[[exemption]]
package = "FOO_BAR"
rule = "mixed-publishers"
reason = "wheels are built elsewhere"
"#,
    );
    let lock = lockfile(
        "uv.lock",
        vec![pkg(
            "Foo.Bar",
            "1.0",
            4,
            vec![
                artifact(
                    "foo_bar-1.0.tar.gz",
                    verified(github("evil/fork", "release.yml")),
                ),
                artifact(
                    "foo_bar-1.0-py3-none-any.whl",
                    verified(github("foo/bar", "release.yml")),
                ),
            ],
        )],
    );
    let findings = eval(&[lock], &pol);
    assert_eq!(
        summary(&findings),
        [("PG201", Level::Deny, false), ("PG204", Level::Warn, true)],
        "{findings:#?}"
    );
    assert_eq!(findings[0].package.as_deref(), Some("foo-bar"));
}

#[test]
fn a_ref_glob_does_not_climb_out_of_its_directory() {
    // `refs/tags/v*` stays within one path component: a ref that only starts like a tag
    // (or tries `..`, which git refuses anyway) does not match.
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["requests"]
publisher = { kind = "github", repository = "psf/requests", workflow = "publish.yml", ref = "refs/tags/v*" }
"#,
    );
    let judged = |git_ref: &str| {
        let mut publisher = github("psf/requests", "publish.yml");
        publisher.git_ref = Some(git_ref.into());
        let lock = lockfile(
            "uv.lock",
            vec![pkg(
                "requests",
                "2.32.3",
                4,
                vec![artifact("requests-2.32.3.tar.gz", verified(publisher))],
            )],
        );
        codes(&eval(&[lock], &pol))
    };
    assert!(judged("refs/tags/v2.32.3").is_empty());
    for hostile in [
        "refs/tags/v1/../../heads/main",
        "refs/tags/v1/x",
        "refs/tags/V2.32.3",
        "refs/heads/refs/tags/v1",
    ] {
        assert_eq!(judged(hostile), ["PG201"], "{hostile:?}");
    }
}

#[test]
fn deny_warnings_turns_a_warning_into_a_failure_but_not_an_exempted_one() {
    let lock = || {
        lockfile(
            "uv.lock",
            vec![pkg(
                "legacy",
                "1.0",
                4,
                vec![artifact("legacy-1.0.tar.gz", absent())],
            )],
        )
    };
    let pol = default_policy();
    let pass = Report::check(vec![lock()], &pol, today(), false);
    assert_eq!(pass.outcome().exit_code(), 0);
    let fail = Report::check(vec![lock()], &pol, today(), true);
    assert_eq!(fail.outcome().exit_code(), 1);
    let exempt = policy(
        "schema = 1\n[[exemption]]\npackage = \"legacy\"\nrule = \"missing-provenance\"\nreason = \"r\"\n",
    );
    let exempted = Report::check(vec![lock()], &exempt, today(), true);
    assert_eq!(exempted.outcome().exit_code(), 0);
}

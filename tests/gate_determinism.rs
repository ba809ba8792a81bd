//! Evaluation is deterministic: the same evidence in any order gives identical findings.

mod gate_support;

use gate_support::*;
use proptest::prelude::*;

fn shuffled(
    seed_lockfiles: Vec<usize>,
    seed_packages: Vec<usize>,
    seed_artifacts: Vec<usize>,
) -> Vec<pubgate::evidence::LockfileEvidence> {
    let (mut lockfiles, _) = realistic();
    permute(&mut lockfiles, &seed_lockfiles);
    for lf in &mut lockfiles {
        permute(&mut lf.packages, &seed_packages);
        for p in &mut lf.packages {
            permute(&mut p.artifacts, &seed_artifacts);
            if let pubgate::evidence::History::Previous(prev) = &mut p.history {
                permute(&mut prev.artifacts, &seed_artifacts);
            }
        }
    }
    lockfiles
}

/// Reorders `items` by repeatedly swapping with positions from `seed`.
fn permute<T>(items: &mut [T], seed: &[usize]) {
    if items.len() < 2 {
        return;
    }
    for (i, s) in seed.iter().enumerate() {
        let a = i % items.len();
        let b = s % items.len();
        items.swap(a, b);
    }
}

#[test]
fn the_realistic_set_yields_the_expected_findings() {
    let (lockfiles, policy) = realistic();
    let findings = eval(&lockfiles, &policy);
    let got: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}{}",
                f.rule.code(),
                f.level,
                f.package_spec(),
                f.location.line,
                if f.exempted_by.is_some() {
                    " exempted"
                } else {
                    ""
                }
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "PG002 warn six==1.16.0 2",
            "PG101 warn six==1.16.0 2",
            "PG001 deny flask 4",
            "PG202 deny pypi-attestations==0.0.30 21 exempted",
            "PG201 deny sampleproject==4.0.0 33",
            "PG202 deny sampleproject==4.0.0 33",
            "PG103 deny sigstore==3.6.1 45",
            "PG101 warn tinyhttp==1.4.0 57",
            "PG101 warn quickparse==2.1.0 69",
            "PG203 deny quickparse==2.1.0 69",
            "PG102 deny fastcodec==0.9.1 80",
            "PG102 deny fastcodec==0.9.1 80",
            "PG204 warn dualpub==1.0.0 92",
            "PG101 warn legacy-lib==1.2.0 104 exempted",
            "PG003 warn mylib==0.3.0 115",
            "PG006 deny  124",
            "PG004 warn acme-internal==3.1.0 124",
            "PG302 warn  18",
            "PG301 warn  33",
            "PG302 warn  39",
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn shuffled_evidence_gives_identical_findings(
        lockfile_seed in prop::collection::vec(0usize..100, 0..4),
        package_seed in prop::collection::vec(0usize..100, 0..24),
        artifact_seed in prop::collection::vec(0usize..100, 0..6),
    ) {
        let (reference, policy) = realistic();
        let expected = eval(&reference, &policy);
        let got = eval(&shuffled(lockfile_seed, package_seed, artifact_seed), &policy);
        prop_assert_eq!(got, expected);
    }
}

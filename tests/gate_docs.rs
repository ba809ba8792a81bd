//! The docs keep up with the code: a section per rule in docs/rules.md at the anchor the
//! reports link to, and every policy key in docs/policy.md.

use std::collections::BTreeSet;

use pubgate::rules::Rule;

/// GitHub's heading anchor: lowercase, spaces to `-`, other punctuation dropped.
fn github_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_rule_has_a_section_at_its_anchor_in_code_order() {
    let text = std::fs::read_to_string("docs/rules.md").unwrap();
    let sections: Vec<(&str, &str)> = text
        .split("\n## ")
        .skip(1)
        .map(|s| s.split_once('\n').unwrap())
        .collect();
    let anchors: Vec<String> = sections.iter().map(|(h, _)| github_anchor(h)).collect();
    let expected: Vec<String> = Rule::ALL.iter().map(|r| r.anchor()).collect();
    assert_eq!(anchors, expected);
    for ((heading, body), rule) in sections.iter().zip(Rule::ALL) {
        assert_eq!(*heading, format!("{} {}", rule.code(), rule.slug()));
        for part in [
            "**What it means.**",
            "**Why it matters.**",
            "**How to fix.**",
            "**Example.**",
        ] {
            assert!(body.contains(part), "{rule}: no {part}");
        }
        assert!(
            body.contains(&format!("PG{}", &rule.code()[2..])),
            "{rule}: example"
        );
        // The summary table links to the section and states the default level.
        let row = format!(
            "| [{}](#{}) | {} | {} |",
            rule.code(),
            rule.anchor(),
            rule.slug(),
            rule.default_level()
        );
        assert!(text.contains(&row), "missing table row: {row}");
        assert!(rule
            .docs_url()
            .ends_with(&format!("docs/rules.md#{}", rule.anchor())));
    }
}

#[test]
fn codes_and_slugs_are_unique() {
    let codes: BTreeSet<_> = Rule::ALL.iter().map(|r| r.code()).collect();
    let slugs: BTreeSet<_> = Rule::ALL.iter().map(|r| r.slug()).collect();
    assert_eq!(codes.len(), Rule::ALL.len());
    assert_eq!(slugs.len(), Rule::ALL.len());
    assert!(codes.is_disjoint(&slugs));
}

#[test]
fn every_policy_key_is_documented() {
    let text = std::fs::read_to_string("docs/policy.md").unwrap();
    for key in [
        "schema",
        "[rules]",
        "[[package]]",
        "names",
        "rules",
        "publisher",
        "kind",
        "repository",
        "workflow",
        "workflow_filepath",
        "environment",
        "email",
        "project_id",
        "pipeline_definition_id",
        "ref",
        "[[exemption]]",
        "package",
        "versions",
        "rule",
        "reason",
        "expires",
        "hashes",
        "[sources]",
        "allow-indexes",
        "allow-trusted-hosts",
        "[environment]",
        "python",
        "platforms",
        "[limits]",
        "max-page-size",
        "[[project]]",
    ] {
        assert!(
            text.contains(&format!("`{key}`")),
            "docs/policy.md does not document `{key}`"
        );
    }
}

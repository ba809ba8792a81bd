//! Property tests: every page parser does work linear in its input, whatever its shape.
//! Work is counted in bytes examined by the scanning primitives ([`super::scan::steps`]),
//! never in wall-clock time. Shapes are the ones that made naive parsers quadratic: long
//! runs of one byte (`&` without `;`, `-`, `<`, quotes), many short tokens, many
//! attributes, huge attribute values, deep nesting.

use proptest::prelude::*;
use reqwest::Url;

use super::scan::steps;
use super::{filename_version, parse_html, parse_json};

/// Bytes examined per input byte, at most. Each byte is looked at by a handful of passes
/// (tag scan, attribute scan, entity decoding, URL hash scan); the constant covers the
/// bounded look-aheads (an entity name, the hash algorithm names after a `#` or `&`).
const PER_BYTE: u64 = 160;

fn page_url() -> Url {
    Url::parse("https://pypi.test/simple/a/").unwrap()
}

fn html_steps(page: &str) -> u64 {
    steps(|| parse_html(page.as_bytes(), &page_url())).1
}

fn json_steps(page: &str) -> u64 {
    steps(|| parse_json(page.as_bytes(), &page_url())).1
}

/// Pieces that adversarial pages are made of.
const HTML_PIECES: [&str; 26] = [
    "&",
    "&#",
    "&#x",
    "&amp",
    "&am",
    "&a",
    ";",
    "<",
    "<a",
    "<a ",
    "<a href=",
    "<a href=\"",
    "\"",
    "'",
    "=",
    ">",
    "</a",
    "<!--",
    "-->",
    "<script>",
    "<base href=x>",
    "#sha256=",
    "&sha256=",
    "%",
    "-",
    " data-x=y",
];

fn html_page() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(HTML_PIECES.to_vec()), 1..5),
        1usize..1500,
        prop::sample::select(vec![
            "",
            "<a href=\"",
            "<a href=x data-provenance=\"",
            "<!--",
        ]),
    )
        .prop_map(|(unit, repeat, prefix)| format!("{prefix}{}", unit.concat().repeat(repeat)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn html_parsing_is_linear(page in html_page()) {
        let work = html_steps(&page);
        prop_assert!(
            work <= PER_BYTE * page.len() as u64 + 1024,
            "{work} steps for {} bytes", page.len()
        );
    }

    #[test]
    fn attribute_values_are_decoded_in_linear_time(
        unit in prop::collection::vec(
            prop::sample::select(vec!["&", "&#", "&#x", "&amp", "&a", "&#9", ";", "#sha256=", "&md5=", "%", "/", "'", "<", ">"]),
            1..4,
        ),
        repeat in 1usize..4000,
        attribute in prop::sample::select(vec!["href", "data-provenance", "data-yanked", "name", "title"]),
    ) {
        let page = format!("<meta name=x><a {attribute}=\"{}\" href=\"a-1.0.tar.gz\">", unit.concat().repeat(repeat));
        let work = html_steps(&page);
        prop_assert!(work <= PER_BYTE * page.len() as u64 + 1024, "{work} steps for {} bytes", page.len());
    }

    #[test]
    fn json_parsing_is_linear(
        unit in prop::sample::select(vec!["&", "-", "#sha256=", "&sha512=a", "%", "/", "a-"]),
        repeat in 1usize..1500,
        files in 1usize..40,
    ) {
        let long = unit.repeat(repeat);
        let entry = format!(
            r#"{{"filename":"a{long}-1.0.tar.gz","url":"https://f/{long}#{long}","hashes":{{"sha256":"{long}","md5":"{long}"}},"provenance":null}}"#
        );
        let page = format!(
            r#"{{"meta":{{"api-version":"1.4"}},"files":[{}]}}"#,
            vec![entry; files].join(",")
        );
        let work = json_steps(&page);
        prop_assert!(work <= PER_BYTE * page.len() as u64 + 1024, "{work} steps for {} bytes", page.len());
    }

    #[test]
    fn filename_versions_are_found_in_linear_time(
        unit in prop::sample::select(vec!["-", "a-", "_-", ".", "A"]),
        repeat in 1usize..20000,
    ) {
        let name = format!("{}-1.0.tar.gz", unit.repeat(repeat));
        let project = unit.repeat(repeat / 2).to_lowercase();
        let (_, work) = steps(|| filename_version(&name, &project));
        prop_assert!(work <= 2 * name.len() as u64 + 16, "{work} steps for {} bytes", name.len());
    }
}

/// Doubling the input at most doubles the work (within a margin), for the shapes that
/// made the old parser quadratic: a count that grows like the square of the input fails.
#[test]
fn doubling_a_page_doubles_the_work() {
    let shapes: [(&str, &str, &str); 6] = [
        (
            "<a href=\"x-1.0.tar.gz\" data-provenance=\"",
            "&",
            "\">x</a>",
        ),
        ("<a href=\"", "&a", "\">"),
        ("", "<a href=x>", ""),
        ("<a ", "data-x=\"y\" ", "href=z>"),
        ("<a href=\"https://h/x-1.0.tar.gz#", "&sha256=", "\">"),
        ("", "<!-- <a href=x>", ""),
    ];
    for (prefix, unit, suffix) in shapes {
        let page = |n: usize| format!("{prefix}{}{suffix}", unit.repeat(n));
        let small = html_steps(&page(20_000)).max(1);
        let large = html_steps(&page(40_000));
        assert!(
            large <= small * 2 + small / 5,
            "`{unit}`: {small} steps for 20000 repeats, {large} for 40000"
        );
    }
    let json = |n: usize| {
        format!(
            r#"{{"files":[{{"filename":"{}-1.0.tar.gz","url":"https://h/x#{}"}}]}}"#,
            "a-".repeat(n),
            "&md5=".repeat(n)
        )
    };
    let small = json_steps(&json(20_000)).max(1);
    let large = json_steps(&json(40_000));
    assert!(large <= small * 2 + small / 5, "json: {small} then {large}");
}

/// The page of the issue: 1.5 MB of `&` without `;` in an attribute value.
#[test]
fn a_page_of_ampersands_is_read_in_one_pass() {
    let page = format!(
        "<a href=\"x-1.0.tar.gz\" data-provenance=\"{}\">x</a>",
        "&".repeat(1_500_000)
    );
    let (parsed, work) = steps(|| parse_html(page.as_bytes(), &page_url()));
    assert_eq!(parsed.unwrap().files.len(), 1);
    assert!(work <= PER_BYTE * page.len() as u64, "{work}");
}

/// Deep nesting is skipped iteratively where pubgate ignores it, and refused by the JSON
/// reader's recursion limit where it reads a value: never a deep recursion.
#[test]
fn deeply_nested_json_is_skipped_or_refused() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let skipped = format!(
        r#"{{"files":[{{"filename":"a-1.0.tar.gz","hashes":{nested},"extra":{nested}}}]}}"#
    );
    let page = parse_json(skipped.as_bytes(), &page_url()).unwrap();
    assert!(page.files[0].hashes.is_empty());
    let read = format!(r#"{{"files":[{{"filename":"a-1.0.tar.gz","provenance":{nested}}}]}}"#);
    assert!(parse_json(read.as_bytes(), &page_url()).is_err());
}

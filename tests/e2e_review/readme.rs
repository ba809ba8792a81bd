//! The README's "Start a policy" and "Review a dependency change" show real output: each
//! command runs offline on `fixtures/demo/` and prints exactly the README's block.

use super::e2e_support::*;
use super::repo_file;

/// The body of the ```text block after `<!-- demo: NAME -->`: its `$ command` line (without
/// `$ pubgate `) and the output below it.
fn readme_block(name: &str) -> (Vec<String>, String) {
    let readme = repo_file("README.md");
    let marker = format!("<!-- demo: {name} -->");
    let start = readme.find(&marker).expect("marker in README");
    let after = &readme[start..];
    let open = after.find("```text\n").expect("text block") + "```text\n".len();
    let close = after[open..].find("```").expect("closing fence");
    let block = &after[open..open + close];
    let (command, output) = block.split_once('\n').expect("a command line");
    let args = command
        .strip_prefix("$ pubgate ")
        .expect("the block starts with `$ pubgate …`")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    (args, output.to_string())
}

/// Runs the README's command of block `name` from the repository root.
fn run_block(name: &str) -> (Run, String) {
    let (args, shown) = readme_block(name);
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = pubgate(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    cmd.args(&args).arg("--cache-dir").arg(cache.path());
    (Run::of(cmd), shown)
}

#[test]
fn the_readme_init_prints_what_the_readme_shows() {
    let (run, shown) = run_block("init");
    run.expect_code(0);
    assert_eq!(run.stdout, shown);
    // What check would still deny is said on stderr.
    assert!(
        run.stderr
            .contains("`pubgate check` still denies 1 finding under it"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("PG202 publisher-change  pypi-attestations==0.0.30"));
}

#[test]
fn the_readme_diff_prints_what_the_readme_shows() {
    let (run, shown) = run_block("diff");
    run.expect_code(0);
    assert_eq!(run.stdout, shown);
}

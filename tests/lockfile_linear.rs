//! Every lockfile reader runs in time linear in its input. Adversarial shapes (long runs of
//! one byte, many short tokens, one release repeated, deep nesting) are read at a size and
//! at eight times that size; the larger read may take at most `MAX_RATIO` times as long
//! (linear: 8×, quadratic: 64×). This compares two runs of the same code on the same
//! machine, never against a wall-clock threshold; each is the best of a few runs.

use std::path::Path;
use std::time::{Duration, Instant};

use pubgate::lockfile;

const SCALE: usize = 8;
const MAX_RATIO: f64 = 24.0;

fn best_time(name: &str, text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let result = lockfile::parse_str(text, Path::new(name), None);
            let elapsed = start.elapsed();
            std::hint::black_box(result.is_ok());
            elapsed
        })
        .min()
        .unwrap_or_default()
}

/// Reads `make(n)` and `make(SCALE * n)`, doubling `n` until the small read takes long
/// enough to measure, and checks the ratio.
fn assert_linear(shape: &str, name: &str, make: impl Fn(usize) -> String) {
    let mut n = 256;
    loop {
        let small = make(n);
        let small_time = best_time(name, &small);
        if small_time < Duration::from_millis(30) {
            if small.len() < 4 << 20 {
                n *= 2;
                continue;
            }
            // 4 MiB read faster than the timer's useful resolution: far below what any
            // superlinear reading of that size could do; nothing to compare
            return;
        }
        let large = make(SCALE * n);
        let large_time = best_time(name, &large);
        let ratio = large_time.as_secs_f64() / small_time.as_secs_f64().max(1e-9);
        assert!(
            ratio < MAX_RATIO,
            "{shape}: {} bytes took {small_time:?}, {} bytes took {large_time:?} ({ratio:.1}×, linear is {SCALE}×)",
            small.len(),
            large.len()
        );
        return;
    }
}

fn digest(i: usize) -> String {
    format!("{i:064x}")
}

#[test]
fn requirements_shapes_are_linear() {
    assert_linear("many hashes on one line", "requirements.txt", |n| {
        let mut line = "a==1".to_string();
        for i in 0..n {
            line.push_str(&format!(" --hash=sha256:{}", digest(i)));
        }
        line
    });
    assert_linear(
        "one release repeated with other hashes",
        "requirements.txt",
        |n| {
            (0..n)
                .map(|i| format!("a==1 --hash=sha256:{}\n", digest(i)))
                .collect()
        },
    );
    assert_linear("a long continuation", "requirements.txt", |n| {
        let mut text = "a==1 \\\n".to_string();
        for i in 0..n {
            text.push_str(&format!("  --hash=sha512:{}{} \\\n", digest(i), digest(i)));
        }
        text
    });
    assert_linear(
        "many trusted hosts and find-links",
        "requirements.txt",
        |n| {
            (0..n)
                .map(|i| format!("--trusted-host h{i}.example\n-f https://l{i}.example/\n"))
                .collect()
        },
    );
    assert_linear("a long run of `#` after spaces", "requirements.txt", |n| {
        format!("a==1{}\n", " #".repeat(n))
    });
    assert_linear(
        "a long run of one byte in a name",
        "requirements.txt",
        |n| format!("{}==1\n", "a".repeat(n)),
    );
    assert_linear(
        "a long run of spaces before options",
        "requirements.txt",
        |n| format!("a==1{}--hash=sha256:{}\n", " ".repeat(n), digest(0)),
    );
    assert_linear("many `${` in a line", "requirements.txt", |n| {
        format!("-i https://h.example/{}\n", "${".repeat(n))
    });
    assert_linear("escapes in options", "requirements.txt", |n| {
        format!("--trusted-host h{}x\n", "\\\\".repeat(n))
    });
    assert_linear(
        "many `coding` words on the first line",
        "requirements.txt",
        |n| format!("#{}\na==1\n", " coding".repeat(n)),
    );
    assert_linear("many short lines", "requirements.txt", |n| {
        (0..n).map(|i| format!("p{i}==1\n")).collect()
    });
}

#[test]
fn other_readers_shapes_are_linear() {
    assert_linear(
        "Pipfile.lock: many sources, many packages naming them",
        "Pipfile.lock",
        |n| {
            let sources: Vec<String> = (0..n)
                .map(|i| {
                    format!("{{\"name\": \"s{i}\", \"url\": \"https://s{i}.example/simple\"}}")
                })
                .collect();
            let packages: Vec<String> = (0..n)
                .map(|i| format!("\"p{i}\": {{\"version\": \"==1\", \"index\": \"s{i}\"}}"))
                .collect();
            format!(
                "{{\"_meta\": {{\"pipfile-spec\": 6, \"sources\": [{}]}}, \"default\": {{{}}}}}",
                sources.join(","),
                packages.join(",")
            )
        },
    );
    assert_linear(
        "pdm.lock: one release repeated with other files",
        "pdm.lock",
        |n| {
            let mut text = "[metadata]\nlock_version = \"4.5.0\"\n".to_string();
            for i in 0..n {
                text.push_str(&format!(
                "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{{file = \"a-1-{i}.tar.gz\", hash = \"sha256:{}\"}}]\n",
                digest(i)
            ));
            }
            text
        },
    );
    assert_linear(
        "poetry.lock 1.x: many files of one name",
        "poetry.lock",
        |n| {
            let mut text = String::new();
            for v in 0..8 {
                text.push_str(&format!("[[package]]\nname = \"a\"\nversion = \"{v}.0\"\n"));
            }
            text.push_str("[metadata]\nlock-version = \"1.1\"\ncontent-hash = \"x\"\n[metadata.files]\na = [\n");
            for i in 0..n {
                text.push_str(&format!(
                    "  {{file = \"a-{}.0.tar.gz\", hash = \"sha256:{}\"}},\n",
                    i % 8,
                    digest(i)
                ));
            }
            text.push_str("]\n");
            text
        },
    );
    assert_linear("uv.lock: many wheels", "uv.lock", |n| {
        let mut text = "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://pypi.org/simple\" }\nwheels = [\n".to_string();
        for i in 0..n {
            text.push_str(&format!(
                "    {{ url = \"https://f.example/a-1-{i}-py3-none-any.whl\", hash = \"sha256:{}\" }},\n",
                digest(i)
            ));
        }
        text.push_str("]\n");
        text
    });
}

#[test]
fn deep_nesting_is_an_error_never_a_crash() {
    let deep = 100_000;
    let marker = format!(
        "a==1; {}os_name == 'x'{}\n",
        "(".repeat(deep),
        ")".repeat(deep)
    );
    let err = lockfile::parse_str(&marker, Path::new("requirements.txt"), None).unwrap_err();
    assert!(err.to_string().contains("nests parentheses"), "{err}");
    // 64 levels still read
    let marker = format!("a==1; {}os_name == 'x'{}\n", "(".repeat(64), ")".repeat(64));
    assert!(lockfile::parse_str(&marker, Path::new("requirements.txt"), None).is_ok());
    for (name, text) in [
        (
            "poetry.lock",
            format!("x = {}{}\n", "[".repeat(deep), "]".repeat(deep)),
        ),
        (
            "uv.lock",
            format!(
                "version = 1\nx = {}1{}\n",
                "{a=".repeat(deep),
                "}".repeat(deep)
            ),
        ),
        (
            "pylock.toml",
            format!("x = {}{}\n", "[".repeat(deep), "]".repeat(deep)),
        ),
    ] {
        assert!(
            lockfile::parse_str(&text, Path::new(name), None).is_err(),
            "{name}"
        );
    }
}

//! The lockfiles the installers and pubgate are compared on: every fixture of a format
//! under `fixtures/lockfiles/`, and seeded variants of each format — extra keys and
//! sections, groups, categories, extras and markers, several hash algorithms, empty and
//! missing file lists, foreign URLs, source and index references (with the project file
//! that resolves them), duplicates, odd encodings, and invalid documents.

use std::path::{Path, PathBuf};

use crate::harness::Rng;

pub const SEED: u64 = 0x5EED_0014;

/// One lockfile to compare, in a directory of its own.
pub struct Case {
    pub id: String,
    /// What the generator put in it, for failure messages.
    pub what: String,
    pub path: PathBuf,
    /// The source is compared only by kind (set where an installer resolves a
    /// source through configuration the case does not model).
    pub sources_differ_on_purpose: bool,
}

/// How many generated variants per format.
const VARIANTS: usize = 36;

pub fn cases(format: &str, rng: &mut Rng, root: &Path) -> Vec<Case> {
    let (dir, name) = match format {
        "uv" => ("uv", "uv.lock"),
        "poetry" => ("poetry", "poetry.lock"),
        "pipfile" => ("pipfile", "Pipfile.lock"),
        "pdm" => ("pdm", "pdm.lock"),
        "pylock" => ("pylock", "pylock.toml"),
        other => panic!("no cases for {other}"),
    };
    let mut out = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lockfiles")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            !file.ends_with(".json") && !file.ends_with(".md")
        })
        .collect();
    paths.sort();
    for (n, fixture) in paths.iter().enumerate() {
        let case_dir = root.join(format!("fixture-{n}"));
        std::fs::create_dir_all(&case_dir).unwrap();
        let path = case_dir.join(name);
        std::fs::copy(fixture, &path).unwrap();
        out.push(Case {
            id: format!("fixture-{n}"),
            what: format!("fixture {}", fixture.file_name().unwrap().to_string_lossy()),
            path,
            sources_differ_on_purpose: false,
        });
    }
    for n in 0..VARIANTS {
        let case_dir = root.join(format!("case-{n}"));
        std::fs::create_dir_all(&case_dir).unwrap();
        let mut what = Vec::new();
        let (bytes, project) = match format {
            "uv" => uv(rng, &mut what),
            "poetry" => poetry(rng, &mut what),
            "pipfile" => pipfile(rng, &mut what),
            "pdm" => pdm(rng, &mut what),
            _ => pylock(rng, &mut what),
        };
        let bytes = encode(rng, bytes, &mut what);
        let path = case_dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        for (file, text) in project {
            let at = case_dir.join(file);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, text).unwrap();
        }
        out.push(Case {
            id: format!("case-{n}"),
            what: what.join(", "),
            path,
            sources_differ_on_purpose: false,
        });
    }
    out
}

/// Files written beside the lockfile: (path relative to it, text).
type Project = Vec<(String, String)>;

/// Odd encodings: a BOM, CRLF line ends, invalid UTF-8.
fn encode(rng: &mut Rng, text: String, what: &mut Vec<String>) -> Vec<u8> {
    match rng.below(30) {
        0 => {
            what.push("UTF-8 BOM".into());
            [b"\xEF\xBB\xBF".to_vec(), text.into_bytes()].concat()
        }
        1 => {
            what.push("CRLF".into());
            text.replace('\n', "\r\n").into_bytes()
        }
        2 => {
            what.push("invalid UTF-8".into());
            let mut bytes = text.into_bytes();
            let at = bytes.len() / 2;
            bytes.insert(at, 0xff);
            bytes
        }
        _ => text.into_bytes(),
    }
}

const PYPI: &str = "https://pypi.org/simple";
const FILES: &str = "https://files.pythonhosted.org/packages/ab/cd";
const OTHER_INDEX: &str = "https://mirror.example/simple";

/// A hash in an algorithm the format's installers know (mostly sha256), sometimes an
/// algorithm or a length they refuse.
fn hash(rng: &mut Rng, what: &mut Vec<String>, algorithms: &[(&str, usize)]) -> (String, String) {
    // the last entry is one some installer refuses: rarely, or most files would be refused
    let (algorithm, len) = if rng.chance(4) {
        algorithms[algorithms.len() - 1]
    } else {
        algorithms[rng.below(algorithms.len() - 1)]
    };
    let mut digest = rng.hex(len);
    if rng.chance(2) {
        digest.truncate(len - 2);
        what.push(format!("short {algorithm}"));
    } else if algorithm != "sha256" {
        what.push(algorithm.to_string());
    }
    if rng.chance(5) {
        digest = digest.to_uppercase();
        what.push("upper-case digest".into());
    }
    (algorithm.to_string(), digest)
}

fn version(rng: &mut Rng) -> String {
    rng.pick(&["1.0", "2.3.4", "1.0.post1", "0.9rc1", "3.0"])
        .to_string()
}

fn project_name(n: usize) -> String {
    format!("pkg{n}")
}

// ---- uv.lock ----

fn uv(rng: &mut Rng, what: &mut Vec<String>) -> (String, Project) {
    let algorithms: &[(&str, usize)] = &[
        ("sha256", 64),
        ("sha256", 64),
        ("sha512", 128),
        ("sha384", 96),
        ("md5", 32),
        ("blake2b", 64),
        ("sha1", 40),
    ];
    let count = 1 + rng.below(4);
    let mut packages = String::new();
    let mut deps = Vec::new();
    let mut extra = Vec::new();
    let mut group = Vec::new();
    for n in 0..count {
        let name = project_name(n);
        let v = version(rng);
        let mut entry = format!("[[package]]\nname = \"{name}\"\nversion = \"{v}\"\n");
        match rng.below(10) {
            0 => {
                what.push("git".into());
                entry.push_str(&format!(
                    "source = {{ git = \"https://git.example/{name}?rev=v1#{}\" }}\n",
                    rng.hex(40)
                ));
            }
            1 => {
                what.push("url".into());
                let (a, d) = hash(rng, what, algorithms);
                let url = format!("https://files.example/{name}-{v}-py3-none-any.whl");
                entry.push_str(&format!("source = {{ url = \"{url}\" }}\nwheels = [\n    {{ url = \"{url}\", hash = \"{a}:{d}\" }},\n]\n"));
            }
            2 => {
                what.push("directory".into());
                entry.push_str(&format!("source = {{ directory = \"vendor/{name}\" }}\n"));
            }
            _ => {
                let index = if rng.chance(20) {
                    what.push("other index".into());
                    OTHER_INDEX
                } else {
                    PYPI
                };
                entry.push_str(&format!("source = {{ registry = \"{index}\" }}\n"));
                let base = if index == PYPI {
                    FILES.to_string()
                } else if rng.chance(50) {
                    what.push("foreign file URL".into());
                    "https://elsewhere.example/f".to_string()
                } else {
                    "https://mirror.example/f".to_string()
                };
                if rng.chance(80) {
                    let (a, d) = hash(rng, what, algorithms);
                    entry.push_str(&format!(
                        "sdist = {{ url = \"{base}/{name}-{v}.tar.gz\", hash = \"{a}:{d}\", size = 10 }}\n"
                    ));
                } else {
                    what.push("no sdist".into());
                }
                let wheels = rng.below(3);
                if wheels == 0 && rng.chance(50) {
                    what.push("empty wheels".into());
                    entry.push_str("wheels = []\n");
                } else if wheels > 0 {
                    entry.push_str("wheels = [\n");
                    for tag in ["py3-none-any", "cp312-cp312-manylinux_2_17_x86_64"]
                        .iter()
                        .take(wheels)
                    {
                        let (a, d) = hash(rng, what, algorithms);
                        let zstd = if rng.chance(15) {
                            what.push("zstd".into());
                            let (za, zd) = hash(rng, what, algorithms);
                            format!(", zstd = {{ hash = \"{za}:{zd}\", size = 5 }}")
                        } else {
                            String::new()
                        };
                        entry.push_str(&format!(
                            "    {{ url = \"{base}/{name}-{v}-{tag}.whl\", hash = \"{a}:{d}\", size = 9{zstd} }},\n"
                        ));
                    }
                    entry.push_str("]\n");
                }
            }
        }
        if rng.chance(10) {
            what.push("unknown key".into());
            entry.push_str("future-key = { a = 1 }\n");
        }
        packages.push_str(&entry);
        packages.push('\n');
        match rng.below(5) {
            0 => {
                what.push("extra".into());
                extra.push(name);
            }
            1 => {
                what.push("group".into());
                group.push(name);
            }
            _ => deps.push(name),
        }
    }
    let list = |names: &[String]| -> String {
        names
            .iter()
            .map(|n| format!("{{ name = \"{n}\" }}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut root = format!(
        "[[package]]\nname = \"case\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [{}]\n",
        list(&deps)
    );
    if !extra.is_empty() {
        root.push_str(&format!(
            "\n[package.optional-dependencies]\nx = [{}]\n",
            list(&extra)
        ));
    }
    if !group.is_empty() {
        root.push_str(&format!(
            "\n[package.dev-dependencies]\ndev = [{}]\n",
            list(&group)
        ));
    }
    let header = match rng.below(20) {
        0 => {
            what.push("version 2".into());
            "version = 2\nrevision = 1\n"
        }
        1 => {
            what.push("revision 9".into());
            "version = 1\nrevision = 9\n"
        }
        _ => "version = 1\nrevision = 3\n",
    };
    let sections = if rng.chance(10) {
        what.push("unknown section".into());
        "\n[future]\nkey = \"value\"\n"
    } else {
        ""
    };
    (
        format!("{header}requires-python = \">=3.9\"\n{sections}\n{packages}{root}"),
        Vec::new(),
    )
}

// ---- poetry.lock ----

fn poetry(rng: &mut Rng, what: &mut Vec<String>) -> (String, Project) {
    let algorithms: &[(&str, usize)] = &[
        ("sha256", 64),
        ("sha256", 64),
        ("sha512", 128),
        ("md5", 32),
        ("sha1", 40),
        ("blake2b", 128),
    ];
    let lock_version = *rng.pick(&[
        "2.1", "2.1", "2.1", "2.1", "2.1", "2.0", "1.1", "1.1", "3.0", "",
    ]);
    if lock_version != "2.1" {
        what.push(format!("lock-version `{lock_version}`"));
    }
    let legacy = lock_version.starts_with('1');
    let mut packages = String::new();
    let mut shared = String::new();
    // project sources: (name, url, priority)
    // the project's URL for `private` is not always the one the lock recorded
    let configured = if rng.chance(50) {
        OTHER_INDEX.to_string()
    } else {
        "https://configured.example/simple".to_string()
    };
    let sources: Vec<(String, String, &str)> = match rng.below(4) {
        0 => vec![("private".into(), configured, "primary")],
        1 => vec![(
            "private".into(),
            configured,
            *rng.pick(&["supplemental", "explicit"]),
        )],
        _ => Vec::new(),
    };
    if !sources.is_empty() {
        what.push(format!("[tool.poetry.source] {}", sources[0].2));
    }
    for n in 0..1 + rng.below(4) {
        let name = if rng.chance(20) {
            what.push("pretty name".into());
            format!("Pkg_{n}")
        } else {
            project_name(n)
        };
        let v = version(rng);
        let mut entry =
            format!("[[package]]\nname = \"{name}\"\nversion = \"{v}\"\ndescription = \"\"\n");
        if rng.chance(97) {
            entry.push_str("optional = false\n");
        } else {
            what.push("no `optional`".into());
        }
        if rng.chance(97) {
            entry.push_str("python-versions = \"*\"\n");
        } else {
            what.push("no `python-versions`".into());
        }
        match rng.below(3) {
            0 => {
                what.push("groups".into());
                entry.push_str("groups = [\"main\", \"dev\"]\nmarkers = {main = \"python_version >= '3.8'\", dev = \"sys_platform == 'linux'\"}\n");
            }
            1 => entry.push_str("groups = [\"main\"]\nmarkers = \"python_version >= '3.8'\"\n"),
            _ => {}
        }
        let mut files = Vec::new();
        for suffix in ["tar.gz", "py3-none-any.whl"] {
            let file = if suffix == "tar.gz" {
                format!("{name}-{v}.tar.gz")
            } else {
                format!("{name}-{v}-py3-none-any.whl")
            };
            for _ in 0..1 + usize::from(rng.chance(20)) {
                let (a, d) = hash(rng, what, algorithms);
                files.push(format!("{{file = \"{file}\", hash = \"{a}:{d}\"}}"));
            }
        }
        let source = match rng.below(10) {
            0 => {
                what.push("git".into());
                format!("\n[package.source]\ntype = \"git\"\nurl = \"https://git.example/{name}.git\"\nreference = \"main\"\nresolved_reference = \"{}\"\n", rng.hex(40))
            }
            1 => {
                what.push("url".into());
                format!("\n[package.source]\ntype = \"url\"\nurl = \"https://files.example/{name}-{v}.tar.gz\"\n")
            }
            2 => {
                what.push("directory".into());
                format!("develop = {}\n\n[package.source]\ntype = \"directory\"\nurl = \"vendor/{name}\"\n", rng.chance(50))
            }
            3 | 4 if !sources.is_empty() || rng.chance(15) => {
                let (reference, url) = if rng.chance(85) {
                    ("private", OTHER_INDEX)
                } else {
                    what.push("unknown reference".into());
                    ("nowhere", "https://nowhere.example/simple")
                };
                what.push("legacy".into());
                format!("\n[package.source]\ntype = \"legacy\"\nurl = \"{url}\"\nreference = \"{reference}\"\n")
            }
            _ => String::new(),
        };
        if legacy {
            shared.push_str(&format!(
                "{} = [\n    {},\n]\n",
                name,
                files.join(",\n    ")
            ));
        } else {
            match rng.below(12) {
                0 => {
                    what.push("files = []".into());
                    entry.push_str("files = []\n");
                    if rng.chance(50) {
                        what.push("and [metadata.files]".into());
                        shared.push_str(&format!(
                            "{} = [\n    {},\n]\n",
                            name,
                            files.join(",\n    ")
                        ));
                    }
                }
                1 => {
                    what.push("no files key".into());
                    shared.push_str(&format!(
                        "{} = [\n    {},\n]\n",
                        name,
                        files.join(",\n    ")
                    ));
                }
                _ => entry.push_str(&format!("files = [\n    {},\n]\n", files.join(",\n    "))),
            }
        }
        if rng.chance(10) {
            what.push("unknown key".into());
            entry.push_str("future-key = \"x\"\n");
        }
        let (body, table) = match source.split_once("\n[package.source]") {
            Some((before, after)) => (before.to_string(), format!("\n[package.source]{after}")),
            None => (source, String::new()),
        };
        packages.push_str(&entry);
        packages.push_str(&body);
        packages.push_str(&table);
        packages.push('\n');
    }
    let mut metadata = String::from("\n[metadata]\n");
    if !lock_version.is_empty() {
        metadata.push_str(&format!("lock-version = \"{lock_version}\"\n"));
    }
    metadata.push_str("python-versions = \"*\"\ncontent-hash = \"x\"\n");
    if !shared.is_empty() {
        metadata.push_str(&format!("\n[metadata.files]\n{shared}"));
    }
    let project = if sources.is_empty() && rng.chance(50) {
        Vec::new()
    } else {
        let mut text = String::from("[tool.poetry]\nname = \"case\"\nversion = \"0\"\n");
        for (name, url, priority) in &sources {
            text.push_str(&format!(
                "\n[[tool.poetry.source]]\nname = \"{name}\"\nurl = \"{url}\"\npriority = \"{priority}\"\n"
            ));
        }
        vec![("pyproject.toml".to_string(), text)]
    };
    (format!("{packages}{metadata}"), project)
}

// ---- Pipfile.lock ----

fn pipfile(rng: &mut Rng, what: &mut Vec<String>) -> (String, Project) {
    let algorithms: &[(&str, usize)] = &[
        ("sha256", 64),
        ("sha256", 64),
        ("sha512", 128),
        ("sha384", 96),
        ("md5", 32),
    ];
    let mut project: Project = Vec::new();
    let mut sources = Vec::new();
    let source_count = rng.below(4);
    for n in 0..source_count {
        let (name, url) = match n {
            0 if rng.chance(70) => ("pypi".to_string(), PYPI.to_string()),
            _ => (format!("s{n}"), format!("https://mirror{n}.example/simple")),
        };
        let verify = !rng.chance(15);
        if !verify {
            what.push("verify_ssl false".into());
        }
        sources.push((name, url, verify));
    }
    let meta_sources: Vec<String> = sources
        .iter()
        .map(|(n, u, v)| format!("{{\"name\": \"{n}\", \"url\": \"{u}\", \"verify_ssl\": {v}}}"))
        .collect();
    if sources.is_empty() {
        what.push("no _meta.sources".into());
        if rng.chance(50) {
            what.push("Pipfile [[source]]".into());
            project.push((
                "Pipfile".into(),
                format!("[[source]]\nname = \"own\"\nurl = \"{OTHER_INDEX}\"\nverify_ssl = true\n\n[packages]\n"),
            ));
        }
    }
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    let names: Vec<&str> = match rng.below(4) {
        0 => vec!["default", "develop", "docs"],
        1 => vec!["default", "tests"],
        _ => vec!["default", "develop"],
    };
    for section in &names {
        if !["default", "develop"].contains(section) {
            what.push(format!("category `{section}`"));
        }
        let mut entries = Vec::new();
        for n in 0..rng.below(3) + usize::from(*section == "default") {
            let name = project_name(n + 10 * sections.len());
            let v = version(rng);
            let mut fields = Vec::new();
            match rng.below(12) {
                0 => {
                    what.push("git".into());
                    fields.push(format!(
                        "\"git\": \"https://git.example/{name}.git\", \"ref\": \"{}\"",
                        rng.hex(40)
                    ));
                }
                1 => {
                    what.push("file URL".into());
                    fields.push(format!("\"file\": \"https://files.example/{name}-{v}-py3-none-any.whl\", \"version\": \"=={v}\""));
                }
                2 => {
                    what.push("path".into());
                    fields.push(format!(
                        "\"path\": \"./vendor/{name}\", \"editable\": {}",
                        rng.chance(50)
                    ));
                }
                3 => {
                    what.push("star version".into());
                    fields.push("\"version\": \"*\"".into());
                }
                _ => {
                    let op = if rng.chance(10) {
                        what.push("===".into());
                        "==="
                    } else {
                        "=="
                    };
                    fields.push(format!("\"version\": \"{op}{v}\""));
                    if !sources.is_empty() && rng.chance(40) {
                        let (n, _, _) = rng.pick(&sources).clone();
                        what.push("index".into());
                        fields.push(format!("\"index\": \"{n}\""));
                    } else if rng.chance(3) {
                        what.push("unknown index".into());
                        fields.push("\"index\": \"nowhere\"".into());
                    }
                }
            }
            if rng.chance(80) {
                let hashes: Vec<String> = (0..1 + rng.below(3))
                    .map(|_| {
                        let (a, d) = hash(rng, what, algorithms);
                        format!("\"{a}:{d}\"")
                    })
                    .collect();
                fields.push(format!("\"hashes\": [{}]", hashes.join(", ")));
            }
            match rng.below(14) {
                0 => {
                    what.push("markers".into());
                    fields.push("\"markers\": \"python_version >= '3.8'\"".into());
                }
                1 => {
                    what.push("hash in markers".into());
                    fields.push(format!(
                        "\"markers\": \"python_version >= '3.8' --hash=sha256:{}\"",
                        rng.hex(64)
                    ));
                }
                2 => {
                    what.push("extras".into());
                    fields.push("\"extras\": [\"socks\"]".into());
                }
                3 => {
                    what.push("unknown key".into());
                    fields.push("\"future\": {\"a\": 1}".into());
                }
                _ => {}
            }
            entries.push(format!("\"{name}\": {{{}}}", fields.join(", ")));
        }
        sections.push((section.to_string(), entries));
    }
    let spec = if rng.chance(5) {
        what.push("pipfile-spec 5".into());
        5
    } else {
        6
    };
    let mut text = format!(
        "{{\n    \"_meta\": {{\n        \"hash\": {{\"sha256\": \"x\"}},\n        \"pipfile-spec\": {spec},\n        \"requires\": {{}},\n        \"sources\": [\n            {}\n        ]\n    }}",
        meta_sources.join(",\n            ")
    );
    for (section, entries) in sections {
        text.push_str(&format!(
            ",\n    \"{section}\": {{\n        {}\n    }}",
            entries.join(",\n        ")
        ));
    }
    text.push_str("\n}\n");
    (text, project)
}

// ---- pdm.lock ----

fn pdm(rng: &mut Rng, what: &mut Vec<String>) -> (String, Project) {
    let algorithms: &[(&str, usize)] = &[
        ("sha256", 64),
        ("sha256", 64),
        ("sha512", 128),
        ("md5", 32),
        ("sha3_256", 64),
    ];
    let lock_version = *rng.pick(&[
        "4.5.0", "4.5.0", "4.5.0", "4.5.0", "4.4.1", "4.0", "4.5.1", "4.6.0", "3.1",
    ]);
    if lock_version != "4.5.0" {
        what.push(format!("lock_version {lock_version}"));
    }
    let static_urls = rng.chance(40);
    let strategy = if static_urls {
        what.push("static_urls".into());
        "[\"inherit_metadata\", \"static_urls\"]"
    } else {
        "[\"inherit_metadata\"]"
    };
    let mut packages = String::new();
    let mut shared = String::new();
    for n in 0..1 + rng.below(4) {
        let name = project_name(n);
        let v = version(rng);
        let mut entry = format!("[[package]]\nname = \"{name}\"\nversion = \"{v}\"\nrequires_python = \">=3.8\"\nsummary = \"\"\ngroups = [\"default\"]\n");
        match rng.below(10) {
            0 => {
                what.push("git".into());
                entry.push_str(&format!(
                    "git = \"https://git.example/{name}.git\"\nrevision = \"{}\"\n",
                    rng.hex(40)
                ));
            }
            1 => {
                what.push("url".into());
                entry.push_str(&format!(
                    "url = \"https://files.example/{name}-{v}.tar.gz\"\n"
                ));
            }
            2 => {
                what.push("extras entry".into());
                packages.push_str(&format!("[[package]]\nname = \"{name}\"\nversion = \"{v}\"\nextras = [\"x\"]\nrequires_python = \">=3.8\"\nsummary = \"\"\ngroups = [\"dev\"]\n\n"));
            }
            _ => {}
        }
        if rng.chance(20) {
            what.push("marker".into());
            entry.push_str("marker = \"python_version >= \\\"3.8\\\"\"\n");
        }
        let mut files = Vec::new();
        for file in [
            format!("{name}-{v}.tar.gz"),
            format!("{name}-{v}-py3-none-any.whl"),
        ] {
            let (a, d) = hash(rng, what, algorithms);
            let hash = if a == "sha256" && rng.chance(10) {
                what.push("bare digest".into());
                d
            } else {
                format!("{a}:{d}")
            };
            if static_urls || rng.chance(2) {
                let base = if rng.chance(20) {
                    what.push("foreign URL".into());
                    "https://elsewhere.example/f"
                } else {
                    FILES
                };
                files.push(format!("{{url = \"{base}/{file}\", hash = \"{hash}\"}}"));
            } else {
                files.push(format!("{{file = \"{file}\", hash = \"{hash}\"}}"));
            }
        }
        match rng.below(10) {
            0 => {
                what.push("files = []".into());
                entry.push_str("files = []\n");
            }
            1 => {
                what.push("[metadata.files]".into());
                shared.push_str(&format!(
                    "\"{name} {v}\" = [\n    {},\n]\n",
                    files.join(",\n    ")
                ));
            }
            _ => entry.push_str(&format!("files = [\n    {},\n]\n", files.join(",\n    "))),
        }
        if rng.chance(10) {
            what.push("unknown key".into());
            entry.push_str("future_key = 1\n");
        }
        packages.push_str(&entry);
        packages.push('\n');
    }
    let mut metadata = format!(
        "[metadata]\ngroups = [\"default\", \"dev\"]\nstrategy = {strategy}\nlock_version = \"{lock_version}\"\ncontent_hash = \"sha256:{}\"\n\n[[metadata.targets]]\nrequires_python = \">=3.8\"\n",
        rng.hex(64)
    );
    if !shared.is_empty() {
        metadata.push_str(&format!("\n[metadata.files]\n{shared}"));
    }
    let project = match rng.below(6) {
        0 => {
            what.push("[[tool.pdm.source]] pypi".into());
            vec![(
                "pyproject.toml".to_string(),
                format!("[project]\nname = \"case\"\nversion = \"0\"\n\n[[tool.pdm.source]]\nname = \"pypi\"\nurl = \"{OTHER_INDEX}\"\nverify_ssl = true\n"),
            )]
        }
        1 => {
            what.push("[[tool.pdm.source]] extra".into());
            vec![(
                "pyproject.toml".to_string(),
                format!("[project]\nname = \"case\"\nversion = \"0\"\n\n[[tool.pdm.source]]\nname = \"private\"\nurl = \"{OTHER_INDEX}\"\n"),
            )]
        }
        _ => Vec::new(),
    };
    (format!("{metadata}\n{packages}"), project)
}

// ---- pylock.toml ----

fn pylock(rng: &mut Rng, what: &mut Vec<String>) -> (String, Project) {
    let algorithms: &[(&str, usize)] = &[
        ("sha256", 64),
        ("sha256", 64),
        ("sha512", 128),
        ("sha384", 96),
        ("md5", 32),
        ("blake2b", 128),
    ];
    let lock_version = *rng.pick(&["1.0", "1.0", "1.0", "1.1", "2.0"]);
    if lock_version != "1.0" {
        what.push(format!("lock-version {lock_version}"));
    }
    let mut text =
        format!("lock-version = \"{lock_version}\"\ncreated-by = \"pubgate-differential\"\n");
    if rng.chance(10) {
        what.push("unknown key".into());
        text.push_str("future-key = 1\n");
    }
    for n in 0..1 + rng.below(4) {
        let name = project_name(n);
        let v = version(rng);
        text.push_str(&format!("\n[[packages]]\nname = \"{name}\"\n"));
        let hashes = |rng: &mut Rng, what: &mut Vec<String>| {
            let mut table = Vec::new();
            let mut used = Vec::new();
            for _ in 0..1 + rng.below(2) {
                let (a, d) = hash(rng, what, algorithms);
                if !used.contains(&a) {
                    table.push(format!("{a} = \"{d}\""));
                    used.push(a);
                }
            }
            format!("{{ {} }}", table.join(", "))
        };
        match rng.below(10) {
            0 => {
                what.push("vcs".into());
                text.push_str(&format!("vcs = {{ type = \"git\", url = \"https://git.example/{name}.git\", commit-id = \"{}\" }}\n", rng.hex(40)));
            }
            1 => {
                what.push("archive".into());
                let h = hashes(rng, what);
                text.push_str(&format!("version = \"{v}\"\narchive = {{ url = \"https://files.example/{name}-{v}.tar.gz\", hashes = {h} }}\n"));
            }
            2 => {
                what.push("directory".into());
                text.push_str(&format!(
                    "directory = {{ path = \"vendor/{name}\", editable = {} }}\n",
                    rng.chance(50)
                ));
            }
            _ => {
                text.push_str(&format!("version = \"{v}\"\n"));
                if rng.chance(40) {
                    let index = if rng.chance(70) { PYPI } else { OTHER_INDEX };
                    what.push("index".into());
                    text.push_str(&format!("index = \"{index}\"\n"));
                }
                if rng.chance(20) {
                    what.push("marker".into());
                    text.push_str("marker = \"python_version >= '3.8'\"\n");
                }
                let location =
                    |rng: &mut Rng, what: &mut Vec<String>, file: &str| match rng.below(12) {
                        0 => {
                            what.push("path".into());
                            format!("path = \"dist/{file}\"")
                        }
                        1 => {
                            what.push("path and url".into());
                            format!("url = \"{FILES}/{file}\", path = \"dist/{file}\"")
                        }
                        2 => {
                            what.push("foreign URL".into());
                            format!("url = \"https://elsewhere.example/{file}\"")
                        }
                        _ => format!("url = \"{FILES}/{file}\""),
                    };
                if rng.chance(70) {
                    let file = format!("{name}-{v}.tar.gz");
                    let at = location(rng, what, &file);
                    let h = hashes(rng, what);
                    text.push_str(&format!(
                        "sdist = {{ name = \"{file}\", {at}, hashes = {h} }}\n"
                    ));
                }
                if rng.chance(70) {
                    let file = format!("{name}-{v}-py3-none-any.whl");
                    let at = location(rng, what, &file);
                    let h = hashes(rng, what);
                    text.push_str(&format!(
                        "wheels = [{{ name = \"{file}\", {at}, hashes = {h} }}]\n"
                    ));
                } else if rng.chance(30) {
                    what.push("no files".into());
                }
            }
        }
    }
    (text, Vec::new())
}

//! Package name patterns in a policy: exact PEP 503 names and globs, and the total
//! "most specific first" order that picks one `[[package]]` entry per package.

use std::cmp::Ordering;

use globset::{GlobBuilder, GlobMatcher};

use crate::dist::{is_valid_name, normalize_name};

/// One entry of `names` (or an exemption's `package`), normalized.
#[derive(Debug, Clone)]
pub struct NamePattern {
    /// The normalized text: a PEP 503 name, or a glob whose literal parts are normalized.
    text: String,
    /// `None` for an exact name.
    glob: Option<GlobMatcher>,
}

/// Why a name pattern is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePatternError {
    pub message: String,
    pub hint: String,
}

const GLOB_META: [char; 5] = ['*', '?', '[', '{', '\\'];

impl NamePattern {
    /// Parses an exact name (`Django`, normalized to `django`) or a glob (`django-*`,
    /// `types-?`, `[ab]*`, `{flask,quart}-*`). Glob literals are normalized the way
    /// names are, so `Zope.*` matches `zope-interface`.
    pub fn parse(raw: &str) -> Result<NamePattern, NamePatternError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(NamePatternError {
                message: "empty package name".into(),
                hint: "write a PEP 508 name such as `requests` or a glob such as `django-*`".into(),
            });
        }
        if !trimmed.contains(GLOB_META) {
            if !is_valid_name(trimmed) {
                return Err(NamePatternError {
                    message: format!("`{raw}` is not a valid package name"),
                    hint: "names use ASCII letters, digits, `-`, `_` and `.`, and start and end with a letter or digit; globs may use `*`, `?`, `[…]` and `{a,b}`".into(),
                });
            }
            return Ok(NamePattern {
                text: normalize_name(trimmed),
                glob: None,
            });
        }
        let text = normalize_glob(trimmed);
        let glob = GlobBuilder::new(&text)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| NamePatternError {
                message: format!("`{raw}` is not a valid glob: {}", e.kind()),
                hint:
                    "globs may use `*` (any characters), `?` (one character), `[abc]` and `{a,b}`"
                        .into(),
            })?;
        Ok(NamePattern {
            text,
            glob: Some(glob.compile_matcher()),
        })
    }

    /// The normalized pattern text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_exact(&self) -> bool {
        self.glob.is_none()
    }

    /// Whether this pattern matches a PEP 503-normalized package name.
    pub fn matches(&self, normalized_name: &str) -> bool {
        match &self.glob {
            None => self.text == normalized_name,
            Some(glob) => glob.is_match(normalized_name),
        }
    }

    /// Characters that must appear literally (everything outside wildcards and classes).
    fn literal_count(&self) -> usize {
        if self.glob.is_none() {
            return self.text.chars().count();
        }
        let mut count = 0;
        let mut depth_class = false;
        let mut chars = self.text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if chars.next().is_some() {
                        count += 1;
                    }
                }
                '[' if !depth_class => depth_class = true,
                ']' if depth_class => depth_class = false,
                '*' | '?' | '{' | '}' | ',' if !depth_class => {}
                _ if depth_class => {}
                _ => count += 1,
            }
        }
        count
    }

    /// Wildcards that match any run of characters (`*`).
    fn star_count(&self) -> usize {
        if self.glob.is_none() {
            0
        } else {
            self.text.matches('*').count()
        }
    }

    /// The specificity order: `Less` means `self` is more specific and wins.
    ///
    /// 1. an exact name beats any glob;
    /// 2. between globs, more literal characters win (`django-rest-*` over `django-*`);
    /// 3. then fewer `*` wildcards (`django-?` over `django-*`);
    /// 4. then the pattern text in byte order, so the order is total.
    ///
    /// Two entries with the same normalized text are rejected when the policy loads.
    pub fn specificity_cmp(&self, other: &NamePattern) -> Ordering {
        other
            .is_exact()
            .cmp(&self.is_exact())
            .then_with(|| other.literal_count().cmp(&self.literal_count()))
            .then_with(|| self.star_count().cmp(&other.star_count()))
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// Lowercases and collapses runs of `-`, `_`, `.` to `-` outside `[…]` classes, so a glob
/// is written against normalized names.
fn normalize_glob(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    let mut in_class = false;
    let mut in_separator = false;
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.extend(c.to_lowercase());
            continue;
        }
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
            continue;
        }
        if in_separator {
            out.push('-');
            in_separator = false;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
            }
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.extend(next.to_lowercase());
                }
            }
            _ => out.extend(c.to_lowercase()),
        }
    }
    if in_separator {
        out.push('-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> NamePattern {
        NamePattern::parse(s).unwrap()
    }

    #[test]
    fn exact_names_are_normalized() {
        let pat = p("Zope.Interface");
        assert!(pat.is_exact());
        assert_eq!(pat.as_str(), "zope-interface");
        assert!(pat.matches("zope-interface"));
        assert!(!pat.matches("zope-interfaces"));
    }

    #[test]
    fn glob_literals_are_normalized() {
        let pat = p("Django_*");
        assert_eq!(pat.as_str(), "django-*");
        assert!(pat.matches("django-rest-framework"));
        assert!(!pat.matches("django"));
        assert!(p("{flask,quart}-*").matches("quart-cors"));
        assert!(p("types-?").matches("types-x"));
        assert!(p("[ab]*").matches("attrs"));
    }

    #[test]
    fn rejects_bad_names_and_globs() {
        assert!(NamePattern::parse("").is_err());
        assert!(NamePattern::parse("-leading").is_err());
        assert!(NamePattern::parse("has space").is_err());
        assert!(NamePattern::parse("[unclosed").is_err());
        assert!(NamePattern::parse("{a,b").is_err());
    }

    #[test]
    fn specificity_is_a_total_order() {
        let mut pats = [
            p("*"),
            p("django-*"),
            p("django-rest-*"),
            p("django"),
            p("django-?"),
            p("d*o"),
        ];
        pats.sort_by(|a, b| a.specificity_cmp(b));
        let order: Vec<_> = pats.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            order,
            [
                "django",
                "django-rest-*",
                "django-?",
                "django-*",
                "d*o",
                "*"
            ]
        );
        // Same literal count and stars: byte order decides.
        assert_eq!(p("a*").specificity_cmp(&p("b*")), Ordering::Less);
    }
}

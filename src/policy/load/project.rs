//! `[[project]]` entries: the projects you publish and the publishers declared for them,
//! read by `pubgate audit`. Strict like the rest of the policy: names are exact, valid
//! project names, each named once; publishers use the `[[package]]` syntax.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Context, RawPublishers};
use crate::dist::PackageName;
use crate::policy::{PolicyError, Position, ProjectEntry, ProjectName};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    names: Spanned<Vec<Spanned<String>>>,
    publisher: Option<Spanned<RawPublishers>>,
}

impl Context<'_> {
    /// Every `[[project]]` entry; each entry in error is reported and left out.
    pub(super) fn projects(
        &self,
        raw: Vec<Spanned<RawProject>>,
        errors: &mut Vec<PolicyError>,
    ) -> Vec<ProjectEntry> {
        let mut seen: BTreeMap<PackageName, Position> = BTreeMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for entry in raw {
            match self.project(entry, &mut seen) {
                Ok(entry) => out.push(entry),
                Err(e) => errors.push(e),
            }
        }
        out
    }

    fn project(
        &self,
        raw: Spanned<RawProject>,
        seen: &mut BTreeMap<PackageName, Position>,
    ) -> Result<ProjectEntry, PolicyError> {
        let position = self.position(raw.span().start);
        let raw = raw.into_inner();
        if raw.names.get_ref().is_empty() {
            return Err(self.error(
                raw.names.span(),
                "`names` is empty",
                "name at least one project you publish, e.g. `names = [\"my-project\"]`",
            ));
        }
        let mut names = Vec::new();
        for name in raw.names.into_inner() {
            let text = name.get_ref().trim();
            if !crate::dist::is_valid_name(text) {
                return Err(self.error(
                    name.span(),
                    format!("`{text}` is not a project name"),
                    "write the exact name of a project on the index, e.g. `my-project` (no globs: an audit asks the index for each project by name)",
                ));
            }
            let normalized = PackageName::new(text);
            let name_position = self.position(name.span().start);
            if let Some(first) = seen.get(&normalized) {
                return Err(self.error(
                    name.span(),
                    format!(
                        "`{normalized}` is already named at line {} (names are compared after PEP 503 normalization)",
                        first.line
                    ),
                    "name each project in one `[[project]]` entry only",
                ));
            }
            seen.insert(normalized.clone(), name_position);
            names.push(ProjectName {
                name: normalized,
                position: name_position,
            });
        }
        let publishers = match raw.publisher {
            None => Vec::new(),
            Some(spanned) => {
                let span = spanned.span();
                match spanned.into_inner() {
                    RawPublishers::One(p) => vec![self.publisher(*p, span)?],
                    RawPublishers::Many(list) if list.is_empty() => {
                        return Err(self.error(
                            span,
                            "`publisher` is an empty list",
                            "list at least one publisher, or remove the key",
                        ))
                    }
                    RawPublishers::Many(list) => list
                        .into_iter()
                        .map(|p| {
                            let span = p.span();
                            self.publisher(p.into_inner(), span)
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                }
            }
        };
        Ok(ProjectEntry {
            position,
            names,
            publishers,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::dist::PackageName;
    use crate::policy::{from_str, PolicySource};
    use crate::verify::PublisherKind;

    fn load(text: &str) -> Result<crate::policy::Policy, crate::policy::PolicyError> {
        from_str(text, PolicySource::File("pubgate.toml".into()))
    }

    #[test]
    fn reads_projects_with_their_publishers() {
        let policy = load(
            r#"schema = 1

[[project]]
names = ["Acme_Demo", "acme-plugins"]
publisher = [
  { kind = "github", repository = "acme/demo", workflow = "release.yml", ref = "refs/tags/v*" },
  { kind = "gitlab", repository = "acme/demo", workflow_filepath = ".gitlab-ci.yml" },
]

[[project]]
names = ["legacy"]
"#,
        )
        .unwrap();
        assert_eq!(policy.projects.len(), 2);
        let (entry, name) = policy.project(&PackageName::new("acme.demo")).unwrap();
        assert_eq!(name.name.as_str(), "acme-demo");
        assert_eq!(name.position.line, 4);
        assert_eq!(entry.publishers.len(), 2);
        assert_eq!(entry.publishers[1].kind, PublisherKind::GitLab);
        assert_eq!(entry.publishers[0].position.line, 6);
        let (legacy, _) = policy.project(&PackageName::new("legacy")).unwrap();
        assert!(legacy.publishers.is_empty());
        assert!(policy.project(&PackageName::new("other")).is_none());
    }

    #[test]
    fn refuses_what_it_does_not_understand_with_a_position() {
        for (text, at, message) in [
            (
                "schema = 1\n[[project]]\nnames = [\"acme-*\"]\n",
                (3, 10),
                "`acme-*` is not a project name",
            ),
            (
                "schema = 1\n[[project]]\nnames = []\n",
                (3, 9),
                "`names` is empty",
            ),
            (
                "schema = 1\n[[project]]\nnames = [\"a\"]\n[[project]]\nnames = [\"A\"]\n",
                (5, 10),
                "`a` is already named at line 3",
            ),
            (
                "schema = 1\n[[project]]\nnames = [\"a\"]\nrules = { missing-provenance = \"deny\" }\n",
                (4, 1),
                "unknown field `rules`",
            ),
            (
                "schema = 1\n[[project]]\nnames = [\"a\"]\npublisher = { kind = \"github\", workflow = \"release.yml\" }\n",
                (4, 13),
                "a github publisher requirement needs `repository`",
            ),
            (
                "schema = 1\n[[project]]\nnames = [\"a\"]\npublisher = []\n",
                (4, 13),
                "`publisher` is an empty list",
            ),
        ] {
            let error = load(text).unwrap_err();
            assert!(error.message.contains(message), "{text}: {error}");
            let position = error.position.unwrap();
            assert_eq!((position.line, position.column), at, "{text}: {error}");
        }
    }
}

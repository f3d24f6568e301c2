//! Repository settings: `.lead.toml`, overridden by `lead.*` git configuration.
//!
//! Every key has a default, so no file is needed. Keys are kebab-case so that the same name
//! works as a git configuration variable: `id-width` in `.lead.toml` is `lead.id-width` for
//! `git -c`, and `min-ideas` under `[gates]` is `lead.gates.min-ideas`.

use toml_edit::Item;

use super::proposal::ParseError;

/// The settings every command runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Folder of the proposal files, relative to the top of the work tree.
    pub folder: String,
    /// Digits of the number in a file name (`0007-title.toml` for 4).
    pub id_width: usize,
    pub gates: Gates,
}

/// The numbers in the steps' completeness rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gates {
    /// Ideas needed to leave `alternatives`.
    pub min_ideas: usize,
    /// Expected objections needed to leave `alternatives`.
    pub min_objections: usize,
    /// Stakeholders besides the author needed to leave `stakeholders`.
    pub min_stakeholders: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            folder: "proposals".into(),
            id_width: 4,
            gates: Gates {
                min_ideas: 2,
                min_objections: 1,
                min_stakeholders: 1,
            },
        }
    }
}

/// A key that does not parse, from git configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub key: String,
    pub message: String,
}

/// The dotted names of every key, as git configuration spells them after `lead.`.
pub const KEYS: [&str; 5] = [
    "folder",
    "id-width",
    "gates.min-ideas",
    "gates.min-objections",
    "gates.min-stakeholders",
];

impl Config {
    /// Reads `.lead.toml` text over the defaults.
    pub fn parse(src: &str) -> Result<Config, ParseError> {
        let doc = toml_edit::Document::parse(src).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            ParseError::at(src, offset, format!("invalid TOML: {}", e.message().trim()))
        })?;
        let mut config = Config::default();
        let mut pairs = Vec::new();
        flatten(doc.as_table(), "", &mut pairs);
        for (key, item) in pairs {
            let offset = item.span().map_or(0, |s| s.start);
            let value = match item.as_value() {
                Some(v) if v.is_str() => v.as_str().unwrap_or_default().to_string(),
                Some(v) if v.is_integer() => v.as_integer().unwrap_or_default().to_string(),
                _ => {
                    return Err(ParseError::at(
                        src,
                        offset,
                        format!("`{key}`: expected a string or a number"),
                    ))
                }
            };
            config
                .set(&key, &value)
                .map_err(|e| ParseError::at(src, offset, format!("`{key}`: {}", e.message)))?;
        }
        Ok(config)
    }

    /// Sets one key from its text form; `key` is as in [`KEYS`], matched without case.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), BadValue> {
        let bad = |message: &str| BadValue {
            key: key.to_string(),
            message: message.to_string(),
        };
        let count = || {
            value
                .trim()
                .parse::<usize>()
                .map_err(|_| bad("expected a whole number"))
        };
        match key.to_ascii_lowercase().as_str() {
            "folder" => {
                let folder = value.trim().trim_matches('/');
                if folder.is_empty() || folder.split('/').any(|c| c == ".." || c == ".git") {
                    return Err(bad("expected a folder inside the work tree"));
                }
                self.folder = folder.to_string();
            }
            "id-width" => {
                let n = count()?;
                if !(1..=9).contains(&n) {
                    return Err(bad("expected a number from 1 to 9"));
                }
                self.id_width = n;
            }
            "gates.min-ideas" => self.gates.min_ideas = count()?.max(1),
            "gates.min-objections" => self.gates.min_objections = count()?,
            "gates.min-stakeholders" => self.gates.min_stakeholders = count()?,
            _ => {
                return Err(bad(&format!(
                    "unknown setting; the settings are {}",
                    KEYS.join(", ")
                )))
            }
        }
        Ok(())
    }

    /// The text `git lead init` writes: every key with its default and a comment.
    pub fn template() -> String {
        let d = Config::default();
        format!(
            "# Settings of git lead for this repository. Every value here is the default,\n\
             # so delete what you do not change. For one run, `git -c lead.<key>=<value> lead ...`\n\
             # overrides a key (for example lead.gates.min-ideas=3).\n\
             \n\
             # Folder of the proposal files, from the top of the repository.\n\
             folder = \"{folder}\"\n\
             # Digits of the number in a proposal's file name: 4 gives 0007-title.toml.\n\
             id-width = {width}\n\
             \n\
             # The numbers in the rules that decide when a step is complete.\n\
             [gates]\n\
             # Ideas needed before leaving `alternatives` (step 3).\n\
             min-ideas = {ideas}\n\
             # Objections you expect to hear, written down before leaving `alternatives`.\n\
             min-objections = {objections}\n\
             # Stakeholders other than the author needed before leaving `stakeholders` (step 5).\n\
             min-stakeholders = {stakeholders}\n",
            folder = d.folder,
            width = d.id_width,
            ideas = d.gates.min_ideas,
            objections = d.gates.min_objections,
            stakeholders = d.gates.min_stakeholders,
        )
    }
}

fn flatten<'t>(t: &'t dyn toml_edit::TableLike, prefix: &str, out: &mut Vec<(String, &'t Item)>) {
    for (key, item) in t.iter() {
        let full = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        match item.as_table_like() {
            Some(sub) => flatten(sub, &full, out),
            None => out.push((full, item)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_template_reads_back_as_the_defaults() {
        assert_eq!(
            Config::parse(&Config::template()).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn keys_override_and_errors_are_located() {
        let c = Config::parse("folder = \"rfcs/\"\n[gates]\nmin-ideas = 3\n").unwrap();
        assert_eq!(c.folder, "rfcs");
        assert_eq!(c.gates.min_ideas, 3);
        let e = Config::parse("[gates]\nmin-idea = 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 12));
        assert!(e.message.contains("unknown setting"));
        let e = Config::parse("id-width = \"x\"\n").unwrap_err();
        assert!(e.message.contains("whole number"), "{}", e.message);
        let e = Config::parse("folder = [\n").unwrap_err();
        assert!(e.message.starts_with("invalid TOML"));
        let mut c = Config::default();
        assert!(c.set("FOLDER", "../x").is_err());
        c.set("Gates.Min-Stakeholders", "2").unwrap();
        assert_eq!(c.gates.min_stakeholders, 2);
    }
}

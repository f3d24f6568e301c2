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
    pub signoff: Policy,
}

/// The sign-off policy: when a critical mass is on board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// How many of the stakeholders (the author aside) must have signed.
    pub quorum: Quorum,
    /// Count only sign-offs in commits with a valid SSH signature by the stakeholder's key.
    pub require_signed: bool,
    /// The allowed-signers file (git's `gpg.ssh.allowedSignersFile` format), from the top of
    /// the repository; empty for none.
    pub allowed_signers: String,
}

/// The share of stakeholders whose sign-off is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quorum {
    /// More than half.
    Majority,
    /// At least this many (all of them when fewer are listed).
    Count(usize),
    /// At least this fraction, rounded up: `Fraction(2, 3)`.
    Fraction(usize, usize),
}

impl Quorum {
    /// Reads `majority`, `all`, a count (`2`) or a fraction (`2/3`, `0.5`).
    pub fn parse(s: &str) -> Option<Quorum> {
        let s = s.trim();
        match s {
            "majority" => return Some(Quorum::Majority),
            "all" => return Some(Quorum::Fraction(1, 1)),
            _ => {}
        }
        if let Some((n, d)) = s.split_once('/') {
            let (n, d) = (n.trim().parse().ok()?, d.trim().parse::<usize>().ok()?);
            return (d > 0 && n <= d && n > 0).then_some(Quorum::Fraction(n, d));
        }
        if let Some(frac) = s.strip_prefix("0.") {
            let digits = frac.len() as u32;
            let n: usize = frac.parse().ok()?;
            let d = 10usize.checked_pow(digits)?;
            let g = gcd(n, d);
            return (n > 0).then_some(Quorum::Fraction(n / g, d / g));
        }
        s.parse().ok().filter(|n| *n > 0).map(Quorum::Count)
    }

    /// Sign-offs needed out of `stakeholders`.
    pub fn needed(self, stakeholders: usize) -> usize {
        match self {
            Quorum::Majority => stakeholders / 2 + 1,
            Quorum::Count(n) => n.min(stakeholders),
            Quorum::Fraction(n, d) => (stakeholders * n).div_ceil(d),
        }
        .max(1)
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

impl std::fmt::Display for Quorum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quorum::Majority => f.write_str("majority"),
            Quorum::Count(n) => write!(f, "at least {n}"),
            Quorum::Fraction(n, d) if n == d => f.write_str("all"),
            Quorum::Fraction(n, d) => write!(f, "{n}/{d}"),
        }
    }
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
            signoff: Policy {
                quorum: Quorum::Majority,
                require_signed: false,
                allowed_signers: String::new(),
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
pub const KEYS: [&str; 8] = [
    "folder",
    "id-width",
    "gates.min-ideas",
    "gates.min-objections",
    "gates.min-stakeholders",
    "signoff.quorum",
    "signoff.require-signed",
    "signoff.allowed-signers",
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
                Some(v) if v.is_bool() => v.as_bool().unwrap_or_default().to_string(),
                Some(v) if v.is_float() => v.as_float().unwrap_or_default().to_string(),
                _ => {
                    return Err(ParseError::at(
                        src,
                        offset,
                        format!("`{key}`: expected a string, a number or a boolean"),
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
            "signoff.quorum" => {
                self.signoff.quorum = Quorum::parse(value).ok_or_else(|| {
                    bad("expected \"majority\", \"all\", a count such as 2, or a fraction such as 2/3")
                })?;
            }
            "signoff.require-signed" => {
                self.signoff.require_signed = match value.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => true,
                    "false" | "no" | "off" | "0" => false,
                    _ => return Err(bad("expected true or false")),
                };
            }
            "signoff.allowed-signers" => {
                let path = value.trim().trim_start_matches("./");
                if path.split('/').any(|c| c == "..") || path.starts_with('/') {
                    return Err(bad("expected a path inside the repository"));
                }
                self.signoff.allowed_signers = path.to_string();
            }
            "cache" => {
                return Err(bad(
                    "the cache is a setting of this clone, not of the repository: \
                     set it with 'git config lead.cache false'",
                ))
            }
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
             min-stakeholders = {stakeholders}\n\
             \n\
             # When a proposal may enter `implement` (step 8): every stakeholder marked\n\
             # required = true has signed off, no concern is open, and a quorum of the\n\
             # stakeholders (the author aside) has signed off.\n\
             [signoff]\n\
             # \"majority\", \"all\", a count such as 2, or a fraction such as \"2/3\".\n\
             quorum = \"{quorum}\"\n\
             # Count only sign-offs in commits signed with the stakeholder's own SSH key.\n\
             require-signed = {signed}\n\
             # The keys allowed to sign, in git's allowed-signers format (one line per key:\n\
             # `email key-type key`); a path from the top of the repository.\n\
             allowed-signers = \"{signers}\"\n",
            folder = d.folder,
            width = d.id_width,
            ideas = d.gates.min_ideas,
            objections = d.gates.min_objections,
            stakeholders = d.gates.min_stakeholders,
            quorum = d.signoff.quorum,
            signed = d.signoff.require_signed,
            signers = d.signoff.allowed_signers,
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
        let c = Config::parse(
            "[signoff]\nquorum = 2\nrequire-signed = true\nallowed-signers = \".lead/signers\"\n",
        )
        .unwrap();
        assert_eq!(c.signoff.quorum, Quorum::Count(2));
        assert!(c.signoff.require_signed);
        assert_eq!(c.signoff.allowed_signers, ".lead/signers");
        assert!(Config::parse("[signoff]\nallowed-signers = \"../x\"\n").is_err());
    }

    #[test]
    fn quorums() {
        assert_eq!(Quorum::parse("majority").map(|q| q.needed(4)), Some(3));
        assert_eq!(Quorum::parse("majority").map(|q| q.needed(3)), Some(2));
        assert_eq!(Quorum::parse("all").map(|q| q.needed(5)), Some(5));
        assert_eq!(Quorum::parse("2/3").map(|q| q.needed(4)), Some(3));
        assert_eq!(Quorum::parse("0.5").map(|q| q.needed(3)), Some(2));
        assert_eq!(
            Quorum::parse("0.50").map(|q| q.to_string()).as_deref(),
            Some("1/2")
        );
        assert_eq!(Quorum::parse("3").map(|q| q.needed(2)), Some(2));
        assert_eq!(Quorum::parse("0"), None);
        assert_eq!(Quorum::parse("4/3"), None);
        assert_eq!(Quorum::parse("lots"), None);
    }
}

//! Configuration given on git's command line (`git -c key=value lead ...`).
//!
//! git passes `-c` settings to subcommands in `GIT_CONFIG_PARAMETERS` (and `--config-env`
//! or `GIT_CONFIG_COUNT` ones in `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`); libgit2
//! reads neither, so this module does.

/// Reads every setting git passed in the environment, in order (later ones win).
pub fn from_env() -> Vec<(String, String)> {
    let mut out = std::env::var("GIT_CONFIG_PARAMETERS")
        .map(|s| parse(&s))
        .unwrap_or_default();
    let count: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    for i in 0..count {
        if let Ok(key) = std::env::var(format!("GIT_CONFIG_KEY_{i}")) {
            let value = std::env::var(format!("GIT_CONFIG_VALUE_{i}")).unwrap_or_default();
            out.push((normalize(&key), value));
        }
    }
    out
}

/// Parses git's shell-quoted list: `'a.b=c' 'd.e'='f'`. Malformed input yields what was
/// read up to the fault, as git stops there too.
pub fn parse(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some((first, after)) = quoted(rest) else {
            break;
        };
        rest = after;
        if let Some(after_eq) = rest.strip_prefix('=') {
            let Some((value, after)) = quoted(after_eq) else {
                break;
            };
            out.push((normalize(&first), value));
            rest = after;
        } else {
            match first.split_once('=') {
                Some((k, v)) => out.push((normalize(k), v.to_string())),
                // A bare key is a boolean true, as in `git -c core.bare`.
                None => out.push((normalize(&first), "true".to_string())),
            }
        }
    }
    out
}

/// One single-quoted word with git's `'\''` and `'\!'` escapes between quoted parts.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('\'')?;
    let mut out = String::new();
    loop {
        let end = rest.find('\'')?;
        out.push_str(rest.get(..end)?);
        rest = rest.get(end + 1..)?;
        let mut chars = rest.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some('\\'), Some(c @ ('\'' | '!')), Some('\'')) => {
                out.push(c);
                rest = rest.get(3..)?;
            }
            _ => return Some((out, rest)),
        }
    }
}

/// Section and variable names are case-insensitive in git; compare them lowercased.
fn normalize(key: &str) -> String {
    key.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_both_quoting_styles() {
        assert_eq!(
            parse("'lead.folder'='rfcs' 'user.name=Ada Lovelace'"),
            pairs(&[("lead.folder", "rfcs"), ("user.name", "Ada Lovelace")])
        );
        assert_eq!(
            parse("'User.Name'='it'\\''s'"),
            pairs(&[("user.name", "it's")])
        );
        assert_eq!(parse("'core.bare'"), pairs(&[("core.bare", "true")]));
        assert_eq!(parse("'a.b'='c' 'broken"), pairs(&[("a.b", "c")]));
        assert!(parse("").is_empty());
    }
}

//! Proposal ids: numbers, whatever their padding.

/// Parses a proposal id as a number: `7`, `0007` and ` 7 ` are the same id.
pub fn parse(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>().ok().filter(|n| *n > 0)
}

/// The id at the start of a proposal file name (`0007-flaky-ci.toml` gives 7).
pub fn from_file_name(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(".toml")?;
    let digits = stem.split('-').next()?;
    parse(digits)
}

/// The file name of a proposal: its zero-padded id and a slug of its title.
pub fn file_name(id: u32, title: &str, width: usize) -> String {
    let slug = slug(title, 48);
    if slug.is_empty() {
        format!("{id:0width$}.toml")
    } else {
        format!("{id:0width$}-{slug}.toml")
    }
}

/// The name a renumbered file takes: `0008-flaky-ci.toml` as proposal 12 becomes
/// `0012-flaky-ci.toml`; the part after the number is kept.
pub fn renumbered_name(name: &str, to: u32, width: usize) -> String {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = match rest {
        r if r.starts_with('-') || r == ".toml" => r.to_string(),
        r => format!("-{r}"),
    };
    format!("{to:0width$}{rest}")
}

/// Lowercase ASCII letters and digits joined by single dashes, cut at a word boundary.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() && out.len() + 1 + word.len() > max {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out.truncate(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert_eq!(parse("1"), Some(1));
        assert_eq!(parse("0001"), Some(1));
        assert_eq!(parse(" 12 "), Some(12));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("1a"), None);
        assert_eq!(parse("99999999999"), None);
    }

    #[test]
    fn file_names_carry_the_id() {
        assert_eq!(
            file_name(7, "Flaky CI costs us an hour a day!", 4),
            "0007-flaky-ci-costs-us-an-hour-a-day.toml"
        );
        assert_eq!(file_name(12, "¿Qué?", 3), "012-qu.toml");
        assert_eq!(file_name(12, "¿…?", 3), "012.toml");
        assert_eq!(from_file_name("0007-flaky.toml"), Some(7));
        assert_eq!(from_file_name("12.toml"), Some(12));
        assert_eq!(from_file_name("notes.md"), None);
        assert_eq!(from_file_name("readme.toml"), None);
        assert!(slug(&"word ".repeat(40), 48).len() <= 48);
        assert_eq!(
            renumbered_name("0008-flaky-ci.toml", 12, 4),
            "0012-flaky-ci.toml"
        );
        assert_eq!(renumbered_name("8.toml", 12, 3), "012.toml");
        assert_eq!(renumbered_name("notes.toml", 3, 4), "0003-notes.toml");
    }
}

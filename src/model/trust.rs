//! Who really signed: git's allowed-signers file, and SSH signatures (SSHSIG, namespace
//! `git`) verified in-process.
//!
//! The format is the one `git verify-commit` reads through `gpg.ssh.allowedSignersFile`
//! (see ssh-keygen(1), ALLOWED SIGNERS): one key per line, `principals [options] keytype
//! key [comment]`, where principals are comma-separated email patterns (`*` and `?` match
//! as in the shell) and the options are those ssh-keygen knows: `namespaces="..."`,
//! `valid-after="..."` and `valid-before="..."` (honoured as git has ssh-keygen honour them:
//! against the commit's committer date), and `cert-authority` (certificate keys are not
//! accepted: such a line matches nothing). A line with any other option, or with a time
//! not written in UTC, is refused with an error that names it, never read leniently.

use ssh_key::{HashAlg, PublicKey, SshSig};

use super::proposal::ParseError;

/// The namespace git signs commits in.
pub const NAMESPACE: &str = "git";

/// The largest allowed-signers file read, in bytes (16 MiB, some 150,000 keys).
pub const MAX_SIGNERS_FILE: usize = 16 << 20;

/// A parsed allowed-signers file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    entries: Vec<Signer>,
}

#[derive(Debug, Clone)]
struct Signer {
    principals: Vec<String>,
    namespaces: Option<Vec<String>>,
    cert_authority: bool,
    /// Seconds since the epoch before which the key may not sign (`valid-after`).
    valid_after: Option<i64>,
    /// Seconds since the epoch after which it may not sign (`valid-before`).
    valid_before: Option<i64>,
    key: PublicKey,
}

impl AllowedSigners {
    /// Reads the file's text; errors name the line.
    pub fn parse(text: &str) -> Result<AllowedSigners, ParseError> {
        // Reading takes some 6 times the file's size (13 MB, 130,000 keys: 82 MB, 0.65 s).
        if text.len() > MAX_SIGNERS_FILE {
            return Err(ParseError {
                line: 1,
                column: 1,
                message: format!(
                    "the file is {:.1} MB; an allowed-signers file may be at most {} MB",
                    text.len() as f64 / 1e6,
                    MAX_SIGNERS_FILE >> 20
                ),
            });
        }
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |message: &str| ParseError {
                line: i + 1,
                column: 1,
                message: message.to_string(),
            };
            let words = split_words(line);
            let (principals, rest) = words.split_first().ok_or_else(|| fail("empty line"))?;
            let (options, rest) = match rest.first() {
                Some(w) if is_key_type(w) => ("", rest),
                Some(w) => (w.as_str(), rest.get(1..).unwrap_or_default()),
                None => return Err(fail("expected a key after the principals")),
            };
            let (Some(kind), Some(blob)) = (rest.first(), rest.get(1)) else {
                return Err(fail("expected a key type and a key"));
            };
            let key = PublicKey::from_openssh(&format!("{kind} {blob}"))
                .map_err(|e| fail(&format!("cannot read the key: {e}")))?;
            let Options {
                namespaces,
                cert_authority,
                valid_after,
                valid_before,
            } = read_options(options).map_err(|m| fail(&m))?;
            entries.push(Signer {
                principals: principals
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .collect(),
                namespaces,
                cert_authority,
                valid_after,
                valid_before,
                key,
            });
        }
        Ok(AllowedSigners { entries })
    }

    /// Every principal pattern the file lists, each with the fingerprint of a key it may
    /// sign with: what two versions of the file are compared by.
    pub fn grants(&self) -> std::collections::BTreeSet<(String, String)> {
        self.entries
            .iter()
            .flat_map(|s| {
                let key = s.key.fingerprint(HashAlg::Sha256).to_string();
                s.principals.iter().map(move |p| (p.clone(), key.clone()))
            })
            .collect()
    }

    /// How many keys the file lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Checks that `signature` (git's `gpgsig` header) is a valid SSH signature over
/// `signed_data` made by a key that `signers` allows for `email` in the `git` namespace.
/// Returns the key's fingerprint, or the reason it does not count.
pub fn verify(
    signers: &AllowedSigners,
    email: &str,
    signature: Option<&str>,
    signed_data: &[u8],
) -> Result<String, String> {
    let Some(armored) = signature else {
        return Err("the commit is not signed".into());
    };
    if !armored
        .trim_start()
        .starts_with("-----BEGIN SSH SIGNATURE-----")
    {
        return Err("the commit's signature is not an SSH signature".into());
    }
    let sig = SshSig::from_pem(armored.trim().as_bytes())
        .map_err(|e| format!("the commit's signature cannot be read: {e}"))?;
    if sig.namespace() != NAMESPACE {
        return Err(format!(
            "the signature is for namespace '{}', not '{NAMESPACE}'",
            sig.namespace()
        ));
    }
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    if key.verify(NAMESPACE, signed_data, &sig).is_err() {
        return Err(format!(
            "the signature by key {fingerprint} does not match the commit: it was changed \
             after signing"
        ));
    }
    let listed: Vec<&Signer> = signers
        .entries
        .iter()
        .filter(|s| !s.cert_authority && s.key.key_data() == key.key_data())
        .collect();
    if listed.is_empty() {
        return Err(format!(
            "key {fingerprint} is not in the allowed-signers file"
        ));
    }
    let for_email: Vec<&&Signer> = listed
        .iter()
        .filter(|s| s.principals.iter().any(|p| principal_matches(p, email)))
        .collect();
    let in_namespace = |s: &&&Signer| {
        s.namespaces
            .as_ref()
            .is_none_or(|ns| ns.iter().any(|n| glob(n, NAMESPACE)))
    };
    if !for_email.is_empty() && !for_email.iter().any(in_namespace) {
        return Err(format!(
            "key {fingerprint} of {email} is not allowed to sign commits (its namespaces \
             option leaves out '{NAMESPACE}')"
        ));
    }
    if !for_email.is_empty() {
        let when = committer_time(signed_data);
        // As ssh-keygen: not valid before `valid-after`, nor after `valid-before`; a
        // commit without a committer date is valid only for a key without either.
        let valid = |s: &&&Signer| match (s.valid_after, s.valid_before) {
            (None, None) => true,
            (after, before) => {
                when.is_some_and(|t| after.is_none_or(|a| t >= a) && before.is_none_or(|b| t <= b))
            }
        };
        if !for_email.iter().any(|s| in_namespace(s) && valid(s)) {
            return Err(format!(
                "key {fingerprint} of {email} was not valid when the commit was made (its \
                 valid-after or valid-before option, against the committer's date)"
            ));
        }
    }
    if for_email.is_empty() {
        let owners: Vec<&str> = listed
            .iter()
            .flat_map(|s| s.principals.iter().map(String::as_str))
            .collect();
        return Err(format!(
            "key {fingerprint} belongs to {}, not to {email}",
            owners.join(", ")
        ));
    }
    Ok(fingerprint)
}

fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-") || word.starts_with("ecdsa-") || word.starts_with("sk-")
}

/// The options of one line.
#[derive(Default)]
struct Options {
    namespaces: Option<Vec<String>>,
    cert_authority: bool,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
}

/// The options field of a line: `namespaces="git,file"`, `cert-authority`,
/// `valid-after="20260101Z"`, `valid-before="..."`; anything else is an error.
fn read_options(options: &str) -> Result<Options, String> {
    let mut out = Options::default();
    for option in split_options(options) {
        let lower = option.to_ascii_lowercase();
        let value = |prefix: &str| {
            lower
                .strip_prefix(prefix)
                .map(|v| v.trim_matches('"').to_string())
        };
        if lower == "cert-authority" {
            out.cert_authority = true;
        } else if let Some(v) = value("namespaces=") {
            out.namespaces = Some(v.split(',').map(|n| n.trim().to_string()).collect());
        } else if let Some(v) = value("valid-after=") {
            out.valid_after = Some(utc_time(&v)?);
        } else if let Some(v) = value("valid-before=") {
            out.valid_before = Some(utc_time(&v)?);
        } else {
            return Err(format!(
                "unknown option '{option}' (ssh-keygen knows namespaces=, valid-after=, \
                 valid-before= and cert-authority)"
            ));
        }
    }
    Ok(out)
}

/// A time of `valid-after`/`valid-before`, `YYYYMMDD[HHMM[SS]]Z`, in seconds since the
/// epoch. ssh-keygen reads one without the `Z` in the local time zone of the machine that
/// verifies; that is refused here rather than guessed.
fn utc_time(s: &str) -> Result<i64, String> {
    let refuse = |why: &str| format!("cannot read the time '{s}': {why}");
    let Some(digits) = s.strip_suffix(['Z', 'z']) else {
        return Err(refuse(
            "write it in UTC with a trailing Z (20260101Z, 202601011200Z): without one, \
             ssh-keygen reads it in the local time zone of the machine that verifies",
        ));
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(
            "expected YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, then Z",
        ));
    }
    let part =
        |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i64>().unwrap_or(0));
    let (y, m, d) = (part(0..4), part(4..6), part(6..8));
    let (hh, mm, ss) = (part(8..10), part(10..12), part(12..14));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return Err(refuse("not a date and time"));
    }
    let day = super::util::unix_day(y, m, d).ok_or_else(|| refuse("not a date and time"))?;
    Ok(day + hh * 3600 + mm * 60 + ss)
}

/// The committer's time in a commit object (what git has ssh-keygen check a key's
/// validity at), in seconds since the epoch.
pub fn committer_time(commit: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(commit);
    let header = text.split("\n\n").next()?;
    let line = header.lines().find(|l| l.starts_with("committer "))?;
    let mut words = line.rsplit(' ');
    let _zone = words.next()?;
    words.next()?.parse().ok()
}

/// Splits on commas outside double quotes.
fn split_options(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Splits on whitespace outside double quotes.
fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A principal pattern against an email; `!pattern` negates (and then never allows).
fn principal_matches(pattern: &str, email: &str) -> bool {
    let pattern = pattern.trim_matches('"');
    if pattern.starts_with('!') {
        return false;
    }
    glob(&pattern.to_ascii_lowercase(), &email.to_ascii_lowercase())
}

/// Shell-style matching with `*` and `?`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        match p.get(pi) {
            Some('?') => {
                pi += 1;
                ti += 1;
            }
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(c) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIH2ZVaT2eP7TzfDnCeJxvZ2tv2hQTk6cKY3tIKw/QpN";

    #[test]
    fn validity_times_are_read_in_utc_and_others_are_refused() {
        assert_eq!(utc_time("19700101Z"), Ok(0));
        assert_eq!(utc_time("20000301Z"), Ok(951_868_800));
        assert_eq!(utc_time("202612041230Z"), Ok(1_796_387_400));
        assert_eq!(utc_time("20261204123005z"), Ok(1_796_387_405));
        for bad in ["20261204", "2026120Z", "20261304Z", "2026-12-04Z", ""] {
            assert!(utc_time(bad).is_err(), "{bad}");
        }
        let line = |options: &str| AllowedSigners::parse(&format!("a@b {options} {KEY}"));
        assert!(line("valid-after=\"20260101Z\",namespaces=\"git\"").is_ok());
        let err = line("valid-before=\"20260101\"").unwrap_err();
        assert!(err.message.contains("trailing Z"), "{}", err.message);
        let err = line("no-touch-required").unwrap_err();
        assert!(
            err.message.contains("unknown option 'no-touch-required'"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_committer_time_is_read_from_the_header() {
        let commit = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 100 +0000\n\
committer C <c@d> 1796387400 +0100\n\ncommitter X <x@y> 5 +0000\n";
        assert_eq!(committer_time(commit), Some(1_796_387_400));
        assert_eq!(committer_time(b"tree x\n\nno header"), None);
    }

    #[test]
    fn reads_allowed_signers_lines() {
        let text = format!(
            "# team keys\n\nbo@example.com {KEY} bo's laptop\n\"a@x.org,*@example.com\" namespaces=\"git,file\" {KEY}\n"
        );
        let s = AllowedSigners::parse(&text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.entries[1].principals, ["\"a@x.org", "*@example.com\""]);
        assert_eq!(s.entries[1].namespaces.as_deref().unwrap(), ["git", "file"]);
        let e = AllowedSigners::parse("bo@example.com ssh-ed25519 notbase64\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("cannot read the key"));
        assert!(AllowedSigners::parse("bo@example.com\n").is_err());
    }

    #[test]
    fn principals_match_like_the_shell() {
        assert!(principal_matches("*@example.com", "Bo@Example.com"));
        assert!(principal_matches("b?@example.com", "bo@example.com"));
        assert!(!principal_matches("bo@example.com", "bob@example.com"));
        assert!(!principal_matches("!bo@example.com", "bo@example.com"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "acd"));
    }

    #[test]
    fn unsigned_and_foreign_signatures_are_rejected() {
        let s = AllowedSigners::default();
        assert_eq!(
            verify(&s, "a@b", None, b"x").unwrap_err(),
            "the commit is not signed"
        );
        let pgp = "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n";
        assert!(verify(&s, "a@b", Some(pgp), b"x")
            .unwrap_err()
            .contains("not an SSH signature"));
        let junk = "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n";
        assert!(verify(&s, "a@b", Some(junk), b"x")
            .unwrap_err()
            .contains("cannot be read"));
    }
}

//! The findings of the last `git lead check` of a whole history, kept under
//! `.git/lead/findings` so that the next one recomputes only what changed since.
//!
//! What a check finds about a proposal depends on the proposal's file at HEAD, its events
//! and the changes of its file in the history, and on settings that hold for every
//! proposal (the configuration, `.mailmap`, the allowed-signers file, the build of git lead
//! itself). `check` keeps, with its findings, the commit it checked, those settings (the
//! key) and the blob and id of each proposal file. The next check of a history that grew
//! from that commit reads only the new commits: the proposals they name or whose files they
//! change, and those whose file is not the blob kept, are checked again; the others keep
//! their findings. Anything else (another key, other file names, a rewritten history, a
//! new commit with a trailer that does not read) means a whole check.
//!
//! Like the other files under `.git/lead/`, it is never authoritative: a file that is
//! unreadable, fails its checksum, names an unknown finding code or was written by another
//! version is ignored and replaced, and writes go to a temporary file renamed into place.
//!
//! # Layout
//!
//! Little-endian: magic, format number, the version that wrote it, the commit checked
//! (20 bytes), the number of commits it reaches, the key, the number of files, then each
//! (name, blob, 1 and the id, or 0 when the file has none), the number of findings, then
//! each finding field by field, then a checksum of all before.

use std::path::{Path, PathBuf};

use crate::model::check::{Finding, Severity, CODES};

use super::cache::{checksum, put_str, write_atomically, Reader};
use super::Repo;

const MAGIC: &[u8] = b"git-lead findings\n";
const FORMAT: u32 = 1;

/// A proposal file as checked: its name in the folder, its blob (hex), its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub name: String,
    pub blob: String,
    pub id: Option<u32>,
}

/// What a check of a whole history found, and what it found it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The commit checked (hex).
    pub tip: String,
    /// How many commits it reaches.
    pub commits: usize,
    /// The settings every finding depends on, as the caller spells them.
    pub key: Vec<u8>,
    /// The proposal files at `tip`, in the folder's order.
    pub files: Vec<CheckedFile>,
    /// Every finding, in the order reported.
    pub findings: Vec<Finding>,
}

fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("lead").join("findings")
}

impl Repo {
    /// What the last check of a whole history kept; `None` when there is none, it does not
    /// read, or the cache is off (`lead.cache=false`, a shallow clone).
    pub fn kept_check(&self) -> Option<Checked> {
        if !self.cache || self.inner.is_shallow() {
            return None;
        }
        decode(&std::fs::read(path(self.inner.commondir())).ok()?)
    }

    /// Keeps `checked` for the next check; failing to is not an error (the command has its
    /// answer).
    pub fn keep_check(&self, checked: &Checked) {
        if !self.cache || self.inner.is_shallow() {
            return;
        }
        let Some(body) = encode(checked) else {
            return;
        };
        let _ = write_atomically(&path(self.inner.commondir()), |out| {
            use std::io::Write;
            out.write_all(&body)?;
            out.write_all(&checksum(&body).to_le_bytes())
        });
    }
}

fn encode(c: &Checked) -> Option<Vec<u8>> {
    let tip = git2::Oid::from_str(&c.tip).ok()?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    put_str(&mut out, env!("CARGO_PKG_VERSION"));
    out.extend_from_slice(tip.as_bytes());
    out.extend_from_slice(&(c.commits as u64).to_le_bytes());
    put_bytes(&mut out, &c.key);
    out.extend_from_slice(&(c.files.len() as u32).to_le_bytes());
    for f in &c.files {
        put_str(&mut out, &f.name);
        out.extend_from_slice(git2::Oid::from_str(&f.blob).ok()?.as_bytes());
        put_number(&mut out, f.id.map(u64::from));
    }
    out.extend_from_slice(&(c.findings.len() as u32).to_le_bytes());
    for f in &c.findings {
        // Every field, named: a new one does not compile until it is kept.
        let Finding {
            code,
            severity,
            proposal,
            file,
            line,
            field,
            commit,
            message,
            hint,
        } = f;
        put_str(&mut out, code);
        out.push(match severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        });
        put_number(&mut out, proposal.map(u64::from));
        put_text(&mut out, file.as_deref());
        put_number(&mut out, line.map(|l| l as u64));
        put_text(&mut out, field.as_deref());
        put_text(&mut out, commit.as_deref());
        put_str(&mut out, message);
        put_text(&mut out, hint.as_deref());
    }
    Some(out)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_number(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => {
            out.push(1);
            out.extend_from_slice(&n.to_le_bytes());
        }
        None => out.push(0),
    }
}

fn put_text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

fn decode(bytes: &[u8]) -> Option<Checked> {
    let mut r = Reader::sealed(bytes, MAGIC, FORMAT)?;
    let tip = super::hex(git2::Oid::from_bytes(r.take(20)?).ok()?);
    let commits = usize::try_from(r.u64()?).ok()?;
    let n = r.u32()? as usize;
    let key = r.take(n)?.to_vec();
    let mut files = Vec::new();
    for _ in 0..r.u32()? {
        files.push(CheckedFile {
            name: r.str()?,
            blob: super::hex(git2::Oid::from_bytes(r.take(20)?).ok()?),
            id: number(&mut r)?.map(u32::try_from).transpose().ok()?,
        });
    }
    let mut findings = Vec::new();
    for _ in 0..r.u32()? {
        let code = r.str()?;
        findings.push(Finding {
            code: CODES.iter().find(|c| **c == code)?,
            severity: match r.u8()? {
                0 => Severity::Error,
                1 => Severity::Warning,
                _ => return None,
            },
            proposal: number(&mut r)?.map(u32::try_from).transpose().ok()?,
            file: text(&mut r)?,
            line: number(&mut r)?.map(usize::try_from).transpose().ok()?,
            field: text(&mut r)?,
            commit: text(&mut r)?,
            message: r.str()?,
            hint: text(&mut r)?,
        });
    }
    (r.at == r.bytes.len()).then_some(Checked {
        tip,
        commits,
        key,
        files,
        findings,
    })
}

/// An optional number as [`put_number`] wrote it: `None` when it does not read.
fn number(r: &mut Reader<'_>) -> Option<Option<u64>> {
    match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.u64()?)),
        _ => None,
    }
}

fn text(r: &mut Reader<'_>) -> Option<Option<String>> {
    match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.str()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Checked {
        let mut located = Finding::warning("signoff-not-counted", Some(7), "a é".into())
            .commit(Some("ab".repeat(20)))
            .hint("do this");
        located.file = Some("proposals/0007-x.toml".into());
        located.line = Some(12);
        located.field = Some("stakeholders".into());
        Checked {
            tip: "0123456789abcdef0123456789abcdef01234567".into(),
            commits: 100_000,
            key: b"folder = proposals\n\xff".to_vec(),
            files: vec![
                CheckedFile {
                    name: "0007-x.toml".into(),
                    blob: "ff".repeat(20),
                    id: Some(7),
                },
                CheckedFile {
                    name: "notes.toml".into(),
                    blob: "00".repeat(20),
                    id: None,
                },
            ],
            findings: CODES
                .iter()
                .map(|code| Finding::error(code, None, (*code).into()))
                .chain([located])
                .collect(),
        }
    }

    fn sealed(body: Vec<u8>) -> Vec<u8> {
        let mut bytes = body.clone();
        bytes.extend_from_slice(&checksum(&body).to_le_bytes());
        bytes
    }

    #[test]
    fn what_is_kept_reads_back_the_same() {
        let c = sample();
        assert_eq!(decode(&sealed(encode(&c).unwrap())), Some(c));
    }

    #[test]
    fn a_damaged_or_foreign_file_reads_as_nothing() {
        let body = encode(&sample()).unwrap();
        let good = sealed(body.clone());
        // Any byte changed fails the checksum; any cut too.
        for at in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            assert_eq!(decode(&bad), None, "byte {at} changed");
            assert_eq!(decode(&good[..at]), None, "cut at {at}");
        }
        // A code this version does not know, under a valid checksum.
        let mut unknown = body.clone();
        let at = unknown
            .windows(11)
            .position(|w| w == b"bad-trailer")
            .unwrap();
        unknown[at + 10] = b'x';
        assert_eq!(decode(&sealed(unknown)), None);
        // Bytes after the last finding.
        let mut longer = body;
        longer.push(0);
        assert_eq!(decode(&sealed(longer)), None);
    }
}

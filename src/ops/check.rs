//! `check`: every rule, over the proposals and the history, for CI.
//!
//! The history is read once (one walk for the ledger); each proposal is then checked from
//! its file at HEAD and its own events. With a base, only the proposals and commits a pull
//! request touched are checked, and the policy and keys come from the base. Without a
//! base or ids, a check starts from the findings the last one kept (`again`) and checks
//! again only the proposals the commits since touched.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::{Error, Result};
use crate::git::{Checked, CheckedFile};
use crate::model::check::{self, Finding, Severity};
use crate::model::config::Config;
use crate::model::id;
use crate::model::ledger::{self, EventKind, Ledger};
use crate::model::proposal::{Answer, ParseError, Proposal};
use crate::model::step::Step;

use super::{signoffs, ParsedBlob, Workspace};

/// What `check` looked at, and what it found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// How many proposals and commits were checked.
    pub proposals: usize,
    pub commits: usize,
    /// The merge base, with `--base`.
    pub base: Option<String>,
    /// Whether warnings fail the check too.
    pub strict: bool,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    /// Whether the check passes: no error, and no warning either when strict.
    pub fn passes(&self) -> bool {
        self.errors() == 0 && (!self.strict || self.warnings() == 0)
    }
}

/// A proposal file at HEAD, parsed.
struct File {
    rel: String,
    name_id: Option<u32>,
    /// The blob's id.
    blob: String,
    /// Its text, read when a finding is to be placed on a line (most files have none:
    /// the parsed proposal comes from the store of parsed proposals).
    text: std::cell::OnceCell<String>,
    parsed: std::result::Result<Proposal, ParseError>,
}

impl File {
    fn text(&self, ws: &Workspace) -> Result<&str> {
        if let Some(text) = self.text.get() {
            return Ok(text);
        }
        let text = ws.repo.blob_text(&self.blob)?;
        Ok(self.text.get_or_init(|| text))
    }

    /// The line of `field` in the file, when it is there; kept in the store of parsed
    /// proposals, as finding it means reading and parsing the text again.
    fn line_of(&self, ws: &Workspace, field: &str) -> Result<Option<usize>> {
        ws.field_line(&self.blob, field, || self.text(ws))
    }

    /// The proposal's id: its `id` field, or the number of its name when it does not parse.
    fn id(&self) -> Option<u32> {
        self.parsed.as_ref().ok().map(|p| p.id).or(self.name_id)
    }
}

/// Checks the proposals `ids` (all when empty) and the history, at HEAD or, with `base`,
/// what a pull request changed since its merge base with `base`; and, in the working tree,
/// the proposal files that a merge, rebase, cherry-pick or stash left in conflict.
pub fn check(ws: &Workspace, ids: &[u32], base: Option<&str>) -> Result<Outcome> {
    let mut out = check_committed(ws, ids, base)?;
    let unmerged = unmerged(ws)?
        .into_iter()
        .filter(|f| ids.is_empty() || f.proposal.is_some_and(|p| ids.contains(&p)));
    out.findings.extend(unmerged);
    in_report_order(&mut out.findings);
    Ok(out)
}

/// A `merge-conflict` finding for each proposal file the index holds in conflict, at the
/// first conflict marker of the working tree's file.
fn unmerged(ws: &Workspace) -> Result<Vec<Finding>> {
    let folder = &ws.config.folder;
    let mut out = Vec::new();
    for rel in ws.repo.conflicted_paths(folder)? {
        let id = crate::model::id::from_file_name(super::file_name(&rel));
        let text = std::fs::read(ws.repo.workdir().join(&rel)).unwrap_or_default();
        let line = crate::model::proposal::conflict_marker_line(&String::from_utf8_lossy(&text));
        let (message, hint) = match line {
            Some(_) => (
                "an unresolved merge conflict: the file still holds git's conflict markers",
                "keep the right side of each conflict, remove the <<<<<<< ======= >>>>>>> \
                 lines and 'git add' the file, then finish what you were doing ('git status' \
                 says how)",
            ),
            None => (
                "a merge conflict not marked as resolved",
                "'git add' the file once it reads as you want it, then finish what you were \
                 doing ('git status' says how)",
            ),
        };
        let mut f = Finding::error("merge-conflict", id, message.to_string()).hint(hint);
        f.file = Some(rel);
        f.line = line;
        out.push(f);
    }
    Ok(out)
}

fn check_committed(ws: &Workspace, ids: &[u32], base: Option<&str>) -> Result<Outcome> {
    let mut out = Outcome::default();
    if ws.repo.is_shallow() {
        out.findings.push(
            Finding::error(
                "shallow-history",
                None,
                "this is a shallow clone: its history cannot tell which transitions and \
                 sign-offs were recorded"
                    .into(),
            )
            .hint(
                "fetch the whole history ('git fetch --unshallow'; in GitHub Actions, \
                 actions/checkout with fetch-depth: 0)",
            ),
        );
        return Ok(out);
    }
    if let Some(b) = base {
        ws.repo.resolve(b)?;
    }
    let Some(head) = ws.repo.head_id()? else {
        if let Some(id) = ids.first() {
            return Err(Error::ProposalNotFound { id: *id });
        }
        return Ok(out);
    };
    let (merge_base, range) = base.map(|b| ws.repo.range_from(b)).transpose()?.unzip();
    if let Some(mb) = &merge_base {
        ws.repo.identities_from(mb);
    }
    // The settings of the revision under check: the base's in a pull request, else HEAD's.
    let config = ws.config_at(merge_base.as_deref().unwrap_or(&head))?;
    let listed = ws.repo.folder_files(&head, &config.folder)?;
    // A check of the whole history at HEAD starts from what the last one found, when it can.
    let key = match (ids, &merge_base) {
        ([], None) => Some(settings_key(ws, &config)?),
        _ => None,
    };
    if let Some(key) = &key {
        if let Some(out) = again(ws, &head, &config, &listed, key)? {
            return Ok(out);
        }
    }
    // The one walk over the history: the ledger and every proposal file's changes. The
    // proposals of HEAD's files are decoded from the store (or parsed) meanwhile, on
    // another thread.
    let blobs: Vec<&str> = listed.iter().map(|(_, blob)| blob.as_str()).collect();
    let (kept, scanned) = ws.kept_during(&blobs, || ws.scan_following(&head, &config.folder, None));
    let (ledger, walked, _) = scanned?;
    let walked = ws.remember_history(&head, &config.folder, None, walked);
    let range: Option<HashSet<String>> = range.map(|r| r.into_iter().collect());
    let in_scope = |commit: &str| range.as_ref().is_none_or(|r| r.contains(commit));
    out.commits = match &range {
        Some(r) => r.len(),
        None => walked.len(),
    };
    out.base.clone_from(&merge_base);

    let files = files_at(ws, listed, kept, &config)?;
    let touched = touched(
        ws,
        &files,
        merge_base.as_deref(),
        &config,
        &ledger,
        &in_scope,
    )?;
    for wanted in ids {
        if !files.iter().any(|f| f.id() == Some(*wanted)) {
            return Err(Error::ProposalNotFound { id: *wanted });
        }
    }
    let selected = |id: Option<u32>| {
        let Some(id) = id else { return ids.is_empty() };
        (ids.is_empty() || ids.contains(&id)) && touched.as_ref().is_none_or(|t| t.contains(&id))
    };
    let checker = Checker {
        ws,
        config: &config,
        ledger: &ledger,
        base,
        head: &head,
    };
    let chosen: Vec<&File> = files.iter().filter(|f| selected(f.id())).collect();
    out.proposals = chosen.len();
    out.findings = checker.files(&chosen)?;
    // Under a base: what the pull request changed in the files that decide who counts.
    if let Some(mb) = &merge_base {
        let parsed: Vec<(&str, &Proposal)> = chosen
            .iter()
            .filter_map(|f| Some((f.rel.as_str(), f.parsed.as_ref().ok()?)))
            .collect();
        out.findings
            .extend(super::trusted::changes(ws, mb, &head, &config, &parsed)?);
    }
    // Commit-level findings: all of them, or those of the proposals asked for.
    let known: HashSet<u32> = files.iter().filter_map(File::id).collect();
    out.findings.extend(
        history(ws, &ledger, &in_scope, &known)?
            .into_iter()
            .filter(|f| ids.is_empty() || f.proposal.is_some_and(|p| ids.contains(&p))),
    );
    in_report_order(&mut out.findings);
    if let Some(key) = key {
        ws.repo.keep_check(&Checked {
            tip: head,
            commits: out.commits,
            key,
            files: files
                .iter()
                .map(|f| CheckedFile {
                    name: super::file_name(&f.rel).to_string(),
                    blob: f.blob.clone(),
                    id: f.id(),
                })
                .collect(),
            findings: out.findings.clone(),
        });
    }
    Ok(out)
}

/// The order of the report: by proposal (commits that name none last), errors first, then
/// by file and line; otherwise as found.
fn in_report_order(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.proposal.is_none(),
            a.proposal,
            a.severity,
            &a.file,
            a.line,
        )
            .cmp(&(
                b.proposal.is_none(),
                b.proposal,
                b.severity,
                &b.file,
                b.line,
            ))
    });
}

/// How many new commits a check reads to start from the last one's findings; past this, a
/// whole check (one walk) is the quicker way.
const AGAIN_AT_MOST: usize = 1000;

/// The check of the whole history at `head`, from the findings the last one kept (see
/// `git/findings.rs`): the proposals that the commits since name or whose files they
/// changed, and those whose file is not the one checked then, are checked again with the
/// history of those proposals alone; the others keep their findings. `None` when a whole
/// check is needed: nothing kept, other settings (`key`) or proposal files, a history that
/// does not grow from the commit checked, a file that changed its id, or a new commit with
/// a `Lead-` trailer that does not read or sits outside its final block.
fn again(
    ws: &Workspace,
    head: &str,
    config: &Config,
    listed: &[(String, String)],
    key: &[u8],
) -> Result<Option<Outcome>> {
    let Some(kept) = ws.repo.kept_check() else {
        return Ok(None);
    };
    if kept.key != key || kept.files.len() != listed.len() {
        return Ok(None);
    }
    let Some(new) = ws.repo.commits_onto(&kept.tip, head, AGAIN_AT_MOST)? else {
        return Ok(None);
    };
    // A file's findings are under its id (its `id` field, else its name's), its changes in
    // the history under its name's.
    let mut affected = HashSet::new();
    let mut parsed = HashMap::new();
    for ((name, blob), k) in listed.iter().zip(&kept.files) {
        if *name != k.name {
            return Ok(None);
        }
        if *blob != k.blob {
            let p = ws.parse_blob(blob)?;
            let id = p.as_ref().ok().map(|p| p.id).or(id::from_file_name(name));
            if id.is_none() || id != k.id {
                return Ok(None);
            }
            affected.extend(id);
            parsed.insert(name.as_str(), p);
        }
    }
    let (leads, changed) = ws.repo.read_commits(&new, &config.folder)?;
    let mut touched = changed;
    for c in &leads {
        touched.extend(ledger::named(c));
    }
    let mut read = Ledger::default();
    read.extend(leads);
    if !read.bad.is_empty() || !read.stranded.is_empty() {
        return Ok(None);
    }
    let name_ids = || {
        kept.files
            .iter()
            .map(|f| (id::from_file_name(&f.name), f.id))
    };
    for (by_name, id) in name_ids() {
        if by_name.is_some_and(|n| touched.contains(&n)) || id.is_some_and(|i| touched.contains(&i))
        {
            affected.extend(id);
        }
    }
    // Ids with no file keep findings too (a commit that implements one).
    affected.extend(touched);
    let mut out = Outcome {
        commits: kept.commits + new.len(),
        proposals: listed.len(),
        ..Outcome::default()
    };
    if !affected.is_empty() {
        let mut scan: Vec<u32> = affected.iter().copied().collect();
        scan.extend(
            name_ids()
                .filter(|(_, id)| id.is_some_and(|i| affected.contains(&i)))
                .filter_map(|(by_name, _)| by_name),
        );
        scan.sort_unstable();
        scan.dedup();
        // With the former ids of those renumbered (a walk again with them).
        let (ledger, walked, scanned) =
            ws.scan_following(head, &config.folder, Some(scan.clone()))?;
        let scan = scanned.unwrap_or(scan);
        ws.remember_histories(head, &config.folder, &scan, walked);
        // The files of those proposals, parsed above when their blob changed.
        let (mine, parsed): (Vec<_>, Vec<_>) = listed
            .iter()
            .zip(&kept.files)
            .filter(|(_, k)| k.id.is_some_and(|i| affected.contains(&i)))
            .map(|((name, blob), _)| {
                let p = parsed.remove(name.as_str());
                ((name.clone(), blob.clone()), p)
            })
            .unzip();
        let files = files_at(ws, mine, parsed, config)?;
        let checker = Checker {
            ws,
            config,
            ledger: &ledger,
            base: None,
            head,
        };
        out.findings = checker.files(&files.iter().collect::<Vec<_>>())?;
        let known: HashSet<u32> = kept.files.iter().filter_map(|f| f.id).collect();
        out.findings.extend(
            history(ws, &ledger, &|_| true, &known)?
                .into_iter()
                .filter(|f| f.proposal.is_some_and(|p| affected.contains(&p))),
        );
    }
    out.findings.extend(
        kept.findings
            .into_iter()
            .filter(|f| f.proposal.is_none_or(|p| !affected.contains(&p))),
    );
    in_report_order(&mut out.findings);
    if kept.tip != head {
        // The files as they are now: a blob that changed is kept with its new one.
        let files = listed
            .iter()
            .zip(kept.files)
            .map(|((_, blob), k)| CheckedFile {
                blob: blob.clone(),
                ..k
            })
            .collect();
        ws.repo.keep_check(&Checked {
            tip: head.to_string(),
            commits: out.commits,
            key: key.to_vec(),
            files,
            findings: out.findings.clone(),
        });
    }
    Ok(Some(out))
}

/// What every finding depends on besides the proposals and the history: the settings (of
/// the revision checked and of the working tree, which says how sign-offs are trusted),
/// the allowed-signers file they name, `.mailmap` (which says who signed), and the build of
/// git lead (findings change with the code that finds them).
fn settings_key(ws: &Workspace, config: &Config) -> Result<Vec<u8>> {
    let mut key = format!("{config:?}\n{:?}\n", ws.config).into_bytes();
    let signers = &ws.config.signoff.allowed_signers;
    if !signers.is_empty() {
        match std::fs::read(ws.abs(signers)) {
            Ok(bytes) => key.extend(bytes),
            Err(e) => key.extend(format!("{:?}", e.kind()).bytes()),
        }
    }
    key.extend(ws.repo.mailmap_sources()?);
    let build = std::env::current_exe().and_then(std::fs::metadata);
    key.extend(
        format!(
            "\n{:?} {:?}",
            build.as_ref().map(std::fs::Metadata::len).ok(),
            build.and_then(|m| m.modified()).ok()
        )
        .bytes(),
    );
    Ok(key)
}

/// The `.toml` files of the proposal folder at HEAD (`listed`, name and blob), with what
/// they parsed to on the other thread (`kept`, in the same order); the others are parsed.
fn files_at(
    ws: &Workspace,
    listed: Vec<(String, String)>,
    kept: Vec<Option<ParsedBlob>>,
    config: &Config,
) -> Result<Vec<File>> {
    let mut files = Vec::with_capacity(listed.len());
    for ((name, blob), kept) in listed.into_iter().zip(kept) {
        let parsed = match kept {
            Some(parsed) => parsed,
            None => ws.parse_blob(&blob)?,
        };
        files.push(File {
            rel: format!("{}/{name}", config.folder),
            name_id: id::from_file_name(&name),
            parsed,
            text: std::cell::OnceCell::new(),
            blob,
        });
    }
    Ok(files)
}

/// With a base: the ids whose file changed since it, or that have events in the range.
fn touched(
    ws: &Workspace,
    files: &[File],
    merge_base: Option<&str>,
    config: &Config,
    ledger: &Ledger,
    in_scope: &dyn Fn(&str) -> bool,
) -> Result<Option<HashSet<u32>>> {
    let Some(mb) = merge_base else {
        return Ok(None);
    };
    let before: BTreeMap<String, String> = ws
        .repo
        .folder_files(mb, &config.folder)?
        .into_iter()
        .collect();
    let mut ids = HashSet::new();
    for file in files {
        let name = super::file_name(&file.rel);
        if before.get(name) != Some(&file.blob) {
            ids.extend(file.id());
        }
    }
    ids.extend(
        ledger
            .events()
            .iter()
            .filter(|e| in_scope(&e.commit))
            .map(|e| e.proposal),
    );
    Ok(Some(ids))
}

/// The findings `check` reports for one proposal file at `head` (what `review` shows).
#[allow(clippy::too_many_arguments)]
pub fn proposal_findings(
    ws: &Workspace,
    rel: &str,
    text: &str,
    proposal: Proposal,
    config: &Config,
    ledger: &Ledger,
    base: Option<&str>,
    head: &str,
) -> Result<Vec<Finding>> {
    let file = File {
        rel: rel.to_string(),
        name_id: id::from_file_name(super::file_name(rel)),
        blob: String::new(),
        text: std::cell::OnceCell::from(text.to_string()),
        parsed: Ok(proposal.clone()),
    };
    Checker {
        ws,
        config,
        ledger,
        base,
        head,
    }
    .proposal(&file, &proposal)
}

struct Checker<'a> {
    ws: &'a Workspace,
    config: &'a Config,
    ledger: &'a Ledger,
    base: Option<&'a str>,
    head: &'a str,
}

impl Checker<'_> {
    /// The findings of `files`: each proposal's own, and an id in more than one of them.
    fn files(&self, files: &[&File]) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        let mut by_id: BTreeMap<u32, Vec<&File>> = BTreeMap::new();
        for &file in files {
            let id = file.id();
            if let Some(id) = id {
                by_id.entry(id).or_default().push(file);
            }
            match &file.parsed {
                Ok(p) => out.extend(self.proposal(file, p)?),
                Err(e) => {
                    let mut f = Finding::error("parse-error", id, e.message.clone())
                        .hint("fix the file so that it reads as a proposal (docs/format.md)");
                    f.file = Some(file.rel.clone());
                    f.line = Some(e.line);
                    out.push(f);
                }
            }
        }
        for (id, files) in by_id.into_iter().filter(|(_, f)| f.len() > 1) {
            let names: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
            for file in &files {
                let mut f = Finding::error(
                    "duplicate-id",
                    Some(id),
                    format!(
                        "proposal {id} is in {} files: {}",
                        files.len(),
                        names.join(", ")
                    ),
                )
                .hint(format!(
                    "give one of them a free id with 'git lead renumber {id}' (one commit: \
                     its id and its file name)"
                ));
                f.file = Some(file.rel.clone());
                f.line = file.line_of(self.ws, "id")?;
                out.push(f);
            }
        }
        Ok(out)
    }

    fn proposal(&self, file: &File, p: &Proposal) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        if file.name_id != Some(p.id) {
            let expected = id::file_name(p.id, &p.title, self.config.id_width);
            out.push(
                Finding::error(
                    "file-name",
                    Some(p.id),
                    format!(
                        "the file name does not carry the id {} of the proposal in it",
                        p.id
                    ),
                )
                .field("id")
                .hint(format!(
                    "rename it with 'git mv' to {}/{expected}",
                    self.config.folder
                )),
            );
        }
        out.extend(check::cross_check(p, self.ledger, &self.config.gates));
        if matches!(p.step, Step::Implement | Step::Done) {
            for f in p.feedback.iter().filter(|f| f.answer == Answer::Open) {
                out.push(
                    Finding::error(
                        "feedback-unanswered",
                        Some(p.id),
                        format!(
                            "feedback {} from {} is still open, yet the proposal is past socialize",
                            f.id, f.from
                        ),
                    )
                    .field(format!("socialize.{}.status", f.id))
                    .hint(format!(
                        "answer it with 'git lead respond {} {} --incorporated|--declined'",
                        p.id, f.id
                    )),
                );
            }
            out.extend(self.policy(file, p)?);
            // Open feedback is reported once, as unanswered, not also as a regressed step.
            let open: Vec<String> = out
                .iter()
                .filter(|f| f.code == "feedback-unanswered")
                .filter_map(|f| f.field.clone())
                .collect();
            out.retain(|f| {
                f.code != "step-regressed" || f.field.as_ref().is_none_or(|x| !open.contains(x))
            });
        }
        for f in &mut out {
            f.file = Some(file.rel.clone());
            if let (None, Some(field)) = (f.line, f.field.as_deref()) {
                f.line = file.line_of(self.ws, field)?;
            }
        }
        Ok(out)
    }

    /// A proposal in implement or done whose sign-off policy no longer holds.
    fn policy(&self, file: &File, p: &Proposal) -> Result<Vec<Finding>> {
        let m = &signoffs::matrix_for(
            self.ws,
            &file.rel,
            p,
            self.ledger,
            self.base,
            Some(self.head),
        )?;
        let mut out = Vec::new();
        for rule in m.rules.iter().filter(|r| !r.holds && r.id != "concerns") {
            out.push(
                Finding::error(
                    "policy-unmet",
                    Some(p.id),
                    format!(
                        "proposal {} is in {} but its sign-off policy no longer holds: {}",
                        p.id, p.step, rule.detail
                    ),
                )
                .field("stakeholders")
                .hint(format!(
                    "'git lead signoffs {}' shows who signed and what is missing",
                    p.id
                )),
            );
        }
        for c in m.open_concerns() {
            out.push(
                Finding::error(
                    "open-concern",
                    Some(p.id),
                    format!(
                        "concern '{}' raised by {} is open: {}",
                        c.name, c.raised_by, c.reason
                    ),
                )
                .commit(Some(c.commit.clone()))
                .hint(format!(
                    "resolve it with 'git lead resolve {} {}'",
                    p.id, c.name
                )),
            );
        }
        for x in &m.rejected {
            out.push(
                Finding::warning(
                    "signoff-not-counted",
                    Some(p.id),
                    format!(
                        "a {} by {} does not count: {}",
                        event_noun(x.kind),
                        x.who,
                        x.reason
                    ),
                )
                .commit(Some(x.commit.clone()))
                .hint(format!(
                    "'git lead signoffs {}' shows every sign-off and why it counts or not",
                    p.id
                )),
            );
        }
        Ok(out)
    }
}

/// "sign-off", "withdrawal", "concern", "resolution".
fn event_noun(kind: &str) -> &'static str {
    match kind {
        "signoff" => "sign-off",
        "withdraw" => "withdrawal",
        "concern" => "concern",
        _ => "resolution",
    }
}

/// The rules about commits: early implementations, stranded and unknown trailers.
fn history(
    ws: &Workspace,
    ledger: &Ledger,
    in_scope: &dyn Fn(&str) -> bool,
    known: &HashSet<u32>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for e in ledger.events() {
        if e.kind != EventKind::Implements || !in_scope(&e.commit) {
            continue;
        }
        if !known.contains(&e.proposal) {
            out.push(
                Finding::error(
                    "implements-early",
                    Some(e.proposal),
                    format!(
                        "this commit implements proposal {}, which does not exist",
                        e.proposal
                    ),
                )
                .commit(Some(e.commit.clone()))
                .hint("name the proposal this change implements in its Lead-Implements trailer"),
            );
            continue;
        }
        // Reached means: the transition to implement is in the implementing commit's past.
        let mut reached = false;
        for t in ledger.of(e.proposal) {
            if t.kind == EventKind::Step(Step::Implement)
                && ws.repo.is_ancestor(&t.commit, &e.commit)?
            {
                reached = true;
                break;
            }
        }
        if !reached {
            out.push(
                Finding::error(
                    "implements-early",
                    Some(e.proposal),
                    format!(
                        "this commit implements proposal {} (Lead-Implements), which had not reached implement",
                        e.proposal
                    ),
                )
                .commit(Some(e.commit.clone()))
                .hint(format!(
                    "gather the sign-offs and run 'git lead advance {}' before implementing",
                    e.proposal
                )),
            );
        }
    }
    let mut seen = HashSet::new();
    for s in ledger.stranded.iter().filter(|s| in_scope(&s.commit)) {
        if !seen.insert(&s.commit) {
            continue;
        }
        out.push(
            Finding::warning(
                "stranded-trailer",
                None,
                format!(
                    "'{}: {}' is on line {} of the message, outside the final trailer block \
                     where git does not read it (a squash merge does this)",
                    s.key, s.value, s.line
                ),
            )
            .commit(Some(s.commit.clone()))
            .hint("merge with a merge commit to keep trailers; sign off again after a squash"),
        );
    }
    for b in ledger.bad.iter().filter(|b| in_scope(&b.commit)) {
        let code = if b.reason == "git lead does not know this trailer" {
            "unknown-trailer"
        } else {
            "bad-trailer"
        };
        out.push(
            Finding::warning(
                code,
                None,
                format!("'{}: {}': {}", b.key, b.value, b.reason),
            )
            .commit(Some(b.commit.clone()))
            .hint(if code == "unknown-trailer" {
                format!(
                    "the trailers git lead reads are {}",
                    crate::model::ledger::KEYS.join(", ")
                )
            } else {
                "fix the value in a new commit; this one is not counted".to_string()
            }),
        );
    }
    Ok(out)
}

//! Sign-offs: evaluating the policy of a proposal, and recording sign-offs and concerns.

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::model::config::Policy;
use crate::model::id;
use crate::model::ledger::{EventKind, Ledger, Stranded};
use crate::model::proposal::Proposal;
use crate::model::signoff::{self, Checked, Matrix};
use crate::model::trailer;
use crate::model::trust::{self, AllowedSigners};

use super::{parse_error, Workspace};

/// The sign-off state of one proposal.
#[derive(Debug, Clone)]
pub struct Report {
    pub rel: String,
    pub proposal: Proposal,
    pub policy: Policy,
    /// The merge base whose policy, roster and allowed signers were used, with `--base`.
    pub base: Option<String>,
    pub matrix: Matrix,
    /// `Lead-` trailers stranded in message bodies anywhere in the history.
    pub stranded: Vec<Stranded>,
}

/// The allowed-signers file, as far as it could be read.
enum Signers {
    NotSet,
    /// Set, but not there (the path, and the revision when read from one).
    Missing(String),
    Loaded(AllowedSigners),
}

/// What is trusted: the policy, the roster (who the stakeholders are) and the keys. Read
/// from the base revision when one is given, never from the head a pull request changes.
struct Trust {
    policy: Policy,
    folder: String,
    roster: Option<Proposal>,
    signers: Signers,
    base: Option<String>,
}

/// Evaluates the sign-off policy of proposal `id` as it stands in the working tree. With
/// `base`, the policy, the roster and the allowed-signers file come from the merge base of
/// `base` and HEAD.
pub fn report(ws: &Workspace, id: u32, base: Option<&str>) -> Result<Report> {
    if let Some(base) = base {
        ws.trust_base(base)?;
    }
    // The files are read while the history is walked.
    let (found, ledger) = ws.find_during(id, || ws.ledger_of(id));
    let (found, ledger) = (found?, ledger?);
    report_for(ws, &found.rel, &found.proposal, &ledger, base, None)
}

/// [`report`] for a proposal (file `rel`) and ledger already loaded. `tip` is the commit
/// the proposal was read from, or `None` for the working tree: staleness is traced up to it.
pub fn report_for(
    ws: &Workspace,
    rel: &str,
    proposal: &Proposal,
    ledger: &Ledger,
    base: Option<&str>,
    tip: Option<&str>,
) -> Result<Report> {
    let (trust, matrix) = evaluate(ws, rel, proposal, ledger, base, tip)?;
    Ok(Report {
        rel: rel.to_string(),
        proposal: proposal.clone(),
        policy: trust.policy,
        base: trust.base,
        matrix,
        stranded: ledger
            .stranded_for(proposal.id)
            .into_iter()
            .cloned()
            .collect(),
    })
}

/// The sign-off matrix of [`report_for`] alone, which is all `check` reports.
pub fn matrix_for(
    ws: &Workspace,
    rel: &str,
    proposal: &Proposal,
    ledger: &Ledger,
    base: Option<&str>,
    tip: Option<&str>,
) -> Result<Matrix> {
    Ok(evaluate(ws, rel, proposal, ledger, base, tip)?.1)
}

fn evaluate(
    ws: &Workspace,
    rel: &str,
    proposal: &Proposal,
    ledger: &Ledger,
    base: Option<&str>,
    tip: Option<&str>,
) -> Result<(Trust, Matrix)> {
    let trust = trust(ws, rel, proposal, base)?;
    let roster = trust.roster.as_ref().unwrap_or(proposal);
    let mut checked = Vec::new();
    for event in ledger.of(proposal.id) {
        if matches!(event.kind, EventKind::Step(_) | EventKind::Implements) {
            continue;
        }
        let signature = match (&trust.signers, trust.policy.require_signed) {
            (_, false) => Ok(None),
            (Signers::NotSet, true) => Err("signatures are required but no allowed-signers \
                                            file is set (signoff.allowed-signers)"
                .to_string()),
            (Signers::Missing(path), true) => Err(format!(
                "signatures are required but the allowed-signers file {path} does not exist"
            )),
            (Signers::Loaded(signers), true) => {
                let (sig, data) = ws.repo.signature_of(&event.commit)?;
                trust::verify(signers, &event.author.email, sig.as_deref(), &data).map(Some)
            }
        };
        checked.push(Checked {
            event: event.clone(),
            signature,
            changed_by: None,
        });
    }
    // Whether the approved content changed since matters to the sign-offs that stand in the
    // end only: those overtaken or rejected are not looked at (tracing them all took most
    // of a cold check's time after its walk).
    let unjudged = signoff::evaluate(roster, &checked, &trust.policy);
    let standing: Vec<&str> = unjudged.standing_signoffs().collect();
    let former = ledger.former(proposal.id);
    for c in &mut checked {
        if c.event.kind == EventKind::Signoff && standing.contains(&c.event.commit.as_str()) {
            c.changed_by = changed_since(
                ws,
                &trust.folder,
                (rel, proposal, &former),
                &c.event.commit,
                tip,
            )?;
        }
    }
    let matrix = signoff::evaluate(roster, &checked, &trust.policy);
    Ok((trust, matrix))
}

fn trust(ws: &Workspace, rel: &str, proposal: &Proposal, base: Option<&str>) -> Result<Trust> {
    let id = proposal.id;
    let Some(base) = base else {
        let policy = ws.config.signoff.clone();
        let signers = match policy.allowed_signers.as_str() {
            "" => Signers::NotSet,
            path => match std::fs::read(ws.abs(path)) {
                Ok(text) => Signers::Loaded(read_signers(path, &text)?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Signers::Missing(path.to_string())
                }
                Err(e) => return Err(Error::io(path, e)),
            },
        };
        return Ok(Trust {
            policy,
            folder: ws.config.folder.clone(),
            roster: None,
            signers,
            base: None,
        });
    };
    let commit = ws.repo.merge_base_with_head(base)?;
    let config = ws.config_at(&commit)?;
    let signers = match config.signoff.allowed_signers.as_str() {
        "" => Signers::NotSet,
        path => match ws.repo.file_at(&commit, path)? {
            Some(bytes) => Signers::Loaded(read_signers(
                &format!("{path} at {}", short(&commit)),
                &bytes,
            )?),
            None => Signers::Missing(format!("{path} at {}", short(&commit))),
        },
    };
    let roster = match ws
        .repo
        .proposal_at_likely(&commit, rel, &config.folder, id)?
    {
        Some((path, bytes)) => Some(
            ws.parse_text(&String::from_utf8_lossy(&bytes))
                .map_err(|e| parse_error(&format!("{path} at {}", short(&commit)), e))?,
        ),
        None => None,
    };
    Ok(Trust {
        policy: config.signoff,
        folder: config.folder,
        roster,
        signers,
        base: Some(commit),
    })
}

fn read_signers(path: &str, bytes: &[u8]) -> Result<AllowedSigners> {
    AllowedSigners::parse(&String::from_utf8_lossy(bytes)).map_err(|e| Error::Parse {
        path: path.into(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

/// Where the content a sign-off in `commit` approved has changed since: the first later
/// commit whose version differs (the `step` and the id aside), or the working tree. A
/// proposal renumbered since the sign-off is found at `commit` under a `former` name.
fn changed_since(
    ws: &Workspace,
    folder: &str,
    (rel, proposal, former): (&str, &Proposal, &[(u32, Vec<String>)]),
    commit: &str,
    tip: Option<&str>,
) -> Result<Option<String>> {
    let id = proposal.id;
    let tip_id = match tip {
        Some(t) => Some(t.to_string()),
        None => ws.repo.head_id()?,
    };
    let history = match &tip_id {
        Some(t) => Some(ws.folder_history_of(t, folder, id)?),
        None => None,
    };
    // The version approved: through the folder tree the walk recorded for that commit when
    // the file kept its name, else looked up at the commit.
    let name = super::file_name(rel);
    let kept_name = rel == format!("{folder}/{name}") && id::from_file_name(name) == Some(id);
    let recorded = match (&history, kept_name) {
        (Some(h), true) => ws.folder_blob(h, commit, name)?.flatten(),
        _ => None,
    };
    let mut approved = match recorded {
        Some(blob) => ws.proposal_blob(&blob)?,
        None => match ws.repo.proposal_at_likely(commit, rel, folder, id)? {
            Some((_, bytes)) => ws
                .parse_text(&String::from_utf8_lossy(&bytes))
                .ok()
                .map(Rc::new),
            None => None,
        },
    };
    if approved.is_none() {
        let names = former.iter().flat_map(|(_, names)| names);
        if let Some((_, bytes)) = ws.repo.file_named_at(commit, folder, names)? {
            approved = ws
                .parse_text(&String::from_utf8_lossy(&bytes))
                .ok()
                .map(Rc::new);
        }
    }
    let Some(approved) = approved else {
        return Ok(Some(format!("since: proposal {id} is not in that commit")));
    };
    if signoff::same_content(&approved, proposal) {
        return Ok(None);
    }
    let Some(history) = history else {
        return Ok(Some("by uncommitted changes in the working tree".into()));
    };
    if let Some(pos) = history.position(commit) {
        for (later, blob) in history.changes_after(id, pos) {
            let version = match blob {
                Some(b) => ws.proposal_blob(&b).ok().flatten(),
                None => None,
            };
            if version.is_none_or(|v| !signoff::same_content(&approved, &v)) {
                return Ok(Some(later));
            }
        }
    }
    Ok(Some(match tip {
        None => "by uncommitted changes in the working tree".into(),
        Some(_) => "since".into(),
    }))
}

/// What `signoff`, `concern` and `resolve` record.
#[derive(Debug, Clone)]
pub enum Record {
    Signoff { comment: String },
    Withdraw { comment: String },
    Concern { name: String, why: String },
    Resolve { name: String, comment: String },
}

/// Records a sign-off, withdrawal, concern or resolution as one empty commit by the current
/// user. Refuses what would not count: someone who is not a stakeholder, the author signing
/// their own proposal, a proposal with uncommitted changes, a resolution nobody may make.
pub fn record(ws: &Workspace, id: u32, what: &Record) -> Result<Recorded> {
    let found = ws.find(id)?;
    let p = &found.proposal;
    let (me, _, _) = ws.repo.author()?;
    // The ledger sees authors through .mailmap; so must this check.
    let me = ws.repo.mailmapped(&me)?;
    let committed = ws.repo.read_head_file(&found.rel)?;
    if committed.as_deref() != Some(found.text.as_bytes()) {
        return Err(Error::usage(format!(
            "{} has changes that are not committed; a sign-off approves the committed \
             version, so commit or stash them first",
            found.rel
        )));
    }
    let is_stakeholder = p.stakeholders.iter().any(|s| s.who.same_email(&me));
    let is_author = p.author.same_email(&me);
    let width = ws.config.id_width;
    let (subject, body, key, value) = match what {
        Record::Signoff { comment } | Record::Withdraw { comment } => {
            if is_author {
                return Err(Error::usage(format!(
                    "you wrote proposal {id}; the author's own sign-off never counts"
                )));
            }
            if !is_stakeholder {
                return Err(not_a_stakeholder(&me, id));
            }
            let (verb, key) = match what {
                Record::Signoff { .. } => ("sign off", "Lead-Signoff"),
                _ => ("withdraw sign-off", "Lead-Signoff-Withdrawn"),
            };
            (verb.to_string(), comment.clone(), key, id.to_string())
        }
        Record::Concern { name, why } => {
            if !is_stakeholder && !is_author {
                return Err(not_a_stakeholder(&me, id));
            }
            (
                format!("concern {name}"),
                why.clone(),
                "Lead-Concern",
                name.clone(),
            )
        }
        Record::Resolve { name, comment } => {
            if !is_stakeholder && !is_author {
                return Err(not_a_stakeholder(&me, id));
            }
            let report = report_for(ws, &found.rel, p, &*ws.ledger_of(id)?, None, None)?;
            let Some(open) = report.matrix.open_concerns().find(|c| c.name == *name) else {
                return Err(Error::ItemNotFound {
                    id,
                    kind: "open concern",
                    name: name.clone(),
                });
            };
            let by_author_with_reason = is_author && !comment.trim().is_empty();
            if !open.raised_by.same_email(&me) && !by_author_with_reason {
                return Err(Error::usage(format!(
                    "only {} (who raised it) or the author, with --comment giving the reason, \
                     may resolve concern '{name}'",
                    open.raised_by
                )));
            }
            (
                format!("resolve {name}"),
                comment.clone(),
                "Lead-Concern-Resolved",
                name.clone(),
            )
        }
    };
    let message = trailer::compose(
        &format!("lead({id:0width$}): {subject}"),
        body.trim(),
        &[("Lead-Proposal", id.to_string()), (key, value)],
    );
    let commit = ws.repo.commit_empty(&message)?;
    let will_not_count =
        ws.config.signoff.require_signed && ws.repo.config_bool("commit.gpgsign")? != Some(true);
    Ok(Recorded {
        commit,
        will_not_count,
    })
}

/// A recorded sign-off, withdrawal, concern or resolution.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub commit: String,
    /// Signatures are required, and git was not told to sign: the commit will not count.
    pub will_not_count: bool,
}

fn not_a_stakeholder(me: &crate::model::person::Person, id: u32) -> Error {
    Error::usage(format!(
        "{me} is not a stakeholder of proposal {id}; only stakeholders' sign-offs and concerns \
         count (the author adds them with 'git lead stakeholder {id} \"Name <email>\"')"
    ))
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

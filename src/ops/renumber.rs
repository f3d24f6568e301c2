//! `git lead renumber`: gives a proposal whose id clashes with another a free id, in one
//! commit that renames its file, changes its `id` and records `Lead-Renumbered: 8 -> 12`,
//! which the ledger follows (see [`Workspace::scan_following`]).

use crate::error::{Error, Result};
use crate::model::{edit, id};

use super::{file_name, Entry, Workspace};

/// Which file to renumber.
#[derive(Debug, Clone)]
pub enum Target {
    /// The proposal with this id (the file that clashes, when the id is in several).
    Id(u32),
    /// This file, by path from the top of the working tree.
    File(String),
}

/// What `renumber` does.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    /// The new id; else the next free one.
    pub to: Option<u32>,
    /// Another revision whose proposals count too (`origin/main`): a clash with them, and
    /// their ids as taken.
    pub against: Option<String>,
}

/// A renumbering made.
#[derive(Debug, Clone)]
pub struct Renumbered {
    pub from: u32,
    pub to: u32,
    pub old_rel: String,
    pub new_rel: String,
    pub commit: String,
    /// The other files that held the old id.
    pub clashes: Vec<String>,
}

/// A proposal file somewhere: in the working tree, at HEAD or at the other revision.
struct Known {
    rel: String,
    id: Option<u32>,
    place: String,
}

pub fn renumber(ws: &Workspace, req: &Request) -> Result<Renumbered> {
    let folder = ws.config.folder.clone();
    let entries = ws.scan()?;
    let against = req
        .against
        .as_deref()
        .map(|rev| ws.repo.resolve(rev).map(|c| (rev, c)))
        .transpose()?;
    let mut known: Vec<Known> = entries
        .iter()
        .map(|e| Known {
            rel: e.rel.clone(),
            id: e.id(),
            place: "the working tree".to_string(),
        })
        .collect();
    let names_at = |commit: &str| -> Result<Vec<String>> {
        Ok(ws
            .repo
            .folder_files(commit, &folder)?
            .into_iter()
            .map(|(name, _)| name)
            .collect())
    };
    if let Some(head) = ws.repo.head_id()? {
        for name in &names_at(&head)? {
            known.push(Known {
                rel: format!("{folder}/{name}"),
                id: id::from_file_name(name),
                place: "HEAD".to_string(),
            });
        }
    }
    let mut at_other = Vec::new();
    if let Some((rev, commit)) = &against {
        at_other = names_at(commit)?;
        for name in &at_other {
            known.push(Known {
                rel: format!("{folder}/{name}"),
                id: id::from_file_name(name),
                place: (*rev).to_string(),
            });
        }
    }

    let entry = pick(
        &entries,
        &req.target,
        &at_other,
        against.as_ref().map(|(r, _)| *r),
    )?;
    let Ok(proposal) = &entry.parsed else {
        return Err(Error::State {
            message: format!("{} does not read as a proposal; fix it first", entry.rel),
        });
    };
    let from = proposal.id;
    let mut clashes: Vec<String> = known
        .iter()
        .filter(|k| k.id == Some(from) && k.rel != entry.rel)
        .map(|k| k.rel.clone())
        .collect();
    clashes.sort();
    clashes.dedup();

    let taken = |n: u32| {
        known
            .iter()
            .find(|k| k.id == Some(n) || name_id(&k.rel) == Some(n))
    };
    let to = match req.to {
        Some(to) if to == from => {
            return Err(Error::usage(format!("proposal {from} already has id {to}")));
        }
        Some(to) => {
            if let Some(k) = taken(to) {
                return Err(Error::State {
                    message: format!(
                        "proposal {to} exists already ({} in {}); pick a free id, or leave \
                         out --to for the next free one",
                        k.rel, k.place
                    ),
                });
            }
            to
        }
        None if clashes.is_empty() => {
            return Err(Error::State {
                message: format!(
                    "proposal {from} does not clash with another ({} is the only file with \
                     that id{}); give --to <id> to renumber it anyway",
                    entry.rel,
                    match &against {
                        Some((rev, _)) => format!(" here, at HEAD and in {rev}"),
                        None => " here and at HEAD".to_string(),
                    }
                ),
            });
        }
        None => {
            known
                .iter()
                .filter_map(|k| k.id.max(name_id(&k.rel)))
                .max()
                .unwrap_or(0)
                + 1
        }
    };

    // Only what is committed moves: the renumbering is a commit of its own.
    let committed = ws.repo.read_head_file(&entry.rel)?;
    let on_disk =
        std::fs::read(ws.abs(&entry.rel)).map_err(|e| Error::io(ws.abs(&entry.rel), e))?;
    match committed {
        None => {
            return Err(Error::State {
                message: format!(
                    "{} is not committed yet; commit it first (the renumbering is a commit of \
                     its own)",
                    entry.rel
                ),
            })
        }
        Some(c) if c != on_disk || ws.repo.staged_change(&entry.rel)? => {
            return Err(Error::State {
                message: format!(
                    "{} has uncommitted changes; commit or stash them first (the renumbering \
                     is a commit of its own, and leaves nothing of yours behind)",
                    entry.rel
                ),
            })
        }
        Some(_) => {}
    }

    let text = String::from_utf8_lossy(&on_disk);
    let text = edit::set_id(&text, from, to).map_err(|e| Error::Parse {
        path: entry.rel.clone().into(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let new_name = id::renumbered_name(file_name(&entry.rel), to, ws.config.id_width);
    let new_rel = format!("{folder}/{new_name}");
    if let Some(k) = known.iter().find(|k| k.rel == new_rel) {
        return Err(Error::State {
            message: format!("{new_rel} exists already in {}", k.place),
        });
    }
    let message = format!(
        "lead({to:0width$}): renumber from {from}\n\n{}\n\nLead-Renumbered: {from} -> {to}\n",
        proposal.title,
        width = ws.config.id_width
    );
    let commit = ws
        .repo
        .commit_rename(&entry.rel, &new_rel, text.as_bytes(), &message)?;
    Ok(Renumbered {
        from,
        to,
        old_rel: entry.rel.clone(),
        new_rel,
        commit,
        clashes,
    })
}

fn name_id(rel: &str) -> Option<u32> {
    id::from_file_name(file_name(rel))
}

/// The working-tree file to renumber.
fn pick<'e>(
    entries: &'e [Entry],
    target: &Target,
    at_other: &[String],
    against: Option<&str>,
) -> Result<&'e Entry> {
    let wanted = match target {
        Target::File(rel) => {
            let rel = rel.trim_start_matches("./");
            return entries
                .iter()
                .find(|e| e.rel == rel || file_name(&e.rel) == rel)
                .ok_or_else(|| Error::State {
                    message: format!("{rel} is not a proposal file of the working tree"),
                });
        }
        Target::Id(id) => *id,
    };
    let with_id: Vec<&Entry> = entries.iter().filter(|e| e.id() == Some(wanted)).collect();
    match with_id.as_slice() {
        [] => Err(Error::ProposalNotFound { id: wanted }),
        [one] => Ok(one),
        many => {
            // With another revision: the file it lacks is the newcomer.
            let new_here: Vec<&&Entry> = many
                .iter()
                .filter(|e| !at_other.iter().any(|n| n == file_name(&e.rel)))
                .collect();
            if let (Some(_), [one]) = (against, new_here.as_slice()) {
                return Ok(one);
            }
            let names: Vec<&str> = many.iter().map(|e| e.rel.as_str()).collect();
            Err(Error::State {
                message: format!(
                    "proposal {wanted} is in {} files: {}; say which one to renumber: \
                     'git lead renumber {}' (or --against <the branch that has the other>)",
                    many.len(),
                    names.join(", "),
                    names.last().copied().unwrap_or_default()
                ),
            })
        }
    }
}

//! What a pull request changed in the files that decide who counts: the sign-off policy in
//! `.lead.toml`, the allowed-signers file, `.mailmap`, and each proposal's stakeholders.
//! Under `--base` all of them are read at the merge base, so a change in the head has no
//! effect on the verdict; these findings tell the reviewers that the branch tried, and
//! which identities it would have changed (see docs/signoffs.md, "Threat model").

use std::collections::BTreeSet;

use crate::error::Result;
use crate::model::check::Finding;
use crate::model::config::{Config, Policy};
use crate::model::proposal::Proposal;
use crate::model::trust::AllowedSigners;

use super::{Workspace, CONFIG_FILE};

/// A symbolic link's mode in a tree.
const LINK: i32 = 0o120000;

/// The findings for what the range from `merge_base` to `head` changed in the files that
/// decide who counts; `config` is the merge base's, `proposals` the files under check with
/// what they parse to at `head`.
pub(super) fn changes(
    ws: &Workspace,
    merge_base: &str,
    head: &str,
    config: &Config,
    proposals: &[(&str, &Proposal)],
) -> Result<Vec<Finding>> {
    let mut out = repository(ws, merge_base, head, config)?;
    for (rel, p) in proposals {
        out.extend(roster(ws, merge_base, config, rel, p)?);
    }
    Ok(out)
}

/// The findings of [`changes`] about the whole pull request: the policy, the
/// allowed-signers file and `.mailmap`.
pub(super) fn repository(
    ws: &Workspace,
    merge_base: &str,
    head: &str,
    config: &Config,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    out.extend(policy(ws, head, &config.signoff)?);
    out.extend(signers(ws, merge_base, head, &config.signoff)?);
    out.extend(mailmap(ws, merge_base, head)?);
    Ok(out)
}

/// `.lead.toml`'s `[signoff]` at `head` against the base's.
fn policy(ws: &Workspace, head: &str, base: &Policy) -> Result<Option<Finding>> {
    let changed = match ws.config_at(head) {
        Ok(at_head) => {
            let h = &at_head.signoff;
            let mut what = Vec::new();
            if h.quorum != base.quorum {
                what.push(format!("quorum {} -> {}", base.quorum, h.quorum));
            }
            if h.require_signed != base.require_signed {
                what.push(format!(
                    "require-signed {} -> {}",
                    base.require_signed, h.require_signed
                ));
            }
            if h.allowed_signers != base.allowed_signers {
                what.push(format!(
                    "allowed-signers {:?} -> {:?}",
                    base.allowed_signers, h.allowed_signers
                ));
            }
            what
        }
        Err(e) => vec![format!("it no longer reads at the head ({e})")],
    };
    if changed.is_empty() {
        return Ok(None);
    }
    let mut f = Finding::warning(
        "base-policy-changed",
        None,
        format!(
            "this pull request changes the sign-off policy ({}); the base's applies to it",
            changed.join(", ")
        ),
    )
    .field("signoff")
    .hint("merge the change to the policy on its own, reviewed, before the pull requests it would judge");
    f.file = Some(CONFIG_FILE.to_string());
    Ok(Some(f))
}

/// The allowed-signers file the base names, at `head` against the base.
fn signers(ws: &Workspace, merge_base: &str, head: &str, base: &Policy) -> Result<Option<Finding>> {
    let path = base.allowed_signers.as_str();
    if path.is_empty() {
        return Ok(None);
    }
    let (before, after) = (
        ws.repo.path_entry(merge_base, path)?,
        ws.repo.path_entry(head, path)?,
    );
    if before == after {
        return Ok(None);
    }
    let detail = match &after {
        None => "deletes it".to_string(),
        Some((LINK, _)) => "makes it a symbolic link".to_string(),
        Some(_) => {
            let grants = |commit: &str| -> BTreeSet<(String, String)> {
                let text = match ws.repo.file_at(commit, path) {
                    Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                    _ => String::new(),
                };
                AllowedSigners::parse(&text)
                    .map(|s| s.grants())
                    .unwrap_or_default()
            };
            let (was, is) = (grants(merge_base), grants(head));
            let mut said: Vec<String> = is
                .difference(&was)
                .map(|(who, key)| format!("adds key {key} for {who}"))
                .collect();
            said.extend(
                was.difference(&is)
                    .map(|(who, key)| format!("removes key {key} of {who}")),
            );
            if said.is_empty() {
                "changes it, not the keys it lists".to_string()
            } else {
                said.join(", ")
            }
        }
    };
    let mut f = Finding::warning(
        "base-signers-changed",
        None,
        format!(
            "this pull request changes the allowed-signers file {path}: {detail}; signatures \
             are verified with the base's"
        ),
    )
    .hint("merge changes to the allowed-signers file on their own, reviewed, before the sign-offs they would verify");
    f.file = Some(path.to_string());
    Ok(Some(f))
}

/// `.mailmap` at `head` against the base's, with every author of a `Lead-` commit that
/// the head's would map otherwise.
fn mailmap(ws: &Workspace, merge_base: &str, head: &str) -> Result<Option<Finding>> {
    let own =
        ws.repo.path_entry(merge_base, ".mailmap")? != ws.repo.path_entry(head, ".mailmap")?;
    if !own && !ws.repo.mailmap_differs(merge_base, head)? {
        return Ok(None);
    }
    // Else a file that git's `mailmap.file` or `mailmap.blob` names in the repository.
    let what = match own {
        true => ".mailmap",
        false => "the mailmap that git's mailmap.file or mailmap.blob setting names",
    };
    let authors = ws.repo.mapped_authors();
    let (at_base, at_head) = (
        ws.repo.map_people_at(merge_base, &authors)?,
        ws.repo.map_people_at(head, &authors)?,
    );
    let mut moved = Vec::new();
    for ((who, b), h) in authors.iter().zip(at_base).zip(at_head) {
        if b != h {
            moved.push(format!("{} would count as {h}, not {b}", who.email));
        }
    }
    let detail = match moved.is_empty() {
        true => "no author of a Lead- commit would count as someone else".to_string(),
        false => moved.join("; "),
    };
    let mut f = Finding::warning(
        "base-mailmap-changed",
        None,
        format!("this pull request changes {what}: {detail}; the base's says who signed"),
    )
    .hint("merge changes to .mailmap on their own, reviewed, before the sign-offs they would map");
    f.file = own.then(|| ".mailmap".to_string());
    Ok(Some(f))
}

/// Proposal `p`'s stakeholders at the head against the base's, when the base has it.
pub(super) fn roster(
    ws: &Workspace,
    merge_base: &str,
    config: &Config,
    rel: &str,
    p: &Proposal,
) -> Result<Option<Finding>> {
    let Some((_, bytes)) = ws
        .repo
        .proposal_at_likely(merge_base, rel, &config.folder, p.id)?
    else {
        return Ok(None);
    };
    let Ok(before) = ws.parse_text(&String::from_utf8_lossy(&bytes)) else {
        return Ok(None);
    };
    let key = |p: &Proposal| -> BTreeSet<(String, bool)> {
        p.stakeholders
            .iter()
            .map(|s| (s.who.email.trim().to_lowercase(), s.required))
            .collect()
    };
    let (was, is) = (key(&before), key(p));
    if was == is {
        return Ok(None);
    }
    let emails = |set: &BTreeSet<(String, bool)>| -> BTreeSet<String> {
        set.iter().map(|(e, _)| e.clone()).collect()
    };
    let (was_e, is_e) = (emails(&was), emails(&is));
    let mut said: Vec<String> = is_e
        .difference(&was_e)
        .map(|e| format!("adds {e}"))
        .collect();
    said.extend(was_e.difference(&is_e).map(|e| format!("removes {e}")));
    for (e, required) in is.difference(&was).filter(|(e, _)| was_e.contains(e)) {
        said.push(format!(
            "makes {e} {}",
            if *required {
                "required"
            } else {
                "not required"
            }
        ));
    }
    let mut f = Finding::warning(
        "base-roster-changed",
        Some(p.id),
        format!(
            "this pull request changes the stakeholders of proposal {} ({}); their sign-offs \
             are judged by the base's list",
            p.id,
            said.join(", ")
        ),
    )
    .field("stakeholders")
    .hint("merge the change to the stakeholders first; sign-offs count once it is on the base");
    f.file = Some(rel.to_string());
    Ok(Some(f))
}

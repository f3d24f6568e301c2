//! One walk over the history reachable from HEAD, reading commit messages only.

use crate::error::Result;
use crate::model::ledger::{is_lead_key, CommitInfo};
use crate::model::person::Person;
use crate::model::trailer::{self, Divider};

use super::Repo;

impl Repo {
    /// Commits reachable from HEAD whose final trailer block has a `Lead-` key, oldest
    /// first (parents before children). An unborn branch has none.
    pub fn lead_history(&self) -> Result<Vec<CommitInfo>> {
        let Some(head) = self.head_commit()? else {
            return Ok(Vec::new());
        };
        let mailmap = self.inner.mailmap()?;
        let mut walk = self.inner.revwalk()?;
        walk.push(head.id())?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        let mut out = Vec::new();
        for oid in walk {
            let commit = self.inner.find_commit(oid?)?;
            let message = commit.message_raw_bytes();
            if !contains_lead_key(message) {
                continue;
            }
            let trailers = trailer::parse_with(message, Divider::Ignore);
            let stranded = trailer::stranded_with(message, "Lead-", Divider::Ignore);
            if !trailers.iter().any(|t| is_lead_key(&t.key)) && stranded.is_empty() {
                continue;
            }
            let author = commit.author_with_mailmap(&mailmap)?;
            let when = author.when();
            out.push(CommitInfo {
                id: commit.id().to_string(),
                author: Person::new(
                    String::from_utf8_lossy(author.name_bytes()),
                    String::from_utf8_lossy(author.email_bytes()),
                ),
                time: when.seconds(),
                offset: when.offset_minutes(),
                summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                    .into_owned(),
                body: body(message, &trailer::block_range(message, Divider::Ignore)),
                trailers,
                stranded,
            });
        }
        Ok(out)
    }
}

/// A cheap test run on every commit before parsing its trailers.
fn contains_lead_key(message: &[u8]) -> bool {
    message.windows(5).any(|w| w.eq_ignore_ascii_case(b"lead-"))
}

/// The message between the subject paragraph and the trailer block.
fn body(message: &[u8], block: &std::ops::Range<usize>) -> String {
    let text = String::from_utf8_lossy(message.get(..block.start).unwrap_or(message));
    match text.split_once("\n\n") {
        Some((_, rest)) => rest.trim().to_string(),
        None => String::new(),
    }
}

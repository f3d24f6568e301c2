//! `board`: a static site of the proposals at HEAD.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::ops::board;
use crate::render::html;

use super::Ctx;

/// Write a static site of the proposals at HEAD: a board of the steps, a page per
/// proposal and per person; it opens from file:// with no server
#[derive(Debug, clap::Args)]
pub struct BoardArgs {
    /// The folder to write the site into (created when missing)
    #[arg(short, long, value_name = "folder", default_value = "site")]
    pub output: PathBuf,
    /// Where commit ids link to, as https://host/owner/repo (default: the origin remote's
    /// web address, when it has one)
    #[arg(long, value_name = "url")]
    pub base_url: Option<String>,
    /// Write into a folder that holds files the board did not write (they are left alone)
    #[arg(long)]
    pub force: bool,
}

pub fn board(ctx: &mut Ctx, a: BoardArgs) -> Result<()> {
    if let Some(url) = &a.base_url {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && !url.contains(['"', '<', '>', ' ', '\'']);
        if !ok {
            return Err(Error::usage(format!(
                "--base-url takes a web address such as https://github.com/owner/repo, not \
                 '{url}'"
            )));
        }
    }
    let ws = ctx.workspace()?;
    let dir = &a.output;
    let manifest = board::prepare(dir, a.force)?;
    let key = board::key(&ws, a.base_url.as_deref())?;
    if board::up_to_date(dir, &manifest, &key) {
        ctx.status(&format!(
            "{} is up to date with HEAD; open {}",
            dir.display(),
            dir.join("index.html").display()
        ))?;
        ws.finish();
        return Ok(());
    }
    let b = board::build(&ws, a.base_url.as_deref())?;
    for br in &b.broken {
        ctx.warn(&format!(
            "{}:{}:{}: {} (its page says so)",
            br.rel, br.error.line, br.error.column, br.error.message
        ))?;
    }
    let site = board::Site {
        key,
        files: html::site(&b),
    };
    let done = site.write(dir, &manifest)?;
    for file in &done.kept {
        ctx.warn(&format!(
            "{} was written by an earlier board and changed since; it is left in place",
            dir.join(file).display()
        ))?;
    }
    ctx.status(&format!(
        "wrote {} proposal pages and {} person pages to {} ({} files changed, {} unchanged, \
         {} removed); open {}",
        b.pages.len() + b.broken.len(),
        b.people.len(),
        dir.display(),
        done.written,
        done.unchanged,
        done.removed,
        dir.join("index.html").display()
    ))?;
    ws.finish();
    std::mem::forget(b);
    Ok(())
}

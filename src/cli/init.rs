//! `git lead init` and `git lead prompts`.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::git::{worktree, Repo};
use crate::model::config::Config;
use crate::model::template::Area;
use crate::ops::CONFIG_FILE;

use super::Ctx;

/// Write .lead.toml with every setting at its default, commented (optional)
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Overwrite an existing .lead.toml
    #[arg(long)]
    pub force: bool,

    /// Register the merge driver for proposal files instead: a line in .gitattributes
    /// (commit it) and merge.lead.* in this clone's git configuration (once per clone)
    #[arg(long, conflicts_with = "force")]
    pub merge_driver: bool,
}

pub fn init(ctx: &mut Ctx, a: InitArgs) -> Result<()> {
    if a.merge_driver {
        return merge_driver(ctx);
    }
    // The repository only: a broken .lead.toml must not stop its replacement.
    let repo = Repo::open()?;
    let path = repo.workdir().join(CONFIG_FILE);
    if path.exists() && !a.force {
        return Err(Error::usage(format!(
            "{CONFIG_FILE} already exists; use --force to replace it with the defaults"
        )));
    }
    worktree::write_atomic(&path, Config::template().as_bytes())?;
    writeln!(ctx.out, "{}", PathBuf::from(CONFIG_FILE).display())?;
    ctx.status(&format!(
        "Wrote {CONFIG_FILE}; commit it to share the settings."
    ))
}

fn merge_driver(ctx: &mut Ctx) -> Result<()> {
    let ws = ctx.workspace()?;
    let done = crate::ops::merge::register(&ws.repo, &ws.config.folder)?;
    writeln!(ctx.out, ".gitattributes")?;
    if done.added {
        ctx.status(&format!(
            "Added `{}` to .gitattributes; commit it to share it.",
            done.attribute
        ))?;
    } else {
        ctx.status(&format!(".gitattributes already has `{}`.", done.attribute))?;
    }
    ctx.status(&format!(
        "Set merge.{0}.name and merge.{0}.driver in .git/config: git now merges proposal files \
         with 'git lead merge-file' in this clone (run this once in each clone).",
        crate::ops::merge::DRIVER
    ))
}

/// List starter questions, for finding a problem worth leading on
#[derive(Debug, clap::Args)]
pub struct PromptsArgs {
    /// Only this area
    #[arg(long, value_name = "area", value_parser = ["communication", "code-quality"])]
    pub area: Option<String>,
}

pub fn prompts(ctx: &mut Ctx, a: PromptsArgs) -> Result<()> {
    let areas: Vec<Area> = match a.area.as_deref().and_then(Area::parse) {
        Some(area) => vec![area],
        None => Area::ALL.to_vec(),
    };
    for (i, area) in areas.iter().enumerate() {
        if i > 0 {
            writeln!(ctx.out)?;
        }
        writeln!(ctx.out, "{}", ctx.paint.bold(area.as_str()))?;
        for q in area.questions() {
            writeln!(ctx.out, "  - {q}")?;
        }
    }
    ctx.status("\nFound one? git lead propose \"<the problem in a line>\" --area <area>")
}

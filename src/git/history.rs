//! One walk over the history reachable from a commit, reading each commit once, with what
//! earlier walks learned kept in the cache (see [`super::cache`]).

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::ledger::{self, is_lead_key, CommitInfo, Ledger};
use crate::model::person::Person;
use crate::model::trailer::{self, Divider, Trailer};

use super::cache::{self, Part, Snapshot};
use super::folders::{self, tree_entries, Comparison, FolderInfo};
use super::ids::{IdMap, IdSet};
use super::{graph, packs};
use super::{ProposalStore, Repo};

impl Repo {
    /// The ledger for `list`, of the commits reachable from HEAD (none on an unborn
    /// branch), read as the walk visits them from each commit's id, times and trailers
    /// only: the events' author, summary and body are left empty, and only each proposal's
    /// first event and its transitions are kept ([`Ledger::for_listing`]). What `list`
    /// needs of the ledger (the steps and when a proposal began), without decoding and
    /// mapping 15,000 authors and messages.
    pub fn ledger_of_trailers(&self) -> Result<Ledger> {
        match self.head_commit()? {
            Some(head) => self.ledger_from(head.id(), Detail::Trailers, Ledger::for_listing()),
            None => Ok(Ledger::default()),
        }
    }

    fn ledger_from(&self, tip: git2::Oid, detail: Detail, mut ledger: Ledger) -> Result<Ledger> {
        self.walk(tip, None, None, detail, |seen| {
            ledger.extend(seen.lead);
            Ok(())
        })?;
        Ok(ledger)
    }

    /// One walk from `tip` for both the ledger and the history of `folder`: what
    /// `git lead check` reads, once.
    pub fn scan(&self, tip: &str, folder: &str) -> Result<(Ledger, FolderHistory)> {
        self.scan_only(tip, folder, None)
    }

    /// [`Repo::scan`] for some proposals: the ledger of the commits that name one of `ids`
    /// and the changes of their files, all that questions about them need. The folder
    /// history then knows those proposals only.
    pub fn scan_only(
        &self,
        tip: &str,
        folder: &str,
        ids: Option<&[u32]>,
    ) -> Result<(Ledger, FolderHistory)> {
        let mut ledger = Ledger::default();
        let mut history = FolderHistory::default();
        let tip = git2::Oid::from_str(tip)?;
        history.count = self.walk(tip, Some(folder), ids, Detail::Full, |mut seen| {
            history.record(&seen);
            ledger.extend(seen.lead.take());
            Ok(())
        })?;
        Ok((ledger, history.sealed()))
    }

    /// Walks every commit reachable from `tip` in the canonical order: parents before
    /// children, and among commits that do not depend on each other, older first (commit
    /// time, then id). The order is a function of the history alone, the same however it
    /// was walked and whatever the cache held. `visit` sees the commits that carry `Lead-`
    /// trailers and, with `folder`, those that changed a proposal file of that folder; with
    /// `only`, just those that name one of those proposals ([`crate::model::ledger::named`])
    /// or changed one of their files, which is all a question about them needs, without
    /// decoding the rest. Returns how many commits the walk went through.
    ///
    /// Commits the cache holds are not read again; when the walk learned enough (see
    /// [`worth_saving`]), the cache is replaced by the commits reachable from `tip`.
    pub(crate) fn walk(
        &self,
        tip: git2::Oid,
        folder: Option<&str>,
        only: Option<&[u32]>,
        detail: Detail,
        mut visit: impl FnMut(Seen<'_>) -> Result<()>,
    ) -> Result<usize> {
        // A shallow clone's history is cut short and may be deepened: no cache there.
        let use_cache = self.cache && !self.inner.is_shallow();
        let path = cache::path(self.inner.commondir());
        // A progress line goes when the walk ends, however it ends: an error comes on a
        // line of its own.
        let _erase = ProgressEnds(self);
        // What an earlier walk of this run is still writing is read rather than walked.
        self.finish_saves();
        let mut snap = match use_cache {
            true => Snapshot::load(&path),
            false => Snapshot::default(),
        };
        if folder.is_some() && snap.folder() != folder {
            snap.forget_folders();
        }
        // The parts of the cache are read as the walk needs them. Should one turn out damaged
        // (or not a file this code wrote), walk again as if there were no cache, before
        // anything is visited, and replace it.
        let (order, mut fresh, fresh_at, known, saving) = loop {
            let (mut fresh, hits, packs) = self.read_unknown(tip, &snap, folder)?;
            let fresh_at = positions(&fresh);
            let order = canonical_order(&snap, &hits, &fresh, &fresh_at);
            let mut known = HashMap::new();
            if let Some(f) = folder {
                let packs = packs.as_ref();
                self.fill_folders(&snap, &order, &mut fresh, &fresh_at, &mut known, f, packs)?;
            }
            *self.kept_packs.borrow_mut() = packs.and_then(packs::Packs::own).map(|p| p.later());
            let saving = use_cache && worth_saving(&snap, &hits, fresh.len(), known.len());
            // What the visits (and the save) read.
            let parts: &[Part] = match (saving, folder) {
                (true, _) => &cache::PARTS,
                (false, None) => &[Part::Flags, Part::Leads],
                (false, Some(_)) => &[Part::Flags, Part::Leads, Part::Folders, Part::Changes],
            };
            snap.read_now(parts);
            if !snap.is_broken() {
                break (order, fresh, fresh_at, known, saving);
            }
            snap = Snapshot::default();
        };
        // The answer does not depend on the cache: failing to keep it is not an error.
        let keep = folder.or(snap.folder()).map(str::to_string);
        // Without a cache, every commit was read now: the cache is written on another
        // thread once the visits are over, while the caller goes on (a tenth of a cold
        // check). The visits take the `Lead-` commits, so those are encoded for it first.
        let later = (saving && snap.len() == 0).then(|| cache::Leads::of(&fresh));
        if saving && later.is_none() {
            let entries = entries(&snap, &order, &fresh, &fresh_at, &known, None);
            let _ = cache::save(&path, keep.as_deref(), entries);
        }
        let wanted = |i: usize| snap.has_lead(i) && only.is_none_or(|ids| snap.names_any(i, ids));
        let mailmap = self.mailmap()?;
        let mut people = HashMap::new();
        for (pos, at) in order.iter().enumerate() {
            let (id, lead, info) = match *at {
                At::Old(i) => {
                    let i = i as usize;
                    // Most commits carry nothing for the visitor: skip them before reading.
                    let changed =
                        folder.is_some() && (known.contains_key(&i) || snap.has_changes(i));
                    let lead = wanted(i);
                    if !changed && !lead {
                        continue;
                    }
                    let info = match (folder, known.get(&i)) {
                        (None, _) => None,
                        (Some(_), Some(f)) => Some(f.clone()),
                        (Some(_), None) => snap.folder_info(i),
                    };
                    (
                        snap.id(i),
                        lead.then(|| snap.lead(i, detail)).flatten(),
                        info,
                    )
                }
                At::New(j) => {
                    let node = &mut fresh[j as usize];
                    let info = folder.and(node.folder.clone());
                    let lead = node.lead.take().map(|b| *b);
                    let lead = lead.filter(|c| {
                        only.is_none_or(|ids| ledger::named(c).iter().any(|p| ids.contains(p)))
                    });
                    (node.id, lead, info)
                }
            };
            let (mut changes, folder_tree) =
                info.map_or((Vec::new(), None), |f| (f.changes, f.tree));
            if let Some(ids) = only {
                changes.retain(|(id, _)| ids.contains(id));
            }
            if lead.is_none() && changes.is_empty() {
                continue;
            }
            let lead = lead.map(|mut c| {
                match detail {
                    Detail::Full => map_author(&mailmap, &mut people, &mut c.author),
                    // A commit read now says as little as a cached one.
                    Detail::Trailers => {
                        c.author = Person::new(String::new(), String::new());
                        (c.summary, c.body) = (String::new(), String::new());
                    }
                }
                c
            });
            visit(Seen {
                pos,
                id,
                lead,
                changes: &changes,
                folder_tree,
            })?;
        }
        self.mapped.borrow_mut().extend(people);
        let count = order.len();
        if let Some(leads) = later {
            let save = move || {
                let entries = entries(&snap, &order, &fresh, &fresh_at, &known, Some(&leads));
                let _ = cache::save(&path, keep.as_deref(), entries);
            };
            self.save_aside(save);
        }
        Ok(count)
    }

    /// Reads, from the object database, the commits reachable from `tip` that the cache
    /// does not hold, each once; also says which cached commits the walk reached.
    fn read_unknown(
        &self,
        tip: git2::Oid,
        snap: &Snapshot,
        folder: Option<&str>,
    ) -> Result<(Vec<Node>, Vec<u32>, Option<SharedPacks>)> {
        if let Some((fresh, hits)) = self.read_onto_tip(tip, snap)? {
            return Ok((fresh, hits, None));
        }
        let odb = self.inner.odb()?;
        let shallow = self.inner.is_shallow();
        // With nothing cached, most of the history is to be read: read the commits of the
        // repository's own packs in one pass on every core first (see `packs.rs`), with
        // the folder's tree in each when there is a folder to follow and no commit-graph
        // to spare the lookups, then walk to the others, reading them from the packs (the
        // alternates' too) or through libgit2, while a second thread looks their folder up.
        // The packs are kept for the folder comparisons that follow.
        let graph = folder.and_then(|f| self.folder_key(f));
        let packs = match snap.len() {
            0 => packs::Packs::open(&self.objects_dir()),
            _ => None,
        };
        let look = folder.filter(|_| graph.is_none());
        let scanned: Vec<Node> = packs
            .as_ref()
            .filter(|p| p.any_local())
            .and_then(|packs| {
                packs.commits(
                    |objects, last: &mut folders::Lookups, id, data| {
                        let mut node = node_alone(id, data)?;
                        // A pack holds commits no ref reaches, too: with a graph, the
                        // folders are looked up after the walk, for those it reaches that
                        // the Bloom filters do not clear.
                        if let Some(folder) = look {
                            node.looked_up =
                                folders::folder_in_packs(objects, last, node.tree, folder).ok();
                        }
                        Some(node)
                    },
                    &|n| self.report_progress(Some(n)),
                )
            })
            .unwrap_or_default();
        let scanned_at = positions(&scanned);
        let mut reached = vec![false; scanned.len()];
        let (mut fresh, mut hits) = (Vec::new(), Vec::new());
        let mut seen = IdSet::default();
        let mut stack = vec![tip];
        // Read so far: the packs' commits, then those read one by one.
        let mut count = scanned.len();
        let looked_up = std::thread::scope(|scope| -> Result<Vec<(u32, Option<git2::Oid>)>> {
            // The folder lookups of the commits read one by one, on a thread of their own
            // (`None` from it leaves the lookup to `fill_folders`).
            let (tell, told) = std::sync::mpsc::channel::<(u32, git2::Oid)>();
            let helper = look.zip(packs.as_ref()).map(|(folder, packs)| {
                scope.spawn(move || {
                    let (mut objects, mut last) = (packs.objects(), folders::Lookups::default());
                    let mut found = Vec::new();
                    for (j, tree) in told {
                        if let Ok(at) =
                            folders::folder_in_packs(&mut objects, &mut last, tree, folder)
                        {
                            found.push((j, at));
                        }
                    }
                    found
                })
            });
            let mut objects = packs.as_ref().map(packs::Packs::objects);
            while let Some(oid) = stack.pop() {
                if let Some(at) = snap.find(oid) {
                    hits.push(at);
                    continue;
                }
                // The commits of the packs are marked by their place; only the others go
                // into a set.
                if let Some(&k) = scanned_at.get(&oid) {
                    if std::mem::replace(&mut reached[k as usize], true) {
                        continue;
                    }
                    stack.extend(scanned[k as usize].parents.iter().rev());
                    continue;
                }
                if !seen.insert(oid) {
                    continue;
                }
                let from_packs = objects.as_mut().and_then(|o| o.commit(oid));
                let node = match from_packs.and_then(|data| node_alone(oid, &data)) {
                    Some(node) => node,
                    None => match odb.read(oid) {
                        Ok(object) => self.node_of(oid, &object)?,
                        // A shallow clone's edge: the parent is named but not there.
                        Err(e)
                            if shallow && oid != tip && e.code() == git2::ErrorCode::NotFound =>
                        {
                            continue
                        }
                        Err(e) => return Err(e.into()),
                    },
                };
                stack.extend(node.parents.iter().rev());
                if helper.is_some() {
                    // A helper that stopped leaves the lookups to `fill_folders`.
                    let _ = tell.send((fresh.len() as u32, node.tree));
                }
                fresh.push(node);
                count += 1;
                if count % 4096 == 0 {
                    self.report_progress(Some(count));
                }
            }
            drop(tell);
            Ok(helper
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .unwrap_or_default())
        })?;
        for (j, tree) in looked_up {
            if let Some(node) = fresh.get_mut(j as usize) {
                node.looked_up = Some(tree);
            }
        }
        // The packs' indexes (20 MB for 366,000 objects) serve the folder comparisons only.
        let packs = folder.and(packs);
        // The order of `fresh` does not matter: the canonical order is the history's own.
        fresh.extend(
            scanned
                .into_iter()
                .zip(reached)
                .filter_map(|(node, reached)| reached.then_some(node)),
        );
        Ok((fresh, hits, packs))
    }

    /// [`Repo::read_unknown`] when `tip` is a few commits on top of the cache's tip, without
    /// looking any commit up in the cache's index: reads back from `tip` until every path
    /// ends at the cache's tip. Every commit read then descends from that tip, so none of
    /// them can be in the cache (which holds its ancestors only). `None` when that is not
    /// so: a path that ends elsewhere (a root, a shallow edge) or runs longer than
    /// [`ONTO_TIP`] commits; the caller then walks with the index.
    fn read_onto_tip(
        &self,
        tip: git2::Oid,
        snap: &Snapshot,
    ) -> Result<Option<(Vec<Node>, Vec<u32>)>> {
        let Some(cached) = snap.tip() else {
            return Ok(None);
        };
        let odb = self.inner.odb()?;
        let mut fresh = Vec::new();
        let mut seen = IdSet::default();
        let mut stack = vec![tip];
        while let Some(oid) = stack.pop() {
            if oid == cached || !seen.insert(oid) {
                continue;
            }
            let Ok(object) = odb.read(oid) else {
                return Ok(None);
            };
            let node = self.node_of(oid, &object)?;
            if node.parents.is_empty() || fresh.len() == ONTO_TIP {
                return Ok(None);
            }
            stack.extend(node.parents.iter().rev());
            fresh.push(node);
        }
        Ok(Some((fresh, vec![snap.len() as u32 - 1])))
    }

    /// The commits reachable from `tip` but not from `base`, when the cache can tell: `base`
    /// is in `tip`'s history (so it is their merge base), and at most [`DOWN_TO`] commits
    /// reachable from `tip` are not in the cache. `None` otherwise (no cache, a damaged one,
    /// a base off `tip`'s history, a history rewritten since the cache was written): the
    /// caller asks libgit2. In no particular order.
    ///
    /// The commits not in the cache are read back from `tip` until every path meets the
    /// cache. The cache holds the ancestors of its tip, parents before children: what
    /// those paths meet and what `base` leads to are then marked in one sweep from the last
    /// position down, and the range is what the first marks and the second does not, with
    /// the commits read that are not `base`'s ancestors. When every path meets the cache's
    /// tip and so does `base` (a base a few commits back, as in a pull request that merged
    /// its base), the range is the commits read less `base`'s ancestors, and nothing of
    /// the cache but its header is read.
    pub(super) fn range_in_cache(
        &self,
        tip: git2::Oid,
        base: git2::Oid,
    ) -> Result<Option<Vec<git2::Oid>>> {
        if !self.cache || self.inner.is_shallow() {
            return Ok(None);
        }
        // A walk of this run may still be writing the cache.
        self.finish_saves();
        let snap = Snapshot::load(&cache::path(self.inner.commondir()));
        if snap.len() == 0 {
            return Ok(None);
        }
        let last = snap.len() - 1;
        // Marks by position: reached from `tip` (all when `tip` is a few commits on top of
        // the cache's tip, found without the cache's index), and reached from `base`.
        let (fresh, mut reach, onto_tip) = match self.read_onto_tip(tip, &snap)? {
            Some((fresh, _)) => (fresh, vec![true; snap.len()], true),
            None => match self.read_down_to(tip, &snap)? {
                Some((fresh, reach)) => (fresh, reach, false),
                None => return Ok(None),
            },
        };
        let mut below = vec![false; snap.len()];
        let fresh_at = positions(&fresh);
        // The commits read that are `base` or its ancestors.
        let mut under_base = IdSet::default();
        let mut stack = vec![base];
        while let Some(oid) = stack.pop() {
            if let Some(&j) = fresh_at.get(&oid) {
                if under_base.insert(oid) {
                    stack.extend(fresh[j as usize].parents.iter());
                }
                continue;
            }
            match snap.find(oid) {
                Some(i) => below[i as usize] = true,
                // Neither read from `tip` nor in the cache: not in `tip`'s history.
                None => return Ok(None),
            }
        }
        // Below the cache's tip is all of the cache: nothing to sweep.
        let everything = onto_tip && below[last];
        if !everything {
            for i in (0..snap.len()).rev() {
                if !reach[i] && !below[i] {
                    continue;
                }
                let (r, b) = (reach[i], below[i]);
                for p in snap.parent_positions(i) {
                    let p = p as usize;
                    if p >= i {
                        return Ok(None);
                    }
                    reach[p] |= r;
                    below[p] |= b;
                }
            }
        }
        // `base` in the cache but not reached from `tip`: off its history.
        if fresh_at.get(&base).is_none() && snap.find(base).is_some_and(|b| !reach[b as usize]) {
            return Ok(None);
        }
        let mut range: Vec<git2::Oid> = match everything {
            true => Vec::new(),
            false => (0..snap.len())
                .filter(|&i| reach[i] && !below[i])
                .map(|i| snap.id(i))
                .collect(),
        };
        range.extend(
            fresh
                .iter()
                .map(|n| n.id)
                .filter(|id| !under_base.contains(*id)),
        );
        Ok((!snap.is_broken()).then_some(range))
    }

    /// The commits reachable from `tip` that the cache does not hold, read back from `tip`
    /// until every path meets the cache, with the cached commits those paths meet marked by
    /// position. `None` past [`DOWN_TO`] commits.
    fn read_down_to(
        &self,
        tip: git2::Oid,
        snap: &Snapshot,
    ) -> Result<Option<(Vec<Node>, Vec<bool>)>> {
        let odb = self.inner.odb()?;
        let mut reach = vec![false; snap.len()];
        let mut fresh: Vec<Node> = Vec::new();
        let mut seen = IdSet::default();
        let mut stack = vec![tip];
        while let Some(oid) = stack.pop() {
            if let Some(i) = snap.find(oid) {
                reach[i as usize] = true;
                continue;
            }
            if !seen.insert(oid) {
                continue;
            }
            if fresh.len() == DOWN_TO {
                return Ok(None);
            }
            let node = self.node_of(oid, &odb.read(oid)?)?;
            stack.extend(node.parents.iter());
            fresh.push(node);
        }
        Ok(Some((fresh, reach)))
    }

    /// The proposals the `Lead-` trailers of `commits` name ([`ledger::named`]): every
    /// proposal those commits hold events of.
    pub fn named_in(&self, commits: &[String]) -> Result<Vec<u32>> {
        let odb = self.inner.odb()?;
        let mut ids = Vec::new();
        for commit in commits {
            let oid = git2::Oid::from_str(commit)?;
            if let Some(info) = self.node_of(oid, &odb.read(oid)?)?.lead {
                ids.extend(ledger::named(&info));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// What a walk keeps of commit `oid`, read as `object`.
    fn node_of(&self, oid: git2::Oid, object: &git2::OdbObject<'_>) -> Result<Node> {
        let parsed = (object.kind() == git2::ObjectType::Commit)
            .then(|| parse_commit(object.data()))
            .flatten()
            .ok_or_else(|| unreadable_commit(oid))?;
        let lead = match contains_lead_key(parsed.message) {
            true => self.lead_commit(oid, parsed.author, parsed.message)?,
            false => None,
        };
        Ok(node(oid, parsed, lead))
    }

    /// Works out how each commit of the walk changed `folder`, where neither the cache nor
    /// the read says yet: into the fresh nodes, and `known` for cached commits. Stops when
    /// a part of the cache turns out damaged: the caller then walks again without it.
    #[allow(clippy::too_many_arguments)]
    fn fill_folders(
        &self,
        snap: &Snapshot,
        order: &[At],
        fresh: &mut [Node],
        fresh_at: &IdMap<u32>,
        known: &mut HashMap<usize, FolderInfo>,
        folder: &str,
        packs: Option<&SharedPacks>,
    ) -> Result<()> {
        let lacking = |at: &&At| match **at {
            At::Old(i) => snap.folder_tree(i as usize).is_none(),
            At::New(_) => true,
        };
        let lacking: Vec<At> = order.iter().filter(lacking).copied().collect();
        // The folder trees the read of the commits did not look up already.
        let already = |at: &At| match *at {
            At::Old(_) => None,
            At::New(j) => fresh[j as usize].looked_up,
        };
        // Those the commit-graph's Bloom filters clear have their first parent's folder.
        let graph = self.folder_key(folder);
        if graph.is_none()
            && lacking.len() >= super::HINT_COMMITS
            && graph::Graph::would_be_read(self.inner.commondir(), &self.graph_settings())
        {
            self.hint_commit_graph(lacking.len());
        }
        let cleared: Vec<bool> = lacking
            .iter()
            .map(|at| {
                let Some((graph, key)) = &graph else {
                    return false;
                };
                if already(at).is_some() {
                    return false;
                }
                let (id, tree, parent) = match *at {
                    At::Old(i) => {
                        let i = i as usize;
                        let parent = snap.parent_positions(i).next();
                        (
                            snap.id(i),
                            snap.tree(i),
                            parent.map(|p| snap.id(p as usize)),
                        )
                    }
                    At::New(j) => {
                        let node = &fresh[j as usize];
                        (node.id, node.tree, node.parents.first().copied())
                    }
                };
                parent.is_some_and(|p| graph.unchanged(id, tree, p, key))
            })
            .collect();
        let roots: Vec<git2::Oid> = lacking
            .iter()
            .zip(&cleared)
            .filter(|(at, cleared)| already(at).is_none() && !**cleared)
            .map(|(at, _)| at)
            .map(|at| match *at {
                At::Old(i) => snap.tree(i as usize),
                At::New(j) => fresh[j as usize].tree,
            })
            .collect();
        // Ids from a part of the cache found damaged are not to be read: the walk starts
        // again without the cache.
        if snap.is_broken() {
            return Ok(());
        }
        let mut looked_up = folders::look_up(&self.inner, &roots, folder, packs)?.into_iter();
        // `None` for a cleared commit: its first parent's, known when it comes in order.
        let folder_trees: Vec<Option<Option<git2::Oid>>> = lacking
            .iter()
            .zip(&cleared)
            .map(|(at, &cleared)| match already(at) {
                Some(tree) => Some(tree),
                None if cleared => None,
                None => Some(looked_up.next().flatten()),
            })
            .collect();
        // Which commits changed the folder, in order: parents come first, so their folder
        // is known by now (a shallow edge's counts as none).
        let (mut comparisons, mut compared) = (Vec::new(), Vec::new());
        for (&at, tree) in lacking.iter().zip(folder_trees) {
            let tree_of = |at: At, known: &HashMap<usize, FolderInfo>, fresh: &[Node]| match at {
                At::Old(i) => known
                    .get(&(i as usize))
                    .map(|f| f.tree)
                    .or_else(|| snap.folder_tree(i as usize))
                    .flatten(),
                At::New(j) => fresh[j as usize].folder.as_ref().and_then(|f| f.tree),
            };
            // Kept in place for the one parent nearly every commit has.
            let parents: Few<Option<git2::Oid>> = match at {
                At::Old(i) => snap
                    .parent_positions(i as usize)
                    .map(|p| tree_of(At::Old(p), known, fresh))
                    .collect(),
                At::New(j) => fresh[j as usize]
                    .parents
                    .iter()
                    .map(|p| tree_of(locate(p, fresh_at, snap)?, known, fresh))
                    .collect(),
            };
            let tree = tree.unwrap_or_else(|| parents.first().copied().flatten());
            let info = FolderInfo {
                tree,
                changes: Vec::new(),
            };
            match at {
                At::Old(i) => {
                    known.insert(i as usize, info);
                }
                At::New(j) => fresh[j as usize].folder = Some(info),
            }
            if !(parents.contains(&tree) || (parents.is_empty() && tree.is_none())) {
                let parents = parents.to_vec();
                comparisons.push(Comparison { tree, parents });
                compared.push(at);
            }
        }
        // Then what they changed in it.
        if snap.is_broken() {
            return Ok(());
        }
        // Comparing takes long with folders of thousands of files: a progress line that
        // is showing stays.
        let tick = || self.report_progress(Some(order.len()));
        let changes = folders::compare(&self.inner, &comparisons, packs, &tick)?;
        for (at, changes) in compared.into_iter().zip(changes) {
            let info = match at {
                At::Old(i) => known.get_mut(&(i as usize)),
                At::New(j) => fresh[j as usize].folder.as_mut(),
            };
            if let Some(info) = info {
                info.changes = changes;
            }
        }
        Ok(())
    }

    /// What the commits `ids` record and change, read from the object database without the
    /// cache: those that carry `Lead-` trailers (their authors as recorded, not mapped), and
    /// the ids of the proposal files of `folder` they changed, by git's rule for
    /// `git log -- <path>` (as a walk records them). `check` reads the commits made since it
    /// last ran this way, to tell which proposals they touched.
    pub fn read_commits(
        &self,
        ids: &[String],
        folder: &str,
    ) -> Result<(Vec<CommitInfo>, HashSet<u32>)> {
        let odb = self.inner.odb()?;
        let (mut leads, mut roots, mut shapes) = (Vec::new(), Vec::new(), Vec::new());
        for id in ids {
            let oid = git2::Oid::from_str(id)?;
            let node = self.node_of(oid, &odb.read(oid)?)?;
            roots.push(node.tree);
            for &parent in node.parents.iter() {
                let object = odb.read(parent)?;
                roots.push(
                    parse_commit(object.data())
                        .ok_or_else(|| unreadable_commit(parent))?
                        .tree,
                );
            }
            shapes.push(node.parents.len());
            leads.extend(node.lead.map(|c| *c));
        }
        let mut trees = folders::look_up(&self.inner, &roots, folder, None)?.into_iter();
        let mut comparisons = Vec::new();
        for parents in shapes {
            let tree = trees.next().flatten();
            let parents: Vec<Option<git2::Oid>> = trees.by_ref().take(parents).collect();
            if !(parents.contains(&tree) || (parents.is_empty() && tree.is_none())) {
                comparisons.push(Comparison { tree, parents });
            }
        }
        let changed = folders::compare(&self.inner, &comparisons, None, &|| ())?
            .into_iter()
            .flatten()
            .map(|(id, _)| id)
            .collect();
        Ok((leads, changed))
    }

    /// The blob of file `name` of the folder at `commit`, read from the folder's tree the
    /// walk behind `history` recorded (no commit or root tree to read): `Some(None)` when
    /// the file is not there, `None` when the history does not know the commit.
    pub fn folder_blob(
        &self,
        history: &FolderHistory,
        commit: &str,
        name: &str,
        store: &ProposalStore,
    ) -> Result<Option<Option<String>>> {
        let Some((_, tree)) = git2::Oid::from_str(commit)
            .ok()
            .and_then(|id| history.at(id))
        else {
            return Ok(None);
        };
        let Some(tree) = tree else {
            return Ok(Some(None));
        };
        if let Some(blob) = store.name_in(tree, name) {
            return Ok(Some(blob.map(|b| b.to_string())));
        }
        if let Some(blob) = self.folder_names.borrow().get(&(tree, name.to_string())) {
            return Ok(Some(blob.map(|b| b.to_string())));
        }
        let blob = self.names_in_tree(tree, &[name], store)?[0];
        Ok(Some(blob.map(|b| b.to_string())))
    }

    /// Reads ahead what [`Repo::folder_blob`] will be asked for `wanted` (commit, file
    /// name), each folder tree once and in the order of the walk, newest first: the order
    /// of their delta chains in a pack, where asking one by one in another order rebuilt
    /// most chains from their start.
    pub fn read_folder_blobs(
        &self,
        history: &FolderHistory,
        wanted: &[(&str, &str)],
        store: &ProposalStore,
    ) -> Result<()> {
        let mut trees: Vec<(usize, git2::Oid, &str)> = wanted
            .iter()
            .filter_map(|(commit, name)| {
                let (pos, tree) = history.at(git2::Oid::from_str(commit).ok()?)?;
                Some((pos, tree?, *name))
            })
            .filter(|(_, tree, name)| store.name_in(*tree, name).is_none())
            .collect();
        trees.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(b.2)));
        for group in trees.chunk_by(|a, b| a.1 == b.1) {
            let tree = group[0].1;
            // A tree that several commits share (an empty commit keeps its parent's) is
            // read once.
            let names: Vec<&str> = {
                let memo = self.folder_names.borrow();
                let mut names: Vec<&str> = group
                    .iter()
                    .map(|t| t.2)
                    .filter(|name| !memo.contains_key(&(tree, name.to_string())))
                    .collect();
                names.dedup();
                names
            };
            if !names.is_empty() {
                self.names_in_tree(tree, &names, store)?;
            }
        }
        Ok(())
    }

    /// The blobs of files `names` in folder tree `tree`, read once; kept for the run and
    /// for the store.
    fn names_in_tree(
        &self,
        tree: git2::Oid,
        names: &[&str],
        store: &ProposalStore,
    ) -> Result<Vec<Option<git2::Oid>>> {
        let data = match self.kept_tree(tree) {
            Some(data) => data,
            None => std::rc::Rc::new(self.inner.odb()?.read(tree)?.data().to_vec()),
        };
        let mut found = vec![None; names.len()];
        for (n, folder, id) in tree_entries(&data).map_while(|e| e) {
            if folder {
                continue;
            }
            if let Some(i) = names.iter().position(|name| name.as_bytes() == n) {
                found[i] = git2::Oid::from_bytes(id).ok();
            }
        }
        let mut memo = self.folder_names.borrow_mut();
        for (name, blob) in names.iter().zip(&found) {
            store.remember_name(tree, name, *blob);
            memo.insert((tree, name.to_string()), *blob);
        }
        Ok(found)
    }

    /// The text of a blob (fetched first in a partial clone that lacks it).
    pub fn blob_text(&self, blob: &str) -> Result<String> {
        let blob = git2::Oid::from_str(blob)?;
        let kept = self
            .kept_packs
            .borrow_mut()
            .as_mut()
            .and_then(|o| o.blob(blob));
        if let Some(data) = kept {
            return Ok(String::from_utf8_lossy(&data).into_owned());
        }
        let blob = self.find_blob(blob)?;
        Ok(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// Tree `tree` from the packs a cold walk of this run kept, when it did and they hold it.
    fn kept_tree(&self, tree: git2::Oid) -> Option<packs::Bytes> {
        self.kept_packs.borrow_mut().as_mut()?.tree(tree)
    }
}

/// Tells the progress of a walk that it is over when dropped.
struct ProgressEnds<'r>(&'r Repo);

impl Drop for ProgressEnds<'_> {
    fn drop(&mut self) {
        self.0.report_progress(None);
    }
}

/// How much of each `Lead-` commit a walk gives its visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Everything [`CommitInfo`] holds, the author as `.mailmap` maps them.
    Full,
    /// The id, times and trailers; the author, summary and body are left empty.
    Trailers,
}

/// How many new commits on top of the cache's tip are read without its index. Past them the
/// walk reads the cache's index and goes on from there; the commits read so far are read
/// again. Reading 256 commits costs about what reading the index of 100,000 does, and a
/// merge of an older branch (git.git's history is full of them) leads into cached commits
/// that only the index tells apart, so a longer attempt only loses time.
const ONTO_TIP: usize = 256;

/// How many commits not in the cache [`Repo::range_in_cache`] reads before it leaves the
/// range to libgit2.
const DOWN_TO: usize = 1000;

/// A commit a walk shows its visitor.
pub(crate) struct Seen<'a> {
    /// Where the commit stands in the walk.
    pub pos: usize,
    pub id: git2::Oid,
    /// The ledger's view, for a commit with `Lead-` trailers, author as `.mailmap` maps them.
    pub lead: Option<CommitInfo>,
    /// The proposal files it changed (walks with a folder only).
    pub changes: &'a [(u32, Option<git2::Oid>)],
    /// The folder's tree in this commit, when the walk had a folder and it is there.
    pub folder_tree: Option<git2::Oid>,
}

/// A commit of a walk: in the cache (its position there) or read now (its place in the
/// fresh nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Old(u32),
    New(u32),
}

/// Where each commit read now is among the fresh nodes, by id.
fn positions(fresh: &[Node]) -> IdMap<u32> {
    fresh
        .iter()
        .enumerate()
        .map(|(j, n)| (n.id, j as u32))
        .collect()
}

/// Where parent `id` of a commit read now is in the walk: read now too, in the cache, or
/// neither (a shallow clone's edge).
fn locate(id: &git2::Oid, fresh_at: &IdMap<u32>, snap: &Snapshot) -> Option<At> {
    match fresh_at.get(id) {
        Some(&j) => Some(At::New(j)),
        None => snap.find(*id).map(At::Old),
    }
}

/// The commits of a walk as the cache is to hold them, in the walk's order.
fn entries<'a>(
    snap: &'a Snapshot,
    order: &'a [At],
    fresh: &'a [Node],
    fresh_at: &'a IdMap<u32>,
    known: &'a HashMap<usize, FolderInfo>,
    leads: Option<&'a cache::Leads>,
) -> impl ExactSizeIterator<Item = cache::Entry<'a>> + 'a {
    let mut old_pos = vec![u32::MAX; snap.len()];
    let mut new_pos = vec![u32::MAX; fresh.len()];
    for (pos, at) in order.iter().enumerate() {
        match *at {
            At::Old(i) => old_pos[i as usize] = pos as u32,
            At::New(j) => new_pos[j as usize] = pos as u32,
        }
    }
    order.iter().map(move |at| match *at {
        At::Old(i) => {
            let i = i as usize;
            cache::Entry {
                id: snap.id(i),
                time: snap.time(i),
                tree: snap.tree(i),
                parents: snap
                    .parent_positions(i)
                    .map(|p| old_pos.get(p as usize).copied().unwrap_or(u32::MAX))
                    .collect(),
                folder: known.get(&i).cloned().or_else(|| snap.folder_info(i)),
                lead: match snap.has_lead(i) {
                    true => cache::Lead::Cached(snap, i),
                    false => cache::Lead::None,
                },
            }
        }
        At::New(j) => {
            let node = &fresh[j as usize];
            cache::Entry {
                id: node.id,
                time: node.time,
                tree: node.tree,
                // A parent outside the walk (a shallow edge) makes the walk unfit to keep.
                parents: node
                    .parents
                    .iter()
                    .map(|p| match locate(p, fresh_at, snap) {
                        Some(At::New(j)) => new_pos[j as usize],
                        Some(At::Old(i)) => old_pos.get(i as usize).copied().unwrap_or(u32::MAX),
                        None => u32::MAX,
                    })
                    .collect(),
                folder: node.folder.clone(),
                lead: match (&node.lead, leads.and_then(|l| l.of_node(j as usize))) {
                    (Some(c), _) => cache::Lead::Info(c),
                    (None, Some(bytes)) => cache::Lead::Encoded(bytes),
                    (None, None) => cache::Lead::None,
                },
            }
        }
    })
}

/// What a walk keeps of a commit.
#[derive(Debug)]
pub(crate) struct Node {
    pub id: git2::Oid,
    pub parents: Parents,
    /// Commit time, for the canonical order.
    pub time: i64,
    pub tree: git2::Oid,
    /// How the commit changed the proposal folder, once worked out.
    pub folder: Option<FolderInfo>,
    /// The folder's tree, when the read that found the commit looked it up already.
    pub looked_up: Option<Option<git2::Oid>>,
    /// The ledger's view, for a commit with `Lead-` trailers (taken by the visitor).
    pub lead: Option<Box<CommitInfo>>,
}

/// The packs a walk with nothing cached opened, shared by the threads that read them.
type SharedPacks = Arc<packs::Packs>;

/// A commit's parents. Nearly every commit has one, kept in place: a list for each of
/// 100,000 commits was 100,000 allocations and 4 MB more at the peak of a cold walk.
pub(crate) type Parents = Few<git2::Oid>;

/// A list that nearly always holds one item, which it keeps in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Few<T> {
    One(T),
    /// None (a root commit) or several (a merge).
    Other(Vec<T>),
}

impl<T> Few<T> {
    fn push(&mut self, item: T) {
        *self = match std::mem::replace(self, Few::Other(Vec::new())) {
            Few::Other(list) if list.is_empty() => Few::One(item),
            Few::Other(mut list) => {
                list.push(item);
                Few::Other(list)
            }
            Few::One(first) => Few::Other(vec![first, item]),
        };
    }
}

impl<T> std::ops::Deref for Few<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Few::One(p) => std::slice::from_ref(p),
            Few::Other(list) => list,
        }
    }
}

impl<T> FromIterator<T> for Few<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Few<T> {
        let mut few = Few::Other(Vec::new());
        for item in iter {
            few.push(item);
        }
        few
    }
}

/// Whether the walk reached the cache's tip, and so everything the cache holds.
fn reaches_tip(snap: &Snapshot, hits: &[u32]) -> bool {
    hits.iter().any(|&h| h as usize + 1 == snap.len())
}

/// Whether a walk that read `fresh` commits and worked out the folder changes of `known`
/// cached ones should rewrite the cache. Writing it costs about as much as reading it, so a
/// few new commits on top of the cached tip are left to be read again by the next runs
/// until they are worth a write (64, or 1% of the cache); a cache that is missing, or whose
/// tip the walk no longer reaches (a rebase, a force push, another branch), is rewritten as
/// soon as there is anything new.
fn worth_saving(snap: &Snapshot, hits: &[u32], fresh: usize, known: usize) -> bool {
    let many = fresh >= 64 || fresh * 100 >= snap.len();
    known > 0 || (fresh > 0 && (many || !reaches_tip(snap, hits)))
}

/// The canonical order of the commits reachable from a walk's tip: those read now
/// (`fresh`) and the cached ones the walk reached (`hits`, and what they lead to).
///
/// Kahn's topological sort, ready commits taken oldest first, then by id. The cached
/// commits are already in that order, and the order of any ancestor-closed part of a
/// history is the order of the whole restricted to it (a commit of the part becomes ready
/// only through commits of the part); so they are taken in their cached order and only the
/// fresh commits go through the heap.
fn canonical_order(
    snap: &Snapshot,
    hits: &[u32],
    fresh: &[Node],
    fresh_at: &IdMap<u32>,
) -> Vec<At> {
    use std::cmp::Reverse;
    let cached = snap.len();
    let mut reached = vec![false; cached];
    if reaches_tip(snap, hits) {
        // The cache's tip, so everything in it.
        reached.fill(true);
    } else {
        let mut stack: Vec<u32> = hits.to_vec();
        while let Some(at) = stack.pop() {
            if let Some(r) = reached.get_mut(at as usize).filter(|r| !**r) {
                *r = true;
                stack.extend(snap.parent_positions(at as usize));
            }
        }
    }
    // (fresh parent, fresh child) and (cached parent, fresh child); the latter taken in the
    // order the cached commits come out.
    let (mut links, mut children_of_cached) = (Vec::new(), Vec::new());
    let mut waiting: Vec<usize> = vec![0; fresh.len()];
    for (i, n) in fresh.iter().enumerate() {
        // A parent outside the walk (a shallow clone's edge) is not waited for.
        for p in n.parents.iter() {
            match locate(p, fresh_at, snap) {
                Some(At::New(j)) => links.push((j as usize, i)),
                Some(At::Old(c)) => children_of_cached.push((c, i)),
                None => continue,
            }
            waiting[i] += 1;
        }
    }
    // Each fresh commit's children, one after the other (`first[j]..first[j + 1]`): a list
    // for each of 100,000 commits was as many allocations.
    let mut first = vec![0; fresh.len() + 1];
    for &(j, _) in &links {
        first[j + 1] += 1;
    }
    for j in 0..fresh.len() {
        first[j + 1] += first[j];
    }
    let mut children = vec![0; links.len()];
    let mut filled = first.clone();
    for &(j, i) in &links {
        children[filled[j]] = i;
        filled[j] += 1;
    }
    let key = |n: &Node| (n.time, n.id);
    let mut ready: BinaryHeap<_> = (0..fresh.len())
        .filter(|i| waiting[*i] == 0)
        .map(|i| Reverse((key(&fresh[i]), i)))
        .collect();
    children_of_cached.sort_unstable();
    let mut next_child = 0;
    let mut old = (0..cached).filter(|i| reached[*i]).peekable();
    let mut out = Vec::with_capacity(fresh.len() + cached);
    let mut became_ready = Vec::new();
    loop {
        let take_old = match (old.peek(), ready.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            // Times first: the id (a lookup through libgit2) only breaks ties.
            (Some(&o), Some(Reverse(((time, id), _)))) => {
                let t = snap.time(o);
                t < *time || (t == *time && snap.id(o) < *id)
            }
        };
        became_ready.clear();
        if take_old {
            let Some(at) = old.next() else { break };
            out.push(At::Old(at as u32));
            while let Some(&(_, c)) = children_of_cached
                .get(next_child)
                .filter(|(p, _)| *p == at as u32)
            {
                became_ready.push(c);
                next_child += 1;
            }
        } else {
            let Some(Reverse((_, i))) = ready.pop() else {
                break;
            };
            out.push(At::New(i as u32));
            became_ready
                .extend_from_slice(children.get(first[i]..first[i + 1]).unwrap_or_default());
        }
        for &c in &became_ready {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(Reverse((key(&fresh[c]), c)));
            }
        }
    }
    out
}

/// The error for an object that should be a commit and does not read as one.
fn unreadable_commit(oid: git2::Oid) -> Error {
    Error::Git {
        message: format!("object {oid} is not a readable commit"),
    }
}

/// What a walk reads of a commit object.
struct Parsed<'a> {
    tree: git2::Oid,
    parents: Parents,
    /// Commit time.
    time: i64,
    /// The `author` header, without its name.
    author: &'a [u8],
    message: &'a [u8],
}

/// Reads the headers a walk needs and the message of a commit object.
fn parse_commit(data: &[u8]) -> Option<Parsed<'_>> {
    let hex = |h: &[u8]| git2::Oid::from_str(std::str::from_utf8(h).ok()?.trim()).ok();
    let (mut tree, mut parents, mut time, mut author) =
        (None, Few::Other(Vec::new()), 0, &data[..0]);
    let mut rest = data;
    loop {
        let (line, after) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = after;
        if line.is_empty() {
            break;
        }
        if let Some(h) = line.strip_prefix(b"tree ") {
            tree = Some(hex(h)?);
        } else if let Some(h) = line.strip_prefix(b"parent ") {
            parents.push(hex(h)?);
        } else if let Some(a) = line.strip_prefix(b"author ").filter(|_| author.is_empty()) {
            author = a;
        } else if let Some(c) = line.strip_prefix(b"committer ") {
            // `Name <email> 1700000000 +0100`: the seconds follow the last `>`.
            let after = c
                .iter()
                .rposition(|b| *b == b'>')
                .map_or(c, |i| &c[i + 1..]);
            time = std::str::from_utf8(after)
                .ok()
                .and_then(|s| s.split_whitespace().next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        }
        if rest.is_empty() {
            break;
        }
    }
    Some(Parsed {
        tree: tree?,
        parents,
        time,
        author,
        message: rest,
    })
}

impl Repo {
    /// The ledger's view of a commit, author as recorded: `None` unless its message carries
    /// `Lead-` trailers. The author comes from the object already read when its header has
    /// the usual form, else from libgit2.
    fn lead_commit(
        &self,
        id: git2::Oid,
        author: &[u8],
        message: &[u8],
    ) -> Result<Option<CommitInfo>> {
        let Some(trailers) = lead_trailers(message) else {
            return Ok(None);
        };
        if let Some(signature) = signature(author) {
            return Ok(Some(lead_info(id, signature, message, trailers)));
        }
        let commit = self.inner.find_commit(id)?;
        let a = commit.author();
        let person = Person::new(
            String::from_utf8_lossy(a.name_bytes()),
            String::from_utf8_lossy(a.email_bytes()),
        );
        let signature = (person, a.when().seconds(), a.when().offset_minutes());
        Ok(Some(lead_info(id, signature, message, trailers)))
    }

    /// git's commit-graph, when it has Bloom filters git would read, and the key of
    /// `folder` in them (see `graph.rs`).
    fn folder_key(&self, folder: &str) -> Option<(&graph::Graph, graph::Key)> {
        let graph = self.graph.get_or_init(|| {
            let dirs = packs::object_dirs(&self.objects_dir());
            graph::Graph::open(&dirs, self.inner.commondir(), &self.graph_settings())
        });
        let graph = graph.as_ref()?;
        Some((graph, graph.key(folder)?))
    }

    /// The settings of git's that say whether it reads a commit-graph's Bloom filters.
    fn graph_settings(&self) -> graph::Settings {
        let flag = |key: &str| self.config_bool(key).ok().flatten().unwrap_or(true);
        let version = self
            .config_string("commitGraph.changedPathsVersion")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1);
        graph::Settings {
            commit_graph: flag("core.commitGraph"),
            read_changed_paths: flag("commitGraph.readChangedPaths"),
            changed_paths_version: version,
        }
    }

    /// Where the object database keeps its objects: `GIT_OBJECT_DIRECTORY` when set, as
    /// libgit2 reads it, else `objects` in the common git directory.
    fn objects_dir(&self) -> std::path::PathBuf {
        match std::env::var_os("GIT_OBJECT_DIRECTORY") {
            Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
            _ => self.inner.commondir().join("objects"),
        }
    }
}

/// [`Repo::lead_commit`] without a repository: `Err` when the message carries `Lead-`
/// trailers but the author header is not of the usual form (libgit2 reads that one).
fn lead_alone(
    id: git2::Oid,
    author: &[u8],
    message: &[u8],
) -> std::result::Result<Option<CommitInfo>, ()> {
    let Some(trailers) = lead_trailers(message) else {
        return Ok(None);
    };
    Ok(Some(lead_info(
        id,
        signature(author).ok_or(())?,
        message,
        trailers,
    )))
}

/// The final trailer block of `message` and the `Lead-` trailers stranded in its body,
/// when there is a `Lead-` trailer in either.
type LeadTrailers = (Vec<Trailer>, Vec<(usize, Trailer)>);

fn lead_trailers(message: &[u8]) -> Option<LeadTrailers> {
    let trailers = trailer::parse_with(message, Divider::Ignore);
    let stranded = trailer::stranded_with(message, "Lead-", Divider::Ignore);
    (trailers.iter().any(|t| is_lead_key(&t.key)) || !stranded.is_empty())
        .then_some((trailers, stranded))
}

/// The ledger's view of a commit by `author` (with time and offset) whose message carries
/// `trailers`.
fn lead_info(
    id: git2::Oid,
    (author, time, offset): (Person, i64, i32),
    message: &[u8],
    (trailers, stranded): LeadTrailers,
) -> CommitInfo {
    CommitInfo {
        id: super::hex(id),
        author,
        time,
        offset,
        summary: String::from_utf8_lossy(&summary(message)).into_owned(),
        body: body(message, &trailer::block_range(message, Divider::Ignore)),
        trailers,
        stranded,
    }
}

/// What a walk keeps of commit `id` read as `data`, when that takes no repository: `None`
/// for bytes that are not a commit, and for a commit whose author libgit2 must read (see
/// [`lead_alone`]); the walk then reads it through libgit2.
fn node_alone(id: git2::Oid, data: &[u8]) -> Option<Node> {
    let parsed = parse_commit(data)?;
    let lead = match contains_lead_key(parsed.message) {
        true => lead_alone(id, parsed.author, parsed.message).ok()?,
        false => None,
    };
    Some(node(id, parsed, lead))
}

/// The node of commit `id`, read as `parsed`, with its ledger's view `lead`.
fn node(id: git2::Oid, parsed: Parsed<'_>, lead: Option<CommitInfo>) -> Node {
    Node {
        id,
        parents: parsed.parents,
        time: parsed.time,
        tree: parsed.tree,
        folder: None,
        looked_up: None,
        lead: lead.map(Box::new),
    }
}

/// A signature header of the usual form, `Name <email> 1700000000 +0130`, read as libgit2
/// reads it (name and email trimmed of the characters it trims; an offset past 14 hours or
/// 59 minutes counts as none). `None` for any other form.
fn signature(header: &[u8]) -> Option<(Person, i64, i32)> {
    let open = header.iter().rposition(|b| *b == b'<')?;
    let close = header.iter().rposition(|b| *b == b'>')?;
    if close <= open {
        return None;
    }
    let tail = std::str::from_utf8(&header[close + 1..]).ok()?;
    let (seconds, zone) = tail.strip_prefix(' ')?.split_once(' ')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (sign, digits) = zone.split_at_checked(1)?;
    if !all_digits(seconds)
        || !matches!(sign, "+" | "-")
        || digits.len() != 4
        || !all_digits(digits)
    {
        return None;
    }
    let time: i64 = seconds.parse().ok()?;
    let zone: i32 = digits.parse().ok()?;
    let (hours, minutes) = (zone / 100, zone % 100);
    let mut offset = 0;
    if hours <= 14 && minutes <= 59 {
        offset = hours * 60 + minutes;
        if sign == "-" {
            offset = -offset;
        }
    }
    let trimmed = |mut s: &[u8]| {
        let crud = |c: &u8| *c <= 32 || b",:;<>\"\\'".contains(c);
        while let [first, rest @ ..] = s {
            if !crud(first) {
                break;
            }
            s = rest;
        }
        while let [rest @ .., last] = s {
            if !crud(last) {
                break;
            }
            s = rest;
        }
        String::from_utf8_lossy(s).into_owned()
    };
    let person = Person::new(trimmed(&header[..open]), trimmed(&header[open + 1..close]));
    Some((person, time, offset))
}

/// A commit's summary as libgit2 makes it: the first paragraph, leading newlines dropped,
/// each run of whitespace that holds a newline turned into one space, other runs kept,
/// trailing whitespace dropped. A line of only whitespace ends the paragraph too.
fn summary(message: &[u8]) -> Vec<u8> {
    // libgit2 reads the message as a C string.
    let message = message.split(|b| *b == 0).next().unwrap_or_default();
    let start = message
        .iter()
        .position(|b| *b != b'\n')
        .unwrap_or(message.len());
    let msg = &message[start..];
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut out = Vec::new();
    let mut run: Option<(usize, bool)> = None;
    for (i, &c) in msg.iter().enumerate() {
        if c == b'\n' {
            let next = &msg[i + 1..];
            let blank = next.iter().position(|b| !space(*b) || *b == b'\n');
            match blank.map(|k| next[k]) {
                None | Some(b'\n') => break,
                _ => {}
            }
        }
        if space(c) {
            let (start, newline) = run.unwrap_or((i, false));
            run = Some((start, newline || c == b'\n'));
        } else {
            if let Some((start, newline)) = run.take() {
                if newline {
                    out.push(b' ');
                } else {
                    out.extend_from_slice(&msg[start..i]);
                }
            }
            out.push(c);
        }
    }
    out
}

/// Maps `author` as `.mailmap` says, each distinct author looked up once.
fn map_author(mailmap: &git2::Mailmap, seen: &mut HashMap<Person, Person>, author: &mut Person) {
    let person = match seen.get(author) {
        Some(p) => p,
        None => {
            // An author git2 cannot make a signature of is kept as recorded.
            let person = super::commit::resolve(mailmap, author).unwrap_or_else(|_| author.clone());
            seen.entry(author.clone()).or_insert(person)
        }
    };
    // Most authors map to themselves: nothing to copy.
    if person != author {
        author.clone_from(person);
    }
}

/// A cheap test run on every commit before parsing its trailers: whether `lead-`, in any
/// case, is in `message`. The hyphens are found first (a few a message), then the four
/// bytes before each compared.
fn contains_lead_key(message: &[u8]) -> bool {
    memchr::memchr_iter(b'-', message)
        .any(|at| at >= 4 && message[at - 4..at].eq_ignore_ascii_case(b"lead"))
}

/// The message between the subject paragraph and the trailer block.
fn body(message: &[u8], block: &std::ops::Range<usize>) -> String {
    let text = String::from_utf8_lossy(message.get(..block.start).unwrap_or(message));
    match text.split_once("\n\n") {
        Some((_, rest)) => rest.trim().to_string(),
        None => String::new(),
    }
}

/// Every change to the proposal files of a folder, from one walk over the history: what
/// `check` and the sign-off matrix need to say which commit changed a proposal.
#[derive(Debug, Default)]
pub struct FolderHistory {
    /// How many commits the walk went through.
    count: usize,
    /// Each commit that carries `Lead-` trailers or changed a proposal file, with its
    /// position in the walk (parents before children) and the folder's tree there; sorted
    /// by id once the walk is over. (A sorted list: a map of 24,000 entries grown as the
    /// walk went filled three times the memory.)
    positions: Vec<(git2::Oid, usize, Option<git2::Oid>)>,
    /// For each proposal id, the commits that changed its file (git's rule for
    /// `git log -- <path>`), in order, with the new blob (`None` when deleted).
    changes: HashMap<u32, Vec<(usize, git2::Oid, Option<git2::Oid>)>>,
}

impl FolderHistory {
    fn record(&mut self, seen: &Seen<'_>) {
        for (pid, blob) in seen.changes {
            self.changes
                .entry(*pid)
                .or_default()
                .push((seen.pos, seen.id, *blob));
        }
        self.positions.push((seen.id, seen.pos, seen.folder_tree));
    }

    /// Ends the walk: sorts the commits by id for [`FolderHistory::at`].
    fn sealed(mut self) -> FolderHistory {
        self.positions.sort_unstable_by_key(|(id, _, _)| *id);
        self
    }

    /// The position and folder tree of `id`, when the walk recorded it.
    fn at(&self, id: git2::Oid) -> Option<(usize, Option<git2::Oid>)> {
        let at = self
            .positions
            .binary_search_by_key(&id, |(id, _, _)| *id)
            .ok()?;
        self.positions.get(at).map(|(_, pos, tree)| (*pos, *tree))
    }

    /// How many commits the walk went through.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The history a walk from an ancestor of this walk's tip records: this one without
    /// the commits `dropped` (hex ids), which are those reachable from the tip and not from
    /// that ancestor. Each commit's changes depend on it and its parents alone, and the
    /// order of that ancestor-closed part of the history is this walk's, restricted to it;
    /// positions stay this walk's, which only compares them.
    pub fn without(&self, dropped: &HashSet<String>) -> FolderHistory {
        let mut ids = IdSet::default();
        let gone = dropped
            .iter()
            .filter_map(|c| git2::Oid::from_str(c).ok())
            .filter(|id| ids.insert(*id))
            .count();
        let mut changes = HashMap::new();
        for (&proposal, all) in &self.changes {
            let kept: Vec<_> = all
                .iter()
                .filter(|(_, id, _)| !ids.contains(*id))
                .copied()
                .collect();
            if !kept.is_empty() {
                changes.insert(proposal, kept);
            }
        }
        FolderHistory {
            count: self.count.saturating_sub(gone),
            positions: self
                .positions
                .iter()
                .filter(|(id, _, _)| !ids.contains(*id))
                .copied()
                .collect(),
            changes,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Where `commit` stands in the walk, for a commit that carries `Lead-` trailers or
    /// changed a proposal file; `None` for others and for commits not reachable from the tip.
    pub fn position(&self, commit: &str) -> Option<usize> {
        let id = git2::Oid::from_str(commit).ok()?;
        self.at(id).map(|(pos, _)| pos)
    }

    /// Every commit that changed proposal `id`'s file, in order, with the blob it left.
    pub fn changes_after_start(
        &self,
        id: u32,
    ) -> impl Iterator<Item = (String, Option<String>)> + '_ {
        self.changes
            .get(&id)
            .into_iter()
            .flatten()
            .map(change_in_hex)
    }

    /// The commits that changed proposal `id`'s file after position `after`, in order, with
    /// the blob each left.
    pub fn changes_after(
        &self,
        id: u32,
        after: usize,
    ) -> impl Iterator<Item = (String, Option<String>)> + '_ {
        self.changes
            .get(&id)
            .into_iter()
            .flatten()
            .filter(move |(pos, _, _)| *pos > after)
            .map(change_in_hex)
    }
}

/// A change as the commands see it: commit and blob ids in hexadecimal.
fn change_in_hex(change: &(usize, git2::Oid, Option<git2::Oid>)) -> (String, Option<String>) {
    (super::hex(change.1), change.2.map(super::hex))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_lead_key_is_seen_wherever_it_is_and_in_any_case() {
        let naive = |m: &[u8]| m.windows(5).any(|w| w.eq_ignore_ascii_case(b"lead-"));
        let samples: [&[u8]; 9] = [
            b"",
            b"-",
            b"lead",
            b"Lead-Step: idea",
            b"x\n\nLEAD-signoff: 7",
            b"mislead-ing",
            b"le-ad-",
            b"ead-",
            b"lead\xc3-",
        ];
        for m in samples {
            assert_eq!(
                contains_lead_key(m),
                naive(m),
                "{:?}",
                String::from_utf8_lossy(m)
            );
            for cut in 0..m.len() {
                assert_eq!(contains_lead_key(&m[cut..]), naive(&m[cut..]));
                assert_eq!(contains_lead_key(&m[..cut]), naive(&m[..cut]));
            }
        }
    }

    fn oid(n: u32) -> git2::Oid {
        let mut bytes = [0u8; 20];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        git2::Oid::from_bytes(&bytes).unwrap()
    }

    fn node(n: u32, parents: &[u32], time: i64) -> Node {
        Node {
            id: oid(n),
            parents: parents.iter().map(|p| oid(*p)).collect(),
            time,
            tree: oid(0),
            folder: None,
            looked_up: None,
            lead: None,
        }
    }

    fn ids(snap: &Snapshot, fresh: &[Node], order: &[At]) -> Vec<git2::Oid> {
        order
            .iter()
            .map(|at| match *at {
                At::Old(i) => snap.id(i as usize),
                At::New(j) => fresh[j as usize].id,
            })
            .collect()
    }

    fn cold(nodes: Vec<Node>) -> Vec<git2::Oid> {
        let snap = Snapshot::default();
        ids(
            &snap,
            &nodes,
            &canonical_order(&snap, &[], &nodes, &positions(&nodes)),
        )
    }

    #[test]
    fn the_order_is_topological_then_oldest_first_whatever_the_input_order() {
        // 1 <- 2 <- 4 (merge of 2 and 3), 1 <- 3; 3 is older than 2; 5 is a later child of 4
        // with a clock set in the past.
        let nodes = || {
            vec![
                node(4, &[2, 3], 40),
                node(5, &[4], 1),
                node(2, &[1], 30),
                node(3, &[1], 20),
                node(1, &[], 10),
            ]
        };
        let want: Vec<_> = [1, 3, 2, 4, 5].map(oid).to_vec();
        assert_eq!(cold(nodes()), want);
        let mut shuffled = nodes();
        shuffled.reverse();
        assert_eq!(cold(shuffled), want);
    }

    #[test]
    fn equal_times_are_ordered_by_id_and_missing_parents_are_not_waited_for() {
        let nodes = vec![node(9, &[7], 5), node(8, &[7], 5), node(7, &[6], 5)];
        assert_eq!(cold(nodes), [7, 8, 9].map(oid).to_vec());
    }

    /// A random history of `n` commits: parents among earlier commits (a few merges),
    /// clocks that sometimes go backwards.
    fn history(seed: u64, n: u32) -> Vec<(Vec<u32>, i64)> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m.max(1)
        };
        (0..n)
            .map(|i| {
                let mut parents = Vec::new();
                if i > 0 {
                    parents.push(i - 1 - next(u64::from(i.min(4))) as u32);
                    if i > 3 && next(5) == 0 {
                        let other = next(u64::from(i)) as u32;
                        if !parents.contains(&other) {
                            parents.push(other);
                        }
                    }
                }
                (parents, i64::from(i) * 10 - next(40) as i64)
            })
            .collect()
    }

    fn ancestors(h: &[(Vec<u32>, i64)], tip: u32) -> Vec<u32> {
        let mut seen = vec![false; h.len()];
        let mut stack = vec![tip];
        while let Some(c) = stack.pop() {
            if !std::mem::replace(&mut seen[c as usize], true) {
                stack.extend(&h[c as usize].0);
            }
        }
        (0..h.len() as u32).filter(|c| seen[*c as usize]).collect()
    }

    fn nodes_of(h: &[(Vec<u32>, i64)], which: &[u32]) -> Vec<Node> {
        which
            .iter()
            .map(|&c| node(c, &h[c as usize].0, h[c as usize].1))
            .collect()
    }

    #[test]
    fn leads_encoded_before_the_visits_write_the_cache_they_would_have() {
        let h = history(5, 40);
        let mut fresh = nodes_of(&h, &ancestors(&h, 39));
        for (k, node) in fresh.iter_mut().enumerate().filter(|(k, _)| k % 3 != 1) {
            let summary = format!("commit {k}");
            let trailers = vec![Trailer::new("Lead-Proposal", (k % 5 + 1).to_string())];
            node.lead = Some(Box::new(CommitInfo {
                id: node.id.to_string(),
                author: Person::new("Ada", "ada@example.com"),
                time: k as i64,
                offset: 60,
                summary,
                body: String::new(),
                trailers,
                stranded: Vec::new(),
            }));
        }
        let (empty, known) = (Snapshot::default(), HashMap::new());
        let at = positions(&fresh);
        let order = canonical_order(&empty, &[], &fresh, &at);
        let kept = entries(&empty, &order, &fresh, &at, &known, None);
        let kept = cache::encoded(None, kept).unwrap();
        // What the background write sees: the leads taken by the visits, encoded before.
        let leads = cache::Leads::of(&fresh);
        for node in &mut fresh {
            node.lead = None;
        }
        let later = entries(&empty, &order, &fresh, &at, &known, Some(&leads));
        assert!(kept == cache::encoded(None, later).unwrap());
        let without = entries(&empty, &order, &fresh, &at, &known, None);
        assert!(kept != cache::encoded(None, without).unwrap());
    }

    #[test]
    fn a_walk_from_a_cache_gives_the_order_of_a_walk_without_one() {
        for seed in 0..200 {
            let h = history(seed, 60);
            let old_tip = (seed * 7 % 60) as u32;
            let tip = 59 - (seed % 3) as u32;
            // The cache: the canonical order of what the old tip reaches.
            let before = nodes_of(&h, &ancestors(&h, old_tip));
            let empty = Snapshot::default();
            let before_at = positions(&before);
            let order = canonical_order(&empty, &[], &before, &before_at);
            let known = HashMap::new();
            let entries = entries(&empty, &order, &before, &before_at, &known, None);
            let bytes = cache::encoded(None, entries).unwrap();
            let snap = Snapshot::from_bytes(bytes).unwrap();
            // A walk from the tip: reads what the cache does not hold, stops at what it does.
            let (mut fresh, mut hits, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
            let mut stack = vec![tip];
            while let Some(c) = stack.pop() {
                if let Some(at) = snap.find(oid(c)) {
                    hits.push(at);
                } else if seen.insert(c) {
                    stack.extend(&h[c as usize].0);
                    fresh.push(c);
                }
            }
            let fresh = nodes_of(&h, &fresh);
            let warm = ids(
                &snap,
                &fresh,
                &canonical_order(&snap, &hits, &fresh, &positions(&fresh)),
            );
            assert_eq!(warm, cold(nodes_of(&h, &ancestors(&h, tip))), "seed {seed}");
        }
    }

    #[test]
    fn a_commit_object_is_read_as_git_writes_it() {
        let tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let parent = "ce013625030ba8dba906f756967f9e9ca394464a";
        let data = format!(
            "tree {tree}\nparent {parent}\nauthor A <a@x> 1 +0000\n\
             committer C <c@x> 1700000000 -0130\ngpgsig -----BEGIN-----\n \n -----END-----\n\
             \nsubject\n\nLead-Step: idea\n"
        );
        let c = parse_commit(data.as_bytes()).unwrap();
        assert_eq!(c.tree.to_string(), tree);
        assert_eq!(
            c.parents.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            [parent]
        );
        assert_eq!((c.time, c.author), (1_700_000_000, &b"A <a@x> 1 +0000"[..]));
        assert_eq!(c.message, b"subject\n\nLead-Step: idea\n");
        // No message at all, and no blank line after the headers.
        let bare = format!("tree {tree}\ncommitter C <c@x> 5 +0000");
        let c = parse_commit(bare.as_bytes()).unwrap();
        assert!(c.parents.is_empty() && c.message.is_empty() && c.author.is_empty());
        assert!(parse_commit(b"parent nothex\n\nmsg").is_none());
    }

    #[test]
    fn authors_and_summaries_are_read_as_libgit2_reads_them() {
        let dir = std::env::temp_dir().join(format!("git-lead-parse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = git2::Repository::init_bare(&dir).unwrap();
        let odb = repo.odb().unwrap();
        let tree = odb.write(git2::ObjectType::Tree, b"").unwrap();
        let authors = [
            "Ada Lovelace <ada@example.com> 1700000000 +0000",
            "Bo <bo@example.com> 1700000000 -0130",
            "  'Cy'  <  cy@example.com > 5 +1500",
            "Dee <dee@example.com> 5 +0160",
            "Odd <x> <odd@example.com> 7 +0100",
            "\"Quoted, Name\" <q@example.com> 9 -1200",
            "No Zone <nz@example.com> 9",
            "Spaces <s@example.com>  9 +0000",
            "Eve <eve@example.com> 9 0000",
        ];
        // Messages built from pieces that matter to a summary: newlines, blank-looking
        // lines, runs of spaces and tabs, carriage returns.
        let pieces = [
            "\n", "\n\n", " ", "\t", "\r", "  \n", "word", "x y", "\n \t\n", "\u{b}",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut messages: Vec<String> =
            vec!["".into(), "\n\nsubject\n".into(), "one\ntwo\n\nbody".into()];
        for _ in 0..300 {
            let mut m = String::new();
            for _ in 0..(state % 9) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                m.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            messages.push(m);
        }
        for (i, message) in messages.iter().enumerate() {
            let author = authors[i % authors.len()];
            let raw =
                format!("tree {tree}\nauthor {author}\ncommitter C <c@x> 1 +0000\n\n{message}");
            let id = odb.write(git2::ObjectType::Commit, raw.as_bytes()).unwrap();
            let commit = repo.find_commit(id).unwrap();
            let parsed = parse_commit(raw.as_bytes()).unwrap();
            assert_eq!(parsed.message, commit.message_raw_bytes(), "{raw:?}");
            assert_eq!(
                summary(parsed.message),
                commit.summary_bytes().unwrap_or_default(),
                "{message:?}"
            );
            if let Some((who, time, offset)) = signature(parsed.author) {
                let a = commit.author();
                assert_eq!(who.name.as_bytes(), a.name_bytes(), "{author}");
                assert_eq!(who.email.as_bytes(), a.email_bytes(), "{author}");
                assert_eq!(
                    (time, offset),
                    (a.when().seconds(), a.when().offset_minutes()),
                    "{author}"
                );
            }
        }
        // The usual forms take the fast path; the others are left to libgit2.
        assert!(authors[..6]
            .iter()
            .all(|a| signature(a.as_bytes()).is_some()));
        assert!(authors[6..]
            .iter()
            .all(|a| signature(a.as_bytes()).is_none()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

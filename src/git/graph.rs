//! git's commit-graph and its changed-path Bloom filters, read to tell which commits surely
//! did not change the proposal folder, so that a walk need not look the folder up in their
//! root trees.
//!
//! # Contract
//!
//! [`Graph::open`] reads the commit-graph of a repository's object directory (or of the
//! first of its alternates that has one, as git does): a single file,
//! `info/commit-graph`, or a chain of them, `info/commit-graphs/commit-graph-chain`.
//! [`Graph::unchanged`] answers one question: given a commit, the id its object names as
//! first parent and its root tree, and a [`Key`] made for a folder, is it **certain** that
//! the commit did not change that folder against that parent? `true` only when the graph
//! lists the commit with that same root tree and that same first parent, and its Bloom
//! filter rules the folder (and every folder above it) out. Anything else — a commit the
//! graph does not list, a filter not computed or too large, a graph of another hash, a
//! layout or size that does not add up — is `false`: the caller looks the folder up as it
//! would with no graph at all. A Bloom filter has false positives (then the folder is
//! looked up) and, as git relies on, no false negatives.
//!
//! Nothing is read when git itself would not use the graph: `core.commitGraph` or
//! `commitGraph.readChangedPaths` set to false, `commitGraph.changedPathsVersion` set to 0
//! or to a version other than the file's, grafts (`info/grafts`), replacement refs
//! (`refs/replace/`, unless `GIT_NO_REPLACE_OBJECTS` is set), or a shallow clone. Like git,
//! the file's checksum is not verified on read (`git commit-graph verify` does that); the
//! per-commit check of root tree and first parent is what guards the answer.
//!
//! # Formats (as git documents them in `gitformat-commit-graph`)
//!
//! - **File:** `CGPH`, version 1, hash version (1 for SHA-1), the number of chunks, the
//!   number of base graphs; a table of chunks (4-byte id, 8-byte offset; a last entry of id
//!   0 gives the end). Chunks: `OIDF` (256 cumulative counts by first byte), `OIDL` (the
//!   ids, sorted), `CDAT` (per commit: root tree, two 4-byte parent positions, 8 bytes of
//!   generation and date; `0x70000000` for no parent), `BIDX` (per commit, where its
//!   filter ends in `BDAT`), `BDAT` (version, number of hashes, bits per entry, then the
//!   filters). Numbers are big-endian. Positions count across the chain, base first.
//! - **Bloom filter:** the paths a commit changed against its first parent, with every
//!   folder above them; a path's bits are `(h0 + i·h1) mod (8·len)` for `i` below the
//!   number of hashes, `h0` and `h1` its 32-bit murmur3 with seeds `0x293ae76f` and
//!   `0x7e646e2c` (version 1 hashed bytes as signed chars, version 2 as unsigned); bit `b`
//!   is bit `b mod 8` of byte `b / 8`. An empty filter was not computed; a filter of one
//!   `0xff` byte stands for too many changes.

use std::path::Path;

use super::packs::{be32, be64, find_id};

const SEED0: u32 = 0x293a_e76f;
const SEED1: u32 = 0x7e64_6e2c;
/// A parent position that stands for no parent.
const NO_PARENT: u32 = 0x7000_0000;
/// The length of an id: only SHA-1 graphs are read.
const HASH: usize = 20;
/// How many layers of a chain git reads at most (it stops at fewer in practice).
const LAYERS: usize = 512;

/// One file of the graph: its commits, from position `base` on.
struct Layer {
    bytes: Vec<u8>,
    base: u32,
    count: u32,
    oidf: usize,
    oidl: usize,
    cdat: usize,
    /// Where `BIDX` and the filters (after `BDAT`'s header) start, and the filters' length.
    filters: Option<(usize, usize, usize)>,
}

/// The commit-graph of a repository, with its Bloom filters.
pub(crate) struct Graph {
    layers: Vec<Layer>,
    /// The filters' version (1 or 2) and number of hashes, the same in every layer that
    /// has filters.
    version: u32,
    hashes: u32,
}

/// A folder made ready for [`Graph::unchanged`]: the bit positions' hashes of the folder
/// and of every folder above it.
pub(crate) struct Key {
    paths: Vec<(u32, u32)>,
}

/// Settings of git's that decide whether the graph is read.
pub(crate) struct Settings {
    pub commit_graph: bool,
    pub read_changed_paths: bool,
    /// `commitGraph.changedPathsVersion`: -1 for any, 0 for none, else that version.
    pub changed_paths_version: i64,
}

impl Graph {
    /// Whether git, and so [`Graph::open`], would read a commit-graph's Bloom filters in
    /// the repository of common directory `common`, were there one: not with the settings
    /// that turn them off, grafts, replacement refs or a shallow clone.
    pub(crate) fn would_be_read(common: &Path, settings: &Settings) -> bool {
        settings.commit_graph
            && settings.read_changed_paths
            && settings.changed_paths_version != 0
            && !common.join("shallow").exists()
            && !common.join("info").join("grafts").exists()
            && (std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() || !has_replace_refs(common))
    }

    /// The graph of `objects` (the repository's object directory) or of the first of
    /// `dirs` (it, then its alternates) that has one, when it has Bloom filters git would
    /// read; `None` otherwise (see the module's notes). `common` is the common git dir.
    pub(crate) fn open(
        dirs: &[std::path::PathBuf],
        common: &Path,
        settings: &Settings,
    ) -> Option<Graph> {
        if !Graph::would_be_read(common, settings) {
            return None;
        }
        let layers = dirs.iter().find_map(|dir| layers_of(&dir.join("info")))?;
        let mut version = None;
        for layer in &layers {
            let Some((_, at, _)) = layer.filters else {
                continue;
            };
            let header = at - 12;
            let v = be32(&layer.bytes, header)?;
            let hashes = be32(&layer.bytes, header + 4)?;
            match version {
                None => version = Some((v, hashes)),
                Some(seen) if seen != (v, hashes) => return None,
                Some(_) => {}
            }
        }
        let (version, hashes) = version?;
        let wanted = settings.changed_paths_version;
        if !matches!(version, 1 | 2) || !(wanted == -1 || wanted == i64::from(version)) {
            return None;
        }
        // git reads at most a few dozen; a filter with more hashes is not one it wrote.
        if hashes == 0 || hashes > 64 {
            return None;
        }
        Some(Graph {
            layers,
            version,
            hashes,
        })
    }

    /// The key of `folder` (a path from the top of the tree, `/` between its parts), or
    /// `None` when these filters cannot answer for it: version 1 filters hashed bytes past
    /// ASCII differently from one machine to another, as git warns.
    pub(crate) fn key(&self, folder: &str) -> Option<Key> {
        let folder = folder.trim_matches('/');
        if folder.is_empty() || (self.version == 1 && !folder.is_ascii()) {
            return None;
        }
        let signed = self.version == 1;
        let mut paths = Vec::new();
        for (end, _) in folder.match_indices('/').chain([(folder.len(), "")]) {
            let path = &folder.as_bytes()[..end];
            paths.push((murmur3(SEED0, path, signed), murmur3(SEED1, path, signed)));
        }
        Some(Key { paths })
    }

    /// Whether it is certain that commit `id`, whose object names `tree` as its root tree
    /// and `first_parent` as its first parent, did not change the folder of `key` against
    /// that parent (see the module's contract).
    pub(crate) fn unchanged(
        &self,
        id: git2::Oid,
        tree: git2::Oid,
        first_parent: git2::Oid,
        key: &Key,
    ) -> bool {
        self.answer(id, tree, first_parent, key).unwrap_or(false)
    }

    fn answer(
        &self,
        id: git2::Oid,
        tree: git2::Oid,
        first_parent: git2::Oid,
        key: &Key,
    ) -> Option<bool> {
        let (layer, i) = self.find(id)?;
        let bytes = &layer.bytes;
        let data = layer.cdat + i * (HASH + 16);
        if bytes.get(data..data + HASH)? != tree.as_bytes() {
            return None;
        }
        let parent = be32(bytes, data + HASH)?;
        if parent == NO_PARENT || self.id(parent)? != first_parent {
            return None;
        }
        let (bidx, filters, len) = layer.filters?;
        let end = be32(bytes, bidx + 4 * i)? as usize;
        let start = match i {
            0 => 0,
            _ => be32(bytes, bidx + 4 * (i - 1))? as usize,
        };
        if start > end || end > len {
            return None;
        }
        let filter = bytes.get(filters + start..filters + end)?;
        if filter.is_empty() {
            return None;
        }
        let bits = filter.len() as u64 * 8;
        let contains = |(h0, h1): (u32, u32)| {
            (0..self.hashes).all(|n| {
                let bit = u64::from(h0.wrapping_add(n.wrapping_mul(h1))) % bits;
                filter[(bit / 8) as usize] & (1 << (bit % 8)) != 0
            })
        };
        Some(!key.paths.iter().all(|&p| contains(p)))
    }

    /// The layer that lists `id`, and its place there.
    fn find(&self, id: git2::Oid) -> Option<(&Layer, usize)> {
        self.layers.iter().rev().find_map(|layer| {
            let at = find_id(
                &layer.bytes,
                layer.oidf,
                layer.oidl,
                layer.count as usize,
                id.as_bytes(),
            )?;
            Some((layer, at))
        })
    }

    /// The id of the commit at position `pos` of the chain.
    fn id(&self, pos: u32) -> Option<git2::Oid> {
        let layer = self
            .layers
            .iter()
            .find(|l| pos >= l.base && pos - l.base < l.count)?;
        let at = layer.oidl + HASH * (pos - layer.base) as usize;
        git2::Oid::from_bytes(layer.bytes.get(at..at + HASH)?).ok()
    }
}

/// Whether `refs/replace/` holds a ref, loose or packed.
fn has_replace_refs(common: &Path) -> bool {
    let loose = std::fs::read_dir(common.join("refs").join("replace"))
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    loose
        || std::fs::read_to_string(common.join("packed-refs"))
            .map(|text| text.lines().any(|l| l.contains(" refs/replace/")))
            .unwrap_or(false)
}

/// The layers of the graph under `info` (an object directory's): the chain when there is
/// one, else the single file; `None` when neither is there or one does not read.
fn layers_of(info: &Path) -> Option<Vec<Layer>> {
    let chain = info.join("commit-graphs").join("commit-graph-chain");
    let files: Vec<std::path::PathBuf> = match std::fs::read_to_string(&chain) {
        Ok(text) => {
            let names: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
            if names.is_empty() || names.len() > LAYERS {
                return None;
            }
            names
                .iter()
                .map(|h| info.join("commit-graphs").join(format!("graph-{h}.graph")))
                .collect()
        }
        Err(_) => vec![info.join("commit-graph")],
    };
    let mut layers: Vec<Layer> = Vec::with_capacity(files.len());
    for file in files {
        let bytes = std::fs::read(file).ok()?;
        let base = layers.last().map_or(0, |l| l.base + l.count);
        layers.push(Layer::read(bytes, base, layers.len())?);
    }
    Some(layers)
}

impl Layer {
    /// One file of the graph, with `bases` layers below it; `None` when it is not a SHA-1
    /// commit-graph of version 1 whose chunks add up.
    fn read(bytes: Vec<u8>, base: u32, bases: usize) -> Option<Layer> {
        if bytes.get(..4)? != b"CGPH" || *bytes.get(4)? != 1 || *bytes.get(5)? != 1 {
            return None;
        }
        let chunks = usize::from(*bytes.get(6)?);
        if usize::from(*bytes.get(7)?) != bases {
            return None;
        }
        let mut table = Vec::with_capacity(chunks + 1);
        for k in 0..=chunks {
            let at = 8 + 12 * k;
            let id: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
            let offset = usize::try_from(be64(&bytes, at + 4)?).ok()?;
            table.push((id, offset));
        }
        // The file's checksum follows the last chunk.
        if table.last()?.0 != [0; 4] || table.last()?.1.checked_add(HASH)? > bytes.len() {
            return None;
        }
        let chunk = |name: &[u8; 4]| -> Option<(usize, usize)> {
            let k = table[..chunks].iter().position(|(id, _)| id == name)?;
            let (start, end) = (table[k].1, table[k + 1].1);
            (start <= end && end <= bytes.len()).then_some((start, end - start))
        };
        let (oidf, oidf_len) = chunk(b"OIDF")?;
        let (oidl, oidl_len) = chunk(b"OIDL")?;
        let (cdat, cdat_len) = chunk(b"CDAT")?;
        if oidf_len != 256 * 4 {
            return None;
        }
        let count = be32(&bytes, oidf + 255 * 4)?;
        let n = count as usize;
        if oidl_len != n * HASH || cdat_len != n * (HASH + 16) {
            return None;
        }
        base.checked_add(count).filter(|&end| end < NO_PARENT)?;
        let filters = match (chunk(b"BIDX"), chunk(b"BDAT")) {
            (Some((bidx, bidx_len)), Some((bdat, bdat_len)))
                if bidx_len == n * 4 && bdat_len >= 12 =>
            {
                Some((bidx, bdat + 12, bdat_len - 12))
            }
            _ => None,
        };
        Some(Layer {
            bytes,
            base,
            count,
            oidf,
            oidl,
            cdat,
            filters,
        })
    }
}

/// git's 32-bit murmur3 of `data` with `seed`; `signed` reads bytes as signed chars, as
/// version 1 filters did.
fn murmur3(seed: u32, data: &[u8], signed: bool) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let byte = |b: u8| match signed {
        true => b as i8 as i32 as u32,
        false => u32::from(b),
    };
    let mut h = seed;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let k = byte(w[0]) | byte(w[1]) << 8 | byte(w[2]) << 16 | byte(w[3]) << 24;
        let k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate().rev() {
            k ^= byte(b) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(super) mod tests {
    use super::*;
    use std::process::Command;

    /// `git <args>` in `dir`, with no user or system configuration: its stdout.
    pub(in crate::git) fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A history where some commits change `docs/proposals/`, some a look-alike path
    /// (`docs/proposalsx`, `docs/é`), some nothing there, with merges.
    fn history(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("git-lead-graph-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        for n in 0..120 {
            let path = match n % 5 {
                0 => format!("docs/proposals/{:04}.toml", n % 7),
                1 => "docs/proposalsx".to_string(),
                2 => format!("docs/\u{e9}{n}"),
                _ => format!("src/f{}.c", n % 9),
            };
            let file = dir.join(&path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, format!("{n}\n")).unwrap();
            git(&dir, &["add", "-A"]);
            git(&dir, &["commit", "-q", "-m", &format!("c{n}")]);
            if n % 30 == 29 {
                git(
                    &dir,
                    &["checkout", "-q", "-b", &format!("side{n}"), "HEAD~3"],
                );
                std::fs::write(dir.join("docs/proposals/side.toml"), format!("{n}")).unwrap();
                git(&dir, &["add", "-A"]);
                git(&dir, &["commit", "-q", "-m", "side"]);
                git(&dir, &["checkout", "-q", "main"]);
                git(&dir, &["merge", "-q", "--no-edit", &format!("side{n}")]);
            }
        }
        dir
    }

    /// `git commit-graph write --reachable --changed-paths` with `config` (`-c` pairs)
    /// before it and `more` after it.
    fn write_graph(dir: &Path, config: &[&str], more: &[&str]) {
        let mut args = config.to_vec();
        args.extend(["commit-graph", "write", "--reachable", "--changed-paths"]);
        args.extend(more);
        git(dir, &args);
    }

    /// Each commit of `dir`'s HEAD that has a first parent, with it.
    fn with_first_parents(dir: &Path) -> Vec<(git2::Oid, git2::Oid)> {
        let list = git(dir, &["rev-list", "--parents", "HEAD"]);
        list.lines()
            .filter_map(|line| {
                let ids: Vec<git2::Oid> = line.split(' ').map(|h| h.parse().unwrap()).collect();
                match ids[..] {
                    [id, parent, ..] => Some((id, parent)),
                    _ => None,
                }
            })
            .collect()
    }

    fn settings() -> Settings {
        Settings {
            commit_graph: true,
            read_changed_paths: true,
            changed_paths_version: -1,
        }
    }

    /// Every commit with a first parent: the graph never clears one that changed the
    /// folder (as `git diff-tree` tells), and clears nearly all that did not.
    fn agrees_with_git(dir: &Path, folder: &str) -> usize {
        let objects = dir.join(".git/objects");
        let graph = Graph::open(&[objects], &dir.join(".git"), &settings()).expect("a graph");
        let key = graph.key(folder).unwrap();
        let (mut unchanged, mut cleared) = (0, 0);
        for (id, parent) in with_first_parents(dir) {
            let tree: git2::Oid = git(dir, &["rev-parse", &format!("{id}^{{tree}}")])
                .trim()
                .parse()
                .unwrap();
            let changed = !git(
                dir,
                &[
                    "diff-tree",
                    "--name-only",
                    "-r",
                    &parent.to_string(),
                    &id.to_string(),
                    "--",
                    &format!("{folder}/"),
                ],
            )
            .is_empty();
            let says = graph.unchanged(id, tree, parent, &key);
            assert!(!(changed && says), "{id} changed {folder} but was cleared");
            unchanged += usize::from(!changed);
            cleared += usize::from(says);
            // The wrong tree or parent never clears.
            assert!(!graph.unchanged(id, parent, parent, &key));
            assert!(!graph.unchanged(id, tree, id, &key));
        }
        assert!(
            cleared * 10 >= unchanged * 9,
            "{cleared} cleared of {unchanged}"
        );
        cleared
    }

    #[test]
    fn bloom_filters_of_either_version_answer_as_git_diff_tree() {
        let dir = history("versions");
        for version in ["2", "1"] {
            let _ = std::fs::remove_file(dir.join(".git/objects/info/commit-graph"));
            let setting = format!("commitGraph.changedPathsVersion={version}");
            write_graph(&dir, &["-c", &setting], &[]);
            assert!(agrees_with_git(&dir, "docs/proposals") > 50);
            assert!(agrees_with_git(&dir, "src") > 20);
        }
        // Version 1 cannot answer for a path past ASCII; a setting asking for another
        // version reads nothing.
        let objects = [dir.join(".git/objects")];
        let graph = Graph::open(&objects, &dir.join(".git"), &settings()).unwrap();
        assert!(graph.key("docs/\u{e9}1").is_none());
        let other = Settings {
            changed_paths_version: 2,
            ..settings()
        };
        assert!(Graph::open(&objects, &dir.join(".git"), &other).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_split_chain_and_git_s_refusals_are_honoured() {
        let dir = history("chain");
        write_graph(&dir, &[], &["--split"]);
        std::fs::write(dir.join("more"), "x").unwrap();
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "more"]);
        write_graph(&dir, &[], &["--split=no-merge"]);
        assert!(dir
            .join(".git/objects/info/commit-graphs/commit-graph-chain")
            .is_file());
        assert!(agrees_with_git(&dir, "docs/proposals") > 50);
        let objects = [dir.join(".git/objects")];
        let off = Settings {
            read_changed_paths: false,
            ..settings()
        };
        assert!(Graph::open(&objects, &dir.join(".git"), &off).is_none());
        // A replacement ref: git stops reading the graph, and so does this.
        let head = git(&dir, &["rev-parse", "HEAD"]);
        let before = git(&dir, &["rev-parse", "HEAD~1"]);
        git(&dir, &["replace", head.trim(), before.trim()]);
        assert!(Graph::open(&objects, &dir.join(".git"), &settings()).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Damage anywhere in the file, and every cut within its header: no panic.
    #[test]
    fn a_damaged_graph_never_panics() {
        let dir = history("damage");
        write_graph(&dir, &[], &[]);
        let file = dir.join(".git/objects/info/commit-graph");
        let original = std::fs::read(&file).unwrap();
        let pairs = with_first_parents(&dir);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        // Every cut within the header, then damage anywhere.
        let damage = (0..64).map(|at| (0, at)).chain((0..200).map(|round| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (round % 3, (state % original.len() as u64) as usize)
        }));
        for (kind, at) in damage {
            let mut bad = original.clone();
            match kind {
                0 => bad.truncate(at),
                1 => bad[at] ^= 0x5a,
                _ => bad[at..].fill(0xff),
            }
            std::fs::write(&file, &bad).unwrap();
            let objects = [dir.join(".git/objects")];
            if let Some(graph) = Graph::open(&objects, &dir.join(".git"), &settings()) {
                if let Some(key) = graph.key("docs/proposals") {
                    for &(id, parent) in &pairs {
                        graph.unchanged(id, id, parent, &key);
                    }
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn murmur3_matches_known_values() {
        assert_eq!(murmur3(0, b"", false), 0);
        assert_eq!(murmur3(0, b"Hello world!", false), 0x627b0c2c);
        assert_eq!(
            murmur3(0, b"The quick brown fox jumps over the lazy dog", false),
            0x2e4ff723
        );
    }
}

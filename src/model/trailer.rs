//! Commit-message trailers, parsed exactly the way git parses them.
//!
//! This is a std-only port of the parsing half of git's `trailer.c` (plus the two helpers it
//! borrows: `ignored_log_message_bytes` from `commit.c` and `wt_status_locate_end` from
//! `wt-status.c`), checked against git 2.47 by the parity tests in `tests/it/trailers.rs`.
//! No configuration is consulted: the result is what git prints with no `trailer.*` settings,
//! the default separator `:` and the default comment character `#`.
//!
//! # The rules, in git's order
//!
//! 1. The message is a C string to git: everything from the first NUL byte on is ignored.
//!    `git interpret-trailers` (so [`Divider::Honour`]) first adds a newline to an input whose
//!    last line is incomplete (`strbuf_complete_line`, git 2.47); `git log` does not.
//! 2. **End of the message** (`find_end_of_log_message`). With [`Divider::Honour`] the message
//!    stops at the first line that starts with `---` followed by a whitespace byte (thanks to the
//!    added newline, that includes a final `---` with no newline after it). Then the bytes git
//!    ignores at the end are dropped (`ignored_log_message_bytes`): everything from the scissors
//!    line `# ------------------------ >8 ------------------------` on (found anywhere in the
//!    input, even below a `---`; it must fill its whole line, so `…>8 ---\r\n` or `…>8 ---x`
//!    is just a comment), then a trailing run of comment lines (`#`), empty lines
//!    (exactly `\n`; a whitespace-only or `\r\n` line does not count here) and old-style
//!    `Conflicts:` blocks (a `Conflicts:` line followed by tab-indented paths).
//! 3. **The title** (first paragraph, up to the first blank line; comment lines skipped) is never
//!    part of a trailer block. A blank line is any line made only of ` `, `\t`, `\r` (git's
//!    `isspace`, which does not include `\v` or `\f`).
//! 4. **The trailer block** (`find_trailer_block_start`) is found by walking back from the end
//!    over the last paragraph (trailing blank lines are skipped). The paragraph is the block if
//!    * every line is a trailer (or a continuation line, which starts with whitespace and
//!      belongs to the trailer above it), or
//!    * it contains a git-generated line (one starting with `Signed-off-by: ` or
//!      `(cherry picked from commit `, case-sensitively) and at least 25% of its lines are
//!      trailers (`trailers * 3 >= non_trailers`). Comment lines are not counted at all;
//!      whitespace-led lines that turn out not to follow a trailer count as non-trailers.
//! 5. **A trailer line** (`find_separator`) is `<token><optional spaces/tabs>:<value>`, where the
//!    token is one or more ASCII letters, digits or `-`. So `Key : value` is a trailer, while
//!    `Not a key: value`, `foo_bar: x`, `Bug #43: x`, `Clé: x` and `: value` are not.
//! 6. **Output** (`--parse` = `--only-trailers --only-input --unfold`): lines of the block that are
//!    not trailers (prose admitted by the 25% rule, `(cherry picked from commit …)`, comments) are
//!    dropped. Key and value are trimmed of whitespace; each newline in a folded value, together
//!    with the whitespace after it, becomes one space (`unfold_value`), and the result is trimmed
//!    again. An empty value (`Key:`) is kept as `""`; git prints it as `Key: ` (with the space).
//!
//! Keys and values are converted to `String` lossily (invalid UTF-8 becomes U+FFFD) only at the
//! very end; the parse itself works on bytes, like git.
//!
//! # `---` in `git log --format=%(trailers)` versus `git interpret-trailers`
//!
//! Verified with git 2.47.3 (and see `pretty.c`, which sets `opts.no_divider = 1` for
//! `%(trailers)` and hands the trailer code `msg + subject_off`):
//!
//! * `git interpret-trailers --parse` treats a `---` line as the start of a patch and parses only
//!   what is above it: `"T\n\nKey: v\n---\nMore: x\n"` gives `Key: v`.
//! * `git log --format='%(trailers:unfold,only)'` ignores the divider: a `---` line is an ordinary
//!   (non-trailer) line, and text after it is part of the message. The same commit message gives
//!   no trailers at all (the last paragraph `Key: v / --- / More: x` is not all trailers), and
//!   `"T\n\nBody\n\n---\nstat\n\nKey: v\n"` gives `Key: v` in `git log` but nothing in
//!   `interpret-trailers`.
//! * `git log` also starts at the subject, i.e. after skipping leading blank (whitespace-only)
//!   lines, while `interpret-trailers` takes its input as is. So `"\nKey: v\n"` has the trailer
//!   `Key: v` for `interpret-trailers` (its title paragraph is empty) and none for `git log`
//!   (`Key: v` is the subject).
//!
//! [`Divider::Ignore`] reproduces the `git log` behaviour, both parts of it; [`Divider::Honour`]
//! (what [`parse`] uses) reproduces `git interpret-trailers`. The comment, scissors-line and
//! `Conflicts:` rules apply in both modes. Use `Ignore` for messages read from commits.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Lines starting with one of these count as trailers in the 25% rule (`git_generated_prefixes`).
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// git's default `core.commentChar`.
const COMMENT: u8 = b'#';

/// The scissors line of `git commit -v`, with the newlines that must precede and follow it
/// (`"\n" + comment_line_str + " " + cut_line` in `wt_status_locate_end`; git's `cut_line`
/// ends in a newline).
const CUT_LINE: &[u8] = b"\n# ------------------------ >8 ------------------------\n";

/// One trailer as `git interpret-trailers --parse` prints it: key and value trimmed, continuation
/// lines unfolded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The token before the `:`, trimmed (`Key : v` gives `Key`). Only ASCII letters, digits and
    /// `-`, by construction.
    pub key: String,
    /// The value after the `:`, trimmed and unfolded; may be empty.
    pub value: String,
}

impl Trailer {
    /// A trailer from its parts (taken as given, not validated or trimmed).
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Trailer {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Case-insensitive key comparison, as git matches keys (ASCII case folding, like
    /// `strncasecmp`): `Signed-Off-By` is `signed-off-by`.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

impl fmt::Display for Trailer {
    /// `key: value`, the way `git interpret-trailers --parse` prints it (an empty value gives
    /// `key: ` with the trailing space, as git does).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.value)
    }
}

/// Where the message ends for trailer purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divider {
    /// Stop at the first line starting with `---` followed by whitespace (what
    /// `git interpret-trailers` does by default): that line and everything below it is a patch.
    Honour,
    /// Ignore `---` lines: they are ordinary text. This is what git does for
    /// `git log --format=%(trailers)` (verified against git 2.47, see the module docs), and, to
    /// match `git log` completely, leading blank lines are skipped before the title, as `git log`
    /// does. Use this for commit messages.
    Ignore,
}

/// Trailers of the final trailer block, as `git interpret-trailers --parse` (Divider::Honour)
/// reports them.
pub fn parse(message: &[u8]) -> Vec<Trailer> {
    parse_with(message, Divider::Honour)
}

/// Trailers of the final trailer block, with the given treatment of `---` lines:
/// [`Divider::Honour`] is `git interpret-trailers --parse`, [`Divider::Ignore`] is
/// `git log --format='%(trailers:unfold,only)'`.
pub fn parse_with(message: &[u8], divider: Divider) -> Vec<Trailer> {
    let a = Analysis::new(message, divider);
    block_items(&a.buf[a.block.clone()])
        .iter()
        .filter_map(|item| item_to_trailer(item))
        .collect()
}

/// Byte range of the final trailer block in `message` (empty, at the end of the log message, when
/// there is none). Lines in it that are not trailers are part of the block, too.
pub fn block_range(message: &[u8], divider: Divider) -> Range<usize> {
    let a = Analysis::new(message, divider);
    // The newline `interpret-trailers` adds to an incomplete last line is not in `message`.
    let end = (a.base + a.block.end).min(message.len());
    (a.base + a.block.start).min(end)..end
}

/// Lines in the message body, outside the final trailer block, that look like
/// `<Prefix><anything>: value` where the key starts with `prefix` case-insensitively (e.g.
/// "Lead-"): trailers stranded by a squash merge. Returns (1-based line number in the message,
/// Trailer).
///
/// The final trailer block is located as `git log` does ([`Divider::Ignore`]); use
/// [`stranded_with`] to choose. A line qualifies if, after its leading whitespace (the 4-space
/// indent of `git merge --squash` messages), it is a trailer line by git's rules (see the module
/// docs) whose key starts with `prefix`. Comment lines and anything git ignores at the end (see
/// rule 2) are skipped; lines of the title paragraph are included, since git never reads
/// trailers there either. The value is that line's rest, trimmed; continuation lines are not
/// followed.
pub fn stranded(message: &[u8], prefix: &str) -> Vec<(usize, Trailer)> {
    stranded_with(message, prefix, Divider::Ignore)
}

/// [`stranded`], with the final trailer block and the end of the message located according to
/// `divider`.
pub fn stranded_with(message: &[u8], prefix: &str, divider: Divider) -> Vec<(usize, Trailer)> {
    let a = Analysis::new(message, divider);
    let prefix = prefix.as_bytes();
    // Line number of the first byte of `a.buf` in the original message.
    let mut line_no = 1 + message[..a.base].iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < a.block.start {
        let next = next_line(&a.buf, pos);
        let line = &a.buf[pos..next.min(a.block.start)];
        if line.first() != Some(&COMMENT) {
            let body = trim_start(line);
            if let Some(sep) = find_separator(body).filter(|&s| s >= 1) {
                let key = trim(&body[..sep]);
                if key.len() >= prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix) {
                    let value = trim(&body[sep + 1..]);
                    out.push((line_no, Trailer::new(lossy(key), lossy(value))));
                }
            }
        }
        line_no += 1;
        pos = next;
    }
    out
}

/// Whether `key` is a token git recognises as a trailer key: one or more ASCII letters, digits
/// or `-`. [`compose`] only round-trips keys for which this holds.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Build a message ending in a trailer block that git parses back: `subject`, optional body
/// paragraphs, then `Key: value` lines.
///
/// The result is `subject\n`, then `\n<body>\n` if the body is not blank, then `\n` and one
/// `Key: value` line per trailer if there are any. For `parse` (and `parse_with(.., Ignore)`) to
/// return exactly `trailers` (values trimmed), keys must satisfy [`is_valid_key`] and the subject
/// must not be blank (`git log` would otherwise take the next paragraph as the subject).
///
/// To keep the guarantee, the inputs are normalised:
/// * NUL bytes are removed everywhere (git stops reading at one);
/// * a multi-line subject is joined into one line with spaces;
/// * leading and trailing blank lines of the body are dropped, and any line of the subject or
///   body that git would take as a `---` divider or as the scissors line gets one leading space;
/// * keys and values are trimmed; an empty value is written `Key:`; a multi-line value is written
///   as continuation lines (blank lines dropped), so it parses back with each line break (and
///   the surrounding whitespace) turned into one space.
///
/// With no trailers, a body whose last paragraph looks like trailers is, of course, parsed as the
/// trailer block.
pub fn compose(subject: &str, body: &str, trailers: &[(&str, String)]) -> String {
    let subject = subject.replace('\0', "");
    let subject: Vec<&str> = subject
        .split('\n')
        .map(trim_str)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = escape_line(&subject.join(" "));
    out.push('\n');

    let body = body.replace('\0', "");
    let lines: Vec<&str> = body.split('\n').collect();
    let first = lines.iter().position(|l| !is_blank(l.as_bytes()));
    let last = lines.iter().rposition(|l| !is_blank(l.as_bytes()));
    if let (Some(first), Some(last)) = (first, last) {
        out.push('\n');
        for line in &lines[first..=last] {
            out.push_str(&escape_line(line));
            out.push('\n');
        }
    }

    if !trailers.is_empty() {
        out.push('\n');
        for (key, value) in trailers {
            out.push_str(trim_str(&key.replace('\0', "")));
            out.push(':');
            let value = value.replace('\0', "");
            let mut value_lines = value.split('\n').map(trim_str).filter(|l| !l.is_empty());
            if let Some(first) = value_lines.next() {
                out.push(' ');
                out.push_str(first);
                for more in value_lines {
                    out.push_str("\n ");
                    out.push_str(more);
                }
            }
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The port of git's algorithm. Offsets are into `Analysis::buf`, which is what git sees: the
// message up to its first NUL, after the leading blank lines for `Divider::Ignore`.

/// Where things are in one message.
struct Analysis<'a> {
    /// The text git works on.
    buf: Cow<'a, [u8]>,
    /// Offset of `buf` in the original message.
    base: usize,
    /// The final trailer block (`trailer_block_start..trailer_block_end`); empty when none.
    block: Range<usize>,
}

impl<'a> Analysis<'a> {
    fn new(message: &'a [u8], divider: Divider) -> Self {
        let nul = message.iter().position(|&b| b == 0);
        let full = &message[..nul.unwrap_or(message.len())];
        let (base, buf) = match divider {
            // `interpret-trailers` completes an incomplete last line (`strbuf_complete_line`)
            // before anything else; with a NUL in the input, that newline lands after the NUL.
            Divider::Honour if nul.is_none() && message.last().is_some_and(|&b| b != b'\n') => {
                let mut owned = full.to_vec();
                owned.push(b'\n');
                (0, Cow::Owned(owned))
            }
            Divider::Honour => (0, Cow::Borrowed(full)),
            Divider::Ignore => {
                let base = skip_blank_lines(full);
                (base, Cow::Borrowed(&full[base..]))
            }
        };
        let end = find_end_of_log_message(&buf, divider == Divider::Honour);
        let start = find_trailer_block_start(&buf, end);
        Analysis {
            buf,
            base,
            block: start..end,
        }
    }
}

/// git's `isspace` (`sane_ctype`): space, tab, newline and carriage return only.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Start of the line after the one at `pos` (or the end of `buf`).
fn next_line(buf: &[u8], pos: usize) -> usize {
    match buf[pos..].iter().position(|&b| b == b'\n') {
        Some(i) => pos + i + 1,
        None => buf.len(),
    }
}

/// `last_line`: start of the last line of `buf[..len]` (a final newline belongs to that line).
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1),
        ),
    }
}

/// trailer.c's `is_blank_line`: the line at `pos` is only whitespace.
fn is_blank_line(buf: &[u8], pos: usize) -> bool {
    buf[pos..]
        .iter()
        .find(|&&b| !(b != b'\n' && is_space(b)))
        .is_none_or(|&b| b == b'\n')
}

/// Whether a whole string is only whitespace.
fn is_blank(s: &[u8]) -> bool {
    s.iter().all(|&b| is_space(b))
}

/// pretty.c's `skip_blank_lines`, as `git log` applies it before the subject: the offset of the
/// first line that is not only whitespace.
fn skip_blank_lines(buf: &[u8]) -> usize {
    let mut pos = 0;
    while pos < buf.len() {
        let next = next_line(buf, pos);
        if !is_blank(&buf[pos..next]) {
            break;
        }
        pos = next;
    }
    pos
}

/// `find_end_of_log_message`: the end of the part of `buf` that may hold the trailer block.
fn find_end_of_log_message(buf: &[u8], honour_divider: bool) -> usize {
    let mut end = buf.len();
    if honour_divider {
        let mut s = 0;
        while s < buf.len() {
            if buf[s..].starts_with(b"---") && buf.get(s + 3).is_some_and(|&b| is_space(b)) {
                end = s;
                break;
            }
            s = next_line(buf, s);
        }
    }
    end - ignored_log_message_bytes(buf, end)
}

/// `wt_status_locate_end`: where the scissors line starts (searched in all of `buf`), capped
/// at `len`.
fn locate_cut_line(buf: &[u8], len: usize) -> usize {
    if buf.starts_with(&CUT_LINE[1..]) {
        0
    } else if let Some(p) = buf.windows(CUT_LINE.len()).position(|w| w == CUT_LINE) {
        (p + 1).min(len)
    } else {
        len
    }
}

/// commit.c's `ignored_log_message_bytes`: how many bytes at the end of `buf[..len]` git ignores
/// (the scissors line and below, and a trailing run of comments, empty lines and `Conflicts:`
/// blocks). The `boc == 0` sentinel is git's, quirks included.
fn ignored_log_message_bytes(buf: &[u8], len: usize) -> usize {
    let mut boc = 0;
    let mut bol = 0;
    let mut in_old_conflicts_block = false;
    let cutoff = locate_cut_line(buf, len);

    while bol < cutoff {
        let next = match buf[bol..len].iter().position(|&b| b == b'\n') {
            Some(i) => bol + i + 1,
            None => len,
        };
        if buf[bol] == COMMENT || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // A pathname in the conflicts block.
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 {
        len - boc
    } else {
        len - cutoff
    }
}

/// `find_separator` with the default separators (`:`): the offset of the separator if the line
/// is `<token><optional whitespace>:...` or starts with `:`.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// `find_trailer_block_start`: the start of the final trailer block in `buf[..len]`, or `len`.
fn find_trailer_block_start(buf: &[u8], len: usize) -> usize {
    // The first paragraph is the title and cannot be trailers.
    let mut s = 0;
    while s < len {
        if buf[s] != COMMENT && is_blank_line(buf, s) {
            break;
        }
        s = next_line(buf, s);
    }
    let end_of_title = s;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    // Whitespace-led lines: continuations if a trailer comes above them, non-trailers otherwise.
    let mut possible_continuation_lines = 0usize;

    let mut l = last_line(buf, len);
    while let Some(bol) = l {
        if bol < end_of_title {
            break;
        }
        l = last_line(buf, bol);

        if buf[bol] == COMMENT {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(buf, bol) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            let block = if recognized_prefix {
                trailer_lines * 3 >= non_trailer_lines
            } else {
                trailer_lines > 0 && non_trailer_lines == 0
            };
            // `recognized_prefix` implies `trailer_lines > 0`, and all-trailers satisfies 25%.
            return if block { next_line(buf, bol) } else { len };
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES
            .iter()
            .any(|p| buf[bol..].starts_with(p))
        {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }

        let separator = find_separator(&buf[bol..]);
        if separator.is_some_and(|p| p >= 1) && !is_space(buf[bol]) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(buf[bol]) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

/// `trailer_info_get`: split the block into items, appending each whitespace-led line to the
/// trailer above it.
fn block_items(block: &[u8]) -> Vec<Vec<u8>> {
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<usize> = None;
    for line in block.split_inclusive(|&b| b == b'\n') {
        if let (Some(i), Some(&first)) = (last, line.first()) {
            if is_space(first) {
                items[i].extend_from_slice(line);
                continue;
            }
        }
        last = find_separator(line)
            .filter(|&p| p >= 1)
            .map(|_| items.len());
        items.push(line.to_vec());
    }
    items
}

/// `parse_trailers` with `--only-trailers --unfold`: the trailer in one item, if it is one.
fn item_to_trailer(item: &[u8]) -> Option<Trailer> {
    if item.first() == Some(&COMMENT) {
        return None;
    }
    let sep = find_separator(item).filter(|&p| p >= 1)?;
    let key = trim(&item[..sep]);
    let value = unfold_value(trim(&item[sep + 1..]));
    Some(Trailer::new(lossy(key), lossy(&value)))
}

/// `unfold_value`: each newline plus the whitespace after it becomes one space; then trim.
fn unfold_value(val: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(val.len());
    let mut i = 0;
    while i < val.len() {
        let c = val[i];
        i += 1;
        if c == b'\n' {
            while i < val.len() && is_space(val[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// `strbuf_trim` with git's `isspace`.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// Leading whitespace removed (git's `isspace`).
fn trim_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    &s[start..]
}

/// [`trim`] for `str` (only ASCII bytes are removed, so the result stays valid UTF-8).
fn trim_str(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A line that git would take as a `---` divider or as the scissors line gets a leading space.
fn escape_line(line: &str) -> String {
    let b = line.as_bytes();
    let divider = b.starts_with(b"---") && b.get(3).is_none_or(|&c| is_space(c));
    let scissors = b.starts_with(&CUT_LINE[1..CUT_LINE.len() - 1]);
    if divider || scissors {
        format!(" {line}")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn kv(message: &[u8]) -> Vec<(String, String)> {
        parse(message)
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    fn kv_log(message: &[u8]) -> Vec<(String, String)> {
        parse_with(message, Divider::Ignore)
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn simple_block() {
        assert_eq!(
            kv(b"Subject\n\nBody text.\n\nReviewed-by: A <a@x>\nSigned-off-by: B <b@x>\n"),
            pairs(&[("Reviewed-by", "A <a@x>"), ("Signed-off-by", "B <b@x>")])
        );
    }

    #[test]
    fn only_the_last_paragraph() {
        assert_eq!(kv(b"T\n\nA: 1\n\nB: 2\n"), pairs(&[("B", "2")]));
    }

    #[test]
    fn title_is_never_trailers() {
        assert!(kv(b"Key: value\n").is_empty());
        assert!(kv(b"Key: value\nOther: thing\n").is_empty());
        assert!(kv(b"Just a title").is_empty());
        assert!(kv(b"").is_empty());
        assert_eq!(kv(b"T\nmore title\n\nKey: v\n"), pairs(&[("Key", "v")]));
        // A comment line does not end the title paragraph.
        assert!(kv(b"T\n#\nKey: v\n").is_empty());
    }

    #[test]
    fn leading_blank_line_differs_between_modes() {
        assert_eq!(kv(b"\nKey: value\n"), pairs(&[("Key", "value")]));
        assert!(kv_log(b"\nKey: value\n").is_empty());
        assert!(kv_log(b" \r\n\t\nKey: value\n").is_empty());
        assert_eq!(kv_log(b"\n\nT\n\nKey: value\n"), pairs(&[("Key", "value")]));
    }

    #[test]
    fn separator_rules() {
        assert_eq!(
            kv(b"T\n\nKey : value\nTab\t: v\n3rd-Party-42: x\n-Lead: y\n"),
            pairs(&[
                ("Key", "value"),
                ("Tab", "v"),
                ("3rd-Party-42", "x"),
                ("-Lead", "y")
            ])
        );
        for bad in [
            &b"T\n\nNot a key: value\n"[..],
            b"T\n\nfoo_bar: v\n",
            b"T\n\nBug #43: fixed\n",
            b"T\n\nCl\xc3\xa9: v\n",
            b"T\n\nKey: v\n: orphan\n",
            b"T\n\nKey\x0b: v\n",
            b"T\n\nKey - v\n",
        ] {
            assert!(kv(bad).is_empty(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(find_separator(b"Key: v"), Some(3));
        assert_eq!(find_separator(b": v"), Some(0));
        assert_eq!(find_separator(b" Key: v"), None);
        assert_eq!(find_separator(b"Key  \t: v"), Some(6));
        assert_eq!(find_separator(b"Key x: v"), None);
    }

    #[test]
    fn empty_values_and_trimming() {
        assert_eq!(
            kv(b"T\n\nKey:\nOther:   \t\nTabs:\tvalue\twith\ttabs\t\n"),
            pairs(&[("Key", ""), ("Other", ""), ("Tabs", "value\twith\ttabs")])
        );
        assert_eq!(Trailer::new("Key", "").to_string(), "Key: ");
    }

    #[test]
    fn continuation_lines_unfold() {
        assert_eq!(
            kv(b"T\n\nKey: first\n  second\n\tthird\nOther: x\n"),
            pairs(&[("Key", "first second third"), ("Other", "x")])
        );
        // A whitespace-only line is a blank line: it separates paragraphs.
        assert!(kv(b"T\n\nKey: a\n \n  b\n").is_empty());
        // Whitespace-led lines with no trailer above them are not trailers.
        assert!(kv(b"T\n\n  indented\nKey: v\n").is_empty());
        // Trailing whitespace-only lines are swallowed as continuations.
        assert_eq!(kv(b"T\n\nKey: a\n   \n\t\n"), pairs(&[("Key", "a")]));
        assert_eq!(unfold_value(b"a\n \n  b"), b"a b".to_vec());
    }

    #[test]
    fn git_generated_prefix_and_the_25_percent_rule() {
        let three = b"T\n\nSigned-off-by: A\nprose 1\nprose 2\nprose 3\n";
        assert_eq!(kv(three), pairs(&[("Signed-off-by", "A")]));
        let four = b"T\n\nSigned-off-by: A\nprose 1\nprose 2\nprose 3\nprose 4\n";
        assert!(kv(four).is_empty());
        // Case-sensitive, and the space after the colon is part of the prefix.
        assert!(kv(b"T\n\nsigned-off-by: A\nprose\n").is_empty());
        assert!(kv(b"T\n\nSigned-off-by:A\nprose\n").is_empty());
        assert_eq!(
            kv(b"T\n\nprose\n(cherry picked from commit abc)\nKey: v\n"),
            pairs(&[("Key", "v")])
        );
        // Comment lines are not counted in the ratio.
        assert_eq!(
            kv(b"T\n\nSigned-off-by: A\n# 1\n# 2\n# 3\nprose\n"),
            pairs(&[("Signed-off-by", "A")])
        );
        // But whitespace-led lines below a comment are non-trailers.
        assert!(kv(b"T\n\nSigned-off-by: A\n# 1\n  a\n  b\n  c\n  d\n").is_empty());
        assert_eq!(
            kv(b"T\n\n  indented\nSigned-off-by: x\n"),
            pairs(&[("Signed-off-by", "x")])
        );
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            kv(b"T\n\nKey: v\n# comment\nOther: w\n"),
            pairs(&[("Key", "v"), ("Other", "w")])
        );
        assert_eq!(
            kv(b"T\n\nKey: v\n\n# Please enter the message\n#\n"),
            pairs(&[("Key", "v")])
        );
        assert_eq!(kv(b"# c\nT\n\nKey: v\n"), pairs(&[("Key", "v")]));
    }

    #[test]
    fn cut_line() {
        let msg =
            b"T\n\nKey: v\n# ------------------------ >8 ------------------------\nOther: y\n";
        assert_eq!(kv(msg), pairs(&[("Key", "v")]));
        assert_eq!(kv_log(msg), pairs(&[("Key", "v")]));
        assert!(
            kv(b"# ------------------------ >8 ------------------------\nT\n\nK: v\n").is_empty()
        );
        // The cut line must be at the start of a line; indented, it is a continuation line.
        assert_eq!(
            kv(b"T\n\nK: v\n # ------------------------ >8 ------------------------\n"),
            pairs(&[(
                "K",
                "v # ------------------------ >8 ------------------------"
            )])
        );
        // It must fill its line: followed by anything but `\n`, it is just a comment line.
        let msg = b"# ------------------------ >8 ------------------------x\n\nA: b\n";
        assert_eq!(kv(msg), pairs(&[("A", "b")]));
        let msg =
            b"T\n\nX: y\n# ------------------------ >8 ------------------------\r\nf\n\nA: b\n";
        assert_eq!(kv(msg), pairs(&[("A", "b")]));
        // A cut line below the divider: the divider wins.
        assert_eq!(
            kv(b"T\n\nK: v\n---\n# ------------------------ >8 ------------------------\n"),
            pairs(&[("K", "v")])
        );
    }

    #[test]
    fn divider() {
        let msg = b"T\n\nKey: v\n---\nMore: x\n";
        assert_eq!(kv(msg), pairs(&[("Key", "v")]));
        assert!(kv_log(msg).is_empty());
        let patch = b"T\n\nBody\n\n---\nstat\n\nKey: v\n";
        assert!(kv(patch).is_empty());
        assert_eq!(kv_log(patch), pairs(&[("Key", "v")]));
        assert_eq!(kv(b"T\n\nA: b\n--- \nC: d\n"), pairs(&[("A", "b")]));
        assert_eq!(kv(b"T\n\nA: b\n---\r\nC: d\n"), pairs(&[("A", "b")]));
        // `----`, and `---` at the very end without a newline, are not dividers.
        assert!(kv(b"T\n\nA: b\n----\nC: d\n").is_empty());
        // `interpret-trailers` completes the last line, so a final `---` is a divider there;
        // `git log` does not, so it is an ordinary line there.
        assert_eq!(kv(b"T\n\nA: b\n---"), pairs(&[("A", "b")]));
        assert!(kv_log(b"T\n\nA: b\n---").is_empty());
        assert_eq!(block_range(b"T\n\nA: b", Divider::Honour), 3..7);
        assert!(kv(b"--- T\n\nKey: v\n").is_empty());
    }

    #[test]
    fn crlf() {
        assert_eq!(
            kv(b"T\r\n\r\nBody\r\n\r\nKey: v\r\nOther: w\r\n\r\n"),
            pairs(&[("Key", "v"), ("Other", "w")])
        );
    }

    #[test]
    fn conflicts_block_is_ignored() {
        assert_eq!(
            kv(b"T\n\nKey: v\n\nConflicts:\n\tfile.c\n\tb.c\n"),
            pairs(&[("Key", "v")])
        );
        assert!(kv(b"T\n\nKey: v\n\nConflicts:\n\tfile.c\nmore\n").is_empty());
    }

    #[test]
    fn non_utf8_and_nul() {
        assert_eq!(kv(b"T\n\nKey: caf\xe9\n"), pairs(&[("Key", "caf\u{fffd}")]));
        assert_eq!(kv(b"T\xff\n\nKey: v\n"), pairs(&[("Key", "v")]));
        assert_eq!(kv(b"T\n\nA: b\0C: d\n"), pairs(&[("A", "b")]));
    }

    #[test]
    fn ignored_bytes_quirk_at_offset_zero() {
        // git's `boc == 0` sentinel: a comment run starting at offset 0 restarts on the next line.
        assert_eq!(ignored_log_message_bytes(b"# a\n# b\n", 8), 4);
        assert_eq!(ignored_log_message_bytes(b"T\n\n# a\n", 7), 5);
    }

    #[test]
    fn key_is_case_insensitive() {
        let t = Trailer::new("Signed-Off-By", "x");
        assert!(t.key_is("signed-off-by"));
        assert!(!t.key_is("signed-off"));
    }

    #[test]
    fn block_range_points_into_the_message() {
        let msg = b"\nT\n\nKey: v\n---\n";
        let r = block_range(msg, Divider::Honour);
        assert_eq!(&msg[r], b"Key: v\n");
        let r = block_range(msg, Divider::Ignore);
        assert_eq!(r, msg.len()..msg.len());
        let msg = b"\nT\n\nKey: v\n";
        let r = block_range(msg, Divider::Ignore);
        assert_eq!(&msg[r], b"Key: v\n");
    }

    #[test]
    fn stranded_trailers() {
        let msg = b"Squash (#12)\n\n* one\n\nLead-Step: a\n\n* two\n\n    lead-gate : b\n# Lead-X: c\n\nLead-Step: final\nSigned-off-by: x\n";
        let found = stranded(msg, "Lead-");
        assert_eq!(
            found,
            vec![
                (5, Trailer::new("Lead-Step", "a")),
                (9, Trailer::new("lead-gate", "b")),
            ]
        );
        // Line numbers count the leading blank lines that `Divider::Ignore` skips.
        assert_eq!(
            stranded(b"\n\nT\nLead-A: 1\n\nLead-B: 2\n", "lead-"),
            vec![(4, Trailer::new("Lead-A", "1"))]
        );
        // Below a divider: part of the message for git log, gone for interpret-trailers.
        let msg = b"T\n\nLead-A: 1\n---\nLead-B: 2\n\nOther: x\n";
        assert_eq!(
            stranded(msg, "Lead-"),
            vec![
                (3, Trailer::new("Lead-A", "1")),
                (5, Trailer::new("Lead-B", "2"))
            ]
        );
        assert!(stranded_with(msg, "Lead-", Divider::Honour).is_empty());
        // Nothing after the cut line.
        let msg = b"T\n\nx\n# ------------------------ >8 ------------------------\nLead-A: 1\n";
        assert!(stranded(msg, "Lead-").is_empty());
    }

    #[test]
    fn compose_round_trips() {
        let trailers = [
            ("Lead-Step", "design".to_owned()),
            ("Empty", String::new()),
            ("Multi", "one\n\n  two  \r\nthree".to_owned()),
        ];
        let msg = compose("Subject", "Body line\n\n---\nmore\n", &trailers);
        assert_eq!(
            msg,
            "Subject\n\nBody line\n\n ---\nmore\n\nLead-Step: design\nEmpty:\nMulti: one\n two\n three\n"
        );
        let want = pairs(&[
            ("Lead-Step", "design"),
            ("Empty", ""),
            ("Multi", "one two three"),
        ]);
        assert_eq!(kv(msg.as_bytes()), want);
        assert_eq!(kv_log(msg.as_bytes()), want);
        assert_eq!(compose("Only\nsubject", " \n", &[]), "Only subject\n");
        assert!(is_valid_key("Lead-Step-2"));
        assert!(!is_valid_key("Lead Step"));
        assert!(!is_valid_key(""));
    }

    /// xorshift64*: enough randomness for property tests, no dependencies.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    fn random_key(rng: &mut Rng) -> String {
        const CHARS: &[u8] = b"abcXYZ019-";
        let len = 1 + rng.below(12);
        (0..len).map(|_| *rng.pick(CHARS) as char).collect()
    }

    fn random_text(rng: &mut Rng, max: usize) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            " ",
            "  ",
            "\t",
            ":",
            "-",
            "---",
            "#",
            "(",
            "é",
            "日本",
            "\r",
            "x: y",
            "Signed-off-by: ",
            "<a@b>",
            ">8",
        ];
        let len = rng.below(max + 1);
        (0..len).map(|_| *rng.pick(PIECES)).collect()
    }

    #[test]
    fn property_compose_then_parse() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..2000 {
            let subject = format!("S{}", random_text(&mut rng, 6));
            let body: String = (0..rng.below(4))
                .map(|_| random_text(&mut rng, 8))
                .collect::<Vec<_>>()
                .join("\n");
            let trailers: Vec<(String, String)> = (0..rng.below(5))
                .map(|_| (random_key(&mut rng), random_text(&mut rng, 8)))
                .collect();
            let refs: Vec<(&str, String)> = trailers
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            let msg = compose(&subject, &body, &refs);
            let want: Vec<(String, String)> = trailers
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        String::from_utf8_lossy(trim(v.as_bytes())).into_owned(),
                    )
                })
                .collect();
            if want.is_empty() {
                continue; // The body's last paragraph may legitimately look like trailers.
            }
            assert_eq!(kv(msg.as_bytes()), want, "round {round}: {msg:?}");
            assert_eq!(kv_log(msg.as_bytes()), want, "round {round}: {msg:?}");
            // Nothing composed as a trailer is reported as stranded.
            let first_trailer_line = msg.lines().count() - trailers.len() + 1;
            for (line, t) in stranded(msg.as_bytes(), "") {
                assert!(line < first_trailer_line, "round {round}: {t:?} in {msg:?}");
            }
        }
    }

    #[test]
    fn property_parse_never_panics_and_is_normalised() {
        const LINES: &[&[u8]] = &[
            b"Key: v",
            b"Signed-off-by: X",
            b"(cherry picked from commit 1)",
            b"  cont",
            b"\tcont",
            b"",
            b" ",
            b"\r",
            b"prose words",
            b"---",
            b"--- x",
            b"# comment",
            b"# ------------------------ >8 ------------------------",
            b"Conflicts:",
            b"\tpath",
            b"Key : v",
            b"a b: c",
            b"Key:",
            b": v",
            b"K\xe9: v\xff",
            b"\0",
        ];
        let mut rng = Rng(42);
        for _ in 0..3000 {
            let mut msg = Vec::new();
            for _ in 0..rng.below(10) {
                msg.extend_from_slice(LINES[rng.below(LINES.len())]);
                msg.extend_from_slice(if rng.below(5) == 0 { b"\r\n" } else { b"\n" });
            }
            if rng.below(3) == 0 {
                msg.pop();
            }
            for divider in [Divider::Honour, Divider::Ignore] {
                let r = block_range(&msg, divider);
                assert!(r.start <= r.end && r.end <= msg.len());
                for t in parse_with(&msg, divider) {
                    assert!(is_valid_key(&t.key), "{t:?}");
                    assert_eq!(t.value.trim_matches([' ', '\t', '\r', '\n']), t.value);
                    assert!(!t.value.contains('\n'));
                }
                for (line, _) in stranded_with(&msg, "", divider) {
                    assert!(line >= 1 && line <= 1 + msg.iter().filter(|&&b| b == b'\n').count());
                }
            }
        }
    }
}

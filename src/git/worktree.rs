//! Files in the working tree: listing proposal files and replacing a file atomically.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `content` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file and a failure leaves the old file as it was.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    replace(path, content, true)
}

/// [`write_atomic`] without waiting for the disk: for output that can be written again
/// (the pages of `board`), where a thousand waits for the disk would cost more than the
/// rest of the run.
pub fn write_replacing(path: &Path, content: &[u8]) -> Result<()> {
    replace(path, content, false)
}

fn replace(path: &Path, content: &[u8], sync: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.lead-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(content)?;
        if sync {
            f.sync_all()?;
        }
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Names of the `.toml` files directly inside `dir`; none when it does not exist.
pub fn toml_files(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // The entry's type needs no extra system call, but for a link (followed, as before).
        let file = match entry.file_type() {
            Ok(t) if t.is_symlink() => entry.path().is_file(),
            Ok(t) => t.is_file(),
            Err(_) => entry.path().is_file(),
        };
        if name.ends_with(".toml") && !name.starts_with('.') && file {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

//! The staging directory: local scratch files of uploads in flight (streamed and hashed here
//! before the store takes them) and of remote samples being analysed (downloaded here, then
//! mapped). Nothing else lives there.
//!
//! Who still needs a staged file is told by a lock, not by its age. Every staged file is
//! created locked ([`StagedFile::create`]: an exclusive `flock` on its open file, held by the
//! [`StagedFile`] until it is dropped or stored) and only then given its final name. The kernel
//! releases the lock when the process ends, however it ends, so a sweep ([`clean_staging`])
//! deletes exactly the files nobody holds: every file of a crashed process, at once, even when
//! the process was restarted a second later in the same pod (the `emptyDir` outlives a
//! container restart), and never a file of an upload in flight, in this process or in another
//! one sharing the directory (a volume every replica mounts). The service sweeps once at
//! start-up and then every [`STAGING_SWEEP_INTERVAL`] (the `staging-sweep` worker), which
//! catches the files of a peer that died and was not restarted.
//!
//! Two kinds of file fall back to their age ([`STAGED_MAX_IDLE`]): a file caught between its
//! creation and its lock (`.<name>.creating`, a window of one `open` and one `rename`), and any
//! file on a file system without `flock` (some network file systems), where no lock can be
//! taken or tested.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nexus_core::Sha256;
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Age past which a staged file whose lock cannot tell (see the module) is deleted: no upload
/// or download stays idle this long (every chunk written refreshes the mtime).
pub const STAGED_MAX_IDLE: Duration = Duration::from_secs(15 * 60);

/// How often the `staging-sweep` worker sweeps the staging directory after start-up.
pub const STAGING_SWEEP_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Bytes read from a stored object per read while it is downloaded.
pub(super) const COPY_BYTES: usize = 256 * 1024;

/// Suffix of a file being created (`.<name>.creating`), not locked yet.
const CREATING_SUFFIX: &str = ".creating";

/// A file in the staging directory, locked while it lives and deleted on drop unless a store
/// took it.
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
    keep: bool,
    /// The open file that holds the lock (closed after the file is deleted, in that order).
    lock: File,
}

impl StagedFile {
    /// Creates an empty, locked staged file `<kind>-<uuid>` in `dir`; returns it and a handle
    /// to write it through (the lock lasts while the [`StagedFile`] lives, whatever happens to
    /// the handle).
    pub(crate) async fn create(dir: &Path, kind: &str) -> io::Result<(Self, tokio::fs::File)> {
        let dir = dir.to_path_buf();
        let kind = kind.to_owned();
        let (staged, writer) =
            tokio::task::spawn_blocking(move || Self::create_blocking(&dir, &kind))
                .await
                .map_err(io::Error::other)??;
        Ok((staged, tokio::fs::File::from_std(writer)))
    }

    fn create_blocking(dir: &Path, kind: &str) -> io::Result<(Self, File)> {
        let name = format!("{kind}-{}", uuid::Uuid::now_v7().simple());
        // Created under a name sweeps judge by age, locked, then renamed: a sweep never sees
        // the final name unlocked while its owner lives.
        let creating = dir.join(format!(".{name}{CREATING_SUFFIX}"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&creating)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let _ = std::fs::remove_file(&creating);
                return Err(io::Error::other(format!(
                    "the new staged file {} is locked by someone else",
                    creating.display()
                )));
            }
            Err(TryLockError::Error(error)) => warn_no_locks(dir, &error),
        }
        let path = dir.join(name);
        if let Err(error) = std::fs::rename(&creating, &path) {
            let _ = std::fs::remove_file(&creating);
            return Err(error);
        }
        let staged = Self {
            path,
            keep: false,
            lock: file,
        };
        let writer = staged.lock.try_clone()?;
        Ok((staged, writer))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store moved the file away: do not delete it on drop.
    pub fn forget(mut self) {
        self.keep = true;
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
        // `lock` closes after this, releasing the lock of a file already gone.
    }
}

/// Logs once per process that the staging file system has no `flock`.
fn warn_no_locks(dir: &Path, error: &io::Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            dir = %dir.display(),
            error = %error,
            "The staging file system does not lock files: staged files left by a crash are deleted after {} min instead of at once.",
            STAGED_MAX_IDLE.as_secs() / 60
        );
    }
}

/// Deletes the staged files nobody holds (see the module): files of a crashed process at once,
/// files whose lock cannot tell once idle for `max_idle`; files of uploads and downloads in
/// flight, in any process, are kept. Returns how many were deleted; a file that cannot be
/// deleted is logged and skipped (the next sweep tries again).
pub fn clean_staging(staging: &Path, max_idle: Duration) -> io::Result<usize> {
    let mut deleted = 0;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        if !metadata.is_file() {
            continue;
        }
        let path = entry.path();
        let creating = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with('.') && name.ends_with(CREATING_SUFFIX));
        // Held while the file is deleted: nobody can take the file back meanwhile.
        let mut held = None;
        let garbage = if creating {
            idle(&metadata, max_idle)
        } else {
            match File::open(&path) {
                Ok(file) => match file.try_lock() {
                    Ok(()) => {
                        held = Some(file);
                        true
                    }
                    Err(TryLockError::WouldBlock) => false,
                    Err(TryLockError::Error(_)) => idle(&metadata, max_idle),
                },
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(_) => idle(&metadata, max_idle),
            }
        };
        if garbage {
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::warn!(path = %path.display(), error = %error, "Deleting a leftover staged file failed.");
                }
            }
        }
        drop(held);
    }
    Ok(deleted)
}

/// Whether a file was last written `max_idle` ago or more (an unreadable time counts as idle).
fn idle(metadata: &std::fs::Metadata, max_idle: Duration) -> bool {
    metadata
        .modified()
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_none_or(|age| age >= max_idle)
}

/// Copies a stored sample the store announced as `declared` bytes from `reader` into
/// `writer`, hashing it on the way. Refuses a body longer than declared as soon as it passes
/// (`InvalidData`; nothing past `declared` is written) and one shorter (`UnexpectedEof`), so a
/// download never fills more disk than the size checked against the limit. Returns the
/// SHA-256 of the bytes copied.
pub async fn copy_declared<R, W>(reader: R, writer: &mut W, declared: u64) -> io::Result<Sha256>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = reader.take(declared.saturating_add(1));
    let mut buffer = vec![0_u8; COPY_BYTES];
    let mut hasher = sha2::Sha256::new();
    let mut copied: u64 = 0;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        copied = copied.saturating_add(read as u64);
        if copied > declared {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the stored sample sent more than its declared {declared} bytes"),
            ));
        }
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read]).await?;
    }
    if copied < declared {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the stored sample ended after {copied} of its declared {declared} bytes"),
        ));
    }
    writer.flush().await?;
    Ok(Sha256::from_digest(hasher.finalize().into()))
}

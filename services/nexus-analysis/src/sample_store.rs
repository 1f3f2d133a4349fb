//! The sample store: content-addressed bytes, behind a trait so an S3-compatible backend can
//! replace the local directory.
//!
//! Uploads never sit whole in memory: [`stage_upload`] streams the request body into a file in
//! the store's staging directory while hashing it, enforcing the size limit as it goes; the
//! staged file is then handed to [`SampleStore::put`] under its SHA-256 (a rename for the local
//! store, an upload for an object store). A staged file that is not put is deleted on drop.

use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWriteExt};

use crate::domain::hex;
use crate::error::AnalysisError;

/// A readable stored sample.
pub type SampleReader = Pin<Box<dyn AsyncRead + Send>>;

/// Where samples live, addressed by lower-case SHA-256.
pub trait SampleStore: Send + Sync + Debug + 'static {
    /// Directory on local disk where uploads are staged before [`SampleStore::put`].
    fn staging_dir(&self) -> &Path;

    /// Stores the staged file at `staged` as `sha256` (consuming it). Storing bytes that are
    /// already present is not an error.
    fn put<'a>(&'a self, sha256: &'a str, staged: StagedFile) -> BoxFuture<'a, io::Result<()>>;

    /// Opens a stored sample for reading; `io::ErrorKind::NotFound` when absent.
    fn open<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<(SampleReader, u64)>>;

    /// Whether `sha256` is stored.
    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<bool>>;

    /// Removes a stored sample (absent is not an error).
    fn delete<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<()>>;

    /// The sample's path on local disk, when the store keeps samples there (YARA can then scan
    /// the file in place, mapped, instead of reading it). `None` for remote stores.
    fn local_path(&self, _sha256: &str) -> Option<PathBuf> {
        None
    }
}

/// Samples as files under a local directory: `<root>/<aa>/<bb>/<sha256>`, staging in
/// `<root>/tmp` (same file system, so `put` is an atomic rename).
#[derive(Debug, Clone)]
pub struct LocalSampleStore {
    root: PathBuf,
    staging: PathBuf,
}

impl LocalSampleStore {
    /// A store rooted at `root`; creates the directories.
    pub fn open_dir(root: &Path) -> io::Result<Self> {
        let staging = root.join("tmp");
        std::fs::create_dir_all(&staging)?;
        Ok(Self {
            root: root.to_path_buf(),
            staging,
        })
    }

    fn path_of(&self, sha256: &str) -> io::Result<PathBuf> {
        if !crate::domain::is_sha256(sha256) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a sample address must be a SHA-256",
            ));
        }
        Ok(self
            .root
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256))
    }
}

impl SampleStore for LocalSampleStore {
    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn put<'a>(&'a self, sha256: &'a str, staged: StagedFile) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let target = self.path_of(sha256)?;
            if tokio::fs::try_exists(&target).await? {
                return Ok(()); // `staged` is dropped, which deletes it.
            }
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::rename(staged.path(), &target).await?;
            staged.forget();
            Ok(())
        })
    }

    fn open<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<(SampleReader, u64)>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(self.path_of(sha256)?).await?;
            let size = file.metadata().await?.len();
            let reader: SampleReader = Box::pin(file);
            Ok((reader, size))
        })
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move { tokio::fs::try_exists(self.path_of(sha256)?).await })
    }

    fn delete<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path_of(sha256)?).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            }
        })
    }

    fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        self.path_of(sha256).ok()
    }
}

/// A file in the staging directory, deleted on drop unless a store took it.
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
    keep: bool,
}

impl StagedFile {
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
    }
}

/// A staged upload: the file, its SHA-256 and its size.
#[derive(Debug)]
pub struct Staged {
    /// The staged file.
    pub file: StagedFile,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Streams `body` into a new file under `staging_dir`, hashing as it goes; fails with
/// `SampleTooLarge` as soon as more than `limit` bytes arrived (the partial file is deleted).
pub async fn stage_upload<S, E>(
    mut body: S,
    staging_dir: &Path,
    limit: u64,
) -> Result<Staged, AnalysisError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
{
    let path = staging_dir.join(format!("upload-{}", uuid::Uuid::now_v7().simple()));
    let staged = StagedFile { path, keep: false };
    let file = tokio::fs::File::create(staged.path())
        .await
        .map_err(AnalysisError::Store)?;
    let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| AnalysisError::UploadInterrupted)?;
        size = size.saturating_add(chunk.len() as u64);
        if size > limit {
            return Err(AnalysisError::SampleTooLarge { limit });
        }
        hasher.update(&chunk);
        writer
            .write_all(&chunk)
            .await
            .map_err(AnalysisError::Store)?;
    }
    if size == 0 {
        return Err(AnalysisError::EmptySample);
    }
    writer.flush().await.map_err(AnalysisError::Store)?;
    writer
        .into_inner()
        .sync_all()
        .await
        .map_err(AnalysisError::Store)?;
    Ok(Staged {
        file: staged,
        sha256: hex(&hasher.finalize()),
        size,
    })
}

/// Reads a whole stored sample (for the engine, which works on bytes), refusing more than
/// `limit` bytes.
pub async fn read_sample(store: &dyn SampleStore, sha256: &str, limit: u64) -> io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let (reader, size) = store.open(sha256).await?;
    if size > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("stored sample is {size} bytes, over the {limit}-byte limit"),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.take(limit).read_to_end(&mut bytes).await?;
    Ok(bytes)
}

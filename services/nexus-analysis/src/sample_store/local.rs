//! The default sample store: files under a local directory (one machine, or a volume every
//! replica mounts).
//!
//! Why ours rather than `object_store`'s `LocalFileSystem`: an upload is staged on the same file
//! system as the store, so storing it is one atomic `rename`, no copy (`LocalFileSystem::put`
//! takes the bytes in memory, or copies them through its multipart writer); and the engine and
//! retrohunts map the stored file read-only in place ([`SampleStore::local_path`], see
//! `mapped`), which needs the file's path, not a byte stream. The S3 backend is
//! [`super::object::ObjectSampleStore`].

use std::io;
use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;
use nexus_core::Sha256;

use super::{SampleReader, SampleStore, StagedFile};

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

    /// Where `sha256` lives. The type guarantees 64 hex digits, so the text cannot climb out
    /// of the root (no separators, no `..`).
    fn path_of(&self, sha256: &Sha256) -> PathBuf {
        let text = sha256.as_str();
        self.root.join(&text[0..2]).join(&text[2..4]).join(text)
    }
}

impl SampleStore for LocalSampleStore {
    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn put<'a>(&'a self, sha256: &'a Sha256, staged: StagedFile) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let target = self.path_of(sha256);
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

    fn open<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<(SampleReader, u64)>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(self.path_of(sha256)).await?;
            let size = file.metadata().await?.len();
            let reader: SampleReader = Box::pin(file);
            Ok((reader, size))
        })
    }

    fn exists<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move { tokio::fs::try_exists(self.path_of(sha256)).await })
    }

    fn delete<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path_of(sha256)).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            }
        })
    }

    fn local_path(&self, sha256: &Sha256) -> Option<PathBuf> {
        Some(self.path_of(sha256))
    }
}

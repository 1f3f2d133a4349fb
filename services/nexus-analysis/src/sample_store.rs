//! The sample store: content-addressed bytes behind the [`SampleStore`] trait, with two
//! backends selected by `analysis.samples.backend`: [`LocalSampleStore`] (files under
//! `analysis.store_dir`, the default) and [`ObjectSampleStore`] (an S3-compatible bucket, on the
//! `object_store` crate). [`open_configured`] builds the configured one.
//!
//! Uploads never sit whole in memory: [`stage_upload`] streams the request body into a file in
//! the store's staging directory while hashing it, enforcing the size limit as it goes; the
//! staged file is then handed to [`SampleStore::put`] under its SHA-256 (a rename for the local
//! store, an upload for an object store). A staged file that is not put is deleted on drop.

use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use nexus_core::Sha256;
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncWriteExt};

use crate::error::AnalysisError;

mod local;
mod object;

pub use local::LocalSampleStore;
pub use object::{ObjectSampleStore, PARTS_IN_FLIGHT};

use crate::settings::{AnalysisSettings, SampleBackend};
use nexus_http::health::ReadinessCheck;

/// The sample store the settings name, and for the S3 bucket its `/ready` check (the service
/// starts while the bucket does not answer and reports it there). Uploads are staged in
/// `<store_dir>/tmp` either way.
pub fn open_configured(settings: &AnalysisSettings) -> io::Result<ConfiguredStore> {
    match settings.samples.backend {
        SampleBackend::Local => Ok(ConfiguredStore {
            store: Arc::new(LocalSampleStore::open_dir(&settings.store_dir)?),
            readiness: None,
        }),
        SampleBackend::S3 => {
            let store = Arc::new(ObjectSampleStore::s3(
                &settings.samples.s3,
                &settings.store_dir.join("tmp"),
            )?);
            let readiness: Arc<dyn ReadinessCheck> = store.clone();
            Ok(ConfiguredStore {
                store,
                readiness: Some(readiness),
            })
        }
    }
}

/// What [`open_configured`] opened.
pub struct ConfiguredStore {
    /// The store.
    pub store: Arc<dyn SampleStore>,
    /// Its `/ready` check, for a remote store.
    pub readiness: Option<Arc<dyn ReadinessCheck>>,
}

/// Deletes staged uploads left behind by a crash: files in `staging` not written to for
/// `max_age`. Called at start-up; the age keeps the uploads in flight of other instances
/// sharing the directory (every chunk written refreshes the mtime). Returns how many were
/// deleted.
pub fn clean_staging(staging: &Path, max_age: std::time::Duration) -> io::Result<usize> {
    let mut deleted = 0;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        let stale = metadata
            .modified()
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_none_or(|age| age >= max_age);
        if metadata.is_file() && stale {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => deleted += 1,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(deleted)
}

/// A readable stored sample.
pub type SampleReader = Pin<Box<dyn AsyncRead + Send>>;

/// Where samples live, addressed by lower-case SHA-256.
pub trait SampleStore: Send + Sync + Debug + 'static {
    /// Directory on local disk where uploads are staged before [`SampleStore::put`].
    fn staging_dir(&self) -> &Path;

    /// Stores the staged file at `staged` as `sha256` (consuming it). Storing bytes that are
    /// already present is not an error.
    fn put<'a>(&'a self, sha256: &'a Sha256, staged: StagedFile) -> BoxFuture<'a, io::Result<()>>;

    /// Opens a stored sample for reading; `io::ErrorKind::NotFound` when absent.
    fn open<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<(SampleReader, u64)>>;

    /// Whether `sha256` is stored.
    fn exists<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<bool>>;

    /// Removes a stored sample (absent is not an error).
    fn delete<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<()>>;

    /// The sample's path on local disk, when the store keeps samples there (YARA can then scan
    /// the file in place, mapped, instead of reading it). `None` for remote stores.
    fn local_path(&self, _sha256: &Sha256) -> Option<PathBuf> {
        None
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
    pub sha256: Sha256,
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
    let mut hasher = sha2::Sha256::new();
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
        sha256: Sha256::from_digest(hasher.finalize().into()),
        size,
    })
}

/// Reads a whole stored sample (for the engine, which works on bytes), refusing more than
/// `limit` bytes.
pub async fn read_sample(
    store: &dyn SampleStore,
    sha256: &Sha256,
    limit: u64,
) -> io::Result<Vec<u8>> {
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

/// A stored sample located for the engine, not read yet: reading happens on the CPU pool's
/// thread ([`OpenedSample::load`]), after the job reserved memory for `size` bytes.
#[derive(Debug)]
pub struct OpenedSample {
    /// Size in bytes (at most the limit it was opened with).
    pub size: u64,
    source: SampleSource,
}

#[derive(Debug)]
enum SampleSource {
    /// A file on local disk, read on the pool thread.
    Local(PathBuf),
    /// Bytes already fetched from a remote store.
    Fetched(Arc<[u8]>),
}

/// Why a stored sample cannot be analysed.
#[derive(Debug)]
pub enum SampleProblem {
    /// It never will be (missing, over the limit): the analysis fails with this reason.
    Fatal(String),
    /// The store failed; try again later.
    Io(io::Error),
}

/// Locates `sha256` for analysis without reading it (for a local store), refusing more than
/// `limit` bytes.
pub async fn open_sample(
    store: &dyn SampleStore,
    sha256: &Sha256,
    limit: u64,
) -> Result<OpenedSample, SampleProblem> {
    let missing = || SampleProblem::Fatal("the stored sample is missing".to_owned());
    let too_large = |size: u64| {
        SampleProblem::Fatal(format!(
            "the stored sample is {size} bytes, over the {limit}-byte limit (analysis.max_upload_bytes)"
        ))
    };
    if let Some(path) = store.local_path(sha256) {
        let metadata = match tokio::fs::metadata(&path).await {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(error) => return Err(SampleProblem::Io(error)),
        };
        if metadata.len() > limit {
            return Err(too_large(metadata.len()));
        }
        return Ok(OpenedSample {
            size: metadata.len(),
            source: SampleSource::Local(path),
        });
    }
    match read_sample(store, sha256, limit).await {
        Ok(bytes) => Ok(OpenedSample {
            size: bytes.len() as u64,
            source: SampleSource::Fetched(Arc::from(bytes)),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(missing()),
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            Err(SampleProblem::Fatal(error.to_string()))
        }
        Err(error) => Err(SampleProblem::Io(error)),
    }
}

impl OpenedSample {
    /// The sample's bytes, for the engine (blocking: call it on the CPU pool).
    ///
    /// A local sample is mapped read-only rather than read: its pages come from the page cache
    /// as the parsers touch them and can be reclaimed under memory pressure, so a worker's
    /// anonymous memory no longer grows with the sample. Remote samples arrive as one buffer.
    pub fn load(self) -> io::Result<SampleBytes> {
        match self.source {
            SampleSource::Fetched(bytes) => Ok(SampleBytes::Buffer(bytes)),
            SampleSource::Local(path) => {
                let file = std::fs::File::open(path)?;
                let size = file.metadata()?.len();
                if size != self.size {
                    // A content-addressed file never changes size; one that did was tampered with.
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the stored sample changed size while it was opened ({} then {size} bytes)",
                            self.size
                        ),
                    ));
                }
                if size == 0 {
                    // Mapping zero bytes is an error on Linux; there is nothing to map.
                    return Ok(SampleBytes::Buffer(Arc::from(Vec::new())));
                }
                mapped::map_read_only(&file).map(SampleBytes::Mapped)
            }
        }
    }
}

/// A sample's whole bytes, addressable: mapped from the local store or fetched into memory.
#[derive(Debug)]
pub enum SampleBytes {
    /// A read-only map of a local store file ([`mapped`]).
    Mapped(memmap2::Mmap),
    /// Bytes held in memory.
    Buffer(Arc<[u8]>),
}

impl AsRef<[u8]> for SampleBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            SampleBytes::Mapped(map) => map,
            SampleBytes::Buffer(bytes) => bytes,
        }
    }
}

/// The workspace's one use of `unsafe` (docs/DECISIONS.md, "Mapped samples"; the architecture
/// test fails if another file allows it).
mod mapped {
    #![allow(unsafe_code)]

    use std::fs::File;
    use std::io;

    /// Maps `file` read-only.
    ///
    /// The danger of a file map is that the file changes under it: a shrinking file turns reads
    /// past its new end into SIGBUS, and a rewritten one changes bytes the parsers already
    /// checked. Neither happens to a local store file. It is content-addressed and immutable:
    /// written in full to staging, then renamed into place (`LocalSampleStore::put`, never
    /// opened for writing at its final path); `delete` unlinks it, which leaves an existing map
    /// valid; and nothing in the platform truncates or rewrites it. The map is private and
    /// read-only, so the process cannot change the file either. An operator editing the store's
    /// files by hand while workers run is outside what this guards against.
    pub(super) fn map_read_only(file: &File) -> io::Result<memmap2::Mmap> {
        // SAFETY: see above: the mapped file is immutable for the map's lifetime.
        unsafe { memmap2::MmapOptions::new().map(file) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use actix_web::web::Bytes;
    use futures_util::stream;

    struct Root(PathBuf);

    impl Drop for Root {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn root() -> Root {
        Root(std::env::temp_dir().join(format!(
            "nexus-sample-store-{}",
            uuid::Uuid::now_v7().simple()
        )))
    }

    fn body(
        chunks: &[&'static [u8]],
    ) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Unpin {
        stream::iter(
            chunks
                .iter()
                .map(|chunk| Ok(Bytes::from_static(chunk)))
                .collect::<Vec<_>>(),
        )
    }

    fn staged_files(store: &LocalSampleStore) -> usize {
        std::fs::read_dir(store.staging_dir()).unwrap().count()
    }

    #[tokio::test]
    async fn staging_hashes_while_streaming_and_put_is_content_addressed_and_idempotent() {
        let root = root();
        let store = LocalSampleStore::open_dir(&root.0).unwrap();
        let staged = stage_upload(body(&[b"ab", b"c"]), store.staging_dir(), 10)
            .await
            .unwrap();
        let sha: &Sha256 = &"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            .parse()
            .unwrap();
        assert_eq!((&staged.sha256, staged.size), (sha, 3));
        store.put(sha, staged.file).await.unwrap();
        let again = stage_upload(body(&[b"abc"]), store.staging_dir(), 10)
            .await
            .unwrap();
        store.put(sha, again.file).await.unwrap();
        assert_eq!(staged_files(&store), 0);
        assert!(store.exists(sha).await.unwrap());
        assert_eq!(read_sample(&store, sha, 10).await.unwrap(), b"abc");
        assert_eq!(
            store.local_path(sha).unwrap(),
            root.0.join("ba").join("78").join(sha.as_str())
        );
        store.delete(sha).await.unwrap();
        assert!(!store.exists(sha).await.unwrap());
        store.delete(sha).await.unwrap();
    }

    #[tokio::test]
    async fn a_local_sample_is_mapped_and_survives_its_deletion() {
        let root = root();
        let store = LocalSampleStore::open_dir(&root.0).unwrap();
        let content: &'static [u8] = b"MZ mapped, not read";
        let staged = stage_upload(body(&[content]), store.staging_dir(), 100)
            .await
            .unwrap();
        let sha = staged.sha256.clone();
        store.put(&sha, staged.file).await.unwrap();

        let opened = open_sample(&store, &sha, 100).await.unwrap();
        assert_eq!(opened.size, content.len() as u64);
        let bytes = opened.load().unwrap();
        assert!(matches!(bytes, SampleBytes::Mapped(_)), "{bytes:?}");
        // Deleting unlinks the file; the live map keeps the bytes the engine is reading.
        store.delete(&sha).await.unwrap();
        assert_eq!(bytes.as_ref(), content);

        // The empty sample (uploads refuse it, but a store may hold one) has nothing to map.
        let empty_sha: &Sha256 =
            &"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                .parse()
                .unwrap();
        let empty_path = store.local_path(empty_sha).unwrap();
        std::fs::create_dir_all(empty_path.parent().unwrap()).unwrap();
        std::fs::write(&empty_path, b"").unwrap();
        let opened = open_sample(&store, empty_sha, 100).await.unwrap();
        assert_eq!(opened.load().unwrap().as_ref(), b"");
        // A file that changed size since it was opened is refused.
        let staged = stage_upload(body(&[content]), store.staging_dir(), 100)
            .await
            .unwrap();
        store.put(&sha, staged.file).await.unwrap();
        let opened = open_sample(&store, &sha, 100).await.unwrap();
        std::fs::write(store.local_path(&sha).unwrap(), b"grown by hand").unwrap();
        let error = opened.load().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    }

    #[test]
    fn staged_files_left_by_a_crash_are_cleaned_but_fresh_ones_are_kept() {
        let root = root();
        let store = LocalSampleStore::open_dir(&root.0).unwrap();
        let stale = store.staging_dir().join("upload-crashed");
        let fresh = store.staging_dir().join("upload-in-flight");
        std::fs::write(&stale, b"half an upload").unwrap();
        std::fs::write(&fresh, b"an upload in flight").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();

        let deleted =
            clean_staging(store.staging_dir(), std::time::Duration::from_secs(600)).unwrap();

        assert_eq!(deleted, 1);
        assert!(!stale.exists());
        assert!(fresh.exists());
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_stops_and_leaves_nothing_behind() {
        let root = root();
        let store = LocalSampleStore::open_dir(&root.0).unwrap();
        let error = stage_upload(body(&[b"12345", b"67890", b"x"]), store.staging_dir(), 10)
            .await
            .unwrap_err();
        assert!(matches!(error, AnalysisError::SampleTooLarge { limit: 10 }));
        let empty = stage_upload(body(&[]), store.staging_dir(), 10)
            .await
            .unwrap_err();
        assert!(matches!(empty, AnalysisError::EmptySample));
        assert_eq!(staged_files(&store), 0);
    }
}

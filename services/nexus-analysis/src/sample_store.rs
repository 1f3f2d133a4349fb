//! The sample store: content-addressed bytes behind the [`SampleStore`] trait, with two
//! backends selected by `analysis.samples.backend`: [`LocalSampleStore`] (files under
//! `analysis.store_dir`, the default) and [`ObjectSampleStore`] (an S3-compatible bucket, on the
//! `object_store` crate). [`open_configured`] builds the configured one.
//!
//! Samples never sit whole in memory. Uploads: [`stage_upload`] streams the request body into a
//! file in the store's staging directory while hashing it, enforcing the size limit as it goes;
//! the staged file is then handed to [`SampleStore::put`] under its SHA-256 (a rename for the
//! local store, an upload for an object store). Analyses: [`open_sample`] locates a local
//! sample, or streams a remote one into a staged file (bounded by its checked size, its hash
//! verified), and [`OpenedSample::load`] maps either read-only. A staged file that is not put
//! is deleted on drop; the files of a crashed process are deleted by [`clean_staging`]
//! ([`staging`] explains how it tells them from files in flight).

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
pub mod staging;

pub use local::LocalSampleStore;
pub use object::{ObjectSampleStore, PARTS_IN_FLIGHT};
pub use staging::{STAGED_MAX_IDLE, STAGING_SWEEP_INTERVAL, StagedFile, clean_staging};

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
    let (staged, file) = StagedFile::create(staging_dir, "upload")
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

/// Reads a whole stored sample into memory, refusing more than `limit` bytes. The analysis
/// worker does not: [`open_sample`] and [`OpenedSample::load`] map the sample instead.
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

/// A stored sample on local disk for the engine, not mapped yet: mapping happens on the CPU
/// pool's thread ([`OpenedSample::load`]), after the job reserved memory for `size` bytes.
#[derive(Debug)]
pub struct OpenedSample {
    /// Size in bytes (at most the limit it was opened with).
    pub size: u64,
    source: SampleSource,
}

#[derive(Debug)]
enum SampleSource {
    /// The local store's file, in place.
    Local(PathBuf),
    /// A remote sample downloaded into the staging directory (deleted with the last of the
    /// [`OpenedSample`] and the [`SampleBytes`] mapping it).
    Downloaded(StagedFile),
}

/// Why a stored sample cannot be analysed.
#[derive(Debug)]
pub enum SampleProblem {
    /// It never will be (missing, over the limit): the analysis fails with this reason.
    Fatal(String),
    /// The store failed; try again later.
    Io(io::Error),
}

/// Locates `sha256` for analysis without reading it into memory, refusing more than `limit`
/// bytes: a local store's file as it is; a remote store's object streamed into a staged file
/// (never more bytes than the size checked against `limit`, and only if they hash to
/// `sha256`), so both backends hand the engine a file to map.
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
    let (reader, size) = match store.open(sha256).await {
        Ok(opened) => opened,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(missing()),
        Err(error) => return Err(SampleProblem::Io(error)),
    };
    if size > limit {
        return Err(too_large(size));
    }
    let (staged, file) = StagedFile::create(store.staging_dir(), "sample")
        .await
        .map_err(SampleProblem::Io)?;
    let mut writer = tokio::io::BufWriter::with_capacity(staging::COPY_BYTES, file);
    match staging::copy_declared(reader, &mut writer, size).await {
        Ok(actual) if &actual == sha256 => Ok(OpenedSample {
            size,
            source: SampleSource::Downloaded(staged),
        }),
        Ok(actual) => Err(SampleProblem::Fatal(format!(
            "the stored object {sha256} holds bytes that hash to {actual}: it is corrupt"
        ))),
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            Err(SampleProblem::Fatal(error.to_string()))
        }
        Err(error) => Err(SampleProblem::Io(error)),
    }
}

impl OpenedSample {
    /// The sample's bytes, for the engine (blocking: call it on the CPU pool).
    ///
    /// The sample is mapped read-only rather than read, the local store's file in place or a
    /// remote sample's download: its pages come from the page cache as the parsers touch them
    /// and can be reclaimed under memory pressure, so a worker's anonymous memory does not grow
    /// with the sample, whichever the backend.
    pub fn load(self) -> io::Result<SampleBytes> {
        let (file, download) = match self.source {
            SampleSource::Local(path) => (std::fs::File::open(path)?, None),
            SampleSource::Downloaded(staged) => (std::fs::File::open(staged.path())?, Some(staged)),
        };
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
            return Ok(SampleBytes::Empty);
        }
        let map = mapped::map_read_only(&file)?;
        Ok(SampleBytes::Mapped { map, download })
    }
}

/// A sample's whole bytes, addressable, mapped from a file rather than held in memory.
#[derive(Debug)]
pub enum SampleBytes {
    /// A read-only map ([`mapped`]) of the local store's file or of a remote sample's download.
    Mapped {
        /// The map.
        map: memmap2::Mmap,
        /// For a remote sample, its staged download, deleted when this is dropped (after the
        /// map, which is declared first).
        download: Option<StagedFile>,
    },
    /// The empty sample (uploads refuse it, but a store may hold one): nothing to map.
    Empty,
}

impl AsRef<[u8]> for SampleBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            SampleBytes::Mapped { map, .. } => map,
            SampleBytes::Empty => &[],
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
    /// checked. Neither happens to the files mapped here. A local store file is
    /// content-addressed and immutable: written in full to staging, then renamed into place
    /// (`LocalSampleStore::put`, never opened for writing at its final path). A remote
    /// sample's download is a staged file of this process, written in full (and its hash
    /// checked) before it is mapped, and never written again: no other file shares its random
    /// name, and another process's sweep opens it read-only and leaves it alone while this
    /// process holds its lock (`staging`). Deletion (`delete`, a sweep, the download's drop)
    /// unlinks, which leaves an existing map valid; nothing in the platform truncates or
    /// rewrites either kind. The map is private and read-only, so the process cannot change the
    /// file either. An operator editing these files by hand while workers run is outside what
    /// this guards against.
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
        assert!(
            matches!(bytes, SampleBytes::Mapped { download: None, .. }),
            "{bytes:?}"
        );
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

    fn age(path: &Path, ago: std::time::Duration) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - ago)
            .unwrap();
    }

    #[tokio::test]
    async fn a_sweep_deletes_every_staged_file_nobody_holds_and_none_in_flight() {
        let root = root();
        let store = LocalSampleStore::open_dir(&root.0).unwrap();
        let staging = store.staging_dir();
        // In flight in this process: held, so kept even by a sweep that finds everything idle.
        let (in_flight, writer) = StagedFile::create(staging, "upload").await.unwrap();
        // The lock belongs to the staged file, not to the handle it was written through.
        drop(writer);
        age(in_flight.path(), std::time::Duration::from_secs(3600));
        // Left by a crashed process a moment ago: nobody holds it (its lock died with it).
        let crashed = staging.join("upload-0192f0000000700080000000000000aa");
        std::fs::write(&crashed, b"half an upload").unwrap();
        let crashed_download = staging.join("sample-0192f0000000700080000000000000bb");
        std::fs::write(&crashed_download, b"half a download").unwrap();
        // Caught between creation and lock: judged by age.
        let creating = staging.join(".upload-new.creating");
        std::fs::write(&creating, b"").unwrap();
        let creating_long_ago = staging.join(".upload-old.creating");
        std::fs::write(&creating_long_ago, b"").unwrap();
        age(&creating_long_ago, std::time::Duration::from_secs(3600));

        let deleted = clean_staging(staging, std::time::Duration::from_secs(600)).unwrap();

        assert_eq!(deleted, 3);
        assert!(!crashed.exists());
        assert!(!crashed_download.exists());
        assert!(!creating_long_ago.exists());
        assert!(creating.exists());
        assert!(in_flight.path().exists());
        // Even when every file counts as idle, a held one is kept.
        assert_eq!(
            clean_staging(staging, std::time::Duration::ZERO).unwrap(),
            1
        );
        assert!(in_flight.path().exists());
        // The lock is on the file itself (a second name for it is held too) and ends with
        // its owner: once let go, a name left behind is garbage.
        let path = in_flight.path().to_path_buf();
        let second_name = staging.join("upload-second-name");
        std::fs::hard_link(&path, &second_name).unwrap();
        assert_eq!(
            clean_staging(staging, std::time::Duration::ZERO).unwrap(),
            0
        );
        drop(in_flight);
        assert!(!path.exists());
        assert!(second_name.exists());
        assert_eq!(clean_staging(staging, STAGED_MAX_IDLE).unwrap(), 1);
        assert_eq!(staged_files(&store), 0);
    }

    #[tokio::test]
    async fn a_download_is_copied_only_when_it_is_exactly_the_declared_size() {
        let content: &[u8] = b"0123456789";
        let mut exact = Vec::new();
        let sha = staging::copy_declared(content, &mut exact, 10)
            .await
            .unwrap();
        assert_eq!(exact, content);
        assert_eq!(
            sha.as_str(),
            "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882"
        );

        // More than declared: refused as it passes, nothing past the declared size written.
        let mut longer = Vec::new();
        let error = staging::copy_declared(content, &mut longer, 9)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
        assert!(longer.len() <= 9, "{} bytes written", longer.len());

        // Fewer than declared: a truncated body, worth another try.
        let mut shorter = Vec::new();
        let error = staging::copy_declared(content, &mut shorter, 11)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{error}");
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

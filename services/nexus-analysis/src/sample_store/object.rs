//! Samples in an object store: S3-compatible storage in production (AWS S3, MinIO, Ceph), so
//! every replica of the service, on any node, reads every sample.
//!
//! What the local store guarantees holds here too:
//! - **Content addressed**: a sample is the object `<prefix><sha256>`. [`ObjectSampleStore::put`]
//!   hashes the staged file again while it sends it and refuses to complete the upload when the
//!   bytes are not the ones named (a staged file changed on disk, a bad read), so an object's
//!   name always is the SHA-256 of its bytes.
//! - **Whole or not at all**: S3 shows an object only once its single `PUT` or its
//!   `CompleteMultipartUpload` succeeded; a failed or abandoned upload is aborted and never
//!   visible (parts an abort could not reach are removed by the bucket's lifecycle rule for
//!   incomplete multipart uploads, docs/ENGINE.md).
//! - **Bounded memory**: a sample up to one part is sent in one `PUT`; a larger one in parts of
//!   `part_size_bytes`, at most [`PARTS_IN_FLIGHT`] at once, read from the staged file as they
//!   go. Reads (downloads) stream the object's body.
//! - The size limit is enforced while staging ([`super::stage_upload`]), before any byte is sent.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{StreamExt, TryStreamExt};
use nexus_core::Sha256;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use secrecy::ExposeSecret;
use sha2::Digest;
use tokio::io::AsyncReadExt;

use super::{SampleReader, SampleStore, StagedFile};
use crate::settings::S3Settings;

/// Parts of one multipart upload sent at once (each holds `part_size_bytes` in memory).
pub const PARTS_IN_FLIGHT: usize = 2;

/// Bytes read from the staged file per read.
const READ_BYTES: usize = 256 * 1024;

/// A [`SampleStore`] over any [`ObjectStore`] (S3 in production).
#[derive(Clone)]
pub struct ObjectSampleStore {
    objects: Arc<dyn ObjectStore>,
    /// Prefix of every key (empty or ending with `/`).
    prefix: String,
    /// Local scratch space where uploads are staged and hashed before they are sent.
    staging: PathBuf,
    part_size: usize,
    /// Where the objects are, for logs and errors (`s3://bucket/prefix`; no credentials).
    location: String,
}

impl fmt::Debug for ObjectSampleStore {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ObjectSampleStore")
            .field("location", &self.location)
            .field("staging", &self.staging)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

impl ObjectSampleStore {
    /// A store over `objects`, staging in `staging` (created).
    pub fn new(
        objects: Arc<dyn ObjectStore>,
        prefix: &str,
        staging: &Path,
        part_size: usize,
        location: String,
    ) -> io::Result<Self> {
        std::fs::create_dir_all(staging)?;
        let prefix = match prefix.trim_matches('/') {
            "" => String::new(),
            trimmed => format!("{trimmed}/"),
        };
        Ok(Self {
            objects,
            prefix,
            staging: staging.to_path_buf(),
            part_size: part_size.max(1),
            location,
        })
    }

    /// The S3 bucket `settings` name (credentials from the settings, else the standard AWS
    /// sources), staging in `staging`.
    pub fn s3(settings: &S3Settings, staging: &Path) -> io::Result<Self> {
        // The workspace's reqwest is built without a bundled TLS provider: use ring's, as every
        // other client of the process does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_allow_http(settings.allow_http)
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(settings.request_timeout)
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_allow_http(settings.allow_http),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let (Some(key_id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key)
        {
            builder = builder
                .with_access_key_id(key_id)
                .with_secret_access_key(secret.expose_secret());
            if let Some(token) = &settings.session_token {
                builder = builder.with_token(token.expose_secret());
            }
        }
        let objects = builder.build().map_err(into_io)?;
        let part_size = usize::try_from(settings.part_size_bytes).unwrap_or(usize::MAX);
        Self::new(
            Arc::new(objects),
            &settings.prefix,
            staging,
            part_size,
            format!("s3://{}/{}", settings.bucket, settings.prefix),
        )
    }

    /// Where the objects are (`s3://bucket/prefix`).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Checks that the bucket exists, answers and accepts the credentials: a one-key listing
    /// under the prefix (an empty bucket answers it; a missing bucket, refused credentials or
    /// an unreachable endpoint fail it).
    pub async fn check(&self) -> io::Result<()> {
        let prefix = ObjectPath::from(self.prefix.trim_end_matches('/'));
        let mut listing = self.objects.list(Some(&prefix));
        match listing.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(error)) => Err(into_io(error)),
        }
    }

    fn key_of(&self, sha256: &Sha256) -> ObjectPath {
        // 64 hex digits: nothing in the key needs escaping or can climb out of the prefix.
        ObjectPath::from(format!("{}{}", self.prefix, sha256.as_str()))
    }

    /// Sends the staged file, checking on the way that its bytes are `sha256`.
    async fn upload(&self, key: &ObjectPath, sha256: &Sha256, staged: &Path) -> io::Result<()> {
        let mut file = tokio::fs::File::open(staged).await?;
        let size = file.metadata().await?.len();
        let mut hasher = sha2::Sha256::new();
        if size <= self.part_size as u64 {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut bytes).await?;
            hasher.update(&bytes);
            check_digest(sha256, hasher)?;
            self.objects
                .put(key, PutPayload::from(Bytes::from(bytes)))
                .await
                .map_err(into_io)?;
            return Ok(());
        }
        let upload = self.objects.put_multipart(key).await.map_err(into_io)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let sent = async {
            let mut buffer = vec![0_u8; READ_BYTES];
            loop {
                let read = file.read(&mut buffer).await?;
                if read == 0 {
                    break;
                }
                hasher.update(&buffer[..read]);
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(into_io)?;
                writer.write(&buffer[..read]);
            }
            check_digest(sha256, hasher)
        }
        .await;
        match sent {
            Ok(()) => writer.finish().await.map(|_| ()).map_err(into_io),
            Err(error) => {
                // Nothing completed, so nothing is visible; the abort frees the sent parts.
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, key = %key, "Aborting a failed sample upload failed.");
                }
                Err(error)
            }
        }
    }
}

impl SampleStore for ObjectSampleStore {
    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn put<'a>(&'a self, sha256: &'a Sha256, staged: StagedFile) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let key = self.key_of(sha256);
            if exists(self.objects.as_ref(), &key).await? {
                return Ok(()); // `staged` is dropped, which deletes it.
            }
            self.upload(&key, sha256, staged.path()).await
            // `staged` is dropped here: the object store holds its own copy.
        })
    }

    fn open<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<(SampleReader, u64)>> {
        Box::pin(async move {
            let result = self
                .objects
                .get(&self.key_of(sha256))
                .await
                .map_err(into_io)?;
            let size = result.meta.size;
            let body = result.into_stream().map_err(into_io);
            let reader: SampleReader = Box::pin(tokio_util::io::StreamReader::new(body));
            Ok((reader, size))
        })
    }

    fn exists<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move { exists(self.objects.as_ref(), &self.key_of(sha256)).await })
    }

    fn delete<'a>(&'a self, sha256: &'a Sha256) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.objects.delete(&self.key_of(sha256)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(error) => Err(into_io(error)),
            }
        })
    }
}

async fn exists(objects: &dyn ObjectStore, key: &ObjectPath) -> io::Result<bool> {
    match objects.head(key).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(error) => Err(into_io(error)),
    }
}

fn check_digest(expected: &Sha256, hasher: sha2::Sha256) -> io::Result<()> {
    let actual = Sha256::from_digest(hasher.finalize().into());
    if &actual == expected {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the staged upload's bytes hash to {actual}, not {expected}; nothing was stored"
            ),
        ))
    }
}

/// An object store error as an I/O error (absent objects are `NotFound`, as for local files).
fn into_io(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

/// `/ready`'s `sample_store` check: the bucket answers with the credentials given. The service
/// starts without it (the bucket may come up after the pods, or credentials be fixed later) and
/// says why it is not ready instead of crash-looping.
impl nexus_http::health::ReadinessCheck for ObjectSampleStore {
    fn name(&self) -> &'static str {
        "sample_store"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            ObjectSampleStore::check(self).await.map_err(|error| {
                format!(
                    "the sample bucket {} does not answer: {error}",
                    self.location
                )
            })
        })
    }
}

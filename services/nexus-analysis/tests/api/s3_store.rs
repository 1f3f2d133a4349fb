//! The S3 sample store against a real S3-compatible server: moto's, started by each test on a
//! free port (`python3 -m moto.server`, installed by scripts/engine-tools.sh).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actix_web::web::Bytes;
use nexus_analysis::sample_store::{
    ObjectSampleStore, SampleBytes, SampleProblem, SampleStore, open_sample, read_sample,
    stage_upload,
};
use nexus_analysis::settings::{S3Settings, SampleBackend};
use nexus_core::Sha256;
use secrecy::SecretString;
use tokio::io::AsyncReadExt;

use crate::helpers::{EICAR_SHA256, Harness, TempDir, fixture};

/// A moto S3 server of this test, stopped on drop (also used by the S3 retrohunt test).
pub(crate) struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    pub(crate) async fn start() -> Self {
        // This test's own HTTP clients use the workspace's reqwest, built without a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let python = std::env::var("NEXUS_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "{python} -m moto.server did not start ({error}); run scripts/engine-tools.sh"
                )
            });
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(&moto.endpoint).send().await.is_ok() {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "moto did not answer at {} within 30 s; is `moto[server]` installed (scripts/engine-tools.sh)?",
            moto.endpoint
        );
    }

    /// Creates a bucket and returns settings for it.
    pub(crate) async fn bucket(&self, name: &str) -> S3Settings {
        let response = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
        S3Settings {
            bucket: name.to_owned(),
            prefix: "samples/".to_owned(),
            endpoint: Some(self.endpoint.clone()),
            region: "us-east-1".to_owned(),
            access_key_id: Some("testing".to_owned()),
            secret_access_key: Some(SecretString::from("testing")),
            session_token: None,
            path_style: true,
            allow_http: true,
            part_size_bytes: 5 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }

    /// The raw `ListObjectsV2` and `ListMultipartUploads` answers of `bucket`, as moto keeps
    /// them (not through the store under test).
    async fn listing(&self, bucket: &str) -> (String, String) {
        let http = reqwest::Client::new();
        let objects = http
            .get(format!("{}/{bucket}?list-type=2", self.endpoint))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let uploads = http
            .get(format!("{}/{bucket}?uploads", self.endpoint))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (objects, uploads)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body(bytes: Vec<u8>) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    futures_util::stream::iter(
        bytes
            .chunks(64 * 1024)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect::<Vec<_>>(),
    )
}

/// `size` bytes that differ from one another (so a misplaced part changes the hash).
fn generated(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|position| {
            (position as u8).wrapping_mul(31).wrapping_add(seed) ^ (position >> 12) as u8
        })
        .collect()
}

fn staged_count(store: &ObjectSampleStore) -> usize {
    std::fs::read_dir(store.staging_dir()).unwrap().count()
}

async fn read_all(store: &ObjectSampleStore, sha256: &Sha256) -> (Vec<u8>, u64) {
    let (mut reader, size) = store.open(sha256).await.unwrap();
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).await.unwrap();
    (bytes, size)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_get_exists_and_delete_round_trip_on_s3_in_one_put_and_in_parts() {
    let moto = Moto::start().await;
    let staging = TempDir::new();
    let store = ObjectSampleStore::s3(&moto.bucket("round-trip").await, &staging.0).unwrap();
    store.check().await.unwrap();

    for (size, seed) in [(3_usize, 1_u8), (11 * 1024 * 1024 + 17, 2)] {
        let bytes = generated(size, seed);
        let staged = stage_upload(body(bytes.clone()), store.staging_dir(), 64 << 20)
            .await
            .unwrap();
        let sha256 = staged.sha256.clone();
        assert!(!store.exists(&sha256).await.unwrap());
        store.put(&sha256, staged.file).await.unwrap();
        assert_eq!(
            staged_count(&store),
            0,
            "the staged file is deleted once stored"
        );
        assert!(store.exists(&sha256).await.unwrap());

        // Storing the same bytes again is not an error and changes nothing.
        let again = stage_upload(body(bytes.clone()), store.staging_dir(), 64 << 20)
            .await
            .unwrap();
        store.put(&sha256, again.file).await.unwrap();
        assert_eq!(staged_count(&store), 0);

        let (read, reported) = read_all(&store, &sha256).await;
        assert_eq!(reported, size as u64);
        assert!(read == bytes, "the {size}-byte sample came back different");
        // The engine's path: a remote sample is streamed into a staged file and mapped, as a
        // local one is, never held in memory; the download is deleted with the map.
        let opened = open_sample(&store, &sha256, 64 << 20).await.unwrap();
        assert_eq!(opened.size, size as u64);
        assert_eq!(staged_count(&store), 1, "downloaded to a staged file");
        let loaded = opened.load().unwrap();
        let SampleBytes::Mapped {
            download: Some(download),
            ..
        } = &loaded
        else {
            panic!("a remote sample is mapped from its download: {loaded:?}");
        };
        assert!(download.path().starts_with(store.staging_dir()));
        assert_eq!(
            std::fs::metadata(download.path()).unwrap().len(),
            size as u64
        );
        assert!(loaded.as_ref() == bytes.as_slice());
        drop(loaded);
        assert_eq!(
            staged_count(&store),
            0,
            "the download is deleted after the job"
        );
        // Over the limit: refused from the object's size, before a byte is downloaded.
        let refused = open_sample(&store, &sha256, size as u64 - 1)
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, SampleProblem::Fatal(reason) if reason.contains("over the")),
            "{refused:?}"
        );
        assert_eq!(staged_count(&store), 0);
        assert!(
            read_sample(&store, &sha256, size as u64 - 1)
                .await
                .is_err_and(|error| error.kind() == std::io::ErrorKind::InvalidData)
        );

        store.delete(&sha256).await.unwrap();
        assert!(!store.exists(&sha256).await.unwrap());
        let missing = store.open(&sha256).await.err().unwrap();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        store.delete(&sha256).await.unwrap();
    }
    let (objects, uploads) = moto.listing("round-trip").await;
    assert!(!objects.contains("<Key>"), "{objects}");
    assert!(!uploads.contains("<UploadId>"), "{uploads}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_bytes_are_not_its_hash_leaves_nothing_visible() {
    let moto = Moto::start().await;
    let staging = TempDir::new();
    let store = ObjectSampleStore::s3(&moto.bucket("partial").await, &staging.0).unwrap();

    for size in [1000_usize, 12 * 1024 * 1024] {
        let staged = stage_upload(body(generated(size, 7)), store.staging_dir(), 64 << 20)
            .await
            .unwrap();
        let sha256 = staged.sha256.clone();
        // The staged file changes after it was hashed (a disk fault, a tampering process): the
        // store notices on the way out, after parts were sent for the large one.
        let path = staged.file.path().to_path_buf();
        let mut changed = std::fs::read(&path).unwrap();
        let last = changed.len() - 1;
        changed[last] ^= 0xff;
        std::fs::write(&path, changed).unwrap();

        let error = store.put(&sha256, staged.file).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
        assert!(!store.exists(&sha256).await.unwrap());
        assert_eq!(
            staged_count(&store),
            0,
            "the failed upload's staged file is deleted"
        );
    }
    let (objects, uploads) = moto.listing("partial").await;
    assert!(!objects.contains("<Key>"), "nothing is visible: {objects}");
    assert!(
        !uploads.contains("<UploadId>"),
        "the multipart upload was aborted: {uploads}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_uploads_analyses_and_downloads_through_the_s3_backend() {
    let moto = Moto::start().await;
    let bucket = moto.bucket("service").await;
    let harness = Harness::start_with(|settings| {
        settings.service.samples.backend = SampleBackend::S3;
        settings.service.samples.s3 = bucket;
    })
    .await;
    let bytes = fixture("eicar.com");
    let (analysis_id, accepted) = harness.upload_ok(bytes.clone()).await;
    assert_eq!(accepted.sha256.as_str(), EICAR_SHA256);

    let analysis = harness.finished(&analysis_id).await;
    assert_eq!(
        analysis.status,
        nexus_proto::analysis::AnalysisStatus::Completed,
        "{analysis:?}"
    );
    let response = harness
        .http
        .get(harness.url(&format!("/v1/files/{EICAR_SHA256}/download")))
        .bearer_auth(&harness.user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // The bytes are in the bucket, under the prefix, and not on local disk.
    let (objects, _) = moto.listing("service").await;
    assert!(
        objects.contains(&format!("<Key>samples/{EICAR_SHA256}</Key>")),
        "{objects}"
    );
    // The worker's download of the sample was deleted after the analysis.
    let local = walk(&harness.store.0);
    assert!(
        local.is_empty(),
        "nothing but an empty staging area stays local: {local:?}"
    );
}

/// Files under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_says_when_the_sample_bucket_does_not_answer() {
    let moto = Moto::start().await;
    // Settings for a bucket that does not exist yet: the service starts and is not ready.
    let mut bucket = moto.bucket("present").await;
    bucket.bucket = "created-later".to_owned();
    let harness = Harness::start_with(|settings| {
        settings.service.samples.backend = SampleBackend::S3;
        settings.service.samples.s3 = bucket;
    })
    .await;
    let ready = || async {
        let response = harness
            .http
            .get(harness.url("/ready"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    };
    let (status, report) = ready().await;
    assert_eq!(status, 503, "{report}");
    assert!(report.contains("sample_store"), "{report}");
    assert!(report.contains("s3://created-later/samples/"), "{report}");
    assert!(
        !report.contains("testing"),
        "no credential in the report: {report}"
    );

    moto.bucket("created-later").await;
    crate::helpers::wait_until("the service to be ready once the bucket exists", || async {
        let (status, _) = ready().await;
        (status == 200).then_some(())
    })
    .await;
}

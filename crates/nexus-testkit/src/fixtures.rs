//! The binary test fixtures kept in the repository, found the same way by every test crate.
//!
//! The files live in `fixtures/binaries/` at the repository root; `fixtures/README.md` says where
//! each came from, its licence and the values tests rely on. A fresh clone therefore has all it
//! needs: nothing is read from beside the clone.
//!
//! `TEST_NEXUS_FIXTURES_DIR` ([`FIXTURES_DIR_VAR`]) points the tests at another directory with
//! the same layout (a `binaries/` folder inside), for instance to run the suite against a newer
//! copy of the fixtures before committing it.
//!
//! The functions panic with a message naming the path, because they are only called from tests,
//! where a missing fixture must fail the test loudly rather than skip it.

use std::path::PathBuf;

/// Environment variable that replaces the repository's `fixtures/` directory.
pub const FIXTURES_DIR_VAR: &str = "TEST_NEXUS_FIXTURES_DIR";

/// The fixtures directory: `TEST_NEXUS_FIXTURES_DIR` when set, else `<repository>/fixtures`.
pub fn dir() -> PathBuf {
    match std::env::var_os(FIXTURES_DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        // This crate sits at crates/nexus-testkit, two levels below the repository root.
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"),
    }
}

/// The directory holding the binary fixtures (`<fixtures>/binaries`).
pub fn binaries_dir() -> PathBuf {
    dir().join("binaries")
}

/// Path of the binary fixture `name`; panics naming the path when it is not a file.
#[allow(
    clippy::panic,
    reason = "test support: a missing fixture must fail the calling test with the path"
)]
pub fn path(name: &str) -> PathBuf {
    let path = binaries_dir().join(name);
    if !path.is_file() {
        panic!(
            "fixture {} is missing: the repository's fixtures/binaries should hold it \
             (or {FIXTURES_DIR_VAR} points somewhere without it)",
            path.display()
        );
    }
    path
}

/// Bytes of the binary fixture `name`; panics naming the path when it cannot be read.
#[allow(
    clippy::panic,
    reason = "test support: a missing fixture must fail the calling test with the path"
)]
pub fn read(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", path.display()))
}

/// Names of every binary fixture, sorted (`binaries/` holds nothing else; the README and the
/// licences sit one level up).
#[allow(
    clippy::panic,
    reason = "test support: an unreadable fixtures directory must fail the calling test"
)]
pub fn names() -> Vec<String> {
    let dir = binaries_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list fixtures in {}: {error}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|error| {
                    panic!("cannot list fixtures in {}: {error}", dir.display())
                })
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

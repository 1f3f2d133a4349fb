//! Whole-file hashes in one pass over the bytes: MD5, SHA-1, SHA-256, ssdeep and TLSH.
//!
//! The bytes are walked once in cache-sized chunks and every chunk is fed to all hashers while it is
//! hot. On large inputs the hashers are split over two threads (ssdeep, the slowest, on its own)
//! so the suite costs about as much as its slowest member.

use md5::{Digest, Md5};
use nexus_proto::report::Hashes;
use sha1::Sha1;
use sha2::Sha256;
use tlsh2::TlshBuilder128_1;

use crate::util::hex;

/// Chunk size for the single pass: small enough to stay in L2 while every hasher reads it.
const CHUNK_BYTES: usize = 64 * 1024;

/// Inputs from this size up are hashed on two threads.
const PARALLEL_FROM_BYTES: usize = 1024 * 1024;

/// Computes every whole-file hash. `imphash` is left `None`; the PE stage fills it in.
pub fn compute(bytes: &[u8]) -> Hashes {
    if bytes.len() < PARALLEL_FROM_BYTES {
        let ssdeep = ssdeep(bytes);
        return crypto_and_tlsh(bytes, ssdeep);
    }
    std::thread::scope(|scope| {
        let fuzzy = scope.spawn(|| ssdeep(bytes));
        let mut hashes = crypto_and_tlsh(bytes, None);
        // A panic in the ssdeep thread costs only the ssdeep value.
        hashes.ssdeep = fuzzy.join().ok().flatten();
        hashes
    })
}

fn crypto_and_tlsh(bytes: &[u8], ssdeep: Option<String>) -> Hashes {
    let mut md5 = Md5::new();
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut tlsh = TlshBuilder128_1::new();
    for chunk in bytes.chunks(CHUNK_BYTES) {
        md5.update(chunk);
        sha1.update(chunk);
        sha256.update(chunk);
        tlsh.update(chunk);
    }
    Hashes {
        md5: hex(&md5.finalize()),
        sha1: hex(&sha1.finalize()),
        sha256: hex(&sha256.finalize()),
        ssdeep,
        tlsh: tlsh_digest(&tlsh),
        imphash: None,
    }
}

/// ssdeep in the `ssdeep` tool's format, `None` past the 4 GiB the algorithm's counters allow.
pub fn ssdeep(bytes: &[u8]) -> Option<String> {
    if u32::try_from(bytes.len()).is_err() {
        return None;
    }
    let digest = fuzzyhash::FuzzyHash::new(bytes).to_string();
    (!digest.is_empty()).then_some(digest)
}

/// TLSH 4.x (128 buckets, 1-byte checksum) of `bytes` with its `T1` prefix.
pub fn tlsh(bytes: &[u8]) -> Option<String> {
    let mut builder = TlshBuilder128_1::new();
    builder.update(bytes);
    tlsh_digest(&builder)
}

fn tlsh_digest(builder: &TlshBuilder128_1) -> Option<String> {
    let digest = builder.build()?;
    String::from_utf8(digest.hash().to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_paths_agree() {
        let data: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let parallel = compute(&data);
        let sequential = crypto_and_tlsh(&data, ssdeep(&data));
        assert_eq!(parallel, sequential);
    }

    #[test]
    fn known_digests_of_abc() {
        let hashes = compute(b"abc");
        assert_eq!(hashes.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(hashes.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            hashes.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hashes.tlsh, None, "TLSH needs at least 50 bytes");
        assert_eq!(
            hashes.ssdeep.as_deref(),
            Some("3:uG:uG"),
            "value from the ssdeep 2.14 tool"
        );
    }
}

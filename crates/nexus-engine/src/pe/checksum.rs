//! The PE image checksum (the algorithm of `CheckSumMappedFile`, as pefile implements it).

/// Computes the checksum of `bytes`, skipping the 4-byte CheckSum field at `checksum_offset`.
pub(crate) fn compute(bytes: &[u8], checksum_offset: usize) -> u32 {
    let mut sum: u64 = 0;
    let skipped_dword = checksum_offset / 4;
    for (index, chunk) in bytes.chunks(4).enumerate() {
        if index == skipped_dword {
            continue;
        }
        let mut dword = [0u8; 4];
        dword[..chunk.len()].copy_from_slice(chunk);
        sum += u64::from(u32::from_le_bytes(dword));
        if sum > 0xffff_ffff {
            sum = (sum & 0xffff_ffff) + (sum >> 32);
        }
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum += sum >> 16;
    sum &= 0xffff;
    (sum + bytes.len() as u64) as u32
}

//! Bounds-checked reads from untrusted file bytes: sub-slices, little/big-endian integers and
//! names from fixed-size fields. Every read is `None` when any part lies outside the input, so
//! a truncated or hostile header never panics a parser.

/// `bytes[offset..offset + len]`, or `None` when any part lies outside.
pub(crate) fn slice_at(bytes: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(start..end)
}

/// Little-endian u16 at `offset`.
pub(crate) fn u16_le(bytes: &[u8], offset: usize) -> Option<u16> {
    let raw = bytes.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_le_bytes([raw[0], raw[1]]))
}

/// Little-endian u32 at `offset`.
pub(crate) fn u32_le(bytes: &[u8], offset: usize) -> Option<u32> {
    let raw = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

/// Big-endian u32 at `offset`.
pub(crate) fn u32_be(bytes: &[u8], offset: usize) -> Option<u32> {
    let raw = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

/// A name from a fixed-size field: up to the first NUL, printable ASCII kept, anything else `\xNN`.
pub(crate) fn printable_name(raw: &[u8]) -> String {
    let end = raw.iter().position(|&byte| byte == 0).unwrap_or(raw.len());
    let mut name = String::with_capacity(end);
    for &byte in &raw[..end] {
        if (0x20..0x7f).contains(&byte) {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("\\x{byte:02x}"));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_reads_are_none() {
        assert_eq!(u32_le(&[1, 2, 3], 0), None);
        assert_eq!(u16_le(&[1, 2, 3], usize::MAX), None);
        assert_eq!(slice_at(&[1, 2, 3], u64::MAX, 2), None);
        assert_eq!(slice_at(&[1, 2, 3], 1, 2), Some(&[2u8, 3][..]));
    }

    #[test]
    fn names_escape_non_printable_bytes() {
        assert_eq!(printable_name(b".text\0\0\0"), ".text");
        assert_eq!(printable_name(&[0x55, 0x89, 0xe5]), "U\\x89\\xe5");
    }
}

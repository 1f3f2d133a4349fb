//! The history's keyset cursor: `h<id>`, the id of the last entry of a page (entries are listed
//! newest first, by id). Readable on purpose: it holds nothing the page did not show.

/// A cursor this list did not return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this history returned; start again without a cursor")]
pub struct InvalidCursor;

/// The cursor after the entry with id `last_id`.
pub fn encode(last_id: i64) -> String {
    format!("h{last_id}")
}

/// The id the cursor `text` names.
pub fn decode(text: &str) -> Result<i64, InvalidCursor> {
    text.strip_prefix('h')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode(&encode(42)), Ok(42));
        for garbage in [
            "",
            "h",
            "42",
            "h-1",
            "h0",
            "h1x",
            "hh1",
            "h99999999999999999999",
        ] {
            assert_eq!(decode(garbage), Err(InvalidCursor), "{garbage}");
        }
    }
}

//! A comment's text: plain text, never interpreted (clients must show it as text, not render
//! it as markup or HTML), trimmed, 1..=2000 characters, without control characters other than
//! line breaks and tabs (they can hide or reorder what readers see, or break terminals and
//! logs). Also the keyset cursors of the account's own lists and of comments.

use uuid::Uuid;

/// Most characters (Unicode scalar values) of a comment, once trimmed.
pub const MAX_CHARS: usize = 2_000;

/// Why a comment's text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidComment {
    /// Nothing left once trimmed.
    #[error("the comment is empty; write some text")]
    Empty,
    /// Over [`MAX_CHARS`].
    #[error("the comment has {0} characters; at most 2000 are accepted")]
    TooLong(usize),
    /// A control character (other than a line break or tab).
    #[error(
        "the comment contains a control character (U+{0:04X}); only plain text, line breaks and \
         tabs are accepted"
    )]
    ControlCharacter(u32),
}

/// `body` trimmed and checked.
pub fn clean(body: &str) -> Result<String, InvalidComment> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(InvalidComment::Empty);
    }
    let count = trimmed.chars().count();
    if count > MAX_CHARS {
        return Err(InvalidComment::TooLong(count));
    }
    // Cc (C0, DEL, C1) plus the bidirectional overrides and isolates, which reorder text.
    if let Some(bad) = trimmed.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t' && c != '\r')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(InvalidComment::ControlCharacter(u32::from(bad)));
    }
    Ok(trimmed.to_owned())
}

/// The cursor after the comment `id` (`comment:<id>`).
pub fn comment_cursor(id: Uuid) -> String {
    format!("comment:{id}")
}

/// The comment id a `comment:<id>` cursor names.
pub fn parse_comment_cursor(text: &str) -> Option<Uuid> {
    text.strip_prefix("comment:")
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// The cursor after the assertion stored at `seq` (`assertion:<seq>`).
pub fn assertion_cursor(seq: i64) -> String {
    format!("assertion:{seq}")
}

/// The position an `assertion:<seq>` cursor names.
pub fn parse_assertion_cursor(text: &str) -> Option<i64> {
    text.strip_prefix("assertion:")
        .and_then(|seq| seq.parse::<i64>().ok())
        .filter(|seq| *seq > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            clean("  <b>hi</b>\n\tthere  "),
            Ok("<b>hi</b>\n\tthere".into())
        );
        assert_eq!(clean(" \n "), Err(InvalidComment::Empty));
        assert_eq!(clean(&"é".repeat(2_000)).map(|text| text.len()), Ok(4_000));
        assert_eq!(
            clean(&"x".repeat(2_001)),
            Err(InvalidComment::TooLong(2_001))
        );
        assert_eq!(clean("a\u{7}b"), Err(InvalidComment::ControlCharacter(7)));
        assert_eq!(
            clean("a\u{202E}b"),
            Err(InvalidComment::ControlCharacter(0x202E))
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(parse_comment_cursor(&comment_cursor(id)), Some(id));
        assert_eq!(parse_assertion_cursor(&assertion_cursor(42)), Some(42));
        for bad in ["", "comment:", "assertion:x", "assertion:-1", "newest:1"] {
            assert_eq!(parse_comment_cursor(bad), None, "{bad}");
            assert_eq!(parse_assertion_cursor(bad), None, "{bad}");
        }
    }
}

//! Putting caller-given text into a path or query without changing its meaning.

use std::fmt::Write;

/// `text` as one path segment or query value: unreserved characters (RFC 3986 §2.3) as they
/// are, every other byte percent-encoded, so a `/`, `?` or `#` in it cannot reach another route.
pub(crate) fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// `?name=value&...` of the pairs whose value is set, encoded; empty when none is.
pub(crate) fn query<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> String {
    let mut query = String::new();
    for (name, value) in pairs {
        if let Some(value) = value {
            query.push(if query.is_empty() { '?' } else { '&' });
            query.push_str(name);
            query.push('=');
            query.push_str(&segment(&value));
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_encoded_and_unset_values_left_out() {
        assert_eq!(segment("0xAb-1._~"), "0xAb-1._~");
        assert_eq!(segment("a/b?c#d é"), "a%2Fb%3Fc%23d%20%C3%A9");
        assert_eq!(
            query([
                ("kind", Some("login failed".into())),
                ("limit", None),
                ("x", Some("1".into()))
            ]),
            "?kind=login%20failed&x=1"
        );
        assert_eq!(query([("limit", None)]), "");
    }
}

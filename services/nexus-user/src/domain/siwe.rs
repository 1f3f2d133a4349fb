//! A strict parser and renderer for EIP-4361 "Sign-In with Ethereum" messages.
//!
//! The grammar (EIP-4361, ABNF abridged), lines separated by a single LF, no trailing LF:
//!
//! ```text
//! [ scheme "://" ] domain " wants you to sign in with your Ethereum account:"
//! address                      (EIP-55 checksummed)
//! (empty)
//! [ statement LF ]             (printable, no LF)
//! (empty)
//! "URI: " uri
//! "Version: 1"
//! "Chain ID: " chain-id
//! "Nonce: " nonce              (at least 8 alphanumerics)
//! "Issued At: " RFC 3339 date-time
//! [ "Expiration Time: " date-time ]
//! [ "Not Before: " date-time ]
//! [ "Request ID: " *pchar ]
//! [ "Resources:" 1*( LF "- " uri ) ]
//! ```
//!
//! Anything else (CR, a missing or extra line, fields out of order, a lower-case address) is
//! refused: what the user signs must be exactly what the service reads.

use std::fmt;

use alloy::primitives::Address;
use chrono::{DateTime, SecondsFormat, Utc};

/// Longest message accepted.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Shortest nonce (EIP-4361).
const MIN_NONCE_LENGTH: usize = 8;
/// Longest nonce accepted.
const MAX_NONCE_LENGTH: usize = 64;
/// Most resources accepted.
const MAX_RESOURCES: usize = 16;
const HEADER_SUFFIX: &str = " wants you to sign in with your Ethereum account:";

/// A parsed EIP-4361 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiweMessage {
    /// Optional URI scheme of the origin (`https`).
    pub scheme: Option<String>,
    /// RFC 3986 authority requesting the signature (`example.org`, `localhost:8080`).
    pub domain: String,
    /// The signing account.
    pub address: Address,
    /// Human-readable assertion; never contains a line feed.
    pub statement: Option<String>,
    /// RFC 3986 URI the signing refers to.
    pub uri: String,
    /// Always `1`.
    pub version: String,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Random, at least 8 alphanumerics.
    pub nonce: String,
    /// When the message was issued.
    pub issued_at: DateTime<Utc>,
    /// After this, the message is no longer valid.
    pub expiration_time: Option<DateTime<Utc>>,
    /// Before this, the message is not yet valid.
    pub not_before: Option<DateTime<Utc>>,
    /// System-specific request id.
    pub request_id: Option<String>,
    /// URIs the user wishes to have resolved as part of authentication.
    pub resources: Vec<String>,
}

/// Why a message is not a valid EIP-4361 message; each names the line that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiweParseError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("the message is longer than 4096 bytes")]
    TooLong,
    /// Carriage returns are not part of the format.
    #[error("the message contains a carriage return; lines end with LF only")]
    CarriageReturn,
    /// The first line is not `<domain> wants you to sign in with your Ethereum account:`.
    #[error("the first line must be `<domain> wants you to sign in with your Ethereum account:`")]
    Header,
    /// The scheme or domain has characters outside RFC 3986.
    #[error("the scheme or domain on the first line is not valid")]
    Domain,
    /// The second line is not an EIP-55 checksummed address.
    #[error("the second line must be an EIP-55 checksummed address")]
    Address,
    /// A blank line is missing where the format requires one.
    #[error("line {0} must be empty")]
    BlankLine(usize),
    /// The statement has characters the format does not allow.
    #[error("the statement contains characters EIP-4361 does not allow")]
    Statement,
    /// A required field is missing or misplaced.
    #[error("line {line} must start with `{field}`")]
    Field {
        /// 1-based line number.
        line: usize,
        /// The expected prefix.
        field: &'static str,
    },
    /// A URI is empty or contains spaces or control characters.
    #[error("the {0} is not a valid URI")]
    Uri(&'static str),
    /// Only version 1 exists.
    #[error("the version must be 1")]
    Version,
    /// Not a decimal number that fits 64 bits.
    #[error("the chain id must be a positive decimal number")]
    ChainId,
    /// Fewer than 8 or more than 64 characters, or not alphanumeric.
    #[error("the nonce must be 8 to 64 letters and digits")]
    Nonce,
    /// Not an RFC 3339 date-time.
    #[error("the {0} is not an RFC 3339 date-time")]
    Timestamp(&'static str),
    /// The request id has characters outside RFC 3986 `pchar`.
    #[error("the request id contains characters EIP-4361 does not allow")]
    RequestId,
    /// More than 16 resources.
    #[error("at most 16 resources are accepted")]
    TooManyResources,
    /// A line that is not part of the format (including a trailing newline).
    #[error("line {0} is not part of an EIP-4361 message")]
    UnexpectedLine(usize),
}

impl SiweMessage {
    /// Parses `text` strictly (see the module docs).
    pub fn parse(text: &str) -> Result<Self, SiweParseError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(SiweParseError::TooLong);
        }
        if text.contains('\r') {
            return Err(SiweParseError::CarriageReturn);
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let mut cursor = Cursor { lines, next: 0 };

        let header = cursor.take().ok_or(SiweParseError::Header)?;
        let origin = header
            .strip_suffix(HEADER_SUFFIX)
            .ok_or(SiweParseError::Header)?;
        let (scheme, domain) = match origin.split_once("://") {
            Some((scheme, domain)) => (Some(scheme), domain),
            None => (None, origin),
        };
        if scheme.is_some_and(|scheme| !valid_scheme(scheme)) || !valid_authority(domain) {
            return Err(SiweParseError::Domain);
        }

        let address_line = cursor.take().ok_or(SiweParseError::Address)?;
        let address = parse_address(address_line)?;
        cursor.blank()?;

        let statement = match cursor.peek() {
            Some("") => {
                cursor.take();
                None
            }
            Some(statement) if !statement.starts_with("URI: ") => {
                if !statement.chars().all(statement_char) {
                    return Err(SiweParseError::Statement);
                }
                cursor.take();
                cursor.blank()?;
                Some(statement.to_owned())
            }
            _ => return Err(SiweParseError::BlankLine(cursor.next + 1)),
        };

        let uri = cursor.field("URI: ")?;
        if !valid_uri(uri) {
            return Err(SiweParseError::Uri("URI"));
        }
        let version = cursor.field("Version: ")?;
        if version != "1" {
            return Err(SiweParseError::Version);
        }
        let chain_id = parse_chain_id(cursor.field("Chain ID: ")?)?;
        let nonce = cursor.field("Nonce: ")?;
        if !(MIN_NONCE_LENGTH..=MAX_NONCE_LENGTH).contains(&nonce.len())
            || !nonce.bytes().all(|byte| byte.is_ascii_alphanumeric())
        {
            return Err(SiweParseError::Nonce);
        }
        let issued_at = parse_timestamp(cursor.field("Issued At: ")?, "issued-at time")?;
        let expiration_time = cursor
            .optional_field("Expiration Time: ")
            .map(|text| parse_timestamp(text, "expiration time"))
            .transpose()?;
        let not_before = cursor
            .optional_field("Not Before: ")
            .map(|text| parse_timestamp(text, "not-before time"))
            .transpose()?;
        let request_id = cursor
            .optional_field("Request ID: ")
            .map(|text| {
                if text.chars().all(pchar) {
                    Ok(text.to_owned())
                } else {
                    Err(SiweParseError::RequestId)
                }
            })
            .transpose()?;
        let mut resources = Vec::new();
        if cursor.peek() == Some("Resources:") {
            cursor.take();
            while let Some(resource) = cursor.peek().and_then(|line| line.strip_prefix("- ")) {
                if !valid_uri(resource) {
                    return Err(SiweParseError::Uri("resource"));
                }
                if resources.len() == MAX_RESOURCES {
                    return Err(SiweParseError::TooManyResources);
                }
                resources.push(resource.to_owned());
                cursor.take();
            }
            if resources.is_empty() {
                return Err(SiweParseError::UnexpectedLine(cursor.next));
            }
        }
        if cursor.peek().is_some() {
            return Err(SiweParseError::UnexpectedLine(cursor.next + 1));
        }
        Ok(Self {
            scheme: scheme.map(str::to_owned),
            domain: domain.to_owned(),
            address,
            statement,
            uri: uri.to_owned(),
            version: version.to_owned(),
            chain_id,
            nonce: nonce.to_owned(),
            issued_at,
            expiration_time,
            not_before,
            request_id,
            resources,
        })
    }
}

impl fmt::Display for SiweMessage {
    /// Renders the message in the exact format [`SiweMessage::parse`] reads; timestamps in
    /// UTC with millisecond precision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = &self.scheme {
            write!(f, "{scheme}://")?;
        }
        writeln!(f, "{}{HEADER_SUFFIX}", self.domain)?;
        writeln!(f, "{}", self.address.to_checksum(None))?;
        writeln!(f)?;
        if let Some(statement) = &self.statement {
            writeln!(f, "{statement}")?;
        }
        writeln!(f)?;
        writeln!(f, "URI: {}", self.uri)?;
        writeln!(f, "Version: {}", self.version)?;
        writeln!(f, "Chain ID: {}", self.chain_id)?;
        writeln!(f, "Nonce: {}", self.nonce)?;
        write!(f, "Issued At: {}", timestamp(self.issued_at))?;
        if let Some(expiration) = self.expiration_time {
            write!(f, "\nExpiration Time: {}", timestamp(expiration))?;
        }
        if let Some(not_before) = self.not_before {
            write!(f, "\nNot Before: {}", timestamp(not_before))?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, "\nRequest ID: {request_id}")?;
        }
        if !self.resources.is_empty() {
            write!(f, "\nResources:")?;
            for resource in &self.resources {
                write!(f, "\n- {resource}")?;
            }
        }
        Ok(())
    }
}

/// RFC 3339, UTC, milliseconds: the form this service writes.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads lines in order.
struct Cursor<'a> {
    lines: Vec<&'a str>,
    next: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.lines.get(self.next).copied()
    }

    fn take(&mut self) -> Option<&'a str> {
        let line = self.peek()?;
        self.next += 1;
        Some(line)
    }

    fn blank(&mut self) -> Result<(), SiweParseError> {
        match self.peek() {
            Some("") => {
                self.next += 1;
                Ok(())
            }
            _ => Err(SiweParseError::BlankLine(self.next + 1)),
        }
    }

    fn field(&mut self, prefix: &'static str) -> Result<&'a str, SiweParseError> {
        let line = self.next + 1;
        self.optional_field(prefix).ok_or(SiweParseError::Field {
            line,
            field: prefix,
        })
    }

    fn optional_field(&mut self, prefix: &str) -> Option<&'a str> {
        let value = self.peek()?.strip_prefix(prefix)?;
        self.next += 1;
        Some(value)
    }
}

fn parse_address(text: &str) -> Result<Address, SiweParseError> {
    let well_formed = text.len() == 42
        && text.starts_with("0x")
        && text[2..].bytes().all(|byte| byte.is_ascii_hexdigit());
    if !well_formed {
        return Err(SiweParseError::Address);
    }
    Address::parse_checksummed(text, None).map_err(|_| SiweParseError::Address)
}

fn parse_chain_id(text: &str) -> Result<u64, SiweParseError> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(SiweParseError::ChainId);
    }
    match text.parse::<u64>() {
        Ok(0) | Err(_) => Err(SiweParseError::ChainId),
        Ok(chain_id) => Ok(chain_id),
    }
}

fn parse_timestamp(text: &str, what: &'static str) -> Result<DateTime<Utc>, SiweParseError> {
    // RFC 3339 `date-time`: `T` separator and an explicit offset; chrono also accepts a
    // space or lower case, which the grammar does not.
    let shape_ok = text.len() >= 20
        && text.as_bytes().get(10) == Some(&b'T')
        && (text.ends_with('Z')
            || text
                .as_bytes()
                .get(text.len() - 6)
                .is_some_and(|b| *b == b'+' || *b == b'-'));
    if !shape_ok {
        return Err(SiweParseError::Timestamp(what));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| SiweParseError::Timestamp(what))
}

fn valid_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn sub_delim(c: char) -> bool {
    matches!(
        c,
        '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '='
    )
}

fn pchar(c: char) -> bool {
    unreserved(c) || sub_delim(c) || matches!(c, '%' | ':' | '@')
}

fn valid_authority(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 255
        && domain
            .chars()
            .all(|c| unreserved(c) || sub_delim(c) || matches!(c, '%' | ':' | '@' | '[' | ']'))
}

/// Whether `statement` may stand on the statement line (EIP-4361: reserved, unreserved and
/// space characters, no line feed).
pub fn is_valid_statement(statement: &str) -> bool {
    !statement.is_empty()
        && !statement.starts_with("URI: ")
        && statement.chars().all(statement_char)
}

fn statement_char(c: char) -> bool {
    // reserved / unreserved / " " (RFC 3986 reserved = gen-delims + sub-delims).
    unreserved(c)
        || sub_delim(c)
        || c == ' '
        || matches!(c, ':' | '/' | '?' | '#' | '[' | ']' | '@')
}

fn valid_uri(uri: &str) -> bool {
    let scheme_ok = uri
        .split_once(':')
        .is_some_and(|(scheme, rest)| valid_scheme(scheme) && !rest.is_empty());
    scheme_ok
        && uri.len() <= 1024
        && uri
            .chars()
            .all(|c| (statement_char(c) && c != ' ') || c == '%')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const EXAMPLE: &str = "service.invalid wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ServiceOrg Terms of Service: https://service.invalid/tos

URI: https://service.invalid/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json";

    #[test]
    fn the_eip_4361_example_parses() {
        let message = SiweMessage::parse(EXAMPLE).unwrap();
        assert_eq!(message.domain, "service.invalid");
        assert_eq!(message.scheme, None);
        assert_eq!(
            message.address.to_checksum(None),
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
        );
        assert_eq!(
            message.statement.as_deref(),
            Some("I accept the ServiceOrg Terms of Service: https://service.invalid/tos")
        );
        assert_eq!(message.uri, "https://service.invalid/login");
        assert_eq!(message.chain_id, 1);
        assert_eq!(message.nonce, "32891756");
        assert_eq!(
            message.issued_at,
            Utc.with_ymd_and_hms(2021, 9, 30, 16, 25, 24).unwrap()
        );
        assert_eq!(message.resources.len(), 2);
    }

    #[test]
    fn a_message_without_statement_and_with_a_scheme_parses() {
        let text = "https://example.org wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2


URI: https://example.org
Version: 1
Chain ID: 10
Nonce: abcdefgh12
Issued At: 2026-11-22T12:00:00.000Z
Expiration Time: 2026-11-22T12:05:00.000Z";
        let message = SiweMessage::parse(text).unwrap();
        assert_eq!(message.scheme.as_deref(), Some("https"));
        assert_eq!(message.statement, None);
        assert!(message.expiration_time.is_some());
        assert_eq!(message.to_string(), text);
    }

    #[test]
    fn deviations_from_the_format_are_refused() {
        let cases: Vec<(String, SiweParseError)> = vec![
            (
                EXAMPLE.replace('\n', "\r\n"),
                SiweParseError::CarriageReturn,
            ),
            (format!("{EXAMPLE}\n"), SiweParseError::UnexpectedLine(14)),
            (
                EXAMPLE.replace(
                    "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
                    "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
                ),
                SiweParseError::Address,
            ),
            (
                EXAMPLE.replace("Version: 1", "Version: 2"),
                SiweParseError::Version,
            ),
            (
                EXAMPLE.replace("Chain ID: 1", "Chain ID: x"),
                SiweParseError::ChainId,
            ),
            (
                EXAMPLE.replace("Chain ID: 1", "Chain ID: 0"),
                SiweParseError::ChainId,
            ),
            (
                EXAMPLE.replace("Nonce: 32891756", "Nonce: 123"),
                SiweParseError::Nonce,
            ),
            (
                EXAMPLE.replace("2021-09-30T16:25:24Z", "2021-09-30 16:25:24Z"),
                SiweParseError::Timestamp("issued-at time"),
            ),
            (
                EXAMPLE.replace("wants you to sign in", "wants you to log in"),
                SiweParseError::Header,
            ),
            (
                EXAMPLE.replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1"),
                SiweParseError::Field {
                    line: 7,
                    field: "Version: ",
                },
            ),
            (
                EXAMPLE.replace("Terms of", "Terms \"of\""),
                SiweParseError::Statement,
            ),
            (
                EXAMPLE.replace("service.invalid wants", "evil site wants"),
                SiweParseError::Domain,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(SiweMessage::parse(&text), Err(expected), "{text}");
        }
    }

    #[test]
    fn oversized_messages_are_refused_before_parsing() {
        let text = format!("{EXAMPLE}{}", "a".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(SiweMessage::parse(&text), Err(SiweParseError::TooLong));
    }

    fn arbitrary_message() -> impl Strategy<Value = SiweMessage> {
        (
            (
                proptest::option::of("[a-z][a-z0-9+.-]{0,8}"),
                "[a-z0-9.-]{1,30}(:[0-9]{1,5})?",
                any::<[u8; 20]>(),
                proptest::option::of("[A-Za-z0-9 .,:/?#@!$&'()*+;=_~-]{1,80}"),
                "https://[a-z0-9.-]{1,20}(/[a-z0-9._~-]{0,10}){0,3}",
                1_u64..=u64::MAX,
                "[A-Za-z0-9]{8,64}",
            ),
            (
                0_i64..4_102_444_800_000,
                proptest::option::of(0_i64..4_102_444_800_000),
                proptest::option::of(0_i64..4_102_444_800_000),
                proptest::option::of("[A-Za-z0-9._~:@!$&'()*+,;=%-]{0,20}"),
                proptest::collection::vec("ipfs://[a-z0-9]{1,20}", 0..4),
            ),
        )
            .prop_filter("a statement cannot look like the URI line", |(head, _)| {
                head.3
                    .as_deref()
                    .is_none_or(|s| !s.starts_with("URI: ") && !s.trim().is_empty())
            })
            .prop_map(|(head, tail)| {
                let (scheme, domain, address, statement, uri, chain_id, nonce) = head;
                let (issued, expiration, not_before, request_id, resources) = tail;
                let millis = |ms: i64| Utc.timestamp_millis_opt(ms).unwrap();
                SiweMessage {
                    scheme,
                    domain,
                    address: Address::from(address),
                    statement,
                    uri,
                    version: "1".into(),
                    chain_id,
                    nonce,
                    issued_at: millis(issued),
                    expiration_time: expiration.map(millis),
                    not_before: not_before.map(millis),
                    request_id,
                    resources,
                }
            })
    }

    proptest! {
        #[test]
        fn rendered_messages_parse_back_to_themselves(message in arbitrary_message()) {
            let text = message.to_string();
            prop_assert_eq!(SiweMessage::parse(&text), Ok(message));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,600}") {
            let _ = SiweMessage::parse(&text);
        }

        #[test]
        fn any_single_character_change_is_noticed(
            message in arbitrary_message(),
            index in any::<prop::sample::Index>(),
        ) {
            let text = message.to_string();
            let position = index.index(text.len());
            if text.is_char_boundary(position) && text.as_bytes()[position].is_ascii_alphanumeric() {
                let original = text.as_bytes()[position];
                let replacement = if original == b'Z' { 'Y' } else { 'Z' };
                let mut changed = text.clone();
                changed.replace_range(position..=position, &replacement.to_string());
                // Either the parser refuses it or it reads a different message.
                prop_assert_ne!(SiweMessage::parse(&changed).ok(), Some(message));
            }
        }
    }
}

//! What a bounty is about: a stored file, a URL or a deployed contract, and the 32-byte reference
//! the contract commits to (`ArtifactKind` and `artifactHash` in `BountyTypes.sol`).

use std::fmt;

use crate::hex;

/// Longest URL accepted as an artifact (bytes). Browsers and proxies commonly cap URLs near 2 KiB;
/// a longer one is almost certainly not a page someone wants analysed.
pub const MAX_URL_LEN: usize = 2048;

/// The kind of artifact, numbered as the contract's `ArtifactKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// A file known to the analysis service by its SHA-256.
    File,
    /// A URL.
    Url,
    /// A deployed contract.
    Contract,
}

impl ArtifactKind {
    /// Every kind, in the contract's order.
    pub const ALL: [ArtifactKind; 3] = [
        ArtifactKind::File,
        ArtifactKind::Url,
        ArtifactKind::Contract,
    ];

    /// The contract's `uint8` value.
    pub fn as_u8(self) -> u8 {
        match self {
            ArtifactKind::File => 0,
            ArtifactKind::Url => 1,
            ArtifactKind::Contract => 2,
        }
    }

    /// The kind with the contract's value `value`.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_u8() == value)
    }

    /// The stable snake_case name (API, database).
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::File => "file",
            ArtifactKind::Url => "url",
            ArtifactKind::Contract => "contract",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// Why an artifact reference is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactError {
    /// A file's SHA-256 must be 64 hex digits.
    FileHash,
    /// A URL must be `http://` or `https://` with a host, printable ASCII without spaces.
    Url,
    /// A URL longer than [`MAX_URL_LEN`].
    UrlTooLong,
    /// A contract address must be `0x` and 40 hex digits, not zero.
    ContractAddress,
    /// A contract's chain id must be positive.
    ChainId,
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            ArtifactError::FileHash => "a file artifact is named by its SHA-256: 64 hex digits",
            ArtifactError::Url => {
                "a URL artifact must start with http:// or https://, name a host and hold only \
                 printable ASCII without spaces"
            }
            ArtifactError::UrlTooLong => "a URL artifact may be at most 2048 bytes long",
            ArtifactError::ContractAddress => {
                "a contract artifact's address must be 0x and 40 hex digits, not the zero address"
            }
            ArtifactError::ChainId => "a contract artifact's chain id must be positive",
        })
    }
}

impl std::error::Error for ArtifactError {}

/// A checked artifact.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Artifact {
    /// A file, by the SHA-256 of its bytes.
    File {
        /// SHA-256 of the bytes.
        sha256: [u8; 32],
    },
    /// A URL, exactly as given (the contract commits to keccak256 of these bytes).
    Url {
        /// The URL.
        url: String,
    },
    /// A contract on a chain.
    Contract {
        /// EIP-155 chain id.
        chain_id: u64,
        /// The contract's address.
        address: [u8; 20],
    },
}

impl Artifact {
    /// A file artifact from its hex SHA-256 (either case).
    pub fn file(sha256_hex: &str) -> Result<Self, ArtifactError> {
        hex::decode_array(sha256_hex)
            .map(|sha256| Artifact::File { sha256 })
            .ok_or(ArtifactError::FileHash)
    }

    /// A URL artifact.
    pub fn url(url: &str) -> Result<Self, ArtifactError> {
        if url.len() > MAX_URL_LEN {
            return Err(ArtifactError::UrlTooLong);
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or(ArtifactError::Url)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let printable = url.bytes().all(|byte| byte.is_ascii_graphic());
        if host.is_empty() || host.starts_with(':') || !printable {
            return Err(ArtifactError::Url);
        }
        Ok(Artifact::Url {
            url: url.to_owned(),
        })
    }

    /// A contract artifact from its chain id and `0x`-prefixed hex address (either case).
    pub fn contract(chain_id: u64, address_hex: &str) -> Result<Self, ArtifactError> {
        if chain_id == 0 {
            return Err(ArtifactError::ChainId);
        }
        let address: [u8; 20] = address_hex
            .strip_prefix("0x")
            .and_then(hex::decode_array)
            .ok_or(ArtifactError::ContractAddress)?;
        if address == [0; 20] {
            return Err(ArtifactError::ContractAddress);
        }
        Ok(Artifact::Contract { chain_id, address })
    }

    /// Its kind.
    pub fn kind(&self) -> ArtifactKind {
        match self {
            Artifact::File { .. } => ArtifactKind::File,
            Artifact::Url { .. } => ArtifactKind::Url,
            Artifact::Contract { .. } => ArtifactKind::Contract,
        }
    }

    /// The contract's `artifactHash`: the file's SHA-256, keccak256 of the URL's bytes, or the
    /// address left-padded to 32 bytes. Keccak comes from the caller (nexus-chain has it), so this
    /// crate stays free of a hashing dependency it would use once.
    pub fn reference(&self, keccak256: impl FnOnce(&[u8]) -> [u8; 32]) -> [u8; 32] {
        match self {
            Artifact::File { sha256 } => *sha256,
            Artifact::Url { url } => keccak256(url.as_bytes()),
            Artifact::Contract { address, .. } => {
                let mut padded = [0u8; 32];
                padded[12..].copy_from_slice(address);
                padded
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn kinds_are_numbered_as_in_the_contract() {
        assert_eq!(ArtifactKind::File.as_u8(), 0);
        assert_eq!(ArtifactKind::Url.as_u8(), 1);
        assert_eq!(ArtifactKind::Contract.as_u8(), 2);
        for kind in ArtifactKind::ALL {
            assert_eq!(ArtifactKind::from_u8(kind.as_u8()), Some(kind));
            assert_eq!(ArtifactKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ArtifactKind::from_u8(3), None);
    }

    #[test]
    fn references_are_what_the_contract_commits_to() {
        let file = Artifact::file(&"Ab".repeat(32)).unwrap();
        assert_eq!(file.reference(|_| [9; 32]), [0xab; 32]);
        let url = Artifact::url("https://example.com/a?b#c").unwrap();
        assert_eq!(url.reference(|bytes| [bytes.len() as u8; 32]), [25; 32]);
        let contract = Artifact::contract(1, &format!("0x{}", "11".repeat(20))).unwrap();
        let mut padded = [0u8; 32];
        padded[12..].fill(0x11);
        assert_eq!(contract.reference(|_| [9; 32]), padded);
    }

    #[test]
    fn malformed_references_are_refused() {
        assert_eq!(Artifact::file("abc"), Err(ArtifactError::FileHash));
        assert_eq!(
            Artifact::file(&"zz".repeat(32)),
            Err(ArtifactError::FileHash)
        );
        for url in [
            "ftp://x",
            "https://",
            "https:///path",
            "http://a b",
            "https://:80",
            "javascript:alert(1)",
        ] {
            assert_eq!(Artifact::url(url), Err(ArtifactError::Url), "{url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(Artifact::url(&long), Err(ArtifactError::UrlTooLong));
        assert_eq!(
            Artifact::contract(0, &format!("0x{}", "11".repeat(20))),
            Err(ArtifactError::ChainId)
        );
        assert_eq!(
            Artifact::contract(1, &"11".repeat(20)),
            Err(ArtifactError::ContractAddress)
        );
        assert_eq!(
            Artifact::contract(1, &format!("0x{}", "00".repeat(20))),
            Err(ArtifactError::ContractAddress)
        );
    }

    proptest! {
        /// No input panics; whatever is accepted keeps its kind and (for URLs) its exact text.
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,80}", chain_id in any::<u64>()) {
            let _ = Artifact::file(&text);
            let _ = Artifact::contract(chain_id, &text);
            if let Ok(Artifact::Url { url }) = Artifact::url(&text) {
                prop_assert_eq!(url, text);
            }
        }
    }
}

//! Signed intents and permits as they arrive in a request body ([`SignedIntent`],
//! [`SignedPermit`]: hex and decimal strings), parsed into the contract's types and checked
//! against the typed data they claim to sign.
//!
//! The check matters even though the contract checks again: an intent whose signature does not
//! recover to its signer would be queued, estimated and refused by the node, and the caller would
//! learn it minutes later from a failed job. Refusing it here answers at once, with a reason, and
//! keeps junk out of the relayer's queue. (A contract wallet, ERC-1271, has no key to recover; the
//! platform supports externally owned wallets, the ones SIWE links.)

use alloy::primitives::{Address, B256, Signature, U256};
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::intents;
use nexus_chain::typed_data::TypedData;
use nexus_core::ChainAddress;
use nexus_proto::bounty::{SignedIntent, SignedPermit};

/// What is wrong with a signed intent or permit; every variant names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntentError {
    /// A field is not what it must be (an address, a decimal number, a 65-byte signature).
    #[error("{field} {problem}")]
    Malformed {
        /// The JSON path of the field (`intent.signer`).
        field: &'static str,
        /// What is wrong, for a person.
        problem: String,
    },
    /// The signature is well formed but was not made by the claimed signer over these values.
    #[error(
        "{what} was not signed by {claimed} over these values (it recovers to {recovered}); sign \
         the typed data from GET /api/v1/bounties/intents/... again with that wallet"
    )]
    WrongSigner {
        /// `the intent` or `the permit`.
        what: &'static str,
        /// The signer the body names.
        claimed: Address,
        /// Whose key made the signature.
        recovered: Address,
    },
    /// The intent's deadline passed (by the chain's clock).
    #[error("{what} expired at unix second {deadline}; get fresh typed data and sign again")]
    Expired {
        /// `the intent` or `the permit`.
        what: &'static str,
        /// Its deadline.
        deadline: U256,
    },
}

impl IntentError {
    /// The stable code (docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            IntentError::Malformed { .. } => "invalid_intent",
            IntentError::WrongSigner { .. } => "intent_signature_mismatch",
            IntentError::Expired { .. } => "intent_expired",
        }
    }
}

fn malformed(field: &'static str, problem: impl Into<String>) -> IntentError {
    IntentError::Malformed {
        field,
        problem: problem.into(),
    }
}

/// An `0x` + 40 hex digits address (any case; a mixed-case one must carry a valid checksum).
pub fn parse_address(field: &'static str, text: &str) -> Result<Address, IntentError> {
    text.parse::<ChainAddress>()
        .map(|address| Address::from(address.to_bytes()))
        .map_err(|error| malformed(field, format!("is not valid: {error}")))
}

/// A non-negative decimal integer below 2^256 (no sign, no leading `+`, at most 78 digits).
pub fn parse_uint(field: &'static str, text: &str) -> Result<U256, IntentError> {
    if text.is_empty() || text.len() > 78 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(field, "must be a decimal integer"));
    }
    U256::from_str_radix(text, 10).map_err(|_| malformed(field, "is larger than 2^256 - 1"))
}

/// A 32-byte value as `0x` + 64 hex digits.
pub fn parse_bytes32(field: &'static str, text: &str) -> Result<B256, IntentError> {
    if !text.starts_with("0x") || text.len() != 66 {
        return Err(malformed(field, "must be 0x followed by 64 hex digits"));
    }
    text.parse()
        .map_err(|_| malformed(field, "must be 0x followed by 64 hex digits"))
}

fn parse_signature(field: &'static str, text: &str) -> Result<Signature, IntentError> {
    let bytes = text
        .strip_prefix("0x")
        .and_then(|hex| alloy::hex::decode(hex).ok())
        .ok_or_else(|| malformed(field, "must be 0x-prefixed hex"))?;
    if bytes.len() != 65 {
        return Err(malformed(
            field,
            format!("must be 65 bytes (r, s, v), not {}", bytes.len()),
        ));
    }
    Signature::try_from(bytes.as_slice())
        .map_err(|error| malformed(field, format!("is not a signature ({error})")))
}

/// A parsed [`SignedIntent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The signing wallet.
    pub signer: Address,
    /// The nonce it was signed with.
    pub nonce: U256,
    /// Its last valid unix second.
    pub deadline: U256,
    signature: Signature,
}

impl Intent {
    /// Parses the body's intent; field names in errors are `intent.<field>`.
    pub fn parse(wire: &SignedIntent) -> Result<Self, IntentError> {
        Ok(Self {
            signer: parse_address("intent.signer", &wire.signer)?,
            nonce: parse_uint("intent.nonce", &wire.nonce)?,
            deadline: parse_uint("intent.deadline", &wire.deadline)?,
            signature: parse_signature("intent.signature", &wire.signature)?,
        })
    }

    /// Ok when the signature over `typed` (the typed data rebuilt from the request's values and
    /// this intent's nonce and deadline) recovers to [`Intent::signer`], and the deadline is
    /// still ahead of `now` (unix seconds, the chain's clock).
    pub fn check(&self, typed: &TypedData, now: u64) -> Result<(), IntentError> {
        check_signed("the intent", typed, &self.signature, self.signer)?;
        not_expired("the intent", self.deadline, now)
    }

    /// The bounty contract's envelope (create, commit, dispute).
    pub fn to_bounty(&self) -> BountyContract::Intent {
        intents::bounty_intent(self.signer, self.nonce, self.deadline, &self.signature)
    }

    /// The token's envelope (stake, unstake request).
    pub fn to_token(&self) -> ReputationToken::Intent {
        intents::token_intent(self.signer, self.nonce, self.deadline, &self.signature)
    }
}

/// A parsed [`SignedPermit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// Its deadline.
    pub deadline: U256,
    signature: Signature,
}

impl Permit {
    /// Parses the body's permit; field names in errors are `permit.<field>`.
    pub fn parse(wire: &SignedPermit) -> Result<Self, IntentError> {
        Ok(Self {
            deadline: parse_uint("permit.deadline", &wire.deadline)?,
            signature: parse_signature("permit.signature", &wire.signature)?,
        })
    }

    /// Ok when the signature over `typed` (the permit typed data for the action's owner, amount,
    /// the owner's permit nonce and this deadline) recovers to `owner` and has not expired.
    pub fn check(&self, typed: &TypedData, owner: Address, now: u64) -> Result<(), IntentError> {
        check_signed("the permit", typed, &self.signature, owner)?;
        not_expired("the permit", self.deadline, now)
    }

    /// The contract's `PermitSignature`.
    pub fn to_abi(&self) -> BountyContract::PermitSignature {
        intents::permit_signature(&self.signature, self.deadline)
    }
}

fn check_signed(
    what: &'static str,
    typed: &TypedData,
    signature: &Signature,
    claimed: Address,
) -> Result<(), IntentError> {
    let recovered = typed
        .recover_signer(&signature.as_bytes())
        .map_err(|error| malformed("signature", error.to_string()))?;
    if recovered == claimed {
        Ok(())
    } else {
        Err(IntentError::WrongSigner {
            what,
            claimed,
            recovered,
        })
    }
}

fn not_expired(what: &'static str, deadline: U256, now: u64) -> Result<(), IntentError> {
    if deadline < U256::from(now) {
        Err(IntentError::Expired { what, deadline })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy::signers::SignerSync;
    use alloy::signers::local::PrivateKeySigner;
    use nexus_chain::deploy::Deployment;

    use super::*;

    fn deployment() -> Deployment {
        Deployment {
            chain_id: 31337,
            deployer: Address::repeat_byte(1),
            block_number: 1,
            reputation_token: Address::repeat_byte(2),
            timelock: Address::repeat_byte(4),
            governance: Address::repeat_byte(5),
            bounty: Address::repeat_byte(3),
        }
    }

    fn signed(signer: &PrivateKeySigner, typed: &TypedData) -> String {
        let hash = typed.signing_hash().expect("hash");
        let signature = signer.sign_hash_sync(&hash).expect("signs");
        alloy::hex::encode_prefixed(signature.as_bytes())
    }

    fn dispute(signer: Address, nonce: u64, deadline: u64) -> TypedData {
        nexus_chain::typed_data::open_dispute(
            &deployment(),
            signer,
            U256::from(7),
            U256::from(nonce),
            U256::from(deadline),
        )
    }

    #[test]
    fn an_intent_signed_over_the_rebuilt_typed_data_checks_and_any_change_is_refused() {
        let wallet = PrivateKeySigner::random();
        let typed = dispute(wallet.address(), 3, 2_000);
        let wire = SignedIntent {
            signer: wallet.address().to_checksum(None),
            nonce: "3".into(),
            deadline: "2000".into(),
            signature: signed(&wallet, &typed),
        };
        let intent = Intent::parse(&wire).expect("parses");
        assert_eq!(intent.check(&typed, 1_000), Ok(()));
        assert_eq!(intent.to_bounty().signer, wallet.address());

        // Another nonce in the rebuilt typed data: the signature no longer recovers to the signer.
        let other = dispute(wallet.address(), 4, 2_000);
        let error = intent.check(&other, 1_000).unwrap_err();
        assert_eq!(error.code(), "intent_signature_mismatch");

        // Signed by someone else on the signer's behalf.
        let thief = PrivateKeySigner::random();
        let forged = Intent::parse(&SignedIntent {
            signature: signed(&thief, &typed),
            ..wire.clone()
        })
        .expect("parses");
        assert_eq!(
            forged.check(&typed, 1_000),
            Err(IntentError::WrongSigner {
                what: "the intent",
                claimed: wallet.address(),
                recovered: thief.address(),
            })
        );

        // Past its deadline by the chain's clock.
        assert_eq!(
            intent.check(&typed, 2_001).unwrap_err().code(),
            "intent_expired"
        );
    }

    #[test]
    fn malformed_fields_are_named() {
        let good = SignedIntent {
            signer: "0x00000000000000000000000000000000000000aa".into(),
            nonce: "0".into(),
            deadline: "1".into(),
            signature: format!("0x{}", "11".repeat(65)),
        };
        type Spoil = fn(&mut SignedIntent);
        let cases: [(Spoil, &str); 6] = [
            (|w| w.signer = "0x12".into(), "intent.signer"),
            (
                |w| w.signer = format!("0X{}", "ab".repeat(20)),
                "intent.signer",
            ),
            (|w| w.nonce = "-1".into(), "intent.nonce"),
            (|w| w.deadline = "1e9".into(), "intent.deadline"),
            (|w| w.signature = "0x1234".into(), "intent.signature"),
            (|w| w.signature = "11".repeat(65), "intent.signature"),
        ];
        for (spoil, field) in cases {
            let mut wire = good.clone();
            spoil(&mut wire);
            match Intent::parse(&wire) {
                Err(IntentError::Malformed { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{wire:?} gave {other:?}"),
            }
        }
        // A mixed-case address with a wrong checksum is refused; all-lower is accepted.
        assert!(parse_address("a", "0x52908400098527886E0F7030069857D2E4169Ee7").is_err());
        assert!(parse_address("a", "0x52908400098527886E0F7030069857D2E4169EE7").is_ok());
        assert!(parse_address("a", "0x52908400098527886e0f7030069857d2e4169ee7").is_ok());
        assert!(parse_uint("a", &"9".repeat(79)).is_err());
        assert!(parse_uint("a", &format!("{}", U256::MAX)).is_ok());
    }
}

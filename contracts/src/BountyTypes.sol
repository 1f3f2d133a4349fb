// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice What a bounty's artifact reference points at.
/// @dev File: `artifactHash` is the SHA-256 of the file's bytes. Url: keccak256 of the UTF-8 URL.
///      Contract: the contract address, left-padded to 32 bytes (`bytes32(uint256(uint160(addr)))`).
enum ArtifactKind {
    File,
    Url,
    Contract
}

/// @notice An analyst's verdict. `None` marks an assertion that has not been revealed.
enum Verdict {
    None,
    Benign,
    Malicious
}

/// @notice The result of a bounty. `Pending` until `resolve`; `Invalid` means no valid majority
///         (quorum not met, a tie, or a ruling for a verdict nobody revealed): everything is refunded.
enum Outcome {
    Pending,
    Benign,
    Malicious,
    Invalid
}

/// @notice Life cycle of a bounty. Whether the commit or reveal phase is running while `Open`
///         follows from the deadlines. Payouts need the bounty to be final (see `isFinal`).
enum Status {
    None,
    Open,
    Resolved,
    Disputed,
    Decided
}

/// @notice Platform parameters, set by governance (through the timelock).
/// @param feeBps Platform fee in basis points of the settlement pool, at most MAX_FEE_BPS.
/// @param quorum Minimum number of revealed assertions for a valid result (at least 1).
/// @param minCommitWindow The assertion deadline must be at least this far ahead at creation.
/// @param maxCommitWindow ...and at most this far ahead.
/// @param revealWindow Length of the reveal phase after the assertion deadline.
/// @param disputeWindow Time after resolution during which a participant may dispute.
/// @param arbitrationWindow Time the arbiters have to decide a dispute; afterwards the original result stands.
/// @param minReward Smallest reward a bounty may escrow.
/// @param minAssertionStake Floor for a bounty's per-assertion minimum stake (at least 1).
/// @param minAnalystStake Qualification: NXS an analyst must have staked in the token to commit.
/// @param noRevealSlash Amount slashed from the qualifying stake of an analyst who never reveals.
/// @param treasury Receives fees, rounding dust, forfeited stakes of failed bounties and slashes.
struct Params {
    uint16 feeBps;
    uint32 quorum;
    uint64 minCommitWindow;
    uint64 maxCommitWindow;
    uint64 revealWindow;
    uint64 disputeWindow;
    uint64 arbitrationWindow;
    uint128 minReward;
    uint128 minAssertionStake;
    uint128 minAnalystStake;
    uint128 noRevealSlash;
    address treasury;
}

/// @notice What a creator asks for.
/// @param artifactHash See ArtifactKind.
/// @param kind See ArtifactKind.
/// @param reward NXS escrowed as the reward.
/// @param minStake Smallest stake an assertion must carry.
/// @param assertionDeadline Last timestamp at which an assertion may be committed.
struct CreateBountyRequest {
    bytes32 artifactHash;
    ArtifactKind kind;
    uint128 reward;
    uint128 minStake;
    uint64 assertionDeadline;
}

/// @notice An optional EIP-2612 permit for the token, so no separate `approve` is needed.
///         `deadline == 0` means "no permit" (the caller approved beforehand).
struct PermitSignature {
    uint256 deadline;
    uint8 v;
    bytes32 r;
    bytes32 s;
}

/// @notice Envelope of an EIP-712 signed intent relayed by someone else.
/// @param signer The account acting (creator, analyst or disputant).
/// @param nonce The signer's next nonce (`nonces(signer)`); each intent is usable once.
/// @param deadline Last timestamp at which the intent may be executed.
/// @param signature ECDSA signature, or ERC-1271 for contract wallets.
struct Intent {
    address signer;
    uint256 nonce;
    uint256 deadline;
    bytes signature;
}

/// @notice What a bounty was created with. Never changes afterwards. Parameters that affect
///         settlement are copied from `Params` here, so a governance change never alters a running bounty.
struct BountyTerms {
    address creator;
    uint64 assertionDeadline;
    uint32 quorum;
    bytes32 artifactHash;
    uint128 reward;
    uint128 minStake;
    uint64 revealDeadline;
    uint64 disputeWindow;
    uint64 arbitrationWindow;
    uint16 feeBps;
    ArtifactKind kind;
    uint128 noRevealSlash;
}

/// @notice Where a bounty stands: life-cycle status, revealed tallies and what was paid.
struct BountyState {
    Status status;
    Outcome outcome;
    bool treasuryPaid;
    bool creatorRefunded;
    uint64 disputeDeadline;
    uint64 arbitrationDeadline;
    uint32 commitCount;
    uint32 benignCount;
    uint32 maliciousCount;
    uint32 claimedWinners;
    uint128 totalStake;
    uint128 paidOut;
    uint128 benignStake;
    uint128 maliciousStake;
    uint128 paidShares;
}

/// @notice A bounty: its immutable terms and its changing state.
struct Bounty {
    BountyTerms terms;
    BountyState state;
}

/// @notice One analyst's assertion on one bounty.
struct Assertion {
    bytes32 commitment;
    uint128 stake;
    Verdict verdict;
    uint8 confidence;
    bool claimed;
    bool slashed;
}

/// @notice How a final bounty's escrow is divided (see docs/CONTRACTS.md, "Settlement").
/// @param outcome Benign or Malicious (winners paid) or Invalid (everything refunded).
/// @param winningStake Revealed stake on the winning verdict (0 when Invalid).
/// @param pool Reward + losing revealed stake + unrevealed stake (0 when Invalid).
/// @param fee floor(pool * feeBps / 10_000), to the treasury.
/// @param distributable pool - fee, shared among winners pro rata to stake (floored; dust to treasury).
/// @param treasuryAmount fee when valid; the forfeited unrevealed stake when Invalid.
/// @param creatorRefund The reward when Invalid, else 0.
struct Settlement {
    Outcome outcome;
    uint256 winningStake;
    uint256 pool;
    uint256 fee;
    uint256 distributable;
    uint256 treasuryAmount;
    uint256 creatorRefund;
}

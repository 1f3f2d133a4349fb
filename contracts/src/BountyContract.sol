// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {
    ArtifactKind,
    Assertion,
    Bounty,
    CreateBountyRequest,
    Intent,
    Outcome,
    Params,
    PermitSignature,
    Settlement,
    Status,
    Verdict
} from "./BountyTypes.sol";
import {INexusStakingToken} from "./interfaces/INexusStakingToken.sol";

/// @title BountyContract
/// @notice Escrowed malware-analysis bounties with sealed (commit-reveal) assertions, stake-weighted
///         resolution, pull-payment claims, refunds and arbitrated disputes.
/// @dev Life of a bounty (all times are block timestamps):
///      1. `createBounty`: the creator escrows `reward` NXS. Commit phase until `assertionDeadline`.
///      2. `commit`: a qualified analyst (enough NXS staked in the token) escrows a stake with
///         `commitment = keccak256(abi.encode(bountyId, analyst, verdict, confidence, metadataHash, salt))`.
///      3. `reveal` (after the assertion deadline, until `revealDeadline`): anyone may submit the
///         preimage; it must match the commitment.
///      4. `resolve` (after the reveal deadline, anyone): stake-weighted majority of revealed verdicts
///         if at least `quorum` assertions were revealed; a tie or missing quorum is Invalid.
///      5. Dispute window: the creator or a revealed analyst may dispute once; an arbiter (appointed by
///         governance) rules within the arbitration window, else the original result stands.
///      6. Once final: winners `claim` stake + pro-rata share; `refundCreator` / `claim` return
///         reward and revealed stakes when Invalid; `payTreasury` pays the fee (or forfeited stakes).
///
///      Safety properties (each covered by tests in test/):
///      - Every external function that moves tokens is `nonReentrant` and follows checks-effects-
///        interactions. Tokens move only through `_pull` and `_pay`, which check the exact balance
///        change, so fee-on-transfer or otherwise misbehaving tokens revert instead of leaving the
///        escrow short.
///      - `_pay` refuses to pay a bounty more than it escrowed (reward + stakes), and
///        `totalEscrowed` (the sum of what all bounties still owe) is always covered by the balance.
///      - No loop over a user-controlled list: every function is O(1).
///      - Pausing (guardian) stops money coming in (`createBounty`, `commit`) and never stops money
///        going out or deadlines running (`reveal`, `resolve`, disputes, claims).
///      - Signed intents: EIP-712, per-signer sequential nonces, a deadline, ERC-1271 support.
///        Reveals, resolution and claims need no signature: they only ever act in the named
///        account's favour and pay only the named account.
contract BountyContract is AccessControl, Pausable, ReentrancyGuard, EIP712, Nonces {
    using SafeERC20 for IERC20;

    /// @notice May change `Params` (granted to the timelock).
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    /// @notice May decide disputes (appointed by governance).
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice May pause and unpause new deposits.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Denominator of `feeBps`.
    uint256 public constant BPS = 10_000;
    /// @notice Largest fee governance may set: 10%.
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Largest confidence value (percent).
    uint8 public constant MAX_CONFIDENCE = 100;
    /// @notice Bounds on the windows governance may set, so no parameter can freeze funds for long.
    uint64 public constant MIN_WINDOW = 1 hours;
    /// @notice Upper bound on every window.
    uint64 public constant MAX_WINDOW = 30 days;

    /// @notice EIP-712 type of a relayed bounty creation.
    bytes32 public constant CREATE_BOUNTY_TYPEHASH = keccak256(
        "CreateBounty(address creator,bytes32 artifactHash,uint8 kind,uint128 reward,uint128 minStake,uint64 assertionDeadline,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type of a relayed commit.
    bytes32 public constant COMMIT_ASSERTION_TYPEHASH = keccak256(
        "CommitAssertion(address analyst,uint256 bountyId,bytes32 commitment,uint128 stake,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type of a relayed dispute.
    bytes32 public constant OPEN_DISPUTE_TYPEHASH =
        keccak256("OpenDispute(address disputant,uint256 bountyId,uint256 nonce,uint256 deadline)");

    /// @notice The NXS token: escrow currency, qualification stake and slashing.
    INexusStakingToken public immutable token;

    /// @notice Current platform parameters.
    Params private _params;
    /// @notice Number of bounties created; ids run from 1 to `bountyCount`.
    uint256 public bountyCount;
    /// @notice Sum over all bounties of (reward + stakes - paid out): what the escrow still owes.
    uint256 public totalEscrowed;

    mapping(uint256 bountyId => Bounty) private _bounties;
    mapping(uint256 bountyId => mapping(address analyst => Assertion)) private _assertions;

    /// @notice A bounty was created and its reward escrowed.
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed creator,
        bytes32 indexed artifactHash,
        ArtifactKind kind,
        uint256 reward,
        uint256 minStake,
        uint64 assertionDeadline,
        uint64 revealDeadline
    );
    /// @notice A sealed assertion was committed and its stake escrowed.
    event AssertionCommitted(
        uint256 indexed bountyId, address indexed analyst, bytes32 commitment, uint256 stake
    );
    /// @notice An assertion was revealed and matched its commitment.
    event AssertionRevealed(
        uint256 indexed bountyId,
        address indexed analyst,
        Verdict verdict,
        uint8 confidence,
        bytes32 metadataHash
    );
    /// @notice The bounty was resolved; the dispute window runs until `disputeDeadline`.
    event BountyResolved(
        uint256 indexed bountyId,
        Outcome outcome,
        uint256 benignStake,
        uint256 maliciousStake,
        uint256 revealedCount,
        uint64 disputeDeadline
    );
    /// @notice A participant disputed the result.
    event DisputeOpened(uint256 indexed bountyId, address indexed disputant, uint64 arbitrationDeadline);
    /// @notice An arbiter ruled on the dispute; `outcome` is final.
    event DisputeDecided(uint256 indexed bountyId, address indexed arbiter, Outcome ruling, Outcome outcome);
    /// @notice An analyst's payout (winner's stake + share, or refunded stake) was paid.
    event RewardClaimed(uint256 indexed bountyId, address indexed analyst, uint256 amount);
    /// @notice The creator's reward was refunded (Invalid outcome).
    event CreatorRefunded(uint256 indexed bountyId, address indexed creator, uint256 amount);
    /// @notice The treasury was paid: the fee or forfeited stakes (`payTreasury`), or rounding dust.
    event TreasuryPaid(uint256 indexed bountyId, address indexed treasury, uint256 amount, bool dust);
    /// @notice An analyst who never revealed had qualifying stake slashed to the treasury.
    event UnrevealedSlashed(uint256 indexed bountyId, address indexed analyst, uint256 amount);
    /// @notice Governance changed the parameters.
    event ParamsUpdated(Params params);

    /// @notice A parameter is outside its allowed range.
    error InvalidParams();
    /// @notice A request field is invalid (zero artifact, reward or stake too small, bad deadline).
    error InvalidRequest();
    /// @notice No bounty with this id.
    error UnknownBounty(uint256 bountyId);
    /// @notice The bounty is not in the status this action needs.
    error WrongStatus(Status status);
    /// @notice The action is outside its time window.
    error OutsideWindow(uint256 opens, uint256 closes);
    /// @notice The analyst has not staked enough NXS in the token to commit.
    error NotQualified(uint256 staked, uint256 required);
    /// @notice The creator may not assert on their own bounty.
    error CreatorCannotAssert();
    /// @notice The analyst already committed on this bounty.
    error AlreadyCommitted();
    /// @notice The stake is below the bounty's minimum.
    error StakeTooLow(uint256 stake, uint256 minimum);
    /// @notice No commitment from this analyst.
    error NoAssertion();
    /// @notice Already revealed.
    error AlreadyRevealed();
    /// @notice The verdict or confidence is out of range.
    error InvalidVerdict();
    /// @notice The revealed values do not hash to the commitment.
    error CommitmentMismatch();
    /// @notice The bounty is not final yet (dispute window or arbitration still running).
    error NotFinal();
    /// @notice Nothing to pay (a losing or unrevealed assertion, or already paid).
    error NothingToClaim();
    /// @notice Only the creator or a revealed analyst may dispute.
    error NotParticipant();
    /// @notice An arbiter may not rule on a bounty they take part in, and must give a real outcome.
    error InvalidRuling();
    /// @notice The signed intent expired.
    error IntentExpired(uint256 deadline);
    /// @notice The signature does not belong to the signer.
    error InvalidSignature();
    /// @notice The token moved a different amount than requested (fee-on-transfer or broken token).
    error UnexpectedBalanceChange(uint256 expected, uint256 actual);
    /// @notice A payment would exceed what the bounty escrowed. Unreachable unless there is a bug.
    error EscrowExceeded(uint256 bountyId);
    /// @notice An address parameter was zero.
    error ZeroAddress();

    /// @param token_ The NXS token.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMETER_ROLE (deployment moves them to the timelock).
    /// @param guardian Receives GUARDIAN_ROLE.
    /// @param initialParams Initial platform parameters.
    constructor(INexusStakingToken token_, address admin, address guardian, Params memory initialParams)
        EIP712("Nexus Bounty", "1")
    {
        if (address(token_) == address(0) || admin == address(0) || guardian == address(0)) {
            revert ZeroAddress();
        }
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _setParams(initialParams);
    }

    // =============================================================================================
    // Create
    // =============================================================================================

    /// @notice Create a bounty, escrowing `request.reward` from the caller (with an optional permit).
    /// @return bountyId The new bounty's id.
    function createBounty(CreateBountyRequest calldata request, PermitSignature calldata permit)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 bountyId)
    {
        return _createBounty(msg.sender, request, permit);
    }

    /// @notice Create a bounty on behalf of `intent.signer`, who signed a CreateBounty intent.
    function createBountyBySig(
        CreateBountyRequest calldata request,
        Intent calldata intent,
        PermitSignature calldata permit
    ) external nonReentrant whenNotPaused returns (uint256 bountyId) {
        bytes32 structHash = keccak256(
            abi.encode(
                CREATE_BOUNTY_TYPEHASH,
                intent.signer,
                request.artifactHash,
                uint8(request.kind),
                request.reward,
                request.minStake,
                request.assertionDeadline,
                intent.nonce,
                intent.deadline
            )
        );
        _useIntent(intent, structHash);
        return _createBounty(intent.signer, request, permit);
    }

    function _createBounty(
        address creator,
        CreateBountyRequest calldata request,
        PermitSignature calldata permit
    ) private returns (uint256 bountyId) {
        Params memory current = _params;
        if (request.artifactHash == bytes32(0)) revert InvalidRequest();
        if (request.reward < current.minReward) revert InvalidRequest();
        if (request.minStake < current.minAssertionStake) revert InvalidRequest();
        if (
            request.assertionDeadline < block.timestamp + current.minCommitWindow
                || request.assertionDeadline > block.timestamp + current.maxCommitWindow
        ) revert InvalidRequest();

        bountyId = ++bountyCount;
        Bounty storage bounty = _bounties[bountyId];
        bounty.terms.creator = creator;
        bounty.terms.artifactHash = request.artifactHash;
        bounty.terms.kind = request.kind;
        bounty.terms.reward = request.reward;
        bounty.terms.minStake = request.minStake;
        bounty.terms.assertionDeadline = request.assertionDeadline;
        bounty.terms.revealDeadline = request.assertionDeadline + current.revealWindow;
        bounty.terms.quorum = current.quorum;
        bounty.terms.feeBps = current.feeBps;
        bounty.terms.disputeWindow = current.disputeWindow;
        bounty.terms.arbitrationWindow = current.arbitrationWindow;
        bounty.terms.noRevealSlash = current.noRevealSlash;
        bounty.state.status = Status.Open;
        totalEscrowed += request.reward;

        emit BountyCreated(
            bountyId,
            creator,
            request.artifactHash,
            request.kind,
            request.reward,
            request.minStake,
            request.assertionDeadline,
            bounty.terms.revealDeadline
        );
        _pull(creator, request.reward, permit);
    }

    // =============================================================================================
    // Commit and reveal
    // =============================================================================================

    /// @notice The commitment an analyst must submit for these assertion values.
    function commitmentOf(
        uint256 bountyId,
        address analyst,
        Verdict verdict,
        uint8 confidence,
        bytes32 metadataHash,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(bountyId, analyst, verdict, confidence, metadataHash, salt));
    }

    /// @notice Commit a sealed assertion on `bountyId`, escrowing `stake` from the caller.
    function commit(uint256 bountyId, bytes32 commitment, uint128 stake, PermitSignature calldata permit)
        external
        nonReentrant
        whenNotPaused
    {
        _commit(msg.sender, bountyId, commitment, stake, permit);
    }

    /// @notice Commit on behalf of `intent.signer`, who signed a CommitAssertion intent.
    function commitBySig(
        uint256 bountyId,
        bytes32 commitment,
        uint128 stake,
        Intent calldata intent,
        PermitSignature calldata permit
    ) external nonReentrant whenNotPaused {
        bytes32 structHash = keccak256(
            abi.encode(
                COMMIT_ASSERTION_TYPEHASH,
                intent.signer,
                bountyId,
                commitment,
                stake,
                intent.nonce,
                intent.deadline
            )
        );
        _useIntent(intent, structHash);
        _commit(intent.signer, bountyId, commitment, stake, permit);
    }

    function _commit(
        address analyst,
        uint256 bountyId,
        bytes32 commitment,
        uint128 stake,
        PermitSignature calldata permit
    ) private {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status != Status.Open) revert WrongStatus(bounty.state.status);
        if (block.timestamp > bounty.terms.assertionDeadline) {
            revert OutsideWindow(0, bounty.terms.assertionDeadline);
        }
        if (analyst == bounty.terms.creator) revert CreatorCannotAssert();
        if (commitment == bytes32(0)) revert InvalidRequest();
        if (stake < bounty.terms.minStake) revert StakeTooLow(stake, bounty.terms.minStake);
        Assertion storage assertion = _assertions[bountyId][analyst];
        if (assertion.commitment != bytes32(0)) revert AlreadyCommitted();
        uint256 staked = token.stakedOf(analyst);
        if (staked < _params.minAnalystStake) revert NotQualified(staked, _params.minAnalystStake);

        assertion.commitment = commitment;
        assertion.stake = stake;
        bounty.state.totalStake += stake;
        bounty.state.commitCount += 1;
        totalEscrowed += stake;

        emit AssertionCommitted(bountyId, analyst, commitment, stake);
        _pull(analyst, stake, permit);
    }

    /// @notice Reveal `analyst`'s assertion. Anyone may submit it (the relayer, usually): the values
    ///         are checked against the analyst's own commitment, so nobody can reveal anything else.
    function reveal(
        uint256 bountyId,
        address analyst,
        Verdict verdict,
        uint8 confidence,
        bytes32 metadataHash,
        bytes32 salt
    ) external {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status != Status.Open) revert WrongStatus(bounty.state.status);
        if (
            block.timestamp <= bounty.terms.assertionDeadline || block.timestamp > bounty.terms.revealDeadline
        ) {
            revert OutsideWindow(uint256(bounty.terms.assertionDeadline) + 1, bounty.terms.revealDeadline);
        }
        Assertion storage assertion = _assertions[bountyId][analyst];
        if (assertion.commitment == bytes32(0)) revert NoAssertion();
        if (assertion.verdict != Verdict.None) revert AlreadyRevealed();
        if (verdict == Verdict.None || confidence > MAX_CONFIDENCE) revert InvalidVerdict();
        if (commitmentOf(bountyId, analyst, verdict, confidence, metadataHash, salt) != assertion.commitment)
        {
            revert CommitmentMismatch();
        }

        assertion.verdict = verdict;
        assertion.confidence = confidence;
        if (verdict == Verdict.Benign) {
            bounty.state.benignStake += assertion.stake;
            bounty.state.benignCount += 1;
        } else {
            bounty.state.maliciousStake += assertion.stake;
            bounty.state.maliciousCount += 1;
        }
        emit AssertionRevealed(bountyId, analyst, verdict, confidence, metadataHash);
    }

    // =============================================================================================
    // Resolve and dispute
    // =============================================================================================

    /// @notice Resolve after the reveal deadline (anyone): stake-weighted majority with quorum.
    function resolve(uint256 bountyId) external {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status != Status.Open) revert WrongStatus(bounty.state.status);
        if (block.timestamp <= bounty.terms.revealDeadline) {
            revert OutsideWindow(uint256(bounty.terms.revealDeadline) + 1, type(uint256).max);
        }
        uint256 revealedCount = uint256(bounty.state.benignCount) + bounty.state.maliciousCount;
        Outcome outcome;
        if (revealedCount < bounty.terms.quorum || bounty.state.benignStake == bounty.state.maliciousStake) {
            outcome = Outcome.Invalid;
        } else {
            outcome =
                bounty.state.benignStake > bounty.state.maliciousStake ? Outcome.Benign : Outcome.Malicious;
        }
        bounty.state.outcome = outcome;
        bounty.state.status = Status.Resolved;
        bounty.state.disputeDeadline = SafeCast.toUint64(block.timestamp) + bounty.terms.disputeWindow;
        emit BountyResolved(
            bountyId,
            outcome,
            bounty.state.benignStake,
            bounty.state.maliciousStake,
            revealedCount,
            bounty.state.disputeDeadline
        );
    }

    /// @notice Dispute the result (the creator or an analyst who revealed), once, within the window.
    function openDispute(uint256 bountyId) external {
        _openDispute(msg.sender, bountyId);
    }

    /// @notice Dispute on behalf of `intent.signer`, who signed an OpenDispute intent.
    function openDisputeBySig(uint256 bountyId, Intent calldata intent) external {
        bytes32 structHash = keccak256(
            abi.encode(OPEN_DISPUTE_TYPEHASH, intent.signer, bountyId, intent.nonce, intent.deadline)
        );
        _useIntent(intent, structHash);
        _openDispute(intent.signer, bountyId);
    }

    function _openDispute(address disputant, uint256 bountyId) private {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status != Status.Resolved) revert WrongStatus(bounty.state.status);
        if (block.timestamp > bounty.state.disputeDeadline) {
            revert OutsideWindow(0, bounty.state.disputeDeadline);
        }
        if (disputant != bounty.terms.creator && _assertions[bountyId][disputant].verdict == Verdict.None) {
            revert NotParticipant();
        }
        bounty.state.status = Status.Disputed;
        bounty.state.arbitrationDeadline = SafeCast.toUint64(block.timestamp) + bounty.terms.arbitrationWindow;
        emit DisputeOpened(bountyId, disputant, bounty.state.arbitrationDeadline);
    }

    /// @notice Rule on an open dispute (an arbiter who is neither the creator nor an analyst of this
    ///         bounty). A ruling for a verdict with no revealed stake becomes Invalid (full refund).
    function decideDispute(uint256 bountyId, Outcome ruling) external onlyRole(ARBITER_ROLE) {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status != Status.Disputed) revert WrongStatus(bounty.state.status);
        if (block.timestamp > bounty.state.arbitrationDeadline) {
            revert OutsideWindow(0, bounty.state.arbitrationDeadline);
        }
        if (ruling == Outcome.Pending) revert InvalidRuling();
        if (msg.sender == bounty.terms.creator || _assertions[bountyId][msg.sender].commitment != bytes32(0))
        {
            revert InvalidRuling();
        }
        Outcome outcome = ruling;
        if (
            (ruling == Outcome.Benign && bounty.state.benignStake == 0)
                || (ruling == Outcome.Malicious && bounty.state.maliciousStake == 0)
        ) outcome = Outcome.Invalid;
        bounty.state.outcome = outcome;
        bounty.state.status = Status.Decided;
        emit DisputeDecided(bountyId, msg.sender, ruling, outcome);
    }

    // =============================================================================================
    // Payouts (pull)
    // =============================================================================================

    /// @notice Pay `analyst` what the final bounty owes them: stake + share if they won, their stake if
    ///         the bounty is Invalid. Anyone may call; the money only ever goes to `analyst`. The last
    ///         winner's claim also sends the rounding dust to the treasury.
    function claim(uint256 bountyId, address analyst) external nonReentrant {
        Bounty storage bounty = _final(bountyId);
        Assertion storage assertion = _assertions[bountyId][analyst];
        if (assertion.claimed) revert NothingToClaim();
        Settlement memory settlement = _settlement(bounty);
        (uint256 amount, uint256 share) = _payoutOf(settlement, assertion);
        if (amount == 0) revert NothingToClaim();

        assertion.claimed = true;
        uint256 dust;
        if (settlement.outcome != Outcome.Invalid) {
            bounty.state.claimedWinners += 1;
            bounty.state.paidShares += SafeCast.toUint128(share);
            if (bounty.state.claimedWinners == _winnerCount(bounty, settlement.outcome)) {
                dust = settlement.distributable - bounty.state.paidShares;
            }
        }
        emit RewardClaimed(bountyId, analyst, amount);
        _pay(bounty, bountyId, analyst, amount);
        if (dust != 0) {
            address treasury = _params.treasury;
            emit TreasuryPaid(bountyId, treasury, dust, true);
            _pay(bounty, bountyId, treasury, dust);
        }
    }

    /// @notice Refund the reward to the creator of a final, Invalid bounty (anyone may call).
    function refundCreator(uint256 bountyId) external nonReentrant {
        Bounty storage bounty = _final(bountyId);
        Settlement memory settlement = _settlement(bounty);
        if (bounty.state.creatorRefunded || settlement.creatorRefund == 0) revert NothingToClaim();
        bounty.state.creatorRefunded = true;
        emit CreatorRefunded(bountyId, bounty.terms.creator, settlement.creatorRefund);
        _pay(bounty, bountyId, bounty.terms.creator, settlement.creatorRefund);
    }

    /// @notice Pay the treasury its part of a final bounty: the fee, or the forfeited unrevealed
    ///         stakes of an Invalid bounty (anyone may call).
    function payTreasury(uint256 bountyId) external nonReentrant {
        Bounty storage bounty = _final(bountyId);
        Settlement memory settlement = _settlement(bounty);
        if (bounty.state.treasuryPaid || settlement.treasuryAmount == 0) revert NothingToClaim();
        bounty.state.treasuryPaid = true;
        address treasury = _params.treasury;
        emit TreasuryPaid(bountyId, treasury, settlement.treasuryAmount, false);
        _pay(bounty, bountyId, treasury, settlement.treasuryAmount);
    }

    /// @notice Slash the qualifying stake of an analyst who committed but never revealed (anyone may
    ///         call, once per assertion, after resolution). The escrowed assertion stake is forfeited
    ///         separately by the settlement; this is the additional penalty, paid to the treasury.
    function slashUnrevealed(uint256 bountyId, address analyst) external nonReentrant {
        Bounty storage bounty = _existing(bountyId);
        if (bounty.state.status == Status.Open) revert WrongStatus(bounty.state.status);
        Assertion storage assertion = _assertions[bountyId][analyst];
        if (assertion.commitment == bytes32(0)) revert NoAssertion();
        if (assertion.verdict != Verdict.None || assertion.slashed || bounty.terms.noRevealSlash == 0) {
            revert NothingToClaim();
        }
        assertion.slashed = true;
        uint256 slashed = token.slash(analyst, bounty.terms.noRevealSlash, _params.treasury);
        emit UnrevealedSlashed(bountyId, analyst, slashed);
    }

    // =============================================================================================
    // Views
    // =============================================================================================

    /// @notice The bounty record.
    function getBounty(uint256 bountyId) external view returns (Bounty memory) {
        return _bounties[bountyId];
    }

    /// @notice An analyst's assertion on a bounty.
    function getAssertion(uint256 bountyId, address analyst) external view returns (Assertion memory) {
        return _assertions[bountyId][analyst];
    }

    /// @notice Current platform parameters.
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @notice Whether payouts are open: resolved and the dispute window passed, or the dispute was
    ///         decided, or the arbiters let the arbitration window pass (original result stands).
    function isFinal(uint256 bountyId) public view returns (bool) {
        Bounty storage bounty = _bounties[bountyId];
        Status status = bounty.state.status;
        return status == Status.Decided
            || (status == Status.Resolved && block.timestamp > bounty.state.disputeDeadline)
            || (status == Status.Disputed && block.timestamp > bounty.state.arbitrationDeadline);
    }

    /// @notice How the bounty's escrow is divided under its current outcome (meaningful once resolved).
    function settlementOf(uint256 bountyId) external view returns (Settlement memory) {
        return _settlement(_existing(bountyId));
    }

    /// @notice What `claim(bountyId, analyst)` would pay now (0 if not final, nothing due or claimed).
    function claimable(uint256 bountyId, address analyst) external view returns (uint256 amount) {
        if (!isFinal(bountyId)) return 0;
        Bounty storage bounty = _bounties[bountyId];
        Assertion storage assertion = _assertions[bountyId][analyst];
        if (assertion.claimed) return 0;
        (amount,) = _payoutOf(_settlement(bounty), assertion);
    }

    /// @notice The EIP-712 domain separator of signed intents.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // =============================================================================================
    // Governance and guardian
    // =============================================================================================

    /// @notice Replace the platform parameters (timelock). Running bounties keep their snapshot.
    function setParams(Params calldata newParams) external onlyRole(PARAMETER_ROLE) {
        _setParams(newParams);
    }

    /// @notice Stop new bounties and commits (guardian).
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Allow new bounties and commits again (guardian).
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // =============================================================================================
    // Internals
    // =============================================================================================

    /// @dev The settlement rule. Mirrored exactly in Rust by `nexus_core::settlement`; keep in sync.
    function _settlement(Bounty storage bounty) private view returns (Settlement memory settlement) {
        Outcome outcome = bounty.state.outcome;
        settlement.outcome = outcome;
        uint256 revealedStake = uint256(bounty.state.benignStake) + bounty.state.maliciousStake;
        uint256 unrevealedStake = bounty.state.totalStake - revealedStake;
        if (outcome == Outcome.Benign || outcome == Outcome.Malicious) {
            uint256 winningStake =
                outcome == Outcome.Benign ? bounty.state.benignStake : bounty.state.maliciousStake;
            uint256 losingStake = revealedStake - winningStake;
            settlement.winningStake = winningStake;
            settlement.pool = uint256(bounty.terms.reward) + losingStake + unrevealedStake;
            settlement.fee = settlement.pool * bounty.terms.feeBps / BPS;
            settlement.distributable = settlement.pool - settlement.fee;
            settlement.treasuryAmount = settlement.fee;
        } else if (outcome == Outcome.Invalid) {
            settlement.treasuryAmount = unrevealedStake;
            settlement.creatorRefund = bounty.terms.reward;
        }
    }

    /// @dev (amount paid to the analyst, the part of it that is a share of the distributable pool).
    function _payoutOf(Settlement memory settlement, Assertion storage assertion)
        private
        view
        returns (uint256 amount, uint256 share)
    {
        Verdict verdict = assertion.verdict;
        if (verdict == Verdict.None || settlement.outcome == Outcome.Pending) return (0, 0);
        if (settlement.outcome == Outcome.Invalid) return (assertion.stake, 0);
        bool won = (settlement.outcome == Outcome.Benign) == (verdict == Verdict.Benign);
        if (!won) return (0, 0);
        share = settlement.distributable * assertion.stake / settlement.winningStake;
        amount = uint256(assertion.stake) + share;
    }

    function _winnerCount(Bounty storage bounty, Outcome outcome) private view returns (uint32) {
        return outcome == Outcome.Benign ? bounty.state.benignCount : bounty.state.maliciousCount;
    }

    function _existing(uint256 bountyId) private view returns (Bounty storage bounty) {
        bounty = _bounties[bountyId];
        if (bounty.state.status == Status.None) revert UnknownBounty(bountyId);
    }

    function _final(uint256 bountyId) private view returns (Bounty storage bounty) {
        bounty = _existing(bountyId);
        if (!isFinal(bountyId)) revert NotFinal();
    }

    function _useIntent(Intent calldata intent, bytes32 structHash) private {
        if (block.timestamp > intent.deadline) revert IntentExpired(intent.deadline);
        if (!SignatureChecker.isValidSignatureNow(
                intent.signer, _hashTypedDataV4(structHash), intent.signature
            )) {
            revert InvalidSignature();
        }
        _useCheckedNonce(intent.signer, intent.nonce);
    }

    /// @dev Takes exactly `amount` from `from`. The permit is tried but may fail (someone may have
    ///      front-run it, which already set the allowance); the transfer then decides.
    function _pull(address from, uint256 amount, PermitSignature calldata permit) private {
        if (permit.deadline != 0) {
            try IERC20Permit(address(token))
                .permit(from, address(this), amount, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
        uint256 balanceBefore = token.balanceOf(address(this));
        IERC20(address(token)).safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert UnexpectedBalanceChange(amount, received);
    }

    /// @dev Pays `amount` of bounty `bountyId`'s escrow to `to`; never more than the bounty holds.
    function _pay(Bounty storage bounty, uint256 bountyId, address to, uint256 amount) private {
        uint256 paidOut = uint256(bounty.state.paidOut) + amount;
        if (paidOut > uint256(bounty.terms.reward) + bounty.state.totalStake) {
            revert EscrowExceeded(bountyId);
        }
        bounty.state.paidOut = SafeCast.toUint128(paidOut);
        totalEscrowed -= amount;
        uint256 balanceBefore = token.balanceOf(address(this));
        IERC20(address(token)).safeTransfer(to, amount);
        uint256 sent = balanceBefore - token.balanceOf(address(this));
        if (sent != amount) revert UnexpectedBalanceChange(amount, sent);
    }

    function _setParams(Params memory newParams) private {
        if (
            newParams.feeBps > MAX_FEE_BPS || newParams.quorum == 0 || newParams.minAssertionStake == 0
                || newParams.minReward == 0 || newParams.treasury == address(0)
                || newParams.treasury == address(this) || newParams.minCommitWindow < MIN_WINDOW
                || newParams.maxCommitWindow > MAX_WINDOW
                || newParams.minCommitWindow > newParams.maxCommitWindow || !_isWindow(newParams.revealWindow)
                || !_isWindow(newParams.disputeWindow) || !_isWindow(newParams.arbitrationWindow)
        ) revert InvalidParams();
        _params = newParams;
        emit ParamsUpdated(newParams);
    }

    function _isWindow(uint64 window) private pure returns (bool) {
        return window >= MIN_WINDOW && window <= MAX_WINDOW;
    }
}

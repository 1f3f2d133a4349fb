// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BountyContract} from "../../src/BountyContract.sol";
import {
    ArtifactKind,
    Bounty,
    CreateBountyRequest,
    Outcome,
    PermitSignature,
    Status,
    Verdict
} from "../../src/BountyTypes.sol";
import {Vm} from "../utils/Test.sol";

/// @notice Drives random sequences of every bounty action and keeps ghost books the invariants check.
///         Actions pick bounties and actors from small sets so sequences actually collide.
contract BountyHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    BountyContract public immutable bounty;
    IERC20 public immutable token;
    address public immutable arbiter;
    address public immutable creator;
    address[] public actors;
    uint256 internal constant MAX_BOUNTIES = 3;

    // Ghost books.
    uint256 public ghostDeposited;
    uint256 public ghostPaidOut;
    uint256 public ghostDoubleClaims;
    uint256 public ghostEscrowTouchedBySlash;
    uint256 public ghostMismatchedRevealsAccepted;
    uint256 public ghostClaims;
    uint256 public ghostReveals;
    uint256 public ghostCommits;
    uint256 public ghostCreates;
    uint256 public ghostResolutions;
    mapping(uint256 bountyId => mapping(address analyst => bool)) public ghostClaimed;
    mapping(uint256 bountyId => mapping(address analyst => Verdict)) internal _committedVerdict;

    constructor(
        BountyContract bounty_,
        IERC20 token_,
        address creator_,
        address arbiter_,
        address[] memory actors_
    ) {
        bounty = bounty_;
        token = token_;
        creator = creator_;
        arbiter = arbiter_;
        actors = actors_;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    enum Phase {
        Any,
        Commit,
        Reveal,
        Final
    }

    /// @dev Picks a bounty, preferring (three times in four) one in the phase the action needs, so
    ///      random sequences reach claims instead of mostly hitting closed windows. Runs use at most
    ///      MAX_BOUNTIES bounties.
    function _bountyId(uint256 seed) internal view returns (uint256) {
        return _bountyIn(seed, Phase.Any);
    }

    function _bountyIn(uint256 seed, Phase phase) internal view returns (uint256) {
        uint256 count = bounty.bountyCount();
        if (count == 0) return 1;
        uint256 fallbackId = 1 + seed % count;
        if (phase == Phase.Any || (seed >> 128) % 4 == 0) return fallbackId;
        for (uint256 offset = 0; offset < count; offset++) {
            uint256 bountyId = 1 + (seed % count + offset) % count;
            Bounty memory record = bounty.getBounty(bountyId);
            bool open = record.state.status == Status.Open;
            if (phase == Phase.Commit && open && block.timestamp <= record.terms.assertionDeadline) {
                return bountyId;
            }
            if (
                phase == Phase.Reveal && open && block.timestamp > record.terms.assertionDeadline
                    && block.timestamp <= record.terms.revealDeadline
            ) return bountyId;
            if (phase == Phase.Final && bounty.isFinal(bountyId)) return bountyId;
        }
        return fallbackId;
    }

    function _noPermit() internal pure returns (PermitSignature memory permit) {}

    function _salt(uint256 bountyId, address analyst) internal pure returns (bytes32) {
        return keccak256(abi.encode(bountyId, analyst, "salt"));
    }

    function _escrowBalance() internal view returns (uint256) {
        return token.balanceOf(address(bounty));
    }

    // ----- actions --------------------------------------------------------------------------------

    function createBounty(uint96 reward, uint8 windowHours) external {
        if (bounty.bountyCount() >= MAX_BOUNTIES) return;
        uint128 amount = uint128(1 ether + uint256(reward) % (1_000 ether));
        CreateBountyRequest memory request = CreateBountyRequest({
            artifactHash: keccak256(abi.encode(block.timestamp, reward)),
            kind: ArtifactKind.File,
            reward: amount,
            minStake: 1 ether,
            assertionDeadline: uint64(block.timestamp + 1 hours + uint256(windowHours % 4) * 1 hours)
        });
        uint256 before = _escrowBalance();
        vm.prank(creator);
        try bounty.createBounty(request, _noPermit()) {
            ghostDeposited += _escrowBalance() - before;
            ghostCreates += 1;
        } catch {}
    }

    /// Commits for one to all actors on a bounty in its commit phase (verdicts and stakes from the seed).
    function commit(uint256 bountySeed, uint256 actorSeed, uint256 verdictSeed, uint96 stake) external {
        uint256 bountyId = _bountyIn(bountySeed, Phase.Commit);
        uint256 howMany = 1 + actorSeed % actors.length;
        for (uint256 offset = 0; offset < howMany; offset++) {
            address analyst = _actor((actorSeed >> 8) + offset);
            Verdict verdict = (verdictSeed >> offset) & 1 == 1 ? Verdict.Malicious : Verdict.Benign;
            uint128 amount = uint128(1 ether + uint256(keccak256(abi.encode(stake, offset))) % (500 ether));
            _commitOne(bountyId, analyst, verdict, amount);
        }
    }

    function _commitOne(uint256 bountyId, address analyst, Verdict verdict, uint128 amount) internal {
        bytes32 commitment =
            bounty.commitmentOf(bountyId, analyst, verdict, 77, keccak256("meta"), _salt(bountyId, analyst));
        uint256 before = _escrowBalance();
        vm.prank(analyst);
        try bounty.commit(bountyId, commitment, amount, _noPermit()) {
            ghostDeposited += _escrowBalance() - before;
            _committedVerdict[bountyId][analyst] = verdict;
            ghostCommits += 1;
        } catch {}
    }

    /// Reveals, on a bounty in its reveal phase, each actor's assertion unless the mask skips it.
    function reveal(uint256 bountySeed, uint8 skipMask) external {
        uint256 bountyId = _bountyIn(bountySeed, Phase.Reveal);
        for (uint256 index = 0; index < actors.length; index++) {
            if ((skipMask >> index) & 1 == 1 && (skipMask >> 7) == 1) continue;
            address analyst = actors[index];
            Verdict verdict = _committedVerdict[bountyId][analyst];
            try bounty.reveal(bountyId, analyst, verdict, 77, keccak256("meta"), _salt(bountyId, analyst)) {
                ghostReveals += 1;
            } catch {}
        }
    }

    /// Tries a reveal that differs from the commitment in one field; it must never be accepted.
    function revealForged(uint256 bountySeed, uint256 actorSeed, uint8 field, bytes32 noise) external {
        if (noise == bytes32(0)) noise = bytes32(uint256(1));
        uint256 bountyId = _bountyIn(bountySeed, Phase.Reveal);
        address analyst = _actor(actorSeed);
        Verdict verdict = _committedVerdict[bountyId][analyst];
        uint8 confidence = 77;
        bytes32 metadataHash = keccak256("meta");
        bytes32 salt = _salt(bountyId, analyst);
        field = field % 4;
        if (field == 0) verdict = verdict == Verdict.Benign ? Verdict.Malicious : Verdict.Benign;
        if (field == 1) confidence = 78;
        if (field == 2) metadataHash ^= noise;
        if (field == 3) salt ^= noise;
        try bounty.reveal(bountyId, analyst, verdict, confidence, metadataHash, salt) {
            ghostMismatchedRevealsAccepted += 1;
        } catch {}
    }

    /// Moves time forward: a few minutes, or (every other time) to just past the next deadline of
    /// any bounty, so phases turn over in order without skipping any.
    function warp(uint256 seed) external {
        uint256 target = block.timestamp + seed % 20 minutes;
        if ((seed >> 128) % 2 == 0) {
            uint256 next = type(uint256).max;
            for (uint256 bountyId = 1; bountyId <= bounty.bountyCount(); bountyId++) {
                Bounty memory record = bounty.getBounty(bountyId);
                uint256[4] memory deadlines = [
                    uint256(record.terms.assertionDeadline),
                    record.terms.revealDeadline,
                    record.state.disputeDeadline,
                    record.state.arbitrationDeadline
                ];
                for (uint256 index = 0; index < deadlines.length; index++) {
                    if (deadlines[index] >= block.timestamp && deadlines[index] + 1 < next) {
                        next = deadlines[index] + 1;
                    }
                }
            }
            if (next != type(uint256).max) target = next;
        }
        vm.warp(target);
    }

    function resolve(uint256 bountySeed) external {
        try bounty.resolve(_bountyId(bountySeed)) {
            ghostResolutions += 1;
        } catch {}
    }

    function openDispute(uint256 bountySeed, uint256 actorSeed, bool asCreator) external {
        vm.prank(asCreator ? creator : _actor(actorSeed));
        try bounty.openDispute(_bountyId(bountySeed)) {} catch {}
    }

    function decideDispute(uint256 bountySeed, uint8 ruling) external {
        vm.prank(arbiter);
        try bounty.decideDispute(_bountyId(bountySeed), Outcome(1 + ruling % 3)) {} catch {}
    }

    /// Claims for every actor of one bounty (a relayer sweeping payouts).
    function claimAll(uint256 bountySeed) external {
        for (uint256 index = 0; index < actors.length; index++) {
            _claim(bountySeed, index);
        }
    }

    function claim(uint256 bountySeed, uint256 actorSeed) external {
        _claim(bountySeed, actorSeed);
    }

    function _claim(uint256 bountySeed, uint256 actorSeed) internal {
        uint256 bountyId = _bountyIn(bountySeed, Phase.Final);
        address analyst = _actor(actorSeed);
        uint256 before = _escrowBalance();
        try bounty.claim(bountyId, analyst) {
            if (ghostClaimed[bountyId][analyst]) ghostDoubleClaims += 1;
            ghostClaimed[bountyId][analyst] = true;
            ghostClaims += 1;
            ghostPaidOut += before - _escrowBalance();
        } catch {}
    }

    function refundCreator(uint256 bountySeed) external {
        uint256 before = _escrowBalance();
        try bounty.refundCreator(_bountyIn(bountySeed, Phase.Final)) {
            ghostPaidOut += before - _escrowBalance();
        } catch {}
    }

    function payTreasury(uint256 bountySeed) external {
        uint256 before = _escrowBalance();
        try bounty.payTreasury(_bountyIn(bountySeed, Phase.Final)) {
            ghostPaidOut += before - _escrowBalance();
        } catch {}
    }

    function slashUnrevealed(uint256 bountySeed, uint256 actorSeed) external {
        uint256 before = _escrowBalance();
        try bounty.slashUnrevealed(_bountyId(bountySeed), _actor(actorSeed)) {
            // Slashing takes qualifying stake in the token, never escrowed money.
            if (_escrowBalance() != before) ghostEscrowTouchedBySlash += 1;
        } catch {}
    }
}

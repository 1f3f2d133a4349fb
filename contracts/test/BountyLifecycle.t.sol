// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {BountyContract} from "../src/BountyContract.sol";
import {
    ArtifactKind,
    Assertion,
    Bounty,
    CreateBountyRequest,
    Outcome,
    Params,
    Settlement,
    Status,
    Verdict
} from "../src/BountyTypes.sol";
import {Fixture} from "./utils/Fixture.sol";

/// Create → commit → reveal → resolve → claim, every success path and every revert on the way.
contract BountyLifecycleTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);
    address internal dave = address(0xDA7E);

    function setUp() public override {
        super.setUp();
        _qualify(alice, 1_000 ether);
        _qualify(bob, 1_000 ether);
        _qualify(carol, 1_000 ether);
        _qualify(dave, 1_000 ether);
    }

    // ----- create ---------------------------------------------------------------------------------

    function test_create_escrows_reward_and_snapshots_params() public {
        uint256 balanceBefore = token.balanceOf(creator);
        CreateBountyRequest memory request = _request(100 ether, 5 ether);
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.BountyCreated(
            1,
            creator,
            request.artifactHash,
            ArtifactKind.File,
            100 ether,
            5 ether,
            request.assertionDeadline,
            request.assertionDeadline + 1 days
        );
        vm.prank(creator);
        uint256 bountyId = bounty.createBounty(request, noPermit());

        vm.assertEq(bountyId, 1, "first id");
        vm.assertEq(bounty.bountyCount(), 1, "count");
        vm.assertEq(token.balanceOf(creator), balanceBefore - 100 ether, "reward taken");
        vm.assertEq(token.balanceOf(address(bounty)), 100 ether, "reward escrowed");
        vm.assertEq(bounty.totalEscrowed(), 100 ether, "liability recorded");
        Bounty memory record = bounty.getBounty(bountyId);
        vm.assertEq(record.terms.creator, creator, "creator");
        vm.assertEq(uint256(record.state.status), uint256(Status.Open), "open");
        vm.assertEq(record.terms.feeBps, 250, "fee snapshot");
        vm.assertEq(record.terms.quorum, 1, "quorum snapshot");
        vm.assertEq(record.terms.revealDeadline, request.assertionDeadline + 1 days, "reveal deadline");
    }

    function test_create_rejects_invalid_requests() public {
        CreateBountyRequest memory request = _request(100 ether, 5 ether);
        request.artifactHash = bytes32(0);
        _expectCreateRevert(request, BountyContract.InvalidRequest.selector);

        request = _request(0.5 ether, 5 ether);
        _expectCreateRevert(request, BountyContract.InvalidRequest.selector);

        request = _request(100 ether, 0.5 ether);
        _expectCreateRevert(request, BountyContract.InvalidRequest.selector);

        request = _request(100 ether, 5 ether);
        request.assertionDeadline = uint64(block.timestamp + 1 hours - 1);
        _expectCreateRevert(request, BountyContract.InvalidRequest.selector);

        request.assertionDeadline = uint64(block.timestamp + 7 days + 1);
        _expectCreateRevert(request, BountyContract.InvalidRequest.selector);
    }

    function test_create_without_allowance_reverts() public {
        address poor = address(0x9009);
        _mint(poor, 100 ether);
        CreateBountyRequest memory request = _request(100 ether, 5 ether);
        vm.expectRevert();
        vm.prank(poor);
        bounty.createBounty(request, noPermit());
    }

    function _expectCreateRevert(CreateBountyRequest memory request, bytes4 selector) private {
        vm.expectRevert(selector);
        vm.prank(creator);
        bounty.createBounty(request, noPermit());
    }

    // ----- commit ---------------------------------------------------------------------------------

    function test_commit_escrows_stake() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        bytes32 commitment = _commitment(bountyId, alice, Verdict.Malicious);
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.AssertionCommitted(bountyId, alice, commitment, 7 ether);
        vm.prank(alice);
        bounty.commit(bountyId, commitment, 7 ether, noPermit());

        Assertion memory assertion = bounty.getAssertion(bountyId, alice);
        vm.assertEq(assertion.commitment, commitment, "commitment stored");
        vm.assertEq(assertion.stake, 7 ether, "stake stored");
        vm.assertEq(bounty.getBounty(bountyId).state.totalStake, 7 ether, "total stake");
        vm.assertEq(bounty.totalEscrowed(), 107 ether, "liability");
        vm.assertEq(token.balanceOf(address(bounty)), 107 ether, "escrow");
    }

    function test_commit_reverts() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        bytes32 commitment = _commitment(bountyId, alice, Verdict.Benign);

        vm.expectRevert(abi.encodeWithSelector(BountyContract.UnknownBounty.selector, 99));
        vm.prank(alice);
        bounty.commit(99, commitment, 5 ether, noPermit());

        vm.expectRevert(BountyContract.InvalidRequest.selector);
        vm.prank(alice);
        bounty.commit(bountyId, bytes32(0), 5 ether, noPermit());

        vm.expectRevert(abi.encodeWithSelector(BountyContract.StakeTooLow.selector, 4 ether, 5 ether));
        vm.prank(alice);
        bounty.commit(bountyId, commitment, 4 ether, noPermit());

        _mint(creator, MIN_ANALYST_STAKE);
        vm.prank(creator);
        token.stake(MIN_ANALYST_STAKE);
        vm.expectRevert(BountyContract.CreatorCannotAssert.selector);
        vm.prank(creator);
        bounty.commit(bountyId, commitment, 5 ether, noPermit());

        address unqualified = address(0x0DD);
        _mint(unqualified, 50 ether);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.NotQualified.selector, 0, MIN_ANALYST_STAKE));
        vm.prank(unqualified);
        bounty.commit(bountyId, commitment, 5 ether, noPermit());

        vm.prank(alice);
        bounty.commit(bountyId, commitment, 5 ether, noPermit());
        vm.expectRevert(BountyContract.AlreadyCommitted.selector);
        vm.prank(alice);
        bounty.commit(bountyId, commitment, 5 ether, noPermit());

        uint64 deadline = bounty.getBounty(bountyId).terms.assertionDeadline;
        bytes32 bobCommitment = _commitment(bountyId, bob, Verdict.Benign);
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.OutsideWindow.selector, 0, deadline));
        vm.prank(bob);
        bounty.commit(bountyId, bobCommitment, 5 ether, noPermit());
    }

    function test_unstaking_analyst_loses_qualification() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        vm.prank(alice);
        token.requestUnstake(1);
        bytes32 commitment = _commitment(bountyId, alice, Verdict.Benign);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyContract.NotQualified.selector, MIN_ANALYST_STAKE - 1, MIN_ANALYST_STAKE
            )
        );
        vm.prank(alice);
        bounty.commit(bountyId, commitment, 5 ether, noPermit());
    }

    // ----- reveal ---------------------------------------------------------------------------------

    function test_reveal_by_anyone_records_verdict() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        _commit(bountyId, alice, Verdict.Malicious, 6 ether);
        _toRevealPhase(bountyId);
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.AssertionRevealed(bountyId, alice, Verdict.Malicious, 90, keccak256("report"));
        vm.prank(relayer);
        _reveal(bountyId, alice, Verdict.Malicious);

        Assertion memory assertion = bounty.getAssertion(bountyId, alice);
        vm.assertEq(uint256(assertion.verdict), uint256(Verdict.Malicious), "verdict");
        vm.assertEq(assertion.confidence, 90, "confidence");
        Bounty memory record = bounty.getBounty(bountyId);
        vm.assertEq(record.state.maliciousStake, 6 ether, "tally stake");
        vm.assertEq(record.state.maliciousCount, 1, "tally count");
    }

    function test_reveal_rejects_every_field_that_differs_from_the_commitment() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        _commit(bountyId, alice, Verdict.Malicious, 6 ether);
        _toRevealPhase(bountyId);
        bytes32 salt = _salt(alice, bountyId);
        bytes32 report = keccak256("report");

        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(bountyId, alice, Verdict.Benign, 90, report, salt);
        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(bountyId, alice, Verdict.Malicious, 89, report, salt);
        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(bountyId, alice, Verdict.Malicious, 90, keccak256("other"), salt);
        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(bountyId, alice, Verdict.Malicious, 90, report, bytes32(uint256(salt) ^ 1));
    }

    function test_commitment_binds_the_analyst_and_the_bounty() public {
        uint256 first = _createBounty(100 ether, 5 ether);
        uint256 second = _createBounty(100 ether, 5 ether);
        // Bob copies Alice's commitment (on the same bounty) and replays hers on another bounty.
        bytes32 aliceCommitment = _commitment(first, alice, Verdict.Malicious);
        vm.prank(alice);
        bounty.commit(first, aliceCommitment, 5 ether, noPermit());
        vm.prank(bob);
        bounty.commit(first, aliceCommitment, 5 ether, noPermit());
        vm.prank(alice);
        bounty.commit(second, aliceCommitment, 5 ether, noPermit());
        _toRevealPhase(first);

        bytes32 salt = _salt(alice, first);
        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(first, bob, Verdict.Malicious, 90, keccak256("report"), salt);
        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(second, alice, Verdict.Malicious, 90, keccak256("report"), salt);
    }

    function test_reveal_reverts_outside_window_and_on_bad_input() public {
        uint256 bountyId = _createBounty(100 ether, 5 ether);
        _commit(bountyId, alice, Verdict.Benign, 5 ether);
        Bounty memory record = bounty.getBounty(bountyId);

        vm.expectRevert(
            abi.encodeWithSelector(
                BountyContract.OutsideWindow.selector,
                uint256(record.terms.assertionDeadline) + 1,
                record.terms.revealDeadline
            )
        );
        _reveal(bountyId, alice, Verdict.Benign);

        _toRevealPhase(bountyId);
        vm.expectRevert(BountyContract.NoAssertion.selector);
        _reveal(bountyId, bob, Verdict.Benign);
        vm.expectRevert(BountyContract.InvalidVerdict.selector);
        bounty.reveal(bountyId, alice, Verdict.None, 90, keccak256("report"), _salt(alice, bountyId));
        vm.expectRevert(BountyContract.InvalidVerdict.selector);
        bounty.reveal(bountyId, alice, Verdict.Benign, 101, keccak256("report"), _salt(alice, bountyId));

        _reveal(bountyId, alice, Verdict.Benign);
        vm.expectRevert(BountyContract.AlreadyRevealed.selector);
        _reveal(bountyId, alice, Verdict.Benign);

        vm.warp(uint256(record.terms.revealDeadline) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyContract.OutsideWindow.selector,
                uint256(record.terms.assertionDeadline) + 1,
                record.terms.revealDeadline
            )
        );
        _reveal(bountyId, bob, Verdict.Benign);
    }

    // ----- resolve --------------------------------------------------------------------------------

    function test_resolve_by_stake_weighted_majority() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        // Two analysts say benign with little stake, one says malicious with more: stake wins, not heads.
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _commit(bountyId, bob, Verdict.Benign, 10 ether);
        _commit(bountyId, carol, Verdict.Malicious, 25 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _reveal(bountyId, bob, Verdict.Benign);
        _reveal(bountyId, carol, Verdict.Malicious);
        _toResolvable(bountyId);

        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.BountyResolved(
            bountyId, Outcome.Malicious, 20 ether, 25 ether, 3, uint64(block.timestamp + 1 days)
        );
        bounty.resolve(bountyId);
        vm.assertEq(uint256(bounty.getBounty(bountyId).state.outcome), uint256(Outcome.Malicious), "outcome");
        vm.assertFalse(bounty.isFinal(bountyId), "dispute window open");
    }

    function test_resolve_tie_is_invalid() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _commit(bountyId, bob, Verdict.Malicious, 10 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _reveal(bountyId, bob, Verdict.Malicious);
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
        vm.assertEq(uint256(bounty.getBounty(bountyId).state.outcome), uint256(Outcome.Invalid), "tie");
    }

    function test_resolve_below_quorum_is_invalid() public {
        vm.prank(deployer);
        bounty.setParams(_paramsWithQuorum(2));
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _commit(bountyId, bob, Verdict.Malicious, 10 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
        vm.assertEq(uint256(bounty.getBounty(bountyId).state.outcome), uint256(Outcome.Invalid), "no quorum");
    }

    function test_resolve_reverts_early_twice_and_unknown() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        uint64 revealDeadline = bounty.getBounty(bountyId).terms.revealDeadline;
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyContract.OutsideWindow.selector, uint256(revealDeadline) + 1, type(uint256).max
            )
        );
        bounty.resolve(bountyId);
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.WrongStatus.selector, Status.Resolved));
        bounty.resolve(bountyId);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.UnknownBounty.selector, 7));
        bounty.resolve(7);
    }

    // ----- claims ---------------------------------------------------------------------------------

    /// Worked example from docs/CONTRACTS.md: reward 100, fee 2.5%, winners 10 + 30, loser 20,
    /// one unrevealed 5. pool = 100 + 20 + 5 = 125; fee = 3.125; distributable = 121.875;
    /// alice gets 10 + 30.46875 = 40.46875, bob 30 + 91.40625 = 121.40625.
    function test_winners_claim_stake_plus_pro_rata_share() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Malicious, 10 ether);
        _commit(bountyId, bob, Verdict.Malicious, 30 ether);
        _commit(bountyId, carol, Verdict.Benign, 20 ether);
        _commit(bountyId, dave, Verdict.Benign, 5 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Malicious);
        _reveal(bountyId, bob, Verdict.Malicious);
        _reveal(bountyId, carol, Verdict.Benign);
        _resolveAndFinalize(bountyId);

        Settlement memory settlement = bounty.settlementOf(bountyId);
        vm.assertEq(settlement.pool, 125 ether, "pool");
        vm.assertEq(settlement.fee, 3.125 ether, "fee");
        vm.assertEq(settlement.distributable, 121.875 ether, "distributable");
        vm.assertEq(bounty.claimable(bountyId, alice), 40.46875 ether, "alice claimable");

        uint256 aliceBefore = token.balanceOf(alice);
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.RewardClaimed(bountyId, alice, 40.46875 ether);
        vm.prank(relayer);
        bounty.claim(bountyId, alice);
        vm.assertEq(token.balanceOf(alice) - aliceBefore, 40.46875 ether, "alice paid");

        uint256 bobBefore = token.balanceOf(bob);
        bounty.claim(bountyId, bob);
        vm.assertEq(token.balanceOf(bob) - bobBefore, 121.40625 ether, "bob paid");

        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.claim(bountyId, carol);
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.claim(bountyId, dave);
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.claim(bountyId, alice);
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.refundCreator(bountyId);

        bounty.payTreasury(bountyId);
        vm.assertEq(token.balanceOf(treasury), 3.125 ether, "fee paid");
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.payTreasury(bountyId);

        _assertFullyPaid(bountyId);
    }

    function test_rounding_dust_goes_to_treasury_with_the_last_winner_claim() public {
        uint256 bountyId = _createBounty(1 ether + 1, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 1 ether);
        _commit(bountyId, bob, Verdict.Benign, 1 ether);
        _commit(bountyId, carol, Verdict.Benign, 1 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _reveal(bountyId, bob, Verdict.Benign);
        _reveal(bountyId, carol, Verdict.Benign);
        _resolveAndFinalize(bountyId);

        Settlement memory settlement = bounty.settlementOf(bountyId);
        uint256 share = settlement.distributable / 3;
        uint256 dust = settlement.distributable - 3 * share;
        vm.assertGt(dust, 0, "this example has dust");

        bounty.claim(bountyId, alice);
        bounty.claim(bountyId, bob);
        vm.assertEq(token.balanceOf(treasury), 0, "no dust before the last winner");
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.TreasuryPaid(bountyId, treasury, dust, true);
        bounty.claim(bountyId, carol);
        vm.assertEq(token.balanceOf(treasury), dust, "dust to treasury");
        bounty.payTreasury(bountyId);
        _assertFullyPaid(bountyId);
    }

    function test_invalid_bounty_refunds_creator_and_revealed_stakes_and_forfeits_unrevealed() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _commit(bountyId, bob, Verdict.Malicious, 10 ether);
        _commit(bountyId, carol, Verdict.Malicious, 7 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _reveal(bountyId, bob, Verdict.Malicious);
        _resolveAndFinalize(bountyId);

        uint256 creatorBefore = token.balanceOf(creator);
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.CreatorRefunded(bountyId, creator, 100 ether);
        bounty.refundCreator(bountyId);
        vm.assertEq(token.balanceOf(creator) - creatorBefore, 100 ether, "reward refunded");
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.refundCreator(bountyId);

        uint256 aliceBefore = token.balanceOf(alice);
        bounty.claim(bountyId, alice);
        vm.assertEq(token.balanceOf(alice) - aliceBefore, 10 ether, "stake back");
        bounty.claim(bountyId, bob);
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.claim(bountyId, carol);

        bounty.payTreasury(bountyId);
        vm.assertEq(token.balanceOf(treasury), 7 ether, "unrevealed stake forfeited");
        _assertFullyPaid(bountyId);
    }

    function test_bounty_without_assertions_refunds_the_creator() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _resolveAndFinalize(bountyId);
        bounty.refundCreator(bountyId);
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.payTreasury(bountyId);
        _assertFullyPaid(bountyId);
    }

    function test_claims_wait_for_finality() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        vm.assertEq(bounty.claimable(bountyId, alice), 0, "nothing before final");
        vm.expectRevert(BountyContract.NotFinal.selector);
        bounty.claim(bountyId, alice);
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
        vm.expectRevert(BountyContract.NotFinal.selector);
        bounty.claim(bountyId, alice);
        vm.expectRevert(BountyContract.NotFinal.selector);
        bounty.payTreasury(bountyId);
        vm.expectRevert(BountyContract.NotFinal.selector);
        bounty.refundCreator(bountyId);
        vm.warp(uint256(bounty.getBounty(bountyId).state.disputeDeadline) + 1);
        bounty.claim(bountyId, alice);
        vm.assertEq(bounty.claimable(bountyId, alice), 0, "claimed");
    }

    function _paramsWithQuorum(uint32 quorum) private view returns (Params memory params) {
        params = defaultParams();
        params.quorum = quorum;
    }

    function _assertFullyPaid(uint256 bountyId) internal view {
        Bounty memory record = bounty.getBounty(bountyId);
        vm.assertEq(
            record.state.paidOut,
            uint256(record.terms.reward) + record.state.totalStake,
            "everything escrowed was paid"
        );
        vm.assertEq(bounty.totalEscrowed(), token.balanceOf(address(bounty)), "books balance");
    }
}

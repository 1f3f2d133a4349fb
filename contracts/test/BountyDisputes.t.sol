// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {BountyContract} from "../src/BountyContract.sol";
import {Bounty, CreateBountyRequest, Outcome, Params, Status, Verdict} from "../src/BountyTypes.sol";
import {Fixture} from "./utils/Fixture.sol";

/// Disputes and arbitration, slashing of no-shows, pausing and governance of parameters.
contract BountyDisputesTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);
    uint256 internal bountyId;

    /// A resolved bounty: alice (benign, 10) loses to bob (malicious, 20); carol never reveals.
    function setUp() public override {
        super.setUp();
        _qualify(alice, 1_000 ether);
        _qualify(bob, 1_000 ether);
        _qualify(carol, 1_000 ether);
        bountyId = _createBounty(100 ether, 1 ether);
        _commit(bountyId, alice, Verdict.Benign, 10 ether);
        _commit(bountyId, bob, Verdict.Malicious, 20 ether);
        _commit(bountyId, carol, Verdict.Malicious, 5 ether);
        _toRevealPhase(bountyId);
        _reveal(bountyId, alice, Verdict.Benign);
        _reveal(bountyId, bob, Verdict.Malicious);
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
    }

    // ----- disputes -------------------------------------------------------------------------------

    function test_arbiter_overturns_the_result() public {
        vm.prank(alice);
        bounty.openDispute(bountyId);
        Bounty memory record = bounty.getBounty(bountyId);
        vm.assertEq(uint256(record.state.status), uint256(Status.Disputed), "disputed");
        vm.assertFalse(bounty.isFinal(bountyId), "not final while disputed");

        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.DisputeDecided(bountyId, arbiter, Outcome.Benign, Outcome.Benign);
        vm.prank(arbiter);
        bounty.decideDispute(bountyId, Outcome.Benign);
        vm.assertTrue(bounty.isFinal(bountyId), "final once decided");

        // pool = 100 + 20 (bob lost) + 5 (carol unrevealed) = 125; fee 3.125; alice takes all 121.875.
        uint256 before = token.balanceOf(alice);
        bounty.claim(bountyId, alice);
        vm.assertEq(token.balanceOf(alice) - before, 10 ether + 121.875 ether, "alice wins");
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.claim(bountyId, bob);
    }

    function test_ruling_for_a_verdict_nobody_revealed_is_invalid() public {
        uint256 other = _createBounty(50 ether, 1 ether);
        _commit(other, alice, Verdict.Benign, 10 ether);
        _toRevealPhase(other);
        _reveal(other, alice, Verdict.Benign);
        _toResolvable(other);
        bounty.resolve(other);
        vm.prank(creator);
        bounty.openDispute(other);
        vm.prank(arbiter);
        bounty.decideDispute(other, Outcome.Malicious);
        vm.assertEq(
            uint256(bounty.getBounty(other).state.outcome), uint256(Outcome.Invalid), "normalised to invalid"
        );
        bounty.refundCreator(other);
        bounty.claim(other, alice);
    }

    function test_creator_may_dispute_by_signed_intent() public {
        bytes32 structHash = keccak256(
            abi.encode(
                bounty.OPEN_DISPUTE_TYPEHASH(), creator, bountyId, bounty.nonces(creator), block.timestamp
            )
        );
        vm.prank(relayer);
        bounty.openDisputeBySig(bountyId, _signIntent(creatorKey, structHash, block.timestamp));
        vm.assertEq(uint256(bounty.getBounty(bountyId).state.status), uint256(Status.Disputed), "disputed");
    }

    function test_dispute_reverts() public {
        vm.expectRevert(BountyContract.NotParticipant.selector);
        vm.prank(carol); // committed but never revealed
        bounty.openDispute(bountyId);
        vm.expectRevert(BountyContract.NotParticipant.selector);
        vm.prank(relayer);
        bounty.openDispute(bountyId);

        vm.prank(bob);
        bounty.openDispute(bountyId);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.WrongStatus.selector, Status.Disputed));
        vm.prank(alice);
        bounty.openDispute(bountyId);
    }

    function test_dispute_window_closes() public {
        uint64 deadline = bounty.getBounty(bountyId).state.disputeDeadline;
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.OutsideWindow.selector, 0, deadline));
        vm.prank(alice);
        bounty.openDispute(bountyId);
    }

    function test_decide_dispute_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bounty.ARBITER_ROLE()
            )
        );
        vm.prank(alice);
        bounty.decideDispute(bountyId, Outcome.Benign);

        vm.expectRevert(abi.encodeWithSelector(BountyContract.WrongStatus.selector, Status.Resolved));
        vm.prank(arbiter);
        bounty.decideDispute(bountyId, Outcome.Benign);

        vm.prank(alice);
        bounty.openDispute(bountyId);
        vm.expectRevert(BountyContract.InvalidRuling.selector);
        vm.prank(arbiter);
        bounty.decideDispute(bountyId, Outcome.Pending);

        // An arbiter who took part in the bounty may not rule on it.
        bytes32 arbiterRole = bounty.ARBITER_ROLE();
        vm.prank(address(timelock));
        bounty.grantRole(arbiterRole, bob);
        vm.expectRevert(BountyContract.InvalidRuling.selector);
        vm.prank(bob);
        bounty.decideDispute(bountyId, Outcome.Malicious);
        vm.prank(address(timelock));
        bounty.grantRole(arbiterRole, creator);
        vm.expectRevert(BountyContract.InvalidRuling.selector);
        vm.prank(creator);
        bounty.decideDispute(bountyId, Outcome.Invalid);

        uint64 deadline = bounty.getBounty(bountyId).state.arbitrationDeadline;
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.OutsideWindow.selector, 0, deadline));
        vm.prank(arbiter);
        bounty.decideDispute(bountyId, Outcome.Benign);
    }

    function test_original_result_stands_when_arbiters_stay_silent() public {
        vm.prank(alice);
        bounty.openDispute(bountyId);
        vm.warp(uint256(bounty.getBounty(bountyId).state.arbitrationDeadline) + 1);
        vm.assertTrue(bounty.isFinal(bountyId), "final after arbitration window");
        uint256 before = token.balanceOf(bob);
        bounty.claim(bountyId, bob);
        // pool = 100 + 10 (alice lost) + 5 (carol unrevealed) = 115; fee 2.875; bob takes 112.125.
        vm.assertEq(token.balanceOf(bob) - before, 20 ether + 112.125 ether, "bob keeps the win");
    }

    // ----- slashing no-shows ----------------------------------------------------------------------

    function test_unrevealed_analyst_is_slashed_once() public {
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.UnrevealedSlashed(bountyId, carol, 10 ether);
        vm.prank(relayer);
        bounty.slashUnrevealed(bountyId, carol);
        vm.assertEq(token.stakedOf(carol), MIN_ANALYST_STAKE - 10 ether, "qualifying stake slashed");
        vm.assertEq(token.balanceOf(treasury), 10 ether, "to treasury");
        vm.assertEq(bounty.totalEscrowed(), token.balanceOf(address(bounty)), "escrow untouched");

        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.slashUnrevealed(bountyId, carol);
    }

    function test_unstaking_does_not_escape_the_no_reveal_slash() public {
        vm.prank(carol);
        token.requestUnstake(MIN_ANALYST_STAKE);
        bounty.slashUnrevealed(bountyId, carol);
        vm.assertEq(token.stakeInfo(carol).unstaking, MIN_ANALYST_STAKE - 10 ether, "taken from the cooldown");
        vm.assertEq(token.balanceOf(treasury), 10 ether, "to treasury");
    }

    function test_slash_reverts_for_revealed_unknown_and_open() public {
        vm.expectRevert(BountyContract.NothingToClaim.selector);
        bounty.slashUnrevealed(bountyId, alice);
        vm.expectRevert(BountyContract.NoAssertion.selector);
        bounty.slashUnrevealed(bountyId, relayer);
        uint256 open = _createBounty(10 ether, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.WrongStatus.selector, Status.Open));
        bounty.slashUnrevealed(open, carol);
    }

    // ----- pause ----------------------------------------------------------------------------------

    function test_pause_stops_deposits_but_never_withdrawals() public {
        uint256 open = _createBounty(10 ether, 1 ether);
        _commit(open, alice, Verdict.Benign, 1 ether);
        vm.prank(guardian);
        bounty.pause();

        CreateBountyRequest memory request = _request(10 ether, 1 ether);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(creator);
        bounty.createBounty(request, noPermit());
        bytes32 commitment = _commitment(open, bob, Verdict.Benign);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(bob);
        bounty.commit(open, commitment, 1 ether, noPermit());

        // Money out and the clock keep working while paused.
        _toRevealPhase(open);
        _reveal(open, alice, Verdict.Benign);
        vm.warp(uint256(bounty.getBounty(bountyId).state.disputeDeadline) + 1);
        bounty.claim(bountyId, bob);
        bounty.payTreasury(bountyId);

        vm.prank(guardian);
        bounty.unpause();
        _createBounty(10 ether, 1 ether);
    }

    function test_only_guardian_pauses() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bounty.GUARDIAN_ROLE()
            )
        );
        vm.prank(alice);
        bounty.pause();
    }

    // ----- parameters -----------------------------------------------------------------------------

    function test_params_changes_do_not_touch_running_bounties() public {
        uint256 running = _createBounty(10 ether, 1 ether);
        Params memory params = defaultParams();
        params.feeBps = 1_000;
        params.revealWindow = 2 days;
        vm.expectEmit(true, true, true, true, address(bounty));
        emit BountyContract.ParamsUpdated(params);
        vm.prank(address(timelock));
        bounty.setParams(params);
        vm.assertEq(bounty.params().feeBps, 1_000, "new fee");
        vm.assertEq(bounty.getBounty(running).terms.feeBps, 250, "running bounty keeps its fee");
        uint256 fresh = _createBounty(10 ether, 1 ether);
        vm.assertEq(bounty.getBounty(fresh).terms.feeBps, 1_000, "new bounty uses the new fee");
    }

    function test_params_are_bounded() public {
        Params memory params = defaultParams();
        params.feeBps = 1_001;
        _expectInvalidParams(params);
        params = defaultParams();
        params.quorum = 0;
        _expectInvalidParams(params);
        params = defaultParams();
        params.minAssertionStake = 0;
        _expectInvalidParams(params);
        params = defaultParams();
        params.minReward = 0;
        _expectInvalidParams(params);
        params = defaultParams();
        params.treasury = address(0);
        _expectInvalidParams(params);
        params = defaultParams();
        params.treasury = address(bounty);
        _expectInvalidParams(params);
        params = defaultParams();
        params.minCommitWindow = 1 hours - 1;
        _expectInvalidParams(params);
        params = defaultParams();
        params.maxCommitWindow = 30 days + 1;
        _expectInvalidParams(params);
        params = defaultParams();
        params.minCommitWindow = 2 days;
        params.maxCommitWindow = 1 days;
        _expectInvalidParams(params);
        params = defaultParams();
        params.revealWindow = 0;
        _expectInvalidParams(params);
        params = defaultParams();
        params.disputeWindow = 31 days;
        _expectInvalidParams(params);
        params = defaultParams();
        params.arbitrationWindow = 59 minutes;
        _expectInvalidParams(params);
    }

    function test_params_need_the_parameter_role() public {
        Params memory params = defaultParams();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bounty.PARAMETER_ROLE()
            )
        );
        vm.prank(alice);
        bounty.setParams(params);
    }

    function test_constructor_rejects_zero_addresses() public {
        Params memory params = defaultParams();
        vm.expectRevert(BountyContract.ZeroAddress.selector);
        new BountyContract(token, address(0), guardian, params);
        vm.expectRevert(BountyContract.ZeroAddress.selector);
        new BountyContract(token, deployer, address(0), params);
    }

    function _expectInvalidParams(Params memory params) private {
        vm.expectRevert(BountyContract.InvalidParams.selector);
        vm.prank(address(timelock));
        bounty.setParams(params);
    }
}

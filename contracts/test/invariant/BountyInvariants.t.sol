// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BountyContract} from "../../src/BountyContract.sol";
import {Bounty, Params} from "../../src/BountyTypes.sol";
import {INexusStakingToken} from "../../src/interfaces/INexusStakingToken.sol";
import {ReputationToken} from "../../src/ReputationToken.sol";
import {ReentrantToken} from "../utils/MockTokens.sol";
import {Test} from "../utils/Test.sol";
import {BountyHandler} from "./BountyHandler.sol";

/// @notice A bounty contract over some token, with a handler driving it.
abstract contract BountySystemSetup is Test {
    BountyContract internal bounty;
    IERC20 internal token;
    BountyHandler internal handler;
    address internal creator = address(0xC0);
    address internal arbiter = address(0xA4B);
    address internal treasury = address(0x7E);

    function _params() internal view returns (Params memory) {
        return Params({
            feeBps: 333,
            quorum: 1,
            minCommitWindow: 1 hours,
            maxCommitWindow: 30 days,
            // Short windows, so one run of the invariant fuzzer lives through whole bounties.
            revealWindow: 1 hours,
            disputeWindow: 1 hours,
            arbitrationWindow: 1 hours,
            minReward: 1 ether,
            minAssertionStake: 1 ether,
            minAnalystStake: 10 ether,
            noRevealSlash: 5 ether,
            treasury: treasury
        });
    }

    /// Deploys the token and gives `users` funds (and qualifying stake where the token stakes).
    function _deployToken(address[] memory users) internal virtual returns (IERC20);

    /// Called once the bounty contract exists (approvals, roles).
    function _afterBounty(address[] memory users) internal virtual {
        for (uint256 index = 0; index < users.length; index++) {
            vm.prank(users[index]);
            require(token.approve(address(bounty), type(uint256).max), "approve");
        }
    }

    function setUp() public {
        vm.warp(1_700_000_000);
        address[] memory actors = new address[](4);
        address[] memory users = new address[](5);
        for (uint256 index = 0; index < actors.length; index++) {
            // forge-lint: disable-next-line(unsafe-typecast)
            actors[index] = address(uint160(0xA000 + index));
            users[index] = actors[index];
        }
        users[actors.length] = creator;
        token = _deployToken(users);
        bounty =
            new BountyContract(INexusStakingToken(address(token)), address(this), address(this), _params());
        bounty.grantRole(bounty.ARBITER_ROLE(), arbiter);
        _afterBounty(users);
        handler = new BountyHandler(bounty, token, creator, arbiter, actors);
        targetContract(address(handler));
    }
}

/// @notice The escrow's invariants, checked after every step of random action sequences.
abstract contract BountyInvariants is BountySystemSetup {
    /// The escrow always holds what it owes, and its books match the money that actually moved.
    function invariant_escrow_covers_every_obligation() public view {
        vm.assertGe(token.balanceOf(address(bounty)), bounty.totalEscrowed(), "balance covers obligations");
        vm.assertEq(
            bounty.totalEscrowed(), handler.ghostDeposited() - handler.ghostPaidOut(), "books match transfers"
        );
    }

    /// No bounty ever pays out more than was escrowed for it; per-bounty debts add up to the total.
    function invariant_no_bounty_overpays() public view {
        uint256 count = bounty.bountyCount();
        uint256 owed;
        for (uint256 bountyId = 1; bountyId <= count; bountyId++) {
            Bounty memory record = bounty.getBounty(bountyId);
            uint256 escrowed = uint256(record.terms.reward) + record.state.totalStake;
            vm.assertLe(record.state.paidOut, escrowed, "paid out at most the escrow");
            owed += escrowed - record.state.paidOut;
        }
        vm.assertEq(owed, bounty.totalEscrowed(), "sum of per-bounty obligations");
    }

    /// Nothing is claimed twice, slashing never touches the escrow, and no reveal that differs
    /// from its commitment is ever accepted.
    function invariant_no_double_claim_and_no_forged_reveal() public view {
        vm.assertEq(handler.ghostDoubleClaims(), 0, "double claim");
        vm.assertEq(handler.ghostEscrowTouchedBySlash(), 0, "slash touched escrow");
        vm.assertEq(handler.ghostMismatchedRevealsAccepted(), 0, "forged reveal accepted");
    }
}

/// The real NXS token with staking and slashing.
abstract contract NxsSetup is BountySystemSetup {
    ReputationToken internal nxs;

    function _deployToken(address[] memory users) internal virtual override returns (IERC20) {
        nxs = new ReputationToken(address(this), 7 days);
        for (uint256 index = 0; index < users.length; index++) {
            nxs.mint(users[index], 1_000_000 ether);
            vm.prank(users[index]);
            nxs.stake(1_000 ether);
        }
        return nxs;
    }

    function _afterBounty(address[] memory users) internal virtual override {
        nxs.grantRole(nxs.SLASHER_ROLE(), address(bounty));
        super._afterBounty(users);
    }
}

/// Against the real NXS token.
contract NxsBountyInvariants is NxsSetup, BountyInvariants {
    function _deployToken(address[] memory users)
        internal
        override(BountySystemSetup, NxsSetup)
        returns (IERC20)
    {
        return NxsSetup._deployToken(users);
    }

    function _afterBounty(address[] memory users) internal override(BountySystemSetup, NxsSetup) {
        NxsSetup._afterBounty(users);
    }
}

/// Against a token that re-enters the escrow on every transfer, replaying a claim.
contract ReentrantTokenBountyInvariants is BountyInvariants {
    ReentrantToken internal evil;

    function _deployToken(address[] memory users) internal override returns (IERC20) {
        evil = new ReentrantToken();
        for (uint256 index = 0; index < users.length; index++) {
            evil.mint(users[index], 1_000_000 ether);
        }
        return evil;
    }

    function _afterBounty(address[] memory users) internal override {
        super._afterBounty(users);
        evil.arm(address(bounty), abi.encodeCall(BountyContract.claim, (uint256(1), address(0xA000))));
    }

    function invariant_reentry_never_succeeds() public view {
        vm.assertEq(evil.reentrySuccesses(), 0, "re-entered");
    }
}

/// The handler itself works: a scripted sequence through it reaches every stage, so the random
/// runs above exercise claims, refunds and payouts rather than only reverting.
contract BountyHandlerSanity is NxsSetup {
    function test_scripted_sequence_reaches_claims() public {
        handler.createBounty(10 ether, 0);
        // Two analysts (actors 0 and 1) with opposite verdicts: exactly one side wins.
        handler.commit(0, 1, 1, 5 ether);
        vm.warp(block.timestamp + 1 hours + 1);
        handler.reveal(0, 0);
        handler.revealForged(0, 2, 3, bytes32(uint256(7)));
        vm.warp(block.timestamp + 1 hours);
        handler.resolve(0);
        vm.warp(block.timestamp + 1 hours + 1);
        handler.claimAll(0);
        handler.claimAll(0);
        handler.payTreasury(0);
        vm.assertEq(handler.ghostReveals(), 2, "reveals");
        vm.assertEq(handler.ghostResolutions(), 1, "resolution");
        vm.assertEq(handler.ghostClaims(), 1, "one winner claim; the repeats and the loser fail");
        vm.assertEq(bounty.totalEscrowed(), 0, "fully paid");
        vm.assertEq(handler.ghostDoubleClaims(), 0, "no double claim");
        vm.assertEq(handler.ghostMismatchedRevealsAccepted(), 0, "forged reveal rejected");
        vm.assertEq(token.balanceOf(address(bounty)), 0, "escrow empty");
    }
}

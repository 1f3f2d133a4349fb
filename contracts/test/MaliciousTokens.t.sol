// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {BountyContract} from "../src/BountyContract.sol";
import {CreateBountyRequest, ArtifactKind, Params, PermitSignature, Verdict} from "../src/BountyTypes.sol";
import {INexusStakingToken} from "../src/interfaces/INexusStakingToken.sol";
import {FeeOnTransferToken, MockStakingToken, ReentrantToken, SenderTaxToken} from "./utils/MockTokens.sol";
import {Test} from "./utils/Test.sol";

/// The escrow is written against an interface, so a misbehaving token cannot leave it short:
/// deposits and payouts check the exact balance change and every payout path is nonReentrant.
contract MaliciousTokensTest is Test {
    address internal guardian = address(0x6A);
    address internal treasury = address(0x7E);
    address internal creator = address(0xC0);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function _params() internal view returns (Params memory) {
        return Params({
            feeBps: 250,
            quorum: 1,
            minCommitWindow: 1 hours,
            maxCommitWindow: 7 days,
            revealWindow: 1 days,
            disputeWindow: 1 days,
            arbitrationWindow: 1 days,
            minReward: 1,
            minAssertionStake: 1,
            minAnalystStake: 0,
            noRevealSlash: 0,
            treasury: treasury
        });
    }

    function _deploy(MockStakingToken token) internal returns (BountyContract bounty) {
        vm.warp(1_700_000_000);
        bounty = new BountyContract(INexusStakingToken(address(token)), address(this), guardian, _params());
        address[3] memory users = [creator, alice, bob];
        for (uint256 index = 0; index < users.length; index++) {
            token.mint(users[index], 1_000 ether);
            vm.prank(users[index]);
            token.approve(address(bounty), type(uint256).max);
        }
    }

    function _request() internal view returns (CreateBountyRequest memory) {
        return CreateBountyRequest({
            artifactHash: keccak256("https://example.test/sample"),
            kind: ArtifactKind.Url,
            reward: 100 ether,
            minStake: 1 ether,
            assertionDeadline: uint64(block.timestamp + 1 days)
        });
    }

    function _noPermit() internal pure returns (PermitSignature memory permit) {}

    function test_fee_on_transfer_token_cannot_fund_a_bounty() public {
        FeeOnTransferToken token = new FeeOnTransferToken();
        BountyContract bounty = _deploy(token);
        CreateBountyRequest memory request = _request();
        vm.expectRevert(
            abi.encodeWithSelector(BountyContract.UnexpectedBalanceChange.selector, 100 ether, 99 ether)
        );
        vm.prank(creator);
        bounty.createBounty(request, _noPermit());
        vm.assertEq(token.balanceOf(address(bounty)), 0, "nothing escrowed");
    }

    /// A token that charges the escrow more than it pays out would leave the other bounties short:
    /// the payout reverts instead, so the books can never go below the obligations.
    function test_sender_tax_token_cannot_drain_the_escrow() public {
        SenderTaxToken token = new SenderTaxToken();
        BountyContract bounty = _deploy(token);
        CreateBountyRequest memory request = _request();
        vm.prank(creator);
        uint256 first = bounty.createBounty(request, _noPermit());
        vm.prank(creator);
        bounty.createBounty(request, _noPermit()); // a second bounty whose escrow must stay intact
        // Creating charged the creator, not the escrow.
        vm.assertEq(token.balanceOf(address(bounty)), 200 ether, "escrowed exactly");

        vm.warp(block.timestamp + 2 days + 2);
        bounty.resolve(first);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(BountyContract.UnexpectedBalanceChange.selector, 100 ether, 101 ether)
        );
        bounty.refundCreator(first);
        vm.assertGe(token.balanceOf(address(bounty)), bounty.totalEscrowed(), "still covered");
    }

    function test_reentrant_token_cannot_claim_twice() public {
        ReentrantToken token = new ReentrantToken();
        BountyContract bounty = _deploy(token);
        CreateBountyRequest memory request = _request();
        vm.prank(creator);
        uint256 bountyId = bounty.createBounty(request, _noPermit());
        vm.prank(creator);
        bounty.createBounty(request, _noPermit()); // other money the attacker would like to take

        bytes32 salt = keccak256("salt");
        bytes32 commitment = bounty.commitmentOf(bountyId, alice, Verdict.Benign, 50, bytes32(0), salt);
        vm.prank(alice);
        bounty.commit(bountyId, commitment, 10 ether, _noPermit());
        vm.warp(uint256(request.assertionDeadline) + 1);
        bounty.reveal(bountyId, alice, Verdict.Benign, 50, bytes32(0), salt);
        vm.warp(block.timestamp + 1 days);
        bounty.resolve(bountyId);
        vm.warp(block.timestamp + 1 days + 1);

        // Every transfer out of the escrow re-enters claim() for alice, then refundCreator().
        token.arm(address(bounty), abi.encodeCall(BountyContract.claim, (bountyId, alice)));
        uint256 before = token.balanceOf(alice);
        bounty.claim(bountyId, alice);
        uint256 expected = 10 ether + (100 ether - 100 ether * 250 / 10_000);
        vm.assertEq(token.balanceOf(alice) - before, expected, "paid exactly once");
        vm.assertGt(token.reentryAttempts(), 0, "the token did try to re-enter");
        vm.assertEq(token.reentrySuccesses(), 0, "and never succeeded");

        token.arm(address(bounty), abi.encodeCall(BountyContract.payTreasury, (bountyId)));
        bounty.payTreasury(bountyId);
        vm.assertEq(token.reentrySuccesses(), 0, "payTreasury not re-entered");
        vm.assertEq(token.balanceOf(treasury), 100 ether * 250 / 10_000, "fee paid once");
        vm.assertEq(token.balanceOf(address(bounty)), 100 ether, "second bounty intact");
        vm.assertEq(bounty.totalEscrowed(), 100 ether, "books agree");
    }
}

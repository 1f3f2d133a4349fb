// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {BountyContract} from "../src/BountyContract.sol";
import {CreateBountyRequest, Intent, PermitSignature, Verdict} from "../src/BountyTypes.sol";
import {Fixture} from "./utils/Fixture.sol";
import {OwnerWallet} from "./utils/OwnerWallet.sol";

/// Signed intents relayed by a third party: users never send a transaction nor hand over a key.
contract BountyIntentsTest is Fixture {
    uint256 internal analystKey = 0xA11CE;
    address internal analyst;
    uint256 internal payerKey = 0xFEED;
    address internal payer;

    function setUp() public override {
        super.setUp();
        analyst = vm.addr(analystKey);
        payer = vm.addr(payerKey);
        _qualify(analyst, 1_000 ether);
        _mint(payer, 500 ether); // no approval, no ETH: everything by signature
    }

    function _createHash(address signer, CreateBountyRequest memory request, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                bounty.CREATE_BOUNTY_TYPEHASH(),
                signer,
                request.artifactHash,
                uint8(request.kind),
                request.reward,
                request.minStake,
                request.assertionDeadline,
                bounty.nonces(signer),
                deadline
            )
        );
    }

    function test_relayer_creates_bounty_from_intent_and_permit() public {
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        Intent memory intent = _signIntent(payerKey, _createHash(payer, request, deadline), deadline);
        PermitSignature memory permit = _signPermit(payerKey, address(bounty), 100 ether, deadline);

        vm.prank(relayer);
        uint256 bountyId = bounty.createBountyBySig(request, intent, permit);

        vm.assertEq(bounty.getBounty(bountyId).terms.creator, payer, "creator is the signer, not the relayer");
        vm.assertEq(token.balanceOf(payer), 400 ether, "reward from the signer");
        vm.assertEq(bounty.nonces(payer), 1, "nonce used");
        vm.assertEq(token.allowance(payer, address(bounty)), 0, "permit spent exactly");
    }

    function test_intent_cannot_be_replayed() public {
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        Intent memory intent = _signIntent(payerKey, _createHash(payer, request, deadline), deadline);
        vm.prank(payer);
        token.approve(address(bounty), type(uint256).max);
        bounty.createBountyBySig(request, intent, noPermit());
        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, payer, 1));
        bounty.createBountyBySig(request, intent, noPermit());
    }

    function test_tampered_or_foreign_intent_is_rejected() public {
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        Intent memory intent = _signIntent(payerKey, _createHash(payer, request, deadline), deadline);
        vm.prank(payer);
        token.approve(address(bounty), type(uint256).max);

        CreateBountyRequest memory tampered = request;
        tampered.reward = 200 ether;
        vm.expectRevert(BountyContract.InvalidSignature.selector);
        bounty.createBountyBySig(tampered, intent, noPermit());

        // Someone else's signature claiming to be the payer.
        Intent memory forged = _signIntent(analystKey, _createHash(payer, request, deadline), deadline);
        forged.signer = payer;
        vm.expectRevert(BountyContract.InvalidSignature.selector);
        bounty.createBountyBySig(request, forged, noPermit());
    }

    function test_expired_intent_is_rejected() public {
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp;
        Intent memory intent = _signIntent(payerKey, _createHash(payer, request, deadline), deadline);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyContract.IntentExpired.selector, deadline));
        bounty.createBountyBySig(request, intent, noPermit());
    }

    function test_relayer_commits_from_intent() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        bytes32 commitment = _commitment(bountyId, analyst, Verdict.Malicious);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                bounty.COMMIT_ASSERTION_TYPEHASH(),
                analyst,
                bountyId,
                commitment,
                uint128(3 ether),
                bounty.nonces(analyst),
                deadline
            )
        );
        Intent memory intent = _signIntent(analystKey, structHash, deadline);
        vm.prank(relayer);
        bounty.commitBySig(bountyId, commitment, 3 ether, intent, noPermit());
        vm.assertEq(bounty.getAssertion(bountyId, analyst).stake, 3 ether, "committed for the signer");

        // The relayer also reveals and claims for the analyst; the money goes to the analyst.
        _toRevealPhase(bountyId);
        vm.prank(relayer);
        _reveal(bountyId, analyst, Verdict.Malicious);
        _resolveAndFinalize(bountyId);
        uint256 before = token.balanceOf(analyst);
        vm.prank(relayer);
        bounty.claim(bountyId, analyst);
        vm.assertGt(token.balanceOf(analyst), before, "paid to the analyst");
        vm.assertEq(token.balanceOf(relayer), 0, "never to the relayer");
    }

    function test_front_run_permit_does_not_block_the_intent() public {
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        Intent memory intent = _signIntent(payerKey, _createHash(payer, request, deadline), deadline);
        PermitSignature memory permit = _signPermit(payerKey, address(bounty), 100 ether, deadline);
        // An observer submits the permit first; the relayed create must still succeed.
        token.permit(payer, address(bounty), 100 ether, deadline, permit.v, permit.r, permit.s);
        bounty.createBountyBySig(request, intent, permit);
        vm.assertEq(token.balanceOf(payer), 400 ether, "created");
    }

    function test_contract_wallet_signs_with_erc1271() public {
        OwnerWallet wallet = new OwnerWallet(payer);
        _mint(address(wallet), 100 ether);
        vm.prank(payer);
        wallet.approve(address(token), address(bounty));
        CreateBountyRequest memory request = _request(100 ether, 1 ether);
        uint256 deadline = block.timestamp + 1 hours;
        Intent memory intent =
            _signIntent(payerKey, _createHash(address(wallet), request, deadline), deadline);
        intent.signer = address(wallet);
        uint256 bountyId = bounty.createBountyBySig(request, intent, noPermit());
        vm.assertEq(bounty.getBounty(bountyId).terms.creator, address(wallet), "wallet is the creator");
    }
}

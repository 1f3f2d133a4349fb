// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Intent, PermitSignature, Verdict} from "../src/BountyTypes.sol";
import {ReputationToken} from "../src/ReputationToken.sol";
import {Fixture} from "./utils/Fixture.sol";
import {OwnerWallet} from "./utils/OwnerWallet.sol";

/// Staking intents in the token's own EIP-712 domain: an analyst with NXS and no ETH stakes, requests
/// an unstake and gets the cooled-down amount released, all through a relayer.
contract StakeIntentsTest is Fixture {
    uint256 internal analystKey = 0xA11CE;
    address internal analyst;
    uint256 internal otherKey = 0xB0B;

    event Staked(address indexed account, uint256 amount, uint256 totalStaked);
    event UnstakeRequested(
        address indexed account, uint256 amount, uint256 totalUnstaking, uint64 unlockTime
    );
    event UnstakeWithdrawn(address indexed account, uint256 amount);

    function setUp() public override {
        super.setUp();
        analyst = vm.addr(analystKey);
        _mint(analyst, 500 ether); // no approval, no stake, no ETH: everything by signature
    }

    function _digest(
        bytes32 separator,
        bytes32 typehash,
        address account,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(typehash, account, amount, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", separator, structHash));
    }

    /// Signs `typehash` for `account` with `key` over `separator`, with the token's next intent nonce.
    function _sign(
        uint256 key,
        bytes32 separator,
        bytes32 typehash,
        address account,
        uint256 amount,
        uint256 deadline
    ) internal view returns (Intent memory) {
        uint256 nonce = token.intentNonces(account);
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, _digest(separator, typehash, account, amount, nonce, deadline));
        return
            Intent({signer: account, nonce: nonce, deadline: deadline, signature: abi.encodePacked(r, s, v)});
    }

    function _stakeIntent(uint256 amount) internal view returns (Intent memory) {
        return _sign(
            analystKey,
            token.DOMAIN_SEPARATOR(),
            token.STAKE_TYPEHASH(),
            analyst,
            amount,
            block.timestamp + 1 hours
        );
    }

    function test_type_hashes_are_the_documented_types() public view {
        vm.assertEq(
            token.STAKE_TYPEHASH(),
            keccak256("Stake(address account,uint256 amount,uint256 nonce,uint256 deadline)"),
            "Stake"
        );
        vm.assertEq(
            token.REQUEST_UNSTAKE_TYPEHASH(),
            keccak256("RequestUnstake(address account,uint256 amount,uint256 nonce,uint256 deadline)"),
            "RequestUnstake"
        );
    }

    function test_relayer_stakes_from_intent() public {
        Intent memory intent = _stakeIntent(100 ether);
        vm.expectEmit(true, false, false, true, address(token));
        emit Staked(analyst, 100 ether, 100 ether);
        vm.prank(relayer);
        token.stakeBySig(100 ether, intent);

        vm.assertEq(token.stakedOf(analyst), 100 ether, "staked for the signer");
        vm.assertEq(token.stakedOf(relayer), 0, "not for the relayer");
        vm.assertEq(token.balanceOf(analyst), 500 ether, "no token moved");
        vm.assertEq(token.intentNonces(analyst), 1, "intent nonce used");
        vm.assertEq(token.nonces(analyst), 0, "permit nonce untouched");
    }

    function test_stake_intent_cannot_be_replayed() public {
        Intent memory intent = _stakeIntent(100 ether);
        token.stakeBySig(100 ether, intent);
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.InvalidIntentNonce.selector, analyst, 1));
        token.stakeBySig(100 ether, intent);
        vm.assertEq(token.stakedOf(analyst), 100 ether, "staked once");
    }

    function test_intent_with_a_future_nonce_is_refused() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest =
            _digest(token.DOMAIN_SEPARATOR(), token.STAKE_TYPEHASH(), analyst, 1 ether, 1, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(analystKey, digest);
        Intent memory ahead =
            Intent({signer: analyst, nonce: 1, deadline: deadline, signature: abi.encodePacked(r, s, v)});
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.InvalidIntentNonce.selector, analyst, 0));
        token.stakeBySig(1 ether, ahead);
    }

    function test_wrong_signer_or_tampered_amount_is_refused() public {
        // Someone else's key signing an intent that names the analyst.
        Intent memory forged = _sign(
            otherKey,
            token.DOMAIN_SEPARATOR(),
            token.STAKE_TYPEHASH(),
            analyst,
            100 ether,
            block.timestamp + 1
        );
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(100 ether, forged);

        // The analyst's intent, relayed with another amount.
        Intent memory intent = _stakeIntent(100 ether);
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(400 ether, intent);
        vm.assertEq(token.intentNonces(analyst), 0, "nothing used");
    }

    function test_expired_intent_is_refused() public {
        uint256 deadline = block.timestamp;
        Intent memory intent =
            _sign(analystKey, token.DOMAIN_SEPARATOR(), token.STAKE_TYPEHASH(), analyst, 1 ether, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.IntentExpired.selector, deadline));
        token.stakeBySig(1 ether, intent);
    }

    function test_intent_for_another_chain_is_refused() public {
        uint256 here = block.chainid;
        vm.chainId(1);
        bytes32 mainnetSeparator = token.DOMAIN_SEPARATOR();
        vm.chainId(here);
        vm.assertTrue(mainnetSeparator != token.DOMAIN_SEPARATOR(), "the chain id is in the domain");
        Intent memory intent = _sign(
            analystKey, mainnetSeparator, token.STAKE_TYPEHASH(), analyst, 1 ether, block.timestamp + 1
        );
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(1 ether, intent);
    }

    function test_intent_for_another_contract_is_refused() public {
        ReputationToken other = new ReputationToken(deployer, COOLDOWN);
        vm.prank(deployer);
        other.mint(analyst, 1 ether);
        Intent memory forOther = _sign(
            analystKey,
            other.DOMAIN_SEPARATOR(),
            token.STAKE_TYPEHASH(),
            analyst,
            1 ether,
            block.timestamp + 1
        );
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(1 ether, forOther);
        other.stakeBySig(1 ether, forOther);
        vm.assertEq(other.stakedOf(analyst), 1 ether, "valid on the token it was signed for");

        // The bounty contract's domain, with the same struct, is another contract too.
        Intent memory forBounty = _sign(
            analystKey,
            bounty.DOMAIN_SEPARATOR(),
            token.STAKE_TYPEHASH(),
            analyst,
            1 ether,
            block.timestamp + 1
        );
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(1 ether, forBounty);
    }

    function test_stake_intent_is_not_an_unstake_request() public {
        token.stakeBySig(100 ether, _stakeIntent(100 ether));
        Intent memory intent = _stakeIntent(40 ether);
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.requestUnstakeBySig(40 ether, intent);
    }

    function test_stake_intent_checks_the_amount_like_stake() public {
        Intent memory zero = _stakeIntent(0);
        vm.expectRevert(ReputationToken.ZeroAmount.selector);
        token.stakeBySig(0, zero);
        Intent memory tooMuch = _stakeIntent(501 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ReputationToken.InsufficientUnlockedBalance.selector, 500 ether, 501 ether)
        );
        token.stakeBySig(501 ether, tooMuch);
        vm.assertEq(token.intentNonces(analyst), 0, "a refused intent keeps its nonce");
    }

    function test_relayer_requests_unstake_and_releases_it_after_the_cooldown() public {
        token.stakeBySig(100 ether, _stakeIntent(100 ether));
        Intent memory request = _sign(
            analystKey,
            token.DOMAIN_SEPARATOR(),
            token.REQUEST_UNSTAKE_TYPEHASH(),
            analyst,
            40 ether,
            block.timestamp + 1 hours
        );
        uint64 unlockTime = uint64(block.timestamp) + COOLDOWN;
        vm.expectEmit(true, false, false, true, address(token));
        emit UnstakeRequested(analyst, 40 ether, 40 ether, unlockTime);
        vm.prank(relayer);
        token.requestUnstakeBySig(40 ether, request);
        vm.assertEq(token.stakedOf(analyst), 60 ether, "staked");
        vm.assertEq(token.lockedBalanceOf(analyst), 100 ether, "cooling down, still locked");
        vm.assertEq(token.intentNonces(analyst), 2, "one sequence for both intents");

        vm.expectRevert(abi.encodeWithSelector(ReputationToken.CooldownNotElapsed.selector, unlockTime));
        vm.prank(relayer);
        token.withdrawUnstakedFor(analyst);

        vm.warp(unlockTime);
        vm.expectEmit(true, false, false, true, address(token));
        emit UnstakeWithdrawn(analyst, 40 ether);
        vm.prank(relayer);
        token.withdrawUnstakedFor(analyst);
        vm.assertEq(token.lockedBalanceOf(analyst), 60 ether, "released");
        vm.assertEq(token.unlockedBalanceOf(analyst), 440 ether, "to the analyst's free balance");
        vm.assertEq(token.balanceOf(relayer), 0, "the relayer gets nothing");

        vm.expectRevert(ReputationToken.NothingToWithdraw.selector);
        token.withdrawUnstakedFor(analyst);
    }

    function test_stake_intent_and_permit_signed_together_both_work() public {
        // Signed at the same moment, before either is used: separate nonce sequences, so the order
        // in which a relayer submits them does not matter.
        Intent memory stake = _stakeIntent(100 ether);
        PermitSignature memory permit =
            _signPermit(analystKey, address(bounty), 5 ether, block.timestamp + 1 hours);
        token.permit(analyst, address(bounty), 5 ether, permit.deadline, permit.v, permit.r, permit.s);
        token.stakeBySig(100 ether, stake);
        vm.assertEq(token.stakedOf(analyst), 100 ether, "staked");
        vm.assertEq(token.allowance(analyst, address(bounty)), 5 ether, "permitted");
    }

    function test_analyst_without_eth_stakes_then_commits_by_signature() public {
        uint256 bountyId = _createBounty(100 ether, 1 ether);
        token.stakeBySig(MIN_ANALYST_STAKE, _stakeIntent(MIN_ANALYST_STAKE));

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
        Intent memory commit = _signIntent(analystKey, structHash, deadline);
        PermitSignature memory permit = _signPermit(analystKey, address(bounty), 3 ether, deadline);
        vm.prank(relayer);
        bounty.commitBySig(bountyId, commitment, 3 ether, commit, permit);
        vm.assertEq(bounty.getAssertion(bountyId, analyst).stake, 3 ether, "qualified and committed");
    }

    function test_contract_wallet_stakes_with_erc1271() public {
        uint256 ownerKey = 0xFEED;
        OwnerWallet wallet = new OwnerWallet(vm.addr(ownerKey));
        _mint(address(wallet), 10 ether);
        Intent memory intent = _sign(
            ownerKey,
            token.DOMAIN_SEPARATOR(),
            token.STAKE_TYPEHASH(),
            address(wallet),
            10 ether,
            block.timestamp + 1
        );
        token.stakeBySig(10 ether, intent);
        vm.assertEq(token.stakedOf(address(wallet)), 10 ether, "the wallet staked");
    }

    /// Any amount within the free balance is staked exactly once for the signer; any other key's
    /// signature is refused.
    function testFuzz_stake_intent(uint256 key, uint256 balance, uint256 amount, uint256 foreignKey) public {
        key = bound(key, 1, 2 ** 128);
        foreignKey = bound(foreignKey, 1, 2 ** 128);
        vm.assume(key != foreignKey);
        address account = vm.addr(key);
        vm.assume(account != analyst && account != creator);
        balance = bound(balance, 1, 1_000_000 ether);
        amount = bound(amount, 1, balance);
        _mint(account, balance);
        uint256 deadline = block.timestamp + 1 hours;

        Intent memory forged =
            _sign(foreignKey, token.DOMAIN_SEPARATOR(), token.STAKE_TYPEHASH(), account, amount, deadline);
        vm.expectRevert(ReputationToken.InvalidSignature.selector);
        token.stakeBySig(amount, forged);

        Intent memory intent =
            _sign(key, token.DOMAIN_SEPARATOR(), token.STAKE_TYPEHASH(), account, amount, deadline);
        token.stakeBySig(amount, intent);
        vm.assertEq(token.stakedOf(account), amount, "staked exactly");
        vm.assertEq(token.unlockedBalanceOf(account), balance - amount, "the rest stays free");
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.InvalidIntentNonce.selector, account, 1));
        token.stakeBySig(amount, intent);
    }
}

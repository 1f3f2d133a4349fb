// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {ReputationToken} from "../src/ReputationToken.sol";
import {Fixture} from "./utils/Fixture.sol";

contract ReputationTokenTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function test_metadata_and_clock() public view {
        vm.assertEq(token.name(), "Nexus Security", "name");
        vm.assertEq(token.symbol(), "NXS", "symbol");
        vm.assertEq(token.decimals(), 18, "decimals");
        vm.assertEq(token.CLOCK_MODE(), "mode=timestamp", "clock mode");
        vm.assertEq(token.clock(), block.timestamp, "clock");
        vm.assertEq(token.unstakeCooldown(), COOLDOWN, "cooldown");
    }

    function test_constructor_rejects_zero_admin_and_bad_cooldown() public {
        vm.expectRevert(ReputationToken.ZeroAddress.selector);
        new ReputationToken(address(0), COOLDOWN);
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.CooldownOutOfBounds.selector, uint64(1)));
        new ReputationToken(deployer, 1);
    }

    // ----- supply ---------------------------------------------------------------------------------

    function test_minter_mints() public {
        _mint(alice, 5 ether);
        vm.assertEq(token.balanceOf(alice), 5 ether, "balance");
    }

    function test_mint_requires_minter_role() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, token.MINTER_ROLE()
            )
        );
        vm.prank(alice);
        token.mint(alice, 1);
    }

    function test_mint_cannot_exceed_cap() public {
        uint256 supply = token.totalSupply();
        uint256 room = token.MAX_SUPPLY() - supply;
        _mint(alice, room);
        vm.expectRevert(
            abi.encodeWithSelector(
                ReputationToken.SupplyCapExceeded.selector, token.MAX_SUPPLY(), token.MAX_SUPPLY() + 1
            )
        );
        vm.prank(deployer);
        token.mint(alice, 1);
    }

    function test_faucet_works_on_local_chain_only() public {
        vm.chainId(31_337);
        vm.prank(alice);
        token.faucet(10_000 ether);
        vm.assertEq(token.balanceOf(alice), 10_000 ether, "faucet paid");

        vm.expectRevert(abi.encodeWithSelector(ReputationToken.FaucetAmountTooLarge.selector, 10_000 ether));
        vm.prank(alice);
        token.faucet(10_000 ether + 1);

        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.FaucetDisabled.selector, uint256(1)));
        vm.prank(alice);
        token.faucet(1);
    }

    // ----- staking --------------------------------------------------------------------------------

    function test_stake_locks_without_moving_tokens_or_votes() public {
        _mint(alice, 100 ether);
        vm.startPrank(alice);
        token.delegate(alice);
        token.stake(60 ether);
        vm.stopPrank();
        vm.assertEq(token.balanceOf(alice), 100 ether, "balance unchanged");
        vm.assertEq(token.stakedOf(alice), 60 ether, "staked");
        vm.assertEq(token.lockedBalanceOf(alice), 60 ether, "locked");
        vm.assertEq(token.unlockedBalanceOf(alice), 40 ether, "unlocked");
        vm.assertEq(token.getVotes(alice), 100 ether, "staked tokens still vote");
    }

    function test_stake_reverts_on_zero_and_on_locked_funds() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        vm.expectRevert(ReputationToken.ZeroAmount.selector);
        token.stake(0);
        token.stake(8 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ReputationToken.InsufficientUnlockedBalance.selector, 2 ether, 3 ether)
        );
        token.stake(3 ether);
        vm.stopPrank();
    }

    function test_locked_tokens_cannot_be_transferred() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(8 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ReputationToken.TransferExceedsUnlocked.selector, alice, 2 ether, 3 ether)
        );
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transfer(bob, 3 ether);
        require(token.transfer(bob, 2 ether), "transfer");
        vm.stopPrank();
        vm.assertEq(token.balanceOf(bob), 2 ether, "free part moves");
    }

    function test_locked_tokens_cannot_be_moved_by_allowance() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(10 ether);
        token.approve(bob, 10 ether);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.TransferExceedsUnlocked.selector, alice, 0, 1));
        vm.prank(bob);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transferFrom(alice, bob, 1);
    }

    function test_unstake_cooldown_then_withdraw() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(10 ether);
        token.requestUnstake(4 ether);
        vm.assertEq(token.stakedOf(alice), 6 ether, "stops qualifying at once");
        vm.assertEq(token.lockedBalanceOf(alice), 10 ether, "but stays locked");

        uint64 unlockTime = uint64(block.timestamp) + COOLDOWN;
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.CooldownNotElapsed.selector, unlockTime));
        token.withdrawUnstaked();

        vm.warp(unlockTime);
        token.withdrawUnstaked();
        vm.assertEq(token.lockedBalanceOf(alice), 6 ether, "released");
        vm.assertEq(token.unlockedBalanceOf(alice), 4 ether, "free again");

        vm.expectRevert(ReputationToken.NothingToWithdraw.selector);
        token.withdrawUnstaked();
        vm.stopPrank();
    }

    function test_second_unstake_request_restarts_cooldown() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(10 ether);
        token.requestUnstake(1 ether);
        vm.warp(block.timestamp + 3 days);
        token.requestUnstake(1 ether);
        vm.stopPrank();
        ReputationToken.StakeInfo memory info = token.stakeInfo(alice);
        vm.assertEq(info.unstaking, 2 ether, "adds up");
        vm.assertEq(info.unlockTime, block.timestamp + COOLDOWN, "restarted");
    }

    function test_unstake_reverts_on_zero_and_excess() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(5 ether);
        vm.expectRevert(ReputationToken.ZeroAmount.selector);
        token.requestUnstake(0);
        vm.expectRevert(abi.encodeWithSelector(ReputationToken.InsufficientStake.selector, 5 ether, 6 ether));
        token.requestUnstake(6 ether);
        vm.stopPrank();
    }

    // ----- slashing -------------------------------------------------------------------------------

    function test_slash_takes_staked_first_then_unstaking() public {
        _mint(alice, 10 ether);
        vm.startPrank(alice);
        token.stake(10 ether);
        token.requestUnstake(4 ether);
        vm.stopPrank();

        vm.prank(address(bounty));
        uint256 slashed = token.slash(alice, 8 ether, treasury);
        vm.assertEq(slashed, 8 ether, "slashed");
        ReputationToken.StakeInfo memory info = token.stakeInfo(alice);
        vm.assertEq(info.staked, 0, "staked emptied first");
        vm.assertEq(info.unstaking, 2 ether, "then unstaking");
        vm.assertEq(token.balanceOf(treasury), 8 ether, "recipient paid");
        vm.assertEq(token.balanceOf(alice), 2 ether, "balance reduced");
    }

    function test_slash_is_capped_at_locked_amount_and_zero_is_a_no_op() public {
        _mint(alice, 10 ether);
        vm.prank(alice);
        token.stake(3 ether);
        vm.prank(address(bounty));
        vm.assertEq(token.slash(alice, 100 ether, treasury), 3 ether, "capped");
        vm.prank(address(bounty));
        vm.assertEq(token.slash(alice, 1 ether, treasury), 0, "nothing left");
        vm.assertEq(token.balanceOf(alice), 7 ether, "free balance untouched");
    }

    function test_slash_requires_slasher_role_and_recipient() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, token.SLASHER_ROLE()
            )
        );
        vm.prank(alice);
        token.slash(bob, 1, alice);
        vm.expectRevert(ReputationToken.ZeroAddress.selector);
        vm.prank(address(bounty));
        token.slash(bob, 1, address(0));
    }

    // ----- parameters and permit --------------------------------------------------------------------

    function test_cooldown_is_governed_within_bounds() public {
        vm.prank(address(timelock));
        token.setUnstakeCooldown(14 days);
        vm.assertEq(token.unstakeCooldown(), 14 days, "changed");

        vm.expectRevert(abi.encodeWithSelector(ReputationToken.CooldownOutOfBounds.selector, uint64(61 days)));
        vm.prank(address(timelock));
        token.setUnstakeCooldown(61 days);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, token.PARAMETER_ROLE()
            )
        );
        vm.prank(alice);
        token.setUnstakeCooldown(2 days);
    }

    function test_permit_sets_allowance_from_a_signature() public {
        uint256 key = 0xA11CE;
        address owner = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                bob,
                7 ether,
                uint256(0),
                block.timestamp + 1
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, bob, 7 ether, block.timestamp + 1, v, r, s);
        vm.assertEq(token.allowance(owner, bob), 7 ether, "allowance");
        vm.assertEq(token.nonces(owner), 1, "nonce used");
    }

    function test_supports_access_control_interface() public view {
        vm.assertTrue(token.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
    }

    // ----- fuzz -----------------------------------------------------------------------------------

    /// Whatever the sequence of stake, unstake, slash and transfer, the balance covers the lock.
    function testFuzz_balance_always_covers_lock(
        uint96 minted,
        uint96 staked,
        uint96 unstaked,
        uint96 slashed,
        uint96 transferred
    ) public {
        minted = uint96(bound(minted, 0, 100_000_000 ether));
        _mint(alice, minted);
        staked = uint96(bound(staked, 0, minted));
        if (staked > 0) {
            vm.prank(alice);
            token.stake(staked);
        }
        unstaked = uint96(bound(unstaked, 0, staked));
        if (unstaked > 0) {
            vm.prank(alice);
            token.requestUnstake(unstaked);
        }
        vm.prank(address(bounty));
        uint256 taken = token.slash(alice, slashed, treasury);
        vm.assertEq(taken, slashed < staked ? slashed : staked, "slash is capped at the locked total");

        uint256 unlocked = token.unlockedBalanceOf(alice);
        vm.prank(alice);
        if (transferred > unlocked) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ReputationToken.TransferExceedsUnlocked.selector, alice, unlocked, transferred
                )
            );
            // forge-lint: disable-next-line(erc20-unchecked-transfer)
            token.transfer(bob, transferred);
        } else {
            require(token.transfer(bob, transferred), "transfer");
        }
        vm.assertGe(token.balanceOf(alice), token.lockedBalanceOf(alice), "balance covers lock");
    }
}

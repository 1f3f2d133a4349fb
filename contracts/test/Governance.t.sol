// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

import {BountyContract} from "../src/BountyContract.sol";
import {Params} from "../src/BountyTypes.sol";
import {Fixture} from "./utils/Fixture.sol";

/// Token-weighted proposals change platform parameters only through the timelock.
contract GovernanceTest is Fixture {
    address internal whale = address(0x3A1E);
    address internal minnow = address(0x3140);
    address internal newArbiter = address(0xA4B2);

    function setUp() public override {
        super.setUp();
        _mint(whale, 10_000_000 ether);
        _mint(minnow, PROPOSAL_THRESHOLD);
        vm.prank(whale);
        token.delegate(whale);
        vm.prank(minnow);
        token.delegate(minnow);
        vm.warp(block.timestamp + 1);
    }

    function _proposal(uint16 feeBps)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        Params memory params = defaultParams();
        params.feeBps = feeBps;
        targets = new address[](2);
        values = new uint256[](2);
        calldatas = new bytes[](2);
        targets[0] = address(bounty);
        calldatas[0] = abi.encodeCall(BountyContract.setParams, (params));
        targets[1] = address(bounty);
        calldatas[1] = abi.encodeCall(IAccessControl.grantRole, (bounty.ARBITER_ROLE(), newArbiter));
    }

    function test_passed_proposal_changes_fee_and_appoints_arbiter_after_the_timelock() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _proposal(500);
        string memory description = "Raise the fee to 5% and appoint a second arbiter";
        bytes32 descriptionHash = keccak256(bytes(description));

        vm.prank(whale);
        uint256 proposalId = governor.propose(targets, values, calldatas, description);
        vm.assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Pending), "pending");

        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(whale);
        governor.castVote(proposalId, 1);
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        vm.assertEq(
            uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Succeeded), "succeeded"
        );

        governor.queue(targets, values, calldatas, descriptionHash);
        vm.expectRevert();
        governor.execute(targets, values, calldatas, descriptionHash);

        vm.warp(block.timestamp + TIMELOCK_DELAY + 1);
        governor.execute(targets, values, calldatas, descriptionHash);
        vm.assertEq(bounty.params().feeBps, 500, "fee changed");
        vm.assertTrue(bounty.hasRole(bounty.ARBITER_ROLE(), newArbiter), "arbiter appointed");
    }

    function test_proposal_without_quorum_is_defeated() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _proposal(900);
        vm.prank(minnow);
        uint256 proposalId = governor.propose(targets, values, calldatas, "Fee to 9%");
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(minnow);
        governor.castVote(proposalId, 1);
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        vm.assertEq(
            uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Defeated), "no quorum"
        );
    }

    function test_proposal_voted_down_is_defeated() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _proposal(900);
        vm.prank(minnow);
        uint256 proposalId = governor.propose(targets, values, calldatas, "Fee to 9%, again");
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(minnow);
        governor.castVote(proposalId, 1);
        vm.prank(whale);
        governor.castVote(proposalId, 0);
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        vm.assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Defeated), "against");
    }

    function test_proposing_needs_the_threshold() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _proposal(300);
        address nobody = address(0x0B0D1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, nobody, 0, PROPOSAL_THRESHOLD
            )
        );
        vm.prank(nobody);
        governor.propose(targets, values, calldatas, "Fee to 3%");
    }

    function test_governor_settings() public view {
        vm.assertEq(governor.votingDelay(), VOTING_DELAY, "voting delay");
        vm.assertEq(governor.votingPeriod(), VOTING_PERIOD, "voting period");
        vm.assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD, "threshold");
        vm.assertEq(governor.timelock(), address(timelock), "timelock");
        vm.assertEq(timelock.getMinDelay(), TIMELOCK_DELAY, "delay");
        vm.assertEq(governor.CLOCK_MODE(), "mode=timestamp", "clock");
    }

    function test_timelock_cannot_be_bypassed_by_the_public() public {
        (address[] memory targets,, bytes[] memory calldatas) = _proposal(900);
        vm.expectRevert();
        vm.prank(whale);
        timelock.schedule(targets[0], 0, calldatas[0], bytes32(0), bytes32(0), TIMELOCK_DELAY);
    }
}

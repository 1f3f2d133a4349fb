// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {BountyContract} from "../src/BountyContract.sol";
import {Bounty, Outcome, Params, Settlement, Verdict} from "../src/BountyTypes.sol";
import {Fixture} from "./utils/Fixture.sol";

/// Random whole bounties: the escrow always balances to the wei and payouts follow the rule.
contract BountyFuzzTest is Fixture {
    uint256 internal constant ANALYSTS = 8;
    address[ANALYSTS] internal analysts;

    function setUp() public override {
        super.setUp();
        for (uint256 index = 0; index < ANALYSTS; index++) {
            // forge-lint: disable-next-line(unsafe-typecast)
            analysts[index] = address(uint160(0x1000 + index));
            _qualify(analysts[index], 10_000_000 ether);
        }
    }

    // Per-run scenario, in storage to keep the stack small.
    uint128[ANALYSTS] internal stakes;
    Verdict[ANALYSTS] internal verdicts;
    bool[ANALYSTS] internal revealed;

    /// @param seed Drives each analyst's participation, verdict, reveal and stake.
    function testFuzz_random_bounty_settles_exactly(uint256 seed, uint128 reward, uint16 feeBps, uint8 quorum)
        public
    {
        Params memory params = defaultParams();
        params.feeBps = uint16(bound(feeBps, 0, 1_000));
        params.quorum = uint32(bound(quorum, 1, 4));
        vm.prank(deployer);
        bounty.setParams(params);

        uint256 bountyId = _createBounty(uint128(bound(reward, 1 ether, 1_000_000 ether)), 1 ether);
        _commitAndReveal(bountyId, seed);
        _resolveAndFinalize(bountyId);

        Settlement memory settlement = bounty.settlementOf(bountyId);
        _checkOutcome(bounty.getBounty(bountyId), settlement.outcome);
        uint256 treasuryBefore = token.balanceOf(treasury);
        _claimAll(bountyId, settlement);
        if (settlement.creatorRefund != 0) bounty.refundCreator(bountyId);
        if (settlement.treasuryAmount != 0) bounty.payTreasury(bountyId);

        Bounty memory record = bounty.getBounty(bountyId);
        vm.assertEq(
            record.state.paidOut, uint256(record.terms.reward) + record.state.totalStake, "every wei paid out"
        );
        vm.assertEq(token.balanceOf(address(bounty)), 0, "escrow empty");
        vm.assertEq(bounty.totalEscrowed(), 0, "no liability left");
        vm.assertGe(
            token.balanceOf(treasury) - treasuryBefore, settlement.treasuryAmount, "treasury got its part"
        );
        vm.assertEq(settlement.fee, settlement.pool * record.terms.feeBps / 10_000, "fee formula");
    }

    function _commitAndReveal(uint256 bountyId, uint256 seed) private {
        for (uint256 index = 0; index < ANALYSTS; index++) {
            uint256 draw = uint256(keccak256(abi.encode(seed, index)));
            if (draw % 5 == 0) continue; // does not take part
            stakes[index] = uint128(bound(draw >> 8, 1 ether, 1_000_000 ether));
            verdicts[index] = (draw >> 200) % 2 == 0 ? Verdict.Benign : Verdict.Malicious;
            revealed[index] = (draw >> 210) % 4 != 0;
            _commit(bountyId, analysts[index], verdicts[index], stakes[index]);
        }
        _toRevealPhase(bountyId);
        for (uint256 index = 0; index < ANALYSTS; index++) {
            if (stakes[index] != 0 && revealed[index]) _reveal(bountyId, analysts[index], verdicts[index]);
        }
    }

    function _claimAll(uint256 bountyId, Settlement memory settlement) private {
        for (uint256 index = 0; index < ANALYSTS; index++) {
            uint256 expected = _expectedPayout(settlement, stakes[index], verdicts[index], revealed[index]);
            vm.assertEq(bounty.claimable(bountyId, analysts[index]), expected, "claimable");
            if (expected == 0) continue;
            uint256 before = token.balanceOf(analysts[index]);
            bounty.claim(bountyId, analysts[index]);
            vm.assertEq(token.balanceOf(analysts[index]) - before, expected, "payout");
        }
    }

    function _checkOutcome(Bounty memory record, Outcome outcome) private pure {
        uint256 revealedCount = uint256(record.state.benignCount) + record.state.maliciousCount;
        Outcome expected;
        if (revealedCount < record.terms.quorum || record.state.benignStake == record.state.maliciousStake) {
            expected = Outcome.Invalid;
        } else {
            expected =
                record.state.benignStake > record.state.maliciousStake ? Outcome.Benign : Outcome.Malicious;
        }
        vm.assertEq(uint256(outcome), uint256(expected), "majority rule");
    }

    function _expectedPayout(Settlement memory settlement, uint128 stake, Verdict verdict, bool wasRevealed)
        private
        pure
        returns (uint256)
    {
        if (stake == 0 || !wasRevealed) return 0;
        if (settlement.outcome == Outcome.Invalid) return stake;
        bool won = (settlement.outcome == Outcome.Benign) == (verdict == Verdict.Benign);
        if (!won) return 0;
        return uint256(stake) + settlement.distributable * stake / settlement.winningStake;
    }

    struct RevealFields {
        Verdict verdict;
        uint8 confidence;
        bytes32 metadataHash;
        bytes32 salt;
    }

    /// Changing any one field of a revealed assertion makes the reveal fail.
    function testFuzz_reveal_that_differs_from_commitment_is_rejected(
        uint8 confidence,
        bytes32 metadataHash,
        bytes32 salt,
        uint8 field,
        bytes32 noise
    ) public {
        vm.assume(noise != bytes32(0));
        RevealFields memory honest =
            RevealFields(Verdict.Malicious, uint8(bound(confidence, 0, 100)), metadataHash, salt);
        uint256 bountyId = _createBounty(10 ether, 1 ether);
        bytes32 commitment = bounty.commitmentOf(
            bountyId, analysts[0], honest.verdict, honest.confidence, honest.metadataHash, honest.salt
        );
        vm.prank(analysts[0]);
        bounty.commit(bountyId, commitment, 1 ether, noPermit());
        _toRevealPhase(bountyId);

        RevealFields memory altered =
            RevealFields(honest.verdict, honest.confidence, honest.metadataHash, honest.salt);
        field = uint8(bound(field, 0, 3));
        if (field == 0) altered.verdict = Verdict.Benign;
        if (field == 1) {
            altered.confidence = uint8((uint256(honest.confidence) + 1 + uint256(noise) % 100) % 101);
        }
        if (field == 2) altered.metadataHash = honest.metadataHash ^ noise;
        if (field == 3) altered.salt = honest.salt ^ noise;

        vm.expectRevert(BountyContract.CommitmentMismatch.selector);
        bounty.reveal(
            bountyId, analysts[0], altered.verdict, altered.confidence, altered.metadataHash, altered.salt
        );
        bounty.reveal(
            bountyId, analysts[0], honest.verdict, honest.confidence, honest.metadataHash, honest.salt
        );
    }
}

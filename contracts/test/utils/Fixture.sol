// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {BountyContract} from "../../src/BountyContract.sol";
import {
    ArtifactKind,
    Bounty,
    CreateBountyRequest,
    Intent,
    Params,
    PermitSignature,
    Verdict
} from "../../src/BountyTypes.sol";
import {GovernanceContract} from "../../src/GovernanceContract.sol";
import {NexusTimelock} from "../../src/NexusTimelock.sol";
import {ReputationToken} from "../../src/ReputationToken.sol";
import {Test} from "./Test.sol";

/// @notice Deploys and wires the three contracts the way the deploy tool does, plus helpers that
///         drive a bounty through its life.
abstract contract Fixture is Test {
    uint64 internal constant COOLDOWN = 7 days;
    uint256 internal constant TIMELOCK_DELAY = 2 days;
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 5 days;
    uint256 internal constant PROPOSAL_THRESHOLD = 1_000 ether;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint128 internal constant MIN_ANALYST_STAKE = 100 ether;

    address internal deployer = address(0xD0);
    address internal guardian = address(0x6A);
    address internal treasury = address(0x7E);
    address internal arbiter = address(0xA4B);
    uint256 internal creatorKey = 0xC0FFEE;
    address internal creator;
    address internal relayer = address(0x4E1A);

    ReputationToken internal token;
    NexusTimelock internal timelock;
    GovernanceContract internal governor;
    BountyContract internal bounty;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        creator = vm.addr(creatorKey);
        vm.startPrank(deployer);
        token = new ReputationToken(deployer, COOLDOWN);
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1);
        timelock = new NexusTimelock(TIMELOCK_DELAY, none, anyone, deployer);
        governor = new GovernanceContract(
            token, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        bounty = new BountyContract(token, deployer, guardian, defaultParams());
        token.grantRole(token.SLASHER_ROLE(), address(bounty));
        token.grantRole(token.DEFAULT_ADMIN_ROLE(), address(timelock));
        token.grantRole(token.PARAMETER_ROLE(), address(timelock));
        bounty.grantRole(bounty.DEFAULT_ADMIN_ROLE(), address(timelock));
        bounty.grantRole(bounty.PARAMETER_ROLE(), address(timelock));
        bounty.grantRole(bounty.ARBITER_ROLE(), arbiter);
        vm.stopPrank();

        _mint(creator, 1_000_000 ether);
        vm.prank(creator);
        token.approve(address(bounty), type(uint256).max);
    }

    function defaultParams() internal view returns (Params memory) {
        return Params({
            feeBps: 250,
            quorum: 1,
            minCommitWindow: 1 hours,
            maxCommitWindow: 7 days,
            revealWindow: 1 days,
            disputeWindow: 1 days,
            arbitrationWindow: 3 days,
            minReward: 1 ether,
            minAssertionStake: 1 ether,
            minAnalystStake: MIN_ANALYST_STAKE,
            noRevealSlash: 10 ether,
            treasury: treasury
        });
    }

    function noPermit() internal pure returns (PermitSignature memory permit) {}

    function _mint(address to, uint256 amount) internal {
        vm.prank(deployer);
        token.mint(to, amount);
    }

    /// @dev Gives `analyst` `balance` NXS, stakes the qualifying minimum and approves the bounty contract.
    function _qualify(address analyst, uint256 balance) internal {
        _mint(analyst, balance + MIN_ANALYST_STAKE);
        vm.startPrank(analyst);
        token.stake(MIN_ANALYST_STAKE);
        token.approve(address(bounty), type(uint256).max);
        vm.stopPrank();
    }

    function _request(uint128 reward, uint128 minStake) internal view returns (CreateBountyRequest memory) {
        return CreateBountyRequest({
            artifactHash: sha256("sample"),
            kind: ArtifactKind.File,
            reward: reward,
            minStake: minStake,
            assertionDeadline: uint64(block.timestamp + 1 days)
        });
    }

    function _createBounty(uint128 reward, uint128 minStake) internal returns (uint256 bountyId) {
        // Built before the prank: sha256 is a precompile call and would consume it.
        CreateBountyRequest memory request = _request(reward, minStake);
        vm.prank(creator);
        bountyId = bounty.createBounty(request, noPermit());
    }

    function _salt(address analyst, uint256 bountyId) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", analyst, bountyId));
    }

    function _commitment(uint256 bountyId, address analyst, Verdict verdict) internal view returns (bytes32) {
        return
            bounty.commitmentOf(bountyId, analyst, verdict, 90, keccak256("report"), _salt(analyst, bountyId));
    }

    function _commit(uint256 bountyId, address analyst, Verdict verdict, uint128 stake) internal {
        bytes32 commitment = _commitment(bountyId, analyst, verdict);
        vm.prank(analyst);
        bounty.commit(bountyId, commitment, stake, noPermit());
    }

    function _reveal(uint256 bountyId, address analyst, Verdict verdict) internal {
        bounty.reveal(bountyId, analyst, verdict, 90, keccak256("report"), _salt(analyst, bountyId));
    }

    function _toRevealPhase(uint256 bountyId) internal {
        Bounty memory record = bounty.getBounty(bountyId);
        if (block.timestamp <= record.terms.assertionDeadline) {
            vm.warp(uint256(record.terms.assertionDeadline) + 1);
        }
    }

    function _toResolvable(uint256 bountyId) internal {
        Bounty memory record = bounty.getBounty(bountyId);
        if (block.timestamp <= record.terms.revealDeadline) {
            vm.warp(uint256(record.terms.revealDeadline) + 1);
        }
    }

    function _resolveAndFinalize(uint256 bountyId) internal {
        _toResolvable(bountyId);
        bounty.resolve(bountyId);
        vm.warp(uint256(bounty.getBounty(bountyId).state.disputeDeadline) + 1);
    }

    function _signIntent(uint256 key, bytes32 structHash, uint256 deadline)
        internal
        view
        returns (Intent memory intent)
    {
        address signer = vm.addr(key);
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", bounty.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        intent = Intent({
            signer: signer,
            nonce: bounty.nonces(signer),
            deadline: deadline,
            signature: abi.encodePacked(r, s, v)
        });
    }

    function _signPermit(uint256 key, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (PermitSignature memory permit)
    {
        address owner = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                spender,
                value,
                token.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        permit = PermitSignature({deadline: deadline, v: v, r: r, s: s});
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title NexusTimelock
/// @notice The TimelockController that executes governance decisions. A named subclass only so the
///         build emits (and the repository commits) its ABI and bytecode next to the other contracts.
contract NexusTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and executing an operation.
    /// @param proposers Accounts that may queue (the governor).
    /// @param executors Accounts that may execute (address(0) = anyone).
    /// @param admin Optional bootstrap admin (address(0) = none); deployment renounces it.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}

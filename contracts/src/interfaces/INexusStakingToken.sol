// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title INexusStakingToken
/// @notice What the bounty contract needs from the NXS token beyond ERC-20: the qualifying stake of an
///         analyst, and slashing of that stake (the bounty contract holds SLASHER_ROLE).
interface INexusStakingToken is IERC20 {
    /// @notice Amount `account` currently has staked (excluding amounts cooling down).
    function stakedOf(address account) external view returns (uint256);

    /// @notice Take up to `amount` of `account`'s locked tokens and transfer them to `recipient`.
    /// @return slashed The amount actually taken (less than `amount` if less was locked).
    function slash(address account, uint256 amount, address recipient) external returns (uint256 slashed);
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain staking token for tests: everyone counts as staked, slashing takes nothing.
contract MockStakingToken is ERC20 {
    constructor() ERC20("Mock", "MOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function stakedOf(address) external pure returns (uint256) {
        return type(uint128).max;
    }

    function slash(address, uint256, address) external pure returns (uint256) {
        return 0;
    }
}

/// @notice Keeps 1% of every transfer (the recipient gets less than was sent).
contract FeeOnTransferToken is MockStakingToken {
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xFEE), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Takes an extra 1% from the sender's balance on every transfer (the sender loses more).
contract SenderTaxToken is MockStakingToken {
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && to != address(0) && to != address(0x7A8)) {
            uint256 tax = value / 100;
            if (balanceOf(from) >= tax) super._update(from, address(0x7A8), tax);
        }
    }
}

/// @notice Calls back into a target on every transfer out of `victim`, replaying a stored call
///         (for example the same `claim`), and records whether the reentrant call succeeded.
contract ReentrantToken is MockStakingToken {
    address public victim;
    bytes public reentryCall;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bool private _inside;

    function arm(address victim_, bytes calldata call) external {
        victim = victim_;
        reentryCall = call;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if ((from == victim || to == victim) && victim != address(0) && reentryCall.length != 0 && !_inside) {
            _inside = true;
            reentryAttempts += 1;
            (bool ok,) = victim.call(reentryCall);
            if (ok) reentrySuccesses += 1;
            _inside = false;
        }
    }
}

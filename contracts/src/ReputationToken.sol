// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {Intent} from "./BountyTypes.sol";
import {INexusStakingToken} from "./interfaces/INexusStakingToken.sol";

/// @title ReputationToken (NXS)
/// @notice The Nexus Security token: ERC-20 with EIP-2612 permit, ERC-5805 votes (timestamp clock)
///         for governance, and in-place staking that qualifies analysts for bounties.
/// @dev Staking never moves tokens. A staked or cooling-down amount stays in the holder's balance
///      (so it keeps its voting power) but is locked: `_update` refuses any transfer that would take
///      the balance below the locked amount. The single way around the lock is `slash`, which only
///      holders of SLASHER_ROLE (the bounty contract) may call and which first reduces the lock and
///      then transfers. Invariant: `balanceOf(a) >= lockedBalanceOf(a)` for every account.
///
///      Signed staking intents: `stakeBySig` and `requestUnstakeBySig` act for an account that signed
///      an EIP-712 `Stake` or `RequestUnstake` in this token's domain ("Nexus Security", version "1",
///      chain id, this address: the permit's domain), so an analyst with NXS but no ETH can qualify for
///      bounties through a relayer. They have their own nonce sequence (`intentNonces`), apart from the
///      permit nonces (`nonces`): a stake intent and a permit signed at the same time never compete for
///      one nonce. `withdrawUnstakedFor` needs no signature: it only completes the account's own
///      request once its cooldown is over.
///
///      Roles (all administered by DEFAULT_ADMIN_ROLE, which deployment hands to the timelock):
///      - MINTER_ROLE: mint up to MAX_SUPPLY.
///      - SLASHER_ROLE: slash locked stake (bounty contract).
///      - PARAMETER_ROLE: change the unstake cooldown within fixed bounds.
contract ReputationToken is ERC20, ERC20Permit, ERC20Votes, AccessControl, INexusStakingToken {
    /// @notice May mint new tokens (up to MAX_SUPPLY).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May slash staked tokens (granted to the bounty contract).
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice May change the unstake cooldown (granted to the timelock).
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    /// @notice Hard cap on the total supply: one billion NXS. Every amount in the system therefore
    ///         fits in 90 bits, which the off-chain settlement mirror relies on.
    uint256 public constant MAX_SUPPLY = 1_000_000_000 ether;
    /// @notice Chain id on which the development faucet works (anvil and hardhat default).
    uint256 public constant LOCAL_CHAIN_ID = 31_337;
    /// @notice Largest amount one faucet call hands out.
    uint256 public constant FAUCET_AMOUNT = 10_000 ether;
    /// @notice Bounds for the unstake cooldown that governance may set.
    uint64 public constant MIN_COOLDOWN = 1 days;
    /// @notice Upper bound for the unstake cooldown.
    uint64 public constant MAX_COOLDOWN = 60 days;

    /// @notice Per-account staking state.
    /// @param staked Amount that currently qualifies the account (locked).
    /// @param unstaking Amount cooling down after `requestUnstake` (still locked, still slashable).
    /// @param unlockTime When `unstaking` may be released by `withdrawUnstaked`.
    struct StakeInfo {
        uint128 staked;
        uint128 unstaking;
        uint64 unlockTime;
    }

    /// @notice EIP-712 type of a relayed stake (see `stakeBySig`).
    bytes32 public constant STAKE_TYPEHASH =
        keccak256("Stake(address account,uint256 amount,uint256 nonce,uint256 deadline)");
    /// @notice EIP-712 type of a relayed unstake request (see `requestUnstakeBySig`).
    bytes32 public constant REQUEST_UNSTAKE_TYPEHASH =
        keccak256("RequestUnstake(address account,uint256 amount,uint256 nonce,uint256 deadline)");

    /// @notice Time between `requestUnstake` and `withdrawUnstaked`.
    uint64 public unstakeCooldown;

    mapping(address account => StakeInfo) private _stakes;
    mapping(address account => uint256) private _intentNonces;

    /// @notice Emitted when `account` stakes `amount` more.
    event Staked(address indexed account, uint256 amount, uint256 totalStaked);
    /// @notice Emitted when `account` starts the cooldown for `amount`.
    event UnstakeRequested(
        address indexed account, uint256 amount, uint256 totalUnstaking, uint64 unlockTime
    );
    /// @notice Emitted when a cooled-down amount is released back to the free balance.
    event UnstakeWithdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when a slasher takes `amount` of `account`'s locked tokens and sends them to `recipient`.
    event Slashed(
        address indexed account, address indexed slasher, address indexed recipient, uint256 amount
    );
    /// @notice Emitted when governance changes the cooldown.
    event UnstakeCooldownChanged(uint64 previousCooldown, uint64 newCooldown);

    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The transfer would move locked (staked or cooling-down) tokens.
    error TransferExceedsUnlocked(address account, uint256 unlocked, uint256 needed);
    /// @notice Staking needs more free balance than the account has.
    error InsufficientUnlockedBalance(uint256 unlocked, uint256 needed);
    /// @notice Unstaking more than is staked.
    error InsufficientStake(uint256 staked, uint256 needed);
    /// @notice Nothing is cooling down, or the cooldown has not passed.
    error NothingToWithdraw();
    /// @notice The cooldown has not passed yet.
    error CooldownNotElapsed(uint64 unlockTime);
    /// @notice Minting would exceed MAX_SUPPLY.
    error SupplyCapExceeded(uint256 cap, uint256 requestedSupply);
    /// @notice The faucet only exists on the local development chain.
    error FaucetDisabled(uint256 chainId);
    /// @notice The faucet hands out at most FAUCET_AMOUNT per call.
    error FaucetAmountTooLarge(uint256 maximum);
    /// @notice A cooldown outside [MIN_COOLDOWN, MAX_COOLDOWN].
    error CooldownOutOfBounds(uint64 cooldown);
    /// @notice An address parameter was zero.
    error ZeroAddress();
    /// @notice The signed intent expired.
    error IntentExpired(uint256 deadline);
    /// @notice The signature does not belong to the intent's signer (or signs other values).
    error InvalidSignature();
    /// @notice The intent's nonce is not the signer's next staking-intent nonce (used, or out of order).
    error InvalidIntentNonce(address account, uint256 currentNonce);

    /// @param admin Receives DEFAULT_ADMIN_ROLE, MINTER_ROLE and PARAMETER_ROLE (deployment moves them to the timelock).
    /// @param initialCooldown Initial unstake cooldown in seconds.
    constructor(address admin, uint64 initialCooldown)
        ERC20("Nexus Security", "NXS")
        ERC20Permit("Nexus Security")
    {
        if (admin == address(0)) revert ZeroAddress();
        _checkCooldown(initialCooldown);
        unstakeCooldown = initialCooldown;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        emit UnstakeCooldownChanged(0, initialCooldown);
    }

    // ---------------------------------------------------------------------------------------------
    // Supply
    // ---------------------------------------------------------------------------------------------

    /// @notice Mint `amount` to `to`. Only MINTER_ROLE; never beyond MAX_SUPPLY.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Development faucet: anyone may mint up to FAUCET_AMOUNT to themselves, but only on the
    ///         local chain (chain id 31337). On every other chain it reverts.
    function faucet(uint256 amount) external {
        if (block.chainid != LOCAL_CHAIN_ID) revert FaucetDisabled(block.chainid);
        if (amount > FAUCET_AMOUNT) revert FaucetAmountTooLarge(FAUCET_AMOUNT);
        _mint(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Staking
    // ---------------------------------------------------------------------------------------------

    /// @notice Lock `amount` of the caller's free balance as stake.
    function stake(uint256 amount) external {
        _stake(msg.sender, amount);
    }

    /// @notice Stake on behalf of `intent.signer`, who signed a `Stake` intent for `amount`.
    function stakeBySig(uint256 amount, Intent calldata intent) external {
        _useIntent(
            intent,
            keccak256(abi.encode(STAKE_TYPEHASH, intent.signer, amount, intent.nonce, intent.deadline))
        );
        _stake(intent.signer, amount);
    }

    /// @notice Start the cooldown for `amount` of the caller's stake. The amount stops qualifying
    ///         the caller at once but stays locked (and slashable) until the cooldown ends. A second
    ///         request adds to the amount cooling down and restarts the cooldown for all of it.
    function requestUnstake(uint256 amount) external {
        _requestUnstake(msg.sender, amount);
    }

    /// @notice Request an unstake on behalf of `intent.signer`, who signed a `RequestUnstake` intent.
    function requestUnstakeBySig(uint256 amount, Intent calldata intent) external {
        _useIntent(
            intent,
            keccak256(
                abi.encode(REQUEST_UNSTAKE_TYPEHASH, intent.signer, amount, intent.nonce, intent.deadline)
            )
        );
        _requestUnstake(intent.signer, amount);
    }

    /// @notice Release the caller's cooled-down amount back to the free balance.
    function withdrawUnstaked() external {
        _withdrawUnstaked(msg.sender);
    }

    /// @notice Release `account`'s cooled-down amount back to its free balance. Anyone may call (a
    ///         relayer, usually): the account asked for it with `requestUnstake`, the cooldown is
    ///         over, no tokens move, and only `account`'s own lock shrinks.
    function withdrawUnstakedFor(address account) external {
        _withdrawUnstaked(account);
    }

    /// @notice The nonce `account`'s next staking intent (`Stake` or `RequestUnstake`) must carry.
    function intentNonces(address account) external view returns (uint256) {
        return _intentNonces[account];
    }

    function _stake(address account, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 unlocked = unlockedBalanceOf(account);
        if (unlocked < amount) revert InsufficientUnlockedBalance(unlocked, amount);
        StakeInfo storage info = _stakes[account];
        info.staked += SafeCast.toUint128(amount);
        emit Staked(account, amount, info.staked);
    }

    function _requestUnstake(address account, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage info = _stakes[account];
        if (info.staked < amount) revert InsufficientStake(info.staked, amount);
        info.staked -= SafeCast.toUint128(amount);
        info.unstaking += SafeCast.toUint128(amount);
        info.unlockTime = SafeCast.toUint64(block.timestamp) + unstakeCooldown;
        emit UnstakeRequested(account, amount, info.unstaking, info.unlockTime);
    }

    function _withdrawUnstaked(address account) private {
        StakeInfo storage info = _stakes[account];
        uint256 amount = info.unstaking;
        if (amount == 0) revert NothingToWithdraw();
        if (block.timestamp < info.unlockTime) revert CooldownNotElapsed(info.unlockTime);
        info.unstaking = 0;
        info.unlockTime = 0;
        emit UnstakeWithdrawn(account, amount);
    }

    /// @dev Checks an intent (deadline, then signature: ECDSA or ERC-1271, then nonce) and uses its
    ///      nonce, before any effect of the action. The domain binds the signature to this chain and
    ///      this token; the type hash binds it to one action.
    function _useIntent(Intent calldata intent, bytes32 structHash) private {
        if (block.timestamp > intent.deadline) revert IntentExpired(intent.deadline);
        if (!SignatureChecker.isValidSignatureNow(
                intent.signer, _hashTypedDataV4(structHash), intent.signature
            )) {
            revert InvalidSignature();
        }
        uint256 current = _intentNonces[intent.signer]++;
        if (intent.nonce != current) revert InvalidIntentNonce(intent.signer, current);
    }

    /// @inheritdoc INexusStakingToken
    /// @dev Takes from the qualifying stake first, then from the amount cooling down, so leaving
    ///      does not escape a penalty. Returns the amount actually slashed (at most the locked total).
    function slash(address account, uint256 amount, address recipient)
        external
        onlyRole(SLASHER_ROLE)
        returns (uint256 slashed)
    {
        if (recipient == address(0)) revert ZeroAddress();
        StakeInfo storage info = _stakes[account];
        uint256 fromStaked = amount < info.staked ? amount : info.staked;
        uint256 remaining = amount - fromStaked;
        uint256 fromUnstaking = remaining < info.unstaking ? remaining : info.unstaking;
        slashed = fromStaked + fromUnstaking;
        if (slashed == 0) return 0;
        // Effects on the lock first; the transfer below then passes the lock check in `_update`
        // because balance >= old lock >= slashed.
        info.staked -= SafeCast.toUint128(fromStaked);
        info.unstaking -= SafeCast.toUint128(fromUnstaking);
        emit Slashed(account, msg.sender, recipient, slashed);
        _transfer(account, recipient, slashed);
    }

    /// @inheritdoc INexusStakingToken
    function stakedOf(address account) external view returns (uint256) {
        return _stakes[account].staked;
    }

    /// @notice Full staking state of `account`.
    function stakeInfo(address account) external view returns (StakeInfo memory) {
        return _stakes[account];
    }

    /// @notice Staked plus cooling-down amount: the part of the balance that cannot be transferred.
    function lockedBalanceOf(address account) public view returns (uint256) {
        StakeInfo storage info = _stakes[account];
        return uint256(info.staked) + info.unstaking;
    }

    /// @notice The part of the balance that can be transferred or staked.
    function unlockedBalanceOf(address account) public view returns (uint256) {
        return balanceOf(account) - lockedBalanceOf(account);
    }

    // ---------------------------------------------------------------------------------------------
    // Parameters
    // ---------------------------------------------------------------------------------------------

    /// @notice Change the unstake cooldown (governance, through the timelock). Running cooldowns keep
    ///         the unlock time they were given.
    function setUnstakeCooldown(uint64 newCooldown) external onlyRole(PARAMETER_ROLE) {
        _checkCooldown(newCooldown);
        emit UnstakeCooldownChanged(unstakeCooldown, newCooldown);
        unstakeCooldown = newCooldown;
    }

    function _checkCooldown(uint64 cooldown) private pure {
        if (cooldown < MIN_COOLDOWN || cooldown > MAX_COOLDOWN) revert CooldownOutOfBounds(cooldown);
    }

    // ---------------------------------------------------------------------------------------------
    // Votes clock: timestamps, so governance periods are in seconds on every chain.
    // ---------------------------------------------------------------------------------------------

    /// @notice The votes clock is the block timestamp (ERC-6372).
    function clock() public view override returns (uint48) {
        return SafeCast.toUint48(block.timestamp);
    }

    /// @notice ERC-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    // ---------------------------------------------------------------------------------------------
    // Overrides
    // ---------------------------------------------------------------------------------------------

    /// @dev Enforces the stake lock on every outgoing transfer and burn, and the supply cap on mints.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        if (from != address(0)) {
            uint256 unlocked = unlockedBalanceOf(from);
            if (unlocked < value) revert TransferExceedsUnlocked(from, unlocked, value);
        } else if (totalSupply() + value > MAX_SUPPLY) {
            revert SupplyCapExceeded(MAX_SUPPLY, totalSupply() + value);
        }
        super._update(from, to, value);
    }

    /// @dev ERC20Votes caps supply at 2^208; ours is far lower and enforced in `_update`.
    function _maxSupply() internal pure override returns (uint256) {
        return MAX_SUPPLY;
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}

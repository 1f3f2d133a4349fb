//! Typed bindings generated at compile time from the committed artifacts in `contracts/artifacts/`
//! (ABI and bytecode), so building this crate needs neither Node nor a Solidity compiler.
//!
//! Each module exposes the contract type (`new` to attach to an address, `deploy` to deploy), one
//! `…Call` type per function, one type per event and error, and the structs of the ABI
//! (for example [`bounty::BountyContract::Params`]).

#![allow(missing_docs, clippy::too_many_arguments)]

/// `ReputationToken` (NXS): ERC-20, permit, votes, staking, slashing.
pub mod token {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ReputationToken,
        "../../contracts/artifacts/ReputationToken.json"
    );
}

/// `BountyContract`: escrow, commit-reveal, resolution, disputes, claims, signed intents.
pub mod bounty {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        BountyContract,
        "../../contracts/artifacts/BountyContract.json"
    );
}

/// `GovernanceContract`: OpenZeppelin Governor over NXS votes.
pub mod governance {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        GovernanceContract,
        "../../contracts/artifacts/GovernanceContract.json"
    );
}

/// `NexusTimelock`: the TimelockController that executes governance decisions.
pub mod timelock {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        NexusTimelock,
        "../../contracts/artifacts/NexusTimelock.json"
    );
}

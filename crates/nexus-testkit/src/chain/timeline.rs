//! Moving a chain in time and back: `evm_increaseTime` + `evm_mine`, `anvil_mine`,
//! `evm_snapshot`/`evm_revert`. They act on the whole node (see the module docs of
//! [`super`] on sharing).

use std::time::Duration;

use alloy::primitives::U256;
use alloy::providers::Provider;
use alloy::rpc::types::BlockNumberOrTag;

use super::TestChain;
use crate::TestError;

/// An `evm_snapshot` id, for [`TestChain::revert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot(U256);

impl TestChain {
    /// Moves the chain's clock forward by `by` (whole seconds) and mines a block there.
    pub async fn advance(&self, by: Duration) -> Result<(), TestError> {
        self.rpc::<serde_json::Value>("evm_increaseTime", serde_json::json!([by.as_secs()]))
            .await?;
        self.rpc::<serde_json::Value>("evm_mine", serde_json::json!([]))
            .await?;
        Ok(())
    }

    /// Mines `blocks` empty blocks at once (`anvil_mine`).
    pub async fn mine(&self, blocks: u64) -> Result<(), TestError> {
        self.rpc::<serde_json::Value>("anvil_mine", serde_json::json!([U256::from(blocks)]))
            .await?;
        Ok(())
    }

    /// The latest block's timestamp (seconds since the epoch, chain time).
    pub async fn now(&self) -> Result<u64, TestError> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .ok_or("the node has no latest block")?;
        Ok(block.header.timestamp)
    }

    /// The latest block's number.
    pub async fn block_number(&self) -> Result<u64, TestError> {
        Ok(self.provider.get_block_number().await?)
    }

    /// Records the node's state (`evm_snapshot`) for [`TestChain::revert`].
    pub async fn snapshot(&self) -> Result<Snapshot, TestError> {
        Ok(Snapshot(
            self.rpc("evm_snapshot", serde_json::json!([])).await?,
        ))
    }

    /// Returns the node to `snapshot` (`evm_revert`): blocks, balances, nonces and time. A
    /// snapshot can be reverted to once; take another one to revert again. Providers that sent
    /// transactions since the snapshot cache nonces the chain no longer has: send through a
    /// [`TestChain::new_provider`] afterwards ([`TestChain::mint_nxs`] and the funding helpers
    /// need nothing).
    pub async fn revert(&self, snapshot: Snapshot) -> Result<(), TestError> {
        let reverted: bool = self
            .rpc("evm_revert", serde_json::json!([snapshot.0]))
            .await?;
        if reverted {
            Ok(())
        } else {
            Err(format!(
                "evm_revert to {:?} was refused (unknown or used)",
                snapshot.0
            )
            .into())
        }
    }
}

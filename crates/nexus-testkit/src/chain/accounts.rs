//! Accounts for one test: fresh keys with ETH (`anvil_setBalance`) and NXS (minted by the
//! deployer), so tests on one chain never share a sender or its nonces.

use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::signers::local::PrivateKeySigner;
use nexus_chain::deploy::confirm;

use super::TestChain;
use crate::TestError;

/// ETH (in wei) a fresh [`TestAccount`] holds: plenty for any test's gas.
pub const ACCOUNT_ETH: u128 = 100 * 1_000_000_000_000_000_000;

/// Gas limit of a mint. Fixed rather than estimated: the token's votes clock is the block
/// timestamp, so a mint estimated within the second of the previous one updates that second's
/// supply checkpoint, while mined a second later it pushes a new one (some 20,000 gas more) and
/// would run out of gas. A mint needs well under this limit.
const MINT_GAS: u64 = 250_000;

/// A fresh key with ETH (and NXS when asked for), for one test.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// Its key: sign intents and permits with it, or send through [`TestAccount::provider`].
    pub signer: PrivateKeySigner,
    /// Its address.
    pub address: Address,
}

impl TestAccount {
    /// A provider on `chain` that signs this account's transactions locally.
    pub fn provider(&self, chain: &TestChain) -> Result<DynProvider, TestError> {
        chain.provider_for(&self.signer)
    }
}

impl TestChain {
    /// A fresh key holding [`ACCOUNT_ETH`] and no NXS.
    pub async fn account(&self) -> Result<TestAccount, TestError> {
        let signer = PrivateKeySigner::random();
        let address = signer.address();
        self.set_eth_balance(address, U256::from(ACCOUNT_ETH))
            .await?;
        Ok(TestAccount { signer, address })
    }

    /// A fresh key holding [`ACCOUNT_ETH`] and `nxs_wei` NXS (minted by the deployer).
    pub async fn funded_account(&self, nxs_wei: u128) -> Result<TestAccount, TestError> {
        let account = self.account().await?;
        if nxs_wei > 0 {
            self.mint_nxs(account.address, nxs_wei).await?;
        }
        Ok(account)
    }

    /// Sets `address`'s ETH balance (`anvil_setBalance`; no transaction).
    pub async fn set_eth_balance(&self, address: Address, wei: U256) -> Result<(), TestError> {
        self.rpc::<serde_json::Value>("anvil_setBalance", serde_json::json!([address, wei]))
            .await?;
        Ok(())
    }

    /// Mints `wei` NXS to `to` from the deployer, and waits for the receipt.
    pub async fn mint_nxs(&self, to: Address, wei: u128) -> Result<(), TestError> {
        let _turn = self.deployer_sends.lock().await;
        // The nonce is read from the node every time rather than from the provider's cache,
        // which an `evm_revert` (or a test sending as the deployer itself) leaves ahead of the
        // chain.
        let nonce = self
            .provider
            .get_transaction_count(self.deployer())
            .pending()
            .await?;
        let pending = self
            .token()
            .mint(to, U256::from(wei))
            .from(self.deployer())
            .nonce(nonce)
            .gas(MINT_GAS)
            .send()
            .await?;
        confirm(&self.provider, pending).await?;
        Ok(())
    }

    /// NXS balance of `account`, in wei.
    pub async fn nxs_balance(&self, account: Address) -> Result<U256, TestError> {
        Ok(self.token().balanceOf(account).call().await?)
    }
}

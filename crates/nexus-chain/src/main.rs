//! `nexus-chain deploy`: deploys the Nexus contracts to a running chain and writes the deployments
//! file. It starts no node itself.
//!
//! ```text
//! NEXUS_DEPLOYER_PRIVATE_KEY=0x... nexus-chain deploy --rpc-url http://127.0.0.1:8545 \
//!     [--out .nexus/deployments.json] [--treasury ADDR] [--guardian ADDR] [--arbiter ADDR]... [--production]
//! ```
//!
//! The key is read from the environment, never from the command line (where `ps` would show it).
//! Without `--production` the deployer keeps its admin roles besides the timelock (handy locally);
//! with it, the timelock is the only admin.

use std::io::Write;
use std::path::PathBuf;

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, bail};
use nexus_chain::deploy::{DeployConfig, deploy_all};

const USAGE: &str = "usage: NEXUS_DEPLOYER_PRIVATE_KEY=0x... nexus-chain deploy --rpc-url URL \
[--out PATH] [--treasury ADDR] [--guardian ADDR] [--arbiter ADDR]... [--production]";

/// Parsed `deploy` arguments.
struct DeployArgs {
    rpc_url: String,
    out: PathBuf,
    treasury: Option<Address>,
    guardian: Option<Address>,
    arbiters: Vec<Address>,
    production: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> anyhow::Result<DeployArgs> {
    match args.next().as_deref() {
        Some("deploy") => {}
        _ => bail!("{USAGE}"),
    }
    let mut parsed = DeployArgs {
        rpc_url: String::new(),
        out: PathBuf::from(".nexus/deployments.json"),
        treasury: None,
        guardian: None,
        arbiters: Vec::new(),
        production: false,
    };
    while let Some(flag) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--rpc-url" => parsed.rpc_url = value("--rpc-url")?,
            "--out" => parsed.out = PathBuf::from(value("--out")?),
            "--treasury" => {
                parsed.treasury = Some(value("--treasury")?.parse().context("--treasury")?)
            }
            "--guardian" => {
                parsed.guardian = Some(value("--guardian")?.parse().context("--guardian")?)
            }
            "--arbiter" => parsed
                .arbiters
                .push(value("--arbiter")?.parse().context("--arbiter")?),
            "--production" => parsed.production = true,
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if parsed.rpc_url.is_empty() {
        bail!("--rpc-url is required\n{USAGE}");
    }
    Ok(parsed)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let key = std::env::var("NEXUS_DEPLOYER_PRIVATE_KEY")
        .context("NEXUS_DEPLOYER_PRIVATE_KEY must hold the deployer's private key (hex)")?;
    let signer: PrivateKeySigner = key
        .trim()
        .parse()
        .context("NEXUS_DEPLOYER_PRIVATE_KEY is not a valid key")?;
    let deployer = signer.address();
    let provider = nexus_chain::connect(&args.rpc_url, Some(signer))?;

    let mut config = DeployConfig::local(deployer);
    if let Some(treasury) = args.treasury {
        config.params.treasury = treasury;
    }
    if let Some(guardian) = args.guardian {
        config.guardian = guardian;
    }
    if !args.arbiters.is_empty() {
        config.arbiters = args.arbiters;
    }
    if args.production {
        if config.params.treasury == deployer || config.guardian == deployer {
            bail!(
                "--production needs an explicit --treasury and --guardian other than the deployer"
            );
        }
        config.keep_deployer_admin = false;
    }

    let deployment = deploy_all(&provider, deployer, &config).await?;
    deployment
        .write(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string_pretty(&deployment)?)?;
    writeln!(stdout, "wrote {}", args.out.display())?;
    Ok(())
}

#!/usr/bin/env node
// Exports the ABI and bytecode of the deployable contracts from forge's out/ into artifacts/, which
// the repository commits so the Rust build (crates/nexus-chain) never needs Node or a compiler.
//
//   node tools/artifacts.mjs          write artifacts/<Contract>.json
//   node tools/artifacts.mjs --check  exit 1 if a committed artifact differs from the fresh build
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONTRACTS = ['ReputationToken', 'BountyContract', 'GovernanceContract', 'NexusTimelock'];
const check = process.argv.includes('--check');

function render(name) {
  const built = JSON.parse(readFileSync(join(root, 'out', `${name}.sol`, `${name}.json`), 'utf8'));
  const metadata = typeof built.rawMetadata === 'string' ? JSON.parse(built.rawMetadata) : built.metadata;
  const settings = metadata?.settings ?? {};
  const artifact = {
    contractName: name,
    source: `src/${name}.sol`,
    compiler: metadata?.compiler?.version ?? 'unknown',
    evmVersion: settings.evmVersion,
    optimizer: settings.optimizer,
    abi: built.abi,
    bytecode: built.bytecode.object,
    deployedBytecode: built.deployedBytecode.object,
  };
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

const outputDir = join(root, 'artifacts');
mkdirSync(outputDir, { recursive: true });
let stale = 0;
for (const name of CONTRACTS) {
  const path = join(outputDir, `${name}.json`);
  const fresh = render(name);
  if (check) {
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (committed !== fresh) {
      stale += 1;
      console.error(`artifacts/${name}.json is stale: run ./ci.sh --update and commit the result`);
    }
  } else {
    writeFileSync(path, fresh);
    console.log(`wrote artifacts/${name}.json`);
  }
}
process.exit(stale === 0 ? 0 : 1);

// What every browser script needs, shared so each does not grow its own copy: RFC 6238 codes as
// an authenticator app makes them, axe-core in the page, and `settle` (accessibility, no CSP
// violation, no page error, a screenshot, then `step <name> ok`).

import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let index = 0; index + 8 <= bits.length; index += 8) bytes.push(Number.parseInt(bits.slice(index, index + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP code of a base32 secret at a 30-second step. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);

/** axe-core in the page (evaluated through the DevTools protocol: the CSP forbids inline scripts). */
export async function audit(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const report = await axe.run(document, { resultTypes: ["violations"] });
    return report.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  });
  const blocking = result.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  check(blocking.length === 0, `${name}: accessibility violations: ${JSON.stringify(blocking, null, 1)}`);
  if (result.length > 0) console.log(`axe ${name}: minor: ${result.map((violation) => violation.id).join(", ")}`);
}

/**
 * Watches a page for CSP violations and page errors; `settle(name)` checks the page (axe, no
 * violation, no error), screenshots it into `shots` and prints `step <name> ok`.
 */
export function watch(page, shots) {
  const cspViolations = [];
  const pageErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return async function settle(name) {
    await audit(page, name);
    check(cspViolations.length === 0, `${name}: CSP violations: ${cspViolations.join(" | ")}`);
    check(pageErrors.length === 0, `${name}: page errors: ${pageErrors.join(" | ")}`);
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    console.log(`step ${name} ok`);
  };
}

/** Follows a link of a navigation landmark (`Main`, `Settings`, `Administration`). */
export async function follow(page, navigation, name) {
  await page.getByRole("navigation", { name: navigation }).getByRole("link", { name, exact: true }).click();
}

/**
 * A test wallet in every page of `context`: an EIP-1193 provider (`window.ethereum`) installed
 * with `addInitScript` that forwards each call to a function exposed with `exposeFunction`,
 * which answers here in Node with `account` (viem's privateKeyToAccount). Both are injected
 * through the DevTools protocol, outside the page's CSP. Answers the account and chain requests,
 * `personal_sign` and `eth_signTypedData_v4`.
 */
export async function injectWallet(context, account, chainId) {
  await context.exposeFunction("nexusTestWallet", async (raw) => {
    const { method, params = [] } = JSON.parse(raw);
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [account.address];
      case "eth_chainId":
        return `0x${chainId.toString(16)}`;
      case "personal_sign":
        return account.signMessage({ message: { raw: params[0] } });
      case "eth_signTypedData_v4": {
        const typed = typeof params[1] === "string" ? JSON.parse(params[1]) : params[1];
        const { EIP712Domain: _domain, ...types } = typed.types;
        return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
      }
      default:
        throw new Error(`the test wallet does not answer ${method}`);
    }
  });
  await context.addInitScript(() => {
    const provider = {
      isNexusTestWallet: true,
      request: ({ method, params }) => globalThis.nexusTestWallet(JSON.stringify({ method, params })),
      on: () => provider,
      removeListener: () => provider,
    };
    globalThis.ethereum = provider;
  });
}

// The settings and admin pages in a real browser: `node e2e/settings.mjs <gateway url>`.
//
// A member edits the profile (validated before sending), links a wallet (a test wallet
// injected into the page signs the challenge with personal_sign), creates an API key (the secret shown
// once, then only its prefix), registers a WebSocket key (an Ed25519 pair made here in Node
// signs the message the page shows), reads the "analysis completed" notice in the inbox (the
// unread badge drops), adds a webhook endpoint (the secret shown once), sees no admin navigation and the API's refusal when forcing
// /admin/audit. An administrator (promoted by the Rust test) is refused a policy check without a
// second factor, enrols TOTP from the QR page (the secret read from the page), signs in again
// through the MFA step, changes the member's role, sees a policy error at its line and column,
// and filters the audit log. axe-core, CSP and a screenshot per step (steps/browser.mjs).
//
// Env: NEXUS_E2E_MEMBER and NEXUS_E2E_ADMIN (logins), NEXUS_E2E_MEMBER_ID, NEXUS_E2E_PASSWORD,
// NEXUS_E2E_HOOK_URL (the test's webhook receiver).
// Run by tests/tests/dashboard_settings.rs. Prints `step <name> ok`; exits 1 on a failure with
// `failure.png`.

import { generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { check, currentStep, follow, injectWallet, totp, watch } from "./steps/browser.mjs";

const base = process.argv[2];
const { NEXUS_E2E_MEMBER: member, NEXUS_E2E_ADMIN: admin, NEXUS_E2E_MEMBER_ID: memberId, NEXUS_E2E_PASSWORD: password, NEXUS_E2E_HOOK_URL: hookUrl } =
  process.env;
if (!base || !member || !admin || !memberId || !password || !hookUrl) {
  console.error("usage: NEXUS_E2E_MEMBER=.. NEXUS_E2E_ADMIN=.. NEXUS_E2E_MEMBER_ID=.. NEXUS_E2E_PASSWORD=.. NEXUS_E2E_HOOK_URL=.. node e2e/settings.mjs <gateway url>");
  process.exit(2);
}
const shots = process.env.NEXUS_SCREENSHOTS ?? "dashboard-screenshots";
mkdirSync(shots, { recursive: true });
const TIMEOUT = 20_000;

const browser = await chromium.launch({
  executablePath: process.env.NEXUS_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
const wallet = privateKeyToAccount(generatePrivateKey());
await injectWallet(context, wallet, 31337);
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
const settle = watch(page, shots);

async function signIn(login) {
  await page.goto("/sign-in");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("E-mail or user name").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

const mainNav = () => page.getByRole("navigation", { name: "Main" });

try {
  // A member: the profile, validated before sending.
  await signIn(member);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await follow(page, "Main", "Settings");
  await page.getByRole("heading", { name: "Profile" }).waitFor();
  await page.getByLabel("Display name").fill("Settings E2E");
  await page.getByLabel("Website").fill("http://plain.example");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Use an address starting with https://").waitFor();
  await page.getByLabel("Website").fill("https://e2e.example");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByRole("status").filter({ hasText: "Profile saved." }).waitFor();
  await page.reload();
  check((await page.getByLabel("Display name").inputValue()) === "Settings E2E", "the display name was not stored");
  await settle("profile");

  // A wallet: the page asks the injected wallet for its account and a personal_sign of the
  // service's challenge; listed once linked.
  await follow(page, "Settings", "Wallets");
  await page.getByRole("heading", { name: "Wallets" }).waitFor();
  await page.getByText("No wallet linked").waitFor();
  await page.getByRole("button", { name: "Link the wallet in this browser" }).click();
  await page.getByTestId("wallet-list").getByText(new RegExp(wallet.address, "i")).waitFor();
  console.log(`wallet ${wallet.address}`);
  await settle("wallets");

  // An API key: refused empty, then created; the secret once, then only the prefix.
  await follow(page, "Settings", "API keys");
  await page.getByRole("heading", { name: "API keys" }).waitFor();
  await page.getByText("No API key").waitFor();
  await page.getByRole("button", { name: "Create the key" }).click();
  await page.getByText("Choose at least one action").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("e2e scanner");
  await page.getByLabel("analysis:submit").check();
  await page.getByRole("button", { name: "Create the key" }).click();
  const shown = page.getByTestId("api-key-secret");
  await shown.waitFor();
  const secret = (await shown.locator(".secret-value").textContent()).trim();
  check(/^nxs_/.test(secret), `the secret is not an API key: ${secret}`);
  await shown.getByRole("button", { name: "Copy the key" }).click();
  await shown.getByRole("button", { name: "Copied" }).waitFor();
  check((await page.evaluate(() => navigator.clipboard.readText())) === secret, "the copied text is not the key");
  await settle("api_key_created");
  await shown.getByRole("button", { name: "I stored it; hide it" }).click();
  await shown.waitFor({ state: "detached" });
  const listed = page.getByTestId("api-key-list");
  await listed.getByText("e2e scanner").waitFor();
  const prefix = (await listed.locator("code").first().textContent()).replace("…", "");
  check(prefix.length > 0 && secret.startsWith(prefix) && prefix.length < secret.length, `the list shows ${prefix}`);
  check(!(await page.content()).includes(secret), "the secret is still in the page");
  await settle("api_keys");

  // A WebSocket key: the page gives the message, the key pair (here, in Node) signs it.
  await follow(page, "Settings", "WebSocket keys");
  await page.getByRole("heading", { name: "WebSocket keys" }).waitFor();
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicHex = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url").toString("hex");
  await page.getByLabel("Public key").fill(publicHex);
  await page.getByLabel("Label (optional)").fill("e2e feed");
  await page.getByRole("button", { name: "Get the message to sign" }).click();
  const message = await page.getByTestId("ws-key-message").inputValue();
  check(message.includes(`key:${publicHex}`) && message.includes(`user:${memberId}`), `message: ${message}`);
  await page.getByLabel("Signature").fill("00");
  await page.getByRole("button", { name: "Register the key" }).click();
  await page.getByText("Paste the signature as 128 hex digits.").waitFor();
  await page.getByLabel("Signature").fill(sign(null, Buffer.from(message), privateKey).toString("hex"));
  await page.getByRole("button", { name: "Register the key" }).click();
  await page.getByTestId("ws-key-list").getByText("e2e feed").waitFor();
  await settle("ws_keys");

  // The inbox: the test uploaded a file as this member and waited for its analysis, so the badge
  // counts the "analysis completed" notice; reading it lowers the count by one.
  const badge = mainNav().getByTestId("unread-badge");
  await badge.waitFor();
  const unreadBefore = Number((await badge.textContent()).trim());
  check(unreadBefore >= 1, `the unread badge shows ${unreadBefore}`);
  await mainNav().getByRole("link", { name: /^Notifications/ }).click();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  const analysed = page.getByTestId("notice-list").locator('li[data-kind="analysis.completed"]').first();
  await analysed.waitFor();
  await analysed.getByRole("button", { name: /^Mark read/ }).click();
  await analysed.getByRole("button", { name: /^Mark read/ }).waitFor({ state: "detached" });
  if (unreadBefore === 1) {
    await badge.waitFor({ state: "detached" });
  } else {
    await mainNav().getByTestId("unread-badge").filter({ hasText: String(unreadBefore - 1) }).waitFor();
  }
  await settle("notifications_read");

  // A webhook endpoint at the test's receiver: its signing secret shown once.
  await follow(page, "Main", "Settings");
  await follow(page, "Settings", "Webhooks");
  await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
  await page.getByText("No webhook endpoint").waitFor();
  await page.getByLabel("URL", { exact: true }).fill("not a url");
  await page.getByRole("button", { name: "Add the endpoint" }).click();
  await page.getByText("This is not a URL.").waitFor();
  await page.getByLabel("URL", { exact: true }).fill(hookUrl);
  await page.getByLabel("Description (optional)").fill("e2e receiver");
  await page.getByLabel("Analysis completed").check();
  await page.getByRole("button", { name: "Add the endpoint" }).click();
  const hookSecret = page.getByTestId("webhook-secret");
  await hookSecret.waitFor();
  const whsec = (await hookSecret.locator(".secret-value").textContent()).trim();
  check(/^whsec_/.test(whsec), `the secret is not a webhook secret: ${whsec}`);
  await page.getByTestId("webhook-endpoints").getByText(hookUrl).waitFor();
  await settle("webhook_created");
  await hookSecret.getByRole("button", { name: "I stored it; hide it" }).click();
  await hookSecret.waitFor({ state: "detached" });
  check(!(await page.content()).includes(whsec), "the webhook secret is still in the page");
  // Rotation: a new secret, once, and the page says the old one still signs for a while.
  await page.getByTestId("webhook-endpoints").getByRole("button", { name: "Rotate the secret" }).click();
  const rotated = page.getByTestId("webhook-secret");
  await rotated.getByText("The previous secret still signs beside this one until").waitFor();
  const rotatedSecret = (await rotated.locator(".secret-value").textContent()).trim();
  check(/^whsec_/.test(rotatedSecret) && rotatedSecret !== whsec, `the rotated secret: ${rotatedSecret}`);
  await rotated.getByRole("button", { name: "I stored it; hide it" }).click();
  await rotated.waitFor({ state: "detached" });
  await page.getByTestId("webhook-endpoints").getByText("The previous secret also signs until").waitFor();

  // No admin navigation for a member, and the API's refusal when the address is forced.
  check((await mainNav().getByRole("link", { name: "Admin", exact: true }).count()) === 0, "a member sees the admin link");
  await page.goto("/admin/audit");
  await page.getByRole("alert").filter({ hasText: "Your account may not do this" }).waitFor();
  await settle("admin_refused");
  await signOut();

  // An administrator without a second factor: the admin pages say one is needed, and the
  // policies refuse a policy check until then.
  await signIn(admin);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await mainNav().getByRole("link", { name: "Admin", exact: true }).waitFor();
  await page.goto("/admin/policies");
  await page.getByTestId("mfa-hint").waitFor();
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByRole("alert").filter({ hasText: "Your account may not do this" }).waitFor();

  // TOTP enrolment: the QR code drawn from the service's SVG, a wrong code caught first.
  await page.goto("/settings/mfa");
  await page.getByRole("button", { name: "Start the enrolment" }).click();
  const qr = page.getByTestId("totp-qr");
  await qr.waitFor();
  check(await qr.evaluate((image) => image.complete && image.naturalWidth > 0), "the QR code did not render");
  const totpSecret = (await page.getByTestId("totp-secret").textContent()).trim();
  await page.getByLabel("6-digit code from the app").fill("12");
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.getByText("Enter the 6 digits your authenticator app shows.").waitFor();
  await settle("mfa_enrol");
  const step = currentStep();
  await page.getByLabel("6-digit code from the app").fill(totp(totpSecret, step));
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  await settle("mfa_recovery");
  await signOut();
  await signIn(admin);
  await page.getByRole("heading", { name: "Two-factor sign-in" }).waitFor();
  await page.getByLabel("6-digit code").fill(totp(totpSecret, step + 1));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();

  // Users and roles: the member becomes an analyst.
  await follow(page, "Main", "Admin");
  await page.getByRole("heading", { name: "Users and roles" }).waitFor();
  check((await page.getByTestId("mfa-hint").count()) === 0, "the second-factor hint shows after an MFA sign-in");
  await page.getByLabel("Account id").fill("not-an-id");
  await page.getByRole("button", { name: "Find the account" }).click();
  await page.getByText("Enter the account's id, a UUID").waitFor();
  await page.getByLabel("Account id").fill(memberId);
  await page.getByRole("button", { name: "Find the account" }).click();
  await page.getByTestId("admin-user").getByText(member, { exact: true }).waitFor();
  await page.getByLabel("New role").selectOption("analyst");
  await page.getByRole("button", { name: "Change the role" }).click();
  await page.getByRole("status").filter({ hasText: "is now analyst" }).waitFor();
  check((await page.getByTestId("admin-user-role").textContent()) === "analyst", "the role shown did not change");
  await settle("admin_users");

  // Policies: the example validates; a broken one shows its problem at line and column.
  await follow(page, "Administration", "Policies");
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByTestId("policies-valid").waitFor();
  await page.getByTestId("policy-text-0").fill('@id("broken")\npermit (\n  principal,\n  action == Action::"ruleset:read",\n  resource is Ruleset\n)\nwhen { resource.is_public == };\n');
  await page.getByRole("button", { name: "Validate" }).click();
  const where = (await page.getByTestId("policy-problem-where").first().textContent()).trim();
  check(/^draft\.cedar:\d+:\d+$/.test(where), `the problem has no line and column: ${where}`);
  console.log(`policy problem at ${where}`);
  await page.getByRole("button", { name: "Show in the editor" }).first().click();
  await settle("admin_policies");

  // The audit log: the member's API key among the entries, then filtered by kind.
  await follow(page, "Administration", "Audit log");
  const audit = page.getByTestId("audit-list");
  await audit.waitFor();
  await page.getByLabel("Kind").fill("api_key_created");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/kind=api_key_created/);
  await audit.getByText("e2e scanner").first().waitFor();
  const kinds = await audit.locator("tbody tr td:nth-child(2)").allTextContents();
  check(kinds.length > 0 && kinds.every((kind) => kind === "api_key_created"), `kinds after the filter: ${kinds}`);
  await settle("admin_audit");

  // Phone width: the API keys page without sideways scrolling.
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto("/settings/api-keys");
  await page.getByRole("heading", { name: "API keys" }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the API keys page scrolls sideways by ${overflow}px at phone width`);
  for (const [path, heading] of [["/notifications", "Notifications"], ["/settings/notifications", "Notifications"], ["/settings/webhooks", "Webhooks"]]) {
    await page.goto(path);
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    await page.locator("[aria-busy=true]").waitFor({ state: "detached" });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(sideways <= 1, `${path} scrolls sideways by ${sideways}px at phone width`);
  }
  await page.goto("/settings/api-keys");
  await page.getByRole("heading", { name: "API keys" }).waitFor();
  await settle("settings_phone");
  console.log("dashboard settings e2e: ok");
} catch (error) {
  console.log(`dashboard settings e2e: FAILED: ${error instanceof Error ? error.stack : error}`);
  await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => undefined);
  process.exitCode = 1;
} finally {
  await browser.close();
}

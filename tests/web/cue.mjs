// SPDX-License-Identifier: LGPL-2.1-or-later
// The browser half of test-web-cue.sh: a phone follows a workout whose
// steps have cues, one of them markup. Environment: WEB_URL, PACECTL,
// PACED_BUS_ADDRESS, SHOTS (screenshot directory), WORKOUT (the workout
// file), XSS (the markup cue of its third step).
import assert from "node:assert/strict";
import { launchChromium, makeLog, pc, sleep, status, until } from "./lib.mjs";
import fs from "node:fs";
import path from "node:path";

const env = process.env;

const log = makeLog("cue");

const { browser, userDataDir } = await launchChromium();
const errors = [];
const requests = [];
let failed = false;

// What the runner sees of the step and the next one.
const view = (page) => page.evaluate(() => {
  const el = (id) => document.getElementById(id);
  const shown = (id) => !el(id).hidden && el(id).getClientRects().length > 0;
  return {
    step: el("step-number").dataset.value,
    cue: el("step-cue").textContent, cueShown: shown("step-cue"),
    target: el("step-name").textContent, targetShown: shown("step-name"),
    next: el("next").textContent,
    nextTarget: el("next-target").textContent, nextTargetShown: shown("next-target"),
    // Space between the next step's text (not its box, which may hold
    // empty room) and its target (px).
    nextGap: (() => {
      const text = document.createRange();
      text.selectNodeContents(el("next"));
      return el("next-target").getBoundingClientRect().top - text.getBoundingClientRect().bottom;
    })(),
    // Markup from a cue would be elements inside these.
    elements: ["step-cue", "step-name", "next", "next-target"]
      .map((id) => el(id).children.length).reduce((a, b) => a + b, 0),
    images: document.querySelectorAll("img:not(#session-report)").length,
    pwned: document.body.dataset.pwned || null,
  };
});

try {
  const ctx = await browser.createBrowserContext();
  const phone = await ctx.newPage();
  await phone.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  phone.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  phone.on("pageerror", (e) => errors.push(e.message));
  // An <img src=x> that became an element would fetch "x".
  phone.on("request", (r) => requests.push(new URL(r.url()).pathname));
  const url = pc("web", "pair", "--no-qr", "--name", "cue phone").match(/open: (\S+)/)[1];
  await phone.goto(url);
  await phone.waitForSelector("#view-run:not([hidden])", { timeout: 10000 });
  await until("a live stream", () => phone.$eval("#link", (e) => e.textContent === "live"));

  log("start", env.WORKOUT);
  pc("start", env.WORKOUT);
  await until("paced running", () => status().state === "running");

  // Step 1: the author's words, the target below them in the runner's
  // units; the next step by its cue, with its target.
  let s = status();
  const v1 = await until("step 1's cue shown", async () => {
    const v = await view(phone);
    return v.step === "0" && v.cue === "Warm up easy" ? v : null;
  });
  assert.equal(v1.cueShown, true, "step 1's cue is not visible");
  assert.equal(v1.target, s.step_name, "step 1's target is not paced's label");
  assert.match(v1.target, /^\d+:\d\d at \d+:\d\d\/mi$/, "step 1's target is not in the runner's units");
  assert.equal(v1.targetShown, true, "step 1's target is hidden");
  assert.match(v1.next, /^Next: Stride in \d+:\d\d$/, `next: ${v1.next}`);
  assert.equal(v1.nextTarget, s.next_step_name, "the next step's target");
  assert.equal(v1.nextTargetShown, true, "the next step's target is hidden");
  // The target follows its one-line cue directly (the cue's two-line
  // reserve left an empty line between them).
  assert.ok(v1.nextGap < 8, `a gap of ${v1.nextGap} px above the next step's target`);
  log(`next step: "${v1.next}", ${v1.nextGap} px above its target`);
  await phone.screenshot({ path: path.join(env.SHOTS, "phone-cue-step1.png") });

  // Step 2: the markup cue is next; shown as text.
  pc("skip");
  // (The steps are loaded: the step's cue comes with its number.)
  const v2 = await until("step 2 shown", async () => {
    const v = await view(phone);
    return v.step === "1" ? v : null;
  });
  assert.equal(v2.cue, "Stride", "step 2's cue");
  assert.equal(v2.next.replace(/ in \d+:\d\d$/, ""), `Next: ${env.XSS}`, "the next cue is not its text");
  assert.equal(v2.elements, 0, "markup in a cue became elements");

  // Step 3: the markup cue is the step's own label, as written.
  pc("skip");
  s = await until("step 3", () => { const x = status(); return x.step_index === 2 ? x : null; });
  const v3 = await until("step 3 shown", async () => {
    const v = await view(phone);
    return v.step === "2" ? v : null;
  });
  assert.equal(v3.elements, 0, "markup in a cue became elements");
  assert.equal(v3.cue, env.XSS, "the markup cue is not shown as written");
  assert.equal(v3.target, s.step_name, "step 3's target");
  assert.equal(v3.targetShown, true, "step 3's target is hidden");
  assert.equal(v3.images, 0, "an <img> from a cue is in the page");
  const html = await phone.$eval("#step-cue", (e) => e.innerHTML);
  assert.ok(html.startsWith("&lt;img src=x"), `the cue is not escaped: ${html}`);
  await phone.screenshot({ path: path.join(env.SHOTS, "phone-cue-markup.png") });

  // Step 4 has no cue: named by its target, not twice.
  pc("skip");
  s = await until("step 4", () => { const x = status(); return x.step_index === 3 ? x : null; });
  const v4 = await until("step 4 shown", async () => {
    const v = await view(phone);
    return v.step === "3" ? v : null;
  });
  assert.equal(v4.cue, s.step_name, "a step without a cue is not named by its target");
  assert.equal(v4.targetShown, false, "a step without a cue shows its target twice");
  assert.equal(v4.next, "Last step");
  assert.equal(v4.nextTargetShown, false, "a target for no next step");
  pc("stop");
  await until("stopped", () => status().state === "aborted");

  await sleep(300);
  const after = await view(phone);
  assert.equal(after.pwned, null, "a cue's onerror handler ran");
  assert.ok(!requests.some((p) => p === "/x" || p.endsWith("/x")), `the page fetched a cue's <img src>: ${requests}`);
  assert.deepEqual(errors, [], "console errors");
  log("PASS");
} catch (e) {
  failed = true;
  console.error("FAIL:", e.message);
  if (errors.length) console.error("console errors:", errors);
  for (const p of await browser.pages())
    await p.screenshot({ path: path.join(env.SHOTS, `failure-cue-${Date.now()}.png`) }).catch(() => {});
} finally {
  await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

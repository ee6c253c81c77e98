// SPDX-License-Identifier: LGPL-2.1-or-later
// The browser half of test-web-browser.sh: Debian's chromium, driven by
// puppeteer-core, against paced-web and paced on the simulator. Environment:
// WEB_URL, PACECTL, PACED_BUS_ADDRESS, SHOTS (screenshot directory), CUES
// (dbus-monitor's log of paced's Cue signals), TODAY (today's workout),
// RESTART_WEB (a script restarting paced-web on the same port), WEB_PID.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { launchChromium, makeLog, pc, sleep, status, until } from "./lib.mjs";
import fs from "node:fs";
import path from "node:path";

const env = process.env;
const WEB_URL = env.WEB_URL;
const PORT = new URL(WEB_URL).port;

const log = makeLog("browser");

const { browser, userDataDir } = await launchChromium();
const errors = [];
let failed = false;

// A page whose console errors count, with speech synthesis recorded, not spoken.
async function watchedPage(ctx, name, viewport) {
  const page = await ctx.newPage();
  await page.setViewport(viewport);
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${name}: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  await page.evaluateOnNewDocument(() => {
    window.__spoken = [];
    const fake = {
      speak(u) { window.__spoken.push(u.text); },
      cancel() {}, pause() {}, resume() {}, getVoices() { return []; },
      speaking: false, pending: false, paused: false,
    };
    Object.defineProperty(window, "speechSynthesis", { value: fake, configurable: true });
  });
  return page;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const value = (page, sel) => page.$eval(sel, (e) => e.dataset.value);
const shot = (page, name) => page.screenshot({ path: path.join(env.SHOTS, name + ".png") });

async function noHorizontalOverflow(page, name) {
  const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(sw <= iw, `${name}: the page is ${sw} px wide in a ${iw} px window`);
}

try {
  // ---- an unpaired browser gets the pairing page and nothing else ----
  log("unpaired");
  const anon = await browser.createBrowserContext();
  const ap = await anon.newPage();
  await ap.goto(WEB_URL);
  assert.ok(await ap.$("#pair-form"), "an unpaired browser is not shown the pairing page");
  const anonStatus = await ap.evaluate(async () => {
    const r = await Promise.all(["/api/status", "/api/sessions", "/static/app.js"].map((p) => fetch(p)));
    const c = await fetch("/api/control/pause", { method: "POST", body: "{}" });
    return [...r.map((x) => x.status), c.status];
  });
  assert.deepEqual(anonStatus, [401, 401, 401, 401], "unpaired requests were answered");
  await anon.close();

  // ---- pair the phone with the code from pacectl web pair ----
  log("pair");
  const ctx = await browser.createBrowserContext();
  const phone = await watchedPage(ctx, "phone", { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const url = pc("web", "pair", "--no-qr", "--name", "runner's phone").match(/open: (\S+)/)[1];
  assert.ok(url.startsWith(WEB_URL + "/pair#"), `pairing URL ${url}`);
  await phone.goto(url);
  await phone.waitForSelector("#view-run:not([hidden])", { timeout: 10000 });
  await until("a live stream", async () => (await text(phone, "#link")) === "live");
  assert.match(pc("web", "devices"), /control .*runner's phone/);

  // ---- start today's workout ----
  log("start today's workout", env.TODAY);
  await until("the workout list", async () => (await phone.$$("#workout-select option")).length > 1);
  const first = await phone.$eval("#workout-select", (s) => [s.value, s.options[s.selectedIndex].textContent]);
  assert.deepEqual(first, ["@today", `Today: ${env.TODAY}`], "today's workout is not offered first");
  await phone.click("#btn-start");
  await until("paced running", () => status().state === "running");
  await until("the page showing it", async () => (await value(phone, "#state")) === "running");
  // The screen stays on while the workout runs (a secure context: localhost).
  await until("the screen wake lock held", () => phone.evaluate(() => document.body.dataset.wakeLock === "held"), 5000)
    .catch(async (e) => { throw new Error(`${e.message}: wake lock ${await phone.evaluate(() => document.body.dataset.wakeLock)}`); });
  await shot(phone, "phone-running");

  // ---- the page shows what pacectl status --json says, within 1 s ----
  log("values against pacectl status --json");
  const snaps = [], reads = [];
  const end = Date.now() + 5000;
  const poll = (async () => {
    while (Date.now() < end) {
      const t0 = Date.now();
      const st = status();
      snaps.push({ t0, t: Date.now(), s: st });
      await sleep(150);
    }
  })();
  while (Date.now() < end) {
    await sleep(400);
    const t = Date.now();
    reads.push({
      t,
      v: await phone.evaluate(() => {
        const d = (id) => document.getElementById(id).dataset.value;
        const x = (id) => document.getElementById(id).textContent;
        return {
          state: d("state"), step_index: d("step-number"), step_name: d("step-name"),
          hr: d("hr"), hr_text: x("hr"), zone: d("zone"), speed: d("speed"),
          pace: x("pace") + x("pace-unit"), elapsed: d("elapsed"), elapsed_text: x("elapsed"),
          distance: d("distance"), remaining: d("step-remaining"),
        };
      }),
    });
  }
  await poll;
  const pace = (kmh) => {
    if (kmh === null || kmh < 0.5) return "--:--/km";
    const t = Math.round(3600 / kmh);
    return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}/km`;
  };
  const clock = (s) => { const t = Math.round(s); return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`; };
  const num = (v) => (v === "" ? null : Number(v));
  // paced sends its live values once a second; pacectl computes them when
  // asked. So a value shown at time t was paced's at some moment of
  // [t - 1 s, t]: discrete values must equal one of the pacectl readings of
  // that second, running ones (time, distance, and at 20x the simulated
  // heart rate and the ramping speed) must lie among them (the heart rate
  // within 3 bpm: at 20x it changes between two readings); and the
  // text must be the raw value formatted as pacectl formats it.
  let checked = 0;
  for (const r of reads) {
    if (r.t < snaps[0].t + 1500) continue;
    // paced computed a pacectl reading somewhere between the call (t0) and
    // its answer (t): candidates are the readings that overlap the second
    // before the page's reading (plus 300 ms of delivery), and one more on
    // each side, so that a value that moves is bracketed however long a
    // pacectl call takes (a sanitizer build is slow to start).
    const lo = snaps.findIndex((x) => x.t >= r.t - 1300);
    let hi = -1;
    snaps.forEach((x, i) => { if (x.t0 <= r.t + 100) hi = i; });
    if (lo < 0 || hi < 0 || hi + 1 >= snaps.length) continue;
    const w = snaps.slice(Math.max(lo - 1, 0), hi + 2).map((x) => x.s);
    const one = (field, got) => assert.ok(w.some((s) => s[field] === got),
      `${field}: the page showed ${got}, pacectl within 1 s: ${w.map((s) => s[field])}`);
    const among = (field, got, tolerance = 1e-6) => {
      const v = w.map((s) => s[field]);
      assert.ok(got >= Math.min(...v) - tolerance && got <= Math.max(...v) + tolerance,
        `${field}: the page showed ${got}, pacectl within 1 s: ${v}`);
    };
    one("state", r.v.state);
    one("step_index", num(r.v.step_index));
    one("step_name", r.v.step_name);
    // The simulated heart rate moves a beat or two between pacectl's readings.
    among("heart_rate_bpm", num(r.v.hr), 3);
    among("zone", num(r.v.zone));
    among("speed_kmh", num(r.v.speed));
    among("elapsed_s", num(r.v.elapsed));
    among("workout_distance_m", num(r.v.distance));
    among("step_remaining_s", num(r.v.remaining));
    assert.equal(r.v.hr_text, r.v.hr);
    assert.equal(r.v.pace, pace(num(r.v.speed)));
    assert.equal(r.v.elapsed_text, clock(num(r.v.elapsed)));
    checked++;
  }
  assert.ok(checked >= 4, `only ${checked} readings checked`);
  log(`${checked} readings matched pacectl status --json within 1 s`);

  // ---- every button changes paced's state as pacectl would ----
  log("buttons");
  await phone.click("#btn-pause");
  await until("paused", () => status().state === "paused");
  await until("Resume shown", async () => (await text(phone, "#btn-pause")) === "Resume");
  await phone.click("#btn-pause");
  await until("running again", () => status().state === "running");
  await phone.click("#btn-faster");
  await until("faster: +0.5 km/h", () => status().speed_override_kmh === 0.5);
  await phone.click("#btn-slower");
  await until("slower: back to 0", () => status().speed_override_kmh === 0);
  const before = status();
  await phone.click("#btn-extend");
  // The step's length (elapsed + remaining) grows by the 30 s, however much
  // of the simulator's accelerated time passes between the readings.
  const stepLength = (s) => s.step_elapsed_s + s.step_remaining_s;
  await until("extend: 30 s more", () => {
    const s = status();
    return s.step_index === before.step_index &&
      Math.abs(stepLength(s) - stepLength(before) - 30) < 3;
  });

  // ---- cues arrive and are queued for speech ----
  log("cues");
  const spoken = await until("a cue spoken", async () => {
    const s = await phone.evaluate(() => window.__spoken.slice());
    return s.length > 0 ? s : null;
  }, 20000);
  const signalled = fs.readFileSync(env.CUES, "utf8");
  for (const t of spoken)
    assert.ok(signalled.includes(`string "${t}"`), `spoke "${t}", which paced never cued`);
  log(`spoken: ${JSON.stringify(spoken.slice(0, 3))}`);

  // ---- run on for a mile in the warm-up (a runner who wants it brisk), skip, stop ----
  log("run a mile");
  pc("faster", "4");
  await until("a mile run", () => status().workout_distance_m > 1700, 60000);
  await shot(phone, "phone-running-2");
  const beforeSkip = status();
  assert.equal(beforeSkip.step_index, before.step_index, "the warm-up ended before the skip");
  await phone.click("#btn-skip");
  await until("skip: the next step", () => status().step_index === before.step_index + 1);
  await phone.click("#btn-stop");
  await sleep(600);
  assert.notEqual(status().state, "aborted", "one tap on Stop stopped the workout");
  assert.equal(await text(phone, "#btn-stop"), "Tap again to stop");
  await phone.click("#btn-stop");
  await until("stopped", () => status().state === "aborted");
  await until("the screen wake lock let go", () => phone.evaluate(() => document.body.dataset.wakeLock === "released"));

  // ---- read the result afterwards ----
  log("history");
  await until("the finish banner", async () => /Session \d+ saved/.test(await text(phone, "#banner")));
  await phone.click("#tab-history");
  await until("the session listed", async () => (await phone.$$("#sessions a")).length > 0);
  await shot(phone, "phone-history");
  await phone.click("#sessions a");
  await phone.waitForSelector("#view-session:not([hidden])");
  await until("the report drawn", () => phone.$eval("#session-report", (i) => i.complete && i.naturalWidth > 0));
  // The hill sprints' mile was run in the warm-up: the splits count from
  // the main set and say so; the laps are listed.
  await until("mile splits from the main set", async () =>
    (await text(phone, "#session-miles-title")) === "Mile splits (from the main set)");
  await until("the laps", async () => /Lap 1: /.test(await text(phone, "#session-laps")));
  assert.equal(await phone.$eval("#session-results", (e) => e.hidden), true, "a result without a time trial");
  const downloads = await phone.evaluate(async () => {
    const out = [];
    for (const f of ["fit", "tcx", "csv"]) {
      const a = document.getElementById("dl-" + f);
      const r = await fetch(a.href);
      const b = new Uint8Array(await r.arrayBuffer());
      out.push([f, r.status, b.length, String.fromCharCode(...b.slice(8, 12))]);
    }
    return out;
  });
  for (const [f, st, len, sig] of downloads) {
    assert.equal(st, 200, `download ${f}`);
    assert.ok(len > 100, `download ${f} is ${len} bytes`);
    if (f === "fit") assert.equal(sig, ".FIT", "the FIT download is not a FIT file");
  }
  await phone.evaluate(() => window.scrollTo(0, 0));
  await shot(phone, "phone-session");
  log("session read back");

  // ---- another origin gets nothing done ----
  log("wrong origin");
  const other = await ctx.newPage(); // not watched: its refusals are console errors by design
  await other.goto(`http://localhost:${PORT}/pair`);
  const token = await phone.evaluate(() => localStorage.getItem("paced_token"));
  const results = await other.evaluate(async (target, tok) => {
    const out = [];
    try {
      await fetch(target + "/api/control/start", { method: "POST", mode: "no-cors", credentials: "include", body: '{"workout":"easy-run"}' });
      out.push("sent");
    } catch (e) { out.push("blocked"); }
    try {
      const r = await fetch(target + "/api/control/start", { method: "POST", headers: { Authorization: "Bearer " + tok }, body: '{"workout":"easy-run"}' });
      out.push(r.status);
    } catch (e) { out.push("blocked"); }
    return out;
  }, WEB_URL, token);
  await sleep(500);
  assert.equal(status().state, "aborted", `a request from another origin started a workout (${results})`);
  assert.equal(results[1], "blocked", "another origin could read a control response");
  await other.close();

  // ---- tablet, phone landscape: a workout running ----
  log("tablet");
  const tablet = await watchedPage(ctx, "tablet", { width: 1024, height: 768 });
  await tablet.goto(WEB_URL + "/#run");
  await until("tablet live", async () => (await text(tablet, "#link")) === "live");
  await until("the workout list", async () => (await tablet.$$("#workout-select option")).length > 1);
  await tablet.select("#workout-select", "intervals-6x400");
  await tablet.click("#btn-start");
  await until("running", () => status().state === "running");
  await until("the profile drawn", async () => (await tablet.$$("#profile .bar")).length === status().step_count);
  pc("skip"); // past the warm-up: the strides are 4 repetitions
  await until("Rep n/4 shown", async () => /^Rep [1-4]\/4$/.test(await text(tablet, "#rep")));
  await noHorizontalOverflow(tablet, "tablet");
  await shot(tablet, "tablet-running");
  await tablet.setViewport({ width: 768, height: 1024 });
  await sleep(300);
  await noHorizontalOverflow(tablet, "tablet portrait");
  await shot(tablet, "tablet-portrait");
  await phone.bringToFront(); // a background tab is frozen: its events wait for it
  await phone.goto(WEB_URL + "/#run");
  await until("phone live", async () => (await text(phone, "#link")) === "live");
  // The finish message of the first workout goes after its 10 s.
  await until("the old banner gone", () => phone.$eval("#banner", (b) => b.hidden), 15000);
  await sleep(500);
  await noHorizontalOverflow(phone, "phone");
  await shot(phone, "phone-portrait");
  await phone.setViewport({ width: 844, height: 390, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await sleep(300);
  await noHorizontalOverflow(phone, "phone landscape");
  await shot(phone, "phone-landscape");

  assert.deepEqual(errors, [], "console errors");

  // ---- stale data is shown, and the page recovers by itself ----
  // (The cut stream is the browser's console error, expected from here on.)
  log("stale and reconnect");
  process.kill(Number(env.WEB_PID), "SIGSTOP");
  await until("stale shown", async () => /stale|reconnecting/.test(await text(tablet, "#link")), 12000);
  process.kill(Number(env.WEB_PID), "SIGCONT");
  await until("live again", async () => (await text(tablet, "#link")) === "live", 12000);
  execFileSync("bash", [env.RESTART_WEB]);
  await until("reconnected to a new paced-web", async () => {
    const e = Number(await value(tablet, "#elapsed"));
    await sleep(1500);
    return (await text(tablet, "#link")) === "live" && Number(await value(tablet, "#elapsed")) > e;
  }, 20000);
  pc("stop");
  const unexpected = errors.filter((e) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED/.test(e));
  assert.deepEqual(unexpected, [], "console errors besides the cut stream");
  log("PASS");
} catch (e) {
  failed = true;
  console.error("FAIL:", e.message);
  if (errors.length) console.error("console errors:", errors);
  for (const p of await browser.pages())
    await p.screenshot({ path: path.join(env.SHOTS, `failure-${Date.now()}.png`) }).catch(() => {});
} finally {
  await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

// SPDX-License-Identifier: LGPL-2.1-or-later
// What the browser tests share: pacectl, waiting, logging, and Debian's
// chromium launched headless with a throw-away profile (nothing downloaded).
import puppeteer from "puppeteer-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const env = process.env;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const pc = (...args) => execFileSync(env.PACECTL, args, { env }).toString();
export const status = () => JSON.parse(pc("status", "--json"));
export const makeLog = (name) =>
  (...a) => console.log(`[${name} ${new Date().toISOString().slice(11, 23)}]`, ...a);

// until(what, fn[, ms]): fn's first truthy value, polled every 100 ms.
export async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  const shown = last instanceof Error ? last.message : JSON.stringify(last);
  throw new Error(`timed out waiting for ${what} (last: ${shown})`);
}

// launchChromium(): { browser, userDataDir }; remove userDataDir when done.
export async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "paced-web-chromium."));
  const browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    userDataDir,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           `--user-data-dir=${userDataDir}`],
  });
  return { browser, userDataDir };
}

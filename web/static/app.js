// SPDX-License-Identifier: LGPL-2.1-or-later
// The runner's screen: paced's live state from /api/events (Server-Sent
// Events), controls as POSTs with this device's token, history from
// /api/sessions. Plain DOM, no framework, nothing from outside this server.
"use strict";

const $ = (id) => document.getElementById(id);
const KMH_PER_MPH = 1.609344;
const METERS_PER_MILE = 1609.344;
const ZONE_COLOURS = ["#39424e", "#6b8fb3", "#3cb371", "#e5c14b", "#f08a3c", "#e5484d"];
const KIND_COLOURS = {
  warmup: "#4f7cac", cooldown: "#4f7cac", active: "#e5484d", "time-trial": "#e5484d",
  stride: "#f08a3c", recovery: "#3cb371", rest: "#39424e",
};
const STALE_MS = 6000;
const PRESS_START = "Press START on the treadmill to begin.";

let status = null;
let steps = [];
let lastMessage = 0;
let online = null;
let source = null;
let bannerUntil = 0; // 0: a standing message (or none)
let lapsSession = null;
let lastBeepSecond = null;
const token = localStorage.getItem("paced_token");
let soundOn = localStorage.getItem("paced_sound") !== "off";

// ---- formatting (as pacectl formats) ----

function fmtDuration(s) {
  if (s === null || s === undefined || !isFinite(s) || s < 0) return "--:--";
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, sec = t % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return t >= 3600 ? `${h}:${pad(m)}:${pad(sec)}` : `${Math.floor(t / 60)}:${pad(sec)}`;
}

function imperial() { return status && status.units === "mi"; }

function fmtPace(kmh) {
  const unit = imperial() ? "/mi" : "/km";
  if (kmh === null || kmh === undefined || !isFinite(kmh) || kmh < 0.5) return "--:--" + unit;
  const t = Math.round(3600 / kmh * (imperial() ? KMH_PER_MPH : 1));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}${unit}`;
}

function fmtSpeed(kmh) {
  if (kmh === null || !isFinite(kmh)) return "–";
  return imperial() ? (kmh / KMH_PER_MPH).toFixed(1) + " mph" : kmh.toFixed(1) + " km/h";
}

function fmtDistance(m) {
  if (m === null || m === undefined || !isFinite(m)) return "–";
  return imperial() ? (m / METERS_PER_MILE).toFixed(2) + " mi" : (m / 1000).toFixed(2) + " km";
}

function set(id, text, value) {
  const el = $(id);
  el.textContent = text;
  el.dataset.value = value === null || value === undefined ? "" : String(value);
}

// ---- banner ----

// A message for ms milliseconds (0: until replaced). Expiry is checked by
// time, not by a timer alone: a phone throttles the timers of a hidden tab.
// Timed messages stack (a stop's safety notice must not hide "Session N
// saved"); a standing message (no ms) holds one slot below them.
let timedNotes = []; // {text, kind, until}
let standingNote = null; // {text, kind}
const KIND_RANK = { "": 0, info: 0, warn: 1, error: 2 };
function banner(text, kind, ms) {
  const now = Date.now();
  timedNotes = timedNotes.filter((n) => n.until > now && n.text !== text);
  if (text && ms) timedNotes.push({ text, kind: kind || "", until: now + ms });
  else standingNote = text ? { text, kind: kind || "" } : null;
  const notes = standingNote ? [...timedNotes, standingNote] : timedNotes;
  const b = $("banner");
  bannerUntil = timedNotes.reduce((m, n) => Math.max(m, n.until), 0);
  if (!notes.length) { b.hidden = true; b.textContent = ""; return; }
  b.textContent = notes.map((n) => n.text).join("\n");
  b.className = notes.reduce((k, n) => (KIND_RANK[n.kind] > KIND_RANK[k] ? n.kind : k), "");
  b.hidden = false;
}

// Messages that stay while their condition lasts.
function updateStandingBanner() {
  if (online === false) banner("paced is not running.", "error");
  else if (status && (status.state === "armed" ||
           (status.state === "paused" && status.pause_reason === "belt-stopped")))
    banner(PRESS_START, "info");
  else banner(null);
}

// ---- sound: speech for cues, beeps for the countdown ----

let audio = null;
function beep(long) {
  if (!soundOn) return;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = long ? 1320 : 880;
    g.gain.value = 0.2;
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + (long ? 0.45 : 0.12));
  } catch (e) { /* no audio: the speech still comes */ }
}

function speak(text) {
  if (!soundOn || !("speechSynthesis" in window)) return;
  const u = new SpeechSynthesisUtterance(text);
  u.rate = 1.05;
  window.speechSynthesis.speak(u);
}

function updateSoundButton() {
  $("sound").textContent = soundOn ? "Sound on" : "Sound off";
  $("sound").setAttribute("aria-pressed", String(soundOn));
}

// ---- the live view ----

function render() {
  const s = status;
  if (!s) return;
  const running = s.state === "running", paused = s.state === "paused";
  const active = running || paused || s.state === "armed";

  set("state", s.state + (paused && s.pause_reason ? ` (${s.pause_reason})` : ""), s.state);
  $("state").className = "pill " + s.state;
  set("workout-name", s.workout || "No workout", s.workout);

  const pace = fmtPace(s.speed_kmh);
  set("pace", pace.slice(0, pace.indexOf("/")), s.speed_kmh);
  $("pace-unit").textContent = pace.slice(pace.indexOf("/"));
  set("speed", fmtSpeed(s.speed_kmh), s.speed_kmh);
  set("target-pace", fmtPace(s.target_speed_kmh), s.target_speed_kmh);

  set("hr", s.heart_rate_bpm ? String(s.heart_rate_bpm) : "–", s.heart_rate_bpm);
  set("zone", s.zone ? `Zone ${s.zone}` : "no zone", s.zone);
  $("hr-tile").style.setProperty("--zone", ZONE_COLOURS[Math.min(s.zone || 0, 5)]);

  const st = stepAt(s.step_index);
  set("step-number", s.step_index >= 0 ? `Step ${s.step_index + 1}/${s.step_count}` : "Step –",
      s.step_index);
  set("rep", st && st.reps ? `Rep ${st.rep}/${st.reps}` : "", st && st.reps ? st.rep : "");
  set("step-remaining", s.step_index >= 0 ? fmtDuration(s.step_remaining_s) : "–",
      s.step_remaining_s);
  // The step as its author wrote it ("Stride at mile pace") is the main
  // label, the resolved target ("1:00 at 5:00/km") below it; a step
  // without a cue is named by its target alone. Cues come from the
  // runner's workout files: always text (set() uses textContent), never
  // markup.
  const cue = st && s.step_name ? st.cue || "" : "";
  set("step-cue", cue || s.step_name || "", cue);
  set("step-name", s.step_name, s.step_name);
  $("step-name").hidden = !cue;
  const next = stepAt(s.step_index + 1);
  const nextCue = next && s.next_step_name ? next.cue || "" : "";
  if (s.next_step_name && active) {
    set("next", `Next: ${nextCue || s.next_step_name} in ${fmtDuration(s.step_remaining_s)}`,
        s.next_step_name);
    set("next-target", nextCue ? s.next_step_name : "", nextCue);
  } else {
    if (active && s.step_index >= 0)
      set("next", "Last step", "");
    else
      set("next", s.schedule ? `Today: ${s.schedule}` : "", "");
    set("next-target", "", "");
  }
  $("next-target").hidden = !$("next-target").textContent;
  set("time-left", fmtDuration(s.workout_remaining_s), s.workout_remaining_s);
  set("distance-left", fmtDistance(s.workout_remaining_m), s.workout_remaining_m);
  set("elapsed", fmtDuration(s.elapsed_s), s.elapsed_s);
  set("distance", fmtDistance(s.workout_distance_m), s.workout_distance_m);

  // alpha1 matters in a ramp test (and once a threshold was crossed).
  const showAlpha = /ramp/i.test(s.workout || "") || !!s.last_crossover;
  $("alpha-tile").hidden = !showAlpha;
  set("alpha1", s.alpha1 !== null ? s.alpha1.toFixed(2) : "–", s.alpha1);
  $("crossover").textContent = s.last_crossover
    ? `${s.last_crossover.kind.toUpperCase()} at ${s.last_crossover.hr_bpm} bpm, ` +
      fmtPace(s.last_crossover.speed_kmh) : "";

  // Controls: what fits the state, as paced would accept it.
  $("start-row").hidden = active;
  $("run-row").hidden = !active;
  $("run-row2").hidden = !active;
  $("btn-pause").textContent = paused || s.state === "armed" ? "Resume" : "Pause";
  const viewOnly = localStorage.getItem("paced_kind") === "view";
  document.querySelectorAll("#controls button, #controls select").forEach((b) => {
    b.disabled = viewOnly || online === false;
  });
  $("controls").hidden = viewOnly;

  drawProgress();
  updateStandingBanner();
  countdownBeeps();
}

function countdownBeeps() {
  const s = status;
  if (!s || s.state !== "running" || s.step_remaining_s === null) { lastBeepSecond = null; return; }
  const sec = Math.ceil(s.step_remaining_s);
  if (sec <= 3 && sec >= 1 && sec !== lastBeepSecond) beep(false);
  lastBeepSecond = sec;
}

// Step i of the loaded workout, if the steps paced-web sent are that
// workout's (a new workout's status may come before its steps).
function stepAt(i) {
  if (!status || i < 0 || steps.length !== status.step_count) return null;
  return steps[i] || null;
}

// ---- the workout's profile ----

const SVG = "http://www.w3.org/2000/svg";
let profileTotal = 0;
let profileStarts = [];

function drawProfile() {
  const svg = $("profile");
  svg.replaceChildren();
  if (!steps.length) return;
  const known = steps.filter((x) => x.time_s !== null);
  const avg = known.length ? known.reduce((a, x) => a + x.time_s, 0) / known.length : 60;
  const widths = steps.map((x) => (x.time_s !== null ? x.time_s : avg));
  profileTotal = widths.reduce((a, b) => a + b, 0);
  const speeds = steps.map((x) => Math.max(x.speed_start_kmh || 0, x.speed_end_kmh || 0));
  const top = Math.max(...speeds, 1);
  let x = 0;
  profileStarts = [];
  steps.forEach((st, i) => {
    const w = (widths[i] / profileTotal) * 1000;
    const h0 = st.speed_start_kmh !== null ? (st.speed_start_kmh / top) * 110 : 30;
    const h1 = st.speed_end_kmh !== null ? (st.speed_end_kmh / top) * 110 : 30;
    const p = document.createElementNS(SVG, "polygon");
    p.setAttribute("points", `${x},120 ${x},${120 - h0} ${x + w},${120 - h1} ${x + w},120`);
    p.setAttribute("fill", KIND_COLOURS[st.kind] || "#6b8fb3");
    p.setAttribute("class", "bar");
    const title = document.createElementNS(SVG, "title");
    title.textContent = st.cue ? `${st.cue}: ${st.label}` : st.label;
    p.appendChild(title);
    svg.appendChild(p);
    profileStarts.push([x, w, widths[i]]);
    x += w;
  });
  const m = document.createElementNS(SVG, "rect");
  m.setAttribute("id", "progress-marker");
  m.setAttribute("width", "4");
  m.setAttribute("height", "120");
  m.setAttribute("y", "0");
  m.setAttribute("x", "-10");
  svg.appendChild(m);
  drawProgress();
}

function drawProgress() {
  const m = $("progress-marker");
  if (!m || !status) return;
  const i = status.step_index;
  if (i < 0 || i >= profileStarts.length) { m.setAttribute("x", "-10"); return; }
  const [x, w, secs] = profileStarts[i];
  const frac = secs > 0 ? Math.min((status.step_elapsed_s || 0) / secs, 1) : 0;
  m.setAttribute("x", String(x + w * frac - 2));
  m.dataset.step = String(i);
}

// ---- laps ----

function addLap(l) {
  $("laps-section").hidden = false;
  const li = document.createElement("li");
  const what = l.kind === "mile" ? "Mile" : "Lap";
  li.textContent = `${what} ${l.number}: ${fmtDistance(l.distance_m)} in ${fmtDuration(l.duration_s)}` +
    ` (${fmtPace(l.avg_speed_kmh)})`;
  $("laps").prepend(li);
}

// ---- keeping the screen on during a workout ----

// The Screen Wake Lock API (secure contexts only: https or localhost; see
// docs/web.md). Held while a workout is armed, running or paused; the
// browser drops it when the page is hidden, so it is asked for again when
// the page shows. document.body.dataset.wakeLock says which it is.
let wakeLock = null;
function wantWakeLock() {
  return !!status && ["armed", "running", "paused"].includes(status.state);
}
async function updateWakeLock() {
  const want = wantWakeLock() && document.visibilityState === "visible";
  if (!("wakeLock" in navigator)) { document.body.dataset.wakeLock = "unsupported"; return; }
  if (want && !wakeLock) {
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      document.body.dataset.wakeLock = "held";
      wakeLock.addEventListener("release", () => {
        wakeLock = null;
        document.body.dataset.wakeLock = "released";
      });
    } catch (e) {
      document.body.dataset.wakeLock = "refused";
    }
  } else if (!want && wakeLock) {
    const l = wakeLock;
    wakeLock = null;
    await l.release().catch(() => {});
    document.body.dataset.wakeLock = "released";
  }
}
document.addEventListener("visibilitychange", updateWakeLock);

// ---- the event stream ----

function setLink(state) {
  const el = $("link");
  el.textContent = state;
  el.className = "link " + state;
  document.body.classList.toggle("stale", state !== "live");
}

function connect() {
  if (source) source.close();
  source = new EventSource("/api/events");
  const on = (name, fn) => source.addEventListener(name, (ev) => {
    lastMessage = Date.now();
    setLink("live");
    fn(JSON.parse(ev.data));
  });
  on("status", (s) => {
    // A new session: the previous workout's laps go.
    if (s.session_id && s.session_id !== lapsSession) {
      if (lapsSession !== null) { $("laps").replaceChildren(); $("laps-section").hidden = true; }
      lapsSession = s.session_id;
    }
    status = s;
    render();
    updateWakeLock();
  });
  on("steps", (s) => { steps = s; drawProfile(); render(); });
  on("paced", (p) => { online = p.online; render(); updateStandingBanner(); });
  on("ping", () => {});
  on("cue", (c) => {
    if (c.kind === "upcoming" || c.kind === "step-start" || c.kind === "halfway" ||
        c.kind === "lap" || c.kind === "safety" || c.kind === "info" || c.kind === "step-end" ||
        c.kind === "prompt")
      speak(c.text);
    $("next").dataset.cue = c.text;
  });
  on("step", () => { beep(true); });
  on("lap", addLap);
  on("safety", (a) => { if (a.active) banner(a.message, "warn", 8000); });
  on("crossover", (c) => banner(`${c.kind.toUpperCase()} crossed at ${c.hr_bpm} bpm`, "info", 6000));
  on("finished", (f) => {
    banner(`Workout ${f.reason}. Session ${f.id} saved.`, "info", 10000);
    loadWorkouts();
  });
  source.onerror = () => {
    // EventSource reconnects by itself; a refused token closes it for good.
    if (source.readyState === EventSource.CLOSED) {
      setLink("offline");
      fetch("/api/whoami").then((r) => {
        if (r.status === 401) location.replace("/pair");
        else setTimeout(connect, 2000);
      }).catch(() => setTimeout(connect, 2000));
    } else setLink("reconnecting");
  };
}

setInterval(() => {
  if (bannerUntil && bannerUntil <= Date.now()) updateStandingBanner();
  if (lastMessage && Date.now() - lastMessage > STALE_MS) {
    setLink("stale");
    $("link").textContent = `stale ${Math.round((Date.now() - lastMessage) / 1000)} s`;
  }
}, 1000);

// ---- controls ----

async function control(action, body) {
  let res, data = {};
  try {
    res = await fetch("/api/control/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    data = await res.json().catch(() => ({}));
  } catch (e) {
    banner("Cannot reach paced-web: " + e.message, "error", 6000);
    return false;
  }
  if (!res.ok) {
    banner(data.message || `${action} failed (${res.status})`, "error", 6000);
    return false;
  }
  if (data.message) banner(data.message, "info", data.message === PRESS_START ? 0 : 5000);
  return true;
}

let stopArmed = null;
function wireControls() {
  $("btn-start").addEventListener("click", () => {
    const v = $("workout-select").value;
    control("start", { workout: v === "@today" ? "" : v });
  });
  $("btn-pause").addEventListener("click", () => {
    const resume = status && (status.state === "paused" || status.state === "armed");
    control(resume ? "resume" : "pause");
  });
  $("btn-faster").addEventListener("click", () => control("faster", { kmh: 0.5 }));
  $("btn-slower").addEventListener("click", () => control("slower", { kmh: 0.5 }));
  $("btn-skip").addEventListener("click", () => control("skip"));
  $("btn-extend").addEventListener("click", () => control("extend", { seconds: 30 }));
  // Stop ends the workout for good: a second tap within 3 s confirms it.
  $("btn-stop").addEventListener("click", () => {
    if (stopArmed) {
      clearTimeout(stopArmed);
      stopArmed = null;
      $("btn-stop").textContent = "Stop";
      control("stop");
      return;
    }
    $("btn-stop").textContent = "Tap again to stop";
    stopArmed = setTimeout(() => { stopArmed = null; $("btn-stop").textContent = "Stop"; }, 3000);
  });
  $("sound").addEventListener("click", () => {
    soundOn = !soundOn;
    localStorage.setItem("paced_sound", soundOn ? "on" : "off");
    updateSoundButton();
    if (soundOn) beep(false); // also unlocks audio on phones: this is a user gesture
  });
}

async function loadWorkouts() {
  const r = await fetch("/api/workouts");
  if (!r.ok) return;
  const w = await r.json();
  const sel = $("workout-select");
  const keep = sel.value;
  sel.replaceChildren();
  const add = (value, text) => {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    sel.appendChild(o);
  };
  if (w.today) add("@today", `Today: ${w.today}`);
  w.library.forEach((n) => add(n, n));
  if (keep) sel.value = keep;
}

// ---- history ----

async function showHistory() {
  const r = await fetch("/api/sessions");
  const list = r.ok ? await r.json() : [];
  const ul = $("sessions");
  ul.replaceChildren();
  if (!list.length) {
    const li = document.createElement("li");
    li.textContent = "No sessions yet.";
    ul.appendChild(li);
  }
  list.forEach((s) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#session/" + s.id;
    const when = new Date(s.start_usec / 1000).toLocaleString();
    a.textContent = `${when} — ${s.workout || "free run"} — ${fmtDuration(s.duration_s)}, ` +
      `${fmtDistance(s.distance_m)} (${s.end_reason})`;
    li.appendChild(a);
    ul.appendChild(li);
  });
}

function lapList(el, laps, label) {
  el.replaceChildren();
  laps.forEach((l, i) => {
    const li = document.createElement("li");
    const secs = l.end_s - l.start_s;
    li.textContent = `${label} ${i + 1}: ${fmtDistance(l.distance_m)} in ${fmtDuration(secs)}` +
      ` (${fmtPace(l.avg_speed_kmh)})` + (l.avg_hr_bpm !== null ? `, ${Math.round(l.avg_hr_bpm)} bpm` : "");
    el.appendChild(li);
  });
  if (!laps.length) {
    const li = document.createElement("li");
    li.textContent = "none";
    el.appendChild(li);
  }
}

async function showSession(id) {
  const r = await fetch("/api/sessions/" + id);
  if (!r.ok) {
    $("session-title").textContent = `No session ${id}.`;
    return;
  }
  const s = await r.json();
  $("session-title").textContent = `Session ${s.id}: ${s.workout || "free run"} (${s.end_reason})`;
  const m = s.summary;
  $("session-summary").textContent = `${fmtDuration(m.duration_s)} · ${fmtDistance(m.distance_m)} · ` +
    `${fmtPace(m.avg_speed_kmh)}` + (m.avg_hr_bpm !== null ? ` · ${Math.round(m.avg_hr_bpm)} bpm avg,` +
    ` ${Math.round(m.max_hr_bpm)} max` : "");
  for (const f of ["fit", "tcx", "csv"]) $("dl-" + f).href = `/api/sessions/${id}/export.${f}`;
  $("session-report").src = `/api/sessions/${id}/report.svg`;
  const th = $("session-thresholds");
  th.replaceChildren();
  if (s.thresholds.length) {
    const h = document.createElement("h3");
    h.textContent = "Thresholds";
    th.appendChild(h);
    s.thresholds.forEach((t) => {
      const p = document.createElement("p");
      p.textContent = `${t.kind.toUpperCase()} (${t.method}): ${Math.round(t.hr_bpm)} bpm at ` +
        `${fmtPace(t.speed_kmh)}`;
      th.appendChild(p);
    });
  }
  // A time trial's result first: what the runner ran for.
  const results = s.results || [];
  $("session-results").hidden = !results.length;
  $("session-result-list").replaceChildren(...results.map((r) => {
    const li = document.createElement("li");
    li.textContent = r.text;
    return li;
  }));
  $("session-miles-title").textContent = s.splits_from && s.splits_from !== "the start"
    ? `Mile splits (from ${s.splits_from})` : "Mile splits";
  lapList($("session-miles"), s.splits_mile, "Mile");
  lapList($("session-laps"), s.laps, "Lap");
}

function route() {
  const h = location.hash || "#run";
  const session = h.match(/^#session\/(\d+)$/);
  $("view-run").hidden = h !== "#run";
  $("view-history").hidden = h !== "#history";
  $("view-session").hidden = !session;
  $("tab-run").classList.toggle("active", h === "#run");
  $("tab-history").classList.toggle("active", h === "#history" || !!session);
  if (h === "#history") showHistory();
  if (session) showSession(session[1]);
}

// ---- start ----

if (!token) {
  // A cookie without the token in this browser's storage: controls need it.
  banner("This browser lost its pairing: pair it again to use the controls.", "error");
}
wireControls();
updateSoundButton();
window.addEventListener("hashchange", route);
route();
loadWorkouts();
connect();

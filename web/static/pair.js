// SPDX-License-Identifier: LGPL-2.1-or-later
// The pairing page: exchanges the code from `pacectl web pair` for this
// device's token (kept in localStorage for control requests; the server also
// sets an HttpOnly cookie for loading pages, reports and downloads).
"use strict";

const form = document.getElementById("pair-form");
const input = document.getElementById("code");
const message = document.getElementById("pair-message");

async function pair(code) {
  message.textContent = "Pairing…";
  message.className = "";
  let res, body = {};
  try {
    res = await fetch("/api/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
      credentials: "same-origin",
    });
    body = await res.json().catch(() => ({}));
  } catch (e) {
    message.textContent = "Cannot reach paced-web: " + e.message;
    message.className = "error";
    return;
  }
  if (!res.ok) {
    message.textContent = body.message || "Pairing failed (" + res.status + ").";
    message.className = "error";
    return;
  }
  localStorage.setItem("paced_token", body.token);
  localStorage.setItem("paced_kind", body.kind);
  message.textContent = "Paired as " + body.name + ".";
  location.replace("/");
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  pair(input.value.trim());
});

// The QR code's URL carries the code in its fragment (never sent to a server).
const fromUrl = decodeURIComponent(location.hash.slice(1));
if (fromUrl) {
  input.value = fromUrl;
  history.replaceState(null, "", location.pathname);
  pair(fromUrl);
}

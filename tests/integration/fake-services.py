#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fake intervals.icu and Strava for paced-sync's tests, on loopback only.

Written from the services' public API documentation (endpoints, auth
headers, response shapes), not from paced-sync: it answers

  intervals.icu  (basic auth "API_KEY" + key; athlete id in the path)
    GET  /api/v1/athlete/{id}/events?oldest&newest&category
    POST /api/v1/athlete/{id}/activities?name&description&external_id  (multipart "file")
    GET  /api/v1/athlete/{id}/activities?oldest&newest
    PUT  /api/v1/activity/{activity id}                                 (JSON)
    GET  /api/v1/athlete/{id}/sport-settings/Run
  Strava  (OAuth 2: form POST to /oauth/token; "Authorization: Bearer")
    POST /oauth/token       grant_type=authorization_code|refresh_token
    POST /api/v3/uploads    (multipart: file, data_type, external_id, trainer, ...)
    GET  /api/v3/uploads/{id}
    GET  /api/v3/athlete/activities?after&before

Like the real services it keeps what it is sent: every activity created is
listed by GET /_control/state, so a test sees a duplicate if a client sends
one. Strava's own duplicate check (the same file, or the same external id)
is modelled: such an upload ends in "duplicate of activity N". Strava processes
uploads on its own: an upload older than processing_seconds is processed at
the next look at the API (in the order they came); hold_processing stops that.

Faults are queued with POST /_control/fault {"match": "POST /api/v1/athlete",
"kind": ..., "count": N}: kinds "status" (with "status", "body",
"retry_after"), "timeout" (no answer for "seconds"), "truncated" (a valid
HTTP answer whose JSON stops halfway), "malformed", "oversized" (3 MiB),
"cut" (the connection closes mid-body), "store-then-hang" (the upload is
kept, then no answer: the client's timeout or a kill decides),
"hang-then-store".

Usage: fake-services.py --port-file FILE --cert CERT --key KEY --state DIR
"""

import argparse
import base64
import hashlib
import json
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
STATE = {
    "intervals": {"athlete": "i4242", "key": "", "activities": [], "events": [],
                  "settings": None},
    "strava": {"client_id": "", "client_secret": "", "codes": [], "refresh": "",
               "access": "", "access_expires": 0, "uploads": {}, "activities": [],
               "processing_seconds": 0.5, "next_id": 1000},
    "faults": [],
    "requests": [],
}


def multipart(handler, body):
    """The parts of a multipart/form-data body: {name: (filename, bytes)}."""
    ctype = handler.headers.get("Content-Type", "")
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not ctype.startswith("multipart/form-data") or not m:
        return None
    boundary = b"--" + m.group(1).encode()
    parts = {}
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        name = re.search(rb'name="([^"]*)"', head)
        filename = re.search(rb'filename="([^"]*)"', head)
        if name:
            parts[name.group(1).decode()] = (
                filename.group(1).decode() if filename else None, data)
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake %s: %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

    # ---- plumbing ----

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, obj=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(obj).encode() if obj is not None
                                            else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def fault(self):
        """The first queued fault matching this request, consumed."""
        line = "%s %s" % (self.command, urlparse(self.path).path)
        with LOCK:
            for f in STATE["faults"]:
                if f["count"] > 0 and line.startswith(f["match"]):
                    f["count"] -= 1
                    return dict(f)
        return None

    def apply_fault(self, f, answer):
        """Acts out f instead of (or around) answer(); True if the request is done."""
        kind = f["kind"]
        if kind == "status":
            headers = {"Retry-After": str(f["retry_after"])} if "retry_after" in f else {}
            self.send(f.get("status", 500), f.get("body", {"error": "injected"}),
                      headers=headers)
        elif kind == "timeout":
            time.sleep(f.get("seconds", 30))
            self.close_connection = True
        elif kind == "truncated":
            status, obj = answer()
            text = json.dumps(obj).encode()
            self.send(status, raw=text[: max(1, len(text) // 2)])
        elif kind == "malformed":
            answer()
            self.send(200, raw=b"<html><body>Bad Gateway?</body></html>")
        elif kind == "oversized":
            answer()
            self.send(200, raw=b"[" + b" " * (3 * 1024 * 1024) + b"]")
        elif kind == "cut":
            status, obj = answer()
            text = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text[: len(text) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "store-then-hang":
            answer()
            time.sleep(f.get("seconds", 30))
            self.close_connection = True
        elif kind == "hang-then-store":
            time.sleep(f.get("seconds", 30))
            self.close_connection = True
        else:
            return False
        return True

    def record(self):
        with LOCK:
            STATE["requests"].append({"line": "%s %s" % (self.command, urlparse(self.path).path),
                                      "t": time.time()})

    # ---- intervals.icu ----

    def intervals_auth(self):
        want = "Basic " + base64.b64encode(
            ("API_KEY:" + STATE["intervals"]["key"]).encode()).decode()
        if self.headers.get("Authorization") != want:
            self.send(401, {"status": 401, "error": "Unauthorized"})
            return False
        return True

    def intervals(self, path, query, body):
        iv = STATE["intervals"]
        m = re.fullmatch(r"/api/v1/athlete/([^/]+)/(events|activities|sport-settings/Run)", path)
        if m and m.group(1) not in (iv["athlete"], "0"):
            return 403, {"status": 403, "error": "Access denied"}

        if m and m.group(2) == "events" and self.command == "GET":
            oldest, newest = query.get("oldest", [""])[0], query.get("newest", [""])[0]
            cats = query.get("category", [""])[0].split(",")
            out = [e for e in iv["events"]
                   if oldest <= e["start_date_local"][:10] <= newest
                   and (cats == [""] or e["category"] in cats)]
            return 200, out

        if m and m.group(2) == "activities" and self.command == "POST":
            parts = multipart(self, body)
            if not parts or "file" not in parts:
                return 422, {"status": 422, "error": "No file"}
            _, data = parts["file"]
            if data[8:12] != b".FIT":
                return 422, {"status": 422, "error": "Not a FIT file"}
            with LOCK:
                aid = "i%d" % (len(iv["activities"]) + 1)
                iv["activities"].append({
                    "id": aid, "external_id": query.get("external_id", [None])[0],
                    "name": query.get("name", [""])[0], "type": "Run",
                    "start_date_local": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
            return 200, {"icu_athlete_id": iv["athlete"], "id": aid}

        if m and m.group(2) == "activities" and self.command == "GET":
            with LOCK:
                return 200, [{k: a[k] for k in ("id", "external_id", "name", "type",
                                                 "start_date_local")}
                             for a in iv["activities"]]

        if m and m.group(2) == "sport-settings/Run" and self.command == "GET":
            if iv["settings"] is None:
                return 404, {"status": 404, "error": "Not found"}
            return 200, iv["settings"]

        m = re.fullmatch(r"/api/v1/activity/([^/]+)", path)
        if m and self.command == "PUT":
            try:
                upd = json.loads(body)
            except ValueError:
                return 422, {"status": 422, "error": "Bad JSON"}
            with LOCK:
                for a in iv["activities"]:
                    if a["id"] == m.group(1):
                        a.update({k: upd[k] for k in ("type", "trainer") if k in upd})
                        return 200, {"id": a["id"], "type": a["type"]}
            return 404, {"status": 404, "error": "Not found"}
        return 404, {"status": 404, "error": "Not found"}

    # ---- Strava ----

    def strava_token(self, body):
        st = STATE["strava"]
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("client_id") != st["client_id"] or \
                form.get("client_secret") != st["client_secret"]:
            return 401, {"message": "Bad Request", "errors": [
                {"resource": "Application", "field": "client_secret", "code": "invalid"}]}
        grant = form.get("grant_type")
        with LOCK:
            if grant == "authorization_code":
                if form.get("code") not in st["codes"]:
                    return 400, {"message": "Bad Request", "errors": [
                        {"resource": "AuthorizationCode", "field": "code", "code": "invalid"}]}
                st["codes"].remove(form["code"])
            elif grant == "refresh_token":
                if not st["refresh"] or form.get("refresh_token") != st["refresh"]:
                    return 400, {"message": "Bad Request", "errors": [
                        {"resource": "RefreshToken", "field": "refresh_token",
                         "code": "invalid"}]}
            else:
                return 400, {"message": "Bad Request"}
            n = st["next_id"] = st["next_id"] + 1
            # A new refresh token each time, as Strava may rotate it.
            st["refresh"] = "rt-SECRET-%d" % n
            st["access"] = "at-SECRET-%d" % n
            st["access_expires"] = int(time.time()) + st.get("token_lifetime", 21600)
            out = {"token_type": "Bearer", "access_token": st["access"],
                   "refresh_token": st["refresh"], "expires_at": st["access_expires"],
                   "expires_in": st.get("token_lifetime", 21600)}
            if grant == "authorization_code":
                out["athlete"] = {"id": 77, "firstname": "Runner", "lastname": "Tester"}
        return 200, out

    def strava_auth(self):
        st = STATE["strava"]
        if self.headers.get("Authorization") != "Bearer " + st["access"] or not st["access"] \
                or st["access_expires"] < time.time():
            self.send(401, {"message": "Authorization Error", "errors": [
                {"resource": "Athlete", "field": "access_token", "code": "invalid"}]})
            return False
        return True

    def strava_upload_view(self, u):
        return {"id": u["id"], "id_str": str(u["id"]), "external_id": u["external_id"],
                "error": u["error"], "status": u["status"], "activity_id": u["activity_id"]}

    def strava_catch_up(self):
        """Strava processes uploads on its own: by the next look, older ones are done."""
        st = STATE["strava"]
        with LOCK:
            if st.get("hold_processing"):
                return
            for u in sorted(st["uploads"].values(), key=lambda x: x["id"]):
                if u["activity_id"] is None and u["error"] is None and \
                        time.time() - u["t"] >= st.get("processing_seconds", 0.5):
                    self.strava_process(u)

    def strava(self, path, query, body):
        st = STATE["strava"]
        if self.command == "GET":
            self.strava_catch_up()
        if path == "/api/v3/uploads" and self.command == "POST":
            parts = multipart(self, body)
            if not parts or "file" not in parts:
                return 400, {"message": "Bad Request", "errors": [
                    {"resource": "Upload", "field": "file", "code": "not a file"}]}
            data = parts["file"][1]
            field = {k: v[1].decode() for k, v in parts.items() if k != "file"}
            with LOCK:
                uid = st["next_id"] = st["next_id"] + 1
                st["uploads"][uid] = {
                    "id": uid, "external_id": field.get("external_id"), "error": None,
                    "status": "Your activity is still being processed.", "activity_id": None,
                    "sha256": hashlib.sha256(data).hexdigest(), "fields": field, "polls": 0,
                    "fit": data[8:12] == b".FIT", "t": time.time()}
                return 201, self.strava_upload_view(st["uploads"][uid])

        m = re.fullmatch(r"/api/v3/uploads/(\d+)", path)
        if m and self.command == "GET":
            with LOCK:
                u = st["uploads"].get(int(m.group(1)))
                if not u:
                    return 404, {"message": "Record Not Found", "errors": [
                        {"resource": "Upload", "field": "id", "code": "invalid"}]}
                u["polls"] += 1
                return 200, self.strava_upload_view(u)

        if path == "/api/v3/athlete/activities" and self.command == "GET":
            after = int(query.get("after", ["0"])[0])
            before = int(query.get("before", [str(2 ** 40)])[0])
            with LOCK:
                return 200, [{"id": a["id"], "external_id": a["external_id"],
                              "name": a["name"], "trainer": a["trainer"],
                              "sport_type": "Run"}
                             for a in st["activities"] if after <= a["start"] <= before]
        return 404, {"message": "Record Not Found"}

    def strava_process(self, u):
        """Strava's processing, under LOCK: an activity, or a duplicate of one."""
        st = STATE["strava"]
        if not u["fit"]:
            u["error"] = "Improperly formatted data."
            u["status"] = "There was an error processing your activity."
            return
        for a in st["activities"]:
            if a["sha256"] == u["sha256"] or a["external_id"] == u["external_id"]:
                u["error"] = "%s.fit duplicate of <a href='/activities/%d' " \
                             "target='_blank'>activity %d</a>" % (u["external_id"], a["id"],
                                                                   a["id"])
                u["status"] = "There was an error processing your activity."
                return
        aid = st["next_id"] = st["next_id"] + 1
        st["activities"].append({
            "id": aid, "external_id": u["external_id"], "name": u["fields"].get("name"),
            "trainer": u["fields"].get("trainer") == "1", "sha256": u["sha256"],
            "start": int(time.time()), "data_type": u["fields"].get("data_type")})
        u["activity_id"] = aid
        u["status"] = "Your activity is ready."

    # ---- control ----

    def control(self, path, body):
        if path == "/_control/state" and self.command == "GET":
            with LOCK:
                return 200, {k: STATE[k] for k in ("intervals", "strava", "requests")}
        if path == "/_control/fault" and self.command == "POST":
            f = json.loads(body)
            f.setdefault("count", 1)
            with LOCK:
                STATE["faults"].append(f)
            return 200, {}
        if path == "/_control/reset-faults" and self.command == "POST":
            with LOCK:
                STATE["faults"].clear()
            return 200, {}
        if path == "/_control/set" and self.command == "POST":
            upd = json.loads(body)
            with LOCK:
                for service, values in upd.items():
                    STATE[service].update(values)
            return 200, {}
        return 404, {}

    # ---- dispatch ----

    def handle_any(self):
        u = urlparse(self.path)
        path, query = u.path, parse_qs(u.query)
        body = self.body()
        if path.startswith("/_control/"):
            self.send(*self.control(path, body))
            return
        self.record()
        f = self.fault()

        def answer():
            if path.startswith("/api/v1/"):
                return self.intervals(path, query, body)
            if path == "/oauth/token" and self.command == "POST":
                return self.strava_token(body)
            if path.startswith("/api/v3/"):
                return self.strava(path, query, body)
            return 404, {"error": "Not found"}

        if path.startswith("/api/v1/") and not self.intervals_auth():
            return
        if path.startswith("/api/v3/") and not self.strava_auth():
            return
        if f and self.apply_fault(f, answer):
            return
        self.send(*answer())

    do_GET = do_POST = do_PUT = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--setup", help="JSON merged into the state at start")
    args = ap.parse_args()
    if args.setup:
        with open(args.setup) as f:
            for service, values in json.load(f).items():
                STATE[service].update(values)

    # Loopback only, whatever happens.
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The report's performance figures (issue 12): generation time and size of a report for a
# search of 10^3 runs whose counterexample has 10^4 events (`faultline bench report`), then
# its first paint in headless Chromium, measured by the browser itself (the Paint Timing API's
# first-contentful-paint, read over WebDriver from chromedriver on the loopback interface).
#
# Needs Debian's `chromium` and `chromium-driver` (scripts/setup.sh installs chromium; this
# script installs chromium-driver when it is missing and apt can). Usage:
#   scripts/bench-report.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
repeats="${1:-5}"
cargo build --release --locked --bin faultline
page="$PWD/target/bench-report.html"
target/release/faultline bench report --repeats "$repeats" -o "$page"
if ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-driver >/dev/null
  else
    echo "bench-report: chromedriver is missing (Debian package chromium-driver); no first-paint figure" >&2
    exit 0
  fi
fi
python3 - "$page" "$repeats" <<'PY'
import json, os, socket, subprocess, sys, tempfile, time, urllib.request

page, repeats = sys.argv[1], int(sys.argv[2])
with socket.socket() as probe:  # a free port on the loopback interface
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)["value"]

try:
    for _ in range(100):
        try:
            call("GET", "/status")
            break
        except OSError:
            time.sleep(0.1)
    profile = tempfile.mkdtemp(prefix="faultline-bench-")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"]
    session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": args}}}})["sessionId"]
    probe = ("var p = performance.getEntriesByType('paint').filter(function (e) { return e.name === 'first-contentful-paint'; });"
             "var t = performance.timing; var b = document.body.dataset;"
             "return {fcp: p.length ? p[0].startTime : null, load: t.loadEventEnd - t.navigationStart,"
             " script: Number(b.scriptStartMs), parsed: Number(b.parsedMs), ready: Number(b.renderMs), errors: Number(b.errors)};")
    rows = []
    for _ in range(repeats):
        call("POST", f"/session/{session}/url", {"url": "about:blank"})
        call("POST", f"/session/{session}/url", {"url": "file://" + page})
        for _ in range(50):  # the paint entry can arrive just after the load event
            row = call("POST", f"/session/{session}/execute/sync", {"script": probe, "args": []})
            if row["fcp"] is not None:
                break
            time.sleep(0.1)
        rows.append(row)
    call("DELETE", f"/session/{session}")
finally:
    driver.terminate()
    driver.wait()

def median(key):
    values = sorted(r[key] for r in rows if r[key] is not None)
    return values[len(values) // 2] if values else float("nan")

print(f"first paint in Chromium ({repeats} loads of {os.path.getsize(page)} bytes, ms since navigation start, median [min..max]):")
for key, what in [("fcp", "first contentful paint"), ("script", "page script starts"), ("parsed", "data parsed"), ("ready", "chart and step-through built"), ("load", "load event")]:
    values = sorted(r[key] for r in rows if r[key] is not None)
    print(f"  {what:<30} {median(key):8.0f}   [{values[0]:.0f}..{values[-1]:.0f}]" if values else f"  {what:<30}      n/a")
print(f"  page errors: {max(r['errors'] for r in rows)}")
PY

#!/usr/bin/env bash
# Gateway load benchmark (issue 7/9), loopback only, bounded in time.
#
# Starts a standalone `unicrm sandbox` and `unicrm serve --sandbox-url` against it, then with wrk
# (Debian package `wrk`) sends create-contact requests
#   (a) through the gateway: dialect v1 → HubSpot emulator, and
#   (b) straight to the HubSpot emulator (the same contact as HubSpot's own body),
# each DURATION seconds at CONNECTIONS concurrent connections, and prints throughput, latency
# percentiles, non-2xx counts, the p50 ratio and the gateway's peak RSS.
#
#   bash scripts/load.sh                 # 10 s each, 64 connections
#   DURATION=20 CONNECTIONS=64 bash scripts/load.sh
#
# Then (SINGLE=1, the default) the same two runs with one client sending one request at a time:
# there p50 is the latency of a single create, with no queue in front of it (at 64 saturating
# clients, p50 is mostly the queue: 64 / throughput). SINGLE=0 skips this part.
#
# Every request carries a unique e-mail (the emulator answers 409 to a duplicate). The emulator's
# duplicate check scans the account's contacts, so each create gets slower as a run adds
# contacts: keep runs short (both sides pay the same, in one run).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SANDBOX_PORT=${SANDBOX_PORT:-5102}
GATEWAY_PORT=${GATEWAY_PORT:-5101}
SINGLE=${SINGLE:-1}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p unicrm
BIN="$CARGO_TARGET_DIR/release/unicrm"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

RUST_LOG=warn "$BIN" sandbox --bind "127.0.0.1:$SANDBOX_PORT" >"$WORK/sandbox.log" 2>&1 &
RUST_LOG=warn "$BIN" --database-url "sqlite://$WORK/unicrm.db?mode=rwc" serve \
  --bind "127.0.0.1:$GATEWAY_PORT" --sandbox-url "http://127.0.0.1:$SANDBOX_PORT" >"$WORK/serve.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$GATEWAY_PORT/health" >/dev/null && curl -sf "http://127.0.0.1:$SANDBOX_PORT/health" >/dev/null && break
  sleep 0.1
done
KEY=$(grep -o 'sk_test_[A-Za-z0-9]*' "$WORK/serve.log" | head -n 1)
[ -n "$KEY" ] || { cat "$WORK/serve.log"; echo "no test key printed" >&2; exit 1; }

cat >"$WORK/gateway.lua" <<LUA
local n = 0
-- A distinct prefix per thread (and per run), a counter per request: every e-mail is unique.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", string.format("%d%d", os.time(), threads))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
request = function()
  n = n + 1
  local body = string.format('{"firstName":"Jane","lastName":"Doe","email":"jane.%s.%d@example.com","phone":"+1-555-0100","company":"Acme Corp","jobTitle":"VP of Sales","address":{"street":"123 Main St","city":"San Francisco","state":"CA","postalCode":"94105","country":"US"}}', id, n)
  return wrk.format(nil, nil, nil, body)
end
LUA
cat >"$WORK/direct.lua" <<'LUA'
local n = 0
-- A distinct prefix per thread (and per run), a counter per request: every e-mail is unique.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", string.format("%d%d", os.time(), threads))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer load-direct-token"
request = function()
  n = n + 1
  local body = string.format('{"properties":{"firstname":"Jane","lastname":"Doe","email":"jane.%s.%d@example.com","phone":"+1-555-0100","company":"Acme Corp","jobtitle":"VP of Sales","address":"123 Main St","city":"San Francisco","state":"CA","zip":"94105","country":"US"},"associations":[]}', id, n)
  return wrk.format(nil, nil, nil, body)
end
LUA
# A reporter: answers >= 400 (wrk's status error counter) and socket errors/timeouts.
REPORT='done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, summary.duration/1e6, summary.requests/(summary.duration/1e6),
    latency:percentile(50)/1000, latency:percentile(90)/1000, latency:percentile(99)/1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end'
echo "$REPORT" >>"$WORK/gateway.lua"
echo "$REPORT" >>"$WORK/direct.lua"

# Link the sandbox account once (the first test-mode request does it), outside the measurement.
curl -sf -o /dev/null -X POST "http://127.0.0.1:$GATEWAY_PORT/api/v1/contact?provider=hubspot&endUserId=load" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"firstName":"Warm","lastName":"Up"}'

run() { # name url script
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$3" | tee "$WORK/$1.out" | grep -E '^RESULT' | sed "s/^RESULT/$1:/"
}
run direct "$WORK/direct.lua" "http://127.0.0.1:$SANDBOX_PORT/hubspot/crm/v3/objects/contacts"
RSS_BEFORE=$(awk '/VmRSS/ {print $2}' /proc/$GATEWAY_PID/status)
# Sample the gateway's RSS every 5 s during its run (is it flat?).
( while kill -0 "$GATEWAY_PID" 2>/dev/null; do awk '/VmRSS/ {printf "%s ", $2}' /proc/$GATEWAY_PID/status; sleep 5; done ) >"$WORK/rss.samples" 2>/dev/null &
SAMPLER=$!
run gateway "$WORK/gateway.lua" "http://127.0.0.1:$GATEWAY_PORT/api/v1/contact?provider=hubspot&endUserId=load"
RSS_AFTER=$(awk '/VmRSS/ {print $2}' /proc/$GATEWAY_PID/status)
kill "$SAMPLER" 2>/dev/null || true
PEAK=$(awk '/VmHWM/ {print $2}' /proc/$GATEWAY_PID/status)
d50=$(grep -o 'p50_ms=[0-9.]*' "$WORK/direct.out" | cut -d= -f2)
g50=$(grep -o 'p50_ms=[0-9.]*' "$WORK/gateway.out" | cut -d= -f2)
echo "p50 ratio gateway/direct: $(awk -v g="$g50" -v d="$d50" 'BEGIN {printf "%.2f", g/d}')"
echo "gateway RSS: before ${RSS_BEFORE} kB, after ${RSS_AFTER} kB, peak ${PEAK} kB"
echo "gateway RSS samples during the run (kB, every 5 s): $(cat "$WORK/rss.samples")"

if [ "$SINGLE" = 1 ]; then
  # One client, one request at a time: no queue, so p50 is the latency of one create.
  CONNECTIONS=1 THREADS=1
  run direct1 "$WORK/direct.lua" "http://127.0.0.1:$SANDBOX_PORT/hubspot/crm/v3/objects/contacts"
  run gateway1 "$WORK/gateway.lua" "http://127.0.0.1:$GATEWAY_PORT/api/v1/contact?provider=hubspot&endUserId=load"
  d50=$(grep -o 'p50_ms=[0-9.]*' "$WORK/direct1.out" | cut -d= -f2)
  g50=$(grep -o 'p50_ms=[0-9.]*' "$WORK/gateway1.out" | cut -d= -f2)
  echo "p50 ratio gateway/direct, one client: $(awk -v g="$g50" -v d="$d50" 'BEGIN {printf "%.2f", g/d}')"
fi

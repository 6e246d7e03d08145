#!/usr/bin/env bash
# Bulk export benchmark (issue 7), loopback only, bounded.
#
# A standalone `unicrm sandbox` and `unicrm serve --sandbox-url` on a fresh store; RECORDS
# contacts are created through the gateway (wrk, dialect v1 → HubSpot emulator, which also
# links the sandbox account), then `unicrm export contact` pages through all of them under
# /usr/bin/time -v (wall time, peak RSS). The CPU seconds the emulator spent during the export
# tell what bounds it: the emulator serving pages, or unicrm. Finally the output is checked
# against the account: as many distinct ids as lines, and as many as the emulator holds
# contacts (its search `total`, asked with the account's token from the request log).
#
#   bash scripts/export.sh                  # 100,000 contacts
#   RECORDS=10000 bash scripts/export.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-100000}
PAGE_SIZE=${PAGE_SIZE:-100}
SANDBOX_PORT=${SANDBOX_PORT:-5103}
GATEWAY_PORT=${GATEWAY_PORT:-5104}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p unicrm
BIN="$CARGO_TARGET_DIR/release/unicrm"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/unicrm.db?mode=rwc"

RUST_LOG=warn "$BIN" sandbox --bind "127.0.0.1:$SANDBOX_PORT" >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
RUST_LOG=warn "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$GATEWAY_PORT" \
  --sandbox-url "http://127.0.0.1:$SANDBOX_PORT" >"$WORK/serve.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$GATEWAY_PORT/health" >/dev/null && curl -sf "http://127.0.0.1:$SANDBOX_PORT/health" >/dev/null && break
  sleep 0.1
done
KEY=$(grep -o 'sk_test_[A-Za-z0-9]*' "$WORK/serve.log" | head -n 1)
[ -n "$KEY" ] || { cat "$WORK/serve.log"; echo "no test key printed" >&2; exit 1; }

# RECORDS creates (unique e-mails), two wrk threads stopping at their share; each thread leaves
# a marker file when it stops, and wrk is interrupted (SIGINT: it prints its summary) once both
# did, instead of waiting out its -d duration (a time limit only).
cat >"$WORK/seed.lua" <<LUA
local n, threads = 0, 0
setup = function(thread) threads = threads + 1; thread:set("id", string.format("%d%d", os.time(), threads)) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format('{"firstName":"Jane","lastName":"Doe %d","email":"jane.%s.%d@example.com","phone":"+1-555-0100","company":"Acme Corp","jobTitle":"VP of Sales","address":{"street":"123 Main St","city":"San Francisco","state":"CA","postalCode":"94105","country":"US"}}', n, id, n))
end
response = function(status)
  if status ~= 201 then io.write("create answered " .. status .. "\n") end
  if n >= $((RECORDS / 2)) then
    local f = io.open("$WORK/done." .. id, "w"); if f then f:close() end
    wrk.thread:stop()
  end
end
LUA
echo "== creating $RECORDS contacts through the gateway"
SEED_START=$(date +%s.%N)
wrk -t2 -c16 -d"$((RECORDS / 200 + 60))s" -s "$WORK/seed.lua" "http://127.0.0.1:$GATEWAY_PORT/api/v1/contact?provider=hubspot&endUserId=bulk" >"$WORK/wrk.txt" &
WRK_PID=$!
while kill -0 "$WRK_PID" 2>/dev/null && [ "$(find "$WORK" -maxdepth 1 -name 'done.*' | wc -l)" -lt 2 ]; do sleep 0.2; done
kill -INT "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" || true
grep -E "requests in|Non-2xx|create answered" "$WORK/wrk.txt" | sort | uniq -c | head -5
echo "setup took $(awk -v s="$SEED_START" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e-s}') s"
kill "$GATEWAY_PID"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)
echo "== unicrm export contact (page size $PAGE_SIZE)"
BEFORE=$(cpu "$SANDBOX_PID")
/usr/bin/time -v "$BIN" --database-url "$DB" export contact --provider hubspot --end-user bulk \
  --sandbox-url "http://127.0.0.1:$SANDBOX_PORT" --page-size "$PAGE_SIZE" \
  --resume "$WORK/cursor.json" -o "$WORK/out.jsonl" 2>"$WORK/time.txt" || { cat "$WORK/time.txt"; exit 1; }
AFTER=$(cpu "$SANDBOX_PID")
grep -E "exported|Elapsed \(wall|Maximum resident|User time|System time" "$WORK/time.txt"
echo "emulator CPU during the export: $(awk -v a="$AFTER" -v b="$BEFORE" -v t="$TICKS" 'BEGIN {printf "%.2f", (a-b)/t}') s (emulator peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$SANDBOX_PID/status"))"
LINES=$(wc -l <"$WORK/out.jsonl")
echo "output: $LINES lines, $(wc -c <"$WORK/out.jsonl") bytes"

# What the account holds, asked of the emulator directly (not through unicrm).
TOKEN=$(curl -sf "http://127.0.0.1:$SANDBOX_PORT/_sandbox/requests?emulator=hubspot" | jq -r '[.[] | .tenant // empty] | last')
HELD=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"limit":1}' \
  "http://127.0.0.1:$SANDBOX_PORT/hubspot/crm/v3/objects/contacts/search" | jq -r .total)
DISTINCT=$(jq -r .id "$WORK/out.jsonl" | sort -u | wc -l)
echo "contacts in the account: $HELD; distinct ids in the output: $DISTINCT"
[ "$DISTINCT" -eq "$LINES" ] && [ "$DISTINCT" -eq "$HELD" ] || { echo "MISMATCH: a record missing or exported twice" >&2; exit 1; }

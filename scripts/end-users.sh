#!/usr/bin/env bash
# Growth under many end users (issue 14 item 5), loopback only, bounded.
#
# Starts `unicrm serve` (in-process sandbox) on a fresh SQLite store and sends USERS dialect v1
# GETs under the default project's test key, each with a new `endUserId` (each one would link
# a sandbox account on first use), over one kept-alive curl. Prints the answers by status, the
# accounts stored, and the gateway's RSS before the run, after it, and IDLE seconds later.
#
#   bash scripts/end-users.sh                          # the debug build in $CARGO_TARGET_DIR
#   BIN=/path/to/unicrm USERS=2000 bash scripts/end-users.sh
#   SERVE_ARGS="--max-test-accounts 10000 --cache-entries 500" bash scripts/end-users.sh
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-2000}
IDLE=${IDLE:-5}
PORT=${PORT:-5105}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${BIN:-}" ]; then
  cargo build -q -p unicrm
  BIN="$CARGO_TARGET_DIR/debug/unicrm"
fi
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/unicrm.db?mode=rwc"
# shellcheck disable=SC2086
RUST_LOG=warn "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$PORT" ${SERVE_ARGS:-} \
  >"$WORK/serve.log" 2>&1 &
PID=$!
KEY=""
for _ in $(seq 1 100); do
  KEY=$(grep -o 'sk_test_[A-Za-z0-9_]*' "$WORK/serve.log" | head -1 || true)
  if [ -n "$KEY" ] && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null; then break; fi
  sleep 0.1
done
[ -n "$KEY" ] || { cat "$WORK/serve.log"; exit 1; }
rss() { awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' "/proc/$PID/status"; }
URL="http://127.0.0.1:$PORT/api/v1/contact?provider=hubspot"
curl -s -o /dev/null -H "authorization: Bearer $KEY" "$URL&endUserId=warm-up"
echo "RSS before: $(rss)"
{
  echo "header = \"authorization: Bearer $KEY\""
  for i in $(seq 1 "$USERS"); do
    echo "url = \"$URL&endUserId=user-$i\""
    echo 'output = "/dev/null"'
  done
} >"$WORK/curl.cfg"
started=$(date +%s.%N)
curl -s -w '%{http_code}\n' --config "$WORK/curl.cfg" | sort | uniq -c | sed 's/^/  answers: /'
echo "  $(echo "$(date +%s.%N) - $started" | bc) s for $USERS requests"
echo "RSS after $USERS end users: $(rss)"
sleep "$IDLE"
echo "RSS ${IDLE} s later: $(rss)"
kill "$PID"; wait "$PID" 2>/dev/null || true
ACCOUNTS=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from linked_accounts').fetchone()[0])" "$WORK/unicrm.db")
echo "accounts stored: $ACCOUNTS"

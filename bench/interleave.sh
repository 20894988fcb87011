#!/usr/bin/env bash
# Interleaved web-submission runs of several checkouts or interpreters, on the database bench/portal.sh left.
# This host's speed drifts by 10-20 % from one minute to the next: comparing two versions means alternating them.
# Usage: bench/interleave.sh ROUNDS SECONDS NAME=CHECKOUT:VENV [NAME=CHECKOUT:VENV ...]
#   e.g. bench/interleave.sh 6 8 before=/tmp/old:/tmp/old/.venv after=.:.venv
# Each round starts one gunicorn per variant in turn (6 workers x 2 threads), warms it for 4 s, then runs wrk
# (16 connections, bench/submit.lua: a new visitor and citizen per submission) and prints req/s, p99 and the
# CPU per request of gunicorn and of the PostgreSQL backends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=$1 SECONDS_PER_RUN=$2
shift 2
source bench/portal_env.sh
dbname=${DATABASE_URL##*/}
URL="http://127.0.0.1:$PORT/demarches/nid-de-poule/"
for round in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    name=${spec%%=*} rest=${spec#*=}
    checkout=${rest%%:*} venv=${rest#*:}
    [[ $venv = /* ]] || venv=$checkout/$venv
    (cd "$checkout" && exec "$venv/bin/gunicorn" guichet.wsgi -w 6 --worker-class gthread --threads 2 \
      -b 127.0.0.1:$PORT --error-logfile "$GUICHET_VAR_DIR/gunicorn.log") &
    gunicorn=$!
    for _ in $(seq 1 50); do curl -sf -H "X-Real-IP: 192.0.2.1" -o /dev/null "http://127.0.0.1:$PORT/suivi/" && break; sleep 0.2; done
    curl -s -H "X-Real-IP: 192.0.2.1" -c "$GUICHET_VAR_DIR/cookies" -o /dev/null "$URL"
    export BENCH_CSRF=$(awk '/csrftoken/ {print $7}' "$GUICHET_VAR_DIR/cookies") BENCH_URL=$URL
    wrk -t2 -c16 -d4s -s bench/submit.lua "$URL" > /dev/null
    before=$(.venv/bin/python bench/cpu_ticks.py "$gunicorn" "$dbname")
    wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "$URL" > "$GUICHET_VAR_DIR/wrk.out"
    after=$(.venv/bin/python bench/cpu_ticks.py "$gunicorn" "$dbname")
    kill "$gunicorn"; wait "$gunicorn" 2>/dev/null || true
    .venv/bin/python - "$name" "$round" "$before" "$after" "$GUICHET_VAR_DIR/wrk.out" <<'PYEOF'
import re, sys
name, round_, before, after, out = sys.argv[1:]
text = open(out).read()
requests = int(re.search(r"(\d+) requests in", text).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p99 = re.search(r"99%\s+(\S+)", text).group(1)
(g0, p0), (g1, p1) = (map(float, value.split()) for value in (before, after))
print(f"{name:>12} round {round_}: {rate:7.1f} req/s, p99 {p99:>9}, CPU per request: "
      f"gunicorn {1000 * (g1 - g0) / requests:.2f} ms, PostgreSQL {1000 * (p1 - p0) / requests:.2f} ms")
PYEOF
  done
done

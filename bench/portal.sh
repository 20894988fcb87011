#!/usr/bin/env bash
# Public portal throughput: the tracking page and a web submission, with gunicorn, PostgreSQL and Redis.
# Usage: bench/portal.sh [duration-seconds]   (needs wrk, PostgreSQL and Redis on 127.0.0.1)
# Targets (2 cores, issue 18): tracking page >= 1,000 req/s; web submission >= 200 req/s with p99 < 300 ms at
# 16 connections, a distinct citizen per request. Besides wrk's figures, the CPU each request cost (gunicorn,
# its PostgreSQL backends, wrk itself) and the throughput two idle cores would give at that cost: the figure that
# holds on a machine shared with other work.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
export GUICHET_VAR_DIR=$(mktemp -d)
source bench/portal_env.sh
# The virtualenv to run: production's is made by Debian's python3 (docs/INSTALL.md), which is built with
# profile-guided and link-time optimisation; an interpreter built from source without them (pyenv's default) is
# about 10 % slower. BENCH_VENV=/path/to/venv runs another one (`python3 -m venv` + requirements.txt).
VENV=${BENCH_VENV:-.venv}
PY=$VENV/bin/python
echo "Python: $($PY -c 'import sys; print(sys.version.split()[0], sys._base_executable)')"
WORKERS=${BENCH_WORKERS:-$(( $(nproc) * 3 ))}  # as deploy/systemd/guichet-web.service
THREADS=${BENCH_THREADS:-2}   # gthread workers keep connections alive between requests

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
dbname=${DATABASE_URL##*/}
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS $dbname" -qc "CREATE DATABASE $dbname" >/dev/null
$PY manage.py migrate -v0
$PY manage.py createcachetable
$PY manage.py seed_demo >/dev/null
$PY manage.py load_ban_addresses tests/places/adresses-38-extrait.csv >/dev/null
$PY manage.py shell -v0 -c "
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.tickets.services import ticket_create
rt = RequestType.objects.get(slug='nid-de-poule')
c = Citizen.objects.create(first_name='Camille', last_name='Bench', email='bench@example.org')
refs = [ticket_create(request_type=rt, citizen=c, channel='web', answers=[]).reference for _ in range(200)]
open('$GUICHET_VAR_DIR/refs', 'w').write(refs[-1])
from django.core.cache import cache
from guichet.places.geocoding import address_search
cache.clear()
address_search('7 rue du moulin')  # the citizen's autocompletion offered the address the form sends
"
REF=$(cat "$GUICHET_VAR_DIR/refs")
# Production runs autovacuum; a CI machine may not (rows updated by every submission then pile up dead versions).
echo "PostgreSQL autovacuum: $(psql "${DATABASE_URL%/*}/postgres" -Atc 'show autovacuum')"

$VENV/bin/gunicorn guichet.wsgi -w "$WORKERS" --worker-class gthread --threads "$THREADS" -b 127.0.0.1:$PORT --error-logfile "$GUICHET_VAR_DIR/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
VISITOR="X-Real-IP: 192.0.2.1"
for _ in $(seq 1 50); do curl -sf -H "$VISITOR" -o /dev/null "http://127.0.0.1:$PORT/suivi/" && break; sleep 0.2; done

# Runs wrk, then prints its figures and what each request cost in CPU (ms) and what 2 idle cores would serve.
measure() {
  local before after wrk_cpu
  wrk "${@/#-d*/-d3s}" > /dev/null  # warm-up, not counted: every worker imports and compiles on its first requests
  before=$($PY bench/cpu_ticks.py "$GUNICORN" "$dbname")
  wrk_cpu=$( { /usr/bin/time -f "%U %S" wrk "$@" > "$GUICHET_VAR_DIR/wrk.out"; } 2>&1 | tail -1)
  after=$($PY bench/cpu_ticks.py "$GUNICORN" "$dbname")
  grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in" "$GUICHET_VAR_DIR/wrk.out"
  $PY - "$before" "$after" "$wrk_cpu" "$GUICHET_VAR_DIR/wrk.out" <<'PYEOF'
import re, sys
(g0, p0), (g1, p1) = (map(float, arg.split()) for arg in sys.argv[1:3])
wrk = sum(map(float, sys.argv[3].split()))
requests = int(re.search(r"(\d+) requests in", open(sys.argv[4]).read()).group(1))
per = {"gunicorn": (g1 - g0), "postgres backends": (p1 - p0), "wrk": wrk}
total = sum(per.values())
print("CPU per request: " + ", ".join(f"{name} {1000 * cpu / requests:.2f} ms" for name, cpu in per.items())
      + f"; total {1000 * total / requests:.2f} ms -> {2 * requests / total:.0f} req/s on 2 idle cores")
PYEOF
}

echo "== Tracking page /suivi/$REF/ ($WORKERS gunicorn workers × $THREADS threads, ${DURATION}s), load: $(cut -d' ' -f1-3 /proc/loadavg)"
measure -t2 -c32 -d"${DURATION}s" --latency -H "$VISITOR" "http://127.0.0.1:$PORT/suivi/$REF/"

FORM_URL="http://127.0.0.1:$PORT/demarches/nid-de-poule/"
COOKIES="$GUICHET_VAR_DIR/cookies"
curl -s -H "$VISITOR" -c "$COOKIES" -o /dev/null "$FORM_URL"
export BENCH_CSRF=$(awk '/csrftoken/ {print $7}' "$COOKIES")
export BENCH_URL=$FORM_URL
echo "== Web submission POST $FORM_URL (16 connections, a new visitor and citizen each time), load: $(cut -d' ' -f1-3 /proc/loadavg)"
before=$($PY manage.py shell -v0 -c "from guichet.tickets.models import Ticket; print(Ticket.objects.count())" | tail -1)
measure -t2 -c16 -d"${DURATION}s" --latency -s bench/submit.lua "$FORM_URL"
after=$($PY manage.py shell -v0 -c "from guichet.tickets.models import Ticket; print(Ticket.objects.count())" | tail -1)
echo "tickets created: $((after - before))"

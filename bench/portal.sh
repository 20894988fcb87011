#!/usr/bin/env bash
# Public portal throughput: the tracking page and a web submission, with gunicorn, PostgreSQL and Redis.
# Usage: bench/portal.sh [duration-seconds]   (needs wrk, PostgreSQL and Redis on 127.0.0.1)
# Targets (2 cores): tracking page >= 1,000 req/s, web submission >= 500 req/s.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
PORT=8899
export GUICHET_VAR_DIR=$(mktemp -d)
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/guichet_bench}
export CACHE_URL=${BENCH_CACHE_URL:-redis://127.0.0.1:6379/9}
export SITE_URL=http://127.0.0.1:$PORT
export GUICHET_SUBMIT_RATE=1000000/s
export LOG_LEVEL=WARNING PYTHONWARNINGS=ignore
PY=.venv/bin/python
WORKERS=${BENCH_WORKERS:-$(( $(nproc) * 2 ))}
THREADS=${BENCH_THREADS:-4}   # gthread workers keep connections alive between requests

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
dbname=${DATABASE_URL##*/}
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS $dbname" -qc "CREATE DATABASE $dbname" >/dev/null
$PY manage.py migrate -v0
$PY manage.py createcachetable
$PY manage.py seed_demo >/dev/null
$PY manage.py shell -v0 -c "
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.tickets.services import ticket_create
rt = RequestType.objects.get(slug='nid-de-poule')
c = Citizen.objects.create(first_name='Camille', last_name='Bench', email='bench@example.org')
refs = [ticket_create(request_type=rt, citizen=c, channel='web', answers=[]).reference for _ in range(200)]
open('$GUICHET_VAR_DIR/refs', 'w').write(refs[-1])
"
REF=$(cat "$GUICHET_VAR_DIR/refs")

.venv/bin/gunicorn guichet.wsgi -w "$WORKERS" --worker-class gthread --threads "$THREADS" -b 127.0.0.1:$PORT --access-logfile /dev/null --error-logfile "$GUICHET_VAR_DIR/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/suivi/" && break; sleep 0.2; done

echo "== Tracking page /suivi/$REF/ ($WORKERS gunicorn workers × $THREADS threads, ${DURATION}s)"
wrk -t2 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/suivi/$REF/" | grep -E "Requests/sec|Latency|99%|Non-2xx"

FORM_URL="http://127.0.0.1:$PORT/demarches/nid-de-poule/"
COOKIES="$GUICHET_VAR_DIR/cookies"
curl -s -c "$COOKIES" -o /dev/null "$FORM_URL"
export BENCH_CSRF=$(awk '/csrftoken/ {print $7}' "$COOKIES")
export BENCH_URL=$FORM_URL
echo "== Web submission POST $FORM_URL"
before=$($PY manage.py shell -v0 -c "from guichet.tickets.models import Ticket; print(Ticket.objects.count())" | tail -1)
wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/submit.lua "$FORM_URL" | grep -E "Requests/sec|Latency|99%|Non-2xx"
after=$($PY manage.py shell -v0 -c "from guichet.tickets.models import Ticket; print(Ticket.objects.count())" | tail -1)
echo "tickets created: $((after - before))"

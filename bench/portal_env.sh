# The environment of the public portal's benches (sourced by bench/portal.sh and bench/interleave.sh): gunicorn
# on 127.0.0.1:$PORT, PostgreSQL and Redis on this machine, production's rate limits per visitor.
PORT=8899
export GUICHET_VAR_DIR=${GUICHET_VAR_DIR:-$(mktemp -d)}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/guichet_bench}
export CACHE_URL=${BENCH_CACHE_URL:-redis://127.0.0.1:6379/9}
export SITE_URL=http://127.0.0.1:$PORT
# As deployed (deploy/env.example, deploy/nginx/guichet-proxy.conf): nginx passes each visitor's address in
# X-Real-IP and the rate limits count per visitor, at their production rates. wrk plays a new visitor per
# submission (bench/submit.lua), and one visitor reloading the tracking page.
export RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP
unset GUICHET_SUBMIT_RATE GUICHET_LOOKUP_RATE
export LOG_LEVEL=WARNING PYTHONWARNINGS=ignore
# No network here: the BAN API fails once, pauses, and addresses come from the offline index (bench/portal.sh).
export GUICHET_BAN_API_URL=http://127.0.0.1:9

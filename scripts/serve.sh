#!/usr/bin/env bash
# `make run` / `make serve`: the web server and, on the embedded default (no REDIS_URL), a Celery
# worker with beat on the filesystem broker (settings JICENG_LOCAL_WORKER), so that dashboards refresh
# on schedule as in production. With REDIS_URL, run `make worker` and `make beat` yourself.
# JICENG_LOCAL_WORKER=0 keeps the old behaviour (tasks run eagerly inside the request, no schedule).
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
worker=""
stop() {
  if [ -n "$worker" ]; then
    kill "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
}
if [ -z "${REDIS_URL:-}" ] && [ "${JICENG_LOCAL_WORKER:-1}" = "1" ]; then
  export JICENG_LOCAL_WORKER=1
  dir=${JICENG_CELERY_DIR:-var/celery}
  mkdir -p "$dir/queue" "$dir/processed" "$dir/results" "$dir/control"
  # One process: SQLite has one writer at a time anyway. Beat's schedule is kept in the database.
  "$(dirname "$PY")/celery" -A config worker --beat --concurrency 1 --loglevel warning \
    --logfile "$dir/worker.log" &
  worker=$!
  trap stop EXIT INT TERM
  echo "Celery worker with beat (filesystem broker) started, log in $dir/worker.log"
fi
echo "Serving on http://$HOST:$PORT/ (Ctrl-C to stop)"
"$PY" manage.py runserver "$HOST:$PORT"

#!/usr/bin/env bash
# Serves QMS for real: gunicorn (gunicorn.conf.py) and the job workers side by side, until either stops.
# `make serve` runs it after set-up, migrations and `qms search ensure`; a service manager may run it directly.
# Ctrl-C or TERM stops both (gunicorn finishes the requests it is answering); if one exits, the other is stopped.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
JOB_WORKERS="${QMS_JOB_WORKERS:-2}"
export QMS_PIDFILE="${QMS_PIDFILE:-instance/gunicorn.pid}"
export QMS_LOG_FORMAT="${QMS_LOG_FORMAT:-json}"  # the job workers' logs too, like gunicorn's

web="" jobs=""
stop() {
	trap - INT TERM
	[ -n "$web" ] && kill -TERM "$web" 2>/dev/null
	[ -n "$jobs" ] && kill -TERM "$jobs" 2>/dev/null
	wait
}
trap 'stop; exit 143' INT TERM

"$BIN/gunicorn" -c gunicorn.conf.py wsgi:app &
web=$!
"$BIN/flask" --app wsgi qms worker --workers "$JOB_WORKERS" &
jobs=$!

wait -n
status=$?
echo "serve: a process stopped (status $status); stopping the other" >&2
stop
exit "$status"

#!/usr/bin/env bash
# The health check people copy from blog posts, kept faithful on purpose: it is the baseline
# that tests/perf/bench.py measures release-check against, so do not "fix" it.
#
#   start the server in the background;
#   while ! nc -z $HOST $PORT; do kill -0 $PID || exit 1; sleep 1; done
#   curl the health path; compare; kill the server.
#
# Usage: baseline.sh PORT 'APP COMMAND'   (the command may use $PORT, as a Procfile does)
# Needs: bash, nc (netcat-openbsd, for -z) and curl.
set -u

PORT=$1
COMMAND=$2
HOST=${HOST:-127.0.0.1}
HEALTH_PATH=${HEALTH_PATH:-/health_check}
EXPECTED_STATUS=${EXPECTED_STATUS:-200}
EXPECTED_BODY=${EXPECTED_BODY:-OKAY}
export PORT

bash -c "$COMMAND" &
PID=$!

while ! nc -z "$HOST" "$PORT"; do
    kill -0 "$PID" 2>/dev/null || { echo "FAILED: the app exited before listening"; exit 1; }
    sleep 1
done

RESPONSE=$(curl -s -w '\n%{http_code}' "http://$HOST:$PORT$HEALTH_PATH")
STATUS=${RESPONSE##*$'\n'}
BODY=${RESPONSE%$'\n'*}
kill "$PID"

if [ "$STATUS" = "$EXPECTED_STATUS" ] && [ "$BODY" = "$EXPECTED_BODY" ]; then
    echo "PASSED: GET $HEALTH_PATH -> $STATUS $BODY"
    exit 0
fi
echo "FAILED: GET $HEALTH_PATH -> $STATUS $BODY, expected $EXPECTED_STATUS $EXPECTED_BODY"
exit 1

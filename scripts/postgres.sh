#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the storage and search tests.
#
#   bash scripts/postgres.sh start   # install Debian's postgresql if missing, start the cluster (idempotent)
#   bash scripts/postgres.sh stop    # stop it
#   bash scripts/postgres.sh url     # print the URL the tests use (QUOTES_TEST_PG)
#
# The cluster lives in $QUOTES_PG_DIR (default /tmp/quotes-pg), belongs to the postgres system
# user, listens on 127.0.0.1:$QUOTES_PG_PORT (default 54329) only, and trusts local connections:
# it is for tests, never for data you want to keep.
set -euo pipefail

PORT="${QUOTES_PG_PORT:-54329}"
DIR="${QUOTES_PG_DIR:-/tmp/quotes-pg}"
URL="postgresql://postgres@127.0.0.1:${PORT}/postgres"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

pg_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$found" ] && echo "$found"
}

install_if_missing() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  fi
  # unaccent ships with the server package on Debian (postgresql-contrib on older releases).
  if ! ls /usr/share/postgresql/*/extension/unaccent.control >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-contrib >/dev/null
  fi
}

start() {
  install_if_missing
  local bin
  bin="$(pg_bin)"
  id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    chown postgres "$DIR"
    chmod 700 "$DIR"
    as_postgres "$bin/initdb" -D "$DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_postgres "$bin/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    :
  else
    as_postgres "$bin/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
  fi
  "$bin/pg_isready" -h 127.0.0.1 -p "$PORT" -t 30 >/dev/null
  echo "postgres.sh: PostgreSQL ready at $URL" >&2
}

stop() {
  local bin
  bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$DIR/PG_VERSION" ]; then
    as_postgres "$bin/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Make sure the Redis and PostgreSQL the test suite talks to are running.
#   Redis:      $SWARM_TEST_REDIS_URL    (default redis://127.0.0.1:6379/0)
#   PostgreSQL: $SWARM_TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
# When either variable is set, that server is yours to run and this script leaves it alone.
# Otherwise it starts local servers, installing them from Debian's packages if they are
# missing (needs root). Idempotent: does nothing when both already answer.
set -euo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
need_redis=$([ -z "${SWARM_TEST_REDIS_URL:-}" ] && echo 1 || echo 0)
need_pg=$([ -z "${SWARM_TEST_DATABASE_URL:-}" ] && echo 1 || echo 0)

if { [ "$need_redis" = 1 ] && ! command -v redis-server >/dev/null; } ||
   { [ "$need_pg" = 1 ] && ! command -v pg_ctlcluster >/dev/null; }; then
  if [ "$(id -u)" != 0 ]; then
    echo "services: redis-server and PostgreSQL are needed; install them (apt-get install" \
         "redis-server redis-tools postgresql) or set SWARM_TEST_REDIS_URL / SWARM_TEST_DATABASE_URL" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools postgresql >/dev/null
fi

if [ "$need_redis" = 1 ] && ! redis_up; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/swarm-tests.log
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
fi

if [ "$need_pg" = 1 ]; then
  if ! pg_up; then
    ver=$(ls /etc/postgresql | sort -n | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 100); do pg_up && break; sleep 0.1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    # loopback connections use trust auth, as the tests expect
    ver=$(ls /etc/postgresql | sort -n | tail -1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    su postgres -c "psql -qc 'select pg_reload_conf()'" >/dev/null
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test'
fi

{ [ "$need_redis" = 0 ] || redis_up; } && { [ "$need_pg" = 0 ] || pg_up; } \
  && echo "services: Redis and PostgreSQL for the tests are up"

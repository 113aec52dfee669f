#!/usr/bin/env bash
# Makes a PostgreSQL server available for the test suite on 127.0.0.1:5432 (or uses
# TEST_DATABASE_URL). On a fresh Debian machine it installs and starts Debian's
# postgresql package with trust authentication on loopback. Never touches a server that
# already answers.
set -euo pipefail
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then exit 0; fi
answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if answers; then exit 0; fi
if compgen -G "/etc/postgresql/*/main" >/dev/null && command -v pg_ctlcluster >/dev/null; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do answers && exit 0; sleep 1; done
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "ensure-postgres: no PostgreSQL on 127.0.0.1:5432 and cannot install one (need root on Debian); set TEST_DATABASE_URL" >&2
  exit 1
fi
echo "ensure-postgres: installing PostgreSQL from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq postgresql >/dev/null
ver=$(ls /etc/postgresql | sort -V | tail -1)
conf=/etc/postgresql/$ver/main
# Tests connect as postgres over TCP on loopback without a password.
sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/' "$conf/pg_hba.conf"
pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
for _ in $(seq 1 30); do answers && exit 0; sleep 1; done
echo "ensure-postgres: PostgreSQL did not come up" >&2
exit 1

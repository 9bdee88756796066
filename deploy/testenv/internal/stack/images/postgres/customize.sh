#!/bin/sh
# mmdebstrap customize hook of the PostgreSQL image: $1 is the root file system.
set -eu
root="$1"
here="$(dirname "$0")"
major=17

# Debian creates a cluster at installation; the entry point makes one in $PGDATA instead.
rm -rf "$root/etc/postgresql/$major/main" "$root/var/lib/postgresql/$major/main"

# Every cluster initdb makes listens on all addresses, as the official image's do.
sed -ri "s/^#?(listen_addresses)[[:space:]]*=[[:space:]]*[^[:space:]]+/\1 = '*'/" \
	"$root/usr/share/postgresql/$major/postgresql.conf.sample"
grep -q "^listen_addresses = '\*'" "$root/usr/share/postgresql/$major/postgresql.conf.sample"

# /var/run links to /run by an absolute link: name the target, not the host's /run. The
# recipe skips mmdebstrap's cleaning of /run, done here instead, but for the server's sockets.
find "$root/run" -mindepth 1 -maxdepth 1 ! -name lock ! -name postgresql -exec rm -rf {} +
mkdir -p "$root/run/postgresql" "$root/var/lib/postgresql/data" "$root/docker-entrypoint-initdb.d"
chown 999:999 "$root/run/postgresql" "$root/var/lib/postgresql/data"
chmod 3777 "$root/run/postgresql"
chmod 1777 "$root/var/lib/postgresql/data"

install -m 0755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"

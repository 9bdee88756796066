#!/bin/bash
# Entry point of the sandbox's PostgreSQL image, doing what the official image's does for
# what Basalt's chart uses: on a first start it creates the cluster in $PGDATA with the
# superuser $POSTGRES_USER (password $POSTGRES_PASSWORD) and the database $POSTGRES_DB,
# runs /docker-entrypoint-initdb.d/*.sql, *.sql.gz and *.sh once, then runs the server as
# postgres (uid 999), listening on every address.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
	exec "$@"
fi
: "${PGDATA:?PGDATA must name the data directory}"

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /run/postgresql
	chown postgres:postgres "$PGDATA" /run/postgresql
	chmod 0700 "$PGDATA"
	chmod 3777 /run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"

init_database() {
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
		echo "postgres: POSTGRES_PASSWORD is empty: set it (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
		exit 1
	fi
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA" || true
	# shellcheck disable=SC2086 # the official image splits POSTGRES_INITDB_ARGS too
	initdb --username="$user" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") ${POSTGRES_INITDB_ARGS:-}
	printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"

	# A server on the socket alone while the scripts run: nobody connects half-way.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
	local psql=(psql -v ON_ERROR_STOP=1 --username "$user" --no-password --no-psqlrc)
	if [ "$db" != postgres ]; then
		"${psql[@]}" --dbname postgres --set db="$db" <<<'CREATE DATABASE :"db";'
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh) echo "postgres: running $f" && . "$f" ;;
		*.sql) echo "postgres: running $f" && "${psql[@]}" --dbname "$db" -f "$f" ;;
		*.sql.gz) echo "postgres: running $f" && gunzip -c "$f" | "${psql[@]}" --dbname "$db" ;;
		*"/*") ;; # the folder is empty
		*) echo "postgres: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo "postgres: cluster initialised in $PGDATA"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	init_database
fi
exec "$@"

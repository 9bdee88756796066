#!/bin/sh
# mmdebstrap essential hook of the PostgreSQL image: $1 is the root file system. The
# account exists before postgresql-common's installation finds it, with the official
# image's ids (999), which the chart's fsGroup names.
set -eu
root="$1"
echo 'postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/bash' >>"$root/etc/passwd"
echo 'postgres:x:999:' >>"$root/etc/group"

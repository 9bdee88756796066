#!/bin/sh
# mmdebstrap customize hook of the Jupyter image: $1 is the root file system.
set -eu
root="$1"
here="$(dirname "$0")"

# jovyan (uid 1000, primary group users), as in the Jupyter Docker Stacks.
echo 'jovyan:x:1000:100:Jupyter user:/home/jovyan:/bin/bash' >>"$root/etc/passwd"
mkdir -p "$root/home/jovyan/work"
chown -R 1000:100 "$root/home/jovyan"
chmod 2775 "$root/home/jovyan" "$root/home/jovyan/work"

install -m 0755 "$here/start-notebook.py" "$root/usr/local/bin/start-notebook.py"

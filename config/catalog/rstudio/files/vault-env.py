"""Print the keys of the secret the user picked as shell export lines, for vault-env.sh to
eval before the service starts, so that the server and every process it starts see them.

The secret is VAULT_RELATIVE_PATH under VAULT_TOP_DIR in the KV v2 engine VAULT_MOUNT of
VAULT_ADDR, read with VAULT_TOKEN (as Onyxia's images read it). Values go only to standard
output, which the shell captures; problems go to standard error, one line each, and never
stop the service. Python 3's standard library only: it is in every image that has python3.
"""

import json
import os
import re
import shlex
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
TIMEOUT_SECONDS = 10


def secret_url(env):
    parts = [env.get("VAULT_MOUNT", ""), "data", env.get("VAULT_TOP_DIR", ""), env["VAULT_RELATIVE_PATH"]]
    path = "/".join(p.strip("/") for p in parts if p.strip("/"))
    return env["VAULT_ADDR"].rstrip("/") + "/v1/" + urllib.parse.quote(path)


def read_secret(env):
    """The secret's keys and values; raises OSError or ValueError saying why not."""
    request = urllib.request.Request(secret_url(env), headers={"X-Vault-Token": env.get("VAULT_TOKEN", "")})
    # VAULT_CACERT is the Vault CLI's way to trust a private certificate authority.
    context = ssl.create_default_context(cafile=env.get("VAULT_CACERT") or None)
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=context) as response:
        answer = json.load(response)
    data = (answer.get("data") or {}).get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise ValueError("the answer holds no secret (is the engine KV version 2?)")
    return data


def failure(err):
    """A short reason for the log: an HTTP status, else what went wrong, never a value."""
    if isinstance(err, urllib.error.HTTPError):
        return f"{err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        err = err.reason
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def as_text(value):
    return value if isinstance(value, str) else json.dumps(value)


def main():
    env = os.environ
    path = env.get("VAULT_RELATIVE_PATH", "").strip("/")
    if not path or not env.get("VAULT_ADDR"):
        return
    try:
        data = read_secret(env)
    except (OSError, ValueError) as err:
        print(f"basalt: could not read the secret {path} from Vault: {failure(err)}", file=sys.stderr)
        return
    skipped = sorted(key for key in data if not ENV_NAME.match(key))
    if skipped:
        print(f"basalt: keys of the secret {path} that are not environment variable names, not exported: "
              + ", ".join(json.dumps(key) for key in skipped), file=sys.stderr)
    for key in sorted(data):
        if ENV_NAME.match(key):
            print(f"export {key}={shlex.quote(as_text(data[key]))}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Start Debian's Jupyter Notebook as the Jupyter Docker Stacks' start-notebook.py starts
their server: on every address, port $JUPYTER_PORT (8888), no browser, its token from
$JUPYTER_TOKEN (read by the Notebook itself, so that it stays out of the process list).

Debian's server is the classic Notebook (NotebookApp); the charts speak Jupyter Server's
options (ServerApp): they are renamed here.
"""
import os
import sys

RENAMED = {"root_dir": "notebook_dir"}


def notebook_option(arg):
    prefix = "--ServerApp."
    if not arg.startswith(prefix):
        return arg
    name, sep, value = arg[len(prefix):].partition("=")
    return "--NotebookApp." + RENAMED.get(name, name) + sep + value


def main():
    port = os.environ.get("JUPYTER_PORT", "8888")
    args = ["jupyter", "notebook", "--no-browser", "--ip=0.0.0.0", "--port=" + port]
    args += [notebook_option(a) for a in sys.argv[1:]]
    os.execvp(args[0], args)


if __name__ == "__main__":
    main()

"""``barenet serve [MODEL]``: a local web page to draw a letter and watch the network read it."""

from __future__ import annotations

import argparse
import sys

from ._common import host, nonempty_path, port

ORDER = 70
HELP = "serve a page to draw letters and see the prediction and feature maps (needs barenet[web])"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", type=nonempty_path, default=None,
                   help="a model file written by barenet train (default: the letters model shipped with barenet)")
    p.add_argument("--host", type=host, default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; the page has no login)")
    p.add_argument("--port", type=port, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    p.add_argument("--quiet", action="store_true", help="do not print a line per request")


def run(args: argparse.Namespace) -> int:
    from ..._optional import require

    for module in ("PIL.Image", "starlette", "uvicorn", "threadpoolctl"):  # fail now, not on the first drawing
        require(module, "web")
    from ...web import DEFAULT_MODEL
    from ...web.server import make_server, only_this_machine, serve_until_interrupted

    path = args.model or str(DEFAULT_MODEL)
    server = make_server(path, args.host, args.port, log=None if args.quiet else sys.stderr)
    print(f"Serving {server.predictor.name} on {server.url} (Ctrl-C to stop)", flush=True)
    if not only_this_machine(args.host):
        print(f"barenet serve: warning: listening on {args.host!r}, so other machines can reach the page, "
              "which has no login; use --host 127.0.0.1 to keep it to this machine", file=sys.stderr, flush=True)
    serve_until_interrupted(server)
    print("Stopped.")
    return 0

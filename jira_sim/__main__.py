"""``python -m jira_sim --port N [--host H] [--seed FILE] [--deployment cloud|datacenter] [--prefix P] [--site-url U]``.

Without ``--seed`` the demo seed is served. Runs until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from jira_sim.seed import demo_seed, read_seed_file
from jira_sim.server import SimulatorServer


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jira_sim", description="Simulated Jira site")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", help="seed JSON file (default: the demo seed)")
    parser.add_argument("--deployment", choices=("cloud", "datacenter"), default="cloud")
    parser.add_argument("--prefix", default="", help="serve every route under this path, e.g. /jira or /ex/jira/CLOUD-ID")
    parser.add_argument("--site-url", help="the site's own URL that serverInfo names (default: the served URL)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    seed = read_seed_file(args.seed) if args.seed else demo_seed()
    server = SimulatorServer(seed, deployment=args.deployment, host=args.host, port=args.port, prefix=args.prefix,
                             site_url=args.site_url)

    def stop(signum: int, frame: FrameType | None) -> None:  # the handler only asks; shutdown must run outside serve_forever's thread
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"jira simulator ({args.deployment}) on http://{args.host}:{args.port}{args.prefix}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

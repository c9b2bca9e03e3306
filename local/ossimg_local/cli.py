"""``ossimg``: the local cloud's command line. Each command is a thin wrapper."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ossimg`` console script."""
    parser = argparse.ArgumentParser(prog="ossimg", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    emu = commands.add_parser("emulator", help="serve the local OSS emulator in the foreground")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    emu.add_argument("--data", type=Path, required=True, help="data directory (kept across restarts)")
    emu.add_argument("--access-key-id", default="LTAI-local")
    emu.add_argument("--access-key-secret", default="local-secret")
    emu.add_argument("--region", default="cn-hangzhou")
    emu.add_argument("--no-fsync", action="store_true", help="faster, but a power loss may lose writes")

    demo = commands.add_parser("demo", help="run the sample events through on_upload on a fresh emulator")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="where produced variants are kept")
    demo.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    demo.add_argument("--event", type=Path, action="append", help="an event file (default: all of events/)")

    args = parser.parse_args(argv)
    if args.command == "emulator":
        from .emulator.backend import Backend
        from .emulator.server import serve_forever

        args.data.mkdir(parents=True, exist_ok=True)
        backend = Backend.open(
            args.data, args.access_key_id, args.access_key_secret, region=args.region, durable=not args.no_fsync
        )
        serve_forever(backend, args.host, args.port)
        return 0
    if args.command == "demo":
        from .demo import default_events, reset_out, run_demo

        root = args.root.resolve()
        reset_out(args.out)
        return run_demo(root, args.out, [p.resolve() for p in args.event] if args.event else default_events(root))
    return 2


if __name__ == "__main__":
    sys.exit(main())

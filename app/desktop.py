"""Opening the desktop app; until the studio window lands, an overview of the command line."""

from __future__ import annotations

import argparse


def open_desktop(args: argparse.Namespace) -> int:
    from app.cli.parser import build_parser

    build_parser().print_help()
    return 0

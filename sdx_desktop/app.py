"""Command-line entry point of SDX Desktop."""

from __future__ import annotations

import argparse
import sys

from sdx_desktop import APP_NAME, __version__


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sdx-desktop", description=f"{APP_NAME}")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    parse_args(argv)
    print(f"{APP_NAME} {__version__}")
    print("Try it against the local practice server: sdx-sandbox --sample small")
    return 0


def run() -> int:
    return main(sys.argv[1:])

"""Entry point of the frozen executable (PyInstaller runs this file as ``__main__``)."""

import sys

from sdx_desktop.app import run

if __name__ == "__main__":
    sys.exit(run())

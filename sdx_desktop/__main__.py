import sys

from sdx_desktop.app import run

sys.exit(run())

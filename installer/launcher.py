"""Entry point of both frozen executables: the windowed ``KIK`` and the console ``kik-desktop-cli``."""

import sys

from kik_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())

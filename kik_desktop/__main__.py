"""``python -m kik_desktop``: the same as the kik-desktop command."""

import sys

from kik_desktop.cli import main

sys.exit(main())

"""``python -m jiguan`` — see `jiguan.cli`."""

import sys

from jiguan.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m export ...` is `genreclf export ...`."""

import sys

from export.cli import main

sys.exit(main(sys.argv[1:]))

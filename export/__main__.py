"""`python -m genreclf.export ...` is `genreclf export ...`."""

import sys

from genreclf.export.cli import main

sys.exit(main(sys.argv[1:]))

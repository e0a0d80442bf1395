"""`python -m genreclf` runs the command-line interface."""

import sys

from genreclf.cli import main

sys.exit(main())

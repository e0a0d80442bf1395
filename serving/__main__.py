"""`python -m serving MODELS_DIR ...`: the same as `genreclf serve MODELS_DIR ...`."""

import sys

from serving.cli import main

sys.exit(main(sys.argv[1:]))

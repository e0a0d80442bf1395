"""`python -m genreclf.serving MODELS_DIR ...`: the same as `genreclf serve MODELS_DIR ...`."""

import os
import sys

from genreclf.serving.cli import main

code = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.flush()
# Everything is stopped and flushed: skip TensorFlow's C++ teardown, which takes
# seconds at interpreter exit and would delay a SIGTERM'd server's exit.
os._exit(code)

"""`python -m genreclf.augment ...` is `genreclf augment ...`."""

import sys

from genreclf.augment.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``python -m dms``: the ``dms`` command, for an environment where its script is not on the PATH."""

import sys

from dms.cli import main

if __name__ == "__main__":
    sys.exit(main())

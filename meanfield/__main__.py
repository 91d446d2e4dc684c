"""``python -m meanfield``: the same as the ``meanfield`` command."""

import sys

from .cli.main import main

sys.exit(main())

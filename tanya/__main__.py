"""``python -m tanya``: the `tanya` command."""

import sys

from tanya.cli import main

sys.exit(main())

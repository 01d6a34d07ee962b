"""``python -m harvest``: the command line (see ``harvest.cli``)."""

from __future__ import annotations

from harvest.cli import main

raise SystemExit(main())

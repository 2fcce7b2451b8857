"""``python -m server.cli``: the ``madoguchi`` command without its installed script."""

from server.cli import main

raise SystemExit(main())

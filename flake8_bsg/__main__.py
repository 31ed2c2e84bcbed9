"""``python -m flake8_bsg``: the same as the ``flake8-bsg`` command."""

from flake8_bsg.cli import main

raise SystemExit(main())

"""``python -m minerestore``: the ``minerestore`` command (:mod:`minerestore.cli`)."""

from minerestore.cli import main

raise SystemExit(main())

"""`python -m app.cli <command>`: the same as `jira-sync` and `python entrypoint.py`."""

from app.cli import main

raise SystemExit(main())

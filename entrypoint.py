"""`python entrypoint.py <command>`: see app/cli.py (validate, render, run, reload, status, plan, demo)."""

from app.cli import main

raise SystemExit(main())

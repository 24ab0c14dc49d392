"""`python entrypoint.py <command>`, the same as the `jira-sync` console script: see app/cli."""

from app.cli import main

raise SystemExit(main())

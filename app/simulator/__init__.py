"""A simulated Jira site (Cloud REST v3/v2, Data Center v2) for tests, benchmarks and the demo.

Start it with ``SimulatorServer(demo_seed()).start()`` or ``python -m app.simulator --port N``.
Modules: ``site`` (state), ``model``, ``workflow``, ``issues``/``extras`` (operations),
``jql``/``jql_eval``/``search``/``search_index`` (search), ``render`` (JSON shapes),
``auth``, ``faults`` (knobs), ``requestlog``, ``routes_*`` (blueprints), ``routes_admin``
(the ``/_sim/`` test API, documented there), ``seed`` (seed format, ``demo_seed``), ``server``.

Deliberately not simulated: changelogs, worklogs, webhooks, sub-tasks, custom fields, screens
beyond the resolution on done transitions, JQL beyond the subset in ``jql``, OAuth, the Cloud
attachment media redirect, per-user or per-endpoint rate-limit buckets.
"""

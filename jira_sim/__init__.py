"""jira_sim: a simulated Jira site (Cloud REST v3/v2, Data Center v2) for tests, benchmarks and the demo.

A tool next to the product, not part of it. Start it with ``SimulatorServer(demo_seed()).start()``
or ``python -m jira_sim --port N [--prefix /jira] [--site-url URL]``; :data:`seed.BOT` and
:data:`seed.HUMAN` are the demo's accounts.

Modules: ``server`` (``SimulatorServer``: prefix, site URL, Cloud's media host), ``app`` (the
Flask app and its gate), ``site`` (state: issues, search index, request log), ``model``
(records, workflows), ``issues``/``extras`` (operations), ``jql``/``search`` (JQL parsing,
evaluation, paging), ``render`` (JSON shapes), ``formats`` (timestamps, ADF), ``errors``,
``knobs`` (latency, lag, rate limits, size limits, faults), ``routes_*`` (blueprints;
``routes_common`` authenticates and decides what anonymous callers get, ``routes_attachments``
also serves the media host), ``routes_admin`` (the ``/_sim/`` test API, documented there),
``seed`` (seed format, ``demo_seed``, the accounts).

Comments and fields as docs/JIRA-BEHAVIOUR.md describes them: ``catalog`` (custom fields, project
types, components, versions, screens; filled by ``setup`` from the seed or ``routes_setup``),
``servicedesk`` (public/internal, visibility) with ``routes_servicedesk`` (request comments),
``editing``/``values`` (``PUT /issue`` and field values), ``editmeta`` with ``routes_fields``
(edit and create metadata, changelogs), ``changelog``, ``render_fields``.

Deliberately not simulated: worklogs, webhooks, sub-tasks, permission schemes, required custom
fields, transition screens beyond the resolution on done transitions, JQL beyond the subset in ``jql``, OAuth, CAPTCHA
after failed logins (``X-Seraph-LoginReason: AUTHENTICATION_DENIED``), the points-based hourly
quota, per-user or per-endpoint burst buckets.
"""

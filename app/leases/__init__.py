"""Pair leases: each pair syncs in exactly one bundle at a time, whatever runs beside it.

- `ticket`  the hand-off file between a bundle's keeper and its workers (standard library only,
            so that a standby worker stays small);
- `assign`  which live bundle should hold which pair (pure);
- `decide`  what a keeper does about each pair this tick, and `live_and_mine`, the one rule for
            "this lease is live and mine" (pure);
- `view`    where a pair runs as one bundle sees it (pure);
- `store`   the leases and the bundles' own beats in the control database;
- `keeper`  the program (`python -m app.leases.keeper`) that acquires and hands over leases.

A worker holds its pair's lease while it syncs: a thread of its own (app.leases.held, apart from
the heartbeat's) renews it every min(HEARTBEAT_INTERVAL, LEASE_SECONDS / 3) seconds, and the
worker stops acting, finishing no further Jira write, once it cannot prove the lease is still
its own (app.leases.guard); every write to the pair's database carries the lease's fence, so a holder
that woke up late cannot overwrite its successor (app.sync.store).
"""

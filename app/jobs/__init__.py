"""Background jobs: checking and publishing uploads, in threads of the web process or on a
durable queue in the PostgreSQL catalog run by `otkrito worker` processes (docs/jobs.md).

`mode` chooses between the two (OTKRITO_JOBS), `run` starts a job and waits for it the way the
caller wants, `queue` is procrastinate's App over the catalog database, `tasks` what a worker
runs, and `worker` the loop `otkrito worker` runs until it is told to stop.
"""

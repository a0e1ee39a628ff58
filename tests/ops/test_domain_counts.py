"""The domain's counts reach /metrics: publishes by outcome with their duration, SQL API queries
and their time-outs (read through prometheus-client's parser, before and after)."""
from __future__ import annotations

from urllib.parse import urlencode

from app.jobs.scheduler import owner_name, run_due
from app.jobs.tasks import run_publish
from app.ops.metrics import exposition
from app.web.asgi import create_asgi
from datasets.sources import set_source
from datasets.uploads import claim_for_publishing, get_job
from tests.app.staff.staff_world import World
from tests.conftest import free_port
from tests.ops.asgi_calls import call, count

ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def test_a_publish_is_counted_with_its_outcome_and_duration(world: World) -> None:
    before = exposition().decode()
    claim_for_publishing(world.portal.engine, world.job_a)
    run_publish(world.portal, world.job_a, notes="counted", actor="test")
    assert get_job(world.portal.engine, world.job_a).state == "published"
    after = exposition().decode()

    def grew(name: str, **labels: str) -> float:
        return count(after, name, **labels) - count(before, name, **labels)

    assert grew("otkrito_publishes_total", outcome="published") == 1
    assert grew("otkrito_publishes_total", outcome="failed") == 0
    assert grew("otkrito_publish_duration_seconds_count", outcome="published") == 1


def test_sql_queries_and_their_time_outs_are_counted(world: World) -> None:
    app = create_asgi({"INSTANCE": str(world.portal.instance.root), "SECRET_KEY": "test-secret",
                       "SQL_TIME_LIMIT_MS": 200})
    before = call(app, "/metrics").text
    fine = call(app, "/sql/a-data.json", query=urlencode({"sql": "select 1 as one"}))
    # Without end: no CPU finishes it, so only the time limit answers.
    stopped = call(app, "/sql/a-data.json", query=urlencode({"sql": ENDLESS}))
    after = call(app, "/metrics").text
    assert (fine.status, stopped.status) == (200, 400)
    assert "too long" in stopped.text
    assert count(after, "otkrito_sql_queries_total") - count(before, "otkrito_sql_queries_total") == 2
    assert count(after, "otkrito_sql_timeouts_total") - count(before, "otkrito_sql_timeouts_total") == 1
    assert count(after, "otkrito_http_requests_total", route="/sql/*", status="400") \
        - count(before, "otkrito_http_requests_total", route="/sql/*", status="400") == 1


def test_a_scheduled_fetch_is_counted_by_its_outcome(world: World) -> None:
    # Loopback is refused without OTKRITO_FETCH_ALLOW: the check fails before any connection.
    set_source(world.portal.engine, "a-data", f"http://127.0.0.1:{free_port()}/data.csv", actor="test")
    before = exposition().decode()
    done = run_due(world.portal, owner_name())
    after = exposition().decode()
    assert [slug for slug, _check in done] == ["a-data"]
    outcome = str(done[0][1].outcome)
    assert count(after, "otkrito_source_fetches_total", outcome=outcome) \
        - count(before, "otkrito_source_fetches_total", outcome=outcome) == 1

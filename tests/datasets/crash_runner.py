"""Run one publish and SIGKILL ourselves at the N-th traced line of the project's code.

Used by test_crash.py. Counting line events of our own modules gives kill points spread over
every step of a publish (reading, validating, building SQLite, packaging, the rename, the commit)
without any test hook in the production code.

usage: crash_runner.py INSTANCE DATASET FILE KILL_AT   (KILL_AT -1: only count, print JSON)
"""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACED = tuple(str(ROOT / pkg) + os.sep for pkg in ("datasets", "publishers", "metadata"))


def main() -> None:
    instance_dir, dataset, file, kill_at = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    from app.state import open_portal
    from datasets.publish import PUBLISH_STEPS, Upload, publish

    portal = open_portal({"INSTANCE": instance_dir, "DATABASE_URL": None})
    step_names = {step.__name__ for step in PUBLISH_STEPS}
    count = 0
    step_starts: dict[str, int] = {}

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        if not frame.f_code.co_filename.startswith(TRACED):
            return None
        if event == "call" and frame.f_code.co_name in step_names:
            step_starts.setdefault(frame.f_code.co_name, count)
        if event == "line":
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return tracer

    sys.settrace(tracer)
    outcome = publish(portal.instance, portal.engine, Upload(file, file.name), dataset=dataset)
    sys.settrace(None)
    print(json.dumps({"lines": count, "steps": step_starts, "version": outcome.version}))


if __name__ == "__main__":
    main()

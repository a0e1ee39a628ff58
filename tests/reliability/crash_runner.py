"""Run publishes and SIGKILL them at the N-th traced line: used by test_crash.py.

Counting line events of the project's own code, in the publish's thread and the one that
packages in the background (and SQLAlchemy's while the catalog row is committed), gives kill
points in every step of a publish without any hook in production code.
Each line is tagged with the part of the publish it belongs to, from the step on the stack and
the module running: prepare, reading, validating, sqlite, package, rename, commit, after.

usage:
  crash_runner.py count DATASET FILE INSTANCE    print {"lines", "phases", "marks"} as JSON
  crash_runner.py serve DATASET FILE             for each "INSTANCE KILL_AT" line on stdin,
                                                 fork a child that publishes and kills itself
                                                 at that line; answer {"signal", "code"}
The serving runner imports everything once, so a kill point costs a fork, not an interpreter.
"""
from __future__ import annotations

import inspect
import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OURS = tuple(str(ROOT / pkg) + os.sep for pkg in ("datasets", "publishers", "metadata"))

from app.state import open_portal  # noqa: E402
from datasets import publish as pipeline  # noqa: E402

SQLALCHEMY = os.path.dirname(inspect.getfile(__import__("sqlalchemy"))) + os.sep
STEP_PHASE = {"prepare_build": "reading", "choose_schema": "reading", "normalize_source": "reading",
              "validate_data": "validating", "gate": "validating", "build_sqlite": "sqlite",
              "write_package": "package", "switch": "rename"}
MODULE_PHASE = {"database.py": "sqlite", "check.py": "validating", "validate.py": "validating"}


def _switch_lines() -> tuple[int, int, int]:
    """Line numbers in `switch` of the rename, the catalog transaction and the final return."""
    lines, first = inspect.getsourcelines(pipeline.switch)
    find = lambda text: first + next(i for i, line in enumerate(lines) if text in line)  # noqa: E731
    return find("os.rename("), find("engine.begin()"), find("return job")


class Tracer:
    """Count line events, tag each with its phase, and kill the process at one of them."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.count = 0
        self.lock = threading.Lock()
        self.step = "prepare"
        self.phase_lines: dict[str, list[int]] = {}
        self.marks: dict[str, int] = {}
        self.rename, self.begin, self.done = _switch_lines()
        self.switch_file = inspect.getsourcefile(pipeline.switch)

    def _phase(self, frame: Any) -> str:
        if threading.current_thread() is not threading.main_thread():  # the background package
            return MODULE_PHASE.get(os.path.basename(frame.f_code.co_filename), "package")
        if self.step == "switch":
            return "after" if "done" in self.marks else "commit" if "commit" in self.marks else "rename"
        if self.step == "normalize_source":
            return MODULE_PHASE.get(os.path.basename(frame.f_code.co_filename), "reading")
        return STEP_PHASE.get(self.step, self.step)

    def _mark(self, frame: Any) -> None:
        if frame.f_code.co_name != "switch" or frame.f_code.co_filename != self.switch_file:
            return
        for name, line in (("rename", self.rename), ("commit", self.begin), ("done", self.done)):
            if frame.f_lineno == line:
                self.marks.setdefault(name, self.count)

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        committing = "commit" in self.marks and "done" not in self.marks
        if not (filename.startswith(OURS) or (committing and filename.startswith(SQLALCHEMY))):
            return None
        main = threading.current_thread() is threading.main_thread()
        if event == "call" and main and frame.f_code.co_name in STEP_PHASE \
                and filename == self.switch_file:
            self.step = frame.f_code.co_name
        if event == "line":
            with self.lock:  # lines of the publish's background thread count too
                self.count += 1
                self._mark(frame)
                self.phase_lines.setdefault(self._phase(frame), []).append(self.count)
                if self.count == self.kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
        return self


def publish_traced(instance: str, dataset: str, file: Path, kill_at: int) -> Tracer:
    """Publish `file` into the instance under a tracer that kills at line `kill_at`."""
    portal = open_portal({"INSTANCE": instance, "DATABASE_URL": None})
    tracer = Tracer(kill_at)
    sys.settrace(tracer)
    threading.settrace(tracer)
    try:
        pipeline.publish(portal.instance, portal.engine, pipeline.Upload(file, file.name),
                         dataset=dataset)
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        portal.engine.dispose()
    return tracer


def serve(dataset: str, file: Path) -> None:
    for request in sys.stdin:
        instance, kill_at = request.split()
        child = os.fork()
        if child == 0:
            code = 0
            try:
                publish_traced(instance, dataset, file, int(kill_at))
            except BaseException:
                traceback.print_exc()
                code = 3
            sys.stderr.flush()
            os._exit(code)
        _pid, status = os.waitpid(child, 0)
        answer = {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                  "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
        print(json.dumps(answer), flush=True)


def main() -> None:
    mode, dataset, file = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if mode == "count":
        tracer = publish_traced(sys.argv[4], dataset, file, -1)
        print(json.dumps({"lines": tracer.count, "phases": tracer.phase_lines, "marks": tracer.marks}))
    else:
        serve(dataset, file)


if __name__ == "__main__":
    main()

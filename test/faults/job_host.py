"""Runs the jobs' own main(argv, env) as processes that a fault can kill, pointed at the fault
proxy only through botocore's endpoint setting (AWS_ENDPOINT_URL) and the access key id the
proxy tells attempts apart by.

- Python shell jobs (the refresh job, the planner): each attempt is a child forked from this
  process, which has imported boto3, the scripts and botocore's service models once, so an
  attempt starts in milliseconds instead of a second. The child is its own process group; the
  proxy kills it there.
- Spark jobs (the export job, the apply job): each attempt runs in a long-lived runner process
  (spark_runner.py) holding a local Spark 3.5 session, as the Spark suite does; a kill ends the
  runner's whole process group (driver, JVM, Python workers), like Glue's timeout, and the next
  attempt runs in a fresh runner.

What Glue would show as a failed run's error is the exit message a job ends with (SystemExit),
or else `<exception type>: <message>`.

Back-off: botocore's retry waits (up to 20 s each) are divided by DILATION (100) in every job
process and Spark worker, so a retry storm that takes minutes on AWS takes seconds here. The retry
decisions and counts are botocore's own; the scan's pacing sleeps (ReadPacer) are real time.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SEARCH_PATH = [str(REPO / "glue-scripts"), str(REPO / "test" / "spark"), str(HERE)]
DILATION = 100.0


def dilate_botocore_sleep(factor: float = DILATION) -> None:
    """botocore's endpoint sleeps between attempts through its module's `time.sleep`."""
    import botocore.endpoint

    if not isinstance(botocore.endpoint.time, types.SimpleNamespace):
        botocore.endpoint.time = types.SimpleNamespace(sleep=lambda s: time.sleep(s / factor))


def dilated_sleep(seconds: float) -> None:
    """The jobs' own polling waits (env.sleep), shortened like botocore's."""
    time.sleep(seconds / DILATION)


def glue_error(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return str(error.code)
    return f"{type(error).__name__}: {error}"


@dataclass
class Outcome:
    ok: bool
    error: str = ""  # what Glue would show for a failed attempt
    killed: bool = False
    timed_out: bool = False
    result: Any = None
    seconds: float = 0.0


# --- Python shell jobs, forked --------------------------------------------------------------------


class ShellJobs:
    """Forks Python shell job attempts from a process that has everything imported."""

    SERVICES = ("glue", "athena", "s3", "dynamodb", "cloudwatch")

    def __init__(self, proxy_url: str, logs: Path):
        sys.path[:0] = SEARCH_PATH
        import botocore.session

        import incremental_exports  # noqa: F401
        import refresh_view  # noqa: F401

        self.proxy_url = proxy_url
        self.logs = logs
        self.session = botocore.session.get_session()
        for service in self.SERVICES:  # parse each service model once, before any fork
            self.session.create_client(
                service,
                region_name="ap-northeast-1",
                endpoint_url=proxy_url,
                aws_access_key_id="warm",
                aws_secret_access_key="warm",
            )

    def run(self, module: str, argv: list[str], key: str, now: datetime, register, timeout: float):
        """One attempt: `register(key, pgid)` tells the proxy whom to kill before it starts."""
        result_read, result_write = os.pipe()
        go_read, go_write = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the attempt
            os.close(result_read)
            os.close(go_write)
            os.setpgid(0, 0)
            os.read(go_read, 1)
            payload = self._child(module, argv, key, now)
            os.write(result_write, json.dumps(payload, default=str).encode())
            os._exit(0)
        os.close(result_write)
        os.close(go_read)
        with contextlib.suppress(OSError):  # the child may have done it first
            os.setpgid(pid, pid)
        register(key, pid)
        os.write(go_write, b"x")
        os.close(go_write)
        data, timed_out = _read_all(result_read, timeout)
        if timed_out:
            _kill_group(pid)
        os.waitpid(pid, 0)
        seconds = time.monotonic() - started
        if timed_out:
            return Outcome(False, "timed out", timed_out=True, seconds=seconds)
        if not data:
            return Outcome(False, "killed", killed=True, seconds=seconds)
        payload = json.loads(data)
        return Outcome(
            payload["ok"], payload.get("error", ""), result=payload.get("result"), seconds=seconds
        )

    def _child(self, module_name: str, argv: list[str], key: str, now: datetime) -> dict:
        log = os.open(self.logs / f"{key}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(
            AWS_ENDPOINT_URL=self.proxy_url,
            AWS_ACCESS_KEY_ID=key,
            AWS_SECRET_ACCESS_KEY="faults",
        )
        import boto3
        import botocore.session

        fresh = botocore.session.Session()
        fresh.register_component("data_loader", self.session.get_component("data_loader"))
        boto3.setup_default_session(botocore_session=fresh)
        dilate_botocore_sleep()
        from job_arguments import JobEnvironment
        from job_arguments import run_job

        module = sys.modules[module_name]
        env = JobEnvironment(now=lambda: now, sleep=dilated_sleep)
        try:  # as the script's `__main__` runs it
            result = run_job(module_name, module.main, argv, env)
            return {"ok": True, "result": _summary(result)}
        except BaseException as error:
            import traceback

            traceback.print_exc()
            return {"ok": False, "error": glue_error(error)}


def _summary(result: Any) -> Any:
    if hasattr(result, "__dataclass_fields__"):
        return {k: str(v) for k, v in vars(result).items()}
    return result if isinstance(result, (list, dict, str, int, float)) else str(result)


def _read_all(fd: int, timeout: float) -> tuple[bytes, bool]:
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return b"".join(chunks), True
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks), False
            chunks.append(chunk)
    finally:
        os.close(fd)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


# --- Spark jobs, in runners -----------------------------------------------------------------------


class SparkRunner:
    """One runner process: its own process group, commands on stdin, answers on a pipe."""

    def __init__(self, key: str, proxy_url: str, work: Path, logs: Path, python: str):
        self.key = key
        answers_read, answers_write = os.pipe()
        environment = {
            **os.environ,
            "AWS_ENDPOINT_URL": proxy_url,
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": "faults",
            "PYTHONPATH": os.pathsep.join(SEARCH_PATH),
            "PYSPARK_PYTHON": python,
            "PYSPARK_DRIVER_PYTHON": python,
        }
        with open(logs / f"{self.key}.log", "ab") as log:
            self.process = subprocess.Popen(
                [python, str(HERE / "spark_runner.py"), str(answers_write), str(work)],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(answers_write,),
                start_new_session=True,
                env=environment,
            )
        os.close(answers_write)
        self.answers = answers_read
        self.buffer = b""
        self.ready = False

    def wait_ready(self, timeout: float = 120) -> None:
        if not self.ready:
            line = self._line(timeout)
            if line is None or not json.loads(line).get("ready"):
                raise RuntimeError(f"Spark runner {self.key} did not start (see its log)")
            self.ready = True

    def call(self, command: dict, timeout: float) -> tuple[dict | None, bool]:
        """(answer, timed out); answer None: the runner died (killed)."""
        self.wait_ready()
        try:
            self.process.stdin.write((json.dumps(command, default=str) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return None, False
        deadline = time.monotonic() + timeout
        line = self._line(timeout)
        if line is None:
            timed_out = time.monotonic() >= deadline
            if timed_out:
                self.kill()
            return None, timed_out
        return json.loads(line), False

    def _line(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.answers], [], [], left)
            if ready:
                chunk = os.read(self.answers, 65536)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        _kill_group(self.process.pid)
        self.process.wait()

    def stop(self) -> None:
        """Lets an idle runner stop its Spark session; one still starting or busy is killed."""
        if self.alive() and self.ready:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                pass
        if self.alive():
            self.kill()
        os.close(self.answers)


class SparkJobs:
    """The runner the attempts run in; a killed runner is replaced by a new one, which the
    Glue-style retry waits for (a warm spare cost more CPU in JVM starts than it saved)."""

    def __init__(self, proxy_url: str, work: Path, logs: Path, python: str, name: str = "spark"):
        self.name = name
        self.args = (proxy_url, work, logs, python)
        self.started = 0
        self.restarts = 0
        self.active = self._start()

    def _start(self) -> SparkRunner:
        self.started += 1
        return SparkRunner(f"{self.name}-runner{self.started}", *self.args)

    def run(self, command: dict, register, timeout: float) -> Outcome:
        runner = self.active
        runner.wait_ready()
        self.last_key = runner.key
        register(runner.key, runner.process.pid)
        started = time.monotonic()
        answer, timed_out = runner.call(command, timeout)
        seconds = time.monotonic() - started
        if answer is None:
            self.replace()
            if timed_out:
                return Outcome(False, "timed out", timed_out=True, seconds=seconds)
            return Outcome(False, "killed", killed=True, seconds=seconds)
        return Outcome(
            answer["ok"], answer.get("error", ""), result=answer.get("result"), seconds=seconds
        )

    def query(self, command: dict, timeout: float = 120) -> Any:
        """A command that is not a job attempt (reading the Iceberg table back)."""
        answer, _ = self.active.call(command, timeout)
        if answer is None or not answer["ok"]:
            raise RuntimeError(f"the Spark runner could not {command}: {answer}")
        return answer["result"]

    def replace(self) -> None:
        if self.active.alive():
            self.active.kill()
        self.active.stop()
        self.restarts += 1
        self.active = self._start()

    def stop(self) -> None:
        self.active.stop()

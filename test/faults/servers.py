"""moto_server and the fault proxy as child processes on loopback, stopped by PID."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGION = "ap-northeast-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


class Servers:
    """moto_server, then the proxy in front of it; `stop()` ends both by PID."""

    def __init__(self, work: Path, log: Path):
        self.processes: list[subprocess.Popen] = []
        self.log = open(log, "ab")  # noqa: SIM115 - the servers write to it until stop()
        try:
            self._start(work)
        except BaseException:  # a server that would not start, or a SIGTERM meanwhile
            self.stop()
            raise

    def _start(self, work: Path) -> None:
        moto_port = free_port()
        moto = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(moto)
        self.moto_url = f"http://127.0.0.1:{moto_port}"
        port_file = work / "proxy.port"
        port_file.unlink(missing_ok=True)
        proxy = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "proxy.py"),
                "--moto",
                self.moto_url,
                "--root",
                str(work / "s3"),
                "--port-file",
                str(port_file),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(proxy)
        wait_for_port(moto_port, moto, "moto_server")
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if proxy.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the fault proxy did not start (see the lane's server log)")
            time.sleep(0.05)
        self.proxy_port = int(port_file.read_text())
        self.proxy_url = f"http://127.0.0.1:{self.proxy_port}"

    def command(self, command: str, **spec) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.proxy_port, timeout=30)
        try:
            connection.request("POST", f"/_faults/{command}", body=json.dumps(spec))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"proxy command {command} failed: {body.decode()}")
            return json.loads(body)
        finally:
            connection.close()

    def direct(self, service: str):
        """A boto3 client straight to moto: the suite's own view, never faulted."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name=REGION,
            aws_access_key_id="direct",
            aws_secret_access_key="direct",
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        self.log.close()

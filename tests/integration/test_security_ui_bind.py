"""`stockpilot ui` really listens on loopback only: every listening socket of the processes it
starts (webserver, daemon, code server) is bound to 127.0.0.1 or ::1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")]

LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc spells them
LISTEN = "0A"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening() -> dict[str, tuple[str, int]]:
    """Socket inode → (address in /proc's hex, port) of every listening TCP socket."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == LISTEN:
                found[fields[9]] = (address, int(port, 16))
    return found


def _session_sockets(session: int) -> set[str]:
    inodes = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) != session:
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except (OSError, ProcessLookupError):
            continue
    return inodes


def test_stockpilot_ui_listens_on_loopback_only(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home")}
    env.pop("STOCKPILOT_UI_HOST", None)
    stockpilot = Path(sys.executable).with_name("stockpilot")
    ui = subprocess.Popen([str(stockpilot), "ui", "--port", str(port)], env=env, start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and port not in {p for _, p in _listening().values()}:
            assert ui.poll() is None, "stockpilot ui exited"
            time.sleep(1)
        listening = _listening()
        ours = {listening[i] for i in _session_sockets(ui.pid) if i in listening}
        assert port in {p for _, p in ours}, "the UI never started listening"
        assert {address for address, _ in ours} <= LOOPBACK, ours
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        try:
            ui.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()

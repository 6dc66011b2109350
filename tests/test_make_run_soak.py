"""`make run` survives sustained traffic: the Procfile's processes stay up under honcho.

The embedded broker once crashed the worker on a half-written message, and honcho then
stopped every process. This starts the Procfile on a fresh VAR_DIR, as `make run` does,
and drives five rounds of simulated traffic against it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")),
        reason="soaks the embedded default (SQLite database and broker)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_five_rounds_of_traffic_leave_every_process_up(tmp_path):
    web, sim = _free_port(), _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS"}
    }
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web}",
        SIMULATOR_URL=f"http://127.0.0.1:{sim}",
        WEB_PORT=str(web),
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    for step in (["migrate", "--noinput"], ["seed_demo", "--customers", "10"]):
        done = _manage(env, *step)
        assert done.returncode == 0, done.stderr
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        time.sleep(10)  # let the worker and beat connect to the broker
        outputs = []
        for round_ in range(5):
            done = _manage(env, "simulate_traffic", "--calls", "50", "--seed", str(round_ + 1))
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout)
        time.sleep(5)  # beat's ticks keep the worker busy after the last round
        log.flush()
        console = (tmp_path / "honcho.log").read_text()
        assert honcho.poll() is None, console[-4000:]
        assert "stopped (rc=" not in console and "Unrecoverable error" not in console, console
        for output in outputs:
            assert "50 calls to " in output and "application errors: 0" in output, output
    finally:
        os.killpg(honcho.pid, 15)
        honcho.wait(timeout=30)
        log.close()

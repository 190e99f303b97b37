"""The README's first command: `doorstroom demo` sets up an SQLite database, seeds the demo
region, starts the web server and a worker, and prints the address and logins."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_starts_and_prints_address_and_logins(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["DOORSTROOM_VAR_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        # one year of synthetic history instead of five keeps the test quick
        [
            sys.executable,
            "-m",
            "doorstroom.cli",
            "demo",
            "--port",
            str(port),
            "--history-years",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Stop with Ctrl-C"):
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert "doorstroom-demo" in text
        for username in (
            "toegang",
            "plaatsing",
            "gemeente",
            "zorgaanbieder",
            "corporatie",
            "beleid",
            "financien",
            "clientenraad",
            "beheer",
        ):
            assert re.search(rf"^\s+{re.escape(username)}\s", text, re.M), username
        assert "Demo — no real data" in text
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/account/inloggen/", timeout=10
        ) as response:
            page = response.read().decode()
        assert "Demo — geen echte gegevens" in page
        assert (tmp_path / "doorstroom.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

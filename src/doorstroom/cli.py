"""The ``doorstroom`` command.

doorstroom demo                 set up and start the demo (SQLite, demo region, logins)
doorstroom serve                run the web server (production settings)
doorstroom worker               run a background worker (imports, checks, forecasts)
doorstroom migrate              create or update the database tables
doorstroom load-reference-data  load municipalities, provinces and regions
doorstroom import-population F  import CBS population figures from a StatLine CSV
doorstroom create-user NAME ... create a user with a role in an organisation
    doorstroom verify-access-log    check the access log for edits or deletions
doorstroom generate-keys        print fresh secret keys for production settings
doorstroom config               list every environment variable and what it does
doorstroom compile-translations compile the Dutch/English translation files
doorstroom manage ...           any Django management command
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

PRODUCTION = "doorstroom.conf.production"
DEMO = "doorstroom.conf.demo"


def _django(settings: str | None = None) -> None:
    if settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION)
    import django

    django.setup()


def _manage(args: Sequence[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["doorstroom", *args])


def compile_translations() -> int:
    """Compile .po to .mo with polib (no GNU gettext needed on the machine).

    Message ids are English, so English needs no translation file of its own; but Django
    falls back to the default language (Dutch) for ids missing from a catalogue. An
    English identity catalogue, generated from the Dutch one, prevents that.
    """
    import polib

    locale = Path(__file__).resolve().parent / "locale"
    count = 0
    for po_path in locale.glob("*/LC_MESSAGES/*.po"):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
        if po_path.parts[-3] == "nl":
            english = polib.POFile()
            english.metadata = {
                **po.metadata,
                "Language": "en",
                "Plural-Forms": "nplurals=2; plural=(n != 1);",
            }
            for entry in po:
                english.append(
                    polib.POEntry(
                        msgid=entry.msgid,
                        msgid_plural=entry.msgid_plural,
                        msgstr="" if entry.msgid_plural else entry.msgid,
                        msgstr_plural={0: entry.msgid, 1: entry.msgid_plural}
                        if entry.msgid_plural
                        else {},
                        msgctxt=entry.msgctxt,
                    )
                )
            target = locale / "en" / "LC_MESSAGES"
            target.mkdir(parents=True, exist_ok=True)
            english.save_as_mofile(str(target / po_path.with_suffix(".mo").name))
            count += 1
    return count


def _wait_until_up(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def demo(host: str, port: int, with_worker: bool, reset: bool, history_years: int = 5) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = DEMO
    compile_translations()
    _django(DEMO)
    from django.conf import settings

    db_path = Path(str(settings.DATABASES["default"]["NAME"]))
    if reset and db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    print("doorstroom demo: preparing the database ...", flush=True)
    _manage(["migrate", "--no-input", "-v", "0"])
    _manage(["load_reference_data"])
    from doorstroom.web.demo import DEMO_PASSWORD, demo_history, demo_seed

    logins = demo_seed()
    print("doorstroom demo: simulating five years of history in five regions ...", flush=True)
    demo_history(years=history_years)
    from django.db import connections

    connections.close_all()

    env = dict(os.environ, DJANGO_SETTINGS_MODULE=DEMO, PYTHONUNBUFFERED="1")
    procs: list[subprocess.Popen[bytes]] = []
    if with_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "doorstroom.cli", "worker"], env=env))
    procs.append(
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "doorstroom.conf.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )
    )
    url = f"http://{host}:{port}/"
    if not _wait_until_up(url + "gezondheid/"):
        print(
            f"The web server did not start on {url}. Is the port in use? Try --port.",
            file=sys.stderr,
        )
        for proc in procs:
            proc.terminate()
        return 1
    from doorstroom.accounts.roles import ROLE_LABELS

    width = max(len(login.username) for login in logins)
    print("\n" + "=" * 72)
    print(f"doorstroom demo is running: {url}")
    print("Demo — no real data. Every person and number is invented.")
    print(f"Log in with one of these users; the password of all is: {DEMO_PASSWORD}\n")
    for login in logins:
        print(f"  {login.username:{width}}  {ROLE_LABELS[login.role]!s:34} {login.organisation}")
    print("\nA background worker runs imports and checks." if with_worker else "")
    print("Stop with Ctrl-C.")
    print("=" * 72, flush=True)

    def stop(*_: object) -> None:
        for proc in procs:
            proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


def generate_keys() -> None:
    from cryptography.fernet import Fernet

    print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
    print(f"DOORSTROOM_FIELD_KEYS={Fernet.generate_key().decode()}")
    print(f"DOORSTROOM_BSN_HMAC_KEY={secrets.token_hex(32)}")
    print(f"DOORSTROOM_ACCESS_LOG_KEY={secrets.token_hex(32)}")


def print_config() -> None:
    # Import every settings module so that all variables are registered, without
    # requiring them to be set.
    from doorstroom.conf.env import REGISTRY

    os.environ.setdefault("SECRET_KEY", "x")
    for name in (
        "ALLOWED_HOSTS",
        "DOORSTROOM_FIELD_KEYS",
        "DOORSTROOM_BSN_HMAC_KEY",
        "DOORSTROOM_ACCESS_LOG_KEY",
    ):
        os.environ.setdefault(name, "x")
    import doorstroom.conf.production  # noqa: F401

    for item in sorted(REGISTRY.values(), key=lambda d: d.name):
        default = "(required)" if item.required else f"default: {item.default!r}"
        print(f"{item.name}\n    {item.help}\n    {default}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doorstroom",
        description="doorstroom: central access, waiting lists, placements, outflow, monitor and "
        "forecasts for sheltered housing in a region of municipalities.",
        epilog="Settings come from environment variables: run `doorstroom config` to list them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser(
        "demo", help="set up and start the demo: SQLite database, demo region, logins printed"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--no-worker", action="store_true", help="do not start a background worker")
    p.add_argument(
        "--reset", action="store_true", help="throw away the demo database and start afresh"
    )
    p.add_argument(
        "--history-years",
        type=int,
        default=5,
        help="years of synthetic history for the five demo regions (default 5; 0: none)",
    )
    p = sub.add_parser("serve", help="run the web server (gunicorn) with production settings")
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default 127.0.0.1:8000)")
    p.add_argument("--workers", type=int, default=4, help="number of web processes (default 4)")
    sub.add_parser(
        "worker",
        help="run a background worker; start as many as you like, on any machine sharing the database",
    )
    sub.add_parser("migrate", help="create or update the database tables")
    sub.add_parser(
        "load-reference-data",
        help="load the 342 municipalities, provinces and the regions (safe to repeat)",
    )
    p = sub.add_parser(
        "import-population",
        help="import population figures from a CBS StatLine CSV export; all or nothing",
    )
    p.add_argument("file", help="the CSV file")
    p = sub.add_parser(
        "create-user",
        help="create a user with a role in an organisation (prints a one-time password)",
        add_help=False,
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser(
        "verify-access-log",
        help="check that no access-log entry was changed or removed (exit code 1 if so)",
    )
    sub.add_parser("generate-keys", help="print new random secret keys to put in the environment")
    sub.add_parser("config", help="list every environment variable with its meaning and default")
    sub.add_parser("compile-translations", help="compile translation files (done by setup)")
    p = sub.add_parser(
        "manage", help="run any Django management command, e.g. `doorstroom manage createsuperuser`"
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


# Commands whose arguments go to a Django management command unchanged (argparse would
# take their options, such as --help, for its own).
PASSTHROUGH = {"manage": None, "create-user": "create_user"}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in PASSTHROUGH:
        command = PASSTHROUGH[arguments[0]]
        _django()
        _manage([command, *arguments[1:]] if command else arguments[1:] or ["help"])
        return 0
    parser = build_parser()
    args = parser.parse_args(arguments)
    match args.command:
        case None:
            parser.print_help()
            return 0
        case "demo":
            return demo(args.host, args.port, not args.no_worker, args.reset, args.history_years)
        case "generate-keys":
            generate_keys()
        case "config":
            print_config()
        case "compile-translations":
            print(f"{compile_translations()} translation file(s) compiled")
        case "serve":
            _django()
            os.execvp(  # noqa: S606  (replace this process by gunicorn)
                sys.executable,
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "doorstroom.conf.wsgi:application",
                    "--bind",
                    args.bind,
                    "--workers",
                    str(args.workers),
                ],
            )
        case "worker":
            _django()
            _manage(["db_worker", "--queue-name", "default"])
        case "migrate":
            _django()
            _manage(["migrate", "--no-input"])
        case "load-reference-data":
            _django()
            _manage(["load_reference_data"])
        case "import-population":
            _django()
            _manage(["import_population", args.file])
        case "verify-access-log":
            _django()
            _manage(["verify_access_log"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

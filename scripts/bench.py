"""`make bench`: the app against a bare Flask endpoint, in the same run, on this machine.

For SQLite and then PostgreSQL it

1. seeds a fresh database: the real course (questions/), a few hundred learners
   with graded attempts, and for the learners the load uses one open attempt per
   lesson (autosave, quiz page) and a pool of open attempts to submit;
2. counts SQL statements per request, running each request once in-process
   (transaction control — BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE — left out);
3. serves the app with gunicorn (2 sync workers, loopback, `--no-control-socket`)
   beside a bare Flask "hello" under the same gunicorn settings, and drives both
   from a separate load process: `wrk` (Lua scripts carry each learner's session
   cookie, CSRF token and autosave sequence number), or a Python client if `wrk`
   is missing. Bare and app runs alternate, so drift (other work on the machine)
   shows in the bare figures, and each ratio uses the bare runs either side.

Each submit grades a fresh open attempt: the report gives submits (302s), the
attempts graded by them (the `X-Attempt-Outcome: graded` header) and the attempts
the database counts as submitted afterwards. Nothing here is part of the test suite.

Run: .venv/bin/python scripts/bench.py [--seconds 5] [--output report.md]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "benchmark-secret-key-not-for-production"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_DATABASE = "milidip_bench"
LEARNERS = 300  # learners with graded attempts in the database
SESSIONS = 110  # of them, the ones the load logs in (one open attempt per lesson each)
HISTORY_PER_LEARNER = 1  # graded attempts each learner already has
LESSON = "historical-evolution"  # the lesson page read
# Their open attempts are autosaved (and the first one's quiz page read): three per learner,
# so an attempt comes round again only after far more requests than are in flight at once
# (a save carries the attempt's sequence number; two of one attempt in flight would clash).
SAVE_LESSONS = ("key-strategies", "legal-and-ethical", "future-trends")
CONNECTIONS = 50
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# --- seeding -----------------------------------------------------------------------------


@dataclass
class Learner:
    email: str
    cookie: str = ""
    csrf: str = ""
    save_attempts: list[int] = field(default_factory=list)  # open, at SAVE_LESSONS
    submit_pool: list[int] = field(default_factory=list)  # open attempts, other lessons


@dataclass
class World:
    learners: list[Learner]
    spare: Learner  # in-process statement counts only: the load never touches it
    answers: dict[int, tuple[str, str]]  # open attempt id → two different answer sets


# Two plausible answers per question type, as the quiz page's form sends them (matching and
# essays are left blank). Saves alternate between them, as a learner changing their mind
# does, so every save writes; submits send the first and are graded on it.
SAMPLE_ANSWERS = {
    "single": ("0", "1"),
    "multi": ("0", "1"),
    "truefalse": ("true", "false"),
    "short": ("military attache", "envoy"),
    "numerical": ("1", "2"),
}


def make_app(url: str):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "COURSE_DIR": str(ROOT / "questions"),
            "RATELIMIT_ENABLED": False,
        }
    )


def seed(url: str) -> World:
    """Migrate, load the course, add learners with graded and open attempts, log in."""
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app.auth.models import User
    from app.auth.services import name_key
    from app.bank.models import QuestionVersion
    from app.content.loading import load_course
    from app.course.files import read_course
    from app.course.models import Lesson
    from app.course.services import settings_for
    from app.extensions import db
    from app.quizzes.attempts import start_attempt, submit_attempt
    from app.quizzes.models import Response

    app = make_app(url)
    # One cheap hash for every seeded account: what is measured is pages, not log-ins.
    password = "benchmark password 123"
    password_hash = generate_password_hash(password, method="pbkdf2:sha256:1")
    with app.app_context():
        upgrade()
        load_course(read_course(ROOT / "questions"))
        db.session.commit()
        lessons = list(db.session.scalars(select(Lesson).order_by(Lesson.position)))
        quizzes = [(lesson, settings_for(lesson)) for lesson in lessons]
        quizzes = [(lesson, s) for lesson, s in quizzes if _has_questions(lesson)]
        users = [
            User(
                email=f"bench{n}@example.com",
                name=f"Bench learner {n}",
                name_key=name_key(f"Bench learner {n}"),
                password_hash=password_hash,
                role="learner",
            )
            for n in range(LEARNERS + 1)
        ]
        db.session.add_all(users)
        db.session.commit()
        user_ids = [user.id for user in users]
        for n, user_id in enumerate(user_ids):
            for k in range(HISTORY_PER_LEARNER):
                lesson, settings = quizzes[(n + k) % len(quizzes)]
                submit_attempt(start_attempt(user_id, lesson, settings), None)
            if n % 50 == 0:
                db.session.commit()
        db.session.commit()
        learners = []
        for n, user_id in enumerate(user_ids[: SESSIONS + 1]):
            learner = Learner(f"bench{n}@example.com")
            for lesson, settings in quizzes:
                attempt = start_attempt(user_id, lesson, settings)
                if lesson.slug in SAVE_LESSONS:
                    learner.save_attempts.append(attempt.id)
                else:
                    learner.submit_pool.append(attempt.id)
            learners.append(learner)
            db.session.commit()
        fields: dict[int, list[tuple[str, tuple[str, str]]]] = {}
        rows = db.session.execute(
            select(Response.attempt_id, Response.position, QuestionVersion.type)
            .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
            .order_by(Response.attempt_id, Response.position)
        )
        for attempt_id, position, kind in rows:
            if kind in SAMPLE_ANSWERS:
                fields.setdefault(attempt_id, []).append((f"q{position}", SAMPLE_ANSWERS[kind]))
        answers = {
            key: tuple(urllib.parse.urlencode([(n, v[i]) for n, v in value]) for i in (0, 1))
            for key, value in fields.items()
        }
        db.engine.dispose()
    client_app = make_app(url)
    for learner in learners:
        client = client_app.test_client()
        token = _token(client, "/login")
        response = client.post(
            "/login", data={"email": learner.email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, f"log-in of {learner.email}: {response.status_code}"
        learner.csrf = _token(client, "/")
        # The first view of a lesson marks it read (one INSERT); the benchmark measures
        # repeat views, which write nothing, so each learner has read it already.
        assert client.get(f"/lessons/{LESSON}").status_code == 200
        learner.cookie = f"session={client.get_cookie('session').value}"
    with client_app.app_context():
        db.engine.dispose()
    return World(learners=learners[:SESSIONS], spare=learners[SESSIONS], answers=answers)


def _has_questions(lesson) -> bool:
    from sqlalchemy import func, select

    from app.bank.models import Question
    from app.extensions import db

    return bool(
        db.session.scalar(
            select(func.count()).select_from(Question).where(Question.lesson_id == lesson.id)
        )
    )


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return CSRF_FIELD.search(page).group(1)


# --- statements per request (in-process, once each) ----------------------------------------


def count_statements(url: str, world: World) -> dict[str, int]:
    """Run each measured request once in-process; count the SQL it sends."""
    from sqlalchemy import event

    from app.extensions import db

    app = make_app(url)
    learner = world.spare
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    client = app.test_client()
    client.set_cookie("session", learner.cookie.split("=", 1)[1])
    save_path = f"/attempts/{learner.save_attempts[0]}"
    requests = {
        "lesson page": ("GET", f"/lessons/{LESSON}", None, 200),
        "course outline": ("GET", "/", None, 200),
        "quiz page": ("GET", save_path, None, 200),
        "autosave": ("POST", save_path + "/save", "save", 200),
        "submit": ("POST", "submit", "submit", 302),
    }
    seq = 0
    for name, (method, path, form, expected) in requests.items():
        for run in ("warm", "count"):
            data = None
            token = "csrf_token=" + urllib.parse.quote(learner.csrf, safe="")
            if form == "save":
                answers = world.answers.get(learner.save_attempts[0], ("", ""))[seq % 2]
                data = f"{token}&seq={seq}&{answers}"
                seq += 1
            elif form == "submit":
                attempt = learner.submit_pool.pop()
                path = f"/attempts/{attempt}/submit"
                data = f"{token}&seq=0&{world.answers.get(attempt, ('', ''))[0]}"
            headers = {"Accept": "application/json"} if form == "save" else {}
            if data is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            statements.clear()
            event.listen(engine, "before_cursor_execute", on_execute)
            try:
                response = client.open(path, method=method, data=data, headers=headers)
            finally:
                event.remove(engine, "before_cursor_execute", on_execute)
            assert response.status_code == expected, f"{name}: {response.status_code} ({run})"
        counts[name] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return counts


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(target: str, env: dict[str, str], chdir: Path) -> Iterator[str]:
    """Serve `target` with 2 sync workers on loopback; yield `host:port`."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        *("--workers", "2", "--worker-class", "sync", "--no-control-socket"),
        *("--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), target),
    ]
    server_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: the app logs a line per request, and a pipe nobody reads
        # fills up and blocks the workers.
        stderr=server_log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    server_log.seek(0)
                    raise RuntimeError(server_log.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        server_log.close()


# --- load: one run --------------------------------------------------------------------------


# (path, cookie, form body without seq, the body of every second save)
Item = tuple[str, str, str, str]


@dataclass
class Load:
    """What one run sends: each request takes the next item, in turn."""

    name: str
    method: str
    items: list[Item]
    expect: int
    seq: bool = False  # autosave: add each item's running sequence number
    once: bool = False  # submit: each item once; past the end, the last again (not graded)
    connections: int = CONNECTIONS


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    graded: int = 0


# One wrk thread per connection, each with its own share of the items: a thread sends its
# next request only after the last one's answer, so no attempt is ever saved twice at once
# and each item's sequence number is exact.
LUA = """
shares = {%(shares)s}
method = "%(method)s"
expect = %(expect)d
use_seq = %(seq)s
once = %(once)s
id = 0
i = 0
seqs = {}
bad = 0
last_bad = 0
graded = 0

request = function()
  local items = shares[id + 1]
  i = i + 1
  local k = ((i - 1) %% #items) + 1
  if once and i > #items then k = #items end
  local item = items[k]
  local headers = {}
  headers["Cookie"] = item[2]
  if method == "GET" then
    return wrk.format("GET", item[1], headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Accept"] = "application/json"
  local body = item[3]
  if use_seq then
    last_k = k
    local seq = seqs[k] or 0
    if seq %% 2 == 1 then body = item[4] end
    body = body .. "&seq=" .. seq
  end
  return wrk.format("POST", item[1], headers, body)
end

response = function(status, headers, body)
  if status ~= expect then
    bad = bad + 1
    last_bad = status
  end
  if headers["X-Attempt-Outcome"] == "graded" then graded = graded + 1 end
  if use_seq and last_k then
    -- This thread's one connection: the answer is to the request just sent. A save answers
    -- with the page's new number; a refused one (409) was one behind, so step past it.
    local next_seq = string.match(body, '"seq":%%s*(%%d+)')
    if status == 200 and next_seq then
      seqs[last_k] = tonumber(next_seq)
    elseif status == 409 then
      seqs[last_k] = (seqs[last_k] or 0) + 1
    end
  end
end
"""
LUA_SUMMARY = """
threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
done = function(summary, latency, requests)
  local bad, graded, last_bad = 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("bad")
    graded = graded + t:get("graded")
    if t:get("last_bad") ~= 0 then last_bad = t:get("last_bad") end
  end
  io.write(string.format("BENCH requests=%d bad=%d graded=%d p50=%d p99=%d last_bad=%d\\n",
    summary.requests, bad, graded, latency:percentile(50), latency:percentile(99), last_bad))
end
"""


def shares(load: Load) -> list[list[Item]]:
    """Deal the items out to the connections, in turn: each gets its own."""
    if len(load.items) < load.connections:
        raise ValueError(f"{load.name}: fewer items than connections")
    return [load.items[n :: load.connections] for n in range(load.connections)]


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(host: str, load: Load, seconds: float, folder: Path) -> Result:
    def table(items: list[Item]) -> str:
        return (
            "{"
            + ",\n".join(
                "{" + ", ".join(_lua_string(part) for part in item) + "}" for item in items
            )
            + "}"
        )

    script = folder / f"{re.sub(r'[^a-z0-9]+', '-', load.name.lower())}.lua"
    script.write_text(
        LUA
        % {
            "shares": ",\n".join(table(share) for share in shares(load)),
            "method": load.method,
            "expect": load.expect,
            "seq": str(load.seq).lower(),
            "once": str(load.once).lower(),
        }
        + LUA_SUMMARY
    )
    threads = f"-t{load.connections}"
    command = ["wrk", threads, f"-c{load.connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    finished = subprocess.run(
        [*command, "-s", str(script), f"http://{host}"],
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr[-2000:]}")
    output = finished.stdout
    summary = re.search(
        r"BENCH requests=(\d+) bad=(\d+) graded=(\d+) p50=(\d+) p99=(\d+) last_bad=(\d+)",
        output,
    )
    if summary.group(6) != "0":
        print(f"   ({load.name}: unexpected answers, the last one {summary.group(6)})")
    for line in output.splitlines():
        if "errors" in line.lower() and "Socket" in line:
            print(f"   ({load.name}: {line.strip()})")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = int(summary.group(1))
    errors = int(summary.group(2)) + (
        sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    )
    return Result(
        name=load.name,
        requests=requests,
        seconds=requests / rps if rps else seconds,
        rps=rps,
        p50_ms=int(summary.group(4)) / 1000,
        p99_ms=int(summary.group(5)) / 1000,
        errors=errors,
        graded=int(summary.group(3)),
    )


def run_python(host: str, load: Load, seconds: float, _folder: Path) -> Result:
    """The same run without wrk: threads, one keep-alive connection each."""
    lock = threading.Lock()
    latencies: list[float] = []
    state = {"bad": 0, "graded": 0}
    stop = time.monotonic() + seconds
    host_name, port = host.split(":")

    def worker(items: list[Item]) -> None:
        connection = HTTPConnection(host_name, int(port), timeout=10)
        seqs = [0] * len(items)
        sent = 0
        while time.monotonic() < stop and not (load.once and sent >= len(items)):
            k = sent % len(items)
            sent += 1
            path, cookie, body, alternate = items[k]
            headers = {"Cookie": cookie}
            if load.method == "POST":
                headers |= {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                }
                if load.seq:
                    body = f"{alternate if seqs[k] % 2 else body}&seq={seqs[k]}"
            started = time.perf_counter()
            try:
                connection.request(load.method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                status, outcome = response.status, response.getheader("X-Attempt-Outcome")
                if load.seq:  # as the Lua script does: follow the number the save answers
                    answered = re.search(r'"seq":\s*(\d+)', text)
                    if status == 200 and answered:
                        seqs[k] = int(answered.group(1))
                    elif status == 409:
                        seqs[k] += 1
            except OSError:
                status, outcome = 0, None
            connection.close()  # gunicorn's sync workers close every connection anyway
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                state["bad"] += status != load.expect
                state["graded"] += outcome == "graded"

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares(load)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result(
        name=load.name,
        requests=len(latencies),
        seconds=took,
        rps=len(latencies) / took,
        p50_ms=percentile(0.50),
        p99_ms=percentile(0.99),
        errors=state["bad"],
        graded=state["graded"],
    )


def drain(host: str) -> None:
    """Wait until the server has answered what a run left queued (a request queues behind it)."""
    name, port = host.split(":")
    connection = HTTPConnection(name, int(port), timeout=120)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    finally:
        connection.close()


# --- one database ---------------------------------------------------------------------------


@dataclass
class Report:
    database: str
    runs: list[tuple[Result, float | None]]  # (app run, ratio to the bare runs either side)
    bare: list[Result]
    statements: dict[str, int]
    graded_in_database: int
    submits: int


def loads(world: World) -> list[Load]:
    def bodies(learner: Learner, attempt: int) -> tuple[str, str]:
        token = urllib.parse.quote(learner.csrf, safe="")
        first, second = world.answers.get(attempt, ("", ""))
        return f"csrf_token={token}&{first}", f"csrf_token={token}&{second}"

    people = world.learners
    return [
        Load("lesson page", "GET", [(f"/lessons/{LESSON}", p.cookie, "", "") for p in people], 200),
        Load("course outline", "GET", [("/", p.cookie, "", "") for p in people], 200),
        Load(
            "quiz page",
            "GET",
            [(f"/attempts/{p.save_attempts[0]}", p.cookie, "", "") for p in people],
            200,
        ),
        Load(
            "autosave",
            "POST",
            [
                (f"/attempts/{attempt}/save", p.cookie, *bodies(p, attempt))
                for turn in zip(*(p.save_attempts for p in people), strict=True)
                for p, attempt in zip(people, turn, strict=True)
            ],
            200,
            seq=True,
        ),
        Load(
            "submit",
            "POST",
            [  # learners take turns, so concurrent submits come from different people
                (f"/attempts/{attempt}/submit", p.cookie, f"{bodies(p, attempt)[0]}&seq=0", "")
                for turn in zip(*(p.submit_pool for p in people), strict=True)
                for p, attempt in zip(people, turn, strict=True)
            ],
            302,
            once=True,
        ),
    ]


def submitted_count(url: str) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.quizzes.models import Attempt

    app = make_app(url)
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.state != "open")
        )
        db.engine.dispose()
    return count


def bench_database(
    label: str, url: str, bare_host: str, seconds: float, runner, folder: Path
) -> Report:
    started = time.monotonic()
    print(f"\n== {label}: seeding …", flush=True)
    world = seed(url)
    print(f"   seeded in {time.monotonic() - started:.0f} s; counting statements …", flush=True)
    statements = count_statements(url, world)
    print(f"   statements: {statements}", flush=True)
    graded_before = submitted_count(url)
    bare_load = Load("bare", "GET", [("/", "", "", "")] * CONNECTIONS, 200)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "COURSE_DIR": str(ROOT / "questions"),
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_PATH": str(folder / "instance"),
    }
    bares: list[Result] = []
    runs: list[tuple[Result, float | None]] = []
    with gunicorn("app:create_app()", env, ROOT) as host:

        def measure(target: str, load: Load) -> Result:
            result = runner(target, load, seconds, folder)
            drain(target)  # what the load left queued is not served during the next run
            return result

        warm_up = loads(world)[0]
        warm_up.connections = 10
        runner(host, warm_up, 2, folder)  # both workers load the app and its templates
        drain(host)
        bares.append(measure(bare_host, bare_load))
        for load in loads(world):
            result = measure(host, load)
            bares.append(measure(bare_host, bare_load))
            ratio = result.rps / ((bares[-2].rps + bares[-1].rps) / 2)
            runs.append((result, ratio))
            print(f"   {_line(result, ratio)}", flush=True)
        lesson = loads(world)[0]
        lesson.connections = 10
        lesson.name = "lesson page, 10 connections"
        result = measure(host, lesson)
        runs.append((result, None))
        print(f"   {_line(result, None)}", flush=True)
    graded = submitted_count(url) - graded_before
    submit = next(r for r, _ in runs if r.name == "submit")
    return Report(label, runs, bares, statements, graded, submit.requests - submit.errors)


def _line(result: Result, ratio: float | None) -> str:
    shown = f"{ratio:.3f}" if ratio is not None else "—"
    return (
        f"{result.name:<28} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
        f"p99 {result.p99_ms:7.1f} ms  errors {result.errors}  ratio {shown}"
    )


# --- databases ------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{POSTGRES_DATABASE}"'))
    except Exception as error:  # no server: report and go on with SQLite's figures
        print(f"PostgreSQL not available at {POSTGRES_ADMIN_URL}: {error}", file=sys.stderr)
        engine.dispose()
        yield None
        return
    try:
        yield admin.set(database=POSTGRES_DATABASE).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)'))
        engine.dispose()


def postgres_version() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SHOW server_version")).scalar().split()[0]
    except Exception:
        return "not available"
    finally:
        engine.dispose()


# --- the report -----------------------------------------------------------------------------


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = "not installed (Python load client)"
    if shutil.which("wrk"):
        first = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        wrk = (first.stdout or first.stderr).split("[")[0].strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu}; load average at start {load}",
        f"- Python {platform.python_version()}, Flask {version('flask')}, "
        f"Werkzeug {version('werkzeug')}, SQLAlchemy {version('sqlalchemy')}, "
        f"gunicorn {version('gunicorn')}, psycopg {_installed('psycopg')}",
        f"- SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version()}, load: {wrk}",
        f"- gunicorn: 2 sync workers, loopback, `--no-control-socket`; {CONNECTIONS} "
        f"connections (one wrk thread each) unless stated; {LEARNERS} learners with "
        f"{HISTORY_PER_LEARNER} graded attempt(s) each, {SESSIONS} of them logged in by the load",
    ]


def markdown(reports: list[Report], seconds: float) -> str:
    lines = [*machine(), f"- Each run {seconds:g} s; ratio = app req/s ÷ mean of the bare runs "
             "just before and after it.", ""]  # fmt: skip
    for report in reports:
        bare = ", ".join(f"{b.rps:.0f}" for b in report.bare)
        lines += [
            f"### {report.database}",
            "",
            f'Bare Flask "hello" runs, in order (req/s): {bare}',
            "",
            "| request | req/s | p50 ms | p99 ms | errors | ratio to bare | SQL statements |",
            "|---|---|---|---|---|---|---|",
        ]
        for result, ratio in report.runs:
            shown = f"{ratio:.3f}" if ratio is not None else ""
            count = report.statements.get(result.name, "")
            lines.append(
                f"| {result.name} | {result.rps:.0f} | {result.p50_ms:.1f} | "
                f"{result.p99_ms:.1f} | {result.errors} | {shown} | {count} |"
            )
        submit = next(r for r, _ in report.runs if r.name == "submit")
        lines += [
            "",
            f"Submits answered 302: {report.submits}; graded by them (header): {submit.graded}; "
            f"attempts newly submitted in the database: {report.graded_in_database} (these "
            f"include the up to {CONNECTIONS} submits still queued when the run ended).",
            "",
        ]
        if submit.graded < report.submits:
            lines += ["**The pool of open attempts ran out: raise SESSIONS.**", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    runner = run_python if args.python_client or not shutil.which("wrk") else run_wrk
    began = time.monotonic()
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="milidip-bench-") as temporary:
        folder = Path(temporary)
        with gunicorn("bare_flask:app", {}, ROOT / "scripts") as bare_host:
            settings = (bare_host, args.seconds, runner, folder)
            if args.only != "postgresql":
                url = f"sqlite:///{folder / 'bench.sqlite3'}"
                reports.append(bench_database("SQLite", url, *settings))
            if args.only != "sqlite":
                with postgres_database() as url:
                    if url is not None:
                        reports.append(bench_database("PostgreSQL", url, *settings))
    text = markdown(reports, args.seconds)
    print("\n" + text)
    print(f"(whole benchmark: {time.monotonic() - began:.0f} s)")
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""A workshop under load: simulated participants against a real `annotator serve` on SQLite.

Run by hand (not a test; it takes `--minutes` plus start-up and checking):

    python bench/workshop_load.py [--participants 60] [--minutes 5] [--seed 1] [--threads 8] [--attack 200]

It starts `python -m annotator serve --port 0` on a fresh data folder (the sample scenes, an instructor token),
then runs, each in its own thread, participants whose HTTP side is a browser's: one cookie jar, up to 6
kept-alive connections to the server (Chromium's limit per host; they stay open between requests), a page's
style sheets, scripts (ES modules: each module's imports in turn), and images fetched 6 at a time as a browser
does, and a cache that obeys Cache-Control and revalidates with If-None-Match:

- each participant opens the join page (CSRF token and session cookie) with its assets, joins with a name, asks
  for the next image (`POST /api/workshop/next`), opens the editor page with its assets (style sheets, the
  editor's modules, the image), its annotations and the image's labour figures, and
  sends the page's `open` and `tool` events; then, until the time is up, every 5-20 s (random, seeded) saves
  a polygon of 10-40 vertices inside the image with the events the editor records for it (`draw-start`, one
  `vertex` per click with its point and provenance, `close`) timed on the page's clock, sometimes after a zoom
  or pan sent on their own; about one save in six is an edit of one of their own polygons instead (`PATCH`
  with `select` and `move-vertex` events); after each save the editor's figures are fetched again; after 3-8
  polygons they move on to the next image (a new editor session). A failed save is retried with the same
  client id, as the editor does.
- the instructor polls `GET /api/workshop/live` every 3 s.
- with `--attack N`, an attacker opens N connections that each send half a request and then one more header
  byte every 30 s (slowloris), opening a new one whenever the server closes one.

At the end it counts errors by request kind and status, then checks as the instructor that every outline each
participant saved exists exactly once, with its client id, on its image, under its author, at the version its
last edit made (no loss, no duplicates), and that every labour event the server accepted is stored once. It
prints p50 / p95 / p99 / max latency per request kind (saves first), and the server's resident memory (RSS).
Exit status 1 if any request failed, any participant could not do its work (could not join, its thread died),
or any check did not hold.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import io
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

URL_LINE = re.compile(r"Open (http://\S+/) in a browser\.")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TOKEN = "load-test-instructor"
CATEGORIES = (7, 7, 7, 1, 2, 5, 5, 8, 12, 15)  # cars most often, as in a street scene
RETRIES = 3
CONNECTIONS_PER_BROWSER = 6  # Chromium's (and Firefox's) limit of HTTP/1.1 connections per host
PAGE_ASSETS = re.compile(r'<(?:link rel="stylesheet" href|script[^>]* src|img[^>]* src)="([^"]+)"')
MODULE_IMPORTS = re.compile(r'(?:^|\n)\s*(?:import|export)\b[^;]*?["\'](\.{1,2}/[^"\']+)["\']')
MAX_AGE = re.compile(r"max-age=(\d+)")


# --- the server ---------------------------------------------------------------------------------------------


def start_server(data_dir: Path, threads: int) -> tuple[subprocess.Popen, str, Path]:
    log = data_dir.parent / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANNOTATOR_")}
    env.update(PYTHONUNBUFFERED="1", ANNOTATOR_LOAD_SAMPLES="true")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "annotator", "serve", "--port", "0", "--threads", str(threads),
             "--data-dir", str(data_dir), "--instructor-token", TOKEN],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = URL_LINE.search(log.read_text(errors="replace"))
        if found:
            return process, found.group(1), log
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(process)
    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- measurements -------------------------------------------------------------------------------------------


class Stats:
    """Latencies (ms) per request kind, and failures per (kind, status); shared by every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[tuple[str, str]] = Counter()
        self.error_samples: list[str] = []
        self.notes: Counter[str] = Counter()

    def request(self, http: requests.Session, kind: str, method: str, url: str, ok: tuple[int, ...] = (200, 201),
                **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = http.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.fail(kind, type(exc).__name__, f"{method} {url}: {exc}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed)
        if response.status_code not in ok:
            self.fail(kind, str(response.status_code), f"{method} {url}: {response.text[:300]}")
            return None
        return response

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1

    def fail(self, kind: str, status: str, sample: str) -> None:
        with self.lock:
            self.errors[(kind, status)] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(sample)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


# --- a browser ----------------------------------------------------------------------------------------------


@dataclass
class Cached:
    etag: str | None
    fresh_until: float
    body: bytes


class Browser:
    """A browser's HTTP side: one cookie jar, at most 6 kept-alive connections to the server, sub-resources
    fetched 6 at a time, and a cache that obeys max-age and revalidates with If-None-Match."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.http = requests.Session()
        self.http.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=CONNECTIONS_PER_BROWSER,
                                               pool_block=True))
        self.fetchers = concurrent.futures.ThreadPoolExecutor(CONNECTIONS_PER_BROWSER)
        self.cache: dict[str, Cached] = {}
        self.lock = threading.Lock()

    def page(self, kind: str, url: str) -> requests.Response | None:
        """The page, then its style sheets, scripts (and their imports, level by level) and images."""
        answer = self.stats.request(self.http, kind, "GET", url)
        if answer is None:
            return None
        wanted = [urljoin(answer.url, found) for found in PAGE_ASSETS.findall(answer.text)]
        seen = set(wanted)
        while wanted:
            bodies = list(self.fetchers.map(self.asset, wanted))
            imports = []
            for asset_url, body in zip(wanted, bodies, strict=True):
                if body is not None and urlsplit(asset_url).path.endswith(".js"):
                    for found in MODULE_IMPORTS.findall(body.decode("utf-8", "replace")):
                        module = urljoin(asset_url, found)
                        if module not in seen:
                            seen.add(module)
                            imports.append(module)
            wanted = imports
        return answer

    def asset(self, url: str) -> bytes | None:
        with self.lock:
            cached = self.cache.get(url)
        if cached is not None and time.monotonic() < cached.fresh_until:
            self.stats.note("asset from cache")
            return cached.body
        kind = "image file" if "/images/" in url else "static file"
        headers = {"If-None-Match": cached.etag} if cached is not None and cached.etag else {}
        answer = self.stats.request(self.http, kind, "GET", url, ok=(200, 304), headers=headers)
        if answer is None:
            return None
        self.stats.note(f"{kind} {answer.status_code}")
        body = cached.body if answer.status_code == 304 and cached is not None else answer.content
        control = answer.headers.get("Cache-Control", "")
        max_age = MAX_AGE.search(control)
        fresh_s = int(max_age.group(1)) if max_age and "no-cache" not in control else 0
        with self.lock:
            self.cache[url] = Cached(answer.headers.get("ETag"), time.monotonic() + fresh_s, body)
        return body

    def close(self) -> None:
        self.fetchers.shutdown(wait=False)
        self.http.close()


# --- a participant ------------------------------------------------------------------------------------------


def star_polygon(rng: random.Random, width: int, height: int, vertices: int) -> list[list[float]]:
    """A simple (never self-crossing) outline inside the image, as a hand goes round an object: one vertex per
    step of angle round a centre, each a little early or late, at a varying distance."""
    radius = rng.uniform(25, 160)
    cx = rng.uniform(radius + 2, width - radius - 2)
    cy = rng.uniform(radius + 2, height - radius - 2)
    points = []
    for index in range(vertices):
        angle = 2 * math.pi * (index + rng.uniform(-0.3, 0.3)) / vertices
        distance = radius * rng.uniform(0.7, 1.0)
        points.append([round(cx + distance * math.cos(angle), 1), round(cy + distance * math.sin(angle), 1)])
    return points


@dataclass
class Saved:
    client_id: str
    image_id: int
    annotation_id: int
    version: int
    parts: list[dict[str, Any]]  # as the server stored them


@dataclass
class Participant:
    number: int
    base: str
    seed: int
    deadline: float
    stats: Stats
    name: str = ""
    pseudonym: str = ""
    saved: dict[str, Saved] = field(default_factory=dict)
    events_accepted: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    finished: bool = False  # did the whole session: joined, worked until the end, no failure that stopped it

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 1000 + self.number)
        self.name = f"Participant {self.number + 1:02d}"
        self.browser = Browser(self.stats)
        self.http = self.browser.http

    # The editor page: one session with its own clock (ms since the page opened).
    def open_page(self, image: dict[str, Any]) -> None:
        self.image = image
        self.session = f"load-{self.number:02d}-{self.rng.getrandbits(40):010x}"
        self.page_started = time.monotonic()
        self.seq = 0
        self.last_t = 0.0
        self.browser.page("editor page", f"{self.base}annotate/{image['id']}")
        self.stats.request(self.http, "annotations list", "GET", f"{self.base}api/images/{image['id']}/annotations")
        self.send_events([self.event("open", data={"annotations": 0, "width": image["width"],
                                                   "height": image["height"]}),
                          self.event("tool", data={"tool": "polygon"})])
        self.figures()

    def clock(self) -> float:
        return round((time.monotonic() - self.page_started) * 1000, 1)

    def event(self, kind: str, annotation: str | None = None, data: dict[str, Any] | None = None,
              at: float | None = None) -> dict[str, Any]:
        self.seq += 1
        self.last_t = max(self.last_t, round(self.clock() if at is None else at, 1))
        event: dict[str, Any] = {"seq": self.seq, "kind": kind, "t": self.last_t}
        if annotation:
            event["annotation"] = annotation
        if data:
            event["data"] = data
        return event

    def send_events(self, events: list[dict[str, Any]]) -> None:
        response = self.stats.request(self.http, "events", "POST", f"{self.base}api/images/{self.image['id']}/events",
                                      headers=self.headers, json={"session_id": self.session, "sent_t": self.clock(),
                                                                  "events": events})
        if response is not None:
            self.events_accepted[self.session].update(event["seq"] for event in events)

    def figures(self) -> None:
        self.stats.request(self.http, "editor figures", "GET",
                           f"{self.base}api/images/{self.image['id']}/labour?session={self.session}")

    def next_image(self, current: int | None) -> dict[str, Any]:
        answer = self.stats.request(self.http, "next image", "POST", f"{self.base}api/workshop/next",
                                    headers=self.headers, json={"current": current})
        image_id = answer.json()["image_id"] if answer is not None else None
        if image_id is None:  # finished every image (or the request failed): any scene will do
            image_id = self.rng.randint(1, 8)
        found = self.stats.request(self.http, "image", "GET", f"{self.base}api/images/{image_id}")
        return found.json() if found is not None else {"id": image_id, "width": 1280, "height": 720}

    def run(self) -> None:
        page = self.browser.page("join page", f"{self.base}join")
        if page is None:
            return
        self.headers = {"X-CSRFToken": CSRF.search(page.text).group(1)}
        joined = self.stats.request(self.http, "join", "POST", f"{self.base}api/join", headers=self.headers,
                                    json={"name": self.name})
        if joined is None:
            return
        self.pseudonym = joined.json()["annotator"]
        self.open_page(self.next_image(None))
        on_this_image = self.rng.randint(3, 8)
        while True:
            wait = self.rng.uniform(5, 20)
            if time.monotonic() + wait > self.deadline:
                break
            started = self.clock()
            time.sleep(wait)
            mine_here = [saved for saved in self.saved.values() if saved.image_id == self.image["id"]]
            if mine_here and self.rng.random() < 1 / 6:
                self.edit(self.rng.choice(mine_here), started)
            else:
                self.draw(started)
                on_this_image -= 1
            self.figures()
            if on_this_image <= 0:
                self.open_page(self.next_image(self.image["id"]))
                on_this_image = self.rng.randint(3, 8)
        self.finished = True

    def draw(self, started: float) -> None:
        """One polygon: looking for the object, then the clicks spread over the time spent, then the save."""
        now = self.clock()
        vertices = self.rng.randint(10, 40)
        points = star_polygon(self.rng, self.image["width"], self.image["height"], vertices)
        client_id = f"load-{self.number:02d}-{self.rng.getrandbits(48):012x}"
        search_end = started + (now - started) * self.rng.uniform(0.2, 0.4)
        if self.rng.random() < 0.3:  # zoomed in to look: sent on its own, as the editor's 10 s flush does
            self.send_events([self.event("zoom", data={"zoom": round(self.rng.uniform(1.5, 4), 2), "via": "wheel"},
                                         at=started + (search_end - started) / 2)])
        category = self.rng.choice(CATEGORIES)
        events = [self.event("draw-start", client_id, {"category": category}, at=search_end)]
        step = (now - search_end) / (vertices + 1)
        for index, point in enumerate(points):
            provenance = "trace" if self.rng.random() < 0.1 else "click"
            events.append(self.event("vertex", client_id, {"point": point, "provenance": provenance, "index": index},
                                     at=search_end + step * index))
        events.append(self.event("close", client_id, {"method": "enter", "vertices": vertices}, at=now))
        flat = [value for point in points for value in point]
        body = {"client_id": client_id, "category_id": category, "parts": [{"points": flat}],
                "session_id": self.session, "sent_t": self.clock(), "events": events}
        for _attempt in range(RETRIES):  # the editor resends the same client id until it is stored
            answer = self.stats.request(self.http, "save (POST)", "POST",
                                        f"{self.base}api/images/{self.image['id']}/annotations",
                                        headers=self.headers, json=body)
            if answer is not None:
                stored = answer.json()["annotation"]
                self.saved[client_id] = Saved(client_id, self.image["id"], stored["id"], stored["version"],
                                              stored["parts"])
                self.events_accepted[self.session].update(event["seq"] for event in events)
                return

    def edit(self, saved: Saved, started: float) -> None:
        """Drag one vertex of one's own polygon a few pixels."""
        now = self.clock()
        parts = [dict(part, points=list(part["points"])) for part in saved.parts]
        flat = max(parts, key=lambda part: len(part["points"]))["points"]
        index = self.rng.randrange(len(flat) // 2)
        flat[2 * index] = round(min(self.image["width"], max(0, flat[2 * index] + self.rng.uniform(-3, 3))), 1)
        events = [self.event("select", saved.client_id, {"via": "canvas"}, at=started + (now - started) * 0.7),
                  self.event("move-vertex", saved.client_id, {"index": index}, at=now)]
        body = {"version": saved.version, "parts": parts, "session_id": self.session,
                "sent_t": self.clock(), "events": events}
        answer = self.stats.request(self.http, "edit (PATCH)", "PATCH",
                                    f"{self.base}api/annotations/{saved.annotation_id}", headers=self.headers,
                                    json=body)
        if answer is not None:
            stored = answer.json()["annotation"]
            saved.version, saved.parts = stored["version"], stored["parts"]
            self.events_accepted[self.session].update(event["seq"] for event in events)


def hold_half_open(host: str, port: int, count: int, stop: threading.Event, stats: Stats) -> None:
    """Slowloris: `count` connections, each sending half a request, then one more header byte every 30 s;
    any the server closes is opened again."""

    def opened() -> socket.socket | None:
        try:
            conn = socket.create_connection((host, port), timeout=5)
            conn.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nX-Slow: ")
            stats.note("attacker: connections opened")
            return conn
        except OSError:
            stats.note("attacker: connections refused")
            return None

    held = [opened() for _ in range(count)]
    while not stop.wait(30):
        for index, conn in enumerate(held):
            try:
                if conn is None:
                    raise OSError
                conn.sendall(b"a")
            except OSError:
                if conn is not None:
                    conn.close()
                    stats.note("attacker: connections closed by the server")
                held[index] = opened()
    for conn in held:
        if conn is not None:
            conn.close()


def poll_live(base: str, deadline: float, stats: Stats, answers: list[dict[str, Any]]) -> None:
    http = requests.Session()
    http.headers["X-Instructor-Token"] = TOKEN
    while time.monotonic() < deadline:
        started = time.monotonic()
        answer = stats.request(http, "live poll", "GET", f"{base}api/workshop/live")
        if answer is not None:
            answers.append(answer.json())
        time.sleep(max(0.0, 3 - (time.monotonic() - started)))


# --- checking what the server kept --------------------------------------------------------------------------


def verify(base: str, people: list[Participant]) -> tuple[list[str], int, int]:
    """Problems found, outlines checked, accepted events checked."""
    http = requests.Session()
    http.headers["X-Instructor-Token"] = TOKEN
    problems: list[str] = []
    stored: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for image_id in range(1, 9):
        for item in http.get(f"{base}api/images/{image_id}/annotations", timeout=60).json()["items"]:
            stored[item["client_id"]].append(item)
    expected = {client_id: (person, saved) for person in people for client_id, saved in person.saved.items()}
    for client_id, (person, saved) in expected.items():
        found = stored.get(client_id, [])
        if len(found) != 1:
            problems.append(f"{client_id} of {person.name}: stored {len(found)} times")
            continue
        item = found[0]
        if (item["image_id"], item["annotator"], item["version"]) != (saved.image_id, person.pseudonym,
                                                                        saved.version):
            problems.append(f"{client_id}: stored as image {item['image_id']}, {item['annotator']}, "
                            f"version {item['version']}; expected {saved.image_id}, {person.pseudonym}, "
                            f"{saved.version}")
    for client_id in set(stored) - set(expected):
        problems.append(f"{client_id}: stored but never saved by anyone (a phantom or a lost answer)")

    events_csv = http.get(f"{base}api/labour/events.csv", timeout=120).text
    kept: dict[str, Counter[int]] = defaultdict(Counter)
    for row in csv.DictReader(io.StringIO(events_csv)):
        kept[row["session"]][int(row["seq"])] += 1
    for person in people:
        for session, seqs in person.events_accepted.items():
            counted = kept.get(session, Counter())
            lost = seqs - set(counted)
            doubled = [seq for seq, times in counted.items() if times > 1]
            if lost or doubled:
                problems.append(f"session {session}: {len(lost)} accepted events missing, {len(doubled)} doubled")
    return problems, len(expected), sum(len(s) for p in people for s in p.events_accepted.values())


# --- the run ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8, help="the server's --threads")
    parser.add_argument("--no-live", action="store_true", help="leave out the instructor's live-view polling")
    parser.add_argument("--attack", type=int, default=0, metavar="N",
                        help="an attacker holds N half-open connections (slowloris) throughout")
    parser.add_argument("--data-dir", type=Path, help="where the server keeps its data (default: a temporary folder)")
    options = parser.parse_args()

    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="workshop-load-")) / "data"
    process, base, log = start_server(data_dir, options.threads)
    print(f"server {base} (pid {process.pid}, {options.threads} threads) on {data_dir}", flush=True)
    stats = Stats()
    rss: list[float] = []
    load: list[float] = []  # the machine's 1-minute load average: other work on a shared machine shows here
    live_answers: list[dict[str, Any]] = []
    started = time.monotonic()
    deadline = started + options.minutes * 60
    try:
        people = [Participant(number, base, options.seed, deadline, stats) for number in range(options.participants)]
        threads = [] if options.no_live else [
            threading.Thread(target=poll_live, args=(base, deadline, stats, live_answers), daemon=True)]
        stop_attack = threading.Event()
        if options.attack:
            where = urlsplit(base)
            attacker = threading.Thread(target=hold_half_open, daemon=True,
                                        args=(where.hostname, where.port, options.attack, stop_attack, stats))
            attacker.start()
            time.sleep(2)  # the attack is in place before anyone arrives
        arrivals = random.Random(options.seed)
        for person in people:
            def arrive(person: Participant = person, delay: float = arrivals.uniform(0, 10)) -> None:
                time.sleep(delay)  # people arrive over the first ten seconds
                try:
                    person.run()
                except Exception as exc:  # a participant who stopped working is a failure, not a silence
                    stats.fail("participant", type(exc).__name__, f"{person.name}: {exc!r}")
                    return
                if not person.finished:
                    stats.fail("participant", "stopped", f"{person.name} could not join or stopped early")
            threads.append(threading.Thread(target=arrive, daemon=True))
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            value = rss_mb(process.pid)
            if value is not None:
                rss.append(value)
            load.append(os.getloadavg()[0])
            if len(rss) % 15 == 1:  # a line every 30 s
                print(f"{time.monotonic() - started:5.0f} s  saves {len(stats.latencies['save (POST)']):5d}  "
                      f"errors {sum(stats.errors.values()):3d}  rss {rss[-1] if rss else 0:6.1f} MB", flush=True)
            time.sleep(2)
        ran_s = time.monotonic() - started
        stop_attack.set()
        server_cpu = cpu_seconds(process.pid)
        problems, outlines, events = verify(base, people)
        final_rss = rss_mb(process.pid)
    finally:
        stop_server(process)

    print(f"\n{options.participants} participants, {ran_s / 60:.1f} min, seed {options.seed}, server threads "
          f"{options.threads}, SQLite (WAL)" + (f", attacker holding {options.attack} half-open connections"
                                                  if options.attack else ""))
    print(f"{'request':<18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    order = ["save (POST)", "edit (PATCH)", "events", "editor figures", "live poll", "join page", "join",
             "next image", "editor page", "static file", "image file", "annotations list", "image"]
    for kind in order + sorted(set(stats.latencies) - set(order)):
        values = stats.latencies.get(kind)
        if values:
            print(f"{kind:<18} {len(values):>6} {statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f} "
                  f"{percentile(values, 0.99):>8.1f} {max(values):>8.1f}")
    print(f"server RSS: peak {max(rss):.0f} MB, at the end {final_rss or 0:.0f} MB" if rss else "server RSS: n/a")
    if server_cpu is not None:
        print(f"server CPU: {server_cpu:.0f} s in {ran_s:.0f} s ({100 * server_cpu / ran_s:.0f} % of one core, "
              f"start-up included); machine load average during the run: mean {statistics.fmean(load):.2f}, "
              f"max {max(load):.2f} on {os.cpu_count()} cores")
    if live_answers:
        last = live_answers[-1]["totals"]
        print(f"live view at the end: {last['people']} people, {last['objects']} objects, "
              f"{last['active_ms'] / 3_600_000:.2f} person-hours")
    print(f"participants who did their work: {sum(person.finished for person in people)} of {len(people)}")
    if stats.notes:
        print("fetches: " + ", ".join(f"{what} x{count}" for what, count in sorted(stats.notes.items())))
    print(f"errors: {sum(stats.errors.values())}" + "".join(
        f"\n  {kind}: {status} x{count}" for (kind, status), count in sorted(stats.errors.items())))
    for sample in stats.error_samples[:5]:
        print(f"  e.g. {sample}")
    print(f"checked {outlines} outlines and {events} accepted events: "
          + ("all stored exactly once" if not problems else f"{len(problems)} problems"))
    for problem in problems[:20]:
        print(f"  {problem}")
    if "Traceback" in log.read_text(errors="replace"):
        print(f"the server logged a traceback: see {log}")
    return 1 if stats.errors or problems or not all(person.finished for person in people) else 0


if __name__ == "__main__":
    sys.exit(main())

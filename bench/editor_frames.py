"""Editor frame times with 1,000 polygons of 40 vertices on a 2048 x 1024 image, in headless Chromium.

Makes a fresh data folder, a textured 2048 x 1024 PNG (Pillow) and a COCO file of 1,000 star-shaped
polygons (40 vertices each, deterministic), imports both with `annotator import-coco --images`,
starts `annotator serve --port 0` (samples off) and opens the editor in /usr/bin/chromium. Measures:

  open   navigation start -> `annotatorEditor.state().ready`, -> the first animation frame after it
         (the polygons painted), and the browser's first-contentful-paint; --opens page loads
  drag   requestAnimationFrame deltas while a vertex of the selected polygon is dragged across the canvas
         with real mouse moves for --seconds
  pan    the same while panning with Space+drag

and prints median and p95 of each. Then (unless --no-profile) repeats the drag under the CDP sampling
profiler and prints the functions with the most self time: where a slow frame goes.

    python bench/editor_frames.py [--seconds 3] [--opens 5] [--no-profile] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WIDTH, HEIGHT = 2048, 1024
POLYGONS, VERTICES = 1000, 40
URL_LINE = re.compile(r"Open (http://\S+/) in a browser\.")
READY = "() => window.annotatorEditor !== undefined && window.annotatorEditor.state().ready"

# Runs in every page before the editor: timestamps of ready and of the first frame after it, and a
# requestAnimationFrame recorder the bench switches on and off.
INIT_SCRIPT = """
(() => {
  const marks = { ready: null, paintedAfterReady: null };
  window.__bench = { marks, frames: [], recording: false };
  function watch() {
    const editor = window.annotatorEditor;
    if (marks.ready === null && editor && editor.state().ready) {
      marks.ready = performance.now();
      requestAnimationFrame(() => requestAnimationFrame((t) => { marks.paintedAfterReady = t; }));
    }
    if (marks.ready === null) requestAnimationFrame(watch);
  }
  requestAnimationFrame(watch);
  function frame(t) {
    if (window.__bench.recording) window.__bench.frames.push(t);
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  window.__bench.loaf = [];
  try {
    new PerformanceObserver((list) => {
      if (!window.__bench.recording) return;
      for (const entry of list.getEntries()) {
        window.__bench.loaf.push({
          duration: entry.duration,
          render: entry.renderStart ? entry.startTime + entry.duration - entry.renderStart : 0,
          scripts: entry.scripts.map((script) => ({
            name: `${script.sourceFunctionName || script.invoker} ${(script.sourceURL || "").split("/").pop()}`,
            duration: script.duration })),
        });
      }
    }).observe({ type: "long-animation-frame", buffered: false });
  } catch (error) {
    // no Long Animation Frames API: the breakdown is left out
  }
})();
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms   " \
           f"max {max(values):7.1f} ms   n={len(values)}"


# --- the data --------------------------------------------------------------------------------------


def make_image(path: Path) -> None:
    """A road-scene-like texture: gradients, blocks and noise, so nothing is uniform."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    red = 90 + 60 * np.sin(x / 97.0) + 40 * (y / HEIGHT)
    green = 110 + 50 * np.cos(y / 53.0 + x / 311.0)
    blue = 140 - 70 * (y / HEIGHT) + 30 * np.sin((x + y) / 41.0)
    pixels = np.stack([red, green, blue], axis=-1) + rng.normal(0, 18, (HEIGHT, WIDTH, 3))
    for _ in range(120):
        bx, by = rng.integers(0, WIDTH - 200), rng.integers(0, HEIGHT - 120)
        pixels[by:by + rng.integers(20, 120), bx:bx + rng.integers(20, 200)] += rng.normal(0, 50, 3)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, optimize=False)


def star(rng: random.Random, cx: float, cy: float, radius: float) -> list[float]:
    """A star-shaped (never self-intersecting) ring of VERTICES points around (cx, cy), inside the image."""
    flat: list[float] = []
    for index in range(VERTICES):
        angle = 2 * math.pi * index / VERTICES
        r = radius * (0.65 + 0.35 * rng.random())
        flat += [round(min(WIDTH - 1, max(1, cx + r * math.cos(angle))), 2),
                 round(min(HEIGHT - 1, max(1, cy + r * math.sin(angle))), 2)]
    return flat


def make_coco(path: Path, image_name: str) -> None:
    rng = random.Random(11)
    categories = [{"id": i + 1, "name": name, "supercategory": "bench"}
                  for i, name in enumerate(["car", "person", "road", "building", "tree"])]
    annotations = []
    for index in range(POLYGONS):
        radius = rng.uniform(15, 60)
        cx, cy = rng.uniform(radius + 2, WIDTH - radius - 2), rng.uniform(radius + 2, HEIGHT - radius - 2)
        flat = star(rng, cx, cy, radius)
        xs, ys = flat[0::2], flat[1::2]
        annotations.append({"id": index + 1, "image_id": 1, "category_id": 1 + index % len(categories),
                            "segmentation": [flat], "iscrowd": 0, "area": math.pi * radius * radius * 0.7,
                            "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]})
    path.write_text(json.dumps({
        "images": [{"id": 1, "file_name": image_name, "width": WIDTH, "height": HEIGHT}],
        "categories": categories, "annotations": annotations}))


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANNOTATOR_")}
    env.update(ANNOTATOR_LOAD_SAMPLES="false", PYTHONUNBUFFERED="1")
    return env


def annotator(*args: str) -> list[str]:
    return [sys.executable, "-m", "annotator", *args]


def prepare(data_dir: Path, work: Path) -> None:
    images = work / "images"
    images.mkdir(parents=True)
    make_image(images / "bench-street.png")
    make_coco(work / "bench.json", "bench-street.png")
    started = time.perf_counter()
    done = subprocess.run(annotator("import-coco", str(work / "bench.json"), "--images", str(images),
                                    "--data-dir", str(data_dir)),
                          env=environment(), capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"import-coco failed:\n{done.stdout}\n{done.stderr}")
    print(f"import-coco of {POLYGONS} polygons x {VERTICES} vertices: {time.perf_counter() - started:.1f} s")


def serve(data_dir: Path, logs: Path) -> tuple[subprocess.Popen, str]:
    with open(logs / "server.stdout", "wb") as out, open(logs / "server.stderr", "wb") as err:
        process = subprocess.Popen(annotator("serve", "--port", "0", "--data-dir", str(data_dir)),
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=environment())
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        match = URL_LINE.search((logs / "server.stdout").read_text(errors="replace"))
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the server did not start:\n{(logs / 'server.stderr').read_text(errors='replace')}")


# --- the browser -----------------------------------------------------------------------------------


def client(page: Any, x: float, y: float) -> tuple[float, float]:
    at = page.evaluate("([x, y]) => window.annotatorEditor.imageToClient(x, y)", [x, y])
    return at["x"], at["y"]


def measure_open(page: Any, url: str, runs: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        page.goto(url)
        page.wait_for_function(READY, timeout=120_000)
        page.wait_for_function("() => window.__bench.marks.paintedAfterReady !== null")
        marks = page.evaluate("""() => ({
            ...window.__bench.marks,
            fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
            annotations: window.annotatorEditor.state().annotations.length })""")
        assert marks["annotations"] == POLYGONS, marks
        found["ready"].append(marks["ready"])
        found["painted"].append(marks["paintedAfterReady"])
        if marks["fcp"] is not None:
            found["fcp"].append(marks["fcp"])
    return found


LOAF: list[dict[str, Any]] = []  # long animation frames (> 50 ms) of the last gesture


def record_frames(page: Any, gesture) -> tuple[list[float], int]:
    page.evaluate("() => { window.__bench.frames = []; window.__bench.loaf = []; window.__bench.recording = true; }")
    moves = gesture()
    page.wait_for_timeout(200)  # let the last long-animation-frame entries arrive
    frames = page.evaluate("() => { window.__bench.recording = false; return window.__bench.frames; }")
    LOAF[:] = page.evaluate("() => window.__bench.loaf")
    deltas = [b - a for a, b in itertools.pairwise(frames)]
    return deltas, moves


def loaf_breakdown() -> str:
    """Where the long (> 50 ms) frames of the last gesture went: script (by function) and rendering."""
    if not LOAF:
        return "    no long animation frames (> 50 ms)"
    scripts: dict[str, float] = defaultdict(float)
    for entry in LOAF:
        for script in entry["scripts"]:
            scripts[script["name"]] += script["duration"]
    total = sum(entry["duration"] for entry in LOAF)
    longest = statistics.median(entry["duration"] for entry in LOAF)
    rendering = statistics.median(entry["render"] for entry in LOAF)
    lines = [f"    {len(LOAF)} long frames, {total:.0f} ms in all: median {longest:.0f} ms, of which rendering "
             f"(style, layout, paint, canvas raster) median {rendering:.0f} ms"]
    for name, ms in sorted(scripts.items(), key=lambda kv: -kv[1])[:4]:
        lines.append(f"    script {ms:7.0f} ms  {name}")
    return "\n".join(lines)


def sweep(page: Any, start: tuple[float, float], seconds: float, span: tuple[float, float]) -> int:
    """Mouse moves from `start` back and forth over `span` (client px) for `seconds`; returns the move count."""
    moves, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        phase = (elapsed / 1.5) % 2  # one way in 1.5 s, then back
        f = phase if phase <= 1 else 2 - phase
        page.mouse.move(start[0] + span[0] * f, start[1] + span[1] * f)
        moves += 1
    return moves


def pick_polygon(page: Any) -> dict[str, Any]:
    """A polygon near the middle of the image: the drag crosses many others."""
    annotations = page.evaluate("() => window.annotatorEditor.state().annotations")

    def distance(annotation: dict[str, Any]) -> float:
        flat = annotation["parts"][0]["points"]
        return math.hypot(sum(flat[0::2]) / VERTICES - WIDTH * 0.3, sum(flat[1::2]) / VERTICES - HEIGHT * 0.5)

    return min(annotations, key=distance)


def drag_vertex(page: Any, seconds: float) -> tuple[list[float], int]:
    target = pick_polygon(page)
    flat = target["parts"][0]["points"]
    page.keyboard.press("v")
    # Select it through the list (clicking inside could hit a polygon drawn over it).
    page.locator("#polygon-list .polygon-item").nth(
        [a["clientId"] for a in page.evaluate("() => window.annotatorEditor.state().annotations")]
        .index(target["clientId"])).click()
    assert page.evaluate("() => window.annotatorEditor.state().selectedId") == target["clientId"]
    start = client(page, flat[0], flat[1])
    page.mouse.move(*start)
    page.mouse.down()
    stage = page.locator("#stage").bounding_box()
    span = (stage["x"] + stage["width"] * 0.9 - start[0], stage["y"] + stage["height"] * 0.2 - start[1])
    result = record_frames(page, lambda: sweep(page, start, seconds, span))
    page.mouse.up()
    return result


def pan(page: Any, seconds: float) -> tuple[list[float], int]:
    page.keyboard.press("Escape")
    stage = page.locator("#stage").bounding_box()
    start = (stage["x"] + stage["width"] * 0.2, stage["y"] + stage["height"] * 0.3)
    page.mouse.move(*start)
    page.keyboard.down("Space")
    page.mouse.down()
    result = record_frames(page, lambda: sweep(page, start, seconds, (stage["width"] * 0.5, stage["height"] * 0.3)))
    page.mouse.up()
    page.keyboard.up("Space")
    return result


# The base layer's work, replayed on a canvas of the stage's size (as renderer.js drawBase does it: the
# image, then each polygon filled at the opacity, stroked twice), with a 1-pixel read to force the raster.
CANVAS_PROBE = """
async () => {
  const stage = document.getElementById('stage').getBoundingClientRect();
  const image = document.getElementById('editor-image');
  const annotations = window.annotatorEditor.state().annotations;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(stage.width); canvas.height = Math.round(stage.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: false });
  const scale = Math.min(stage.width / image.naturalWidth, stage.height / image.naturalHeight);
  const time = (work, runs = 5) => {
    const took = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, canvas.width, canvas.height);
      work(); ctx.getImageData(0, 0, 1, 1);
      took.push(performance.now() - t0);
    }
    return took.sort((a, b) => a - b)[Math.floor(runs / 2)];
  };
  const drawImage = () => { ctx.setTransform(scale, 0, 0, scale, 0, 0); ctx.drawImage(image, 0, 0); };
  const polygons = (fill, stroke) => () => {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (const a of annotations) {
      const flat = a.parts[0].points;
      ctx.beginPath();
      for (let i = 0; i < flat.length; i += 2) ctx.lineTo(flat[i] * scale, flat[i + 1] * scale);
      ctx.closePath();
      if (fill) { ctx.fillStyle = 'rgba(200, 80, 40, 0.4)'; ctx.fill('evenodd'); }
      if (stroke) {
        ctx.lineJoin = 'round';
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)'; ctx.lineWidth = 3.5; ctx.stroke();
        ctx.strokeStyle = '#c85028'; ctx.lineWidth = 1.5; ctx.stroke();
      }
    }
  };
  return {
    canvas: [canvas.width, canvas.height],
    image: time(drawImage),
    fills: time(polygons(true, false)),
    strokes: time(polygons(false, true)),
    all: time(() => { drawImage(); polygons(true, true)(); }),
  };
}
"""


def profile(page: Any, gesture, top: int = 8) -> list[tuple[str, float, float]]:
    """Self time per function during a gesture, from the CDP sampling profiler: (name, ms, share)."""
    session = page.context.new_cdp_session(page)
    session.send("Profiler.enable")
    session.send("Profiler.setSamplingInterval", {"interval": 200})
    session.send("Profiler.start")
    gesture()
    result = session.send("Profiler.stop")["profile"]
    nodes = {node["id"]: node for node in result["nodes"]}
    deltas = result["timeDeltas"]
    self_time: dict[str, float] = defaultdict(float)
    for sample, delta in zip(result["samples"], [*deltas[1:], 0], strict=True):
        frame = nodes[sample]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        where = frame["url"].rsplit("/", 1)[-1]
        key = f"{name} {where}:{frame['lineNumber'] + 1}" if where else name
        self_time[key] += delta / 1000
    total = sum(value for key, value in self_time.items() if not key.startswith("(idle)")) or 1
    ranked = sorted(((k, v) for k, v in self_time.items() if not k.startswith("(idle)")), key=lambda kv: -kv[1])
    return [(name, ms, ms / total) for name, ms in ranked[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each gesture (default 3)")
    parser.add_argument("--opens", type=int, default=5, help="page loads timed (default 5)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled drag")
    parser.add_argument("--keep", type=Path, help="use (and keep) this work folder instead of a temporary one")
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = options.keep or Path(tempfile.mkdtemp(prefix="editor-frames-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir, logs = work / "data", work / "logs"
    logs.mkdir(exist_ok=True)
    if not (work / "prepared").exists():
        prepare(data_dir, work)
        (work / "prepared").write_text("import-coco done\n")
    process, url = serve(data_dir, logs)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"Chromium {browser.version}, headless; server {url}")
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.add_init_script(INIT_SCRIPT)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error.stack)))
            image_id = page.request.get(f"{url}api/images").json()["items"][0]["id"]
            editor_url = f"{url}annotate/{image_id}"

            opened = measure_open(page, editor_url, options.opens)
            print(f"\nopen the editor ({POLYGONS} polygons x {VERTICES} vertices, {WIDTH} x {HEIGHT}), "
                  f"{options.opens} loads, from navigation start:")
            print(f"  ready              {summary(opened['ready'])}")
            print(f"  first frame after  {summary(opened['painted'])}")
            if opened["fcp"]:
                print(f"  first-contentful   {summary(opened['fcp'])}")

            deltas, moves = drag_vertex(page, options.seconds)
            print(f"\ndrag a vertex, {options.seconds:.0f} s, {moves} mouse moves: rAF delta {summary(deltas)}")
            print(loaf_breakdown())
            page.wait_for_function("() => window.annotatorEditor.state().pendingSaves === 0", timeout=60_000)
            deltas, moves = pan(page, options.seconds)
            print(f"pan (Space+drag), {options.seconds:.0f} s, {moves} mouse moves: rAF delta {summary(deltas)}")
            print(loaf_breakdown())

            if not options.no_profile:
                for label, gesture in [("dragging a vertex", lambda: drag_vertex(page, options.seconds)),
                                       ("panning", lambda: pan(page, options.seconds))]:
                    page.wait_for_function("() => window.annotatorEditor.state().pendingSaves === 0",
                                           timeout=60_000)
                    print(f"\nself time while {label} ({options.seconds:.0f} s, CDP sampling profiler):")
                    for name, ms, share in profile(page, gesture):
                        print(f"  {ms:8.1f} ms  {share:5.1%}  {name}")
            costs = page.evaluate(CANVAS_PROBE)
            print(f"\nthe base layer's work replayed on a {costs['canvas'][0]} x {costs['canvas'][1]} canvas "
                  f"(median of 5, raster forced): image {costs['image']:.1f} ms, {POLYGONS} fills "
                  f"{costs['fills']:.1f} ms, {POLYGONS} double strokes {costs['strokes']:.1f} ms, "
                  f"all {costs['all']:.1f} ms")
            if errors:
                print("\nuncaught JavaScript errors:\n" + "\n".join(errors))
            browser.close()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Fixtures for the browser tests: the app on a free local port, headless Chromium with a fake camera.

The fake camera plays a real bridge clip (made into .y4m at test time; the clip
itself is never committed). A frame counter is stamped into each frame (a
column of black/white squares at the right edge) so the page can tell which
camera frame it is showing: that gives the camera-to-screen delay.

Works inside a loopback-only network namespace (CI runs
``unshare -n sh -c 'ip link set lo up && pytest tests/browser'``): the app is
started with POSECHECK_WEBRTC_LOOPBACK=1, so its ICE agent offers 127.0.0.1,
and Chromium is allowed loopback candidates.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
VIDEOS = REPO.parent / "shared" / "videos"
BRIDGE_CLIP = VIDEOS / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
BRIDGE_REPS = 3
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
FAKE_LONG_SIDE = 640
# The stamped frame counter: MARK_BITS squares of MARK_PX, plus a white and a black guard square.
MARK_BITS = 10
MARK_PX = 16
MARK_MARGIN = 8
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _skip_unless_ready() -> None:
    if not BRIDGE_CLIP.is_file():
        pytest.skip(f"real footage not found at {BRIDGE_CLIP} (shared test videos are not part of the repo)")
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium; never 'playwright install')")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not found: it makes the fake camera's .y4m file")
    pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")


def stamp_counter(y4m: Path) -> int:
    """Write each frame's index into its luma plane (in place); returns the number of frames."""
    with y4m.open("rb") as fh:
        header = fh.readline().decode("ascii").split()
    width = int(next(h[1:] for h in header if h.startswith("W")))
    height = int(next(h[1:] for h in header if h.startswith("H")))
    header_len = len(" ".join(header)) + 1
    frame_bytes = len(b"FRAME\n") + width * height * 3 // 2
    count = (y4m.stat().st_size - header_len) // frame_bytes
    data = np.memmap(y4m, dtype=np.uint8, mode="r+", offset=header_len, shape=(count, frame_bytes))
    x0 = width - MARK_MARGIN - MARK_PX
    for i in range(count):
        luma = data[i, 6 : 6 + width * height].reshape(height, width)
        # guard squares first (white, black), then the bits, most significant first
        bits = [1, 0] + [(i >> (MARK_BITS - 1 - b)) & 1 for b in range(MARK_BITS)]
        for k, bit in enumerate(bits):
            y0 = MARK_MARGIN + k * MARK_PX
            luma[y0 : y0 + MARK_PX, x0 : x0 + MARK_PX] = 235 if bit else 16
    data.flush()
    del data
    return count


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bridge clip as a .y4m the fake camera loops (about 640 px on the long side, 30 fps)."""
    _skip_unless_ready()
    out = tmp_path_factory.mktemp("camera") / "bridge.y4m"
    scale = f"scale='if(gt(iw,ih),{FAKE_LONG_SIDE},-2)':'if(gt(iw,ih),-2,{FAKE_LONG_SIDE})'"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(BRIDGE_CLIP), "-vf", f"{scale},fps=30",
         "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(out)],
        check=True,
        timeout=120,
    )  # fmt: skip
    stamp_counter(out)
    return out


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not become healthy in {timeout_s} s:\n{log.read_text(errors='replace')}"
    )


@pytest.fixture(scope="session")
def tuned_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the app under test saves tuned rule files (not the project's tuned_rules/)."""
    return tmp_path_factory.mktemp("tuned_rules")


@pytest.fixture(scope="session")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The history database of the app under test (POSECHECK_DB), never the user's own."""
    return tmp_path_factory.mktemp("history") / "history.db"


@contextlib.contextmanager
def running_app(log_name: str, **env_extra: str) -> Iterator[str]:
    """``streamlit run app.py`` on 127.0.0.1 and a free port, with extra environment variables."""
    _skip_unless_ready()
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / log_name
    env = dict(os.environ, POSECHECK_WEBRTC_LOOPBACK="1", **env_extra)
    env.pop("POSECHECK_ICE_SERVERS", None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        # Only the process group we started.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def app_url(tuned_dir: Path, history_db: Path) -> Iterator[str]:
    """The app for the whole test session, saving tuned files and history in temporary places."""
    with running_app(
        "streamlit-e2e.log", POSECHECK_TUNED_DIR=str(tuned_dir), POSECHECK_DB=str(history_db)
    ) as url:
        yield url


# Injected into every frame before its scripts run. It watches the camera stream the page opens and
# every other <video>: each shown frame's stamped counter is read back, so the delay from camera
# frame to screen can be measured on the page's own clock.
LATENCY_PROBE = """
(() => {
  if (window.__pcProbe) return;
  const BITS = %(bits)d, PX = %(px)d, MARGIN = %(margin)d, W = %(width)d;
  const st = window.__pcProbe = {local: new Map(), delays: [], remote: 0, localFrames: 0, firstRemote: null};
  function read(video, canvas) {
    const s = video.videoWidth / W;
    if (!s) return -1;
    const n = BITS + 2;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const x = video.videoWidth - (MARGIN + PX) * s;
    ctx.drawImage(video, x, MARGIN * s, PX * s, n * PX * s, 0, 0, PX, n * PX);
    const px = ctx.getImageData(0, 0, PX, n * PX).data;
    const lum = k => { const o = ((k * PX + PX / 2) * PX + PX / 2) * 4; return px[o + 1]; };
    const hi = lum(0), lo = lum(1);
    if (hi - lo < 80) return -1;
    let v = 0;
    for (let b = 0; b < BITS; b++) v = (v << 1) | (lum(b + 2) > (hi + lo) / 2 ? 1 : 0);
    return v;
  }
  function watch(video, local) {
    const canvas = document.createElement('canvas');
    canvas.width = PX; canvas.height = (BITS + 2) * PX;
    const cb = (now, meta) => {
      const idx = read(video, canvas);
      if (local) {
        st.localFrames++;
        if (idx >= 0) st.local.set(idx, meta.captureTime || meta.presentationTime || now);
      } else {
        st.remote++;
        if (st.firstRemote === null) st.firstRemote = performance.now();
        const t0 = st.local.get(idx);
        const shown = meta.expectedDisplayTime || now;
        if (idx >= 0 && t0 !== undefined && shown - t0 >= 0 && shown - t0 < 5000) st.delays.push(shown - t0);
      }
      video.requestVideoFrameCallback(cb);
    };
    video.requestVideoFrameCallback(cb);
  }
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      const stream = await gum(c);
      st.stream = stream;
      const v = document.createElement('video');
      v.muted = true; v.playsInline = true; v.srcObject = stream;
      v.style = 'position:fixed;right:0;bottom:0;width:4px;height:4px;opacity:0.01;pointer-events:none';
      document.body.appendChild(v);
      v.play().catch(() => {});
      watch(v, true);
      return stream;
    };
  }
  setInterval(() => {
    document.querySelectorAll('video').forEach(v => {
      if (v.__pcWatched || !v.srcObject || v.srcObject === st.stream) return;
      v.__pcWatched = true;
      watch(v, false);
    });
  }, 200);
})();
"""


def chromium_args(camera: Path) -> list[str]:
    """Flags for headless Chromium with the fake camera (user data dir: Playwright makes a fresh one)."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
        "--allow-loopback-in-peer-connection",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Playwright refuses --user-data-dir in launch(); it passes its own fresh temporary one.
    ]


@pytest.fixture(scope="session")
def browser(fake_camera: Path) -> Iterator[Any]:
    """One headless Chromium for the session (contexts are isolated like separate browsers)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=chromium_args(fake_camera))
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any, fake_camera: Path) -> Iterator[Any]:
    """Factory of fresh pages, each in its own browser context (own cookies, own Streamlit session)."""
    contexts: list[Any] = []
    outside: list[str] = []
    probe = LATENCY_PROBE % {
        "bits": MARK_BITS,
        "px": MARK_PX,
        "margin": MARK_MARGIN,
        "width": _camera_width(fake_camera),
    }

    def watch(request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.split(":", 1)[0] in ("http", "https", "ws", "wss") and host not in LOCAL_HOSTS:
            outside.append(request.url)

    def make(width: int = 1400, height: int = 1000) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        ctx.add_init_script(probe)
        ctx.on("request", watch)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60_000)  # a loaded two-core machine can be slow
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    # Privacy: the app must not make the browser fetch anything from outside this machine.
    assert not outside, f"the page requested outside addresses: {sorted(set(outside))}"


def _camera_width(y4m: Path) -> int:
    with y4m.open("rb") as fh:
        header = fh.readline().decode("ascii").split()
    return int(next(h[1:] for h in header if h.startswith("W")))


def shot(page: Any, name: str) -> Path:
    """Full-page screenshot into artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def record(name: str, data: dict[str, Any]) -> None:
    """Keep a measurement in artifacts/e2e-measurements.json (read by people, not by tests)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "e2e-measurements.json"
    try:
        all_data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        all_data = {}
    all_data[name] = data
    path.write_text(json.dumps(all_data, indent=1), encoding="utf-8")

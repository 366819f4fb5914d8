#!/usr/bin/env python3
"""Fifty viewers of a running study (issue 17): the dashboard's page times under load, and the
study's training speed with and without them, side by side, on loopback.

    swift build -c release --product smart-tuner
    python3 Benchmarks/dashboard_load.py [--viewers 50] [--seconds 30] [--smart-tuner .build/release/smart-tuner]

The same study of the built-in model (examples/builtin-study.yaml with validations every 20
steps, in a scratch folder: same seed, a fresh study file each time) runs twice for the same window: alone, then with
`smart-tuner dashboard` serving it to N viewers. Each viewer does what a browser with the
page's script does: loads the study page with its style sheet and script, holds the page's
event stream open, loads the page again whenever the stream says its layout changed, and opens
a running trial's page every 5 s. It counts every request that did not answer 200 as an error,
and reports page times (p50, p90, p99) and the steps the study trained in the window each time.
Standard library only.
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def study_file(folder):
    with open(os.path.join(ROOT, "examples", "builtin-study.yaml")) as file:
        text = file.read()
    text = text.replace("storage: runs/studies.db", f"storage: {folder}/studies.db").replace("directory: runs", f"directory: {folder}/runs")
    # Validations every 20 steps: the steps reached are known finely, and every validation changes the
    # study page's layout, so each viewer loads the page again about once a second (the heavy case).
    text = text.replace("validation_interval: 100", "validation_interval: 20")
    path = os.path.join(folder, "study.yaml")
    with open(path, "w") as file:
        file.write(text)
    return path


def cpu_seconds(pid):
    """User and system CPU time of process `pid` so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def training_speed(database, start_ms, end_ms):
    """Steps per second of a training trial in the window: each trial incarnation's training
    figures (recorded every 10 steps with their times) give the steps it advanced and how long it
    took; the sum of the one over the sum of the other."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = connection.execute("SELECT trial_id, generation, step, at_ms FROM smarttuner_metrics WHERE name = 'train/total' "
                              "AND at_ms BETWEEN ? AND ? ORDER BY trial_id, generation, at_ms", (start_ms, end_ms)).fetchall()
    connection.close()
    steps = seconds = 0.0
    series = {}
    for trial, generation, step, at in rows:
        series.setdefault((trial, generation), []).append((step, at))
    for points in series.values():
        if len(points) > 1 and points[-1][0] > points[0][0]:
            steps += points[-1][0] - points[0][0]
            seconds += (points[-1][1] - points[0][1]) / 1000
    return steps / seconds if seconds else float("nan")


def steps_trained(tuner, config):
    """The steps the study's trials have reached, summed (from `smart-tuner trials --json`)."""
    answer = subprocess.run([tuner, "trials", "--config", config, "--json"], capture_output=True, text=True)
    if answer.returncode != 0:
        return 0
    return sum(row["step"] for row in json.loads(answer.stdout))


class Viewer(threading.Thread):
    def __init__(self, port, study, until):
        super().__init__(daemon=True)
        self.port, self.study, self.until = port, study, until
        self.times, self.errors, self.requests = [], [], 0

    def get(self, path):
        start = time.perf_counter()
        self.requests += 1
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                self.errors.append(f"{path}: {response.status}")
        except Exception as error:  # noqa: BLE001 — every failure is counted and reported
            self.errors.append(f"{path}: {error}")
        self.times.append(time.perf_counter() - start)

    def listen(self, response):
        """Reads the page's event stream (in its own thread) and notes layout changes, as the script does."""
        buffer, shape = b"", None
        try:
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    if event.startswith(b"data: "):
                        snapshot = json.loads(event[6:])
                        self.fields = snapshot["fields"]
                        if shape is not None and snapshot["shape"] != shape:
                            self.changed.set()
                        shape = snapshot["shape"]
        except Exception as error:  # noqa: BLE001 — closed at the end of the window, or a failure to report
            if time.monotonic() < self.until:
                self.errors.append(f"event stream: {error}")

    def run(self):
        page = f"/studies/{self.study}"
        for path in (page, "/assets/dashboard.css", "/assets/live.js"):
            self.get(path)
        self.fields, self.changed = {}, threading.Event()
        stream = http.client.HTTPConnection("127.0.0.1", self.port, timeout=None)
        try:
            stream.request("GET", page + "/live")
            response = stream.getresponse()
            if response.status != 200:
                self.errors.append(f"{page}/live: {response.status}")
                return
            listener = threading.Thread(target=self.listen, args=(response,), daemon=True)
            listener.start()
            last_trial = time.monotonic()
            while time.monotonic() < self.until:
                if self.changed.wait(timeout=0.2):
                    self.changed.clear()
                    self.get(page)
                if time.monotonic() - last_trial >= 5:
                    running = [key[1:-6] for key, value in dict(self.fields).items() if key.endswith("-state") and value == "running"]
                    if running:
                        self.get(f"{page}/trials/{running[0]}")
                    last_trial = time.monotonic()
        except Exception as error:  # noqa: BLE001
            self.errors.append(f"{page}/live: {error}")
        finally:
            try:
                stream.sock.shutdown(socket.SHUT_RDWR)
            except Exception:  # noqa: BLE001 — already closed
                pass
            stream.close()


def run_study(tuner, seconds, viewers):
    folder = tempfile.mkdtemp(prefix="dashboard-load-")
    config = study_file(folder)
    tuner_process = subprocess.Popen([tuner, "optimize", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dashboard, crowd = None, []
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(os.path.join(folder, "studies.db")) and time.monotonic() < deadline:
            time.sleep(0.1)
        start = time.monotonic()
        if viewers:
            port = free_port()
            dashboard = subprocess.Popen([tuner, "dashboard", "--config", config, "--port", str(port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while time.monotonic() - start < 30:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            crowd = [Viewer(port, "tiny-tacotron", start + seconds) for _ in range(viewers)]
            for viewer in crowd:
                viewer.start()
        own = resource.getrusage(resource.RUSAGE_SELF)
        window_start = int(time.time() * 1000)
        time.sleep(max(0, start + seconds - time.monotonic()))
        steps = steps_trained(tuner, config)
        speed = training_speed(os.path.join(folder, "studies.db"), window_start, int(time.time() * 1000))
        for viewer in crowd:
            viewer.join(timeout=60)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {"tuner": cpu_seconds(tuner_process.pid), "dashboard": cpu_seconds(dashboard.pid) if dashboard else 0,
               "viewers": (after.ru_utime + after.ru_stime) - (own.ru_utime + own.ru_stime)}
        return (steps, speed), crowd, cpu
    finally:
        for process in (dashboard, tuner_process):
            if process:
                process.send_signal(signal.SIGINT)
        for process in (dashboard, tuner_process):
            if process:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--smart-tuner", default=os.path.join(ROOT, ".build", "release", "smart-tuner"))
    options = parser.parse_args()
    (alone, speed_alone), _, cpu_alone = run_study(options.smart_tuner, options.seconds, 0)
    (watched, speed_watched), crowd, cpu = run_study(options.smart_tuner, options.seconds, options.viewers)
    times = sorted(t for viewer in crowd for t in viewer.times)
    errors = [e for viewer in crowd for e in viewer.errors]
    requests = sum(viewer.requests for viewer in crowd)

    def percentile(p):
        return times[min(len(times) - 1, int(len(times) * p))] * 1e3 if times else float("nan")

    print(f"{options.viewers} viewers for {options.seconds:.0f} s: {requests} requests, {len(errors)} errors; page time "
          f"p50 {percentile(0.5):.1f} ms, p90 {percentile(0.9):.1f} ms, p99 {percentile(0.99):.1f} ms, max {times[-1] * 1e3 if times else float('nan'):.1f} ms")
    print(f"steps trained in the first {options.seconds:.0f} s: alone {alone}, watched {watched} ({watched / alone:.2f} of alone)" if alone else
          "the study trained no steps alone: nothing to compare")
    print(f"training speed of a trial in the window: alone {speed_alone:.1f} steps/s, watched {speed_watched:.1f} steps/s "
          f"({speed_watched / speed_alone:.2f} of alone)")
    print(f"CPU seconds in the window: tuner alone {cpu_alone['tuner']:.1f}, watched {cpu['tuner']:.1f}; dashboard {cpu['dashboard']:.1f}; "
          f"the viewers (this script) {cpu['viewers']:.1f}")
    for error in errors[:10]:
        print("  error:", error)
    print(json.dumps({"viewers": options.viewers, "requests": requests, "errors": len(errors), "p50_ms": percentile(0.5),
                      "p90_ms": percentile(0.9), "p99_ms": percentile(0.99), "steps_alone": alone, "steps_watched": watched, "speed_alone": speed_alone, "speed_watched": speed_watched, "cpu": cpu, "cpu_alone": cpu_alone}))


if __name__ == "__main__":
    main()

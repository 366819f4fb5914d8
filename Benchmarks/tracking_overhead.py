"""Tracking's cost, side by side (docs/tracking.md):

1. the main job's study of the built-in model (3 trials of 700 steps, one at a time, no pruning)
   run with tracking off and with TensorBoard and MLflow on, alternately, twice each: wall time
   per training step;
2. a 100-trial study replayed into MLflow by `smart-tuner track` (and a second replay, which
   sends nothing).

Run with the tracking environment's Python after a release build:

    swift build -c release --product smart-tuner
    "$(scripts/tracking-env.sh)/bin/python" Benchmarks/tracking_overhead.py

Needs the machine otherwise idle: the differences it measures are around 1 %.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUNER = os.path.join(ROOT, ".build", "release", "smart-tuner")
BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mlflow(folder):
    port = free_port()
    server = subprocess.Popen(
        [os.path.join(BIN, "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--artifacts-destination", f"{folder}/artifacts"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/health", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.5)
    raise SystemExit("mlflow server did not start")


def study_file(folder, name, trials, steps, tracking):
    with open(os.path.join(ROOT, "examples", "builtin-study.yaml")) as shipped:
        text = shipped.read()
    text = (text.replace("name: tiny-tacotron", f"name: {name}")
                .replace("storage: runs/studies.db", f"storage: {folder}/study.db")
                .replace("trials: 6", f"trials: {trials}")
                .replace("parallelism: 2", "parallelism: 1")
                .replace("type: median", "type: none")
                .replace("steps: 700", f"steps: {steps}")
                .replace("directory: runs", f"directory: {folder}/runs"))
    text = text.split("\ntracking:")[0]  # the shipped file feeds TensorBoard; each run here says what it feeds
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(("startup_trials: 2", "warmup_steps: 300")))
    path = os.path.join(folder, f"{name}.yaml")
    with open(path, "w") as out:
        out.write(text + "\n" + tracking)
    return path


def run(arguments):
    started = time.perf_counter()
    done = subprocess.run([TUNER] + arguments, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise SystemExit(f"{arguments}: {done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def main():
    if not os.path.exists(TUNER):
        raise SystemExit("build first: swift build -c release --product smart-tuner")
    folder = tempfile.mkdtemp(prefix="tracking-bench-")
    server, url = start_mlflow(folder)
    try:
        trials, steps = 3, 700
        times = {"off": [], "on": []}
        for round_ in range(2):
            for mode in ("off", "on"):
                tracking = "" if mode == "off" else f"tracking:\n  tensorboard: {folder}/tb\n  mlflow:\n    url: {url}\n"
                config = study_file(folder, f"overhead-{mode}-{round_}", trials, steps, tracking)
                seconds, _ = run(["optimize", "--config", config])
                times[mode].append(seconds / (trials * steps) * 1000)
        off, on = min(times["off"]), min(times["on"])
        print(f"training step, tracking off: {off:.3f} ms (runs {', '.join(f'{t:.3f}' for t in times['off'])})")
        print(f"training step, TensorBoard + MLflow on: {on:.3f} ms (runs {', '.join(f'{t:.3f}' for t in times['on'])})")
        print(f"overhead: {(on / off - 1) * 100:+.2f} %")

        config = study_file(folder, "replay", 100, 40, "")
        with open(config) as text:
            body = text.read().replace("validation_interval: 100", "validation_interval: 10").replace("checkpoint_interval: 100", "checkpoint_interval: 10")
        with open(config, "w") as out:
            out.write(body.replace("alignment_deadline: 600", "alignment_deadline: 0"))
        seconds, _ = run(["optimize", "--config", config])
        print(f"100-trial study (40 steps each) made in {seconds:.1f} s")
        seconds, output = run(["track", "--config", config, "--mlflow", url])
        print(f"replay into MLflow: {seconds:.1f} s — {output.strip().splitlines()[0]}")
        seconds, output = run(["track", "--config", config, "--mlflow", url])
        print(f"second replay: {seconds:.1f} s — {output.strip().splitlines()[0]}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

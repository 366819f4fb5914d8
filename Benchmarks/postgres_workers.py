"""Many worker processes on one PostgreSQL study (issue 16): trials per second, failed claims and
duplicates, for SmartTuner and for Optuna's RDBStorage side by side on the same server.

    swift build --package-path Benchmarks -c release --product PostgresWorker
    "$(scripts/postgres-env.sh)/bin/python" Benchmarks/postgres_workers.py postgresql://USER@HOST:PORT/DB \\
        [--workers 64] [--trials 2000] [--worker Benchmarks/.build/release/PostgresWorker]

The password comes from PGPASSWORD, as for smart-tuner. Each side starts its workers, waits
until every one has connected and opened the study, then lets them all go at once; the clock
runs from that signal to the last worker's end. Trials are trivial (claim or ask, then finish or
tell: no training), so what is measured is the store. Afterwards the study's rows are counted in
the database: how many trials, how many distinct numbers, how many complete.
"""
import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit

import optuna
import psycopg


def study_rows(dsn: str, name: str) -> dict:
    """What the database holds for study `name`."""
    with psycopg.connect(dsn) as connection:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT t.number), count(*) FILTER (WHERE t.state = 'COMPLETE') "
            "FROM trials t JOIN studies s ON s.study_id = t.study_id WHERE s.study_name = %s", (name,)).fetchone()
    return {"trials": row[0], "distinct_numbers": row[1], "complete": row[2]}


def wait_ready(folder: str, count: int, processes: list, poll) -> None:
    while len(os.listdir(folder)) < count:
        if any(poll(p) is not None for p in processes):
            raise SystemExit("a worker ended before the start signal; see its error above")
        time.sleep(0.01)


def smarttuner_side(url: str, dsn: str, workers: int, trials: int, binary: str) -> dict:
    name = f"bench-workers-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        ready, go = os.path.join(folder, "ready"), os.path.join(folder, "go")
        os.mkdir(ready)
        processes = [subprocess.Popen([binary, url, name, str(trials), ready, go], stdout=subprocess.PIPE, text=True)
                     for _ in range(workers)]
        wait_ready(ready, workers, processes, lambda p: p.poll())
        signal = time.time()
        open(go, "w").close()
        results = [json.loads(p.communicate()[0]) for p in processes]
        if any(p.returncode != 0 for p in processes):
            raise SystemExit("a SmartTuner worker failed; see its error above")
    end = max(r["end"] for r in results)
    return {"seconds": end - signal, "finished": sum(r["finished"] for r in results),
            "failed_claims": sum(r["failures"] for r in results), "taken_over": sum(r["taken_over"] for r in results),
            **study_rows(dsn, name)}


def optuna_worker(storage: str, name: str, trials: int, ready: str, go: str, results) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.RandomSampler())
    open(os.path.join(ready, str(os.getpid())), "w").close()
    while not os.path.exists(go):
        time.sleep(0.002)
    finished = failures = 0
    # As `study.optimize(n_trials=quota)` in each process: its share of the study, no shared count.
    while finished < trials:
        try:
            trial = study.ask({"learning_rate": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True),
                               "batch_size": optuna.distributions.IntDistribution(4, 64)})
            study.tell(trial, float(trial.number))
            finished += 1
        except Exception as error:  # noqa: BLE001 — counted: a failed claim is what this measures
            failures += 1
            print(f"optuna worker: {error}", file=sys.stderr)
            if failures > 1000:
                break
    results.put({"finished": finished, "failures": failures, "end": time.time()})


def optuna_side(storage: str, dsn: str, workers: int, trials: int) -> dict:
    name = f"bench-workers-{uuid.uuid4().hex[:8]}"
    optuna.create_study(study_name=name, storage=storage)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    with tempfile.TemporaryDirectory() as folder:
        ready, go = os.path.join(folder, "ready"), os.path.join(folder, "go")
        os.mkdir(ready)
        quota = trials // workers
        processes = [context.Process(target=optuna_worker, args=(storage, name, quota, ready, go, results)) for _ in range(workers)]
        for process in processes:
            process.start()
        wait_ready(ready, workers, processes, lambda p: p.exitcode)
        signal = time.time()
        open(go, "w").close()
        collected = [results.get() for _ in processes]
        for process in processes:
            process.join()
    end = max(r["end"] for r in collected)
    return {"seconds": end - signal, "finished": sum(r["finished"] for r in collected),
            "failed_claims": sum(r["failures"] for r in collected), **study_rows(dsn, name)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--worker", default=os.path.join(os.path.dirname(__file__), ".build/release/PostgresWorker"))
    parser.add_argument("--only", choices=["smarttuner", "optuna"])
    options = parser.parse_args()
    options.trials -= options.trials % options.workers  # the same number of trials on both sides: a share per Optuna worker
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = urlsplit(options.url)
    password = os.environ.get("PGPASSWORD", "")
    dsn = f"host={url.hostname} port={url.port or 5432} dbname={url.path.lstrip('/')} user={url.username} password={password}"
    storage = f"postgresql+psycopg://{url.username}:{password}@{url.hostname}:{url.port or 5432}{url.path}"
    sides = []
    if options.only != "optuna":
        sides.append(("smart-tuner", smarttuner_side(options.url, dsn, options.workers, options.trials, options.worker)))
    if options.only != "smarttuner":
        sides.append((f"optuna {optuna.__version__}", optuna_side(storage, dsn, options.workers, options.trials)))
    for label, result in sides:
        print(f"{label}: {options.workers} workers, {result['trials']} trials ({result['distinct_numbers']} distinct numbers, "
              f"{result['complete']} complete) in {result['seconds']:.2f} s = {result['trials'] / result['seconds']:.0f} trials/s; "
              f"failed claims {result['failed_claims']}, duplicates {result['trials'] - result['distinct_numbers']}"
              + (f", take-overs {result['taken_over']}" if "taken_over" in result else ""))
    print(json.dumps({label: result for label, result in sides}))


if __name__ == "__main__":
    main()

"""The durable cost of one trial on PostgreSQL (issue 16), side by side on the same server in
the same run: SmartTuner's store (claim, 10 intermediate reports, finish — each its own
transaction, as a worker writes them; `PostgresWorker durable`) and Optuna's RDBStorage (ask,
10 reports, tell).

    swift build --package-path Benchmarks -c release --product PostgresWorker
    "$(scripts/postgres-env.sh)/bin/python" Benchmarks/postgres_durable.py postgresql://USER@HOST:PORT/DB [TRIALS]

The password comes from PGPASSWORD, as for smart-tuner.
"""
import json
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import optuna

SPACE = {
    "learning_rate": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True),
    "weight_decay": optuna.distributions.FloatDistribution(1e-6, 1e-2, log=True),
    "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
    "batch_size": optuna.distributions.IntDistribution(4, 64),
    "cell": optuna.distributions.CategoricalDistribution(["gru", "lstm", "rnn"]),
}


def durable_trial(storage: str, trials: int = 200) -> list:
    study = optuna.create_study(study_name=f"bench-{uuid.uuid4()}", storage=storage,
                                sampler=optuna.samplers.RandomSampler(seed=1))
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask(SPACE)
        for report in range(1, 11):
            trial.report(1 / report, report * 100)
        study.tell(trial, 0.1)
        times.append(time.perf_counter() - start)
    return sorted(times)


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = urlsplit(sys.argv[1])
    password = os.environ.get("PGPASSWORD", "")
    storage = f"postgresql+psycopg://{url.username}:{password}@{url.hostname}:{url.port or 5432}{url.path}"
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".build/release/PostgresWorker")
    ours = json.loads(subprocess.run([worker, "durable", sys.argv[1], str(trials)], check=True, capture_output=True, text=True).stdout)
    print(f"smart-tuner: durable cost of a trial on PostgreSQL (claim, 10 reports, finish): median {ours['median_ms']:.2f} ms, "
          f"p90 {ours['p90_ms']:.2f} ms over {ours['trials']} trials (one small read: {ours['read_median_ms']:.3f} ms)")
    times = durable_trial(storage, trials)
    median = times[len(times) // 2] * 1e3
    print(f"optuna {optuna.__version__}: durable cost of a trial on PostgreSQL (ask, 10 reports, tell): "
          f"median {median:.2f} ms, p90 {times[int(len(times) * 0.9)] * 1e3:.2f} ms over {len(times)} trials")
    print(f"optuna / smart-tuner, medians: {median / ours['median_ms']:.1f}x")

"""The durable cost of one trial on PostgreSQL through Optuna's RDBStorage (issue 16), beside
StudyBenchmarks' "Durable cost of a trial on PostgreSQL": ask, 10 intermediate reports, tell,
on the same server.

    "$(scripts/postgres-env.sh)/bin/python" Benchmarks/postgres_durable.py postgresql://USER@HOST:PORT/DB

The password comes from PGPASSWORD, as for smart-tuner.
"""
import os
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
    times = durable_trial(storage)
    print(f"optuna {optuna.__version__}: durable cost of a trial on PostgreSQL (ask, 10 reports, tell): "
          f"median {times[len(times) // 2] * 1e3:.2f} ms, p90 {times[int(len(times) * 0.9)] * 1e3:.2f} ms over {len(times)} trials")

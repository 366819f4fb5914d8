"""Optuna's TPESampler on the same 5-D mixed space as StudyBenchmarks.swift, for the side-by-side
ratio: the time of one ask+tell with 100 / 500 / 1 000 finished trials (in-memory storage, so only
the sampler is measured), and the durable cost of one trial with 10 intermediate reports on SQLite.

    python3 Benchmarks/optuna_tpe.py
"""
import math
import os
import tempfile
import time

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "learning_rate": FloatDistribution(1e-5, 1e-1, log=True),
    "weight_decay": FloatDistribution(1e-6, 1e-2, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "batch_size": IntDistribution(4, 64),
    "cell": CategoricalDistribution(["gru", "lstm", "rnn"]),
}


def objective(p):
    lr = math.log10(p["learning_rate"]) + 3
    wd = math.log10(p["weight_decay"]) + 4
    cell = 0.0 if p["cell"] == "gru" else 0.3
    return lr * lr + wd * wd + abs(p["dropout"] - 0.1) + abs(p["batch_size"] - 16) / 48 + cell


def tpe_ask_tell(finished, measured=30):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=5))
    random = optuna.samplers.RandomSampler(seed=11)
    for _ in range(finished):
        trial = optuna.trial.create_trial(params={}, distributions={}, value=0.0)
        params = {name: random.sample_independent(study, trial, name, d) for name, d in SPACE.items()}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=SPACE, value=objective(params)))
    times = []
    for _ in range(measured):
        start = time.perf_counter()
        trial = study.ask(SPACE)
        study.tell(trial, objective(trial.params))
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def durable_trial(trials=100):
    with tempfile.TemporaryDirectory() as directory:
        storage = "sqlite:///" + os.path.join(directory, "study.db")
        study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=1))
        start = time.perf_counter()
        for _ in range(trials):
            trial = study.ask(SPACE)
            for report in range(1, 11):
                trial.report(1 / report, report * 100)
            study.tell(trial, 0.1)
        return (time.perf_counter() - start) / trials


if __name__ == "__main__":
    print(f"optuna {optuna.__version__}")
    for finished in (100, 500, 1000):
        print(f"TPE ask+tell, {finished} finished trials: {tpe_ask_tell(finished) * 1e3:.2f} ms (median of 30)")
    print(f"Durable cost of a trial on SQLite (ask, 10 reports, tell): {durable_trial() * 1e3:.2f} ms")

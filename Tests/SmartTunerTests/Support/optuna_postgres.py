"""Optuna's side of the PostgreSQL interoperability tests (PostgresStudyTests).

    optuna_postgres.py read URL STUDY    prints what Optuna (and optuna-dashboard) see of a study
    optuna_postgres.py write URL STUDY   makes a study with Optuna itself, prints its best

URL is a SQLAlchemy URL (postgresql+psycopg://user:password@host:port/db).
"""
import io
import json
import math
import sys

import optuna
import optuna_dashboard


def dashboard_trials(storage: str, study_id: int) -> list:
    """The trials optuna-dashboard's API serves for the study (its WSGI app, called in process)."""
    app = optuna_dashboard.wsgi(storage)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/api/studies/{study_id}", "QUERY_STRING": "after=0",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "wsgi.url_scheme": "http"}
    status = []
    body = b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
    if not status or not status[0].startswith("200"):
        raise SystemExit(f"optuna-dashboard answered {status}: {body[:300]!r}")
    return [{"number": t["number"], "state": t["state"]} for t in json.loads(body)["trials"]]


def read(storage: str, name: str) -> dict:
    study = optuna.load_study(study_name=name, storage=storage)
    trials = study.get_trials(deepcopy=False)
    study_id = optuna.storages.get_storage(storage).get_study_id_from_name(name)
    return {
        "count": len(trials),
        "states": [t.state.name for t in trials],
        "intermediate": [len(t.intermediate_values) for t in trials],
        "best_number": study.best_trial.number,
        "best_value": study.best_value,
        "best_params": study.best_params,
        "best_outcome": study.best_trial.user_attrs.get("outcome"),
        "dashboard": dashboard_trials(storage, study_id),
    }


def write(storage: str, name: str) -> dict:
    study = optuna.create_study(study_name=name, storage=storage, direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=7))

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -4.0, 4.0)
        n = trial.suggest_int("n", 1, 16, log=True)
        kind = trial.suggest_categorical("kind", ["tacotron", "fastpitch"])
        value = (x - 1.0) ** 2 + math.log(n) + (0.5 if kind == "fastpitch" else 0.0)
        for step in range(3):
            trial.report(value + 1.0 / (step + 1), step)
        if trial.number == 3:
            raise optuna.TrialPruned()
        if trial.number == 4:
            raise ValueError("a failed trial")
        return value

    study.optimize(objective, n_trials=7, catch=(ValueError,))
    return {"count": len(study.trials), "best_number": study.best_trial.number, "best_value": study.best_value,
            "best_params": study.best_params}


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    mode, url, study_name = sys.argv[1:4]
    print(json.dumps(read(url, study_name) if mode == "read" else write(url, study_name)))

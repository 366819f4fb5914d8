"""Reads an MLflow experiment back with MLflow's own client and prints it as JSON: every run
with its name, status, parent, params, tags, every metric's full history and its artifacts.

Used by the tracking tests to check what SmartTuner sent. Usage:
python read_mlflow.py TRACKING_URI EXPERIMENT_NAME
"""
import json
import math
import sys

from mlflow.tracking import MlflowClient


def number(value):
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def artifacts(client, run_id, path=None):
    found = []
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            found += artifacts(client, run_id, item.path)
        else:
            found.append([item.path, item.file_size])
    return found


def main():
    client = MlflowClient(tracking_uri=sys.argv[1])
    experiment = client.get_experiment_by_name(sys.argv[2])
    runs = []
    if experiment is not None:
        for run in client.search_runs([experiment.experiment_id], max_results=10000):
            metrics = {}
            for key in run.data.metrics:
                history = client.get_metric_history(run.info.run_id, key)
                metrics[key] = [[m.step, number(m.value), m.timestamp] for m in sorted(history, key=lambda m: (m.step, m.timestamp))]
            runs.append({
                "id": run.info.run_id,
                "name": run.info.run_name,
                "status": run.info.status,
                "start_time": run.info.start_time,
                "end_time": run.info.end_time,
                "parent": run.data.tags.get("mlflow.parentRunId"),
                "params": run.data.params,
                "tags": {k: v for k, v in run.data.tags.items() if k.startswith("smarttuner.")},
                "metrics": metrics,
                "artifacts": sorted(artifacts(client, run.info.run_id)),
            })
    json.dump(sorted(runs, key=lambda r: r["name"]), sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()

"""Reads every run under a TensorBoard log folder with TensorBoard's own EventAccumulator and
prints what it holds as JSON: scalars, images, texts and the HParams plugin's records.

Used by the tracking tests to check that TensorBoard reads SmartTuner's event files as
SmartTuner means them. Usage: python read_tensorboard.py LOGDIR
"""
import json
import math
import os
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util


def number(value):
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def hparams_value(value):
    kind = value.WhichOneof("kind")
    return {"number_value": value.number_value, "string_value": value.string_value,
            "bool_value": value.bool_value}.get(kind)


def read_run(path):
    accumulator = event_accumulator.EventAccumulator(
        path, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0,
                             event_accumulator.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    run = {"scalars": {}, "images": {}, "texts": {}, "hparams": {}}
    for tag in tags["scalars"]:
        run["scalars"][tag] = [[e.step, number(e.value), e.wall_time] for e in accumulator.Scalars(tag)]
    for tag in tags["images"]:
        run["images"][tag] = [[e.step, e.width, e.height, len(e.encoded_image_string)] for e in accumulator.Images(tag)]
    try:
        text_tags = accumulator.PluginTagToContent("text")
    except KeyError:
        text_tags = {}
    for tag in text_tags:
        run["texts"][tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8")]
                             for e in accumulator.Tensors(tag)]
    try:
        hparams = accumulator.PluginTagToContent("hparams")
    except KeyError:
        hparams = {}
    for tag, content in hparams.items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        kind = data.WhichOneof("data")
        if kind == "experiment":
            run["hparams"]["experiment"] = {
                "name": data.experiment.name,
                "hparams": [info.name for info in data.experiment.hparam_infos],
                "metrics": [info.name.tag for info in data.experiment.metric_infos],
            }
        elif kind == "session_start_info":
            run["hparams"]["session_start"] = {
                "group": data.session_start_info.group_name,
                "hparams": {key: hparams_value(value) for key, value in data.session_start_info.hparams.items()},
            }
        elif kind == "session_end_info":
            run["hparams"]["session_end"] = {"status": int(data.session_end_info.status)}
    return run


def main():
    root = sys.argv[1]
    runs = {}
    for folder, _, files in os.walk(root):
        if any(name.startswith("events.out.tfevents.") for name in files):
            runs[os.path.relpath(folder, root)] = read_run(folder)
    json.dump(runs, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()

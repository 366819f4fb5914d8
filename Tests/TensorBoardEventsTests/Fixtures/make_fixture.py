"""Writes scalars.tfevents with torch's own SummaryWriter (the writer Coqui's trainer and most
PyTorch scripts use): the fixture of TensorBoardEventsTests. Run with a Python that has torch and
tensorboard, e.g. $(scripts/coqui-env.sh)/bin/python make_fixture.py"""
import glob, os, shutil, tempfile
import numpy as np
from torch.utils.tensorboard import SummaryWriter

folder = tempfile.mkdtemp()
writer = SummaryWriter(folder)
for step, loss in enumerate([4.5, 3.25, float("nan")]):
    writer.add_scalar("TrainIterStats/loss", loss, step)
    writer.add_scalar("TrainIterStats/current_lr", 0.001, step)
writer.add_scalar("EvalStats/avg_loss", 3.0, 3, new_style=True)
writer.add_image("EvalFigures/alignment", np.zeros((3, 4, 4), dtype=np.uint8), 3)
writer.close()
(path,) = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
shutil.copy(path, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scalars.tfevents"))
shutil.rmtree(folder)

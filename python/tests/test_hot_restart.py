"""Hot restarts: pause, restart in the same process, rewind, and the capability itself."""
from __future__ import annotations

HOT = """
import json, os, smart_tuner
trial = smart_tuner.connect(defaults={"learning_rate": 0.1})
calls = []

@trial.on_restart
def restart(request):
    calls.append(request.resume_step)
    trial.log(json.dumps({"generation": request.generation, "lr": request.hyperparameters["learning_rate"],
                          "resume": request.resume_checkpoint, "step": request.resume_step, "pid": os.getpid()}), level="warning")

for step in trial.training_steps():
    trial.step(step, {"total": 1.0}, learning_rate=trial.hyperparameters["learning_rate"])
    if step == 4 and trial.generation == 0:
        trial.log("paused?", level="warning")
        while not (trial._inbox.paused or trial._inbox.has_restart):  # (the test holds the step until the tuner acts)
            pass
"""


def test_a_script_with_a_hook_declares_hot_restart_and_continues_in_place(tuner, tmp_path):
    import json
    t = tuner(HOT, steps=8)
    assert t.next()["capabilities"] == ["attention_files", "hot_restart"]
    t.until("log", message="paused?")
    t.send({"command": "pause"})
    next_request = {"trialID": "t1", "generation": 1, "hyperparameters": {"learning_rate": 0.05}, "steps": 8,
                    "checkpointDirectory": str(tmp_path / "run" / "g1"), "resumeCheckpoint": "/ckpt/c-2", "resumeStep": 2}
    t.send({"command": "restart", "request": next_request})
    info = json.loads(t.until("log", level="warning")["message"])
    assert info["generation"] == 1 and info["lr"] == 0.05 and info["resume"] == "/ckpt/c-2" and info["step"] == 2
    assert info["pid"] == t.process.pid
    assert t.until("restarted") == {"type": "restarted", "generation": 1, "step": 2}
    steps = []
    while True:
        event = t.next()
        if event["type"] == "step":
            steps.append((event["step"], event["learning_rate"]))
        if event["type"] == "finished":
            break
    assert steps == [(3, 0.05), (4, 0.05), (5, 0.05), (6, 0.05), (7, 0.05), (8, 0.05)]
    assert (tmp_path / "run" / "g1").is_dir()
    # Past the budget a hot worker waits for the tuner; the end of stdin lets it go.
    assert t.process.poll() is None
    t.close_stdin()
    assert t.wait() == 0


def test_a_restart_after_finishing_rewinds_the_finished_loop(tuner, tmp_path):
    t = tuner(HOT.replace("if step == 4", "if False"), steps=3)
    assert t.until("finished")["step"] == 3
    t.send({"command": "restart", "request": {"trialID": "t1", "generation": 1, "hyperparameters": {"learning_rate": 0.2}, "steps": 3,
                                             "checkpointDirectory": str(tmp_path / "g1")}})
    assert t.until("restarted") == {"type": "restarted", "generation": 1, "step": 0}
    assert [t.until("step")["step"] for _ in range(3)] == [1, 2, 3]
    assert t.until("finished")["step"] == 3
    t.close_stdin()
    assert t.wait() == 0


def test_a_hook_that_raises_ends_the_process_with_the_error_on_record(tuner, tmp_path):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()

@trial.on_restart
def restart(request):
    raise RuntimeError("cannot reload: checkpoint is from another model")

for step in trial.training_steps():
    trial.step(step, 1.0)
""", steps=2)
    t.until("finished")
    t.send({"command": "restart", "request": {"trialID": "t1", "generation": 1, "steps": 2, "checkpointDirectory": str(tmp_path / "g1")}})
    log = t.until("log", level="error")
    assert "cannot reload" in log["message"]
    assert t.wait() != 0


def test_without_a_hook_the_script_exits_after_its_budget(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()
for step in trial.training_steps():
    trial.step(step, 1.0)
""", steps=2)
    assert t.next()["capabilities"] == ["attention_files"]
    t.rest()
    assert t.wait() == 0


def test_heartbeats_flow_while_busy_and_stop_when_the_loop_is_stuck(tuner):
    t = tuner("""
import time, smart_tuner
trial = smart_tuner.connect()
trial.step(1, 1.0)
time.sleep(1.0)          # stuck: no client calls
trial.step(2, 1.0)
with trial.busy("loading"):
    trial.log("busy", level="warning")
    time.sleep(600)
""", heartbeatInterval=0.05)
    t.until("step", step=1)
    between = []
    while True:
        event = t.next()
        if event["type"] == "step":
            break
        between.append(event["type"])
    # At most one heartbeat (for the step call itself), where a blind timer would send ~20.
    assert between.count("heartbeat") <= 1, between
    t.until("log", message="busy")
    t.until("heartbeat")
    t.until("heartbeat")


def test_start_up_lines_before_the_loop_leave_the_hello_to_declare_hot_restart(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()
with trial.busy("loading"):
    trial.log("loading the corpus", level="info")

@trial.on_restart
def restart(request):
    pass

for step in trial.training_steps():
    trial.step(step, 1.0)
""", steps=1)
    first = t.next()
    assert first["type"] == "log"
    hello = t.until("hello")
    assert hello["capabilities"] == ["attention_files", "hot_restart"]
    t.close_stdin()
    assert t.wait() == 0


# A hot-restartable loop whose step 3 of generation 0 is NaN.
NAN_AT_3 = """
import smart_tuner
import smart_tuner.trial
smart_tuner.trial.VERDICT_TIMEOUT = 600  # past the test's ceiling: a hold that outlives the restart fails it
trial = smart_tuner.connect()

@trial.on_restart
def restart(request):
    pass

for step in trial.training_steps():
    trial.step(step, float("nan") if step == 3 and trial.generation == 0 else 1.0)
"""


def test_after_a_non_finite_step_the_loop_holds_until_the_tuners_restart(tuner, tmp_path):
    t = tuner(NAN_AT_3, steps=8, heartbeatInterval=0.05)
    t.until("step", step=3)
    # Held (and heartbeating): no step 4, where an unheld loop would run to its budget at once.
    held = [t.next() for _ in range(6)]
    assert [e["type"] for e in held] == ["heartbeat"] * 6, held
    assert all(e["step"] == 3 for e in held)
    t.send({"command": "pause"})  # as the tuner does: pause on the failure, restart after its backoff
    t.send({"command": "restart", "request": {"trialID": "t1", "generation": 1, "steps": 8, "resumeStep": 2,
                                             "checkpointDirectory": str(tmp_path / "g1")}})
    assert t.until("restarted") == {"type": "restarted", "generation": 1, "step": 2}
    assert [t.until("step")["step"] for _ in range(6)] == [3, 4, 5, 6, 7, 8]
    t.close_stdin()
    assert t.wait() == 0


def test_a_stop_after_a_non_finite_step_ends_the_held_loop(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()

@trial.on_restart
def restart(request):
    pass

for step in trial.training_steps():
    trial.step(step, 1.0, grad_norm=float("inf") if step == 2 else 1.0)
""", steps=8)
    t.until("step", step=2)
    assert t.until("heartbeat")["step"] == 2
    t.send({"command": "stop"})
    assert t.until("finished")["step"] == 2
    t.close_stdin()
    assert t.wait() == 0


def test_a_restart_that_comes_before_the_loop_holds_ends_the_hold_too(tuner, tmp_path):
    t = tuner(NAN_AT_3 + """
    if step == 3 and trial.generation == 0:
        while not trial._inbox.has_restart:  # (a checkpoint still being written when the restart comes)
            pass
""", steps=6)
    t.until("step", step=3)
    t.send({"command": "pause"})
    t.send({"command": "restart", "request": {"trialID": "t1", "generation": 1, "steps": 6, "resumeStep": 2,
                                             "checkpointDirectory": str(tmp_path / "g1")}})
    assert t.until("restarted")["step"] == 2
    assert [t.until("step")["step"] for _ in range(4)] == [3, 4, 5, 6]
    t.close_stdin()
    assert t.wait() == 0

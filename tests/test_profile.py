"""newsgroups-mlp profile: a step split into forward, backward, update and the rest, in both frameworks."""

import json

import numpy as np
import pytest

from shared.lab.cli import main
from tests.helpers import FRAMEWORKS_HERE, needs

TINY = ["--batch-size", "16", "--device", "cpu", "--repeats", "30"]
# How far the profile's step may be from the same step timed on its own by a training (its steady epochs ÷
# their steps): the loop's own overhead and timing noise on a shared 2-core machine.
TOLERANCE = 0.35


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_the_parts_are_positive_and_add_up_to_the_step(capsys, tiny_env, tmp_path, framework):
    out = tmp_path / "profile.json"
    assert main(["profile", "--framework", framework, "--recipe", "clean", *TINY, "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    for part in ("forward", "backward", "update", "rest", "step"):
        assert any(line.startswith(part) for line in stdout.splitlines()), part
    result = json.loads(out.read_text())["profiles"][0]
    measured, seconds = result["measured_seconds"], result["seconds"]
    assert all(value > 0 for value in measured.values()), measured
    # each part is what was measured alone; backward and the rest are the differences they are named for
    assert (seconds["forward"], seconds["update"], seconds["step"]) == (measured["forward"], measured["update"], measured["step"])
    assert seconds["backward"] == pytest.approx(measured["forward + backward"] - measured["forward"])
    assert seconds["rest"] == pytest.approx(measured["step"] - measured["forward + backward"] - measured["update"])
    if framework == "torch":  # PyTorch's profiler names the operations; TensorFlow's writes a trace
        assert result["top_operations"] and any("embedding_bag" in op["name"] for op in result["top_operations"])
    else:
        assert result["trace"] == str(tmp_path / "profile-trace") and any((tmp_path / "profile-trace").rglob("*.pb"))


@pytest.mark.slow
@needs("torch", "tf")
def test_both_frameworks_side_by_side_on_their_auto_steps(capsys, tiny_env, tmp_path):
    out = tmp_path / "profile.json"
    assert main(["profile", "--recipe", "clean", *TINY, "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "PyTorch (eager)" in stdout and "TensorFlow (XLA, padded)" in stdout
    assert [p["framework"] for p in json.loads(out.read_text())["profiles"]] == ["torch", "tf"]


def test_profile_refuses_what_train_refuses(capsys, tiny_env, tmp_path):
    out = tmp_path / "profile.json"
    code = main(["profile", "--step", "captured", "--input", "dense", "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 1 and stderr == ("newsgroups-mlp: error: --step captured pads a bag of words to one shape: it needs "
                                    "--input bag, not dense\n")
    assert not out.exists()


@pytest.mark.real_data
@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_on_the_clean_recipe_the_profiled_step_is_the_step_a_training_takes(capsys, real_corpus, tmp_path, framework):
    """The profile's step against the same step timed on its own: a 6-epoch training's steady epochs ÷ their
    steps (the clean bag's batches are made before its epoch clock, as the profile's is; TensorFlow's captured
    step slices inside both). A profile that timed the wrong thing, or did not wait, would be far off."""
    out, run = tmp_path / "profile.json", tmp_path / "run.json"
    common = ["--framework", framework, "--recipe", "clean", "--device", "cpu", "--dropout", "0"]
    assert main(["profile", *common, "--repeats", "10", "--out", str(out)]) == 0
    assert main(["train", *common, "--epochs", "6", "--out", str(run)]) == 0
    measured = json.loads(out.read_text())["profiles"][0]["measured_seconds"]
    record = json.loads(run.read_text())
    steps = -(-record["train_docs"] // record["batch_size"])
    per_step = float(np.median(record["epoch_seconds"][1:])) / steps
    assert abs(measured["step"] - per_step) <= TOLERANCE * per_step, (measured, per_step)
    # and the parts timed alone are no more than the step they are parts of, give or take the same noise
    assert measured["forward + backward"] + measured["update"] <= (1 + TOLERANCE) * measured["step"], measured

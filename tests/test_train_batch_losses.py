"""fit's per-iteration record: every mini-batch loss in order, replayed by hand, and kept across a resume."""

import os
import signal

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.recipe import Config, build_loss, build_model, build_optimizer, load_data
from chainrule.io import CheckpointError
from chainrule.train import CHECKPOINT, FIELDS, fit, read_run_checkpoint
from helpers import numpy_mlp as ref

CONFIG = Config(data="moons", hidden=[4], epochs=3, batch_size=16)  # plain SGD (lr 0.5), sigmoid, cross-entropy


def run(config=CONFIG, epochs=3, loss_fn=None, **kwargs):
    split = load_data(config)
    model = build_model(config, 2, 2)
    start = [p._data.copy() for p in model.parameters()]
    loss_fn = loss_fn or build_loss(config, 2)
    train = (split.x_train, split.y_train)
    result = fit(model, loss_fn, build_optimizer(config, model), train, None, epochs=epochs,
                 batch_size=config.batch_size, seed=config.seed, progress=False, log=None, **kwargs)  # fmt: skip
    return result, split, start, model


def test_batch_losses_are_each_steps_loss_replayed_in_numpy():
    result, split, start, _ = run()
    x, y = split.x_train.numpy(), split.y_train.numpy()
    model, opt, rng = ref.MLP(start, CONFIG.activation), ref.SGD(CONFIG.lr), np.random.default_rng(CONFIG.seed)
    expected = []
    for _ in range(CONFIG.epochs):
        seen = ref.train(model, opt, x, y, CONFIG.loss, ref.batches(rng, len(y), CONFIG.batch_size))
        expected += [value for value, _ in seen]
    steps = CONFIG.epochs * -(-len(y) // CONFIG.batch_size)
    assert len(result.batch_losses) == len(expected) == steps
    np.testing.assert_allclose(result.batch_losses, expected, rtol=1e-5)
    assert np.std(np.diff(result.batch_losses)) > 0  # noisy, not a smooth per-epoch curve


def test_epoch_rows_are_unchanged_and_are_the_sample_weighted_batch_means():
    result, split, _, _ = run()
    assert all(set(row) == set(FIELDS) for row in result.history)  # what callers always got
    per_epoch = len(result.batch_losses) // CONFIG.epochs
    sizes = [min(CONFIG.batch_size, len(split.y_train) - i) for i in range(0, len(split.y_train), CONFIG.batch_size)]
    for epoch, row in enumerate(result.history):
        losses = result.batch_losses[epoch * per_epoch : (epoch + 1) * per_epoch]
        assert row["train_loss"] == pytest.approx(np.dot(losses, sizes) / sum(sizes), rel=1e-12)


def test_batch_losses_survive_an_interrupted_and_resumed_run(tmp_path):
    calls, loss = [], build_loss(CONFIG, 2)

    def interrupting(out, y):
        calls.append(1)
        if len(calls) == 15:  # 10 batches an epoch: in the middle of epoch 2
            os.kill(os.getpid(), signal.SIGINT)
        return loss(out, y)

    stopped, *_ = run(loss_fn=interrupting, run_dir=tmp_path)
    assert stopped.interrupted and len(stopped.batch_losses) == 15
    saved = read_run_checkpoint(tmp_path / CHECKPOINT)["batch_losses"]
    assert saved.dtype == np.float64 and saved.tolist() == stopped.batch_losses
    resumed, *_ = run(run_dir=tmp_path, resume=True)
    uninterrupted, *_ = run()
    assert len(resumed.batch_losses) == len(uninterrupted.batch_losses)
    np.testing.assert_allclose(resumed.batch_losses, uninterrupted.batch_losses, rtol=1e-6)


def test_a_checkpoint_without_batch_losses_resumes_and_a_damaged_one_is_refused(tmp_path):
    run(epochs=1, run_dir=tmp_path)
    path = tmp_path / CHECKPOINT
    ckpt = cr.load(path)
    del ckpt["batch_losses"]  # as written before they were kept
    cr.save(ckpt, path)
    resumed, *_ = run(epochs=2, run_dir=tmp_path, resume=True)
    assert resumed.epochs == 2 and len(resumed.batch_losses) == 10  # only the steps it took itself
    ckpt["batch_losses"] = np.zeros((2, 3))
    cr.save(ckpt, path)
    with pytest.raises(CheckpointError, match=r"'batch_losses' is a float64 array of shape \(2, 3\); expected a 1-D"):
        read_run_checkpoint(path)

"""coursekit.train (the training harness) and coursekit.datasets (digits at 32x32, photos at
224x224, Fashion-MNIST from disk), on small budgets."""

from __future__ import annotations

import gzip

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

from coursekit.datasets import (
    FASHION_FILES,
    FASHION_MNIST,
    PHOTOS,
    digits,
    fashion_mnist,
    photo,
    read_idx,
    upsample,
)
from coursekit.train import History, fit, plot_history, random_crop_flip

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    return digits()


def tiny_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.2), nn.Linear(8 * 16, 10))


def test_fit_learns_the_digits_and_restores_the_threads(data, capsys):
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append(torch.get_num_threads())
            return x

    model = nn.Sequential(Spy(), tiny_cnn())
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        history = fit(model, data, epochs=2, lr=0.05, progress=False)
        assert torch.get_num_threads() == 2  # restored
    finally:
        torch.set_num_threads(previous)
    assert set(seen) == {1}  # one thread by default
    assert len(history.train_loss) == len(history.test_acc) == 2
    assert len(history.step_loss) == 2 * -(-1437 // 64)
    assert history.train_loss[1] < history.train_loss[0] < 2.3  # chance is ln 10 = 2.30
    assert np.mean(history.step_loss[-5:]) < np.mean(history.step_loss[:5])
    assert history.test_accuracy > 0.8 and history.seconds > 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "after 2 epochs" in out and "1 thread" in out


def test_fit_is_deterministic_with_the_same_seed(data):
    before = torch.get_rng_state()
    runs = [fit(tiny_cnn(), data, epochs=1, seed=3, progress=False, verbose=False)
            for _ in range(2)]
    assert runs[0].step_loss == runs[1].step_loss and runs[0].test_acc == runs[1].test_acc
    other = fit(tiny_cnn(), data, epochs=1, seed=4, progress=False, verbose=False)
    assert other.step_loss != runs[0].step_loss
    assert torch.equal(torch.get_rng_state(), before)  # the global random state is untouched


def test_fit_rejects_bad_arguments(data):
    with pytest.raises(ValueError, match="epochs"):
        fit(tiny_cnn(), data, epochs=0)
    with pytest.raises(ValueError, match="optimizer"):
        fit(tiny_cnn(), data, epochs=1, optimizer="rmsprop", progress=False)
    with pytest.raises(ValueError, match=r"x_train must be \(N, ...\) and y_train \(N,\)"):
        fit(tiny_cnn(), (data[0], data[1][:5], data[2], data[3]), epochs=1)


def test_fit_anneals_the_learning_rate_along_a_cosine_with_schedule_cosine(data):
    seen = []

    def adam(params, lr):
        opt = torch.optim.Adam(params, lr=lr)
        opt.register_step_pre_hook(lambda o, *_: seen.append(o.param_groups[0]["lr"]))
        return opt

    small = tuple(a[:200] for a in data)   # 4 batches of 64 (the last one of 8) per epoch
    fit(tiny_cnn(), small, epochs=2, lr=0.01, optimizer=adam, schedule="cosine", progress=False,
        verbose=False)
    steps = 2 * 4
    want = [0.005 * (1 + np.cos(np.pi * t / steps)) for t in range(steps)]
    np.testing.assert_allclose(seen, want, rtol=1e-12, atol=1e-15)
    seen.clear()
    fit(tiny_cnn(), small, epochs=1, lr=0.01, optimizer=adam, progress=False, verbose=False)
    assert seen == [0.01] * 4   # no schedule: a constant learning rate
    with pytest.raises(ValueError, match="schedule"):
        fit(tiny_cnn(), small, epochs=1, schedule="linear", progress=False)


def test_history_helpers_and_plot():
    h = History(train_loss=[1.0, 0.5], train_acc=[0.6, 0.9], test_loss=[1.1, 0.7],
                test_acc=[0.5, 0.8])
    assert h.test_accuracy == 0.8 and h.epochs_to(0.2) == 2 and h.epochs_to(0.05) is None
    fig = plot_history(h, title="tiny")
    left, right = fig.axes
    assert left.get_xlabel() == "epoch" and "loss" in left.get_ylabel()
    assert right.get_ylabel() == "accuracy (%)" and right.get_title() == "tiny: accuracy"
    assert list(right.lines[1].get_ydata()) == [50.0, 80.0]


def test_random_crop_flip_keeps_shapes_and_moves_pixels():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).reshape(2, 1, 6, 6)
    out = random_crop_flip(pad=2)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and not torch.equal(out, x)
    assert set(out.unique().tolist()) <= set(x.unique().tolist()) | {0.0}


# ----------------------------------------------------------------------------- datasets


def test_upsample_to_32():
    x = np.random.default_rng(0).random((3, 2, 8, 8))
    up = upsample(x, 32)
    assert up.shape == (3, 2, 32, 32) and up.dtype == np.float64
    assert up.min() >= x.min() and up.max() <= x.max()
    assert np.allclose(upsample(np.full((1, 1, 8, 8), 0.25), 32), 0.25)
    assert upsample(x.astype(np.float32), 16).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(N, C, H, W\), got shape \(8, 8\)"):
        upsample(x[0, 0])


def test_digits_at_32x32(data):
    x_train, y_train, x_test, y_test = digits(size=32)
    assert x_train.shape == (1437, 1, 32, 32) and x_test.shape == (360, 1, 32, 32)
    assert np.array_equal(y_train, data[1]) and np.array_equal(y_test, data[3])
    assert 0 <= x_train.min() and x_train.max() <= 1
    np.testing.assert_allclose(x_train[:, :, ::4, ::4].mean(), data[0].mean(), atol=0.02)


def test_digits_standardized_on_three_channels(data):
    x_train, y_train, x_test, y_test = digits(size=32, channels=3, standardize=True)
    plain_train, _, plain_test, _ = digits(size=32)
    assert x_train.shape == (1437, 3, 32, 32) and x_test.shape == (360, 3, 32, 32)
    assert np.array_equal(x_train[:, 0], x_train[:, 2]) and np.array_equal(y_test, data[3])
    assert abs(x_train.mean()) < 1e-12 and x_train.std() == pytest.approx(1.0)
    mean, std = plain_train.mean(), plain_train.std()   # the training set's statistics, for both
    np.testing.assert_allclose(x_test[:, 1:2], (plain_test - mean) / std, atol=1e-12)
    with pytest.raises(ValueError, match="channels"):
        digits(channels=0)


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_at_224(name):
    x = photo(name)
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    assert 0 <= float(x.min()) and float(x.max()) <= 1 and float(x.std()) > 0.05


def test_photo_options():
    x = photo("chelsea", size=227, normalize=True, dtype=torch.float64)
    assert x.shape == (1, 3, 227, 227) and x.dtype == torch.float64 and float(x.min()) < 0
    with pytest.raises(ValueError, match="unknown photo 'cat'"):
        photo("cat")


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_fashion_mnist_from_small_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5),
              rng.integers(0, 256, (3, 28, 28)), rng.integers(0, 10, 3)]
    for k, (stem, array) in enumerate(zip(FASHION_FILES, arrays, strict=True)):
        raw = _idx(array)  # two files gzip-compressed as Debian ships them, two plain
        if k % 2:
            (tmp_path / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (tmp_path / stem).write_bytes(raw)
    x_train, y_train, x_test, y_test = fashion_mnist(tmp_path)
    assert x_train.shape == (5, 1, 28, 28) and x_test.shape == (3, 1, 28, 28)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(x_train[:, 0], arrays[0] / 255, rtol=1e-6)
    assert np.array_equal(y_test, arrays[3])
    assert fashion_mnist(tmp_path, limit=2)[0].shape == (2, 1, 28, 28)
    assert np.array_equal(read_idx(tmp_path / FASHION_FILES[0]), arrays[0])


def test_fashion_mnist_absent_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        fashion_mnist(tmp_path / "nowhere")
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and "train-images-idx3-ubyte" in message
    assert "apt-get install dataset-fashion-mnist" in message and str(FASHION_MNIST) in message
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01abcd")
    with pytest.raises(ValueError, match="not an idx file of unsigned bytes"):
        read_idx(tmp_path / "bad")

"""One training harness for the architecture notebooks (05-10).

:func:`fit` trains a classifier with a fixed seed, on one thread by default (the course's
runtime budgets are measured that way, and the result does not depend on the machine's core
count), with a tqdm bar; it returns the loss and accuracy curves (:class:`History`) and prints
the test accuracy and the wall time. :func:`plot_history` draws the curves.

    from coursekit.datasets import digits
    history = fit(model, digits(size=32), epochs=10, lr=0.05)
    plot_history(history)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

Data = Sequence[Any]  # (x_train, y_train, x_test, y_test), numpy arrays or tensors


@dataclass
class History:
    """The curves of one training run, one value per epoch (``step_loss``: per batch).

    Accuracies are fractions in [0, 1], measured in eval mode (dropout off) after each epoch,
    on the whole training set and on the test set; losses are mean cross-entropies.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the training (evaluation included)

    @property
    def test_accuracy(self) -> float:
        """The test accuracy after the last epoch."""
        return self.test_acc[-1] if self.test_acc else float("nan")

    def epochs_to(self, train_error: float) -> int | None:
        """The first epoch (1-based) whose training error is at most ``train_error``, or None."""
        for epoch, acc in enumerate(self.train_acc, start=1):
            if 1.0 - acc <= train_error:
                return epoch
        return None


def _tensors(data: Data, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    if len(data) != 4:
        raise ValueError("data must be (x_train, y_train, x_test, y_test), got "
                         f"{len(data)} items")
    x_train, y_train, x_test, y_test = (torch.as_tensor(np.asarray(a)) for a in data)
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.ndim < 2 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"x_{part} must be (N, ...) and y_{part} (N,), got "
                             f"{tuple(x.shape)} and {tuple(y.shape)}")
    return x_train.to(dtype), y_train.long(), x_test.to(dtype), y_test.long()


def make_optimizer(name: str | Callable[..., torch.optim.Optimizer], params: Any, lr: float,
                   momentum: float = 0.9, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """"sgd" (with ``momentum``), "adam", or a callable ``f(params, lr=lr)``."""
    if callable(name):
        return name(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be 'sgd', 'adam' or a callable, got {name!r}")


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 512
             ) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on x: (N, ...), y: (N,), in eval mode."""
    was_training = model.training
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            scores = model(x[start:start + batch_size])
            target = y[start:start + batch_size]
            loss += float(F.cross_entropy(scores, target, reduction="sum"))
            correct += int((scores.argmax(dim=1) == target).sum())
    model.train(was_training)
    return loss / max(1, len(x)), correct / max(1, len(x))


def random_crop_flip(pad: int = 2, flip: bool = True
                     ) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """A data augmentation for :func:`fit`: each image of a batch (N, C, H, W) is zero-padded by
    ``pad`` pixels, cropped back to H x W at a random offset and, if ``flip``, mirrored left to
    right with probability 1/2 (leave ``flip`` off for digits: a mirrored 3 is no digit)."""

    def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, h, w = x.shape
        padded = F.pad(x, (pad, pad, pad, pad))
        rows = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        cols = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        out = torch.stack([padded[k, :, r:r + h, c:c + w]
                           for k, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(),
                                                          strict=True))])
        if flip:
            mirror = torch.rand(n, generator=generator) < 0.5
            out[mirror] = out[mirror].flip(-1)
        return out

    return augment


def fit(model: nn.Module, data: Data, epochs: int = 10, lr: float = 0.05,
        optimizer: str | Callable[..., torch.optim.Optimizer] = "sgd", seed: int = 0,
        threads: int = 1, batch_size: int = 64, momentum: float = 0.9,
        weight_decay: float = 0.0,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
        schedule: str | None = None, progress: bool = True, verbose: bool = True) -> History:
    """Train ``model`` with cross-entropy on ``data`` and return its curves.

    data: (x_train, y_train, x_test, y_test), x: (N, C, H, W) arrays or tensors (converted to
    the model's float dtype), y: (N,) integer labels in [0, num_classes).
    Each epoch visits the training set once in a shuffled order, in batches of ``batch_size``,
    taking one ``optimizer`` step per batch ("sgd" with ``momentum``, "adam", or a callable
    ``f(params, lr=lr)``); ``augment(x, generator)`` transforms each batch (e.g.
    :func:`random_crop_flip`). ``schedule="cosine"`` lowers the learning rate from ``lr`` to 0
    along a half cosine over all the steps of the run (PyTorch's CosineAnnealingLR, stepped after
    every optimizer step); None keeps it constant. After each epoch the training and test loss
    and accuracy are measured in eval mode.

    Reproducible: the shuffling, augmentation and dropout are drawn from generators seeded with
    ``seed``, inside a fork of torch's global random state (restored after); torch runs on
    ``threads`` threads (the previous number is restored after). The model's initial weights
    are the caller's: seed them before building it (torch.manual_seed) to repeat a run.
    Prints the final test accuracy and the wall time unless ``verbose`` is False; ``progress``
    shows a tqdm bar over the epochs.
    """
    from tqdm.auto import tqdm

    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine', got {schedule!r}")
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
    x_train, y_train, x_test, y_test = _tensors(data, dtype)
    history = History()
    previous_threads = torch.get_num_threads()
    start = time.perf_counter()
    try:
        torch.set_num_threads(threads)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # dropout and anything else drawing from the global state
            generator = torch.Generator().manual_seed(seed)
            opt = make_optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
            if schedule == "cosine":
                steps = epochs * -(-len(x_train) // batch_size)
                cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
                opt.register_step_post_hook(lambda *_: cosine.step())
            bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
            for _ in bar:
                model.train()
                order = torch.randperm(len(x_train), generator=generator)
                for begin in range(0, len(order), batch_size):
                    index = order[begin:begin + batch_size]
                    x, y = x_train[index], y_train[index]
                    if augment is not None:
                        x = augment(x, generator)
                    loss = F.cross_entropy(model(x), y)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    history.step_loss.append(float(loss.detach()))
                for loss_list, acc_list, xs, ys in (
                        (history.train_loss, history.train_acc, x_train, y_train),
                        (history.test_loss, history.test_acc, x_test, y_test)):
                    loss_value, acc = evaluate(model, xs, ys)
                    loss_list.append(loss_value)
                    acc_list.append(acc)
                bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}",
                                test_acc=f"{history.test_acc[-1]:.3f}")
    finally:
        torch.set_num_threads(previous_threads)
        history.seconds = time.perf_counter() - start
    if verbose:
        print(f"test accuracy {100 * history.test_accuracy:.1f}% after {epochs} epochs, "
              f"{history.seconds:.1f} s on {threads} thread{'s' if threads > 1 else ''}")
    return history


def plot_history(history: History, title: str = "training", axes: Any = None) -> Any:
    """Draw the loss (left) and accuracy (right) curves of ``history`` against the epoch, for
    the training and the test set; returns the figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    else:
        fig = axes[0].figure
    epochs = np.arange(1, len(history.train_loss) + 1)
    axes[0].plot(epochs, history.train_loss, marker="o", label="training")
    axes[0].plot(epochs, history.test_loss, marker="o", label="test")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("cross-entropy loss")
    axes[0].set_title(f"{title}: loss")
    axes[1].plot(epochs, 100 * np.asarray(history.train_acc), marker="o", label="training")
    axes[1].plot(epochs, 100 * np.asarray(history.test_acc), marker="o", label="test")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("accuracy (%)")
    axes[1].set_title(f"{title}: accuracy")
    for ax in axes[:2]:
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig

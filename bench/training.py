"""Benchmark training the course's CNNs on the digits: notebook 04's CNN in numpy and in
PyTorch, notebook 05's small AlexNet and notebook 06's reduced VGG, in one run; then notebook
05's ReLU/tanh ratio.

    python bench/training.py [--quick] [--models numpy PyTorch AlexNet VGG ResNet Inception DenseNet]
                             [--no-ratio]

Trains NumpyCNN(conv2d_fast, max_pool2d, seed=0) with train_numpy's defaults (20 epochs) and
TorchCNN with train_torch's defaults (40 epochs), both on coursekit.data.digits() (1,437
training and 360 test images, 8x8), PyTorch on 1 thread, as in the notebook (batches of 32
8x8 images gain little from a second thread, and with another process on the second core two
threads ran 20x slower: 137 s instead of 7 s). The small AlexNet is notebook 05's full run C
(solutions.small_alexnet(): ReLU, dropout 0.5 after FC6 and FC7, overlapping 3x3 pooling,
random shifts of up to 4 pixels) on the digits upsampled to 32x32 and standardized, trained
with coursekit.train.fit (1 thread, seed 0, batches of 64) and Adam at 3e-3 with cosine decay
for 30 epochs (the notebook trains it for 12, which is enough for seed 0 but not for every
seed). The reduced VGG is notebook 06's run of section 5.1 (solutions.digits_vgg(batch_norm=True):
VGG-11's configuration A at one eighth of the width, SMALL_CFG, with batch normalization and
VGG's classifier at one eighth, 512-512-10 with dropout 0.5; PyTorch's default initialization
from seed 0) on the digits upsampled to 32x32, standardized and repeated on 3 channels, trained
with coursekit.train.fit (1 thread, seed 0, batches of 64) and Adam at 3e-3 with cosine decay
for 8 epochs, exactly as in the notebook. For each model it prints the final test accuracy and the wall time of the whole
training call (per-epoch evaluation included), each against its target as a ratio:
accuracy / target (>= 1 meets it) and time / budget (<= 1 meets it). Targets: numpy >= 95%
test accuracy within 90 s; PyTorch >= 98% within 60 s; small AlexNet >= 98% within 120 s;
reduced VGG >= 98% within 120 s; notebook 08's reduced ResNet (ResNet-10, see run_resnet) >= 98.5%
within 120 s; notebook 07's reduced Inception network (see run_inception) >= 98% within 120 s;
notebook 09's reduced DenseNet (DenseNet-21, see run_densenet) >= 98.5% within 120 s.
Exits with status 1 if any target is missed.

Then, unless --no-ratio, notebook 05's section 4.1 at three learning rates (0.003, 0.01, 0.03):
the small AlexNet without dropout or augmentation, with ReLU and with tanh, the same initial
weights, SGD with momentum 0.9 and cosine decay for 10 epochs, and the epochs each needs to
reach 2% training error; it prints the ReLU/tanh ratio (tanh's epochs / ReLU's: how many times
as fast ReLU is; the paper's Figure 1 reports 6 on CIFAR-10). The ratio is printed, not a target.

--quick trains 1 epoch each, a smoke test that the script runs: the figures are printed, but the
targets are not enforced (one epoch is not expected to reach them).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

from coursekit.data import digits
from coursekit.datasets import digits as digits_at
from coursekit.train import fit, random_crop_flip
from solutions import (
    NumpyCNN,
    TorchCNN,
    adam_cosine,
    conv2d_fast,
    cosine_decay,
    digits_vgg,
    max_pool2d,
    small_alexnet,
    train_numpy,
    train_torch,
)

TORCH_THREADS = 1  # the notebook's setting
TARGETS = {  # model: (minimum test accuracy, time budget in seconds)
    "numpy": (0.95, 90.0),
    "PyTorch": (0.98, 60.0),
    "AlexNet": (0.98, 120.0),
    "VGG": (0.98, 120.0),
}
ALEXNET_EPOCHS = 30
VGG_EPOCHS = 8
BATCH = 64
RATIO_LRS = (0.003, 0.01, 0.03)
RATIO_EPOCHS = 10
RATIO_TARGET = 0.02  # training error


def run_numpy(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for the numpy CNN."""
    model = NumpyCNN(conv2d_fast, max_pool2d, seed=0)
    kwargs = {"progress": False} if epochs is None else {"progress": False, "epochs": epochs}
    start = time.perf_counter()
    history = train_numpy(model, *data, **kwargs)
    return history["test_acc"][-1], time.perf_counter() - start, len(history["test_acc"])


def run_torch(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for the PyTorch CNN."""
    torch.manual_seed(0)  # the initial weights; train_torch seeds the rest
    model = TorchCNN()
    kwargs = {"progress": False} if epochs is None else {"progress": False, "epochs": epochs}
    start = time.perf_counter()
    history = train_torch(model, *data, **kwargs)
    return history["test_acc"][-1], time.perf_counter() - start, len(history["test_acc"])


def digits32() -> tuple:
    """The digits upsampled to 32x32 and standardized with the training set's mean and
    standard deviation, as in notebook 05."""
    x_train, y_train, x_test, y_test = digits_at(size=32)
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def run_alexnet(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for notebook 05's small AlexNet (run C)."""
    epochs = ALEXNET_EPOCHS if epochs is None else epochs
    steps = epochs * -(-len(data[0]) // BATCH)
    start = time.perf_counter()
    history = fit(small_alexnet("relu", pool=3, dropout=0.5, seed=0), digits32(), epochs=epochs,
                  lr=3e-3, optimizer=cosine_decay(torch.optim.Adam, steps), batch_size=BATCH,
                  augment=random_crop_flip(pad=4, flip=False), seed=0, progress=False,
                  verbose=False)
    return history.test_acc[-1], time.perf_counter() - start, len(history.test_acc)


def run_vgg(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for notebook 06's reduced VGG with batch
    normalization (section 5.1): the digits at 32x32 on 3 channels, as in the notebook."""
    epochs = VGG_EPOCHS if epochs is None else epochs
    x_train, y_train, x_test, y_test = digits32()
    rgb = (np.repeat(x_train, 3, axis=1), y_train, np.repeat(x_test, 3, axis=1), y_test)
    steps = epochs * -(-len(x_train) // BATCH)
    start = time.perf_counter()
    history = fit(digits_vgg(batch_norm=True, seed=0), rgb, epochs=epochs, lr=3e-3,
                  optimizer=adam_cosine(steps), batch_size=BATCH, seed=0, progress=False,
                  verbose=False)
    return history.test_acc[-1], time.perf_counter() - start, len(history.test_acc)


def relu_tanh_ratios(epochs: int) -> None:
    """Print notebook 05's ReLU-against-tanh comparison at each learning rate of RATIO_LRS."""
    data = digits32()
    steps = epochs * -(-len(data[0]) // BATCH)
    print(f"\nReLU against tanh (notebook 05, section 4.1): epochs to reach "
          f"{RATIO_TARGET:.0%} training error, SGD with momentum 0.9, {epochs} epochs")
    print(f"{'lr':>6s} {'ReLU':>6s} {'tanh':>6s} {'ReLU/tanh ratio':>16s}")
    for lr in RATIO_LRS:
        reached = {}
        for activation in ("relu", "tanh"):
            history = fit(small_alexnet(activation, dropout=0.0, seed=0), data, epochs=epochs,
                          lr=lr, optimizer=cosine_decay(torch.optim.SGD, steps, momentum=0.9),
                          batch_size=BATCH, seed=0, progress=False, verbose=False)
            reached[activation] = history.epochs_to(RATIO_TARGET)
        relu, tanh = reached["relu"], reached["tanh"]
        if relu and tanh:
            ratio = f"{tanh / relu:.2f}"
        elif relu:  # tanh needs more than `epochs`
            ratio = f"> {epochs / relu:.2f}"
        elif tanh:
            ratio = f"< {tanh / epochs:.2f}"
        else:
            ratio = "n/a (neither)"
        print(f"{lr:6g} {relu or '-':>6} {tanh or '-':>6} {ratio:>16s}")
    print("ratio = tanh's epochs / ReLU's: how many times as fast ReLU reaches the target "
          "(the paper's Figure 1: 6, on CIFAR-10 at 25% training error)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 epoch per model, targets not enforced (a smoke test)")
    parser.add_argument("--models", nargs="+", choices=list(TARGETS), default=list(TARGETS),
                        help="which models to train (default: all)")
    parser.add_argument("--no-ratio", action="store_true",
                        help="skip the ReLU/tanh comparison of notebook 05")
    args = parser.parse_args()
    torch.set_num_threads(TORCH_THREADS)
    data = digits()
    epochs = 1 if args.quick else None
    print(f"torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} cores, "
          f"torch threads {torch.get_num_threads()}, digits: {len(data[0])} train / "
          f"{len(data[2])} test" + (", --quick: 1 epoch each" if args.quick else ""))
    print(f"{'model':8s} {'epochs':>6s} {'test acc':>9s} {'target':>7s} {'acc/target':>11s} "
          f"{'time':>8s} {'budget':>7s} {'time/budget':>12s}  verdict")
    missed = []
    runs = {"numpy": run_numpy, "PyTorch": run_torch, "AlexNet": run_alexnet, "VGG": run_vgg,
            "ResNet": run_resnet, "Inception": run_inception, "DenseNet": run_densenet}
    for name in args.models:
        acc, seconds, n_epochs = runs[name](data, epochs)
        target, budget = TARGETS[name]
        ok = acc >= target and seconds <= budget
        if not ok:
            missed.append(name)
        print(f"{name:8s} {n_epochs:6d} {100 * acc:8.2f}% {100 * target:6.1f}% "
              f"{acc / target:11.3f} {seconds:7.1f}s {budget:6.0f}s {seconds / budget:12.3f}  "
              f"{'meets' if ok else 'misses'}")
    if not args.no_ratio:
        relu_tanh_ratios(1 if args.quick else RATIO_EPOCHS)
    if args.quick:
        print("--quick: targets not enforced")
    elif missed:
        print(f"target missed: {', '.join(missed)}")
        sys.exit(1)
    else:
        print("all targets met")


def run_resnet(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for notebook 08's reduced ResNet, ResNet-10
    (solutions.resnet10(): resnet(BasicBlock, [1, 1, 1, 1], 10, width=16), initial weights from
    seed 0), trained exactly as in the notebook's section 6 (solutions.train_digits_resnet: the
    digits at 32x32, standardized, on 3 channels; Adam at 3e-3 with cosine decay for 20 epochs,
    random shifts of up to 2 pixels, batches of 64, 1 thread, seed 0)."""
    from solutions import resnet10, train_digits_resnet

    start = time.perf_counter()
    history = train_digits_resnet(resnet10(seed=0), seed=0, progress=False, verbose=False,
                                  **({} if epochs is None else {"epochs": epochs}))
    return history.test_acc[-1], time.perf_counter() - start, len(history.test_acc)


TARGETS["ResNet"] = (0.985, 120.0)  # notebook 08's reduced ResNet


def run_inception(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for notebook 07's reduced Inception network
    (solutions.digits_inception(): a strided stem, Inception modules 3a, 3b, 4a, 4b of
    SMALL_INCEPTION with batch norm, global average pooling, dropout 0.2 and one fc layer;
    initial weights from seed 0, channels-last) on the digits upsampled to 32x32 and
    standardized, trained exactly as in the notebook's section 8: coursekit.train.fit (1 thread,
    seed 0, batches of 64), Adam at 3e-3 with cosine decay (cosine_adam) for 10 epochs."""
    from solutions import cosine_adam, digits_inception

    epochs = 10 if epochs is None else epochs
    steps = epochs * -(-len(data[0]) // BATCH)
    start = time.perf_counter()
    history = fit(digits_inception(seed=0), digits32(), epochs=epochs, lr=3e-3,
                  optimizer=cosine_adam(steps), batch_size=BATCH, seed=0, progress=False,
                  verbose=False)
    return history.test_acc[-1], time.perf_counter() - start, len(history.test_acc)


TARGETS["Inception"] = (0.98, 120.0)  # notebook 07's reduced Inception network


def run_densenet(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for notebook 09's reduced DenseNet, DenseNet-21
    (solutions.digits_densenet(): densenet(12, (2, 2, 2, 2), 24, 10), initial weights from seed
    0), trained exactly as in the notebook's section 6 (solutions.train_digits_densenet: the
    digits at 32x32, standardized, on 3 channels; Adam at 3e-3 with cosine decay for 10 epochs,
    random shifts of up to 2 pixels, batches of 64, 1 thread, seed 0)."""
    from solutions import digits_densenet, train_digits_densenet

    start = time.perf_counter()
    history = train_digits_densenet(digits_densenet(seed=0), seed=0, progress=False,
                                    verbose=False, **({} if epochs is None else {"epochs": epochs}))
    return history.test_acc[-1], time.perf_counter() - start, len(history.test_acc)


TARGETS["DenseNet"] = (0.985, 120.0)  # notebook 09's reduced DenseNet


if __name__ == "__main__":
    main()

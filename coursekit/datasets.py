"""Data for the architecture notebooks (05-10): the digits at 32x32, real photos at 224x224,
and an optional loader for Fashion-MNIST already on disk. Nothing is downloaded.

- :func:`digits`: scikit-learn's digits (:func:`coursekit.data.digits`), upsampled to
  ``size`` x ``size`` with :func:`upsample` (architectures whose pooling needs larger inputs).
- :func:`photo`: a photo that ships inside scikit-image (``astronaut``, ``chelsea``,
  ``coffee``), center-cropped and resized to (1, 3, size, size) for one forward pass.
- :func:`fashion_mnist`: the 70,000 28x28 images of Fashion-MNIST in the idx format, as
  Debian's ``dataset-fashion-mnist`` package installs them (``/usr/share/datasets/fashion-mnist``)
  or from any folder holding the same four files; a clear error names the folder if they are
  absent.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from coursekit.data import digits as _digits

PHOTOS = ("astronaut", "chelsea", "coffee")
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # the per-channel statistics torchvision normalizes with
IMAGENET_STD = (0.229, 0.224, 0.225)


def upsample(x: np.ndarray, size: int = 32) -> np.ndarray:
    """Resize a batch of images to size x size with bilinear interpolation.

    x: (N, C, H, W). Returns (N, C, size, size) in x's float dtype (float64 for integer input).
    Bilinear interpolation with align_corners=False: each output pixel is a weighted mean of
    the 4 nearest input pixels, so a constant image stays constant and values stay in
    [min(x), max(x)]. EXAMPLE: upsample(digits' (1437, 1, 8, 8), 32) -> (1437, 1, 32, 32).
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"upsample expects a batch (N, C, H, W), got shape {x.shape}")
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=dtype))
    out = F.interpolate(t, size=(int(size), int(size)), mode="bilinear", align_corners=False)
    return out.numpy()


def digits(size: int = 8, test_fraction: float = 0.2, seed: int = 0, channels: int = 1,
           standardize: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits split as :func:`coursekit.data.digits` does, at size x size.

    Returns x_train: (1437, channels, size, size), y_train: (1437,), x_test: (360, channels,
    size, size), y_test: (360,) with the defaults; pixels float64 in [0, 1], labels int64.
    size=8 gives the original images; any other size is bilinear :func:`upsample` (32 for
    LeNet-style inputs). ``standardize`` maps both parts with the training set's mean and
    standard deviation (after upsampling), so the training pixels have mean 0 and standard
    deviation 1; ``channels`` repeats the gray channel (3 for a network whose stem expects RGB).
    """
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise ValueError(f"channels must be a positive int, got {channels!r}")
    x_train, y_train, x_test, y_test = _digits(test_fraction=test_fraction, seed=seed)
    if size != 8:
        x_train, x_test = upsample(x_train, size), upsample(x_test, size)
    if standardize:
        mean, std = x_train.mean(), x_train.std()
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    if channels != 1:
        x_train, x_test = np.repeat(x_train, channels, axis=1), np.repeat(x_test, channels, axis=1)
    return x_train, y_train, x_test, y_test


def photo(name: str = "chelsea", size: int = 224, normalize: bool = False,
          dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A real photo from scikit-image as a batch of one: (1, 3, size, size).

    name: "astronaut" (512x512), "chelsea" (a cat, 300x451) or "coffee" (a cup, 400x600); they
    ship inside scikit-image, so nothing is downloaded. The largest centered square is cropped
    and resized (bilinear, antialiased) to size x size. Values are in [0, 1]; with
    ``normalize`` each channel c becomes (v - mean[c]) / std[c] with ImageNet's statistics
    (IMAGENET_MEAN, IMAGENET_STD), the input torchvision's pretrained models expect.
    """
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {PHOTOS}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    import skimage.data

    rgb = getattr(skimage.data, name)()  # (H, W, 3) uint8
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = rgb[top:top + side, left:left + side, :3]
    x = torch.from_numpy(np.ascontiguousarray(square.transpose(2, 0, 1))).to(torch.float64)
    x = F.interpolate(x[None] / 255.0, size=(size, size), mode="bilinear", align_corners=False,
                      antialias=True).clamp_(0.0, 1.0)
    if normalize:
        mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float64).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, dtype=torch.float64).view(1, 3, 1, 1)
        x = (x - mean) / std
    return x.to(dtype)


def read_idx(path: str | Path) -> np.ndarray:
    """An array in the idx format of MNIST and Fashion-MNIST (gzip-compressed if the name ends
    in .gz): 2 zero bytes, a type byte (0x08 unsigned byte), the number of axes, each axis's
    size as a big-endian 32-bit int, then the values in C order."""
    path = Path(path)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an idx file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise ValueError(f"{path}: the header says shape {shape}, which does not match its "
                         f"{len(raw) - header} bytes of data")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, f"{stem}.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def fashion_mnist(path: str | Path = FASHION_MNIST, limit: int | None = None,
                  dtype: type = np.float32
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST from a folder on disk (10 classes of clothing, FASHION_CLASSES).

    path: a folder with the four idx files train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may end in .gz). The default is
    where Debian's package installs them (``sudo apt-get install dataset-fashion-mnist``).
    limit: keep only the first ``limit`` examples of each split.
    Returns x_train: (60000, 1, 28, 28), y_train: (60000,), x_test: (10000, 1, 28, 28),
    y_test: (10000,): pixels in [0, 1] (the bytes divided by 255) in ``dtype`` (float32 by
    default: the full training set is 188 MB as float32), labels int64.
    Raises FileNotFoundError naming the folder and the missing files if they are absent.
    """
    folder = Path(path)
    found = {stem: _find(folder, stem) for stem in FASHION_FILES}
    missing = [stem for stem, p in found.items() if p is None]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST is not in {folder}: missing {', '.join(missing)} (or .gz). Install "
            "Debian's package (sudo apt-get install dataset-fashion-mnist, which puts it in "
            f"{FASHION_MNIST}) or pass path= a folder holding the four idx files.")
    arrays = [read_idx(found[stem]) for stem in FASHION_FILES]
    out = []
    for images, labels in ((arrays[0], arrays[1]), (arrays[2], arrays[3])):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{folder}: images {images.shape} and labels {labels.shape} do not "
                             "match (expected (N, 28, 28) and (N,))")
        n = len(images) if limit is None else min(int(limit), len(images))
        out += [(images[:n, None] / np.float64(255)).astype(dtype), labels[:n].astype(np.int64)]
    return out[0], out[1], out[2], out[3]

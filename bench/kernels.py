"""Benchmark the course's reference kernels against PyTorch and CS231n's numpy, one thread each.

    .venv/bin/python bench/kernels.py [--reps 5] [--clock cpu|wall] [--only conv_fwd max_bwd ...]
    .venv/bin/python bench/conv.py ...     (the same program: bench/conv.py is an alias of this file)

Kernels, forward and backward (issue 15, items 5 and 6):
  conv_fwd   solutions.conv2d_fast          F.conv2d                  CS231n conv_forward_strides
  conv_bwd   solutions.conv2d_backward      autograd of F.conv2d      CS231n conv_backward_strides
  max_fwd    solutions.max_pool2d           F.max_pool2d              CS231n max_pool_forward_reshape
  max_bwd    solutions.max_pool2d_backward  autograd of F.max_pool2d  CS231n max_pool_backward_reshape
  avg_fwd    solutions.avg_pool2d           F.avg_pool2d              (CS231n has none)
  avg_bwd    solutions.avg_pool2d_backward  autograd of F.avg_pool2d  (CS231n has none)

Every implementation runs on ONE thread: numpy's BLAS through threadpoolctl.threadpool_limits(1)
(which also limits torch's OpenMP pool) and torch through torch.set_num_threads(1). Each time is
the best of --reps runs after one warm-up (the machine's other load only ever adds time), read
from the process's CPU-time clock by default (--clock cpu: all threads of this process, so on
one thread it is the run time less the time spent waiting for a core, which keeps the figures
usable on a loaded machine) or from the wall clock (--clock wall). The load average is printed
at the start and at the end.

The CS231n peers are written here from the published description of the technique, not
copied. conv_forward_strides pads, views the input with np.lib.stride_tricks.as_strided as
(C, HH, WW, N, out_h, out_w), copies that to columns (C*HH*WW, N*out_h*out_w), runs one
w.reshape(F, -1).dot(x_cols) and transposes the result to (N, F, out_h, out_w).
conv_backward_strides reuses the forward's columns (its cache): dw = dout_r.dot(x_cols.T),
dx_cols = w_r.T.dot(dout_r), and col2im adds the columns back into the padded input (the
course's own col2im_6d is Cython; here it is a loop over the kernel offsets). The reshape
pooling covers square, non-overlapping windows that tile the input (pool = stride, no padding),
so it has no peer on the overlapping 3x3 stride-2 layer; its backward splits a tie among the
maxima (the course sends it to the first). Every backward peer is timed given its forward's
cache, as CS231n runs it; the course's kernels and torch's autograd get what their APIs take.

Printed per kernel, layer and dtype: the best time of each, ours / torch and ours / CS231n
(lower is better), and the largest difference to torch. Then the targets, each met or missed:
  1. every reference kernel within 2x of torch in float32;
  2. solutions.conv2d_fast at least as fast as CS231n's conv_forward_strides on every layer,
     float32 and float64;
  3. every reference kernel ahead of CS231n's numpy version where there is one (both dtypes).
Note: the reference backward passes return float64 (their docstrings' dtype rule), so in
float32 they compute in float64 while torch and CS231n stay in float32.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import solutions  # noqa: E402

CONV_LAYERS = [
    # (name, x shape, w shape, stride, padding)
    ("3x3, 64->64 on 32x32, pad 1", (32, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    ("7x7 stride 2 stem on 224x224, pad 3", (8, 3, 224, 224), (64, 3, 7, 7), 2, 3),
    ("3x3, 256->256 on 14x14, pad 1", (16, 256, 14, 14), (256, 256, 3, 3), 1, 1),
    ("3x3, 3->32 on 32x32, N=64, pad 1", (64, 3, 32, 32), (32, 3, 3, 3), 1, 1),
]

POOL_LAYERS = [
    # (name, x shape, kernel, stride, padding): the pooling after each conv layer above
    ("2x2 pool of 64x32x32, N=32", (32, 64, 32, 32), 2, 2, 0),
    ("3x3 stride 2 pad 1 of 64x112x112, N=8", (8, 64, 112, 112), 3, 2, 1),
    ("2x2 pool of 256x14x14, N=16", (16, 256, 14, 14), 2, 2, 0),
    ("2x2 pool of 32x32x32, N=64", (64, 32, 32, 32), 2, 2, 0),
]

KERNELS = ("conv_fwd", "conv_bwd", "max_fwd", "max_bwd", "avg_fwd", "avg_bwd")
DTYPES = (np.float32, np.float64)


# ----------------------------------------------------------------------------- CS231n's peers


def cs231n_conv_forward_strides(x, w, b, stride, pad):
    """CS231n's conv_forward_strides technique; returns (out, x_cols) (the cache of backward)."""
    N, C, H, W = x.shape
    F_, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Hp, Wp = H + 2 * pad, W + 2 * pad
    out_h, out_w = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    # A view of every window, axes (C, HH, WW, N, out_h, out_w), made without a copy.
    shape = (C, HH, WW, N, out_h, out_w)
    item = xp.itemsize
    strides = (Hp * Wp * item, Wp * item, item, C * Hp * Wp * item, stride * Wp * item, stride * item)
    view = np.lib.stride_tricks.as_strided(xp, shape=shape, strides=strides)
    x_cols = np.ascontiguousarray(view).reshape(C * HH * WW, N * out_h * out_w)
    res = w.reshape(F_, -1).dot(x_cols)
    if b is not None:
        res += b.reshape(-1, 1)
    out = np.ascontiguousarray(res.reshape(F_, N, out_h, out_w).transpose(1, 0, 2, 3))
    return out, x_cols


def cs231n_conv_backward_strides(dout, x, w, stride, pad, x_cols):
    """CS231n's conv_backward_strides technique, given the forward's columns x_cols."""
    N, C, H, W = x.shape
    F_, _, HH, WW = w.shape
    _, _, out_h, out_w = dout.shape
    db = dout.sum(axis=(0, 2, 3))
    dout_r = dout.transpose(1, 0, 2, 3).reshape(F_, -1)
    dw = dout_r.dot(x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F_, -1).T.dot(dout_r).reshape(C, HH, WW, N, out_h, out_w)
    # col2im_6d: add every kernel offset's columns back where they were read
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dout.dtype)
    for a in range(HH):
        for b in range(WW):
            dxp[:, :, a:a + stride * out_h:stride, b:b + stride * out_w:stride] += \
                dx_cols[:, a, b].transpose(1, 0, 2, 3)
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db


def cs231n_max_pool_forward_reshape(x, pool):
    """CS231n's reshape pooling: square windows, stride = pool, pool dividing H and W."""
    N, C, H, W = x.shape
    x_reshaped = x.reshape(N, C, H // pool, pool, W // pool, pool)
    return x_reshaped.max(axis=3).max(axis=4), x_reshaped


def cs231n_max_pool_backward_reshape(dout, x, x_reshaped, out):
    """CS231n's backward of the reshape pooling: every maximum of a window shares its dout."""
    dx_reshaped = np.zeros_like(x_reshaped)
    mask = x_reshaped == out[:, :, :, None, :, None]
    dout_b, _ = np.broadcast_arrays(dout[:, :, :, None, :, None], dx_reshaped)
    dx_reshaped[mask] = dout_b[mask]
    dx_reshaped /= np.sum(mask, axis=(3, 5), keepdims=True)
    return dx_reshaped.reshape(x.shape)


# ----------------------------------------------------------------------------- timing


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def best_time(fn, reps: int, clock=time.process_time) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(reps):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def max_diff(ours, theirs) -> float:
    if isinstance(ours, tuple):
        return max(max_diff(a, b) for a, b in zip(ours, theirs, strict=True))
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    return float(np.abs(np.asarray(ours, dtype=np.float64) - np.asarray(theirs, dtype=np.float64)).max())


def conv_rows(layer, dtype, kernels):
    name, xs, ws, stride, pad = layer
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if "conv_fwd" in kernels:
        ref = lambda: solutions.conv2d_fast(x, w, stride=stride, padding=pad)  # noqa: E731
        tor = lambda: F.conv2d(tx, tw, stride=stride, padding=pad)  # noqa: E731
        peer = lambda: cs231n_conv_forward_strides(x, w, None, stride, pad)[0]  # noqa: E731
        yield "conv_fwd", name, dtype, ref, tor, peer, max_diff(ref(), tor())
    if "conv_bwd" in kernels:
        out, x_cols = cs231n_conv_forward_strides(x, w, b, stride, pad)
        dout = rng.standard_normal(out.shape).astype(dtype)
        txg, twg, tbg = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        tout = F.conv2d(txg, twg, tbg, stride=stride, padding=pad)
        tdout = torch.from_numpy(dout)
        ref = lambda: solutions.conv2d_backward(dout, x, w, stride=stride, padding=pad)  # noqa: E731
        tor = lambda: torch.autograd.grad(tout, (txg, twg, tbg), tdout, retain_graph=True)  # noqa: E731
        peer = lambda: cs231n_conv_backward_strides(dout, x, w, stride, pad, x_cols)  # noqa: E731
        yield "conv_bwd", name, dtype, ref, tor, peer, max_diff(ref(), tor())


def pool_rows(layer, dtype, kernels):
    name, xs, k, stride, pad = layer
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    tx = torch.from_numpy(x)
    reshape_ok = k == stride and pad == 0 and xs[2] % k == 0 and xs[3] % k == 0
    for kind, ours, theirs in (("max", solutions.max_pool2d, F.max_pool2d),
                               ("avg", solutions.avg_pool2d, F.avg_pool2d)):
        if f"{kind}_fwd" in kernels:
            ref = lambda ours=ours: ours(x, k, stride, pad)  # noqa: E731
            tor = lambda theirs=theirs: theirs(tx, k, stride, pad)  # noqa: E731
            peer = None
            if kind == "max" and reshape_ok:
                peer = lambda: cs231n_max_pool_forward_reshape(x, k)[0]  # noqa: E731
            yield f"{kind}_fwd", name, dtype, ref, tor, peer, max_diff(ref(), tor())
        if f"{kind}_bwd" in kernels:
            back = getattr(solutions, f"{kind}_pool2d_backward")
            txg = torch.from_numpy(x.copy()).requires_grad_()
            tout = theirs(txg, k, stride, pad)
            dout = rng.standard_normal(tuple(tout.shape)).astype(dtype)
            tdout = torch.from_numpy(dout)
            ref = lambda back=back, dout=dout: back(dout, x, k, stride, pad)  # noqa: E731
            tor = lambda tout=tout, txg=txg, tdout=tdout: torch.autograd.grad(  # noqa: E731
                tout, txg, tdout, retain_graph=True)[0]
            peer = None
            if kind == "max" and reshape_ok:
                out, x_reshaped = cs231n_max_pool_forward_reshape(x, k)
                peer = lambda dout=dout, out=out, xr=x_reshaped: cs231n_max_pool_backward_reshape(  # noqa: E731
                    dout, x, xr, out)
            yield f"{kind}_bwd", name, dtype, ref, tor, peer, max_diff(ref(), tor())


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument("--only", nargs="*", choices=KERNELS, default=list(KERNELS))
    args = parser.parse_args(argv)
    clock = CLOCKS[args.clock]
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, numpy {np.__version__}, one thread each, best of {args.reps} "
          f"({args.clock} time)")
    print(f"start: {load()}")
    print(f"{'kernel':8s} {'layer':38s} {'dtype':7s} {'ours':>9s} {'torch':>9s} {'CS231n':>9s} "
          f"{'/torch':>7s} {'/CS231n':>7s}  max|diff|")
    results = []  # (kernel, layer, dtype name, ours / torch, ours / CS231n or None)
    with threadpool_limits(limits=1):
        for kernel in args.only:
            for dtype in DTYPES:
                layers = CONV_LAYERS if kernel.startswith("conv") else POOL_LAYERS
                rows_of = conv_rows if kernel.startswith("conv") else pool_rows
                for layer in layers:
                    for kern, name, dt, ref, tor, peer, diff in rows_of(layer, dtype, {kernel}):
                        t_ref, t_tor = best_time(ref, args.reps, clock), best_time(tor, args.reps, clock)
                        t_peer = best_time(peer, args.reps, clock) if peer is not None else None
                        vs_torch = t_ref / t_tor
                        vs_peer = t_ref / t_peer if t_peer is not None else None
                        dname = np.dtype(dt).name
                        results.append((kern, name, dname, vs_torch, vs_peer))
                        peer_ms = f"{1e3 * t_peer:6.1f} ms" if t_peer is not None else f"{'-':>9s}"
                        peer_ratio = f"{vs_peer:6.2f}x" if vs_peer is not None else f"{'-':>7s}"
                        print(f"{kern:8s} {name:38s} {dname:7s} {1e3 * t_ref:6.1f} ms {1e3 * t_tor:6.1f} ms "
                              f"{peer_ms} {vs_torch:6.2f}x {peer_ratio}  {diff:.1e}", flush=True)
    print(f"end:   {load()}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    failures = 0
    print("targets:")
    for kernel in args.only:
        mine = [r for r in results if r[0] == kernel]
        worst32 = max(r[3] for r in mine if r[2] == "float32")
        ok = worst32 <= 2.0
        failures += not ok
        print(f"  1. {kernel}: worst float32 ratio against torch {worst32:.2f}x (<= 2x): {verdict(ok)}")
    for kernel in args.only:
        peers = [r for r in results if r[0] == kernel and r[4] is not None]
        if not peers:
            continue
        worst = max(peers, key=lambda r: r[4])
        ok = worst[4] <= 1.0
        failures += not ok
        number = 2 if kernel == "conv_fwd" else 3
        print(f"  {number}. {kernel}: worst ratio against CS231n {worst[4]:.2f}x ({worst[2]}, {worst[1]}; "
              f"<= 1x): {verdict(ok)}")
    print(f"{failures} target(s) missed" if failures else "every target met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

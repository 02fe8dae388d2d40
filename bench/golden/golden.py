#!/usr/bin/python3
"""Golden-value generator for dast's numeric code.

Runs PyTorch (CPU, 1.13) on small fixed random inputs and writes .npz fixtures that the Go
tests read with gomlx's tensors/numpy package, so `go test` never needs PyTorch.

Layout conventions of the fixtures (matching dast): activations NHWC, convolution kernels HWIO
[KH, KW, Cin, Cout], labels int32. Every case stores its inputs, parameters, its output and the
gradients of the linear functional sum(out * r) with respect to its inputs, with r stored too.
Keys are "<case>__<name>"; a case's configuration is stored as "<case>__cfg".

Usage: golden.py REPO_ROOT   (see run.sh)
"""

import io
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)


def nhwc(t):
    """NCHW torch tensor -> NHWC float32 numpy array."""
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)


def hwio(w):
    """OIHW torch kernel -> HWIO float32 numpy array."""
    return w.detach().permute(2, 3, 1, 0).contiguous().numpy().astype(np.float32)


def f32(t):
    return t.detach().contiguous().numpy().astype(np.float32)


def save(path, arrays):
    """Writes arrays as a compressed .npz, byte-for-byte reproducible (sorted names, fixed
    timestamps), so rerunning the generator leaves unchanged fixtures unchanged in git."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    print(f"wrote {path}: {len(arrays)} arrays, {os.path.getsize(path)} bytes")


def leaf(shape, gen, scale=1.0):
    return (torch.randn(*shape, generator=gen) * scale).requires_grad_(True)


def functional_grads(out, gen, inputs):
    """Returns r and the gradients of sum(out * r) with respect to inputs (None stays None)."""
    r = torch.randn(*out.shape, generator=gen)
    wanted = [t for t in inputs if t is not None]
    grads = torch.autograd.grad((out * r).sum(), wanted)
    it = iter(grads)
    return r, [None if t is None else next(it) for t in inputs]


# ---------------------------------------------------------------- core/nn


def conv_cases(gen, out):
    # name: (N, H, W, Cin, Cout, K, stride, dilation, (top, bottom, left, right), bias)
    cases = {
        "d1": (2, 9, 9, 3, 4, 3, 1, 1, (1, 1, 1, 1), True),
        "d2": (1, 10, 9, 3, 5, 3, 1, 2, (2, 2, 2, 2), False),
        "d4": (1, 11, 10, 2, 3, 3, 1, 4, (4, 4, 4, 4), True),
        "k4s2even": (2, 10, 12, 3, 4, 4, 2, 1, (1, 1, 1, 1), True),
        "k4s2odd": (1, 9, 11, 2, 3, 4, 2, 1, (1, 1, 1, 1), True),
        "k1": (2, 5, 6, 4, 3, 1, 1, 1, (0, 0, 0, 0), True),
        "k7s2": (1, 13, 12, 3, 4, 7, 2, 1, (3, 3, 3, 3), False),
        "asym": (1, 7, 8, 3, 2, 3, 1, 1, (1, 0, 2, 1), True),
        "asym_s2d2": (1, 12, 11, 2, 3, 3, 2, 2, (0, 2, 1, 3), False),
        # Enough input channels for the pure-Go backend's automatic Winograd path.
        "d1c16": (1, 10, 9, 16, 8, 3, 1, 1, (1, 1, 1, 1), True),
        "d2c16": (1, 9, 10, 16, 4, 3, 1, 2, (2, 2, 2, 2), False),
    }
    for name, (n, h, w, cin, cout, k, s, d, pad, has_bias) in cases.items():
        x = leaf((n, cin, h, w), gen)
        wt = leaf((cout, cin, k, k), gen, 0.3)
        b = leaf((cout,), gen) if has_bias else None
        top, bottom, left, right = pad
        y = F.conv2d(F.pad(x, (left, right, top, bottom)), wt, b, stride=s, dilation=d)
        r, (dx, dw, db) = functional_grads(y, gen, [x, wt, b])
        out[f"conv_{name}__cfg"] = np.array([s, s, d, d, top, bottom, left, right, int(has_bias)],
                                            dtype=np.int32)
        out[f"conv_{name}__x"] = nhwc(x)
        out[f"conv_{name}__w"] = hwio(wt)
        out[f"conv_{name}__y"] = nhwc(y)
        out[f"conv_{name}__r"] = nhwc(r)
        out[f"conv_{name}__dx"] = nhwc(dx)
        out[f"conv_{name}__dw"] = hwio(dw)
        if has_bias:
            out[f"conv_{name}__b"] = f32(b)
            out[f"conv_{name}__db"] = f32(db)


def pool_cases(gen, out):
    # name: (N, H, W, C, kernel, stride, pad, ceil)
    cases = {
        "odd": (1, 9, 9, 3, 3, 2, 1, True),
        "even": (2, 10, 12, 2, 3, 2, 1, True),
        "mixed": (1, 13, 8, 2, 3, 2, 1, True),
        "floor": (1, 10, 11, 2, 3, 2, 1, False),
    }
    for name, (n, h, w, c, k, s, p, ceil) in cases.items():
        x = leaf((n, c, h, w), gen)
        y = F.max_pool2d(x, k, s, p, ceil_mode=ceil)
        r, (dx,) = functional_grads(y, gen, [x])
        out[f"pool_{name}__cfg"] = np.array([k, s, p, int(ceil)], dtype=np.int32)
        out[f"pool_{name}__x"] = nhwc(x)
        out[f"pool_{name}__y"] = nhwc(y)
        out[f"pool_{name}__r"] = nhwc(r)
        out[f"pool_{name}__dx"] = nhwc(dx)


def resize_cases(gen, out):
    # name: (N, H, W, C, outH, outW, align_corners)
    cases = {
        "up_ac": (1, 5, 7, 3, 13, 17, True),
        "down_ac": (2, 13, 17, 2, 5, 7, True),
        "up_hp": (1, 5, 7, 3, 13, 17, False),
        "down_hp": (2, 13, 17, 2, 5, 7, False),
        "up_x8_ac": (1, 4, 3, 2, 25, 17, True),
    }
    for name, (n, h, w, c, oh, ow, ac) in cases.items():
        x = leaf((n, c, h, w), gen)
        y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=ac)
        r, (dx,) = functional_grads(y, gen, [x])
        out[f"resize_{name}__cfg"] = np.array([oh, ow, int(ac)], dtype=np.int32)
        out[f"resize_{name}__x"] = nhwc(x)
        out[f"resize_{name}__y"] = nhwc(y)
        out[f"resize_{name}__r"] = nhwc(r)
        out[f"resize_{name}__dx"] = nhwc(dx)


def pointwise_cases(gen, out):
    x = leaf((2, 3, 5, 4), gen)
    y = F.leaky_relu(x, 0.2)
    r, (dx,) = functional_grads(y, gen, [x])
    out["leaky__cfg"] = np.array([0.2], dtype=np.float32)
    out.update({"leaky__x": nhwc(x), "leaky__y": nhwc(y), "leaky__r": nhwc(r), "leaky__dx": nhwc(dx)})

    c = 5
    x = leaf((2, c, 4, 3), gen, 2.0)
    mean = torch.randn(c, generator=gen)
    var = torch.rand(c, generator=gen) + 0.1
    gamma = torch.randn(c, generator=gen)
    beta = torch.randn(c, generator=gen)
    eps = 1e-5
    y = F.batch_norm(x, mean, var, gamma, beta, training=False, eps=eps)
    r, (dx,) = functional_grads(y, gen, [x])
    out["bn__cfg"] = np.array([eps], dtype=np.float32)
    out.update({"bn__x": nhwc(x), "bn__mean": f32(mean), "bn__var": f32(var),
                "bn__gamma": f32(gamma), "bn__beta": f32(beta),
                "bn__y": nhwc(y), "bn__r": nhwc(r), "bn__dx": nhwc(dx)})

    for name, fn in (("softmax", F.softmax), ("logsoftmax", F.log_softmax)):
        x = leaf((2, 6, 3, 4), gen, 3.0)  # channels (6) become the last NHWC axis
        y = fn(x, dim=1)
        r, (dx,) = functional_grads(y, gen, [x])
        out.update({f"{name}__x": nhwc(x), f"{name}__y": nhwc(y), f"{name}__r": nhwc(r),
                    f"{name}__dx": nhwc(dx)})


# ---------------------------------------------------------------- core/losses


def loss_cases(gen, out):
    n, c, h, w = 2, 7, 5, 6
    logits = leaf((n, c, h, w), gen, 2.0)
    labels = torch.randint(0, c, (n, h, w), generator=gen)
    ignore = torch.rand(n, h, w, generator=gen) < 0.3
    labels[ignore] = 255
    loss = torch.nn.CrossEntropyLoss(ignore_index=255)(logits, labels)
    (dl,) = torch.autograd.grad(loss, [logits])
    out.update({"ce__logits": nhwc(logits), "ce__labels": labels.numpy().astype(np.int32),
                "ce__loss": f32(loss), "ce__dlogits": nhwc(dl)})

    # LSGAN (MSE against a constant map) and BCE-with-logits, weighted and not, both targets.
    pred_shape = (2, 4, 5, 3)  # NHWC
    for tgt in (0, 1):
        for wname, wshape in (("now", None), ("w", pred_shape), ("wbc", (2, 4, 5, 1))):
            pred = leaf(pred_shape, gen, 1.5)
            weight = None if wshape is None else torch.rand(*wshape, generator=gen) * 2
            target = torch.full(pred_shape, float(tgt))
            for name in ("lsgan", "bce"):
                if name == "lsgan":
                    el = F.mse_loss(pred, target, reduction="none")
                    loss = el.mean() if weight is None else (weight * el).mean()
                else:
                    loss = torch.nn.BCEWithLogitsLoss(
                        weight=None if weight is None else weight.expand(pred_shape))(pred, target)
                (dp,) = torch.autograd.grad(loss, [pred])
                key = f"{name}_t{tgt}_{wname}"
                out[f"{key}__cfg"] = np.array([tgt], dtype=np.float32)
                out[f"{key}__pred"] = f32(pred)
                if weight is not None:
                    out[f"{key}__weight"] = f32(weight)
                out[f"{key}__loss"] = f32(loss)
                out[f"{key}__dpred"] = f32(dp)


# ---------------------------------------------------------------- core/optim


def poly(it, max_it, power):
    return (1 - it / max_it) ** power


def optim_cases(gen, out):
    """3-step trajectories of SGD and Adam on a tiny two-layer model with two parameter groups."""
    x = torch.randn(8, 5, generator=gen)
    y = torch.randn(8, 3, generator=gen)
    init = {
        "w1": torch.randn(5, 4, generator=gen) * 0.5,
        "b1": torch.randn(4, generator=gen) * 0.1,
        "w2": torch.randn(4, 3, generator=gen) * 0.5,
        "b2": torch.randn(3, generator=gen) * 0.1,
    }
    out["data__x"] = f32(x)
    out["data__y"] = f32(y)
    for k, v in init.items():
        out[f"init__{k}"] = f32(v)

    def model_loss(p):
        h = torch.tanh(x @ p["w1"] + p["b1"])
        return ((h @ p["w2"] + p["b2"] - y) ** 2).mean()

    max_it, power, steps = 10, 0.9, 3
    mults = (1.0, 10.0)  # group 0: w1, b1 (x1); group 1: w2, b2 (x10)
    configs = {
        "sgd": (0.01, lambda groups: torch.optim.SGD(groups, lr=0.01, momentum=0.9,
                                                    weight_decay=5e-4)),
        "adam": (0.01, lambda groups: torch.optim.Adam(groups, lr=0.01, betas=(0.9, 0.99),
                                                      eps=1e-8, weight_decay=0)),
    }
    out["optim__cfg"] = np.array([max_it, power, steps, mults[0], mults[1]], dtype=np.float32)
    for name, (base_lr, make) in configs.items():
        p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
        groups = [{"params": [p["w1"], p["b1"]]}, {"params": [p["w2"], p["b2"]]}]
        opt = make(groups)
        for it in range(steps):
            for g, m in zip(opt.param_groups, mults):
                g["lr"] = base_lr * m * poly(it, max_it, power)
            opt.zero_grad()
            loss = model_loss(p)
            loss.backward()
            opt.step()
            out[f"{name}_step{it + 1}__loss"] = f32(loss)
            for k, v in p.items():
                out[f"{name}_step{it + 1}__{k}"] = f32(v)
        out[f"{name}__cfg"] = np.array([base_lr], dtype=np.float32)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    gen = torch.Generator().manual_seed(20210202)
    nn_out, loss_out, optim_out = {}, {}, {}
    conv_cases(gen, nn_out)
    pool_cases(gen, nn_out)
    resize_cases(gen, nn_out)
    pointwise_cases(gen, nn_out)
    loss_cases(gen, loss_out)
    optim_cases(gen, optim_out)
    save(os.path.join(root, "core/nn/testdata/golden_nn.npz"), nn_out)
    save(os.path.join(root, "core/losses/testdata/golden_losses.npz"), loss_out)
    save(os.path.join(root, "core/optim/testdata/golden_optim.npz"), optim_out)
    print(f"torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()

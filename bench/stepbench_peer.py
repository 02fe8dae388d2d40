#!/usr/bin/env python3
"""PyTorch CPU peer of bench/cmd/stepbench: one full training step of DAST's DA stage.

The networks and the step mirror dast's Go code (backbones/small, discriminators/discoverer,
discriminators/corrector, strategies/adversarial with configs/synthetic/da.yaml); stepbench
passes every hyper-parameter it read from the config on the command line, and the image pair
it rendered from the synthetic dataset in --data (raw little-endian arrays, NHWC):

  src_image.f32, tgt_image.f32  [1,H,W,3] float32, BGR minus the Caffe mean
  src_label.i32                 [1,H,W] int32 trainIds, 255 = ignore

and, with --weights, the Go run's initial weights (weights.txt lists "<scope>/<name> <file>
<dims>"; raw float32, HWIO kernels), so that the per-step losses of both sides can be compared.

One step:
  1. D and C frozen. Source: L_seg = CE(up(P(E(x_s))), y_s, ignore 255).
     Target: f_t = E(x_t), d_t = D(f_t), alpha = |tanh(d_t)|, p_t = P(f_t + f_t*alpha),
     q_t = softmax(up(p_t)), c_t = C(q_t).
     L = L_seg + lambda_d*mean(d_t^2) + lambda_c*mean(w*c_t^2), w = alpha resized to c_t's grid
     (corrector_weighting attention) or 1. Backward into the segmentor.
  2. D and C on detached inputs: LSGAN(D(f_s),0)+LSGAN(D(f_t),1), LSGAN(C(q_s),0)+LSGAN(C(q_t),1).
  3. SGD (momentum, weight decay, poly LR, head x mult) on the segmentor; Adam on D and C (poly LR).
     All gradients come from the pre-update weights, as in the Go graph.

Up-sampling is bilinear with align_corners=True. The source's upsampled logits are computed once
and reused for C's input (the released AdaptSegNet/DAST code does the same); the Go graph
upsamples them a second time (19x128x256 outputs, negligible next to the convolutions).

Prints key-value lines that stepbench parses: version, threads, times and cpus (wall and process
CPU seconds of each timed step, comma-separated), vmhwm_mb (peak resident memory of this
process, VmHWM), conv_macs (multiply-adds of every convolution evaluated in one step's forward
pass, counted from the actual output shapes), params_<net>, init (go or torch: whose initial
weights) and loss_<iteration> for every step run, warm-up included.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def int_list(s):
    return [int(x) for x in s.split(",") if x]


class Small(nn.Module):
    """segmentor.small: E = conv3x3/2, conv3x3, maxpool 3x3/2 pad 1 ceil, conv3x3, conv3x3/2,
    conv3x3 d2, conv3x3 d2 (ReLU after each conv); P = conv3x3 d4 + ReLU, then the sum of the
    ASPP branches (3x3, dilation = padding)."""

    def __init__(self, widths, aspp, classes, input_scale):
        super().__init__()
        w0, w1, w2 = widths
        self.input_scale = input_scale

        def conv(cin, cout, stride, dil):
            c = nn.Conv2d(cin, cout, 3, stride=stride, padding=dil, dilation=dil)
            nn.init.kaiming_normal_(c.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(c.bias)
            return c

        self.extractor = nn.ModuleList([conv(3, w0, 2, 1), conv(w0, w0, 1, 1), conv(w0, w1, 1, 1),
                                        conv(w1, w1, 2, 1), conv(w1, w2, 1, 2), conv(w2, w2, 1, 2)])
        self.conv7 = conv(w2, w2, 1, 4)
        self.classifier = nn.ModuleList()
        for d in aspp:
            c = nn.Conv2d(w2, classes, 3, padding=d, dilation=d)
            nn.init.normal_(c.weight, 0, 0.01)
            nn.init.zeros_(c.bias)
            self.classifier.append(c)

    def extract(self, x):
        if self.input_scale != 1:
            x = x * self.input_scale
        for i, c in enumerate(self.extractor):
            x = F.relu(c(x))
            if i == 1:
                x = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
        return x

    def predict(self, f):
        x = F.relu(self.conv7(f))
        out = self.classifier[0](x)
        for b in self.classifier[1:]:
            out = out + b(x)
        return out


class Disc(nn.Module):
    """A stack of convolutions (hidden widths, then 1 channel) with LeakyReLU between them and
    nothing after the last; PyTorch's default init (dast's InitTorchDefault)."""

    def __init__(self, cin, hidden, kernel, stride, slope):
        super().__init__()
        self.slope = slope
        self.layers = nn.ModuleList()
        for c in hidden + [1]:
            self.layers.append(nn.Conv2d(cin, c, kernel, stride=stride, padding=1))
            cin = c

    def forward(self, x):
        for i, c in enumerate(self.layers):
            x = c(x)
            if i < len(self.layers) - 1:
                x = F.leaky_relu(x, self.slope)
        return x


def up(x, h, w):
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=True)


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load(data, name, dtype, shape):
    arr = np.fromfile(os.path.join(data, name), dtype=np.dtype(dtype).newbyteorder("<"))
    if arr.size != np.prod(shape):
        raise SystemExit(f"{name}: {arr.size} values, want {shape}")
    return torch.from_numpy(arr.reshape(shape).astype(dtype))


def module_for(nets, key):
    """The nn.Conv2d that holds the dast variable key ("<net>/<layer scope>/<name>")."""
    seg, disc_d, disc_c = nets
    parts = key.split("/")
    net, name = parts[0], parts[-1]
    scope = parts[1:-1]
    if net == "segmentor":
        if scope[0] == "classifier":
            return seg.classifier[int(scope[1].removeprefix("branch"))], name
        i = int(scope[0].removeprefix("conv"))
        return (seg.conv7 if i == 7 else seg.extractor[i - 1]), name
    disc = {"discoverer": disc_d, "corrector": disc_c}[net]
    if scope[0] == "classifier":
        return disc.layers[-1], name
    return disc.layers[int(scope[0].removeprefix("conv")) - 1], name


def load_go_weights(path, nets):
    """Copies the Go run's initial weights into the networks; every parameter must be set."""
    done = set()
    with open(os.path.join(path, "weights.txt")) as f:
        for line in f:
            key, file, dims = line.split()
            shape = tuple(int(d) for d in dims.split(","))
            arr = np.fromfile(os.path.join(path, file), dtype="<f4").reshape(shape)
            mod, name = module_for(nets, key)
            t = torch.from_numpy(arr.astype(np.float32))
            if name == "weights":
                param, t = mod.weight, t.permute(3, 2, 0, 1)  # HWIO -> OIHW
            elif name == "bias":
                param = mod.bias
            else:
                raise SystemExit(f"weights: unknown variable {key}")
            if param.shape != t.shape:
                raise SystemExit(f"weights: {key} is {tuple(t.shape)}, the peer's {tuple(param.shape)}")
            with torch.no_grad():
                param.copy_(t)
            done.add(id(param))
    missing = [n for net in nets for n, p in net.named_parameters() if id(p) not in done]
    if missing:
        raise SystemExit(f"weights: no Go value for {missing}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", default="", help="directory of the Go run's initial weights")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--height", type=int, default=128)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--widths", type=int_list, default=[16, 32, 64])
    ap.add_argument("--aspp", type=int_list, default=[1, 2, 3, 4])
    ap.add_argument("--input-scale", type=float, default=1 / 58)
    ap.add_argument("--classes", type=int, default=19)
    ap.add_argument("--discoverer", type=int_list, default=[32, 16, 8])
    ap.add_argument("--corrector", type=int_list, default=[16, 32, 64, 128])
    ap.add_argument("--slope", type=float, default=0.2)
    ap.add_argument("--lambda-d", type=float, default=0.01)
    ap.add_argument("--lambda-c", type=float, default=0.01)
    ap.add_argument("--corrector-weighting", choices=["none", "attention"], default="attention")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--head-lr-mult", type=float, default=10)
    ap.add_argument("--poly-power", type=float, default=0.9)
    ap.add_argument("--horizon", type=int, default=2000)
    ap.add_argument("--disc-lr", type=float, default=1e-4)
    ap.add_argument("--disc-beta1", type=float, default=0.9)
    ap.add_argument("--disc-beta2", type=float, default=0.99)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    h, w = a.height, a.width

    xs = load(a.data, "src_image.f32", np.float32, (1, h, w, 3)).permute(0, 3, 1, 2).contiguous()
    xt = load(a.data, "tgt_image.f32", np.float32, (1, h, w, 3)).permute(0, 3, 1, 2).contiguous()
    ys = load(a.data, "src_label.i32", np.int32, (1, h, w)).long()

    seg = Small(a.widths, a.aspp, a.classes, a.input_scale)
    disc_d = Disc(a.widths[2], a.discoverer, 3, 1, a.slope)
    disc_c = Disc(a.classes, a.corrector, 4, 2, a.slope)
    if a.weights:
        load_go_weights(a.weights, (seg, disc_d, disc_c))
    body = [p for n, p in seg.named_parameters() if not n.startswith("classifier.")]
    head = list(seg.classifier.parameters())
    sgd = torch.optim.SGD([{"params": body, "mult": 1.0}, {"params": head, "mult": a.head_lr_mult}],
                          lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    adam_d = torch.optim.Adam(disc_d.parameters(), lr=a.disc_lr, betas=(a.disc_beta1, a.disc_beta2))
    adam_c = torch.optim.Adam(disc_c.parameters(), lr=a.disc_lr, betas=(a.disc_beta1, a.disc_beta2))
    discs = list(disc_d.parameters()) + list(disc_c.parameters())

    macs = [0]
    counting = [False]

    def count(mod, inp, out):
        if counting[0]:
            k = mod.kernel_size[0] * mod.kernel_size[1]
            macs[0] += out.numel() * (mod.in_channels // mod.groups) * k

    for m in list(seg.modules()) + list(disc_d.modules()) + list(disc_c.modules()):
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(count)

    def step(it):
        scale = max(1 - it / a.horizon, 0) ** a.poly_power
        for g in sgd.param_groups:
            g["lr"] = a.lr * g["mult"] * scale
        for opt in (adam_d, adam_c):
            for g in opt.param_groups:
                g["lr"] = a.disc_lr * scale
        for opt in (sgd, adam_d, adam_c):
            opt.zero_grad(set_to_none=True)

        # 1. Segmentor loss with D and C frozen.
        for p in discs:
            p.requires_grad_(False)
        fs = seg.extract(xs)
        ups = up(seg.predict(fs), h, w)
        loss_seg = F.cross_entropy(ups, ys, ignore_index=255)
        ft = seg.extract(xt)
        dt = disc_d(ft)
        alpha = torch.tanh(dt).abs()
        qt = F.softmax(up(seg.predict(ft + ft * alpha), h, w), dim=1)
        ct = disc_c(qt)
        if a.corrector_weighting == "attention":
            loss_adv_c = (up(alpha, ct.shape[2], ct.shape[3]) * ct.square()).mean()
        else:
            loss_adv_c = ct.square().mean()
        loss_adv_d = dt.square().mean()
        (loss_seg + a.lambda_c * loss_adv_c + a.lambda_d * loss_adv_d).backward()

        # 2. Discriminators on detached inputs: source -> 0, target -> 1.
        for p in discs:
            p.requires_grad_(True)
        qs = F.softmax(ups.detach(), dim=1)
        loss_c = disc_c(qs).square().mean() + (disc_c(qt.detach()) - 1).square().mean()
        loss_d = disc_d(fs.detach()).square().mean() + (disc_d(ft.detach()) - 1).square().mean()
        (loss_c + loss_d).backward()

        # 3. The three updates.
        sgd.step()
        adam_c.step()
        adam_d.step()
        return {"seg": loss_seg.item(), "adv_c": loss_adv_c.item(), "adv_d": loss_adv_d.item(),
                "disc_c": loss_c.item(), "disc_d": loss_d.item()}

    times, cpus, losses = [], [], []
    for it in range(a.warmup + a.steps):
        counting[0] = it == 0
        t0, c0 = time.perf_counter(), time.process_time()
        losses.append(step(it))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if it >= a.warmup:
            times.append(wall)
            cpus.append(cpu)

    print("version", torch.__version__)
    print("threads", torch.get_num_threads())
    print("times", ",".join(f"{t:.6g}" for t in times))
    print("cpus", ",".join(f"{t:.6g}" for t in cpus))
    print("vmhwm_mb", vmhwm_mb())
    print("conv_macs", macs[0])
    print("params_segmentor", sum(p.numel() for p in seg.parameters()))
    print("params_discoverer", sum(p.numel() for p in disc_d.parameters()))
    print("params_corrector", sum(p.numel() for p in disc_c.parameters()))
    print("init", "go" if a.weights else "torch")
    for it, ls in enumerate(losses):
        print(f"loss_{it}", " ".join(f"{k}={v:.7g}" for k, v in ls.items()))

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch peer of bench/gpu/cmd/paperstep: one DAST DA-stage training step at the paper's scale.

The segmentors are bench/params.py's DeepLab-v2 ResNet-101 (frozen BN: eval mode, affine
parameters not trained; E = conv1..res5b, P = res5c + ASPP with every branch summed) and DeepLab
VGG-16 (pools 1-3 as 3x3/2 pad 1 ceil-mode max pools, pool4/pool5 removed, conv5 dilated by 2;
P = fc6, fc7 (3x3, dilation 4, ReLU) + ASPP); the discriminators are bench/stepbench_peer.py's
(convs with LeakyReLU between them). paperstep passes every hyper-parameter it read from the
paper config (configs/gta5_cityscapes/da_<model>.yaml) on the command line.

One step (the paper's DA stage, as strategies/adversarial builds it):
  1. D and C frozen. L_seg = CE(up(P(E(x_s))), y_s, ignore 255) on the source image at its size.
     f_t = E(x_t), d_t = D(f_t), alpha = |tanh(d_t)|, p_t = P(f_t + f_t*alpha),
     q_t = softmax(up(p_t)) at the target size, c_t = C(q_t).
     L = L_seg + lambda_d*mean(d_t^2) + lambda_c*mean(up(alpha)*c_t^2); backward into the segmentor.
  2. D and C on detached inputs: LSGAN(D(f_s),0)+LSGAN(D(f_t),1), LSGAN(C(q_s),0)+LSGAN(C(q_t),1).
  3. SGD (momentum, weight decay, poly LR, head x mult) on the segmentor; Adam on D and C.

Inputs are random (the work of a step does not depend on the pixel values): x ~ 50*N(0,1),
labels uniform over the classes. fp32 throughout; TF32 is off unless --tf32 (PyTorch allows it
in cuDNN convolutions by default). cudnn.benchmark is on (warm-up steps absorb its search).

Prints key-value lines paperstep parses: version, device_name, times (wall seconds of each timed
step, after torch.cuda.synchronize), compile_s (the first step), max_allocated_mib and
max_reserved_mib (torch.cuda's peak counters), nonfinite_at, params_<net>, loss_<iteration>.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # bench/
import params  # noqa: E402  (bench/params.py: the DeepLab modules)
from stepbench_peer import Disc, up  # noqa: E402


def int_list(s):
    return [int(x) for x in s.split(",") if x]


def size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


class ResNetSeg(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.e, self.p = params.deeplab_resnet([3, 4, 23, 3], classes, projection=False)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                for q in m.parameters():
                    q.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()  # frozen statistics
        return self

    def extract(self, x):
        return params.trunk_forward(self.e, x)

    def predict(self, f):
        x = self.p.res5c(f)
        branches = self.p.classifier.conv2d_list
        out = branches[0](x)
        for b in branches[1:]:
            out = out + b(x)
        return out

    def head(self):
        return list(self.p.classifier.parameters())


class VGGSeg(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.e, self.p = params.deeplab_vgg(classes)

    def extract(self, x):
        for mod in self.e.features:
            if isinstance(mod, nn.MaxPool2d):
                x = F.max_pool2d(x, 3, 2, 1, ceil_mode=True)
            else:
                x = mod(x)
        return x

    def predict(self, f):
        x = F.relu(self.p.fc7(F.relu(self.p.fc6(f))))
        branches = self.p.classifier.conv2d_list
        out = branches[0](x)
        for b in branches[1:]:
            out = out + b(x)
        return out

    def head(self):
        return list(self.p.classifier.parameters())


def trainable(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["resnet101", "vgg16"], required=True)
    ap.add_argument("--src", type=size, default=(1280, 720))
    ap.add_argument("--tgt", type=size, default=(1024, 512))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classes", type=int, default=19)
    ap.add_argument("--discoverer", type=int_list, default=[256, 128, 64])
    ap.add_argument("--corrector", type=int_list, default=[64, 128, 256, 512])
    ap.add_argument("--slope", type=float, default=0.2)
    ap.add_argument("--lambda-d", type=float, default=0.01)
    ap.add_argument("--lambda-c", type=float, default=0.01)
    ap.add_argument("--lr", type=float, default=2.5e-4)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--head-lr-mult", type=float, default=10)
    ap.add_argument("--poly-power", type=float, default=0.9)
    ap.add_argument("--horizon", type=int, default=250000)
    ap.add_argument("--disc-lr", type=float, default=1e-4)
    ap.add_argument("--disc-beta1", type=float, default=0.9)
    ap.add_argument("--disc-beta2", type=float, default=0.99)
    a = ap.parse_args()

    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda and not torch.cuda.is_available():
        raise SystemExit("torch.cuda.is_available() is False: no GPU for the peer")
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(a.seed)
    (sw, sh), (tw, th) = a.src, a.tgt

    seg = (ResNetSeg if a.model == "resnet101" else VGGSeg)(a.classes).to(dev).train()
    feat = 2048 if a.model == "resnet101" else 512
    disc_d = Disc(feat, a.discoverer, 3, 1, a.slope).to(dev)
    disc_c = Disc(a.classes, a.corrector, 4, 2, a.slope).to(dev)
    xs = (torch.randn(1, 3, sh, sw) * 50).to(dev)
    ys = torch.randint(0, a.classes, (1, sh, sw)).to(dev)
    xt = (torch.randn(1, 3, th, tw) * 50).to(dev)

    head_ids = {id(p) for p in seg.head()}
    body = [p for p in seg.parameters() if p.requires_grad and id(p) not in head_ids]
    head = seg.head()
    sgd = torch.optim.SGD([{"params": body, "mult": 1.0}, {"params": head, "mult": a.head_lr_mult}],
                          lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    adam_d = torch.optim.Adam(disc_d.parameters(), lr=a.disc_lr, betas=(a.disc_beta1, a.disc_beta2))
    adam_c = torch.optim.Adam(disc_c.parameters(), lr=a.disc_lr, betas=(a.disc_beta1, a.disc_beta2))
    discs = list(disc_d.parameters()) + list(disc_c.parameters())

    def step(it):
        scale = max(1 - it / a.horizon, 0) ** a.poly_power
        for g in sgd.param_groups:
            g["lr"] = a.lr * g["mult"] * scale
        for opt in (adam_d, adam_c):
            for g in opt.param_groups:
                g["lr"] = a.disc_lr * scale
        for opt in (sgd, adam_d, adam_c):
            opt.zero_grad(set_to_none=True)
        for p in discs:
            p.requires_grad_(False)
        fs = seg.extract(xs)
        ups = up(seg.predict(fs), sh, sw)
        loss_seg = F.cross_entropy(ups, ys, ignore_index=255)
        ft = seg.extract(xt)
        dt = disc_d(ft)
        alpha = torch.tanh(dt).abs()
        qt = F.softmax(up(seg.predict(ft + ft * alpha), th, tw), dim=1)
        ct = disc_c(qt)
        loss_adv_c = (up(alpha, ct.shape[2], ct.shape[3]) * ct.square()).mean()
        loss_adv_d = dt.square().mean()
        (loss_seg + a.lambda_c * loss_adv_c + a.lambda_d * loss_adv_d).backward()
        for p in discs:
            p.requires_grad_(True)
        qs = F.softmax(ups.detach(), dim=1)
        loss_c = disc_c(qs).square().mean() + (disc_c(qt.detach()) - 1).square().mean()
        loss_d = disc_d(fs.detach()).square().mean() + (disc_d(ft.detach()) - 1).square().mean()
        (loss_c + loss_d).backward()
        sgd.step()
        adam_c.step()
        adam_d.step()
        return {"seg": loss_seg.item(), "adv_c": loss_adv_c.item(), "adv_d": loss_adv_d.item(),
                "disc_c": loss_c.item(), "disc_d": loss_d.item()}

    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    times, losses, first, nonfinite = [], [], 0.0, -1
    for it in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        ls = step(it)
        if cuda:
            torch.cuda.synchronize(dev)
        wall = time.perf_counter() - t0
        if it == 0:
            first = wall
        elif it >= a.warmup:
            times.append(wall)
        if nonfinite < 0 and not all(v == v and abs(v) != float("inf") for v in ls.values()):
            nonfinite = it
        losses.append(ls)

    print("version", torch.__version__)
    print("device_name", torch.cuda.get_device_name(dev) if cuda else "cpu")
    print("times", ",".join(f"{t:.6g}" for t in times))
    print("compile_s", f"{first:.6g}")
    if cuda:
        print("max_allocated_mib", f"{torch.cuda.max_memory_allocated(dev) / 2**20:.0f}")
        print("max_reserved_mib", f"{torch.cuda.max_memory_reserved(dev) / 2**20:.0f}")
    print("nonfinite_at", nonfinite)
    print("params_segmentor", trainable(seg))
    print("params_discoverer", trainable(disc_d))
    print("params_corrector", trainable(disc_c))
    for it, ls in enumerate(losses):
        print(f"loss_{it}", " ".join(f"{k}={v:.7g}" for k, v in ls.items()))


if __name__ == "__main__":
    main()

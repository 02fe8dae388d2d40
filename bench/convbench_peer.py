#!/usr/bin/env python3
"""PyTorch CPU peer of bench/cmd/convbench: the same 4-layer 3x3 conv network, forward and
backward (gradient of the sum of the outputs with respect to all weights and biases).

Prints key-value lines that convbench parses:
  torch_version <v>
  torch_threads <n>
  torch_step_s <wall seconds per step, median of the timed steps>
  torch_step_min_s <wall seconds of the fastest timed step>
  torch_cpu_s <process CPU seconds per step, median>
  torch_maxrss_mb <getrusage peak resident memory, MiB>
  torch_vmhwm_mb <peak resident memory of this process image (VmHWM), MiB>
"""
import argparse
import resource
import statistics
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--size", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    chans = [3, 64, 64, 64, 64]
    dils = [1, 1, 2, 2]
    params = []
    for i in range(4):
        w = (torch.randn(chans[i + 1], chans[i], 3, 3) * 0.05).requires_grad_()
        b = torch.zeros(chans[i + 1]).requires_grad_()
        params += [w, b]
    x = torch.randn(args.batch, 3, args.size, args.size)

    def step():
        h = x
        for i in range(4):
            h = F.relu(F.conv2d(h, params[2 * i], params[2 * i + 1], padding=dils[i], dilation=dils[i]))
        grads = torch.autograd.grad(h.sum(), params)
        return grads

    for _ in range(args.warmup):
        step()
    times, cpu = [], []
    for _ in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print("torch_version", torch.__version__)
    print("torch_threads", torch.get_num_threads())
    print("torch_step_s", statistics.median(times))
    print("torch_step_min_s", min(times))
    print("torch_cpu_s", statistics.median(cpu))
    # ru_maxrss is in KiB on Linux. It survives exec: a peer started by a large process reports
    # at least that process's size, so VmHWM (this image's own peak) is printed too.
    print("torch_maxrss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("torch_vmhwm_mb", vmhwm_mb())


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Golden values for the plugin layer graph (plugins/layernet/golden_test.go).

Every case is a plugin layer list (the fields of sdk.Layer, lower-cased, as JSON) run by an
independent PyTorch interpreter of the graph on fixed random inputs and parameters. The fixture
stores, per case "<case>": the JSON ("spec", as int32 character codes), the input x (NHWC), every
parameter under the host's variable path ("p.conv1.weights", kernels HWIO), the output y, the
random r, and the gradients of sum(y * r) with respect to x ("dx") and to every parameter
("d.conv1.weights", ...).

The host's variable scopes, which this script mirrors: conv k (list order) is "conv<k+1>", the
last conv "classifier"; self-attention k is "attention<k>" with 1x1 convs query, key, value and
the scalar gamma; an affine instance norm k is "norm<k>" with scale and shift.

Usage: /usr/bin/python3 plugins/layernet/testdata/golden_layers.py   (from the repository root)
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../bench/golden"))
from golden import f32, hwio, nhwc, save  # noqa: E402

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)


def conv(out, k, s, p, **kw):
    d = dict(type="conv", out=out, kernel=k, stride=s, padding=p, dilation=1, bias=True)
    d.update(kw)
    return d


def scopes(layers):
    """Variable scope of every layer with parameters, as the host names them."""
    nconv = sum(1 for l in layers if l["type"] == "conv")
    out, kc, ka, kn = {}, 0, 0, 0
    for i, l in enumerate(layers):
        if l["type"] == "conv":
            out[i] = "classifier" if kc == nconv - 1 else f"conv{kc + 1}"
            kc += 1
        elif l["type"] == "self_attention":
            ka += 1
            out[i] = f"attention{ka}"
        elif l["type"] == "instance_norm" and l.get("affine"):
            kn += 1
            out[i] = f"norm{kn}"
        elif l["type"] == "instance_norm":
            kn += 1
    return out


class Graph:
    """A PyTorch interpreter of a plugin layer list, with its parameters (PyTorch layouts)."""

    def __init__(self, layers, in_channels, gen):
        self.layers = layers
        self.byname = {l["name"]: i for i, l in enumerate(layers) if l.get("name")}
        self.scope = scopes(layers)
        self.params = {}  # host path -> (torch leaf, layout)
        self.channels = {}
        for i in self.topo():
            self.make_params(i, self.in_channels(i, in_channels), gen)

    def inputs(self, i):
        l = self.layers[i]
        if l.get("inputs"):
            return [-1 if r == "input" else self.byname[r] for r in l["inputs"]]
        return [i - 1]

    def deps(self, i):
        d = [j for j in self.inputs(i) if j >= 0]
        ref = self.layers[i].get("sizeof")
        if ref and ref != "input":
            d.append(self.byname[ref])
        return d

    def topo(self):
        done, order = set(), []
        while len(order) < len(self.layers):
            for i in range(len(self.layers)):
                if i not in done and all(j in done for j in self.deps(i)):
                    done.add(i)
                    order.append(i)
                    break
        return order

    def in_channels(self, i, c0):
        chans = [c0 if j < 0 else self.channels[j] for j in self.inputs(i)]
        l = self.layers[i]
        t = l["type"]
        c = chans[0]
        if t == "conv":
            self.channels[i] = l["out"]
        elif t == "concat":
            self.channels[i] = sum(chans)
        else:
            self.channels[i] = c
        return c

    def leaf(self, path, shape, gen, scale, layout):
        t = (torch.randn(tuple(shape), generator=gen) * scale).requires_grad_(True)
        self.params[path] = (t, layout)
        return t

    def make_params(self, i, c, gen):
        l, s = self.layers[i], self.scope.get(i)
        if l["type"] == "conv":
            k = l["kernel"]
            self.leaf(s + ".weights", (l["out"], c, k, k), gen, 1 / np.sqrt(c * k * k), "oihw")
            if l.get("bias"):
                self.leaf(s + ".bias", (l["out"],), gen, 0.1, "vec")
        elif l["type"] == "self_attention":
            kc = l.get("keychannels") or max(1, c // 8)
            for name, o in (("query", kc), ("key", kc), ("value", c)):
                self.leaf(f"{s}.{name}.weights", (o, c, 1, 1), gen, 1 / np.sqrt(c), "oihw")
                self.leaf(f"{s}.{name}.bias", (o,), gen, 0.1, "vec")
            self.leaf(s + ".gamma", (), gen, 0.5, "vec")
        elif l["type"] == "instance_norm" and l.get("affine"):
            with torch.no_grad():
                scale = 1 + 0.3 * torch.randn(c, generator=gen)
            self.params[s + ".scale"] = (scale.requires_grad_(True), "vec")
            self.leaf(s + ".shift", (c,), gen, 0.2, "vec")

    def p(self, path):
        return self.params[path][0]

    def forward(self, x):
        vals = {-1: x}
        for i in self.topo():
            vals[i] = self.layer(i, [vals[j] for j in self.inputs(i)], vals)
        return vals[len(self.layers) - 1]

    def layer(self, i, ins, vals):
        l, s, x = self.layers[i], self.scope.get(i), ins[0]
        t = l["type"]
        if t == "conv":
            b = self.p(s + ".bias") if l.get("bias") else None
            return F.conv2d(x, self.p(s + ".weights"), b, stride=l["stride"], padding=l["padding"], dilation=l["dilation"])
        if t == "relu":
            return F.relu(x)
        if t == "leaky_relu":
            return F.leaky_relu(x, l["slope"])
        if t == "tanh":
            return torch.tanh(x)
        if t == "add":
            y = ins[0]
            for z in ins[1:]:
                y = y + z
            return y
        if t == "concat":
            return torch.cat(ins, dim=1)
        if t == "avg_pool":
            return F.avg_pool2d(x, l["kernel"], l["stride"], l["padding"], ceil_mode=l.get("ceilmode", False),
                                count_include_pad=l.get("countincludepad", False))
        if t == "max_pool":
            return F.max_pool2d(x, l["kernel"], l["stride"], l["padding"], ceil_mode=l.get("ceilmode", False))
        if t == "upsample":
            ac = l.get("aligncorners", False)
            if l.get("sizeof"):
                ref = l["sizeof"]
                size = (vals[-1] if ref == "input" else vals[self.byname[ref]]).shape[2:]
                return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=ac)
            return F.interpolate(x, scale_factor=l["factor"], mode="bilinear", align_corners=ac)
        if t == "self_attention":
            return self.attention(s, x)
        if t == "instance_norm":
            eps = l.get("eps") or 1e-5
            if l.get("affine"):
                return F.instance_norm(x, weight=self.p(s + ".scale"), bias=self.p(s + ".shift"), eps=eps)
            return F.instance_norm(x, eps=eps)
        raise ValueError(t)

    def attention(self, s, x):
        """SAGAN's Self_Attn: softmax over keys of q_i . k_j, values weighted, gamma * out + x."""
        n, c, h, w = x.shape
        proj = lambda name: F.conv2d(x, self.p(f"{s}.{name}.weights"), self.p(f"{s}.{name}.bias"))
        q = proj("query").view(n, -1, h * w).permute(0, 2, 1)  # N x P x C'
        k = proj("key").view(n, -1, h * w)  # N x C' x P
        attn = torch.softmax(torch.bmm(q, k), dim=-1)  # N x P x P
        v = proj("value").view(n, -1, h * w)  # N x C x P
        out = torch.bmm(v, attn.permute(0, 2, 1)).view(n, c, h, w)
        return self.p(s + ".gamma") * out + x


def add_case(out, name, layers, shape, gen):
    n, h, w, c = shape
    g = Graph(layers, c, gen)
    x = torch.randn(n, c, h, w, generator=gen).requires_grad_(True)
    y = g.forward(x)
    r = torch.randn(*y.shape, generator=gen)
    paths = sorted(g.params)
    grads = torch.autograd.grad((y * r).sum(), [x] + [g.p(k) for k in paths])
    spec = json.dumps(layers, sort_keys=True)
    out[f"{name}__spec"] = np.frombuffer(spec.encode(), dtype=np.uint8).astype(np.int32)
    out[f"{name}__x"] = nhwc(x)
    out[f"{name}__y"] = nhwc(y)
    out[f"{name}__r"] = nhwc(r)
    out[f"{name}__dx"] = nhwc(grads[0])
    for k, gr in zip(paths, grads[1:]):
        t, layout = g.params[k]
        conv_to = hwio if layout == "oihw" else f32
        out[f"{name}__p.{k}"] = conv_to(t)
        out[f"{name}__d.{k}"] = conv_to(gr)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    gen = torch.Generator().manual_seed(20260218)
    out = {}
    # One layer each (the output is the layer's, any channel count).
    pool = lambda t, k, s, p, **kw: dict(type=t, kernel=k, stride=s, padding=p, **kw)
    add_case(out, "layer_avg_pool_pad", [pool("avg_pool", 3, 2, 1, countincludepad=True)], (2, 7, 9, 3), gen)
    add_case(out, "layer_avg_pool_nopad_ceil", [pool("avg_pool", 3, 2, 1, ceilmode=True)], (2, 8, 7, 3), gen)
    add_case(out, "layer_avg_pool_ceil_pad", [pool("avg_pool", 2, 2, 1, ceilmode=True, countincludepad=True)], (1, 7, 6, 2), gen)
    add_case(out, "layer_avg_pool_k2", [pool("avg_pool", 2, 2, 0, countincludepad=True)], (2, 6, 8, 3), gen)
    add_case(out, "layer_max_pool_ceil", [pool("max_pool", 3, 2, 1, ceilmode=True)], (2, 8, 7, 3), gen)
    add_case(out, "layer_upsample_x2", [dict(type="upsample", factor=2)], (2, 4, 5, 3), gen)
    add_case(out, "layer_upsample_x3_align", [dict(type="upsample", factor=3, aligncorners=True)], (1, 3, 4, 2), gen)
    add_case(out, "layer_upsample_to_input", [conv(3, 3, 2, 1), dict(type="upsample", sizeof="input")], (1, 9, 11, 2), gen)
    add_case(out, "layer_upsample_to_input_align", [conv(3, 3, 2, 1), dict(type="upsample", sizeof="input", aligncorners=True)], (1, 9, 11, 2), gen)
    add_case(out, "layer_self_attention", [dict(type="self_attention", keychannels=2)], (2, 4, 5, 16), gen)
    add_case(out, "layer_self_attention_default_keys", [dict(type="self_attention")], (1, 3, 3, 9), gen)
    add_case(out, "layer_instance_norm", [dict(type="instance_norm")], (2, 5, 6, 3), gen)
    add_case(out, "layer_instance_norm_affine", [dict(type="instance_norm", affine=True, eps=1e-3)], (2, 4, 5, 3), gen)
    add_case(out, "layer_add", [conv(3, 3, 1, 1, name="a"), dict(type="relu", name="r"), dict(type="add", inputs=["a", "input", "r"])], (2, 5, 4, 3), gen)
    add_case(out, "layer_concat", [conv(2, 3, 1, 1, name="a"), dict(type="concat", inputs=["input", "a"])], (2, 5, 4, 3), gen)
    # A whole graph: residual block, pooling branch with attention, resize back, concat, norm,
    # logits; declared partly out of order.
    graph = [
        conv(4, 3, 1, 1, name="c0"),
        dict(type="leaky_relu", slope=0.2),
        conv(4, 3, 1, 1, name="c1"),
        dict(type="add", inputs=["c0", "c1"], name="res"),
        dict(type="instance_norm", affine=True, name="norm"),
        dict(type="concat", inputs=["norm", "up"], name="cat"),
        dict(type="avg_pool", kernel=3, stride=2, padding=1, countincludepad=False, inputs=["res"], name="half"),
        dict(type="self_attention", keychannels=2),
        dict(type="upsample", sizeof="res", name="up"),
        dict(type="tanh", inputs=["cat"]),
        conv(1, 3, 1, 1),
    ]
    add_case(out, "graph_mixed", graph, (2, 7, 8, 3), gen)
    save(os.path.join(root, "plugins/layernet/testdata/golden_layers.npz"), out)
    print(f"torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()

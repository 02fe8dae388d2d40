"""Writes the tiny PyTorch checkpoints backbones/weights tests read (run once; outputs committed).

    /usr/bin/python3 backbones/weights/testdata/make_pth.py   # needs python3-torch (Debian)

Each file is a state dict with the real key names and shapes of a checkpoint users hold:
torchvision resnet101 / vgg16 (``resnet101-*.pth``, ``vgg16-*.pth``) and the DeepLab-v2 init
file AdaptSegNet and DAST start from (``DeepLab_resnet_pretrained_init-*.pth``: a ``Scale.``
prefix, the VOC classifier ``layer5``, no num_batches_tracked). The key lists and shapes come from
the *_keys.txt files beside this script.

To stay small, every tensor is a strided view of a short storage: a kernel [O,I,KH,KW] has
strides (1,1,1,1), so element (o,i,y,x) is storage[o+i+y+x] with storage[j] = (37*j mod 101)/101
(float32); 1-D tensors have stride 0 over the one value 0.5. The readers must honour sizes,
strides and offsets, which is what these files exercise. Formats: the zip format (torch >= 1.6
default) and the legacy pickle format (_use_new_zipfile_serialization=False).
"""
import collections
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def read_keys(name):
    out = []
    with open(os.path.join(HERE, name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, dims = line.partition(" ")
            shape = [int(d) for d in dims.split("x")] if dims else []
            out.append((key, shape))
    return out


def tensor(key, shape):
    if key.endswith("num_batches_tracked"):
        return torch.tensor(0, dtype=torch.int64)
    if len(shape) == 1:
        return torch.full((1,), 0.5).as_strided(shape, (0,))
    n = sum(d - 1 for d in shape) + 1
    storage = (torch.arange(n) * 37 % 101).float() / 101
    return storage.as_strided(shape, (1,) * len(shape))


# VGG-16's ImageNet classifier (ignored on import) keeps its key names at shapes cut by 64 per
# dimension: at full size (124M values) it alone would make every read of the file slow.
SMALL_HEADS = {"classifier.0.weight": [64, 392], "classifier.0.bias": [64],
               "classifier.3.weight": [64, 64], "classifier.3.bias": [64],
               "classifier.6.weight": [16, 64], "classifier.6.bias": [16]}


def state(keys, prefix="", drop=()):
    sd = collections.OrderedDict()
    for key, shape in keys:
        if any(key.endswith(d) for d in drop):
            continue
        sd[prefix + key] = tensor(key, SMALL_HEADS.get(key, shape))
    return sd


def save(sd, name, legacy):
    path = os.path.join(HERE, name)
    torch.save(sd, path, _use_new_zipfile_serialization=not legacy)
    back = torch.load(path)
    assert list(back) == list(sd) and all(torch.equal(back[k], sd[k]) for k in sd), name
    print(name, len(sd), "tensors", os.path.getsize(path), "bytes")


resnet = read_keys("torchvision_resnet101_keys.txt")
vgg = read_keys("torchvision_vgg16_keys.txt")
save(state(resnet), "torchvision_resnet101_tiny.pth", legacy=False)
save(state(vgg), "torchvision_vgg16_tiny.pth", legacy=False)
save(state(vgg), "torchvision_vgg16_tiny_legacy.pth", legacy=True)
deeplab = state([kv for kv in resnet if not kv[0].startswith("fc.")], prefix="Scale.", drop=("num_batches_tracked",))
for i in range(4):  # the DeepLab-v2 VOC classifier (ASPP, 21 classes), ignored on import
    deeplab["Scale.layer5.conv2d_list.%d.weight" % i] = tensor("w", [21, 2048, 3, 3])
    deeplab["Scale.layer5.conv2d_list.%d.bias" % i] = tensor("b", [21])
save(deeplab, "deeplab_resnet101_init_tiny_legacy.pth", legacy=True)

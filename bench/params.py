#!/usr/bin/python3
"""Parameter counts of dast's paper-scale segmentors, built in PyTorch.

Builds DeepLab-v2 ResNet-101/50 (Caffe-style bottlenecks, output stride 8, ASPP classifier) and
DeepLab VGG-16 (pool4/pool5 removed, dilated conv5, fc6/fc7, ASPP) as plain torch.nn modules, no
downloads, and prints for each the parameters (conv weights and biases, BN weight and bias) and
the BN running statistics (running_mean and running_var; num_batches_tracked is not counted) of
the feature extractor E and the predictor P. With --keys DIR it also writes the state_dict key
lists (name and shape) of torchvision's resnet101, resnet50 and vgg16 ImageNet models, built here
with the same module names, for backbones/weights' key-set tests.

Run: /usr/bin/python3 bench/params.py [--keys backbones/weights/testdata]
"""
import argparse
import os

import json
import struct

import torch
import torch.nn as nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=False):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if downsample:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


def make_layer(inplanes, planes, blocks, stride, dilation):
    layers = [Bottleneck(inplanes, planes, stride, dilation, downsample=True)]
    for _ in range(1, blocks):
        layers.append(Bottleneck(planes * 4, planes, 1, dilation))
    return nn.Sequential(*layers)


class ASPP(nn.Module):
    def __init__(self, cin, classes, dilations=(6, 12, 18, 24)):
        super().__init__()
        self.conv2d_list = nn.ModuleList(
            [nn.Conv2d(cin, classes, 3, padding=d, dilation=d, bias=True) for d in dilations])


def resnet_trunk(blocks, dilated=True):
    m = nn.Module()
    m.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(64)
    m.layer1 = make_layer(64, 64, blocks[0], 1, 1)
    m.layer2 = make_layer(256, 128, blocks[1], 2, 1)
    m.layer3 = make_layer(512, 256, blocks[2], 1 if dilated else 2, 2 if dilated else 1)
    m.layer4 = make_layer(1024, 512, blocks[3], 1 if dilated else 2, 4 if dilated else 1)
    return m


def deeplab_resnet(blocks, classes, projection):
    """Returns (E, P) modules of DeepLab-v2 ResNet: E = conv1..layer4[-2], P = layer4[-1] + ASPP."""
    trunk = resnet_trunk(blocks)
    if projection:
        trunk.layer4[-1].downsample = nn.Sequential(nn.Conv2d(2048, 2048, 1, bias=False), nn.BatchNorm2d(2048))
    p = nn.Module()
    p.res5c = trunk.layer4[-1]
    p.classifier = ASPP(2048, classes)
    trunk.layer4 = nn.Sequential(*list(trunk.layer4)[:-1])
    return trunk, p


VGG_CFG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']


def vgg_features(dilated_conv5=False):
    layers, cin, block = [], 3, 1
    for v in VGG_CFG:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
            block += 1
            continue
        d = 2 if dilated_conv5 and block == 5 else 1
        layers += [nn.Conv2d(cin, v, 3, padding=d, dilation=d), nn.ReLU(inplace=True)]
        cin = v
    return nn.Sequential(*layers)


def deeplab_vgg(classes):
    e = nn.Module()
    feats = vgg_features(dilated_conv5=True)
    # DeepLab drops pool4 (index 23) and pool5 (index 30); indices of the convs stay torchvision's.
    e.features = feats
    del e.features._modules['23']
    del e.features._modules['30']
    p = nn.Module()
    p.fc6 = nn.Conv2d(512, 1024, 3, padding=4, dilation=4)
    p.fc7 = nn.Conv2d(1024, 1024, 3, padding=4, dilation=4)
    p.classifier = ASPP(1024, classes)
    return e, p


def counts(m):
    params = sum(p.numel() for p in m.parameters())
    stats = sum(b.numel() for n, b in m.named_buffers() if not n.endswith('num_batches_tracked'))
    return params, stats


def torchvision_resnet(blocks):
    m = resnet_trunk(blocks, dilated=False)
    m.fc = nn.Linear(2048, 1000)
    return m


def torchvision_vgg16():
    m = nn.Module()
    m.features = vgg_features()
    m.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                                 nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))
    return m


def trunk_forward(m, x):
    """DeepLab-v2 E: conv1, BN, ReLU, 3x3/2 pad 1 ceil-mode max pool, layer1..layer4."""
    x = torch.relu(m.bn1(m.conv1(x)))
    x = nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True)
    return m.layer4(m.layer3(m.layer2(m.layer1(x))))


def write_safetensors(path, tensors):
    """Writes float32 tensors in the safetensors format (8-byte header size, JSON, raw data)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().float().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def export_check(out_dir, blocks, h, w):
    """Writes a randomly initialised DeepLab ResNet trunk (torchvision key names, BN statistics
    random too) and its eval-mode E output on a random input, for backbones/resnet's
    TestTorchForward (DAST_TORCH_CHECK=out_dir)."""
    torch.manual_seed(0)
    m = resnet_trunk(blocks)
    layer4 = list(m.layer4)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 2.0)
    m.eval()
    x = torch.randn(1, 3, h, w) * 50
    m.layer4 = nn.Sequential(*layer4[:-1])  # E ends at res5b
    with torch.no_grad():
        f = trunk_forward(m, x)
    m.layer4 = nn.Sequential(*layer4)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, 'weights.safetensors'), m.state_dict() | {})
    write_safetensors(os.path.join(out_dir, 'io.safetensors'),
                      {'input': x.permute(0, 2, 3, 1), 'feature': f.permute(0, 2, 3, 1)})
    print(f'wrote {out_dir}: blocks {blocks}, input {h}x{w}, feature {list(f.shape)} (NCHW)')


def export_vgg_check(out_dir, h, w):
    """Writes random torchvision-named VGG-16 features and DeepLab E's output (pools 1-3 as
    3x3/2 pad 1 ceil-mode max pools, pool4/pool5 removed, conv5 dilated by 2) on a random input,
    for backbones/vgg's TestTorchForward."""
    torch.manual_seed(1)
    feats = vgg_features()
    for i, mod in enumerate(feats):
        if isinstance(mod, nn.Conv2d) and i > 23:
            mod.dilation, mod.padding = (2, 2), (2, 2)
    x = torch.randn(1, 3, h, w) * 50
    y = x
    with torch.no_grad():
        for i, mod in enumerate(feats):
            if isinstance(mod, nn.MaxPool2d):
                if i < 23:
                    y = nn.functional.max_pool2d(y, 3, 2, 1, ceil_mode=True)
                continue
            y = mod(y)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, 'vgg_weights.safetensors'),
                      {'features.' + k: v for k, v in feats.state_dict().items()})
    write_safetensors(os.path.join(out_dir, 'vgg_io.safetensors'),
                      {'input': x.permute(0, 2, 3, 1), 'feature': y.permute(0, 2, 3, 1)})
    print(f'wrote {out_dir}: vgg16 input {h}x{w}, feature {list(y.shape)} (NCHW)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--classes', type=int, default=19)
    ap.add_argument('--keys', help='directory to write torchvision state_dict key lists into')
    ap.add_argument('--export-check', metavar='DIR',
                    help='write random ResNet-50 and VGG-16 backbones and their E outputs for the TestTorchForward tests')
    args = ap.parse_args()
    if args.export_check:
        export_check(args.export_check, [3, 4, 6, 3], 65, 97)
        export_vgg_check(args.export_check, 65, 97)
        return
    models = {
        'resnet101': deeplab_resnet([3, 4, 23, 3], args.classes, False),
        'resnet101_projection': deeplab_resnet([3, 4, 23, 3], args.classes, True),
        'resnet50': deeplab_resnet([3, 4, 6, 3], args.classes, False),
        'vgg16': deeplab_vgg(args.classes),
    }
    print(f'# classes={args.classes}; params = weights, biases, BN weight/bias; stats = BN running mean/var')
    print(f'{"model":22s} {"E params":>10s} {"E stats":>8s} {"P params":>10s} {"P stats":>8s} {"total params":>12s}')
    for name, (e, p) in models.items():
        ep, es = counts(e)
        pp, ps = counts(p)
        print(f'{name:22s} {ep:10d} {es:8d} {pp:10d} {ps:8d} {ep + pp:12d}')
    if args.keys:
        os.makedirs(args.keys, exist_ok=True)
        for name, m in [('resnet101', torchvision_resnet([3, 4, 23, 3])),
                        ('resnet50', torchvision_resnet([3, 4, 6, 3])), ('vgg16', torchvision_vgg16())]:
            path = os.path.join(args.keys, f'torchvision_{name}_keys.txt')
            with open(path, 'w') as f:
                f.write(f'# state_dict keys and shapes of torchvision {name} (written by bench/params.py)\n')
                for k, v in m.state_dict().items():
                    f.write(f'{k} {"x".join(str(d) for d in v.shape)}\n')
            print(f'wrote {path}')


if __name__ == '__main__':
    main()

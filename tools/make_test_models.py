#!/usr/bin/python3
"""Writes the tiny ONNX fixtures of swath's model tests (tests/data/models/), a few KB each:

    /usr/bin/python3 tools/make_test_models.py tests/data/models

good.onnx         [1, 3, 64, 64] → [1, 64, 7]: YOLOv5 layout, 2 classes (random weights)
yolov8.onnx       [1, 3, 64, 64] → [1, 6, 64]: YOLOv8 layout (4 + classes, N)
dynamic.onnx      [1, 3, height, width]: dynamic input dimensions
unsupported.onnx  a layer OpenCV 4.6 cannot import (NonZero)
"""
import os
import sys

import torch
import torch.nn as nn


class Yolo5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 7, 8, 8)

    def forward(self, x):
        p = torch.sigmoid(self.conv(x))  # 1, 7, 8, 8
        return p.permute(0, 2, 3, 1).reshape(1, 64, 7)


class Yolo8(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 8, 8)

    def forward(self, x):
        return torch.sigmoid(self.conv(x)).reshape(1, 6, 64)


class NonZero(nn.Module):
    def forward(self, x):
        return torch.nonzero(x > 0.5).float().unsqueeze(0)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/models"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    x = torch.zeros(1, 3, 64, 64)
    kw = dict(opset_version=12, input_names=["images"], output_names=["output"])
    torch.onnx.export(Yolo5(), x, os.path.join(out, "good.onnx"), **kw)
    torch.onnx.export(Yolo8(), x, os.path.join(out, "yolov8.onnx"), **kw)
    torch.onnx.export(Yolo5(), x, os.path.join(out, "dynamic.onnx"), dynamic_axes={"images": {2: "height", 3: "width"}}, **kw)
    torch.onnx.export(NonZero(), x, os.path.join(out, "unsupported.onnx"), **kw)


if __name__ == "__main__":
    main()

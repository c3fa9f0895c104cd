#!/usr/bin/python3
# Compares two XYZ pyramids (DIR/z/x/y.png): the z/x/y sets, and per zoom the mean absolute difference per band
# on pixels both cover (alpha > 0 in both). Usage: xyz_compare.py REFERENCE_DIR OTHER_DIR. Needs python3-gdal, numpy.
import os
import sys

import numpy as np
from osgeo import gdal


def tiles(root):
    out = set()
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".png"):
                out.add(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def rgba(path):
    a = gdal.Open(path).ReadAsArray().astype(np.int32)
    if a.ndim == 2:
        a = a[None]
    data, alpha = (a[:-1], a[-1]) if a.shape[0] in (2, 4) else (a, np.full(a.shape[1:], 255))
    return data, alpha


ref_dir, other_dir = sys.argv[1], sys.argv[2]
ref, other = tiles(ref_dir), tiles(other_dir)
print(f"tiles: reference {len(ref)}, other {len(other)}, common {len(ref & other)}, "
      f"only in reference {len(ref - other)}, only in other {len(other - ref)}")
def empty(root, path):
    return not (rgba(os.path.join(root, path))[1] > 0).any()


empty_only = {}
for name, root, only in (("reference", ref_dir, ref - other), ("other", other_dir, other - ref)):
    if only:
        empty_only[name] = sum(empty(root, p) for p in only)
        print(f"  only in {name}: {len(only)}, of which fully transparent {empty_only[name]}; first 5: {sorted(only)[:5]}")
by_zoom = {}
for path in sorted(ref & other):
    z = int(path.split(os.sep)[0])
    d1, a1 = rgba(os.path.join(ref_dir, path))
    d2, a2 = rgba(os.path.join(other_dir, path))
    covered = (a1 > 0) & (a2 > 0)
    s = by_zoom.setdefault(z, [np.zeros(d1.shape[0]), 0, 0, 0])
    s[0] += np.abs(d1 - d2)[:, covered].sum(axis=1)
    s[1] += int(covered.sum())
    s[2] += int(((a1 > 0) != (a2 > 0)).sum())
    s[3] += a1.size
worst = 0.0
for z in sorted(by_zoom):
    total, n, disagree, pixels = by_zoom[z]
    mad = total / max(n, 1)
    worst = max(worst, float(mad.max()))
    print(f"zoom {z:2d}: mean abs difference per band {' '.join(f'{m:5.2f}' for m in mad)} DN on {n} covered pixels; "
          f"coverage differs on {100.0 * disagree / max(pixels, 1):.2f}% of pixels")
print(f"worst mean abs difference: {worst:.2f} DN")
data_same = all(empty_only.get(n, 0) == len(o) for n, o in (("reference", ref - other), ("other", other - ref)))
print(f"same z/x/y set: {'yes' if ref == other else 'no'}")
print(f"same z/x/y set of tiles with data: {'yes' if data_same else 'no'}")

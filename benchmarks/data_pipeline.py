#!/usr/bin/env python
"""Images/s of the data pipeline: the decode-once uint8 cache against decoding JPEGs every epoch.

Both run the same Albumentations training pipeline on the same synthetic faces in the same process, so the
ratio is measured side by side. Not a test: it prints numbers.

    python benchmarks/data_pipeline.py            # 7 classes x 100 faces at 100 px, 3 repeats
    python benchmarks/data_pipeline.py --quick    # smaller, for a smoke run
"""
import argparse, os, platform, statistics, tempfile, time
from pathlib import Path
import torch
from torch.utils.data import DataLoader, Dataset
from recursive_fer.dataset import RafDBDataset, read_table, train_transforms
from recursive_fer.cache import decode_image
from recursive_fer.faces import make_synthetic_fer

class DecodeEveryTime(Dataset):
    "Baseline: read and decode the JPEG on every access, then the same augmentation."
    def __init__(self, table, size):
        self.paths, self.labels = list(table.path), list(table.label)
        self.size, self.tf = size, train_transforms(size)
    def __len__(self): return len(self.paths)
    def __getitem__(self, i):
        return self.tf(image=decode_image(self.paths[i], self.size))['image'], self.labels[i]

def images_per_second(ds, workers:int, batch_size:int=64)->float:
    dl = DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, persistent_workers=False)
    t0, n = time.perf_counter(), 0
    for x, _ in dl: n += len(x)
    return n / (time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--quick', action='store_true', help='small data set, 2 repeats')
    ap.add_argument('--n-per-class', type=int, default=100)
    ap.add_argument('--size', type=int, default=100, help='side the model sees (RAF-DB aligned faces are 100)')
    ap.add_argument('--source-size', type=int, default=None,
                    help='side of the JPEGs on disk (default: --size; RAF-DB originals are larger)')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--workers', type=int, nargs='+', default=[0])
    a = ap.parse_args()
    if a.quick: a.n_per_class, a.repeats = 30, 2
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        src = a.source_size or a.size
        root = make_synthetic_fer(Path(d)/'syn', 'raf-kaggle', n_per_class=a.n_per_class, n_test_per_class=1, size=src)
        table, classes = read_table(root, val_frac=0)
        table = table[table.split == 'train']
        t0 = time.perf_counter()
        cached = RafDBDataset(table=table, classes=classes, split='train', size=a.size, cache_dir=Path(d)/'cache',
                              progress=False)
        build = time.perf_counter() - t0
        jpeg = DecodeEveryTime(table, a.size)
        print(f'machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; '
              f'{len(cached)} synthetic {src}px JPEG faces served at {a.size}px, training augmentation on, median of '
              f'{a.repeats} epochs')
        print(f'one-off cache build: {build:.2f}s ({len(cached) / build:.0f} images/s)\n')
        print('| workers | cached (images/s) | decode every epoch (images/s) | speed-up |')
        print('|---|---|---|---|')
        for w in a.workers:
            c = statistics.median(images_per_second(cached, w) for _ in range(a.repeats))
            j = statistics.median(images_per_second(jpeg, w) for _ in range(a.repeats))
            print(f'| {w} | {c:.0f} | {j:.0f} | {c / j:.2f}x |')

if __name__ == '__main__': main()

#!/usr/bin/env python
"""Where a CUDA training step waits for the GPU: the package's lines that CUDA's sync debug mode flags.

    python tools/cuda_syncs.py [--steps 6]

Trains a tiny masked model (`compact=False`) from `DeviceLoader` batches with `torch.cuda.set_sync_debug_mode('warn')`
and prints, for each place in recursive_fer that caused a host sync, how many times it did (the notebook test in
`nbs/04_train.ipynb` asserts the count does not grow with the steps; this says where the syncs are).
"""
import argparse, collections, itertools, tempfile, traceback, warnings
from pathlib import Path
import torch
import recursive_fer
from recursive_fer.faces import make_synthetic_fer
from recursive_fer.dataset import RafDBDataset
from recursive_fer.layouts import RAF_CLASSES
from recursive_fer.loader import DeviceLoader
from recursive_fer.model import RecursiveFER
from recursive_fer.loss import DifferentiablePonderLoss
from recursive_fer.config import TrainConfig
from recursive_fer.epochs import run_epoch

PKG = str(Path(recursive_fer.__file__).parent)

def sync_sites(steps:int, tmp:Path)->collections.Counter:
    "Counts of (file:line code) in the package that triggered a sync warning while training `steps` batches."
    data = make_synthetic_fer(tmp/'syn', 'raf-kaggle', n_per_class=12, n_test_per_class=3, size=32)
    ds = RafDBDataset(data, 'train', size=32, cache_dir=tmp/'cache', progress=False)
    cfg = TrainConfig(data=str(data), size=32, width=8, max_steps=3, batch_size=16, workers=0, wandb_mode='disabled',
                      log_every=10**6, device='cuda')
    batches = list(itertools.islice(DeviceLoader(ds, 16, 'cuda', cfg.aug(), shuffle=True), steps))
    net = RecursiveFER(n_classes=7, width=8, max_steps=3, compact=False).cuda()
    opt, loss_fn = torch.optim.AdamW(net.parameters(), 1e-3), DifferentiablePonderLoss(0.01).cuda()
    run = lambda: run_epoch(net, batches, loss_fn, list(RAF_CLASSES), torch.device('cuda'), opt, cfg=cfg, show=False,
                            reduce=False)
    run()
    torch.cuda.synchronize()                                   # warm-up: lazy initialisations
    sites, show = collections.Counter(), warnings.showwarning
    def record(message, category, filename, lineno, file=None, line=None):
        ours = [f for f in traceback.extract_stack()[:-1] if f.filename.startswith(PKG)]
        where = f'{Path(ours[-1].filename).name}:{ours[-1].lineno} {ours[-1].line}' if ours else f'{filename}:{lineno}'
        sites[f'{where}  [{str(message)[:60]}]'] += 1
    warnings.showwarning = record
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.showwarning = record
            torch.cuda.set_sync_debug_mode('warn')
            try: run()
            finally: torch.cuda.set_sync_debug_mode('default')
    finally: warnings.showwarning = show
    return sites

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--steps', type=int, default=6)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d: sites = sync_sites(a.steps, Path(d))
    print(f'{sum(sites.values())} host syncs in {a.steps} training steps:')
    for k, v in sites.most_common(): print(f'{v:5d}  {k}')

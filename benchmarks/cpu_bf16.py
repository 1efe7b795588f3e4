#!/usr/bin/env python
"""bf16 autocast on the CPU against float32: the CPU recipe's training step and training epoch, side by side.

    python benchmarks/cpu_bf16.py [--rounds 12] [--out benchmarks/results/cpu_bf16]

1. One optimiser step of the `cpu` recipe's model (batch 128, 48px, AdamW, the package's loss), four ways: float32,
   bf16 autocast (`TrainConfig.cpu_bf16`), and each with channels_last (`--compiled`: a fifth, float32 with the
   recursive step compiled, `--compile_mode default`); they alternate round after round, so drift
   on a shared machine hits all alike. Median seconds per step over the rounds.
2. Whole training epochs (`run_epoch`: DataLoader with one worker and Albumentations, model, optimiser) over synthetic
   48px faces, float32 and bf16 alternating, and bf16 with the device loader (`loader='device'`: the faces in memory,
   augmented a batch at a time in the training process, no worker). Median faces/s.
Run it on an idle machine: timings taken beside another job mislead. Writes results.md and results.json to --out.
bf16 is measured whatever the CPU (training itself uses it only where the CPU has native bf16, `cpu_bf16_native`);
the results say whether this one has. `--steps_only` skips the epochs (an emulated-bf16 epoch takes minutes).
"""
import argparse, json, platform, statistics, sys, tempfile, time
from unittest import mock
from pathlib import Path
import torch
from torch.utils.data import DataLoader

from benchlib import ROOT, timed_calls
from recursive_fer.recipes import recipe_config
from recursive_fer.model import RecursiveFER
from recursive_fer.loss import DifferentiablePonderLoss
from recursive_fer.epochs import autocast_context, run_epoch, cpu_bf16_native
from recursive_fer.dataset import RafDBDataset
from recursive_fer.loader import DeviceLoader
from recursive_fer.layouts import RAF_CLASSES
from recursive_fer.faces import make_synthetic_fer
from recursive_fer.utils import atomic_write

VARIANTS = {'float32': (False, False), 'bf16': (True, False), 'float32, channels_last': (False, True),
            'bf16, channels_last': (True, True)}

def step_fn(bf16:bool, channels_last:bool, compiled:bool=False, batch:int=128):
    "One AdamW step of the cpu recipe's model on a fixed random batch, as a closure."
    cfg = recipe_config('cpu', data='x')
    torch.manual_seed(0)
    model = RecursiveFER(cfg.model_config(7))
    if compiled: model.compile_step('default')                      # `--compile_mode default`
    x, y = torch.randn(batch, 3, cfg.size, cfg.size), torch.randint(0, 7, (batch,))
    if channels_last:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt, loss_fn = torch.optim.AdamW(model.parameters(), 1e-3), DifferentiablePonderLoss(cfg.tau)
    ctx, _ = autocast_context(torch.device('cpu'), True, bf16, native=True)       # bf16 even where emulated
    def step():
        with ctx:
            logits, rho, _ = model(x)
            loss = loss_fn(logits, rho, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step

def interleaved(fns:dict, rounds:int)->dict:
    "Median seconds of each function, called in turn round after round (one warm-up call each)."
    ts = dict(zip(fns, timed_calls(list(fns.values()), rounds)))
    return {k: dict(median_s=statistics.median(v), min_s=min(v), max_s=max(v)) for k, v in ts.items()}

def epoch_fn(bf16:bool, ds:RafDBDataset, batch:int=128, device_loader:bool=False):
    "One training epoch of the cpu recipe over `ds` through `run_epoch`, as a closure returning nothing."
    cfg = recipe_config('cpu', data='x', cpu_bf16=bf16, log_every=10**6, workers=1)
    torch.manual_seed(0)
    model = RecursiveFER(cfg.model_config(7))
    opt, loss_fn = torch.optim.AdamW(model.parameters(), 1e-3), DifferentiablePonderLoss(cfg.tau)
    dl = (DeviceLoader(ds, batch, 'cpu', cfg.aug(), shuffle=True) if device_loader else
          DataLoader(ds, batch, shuffle=True, num_workers=cfg.workers, persistent_workers=True, drop_last=True))
    return lambda: run_epoch(model, dl, loss_fn, list(RAF_CLASSES), torch.device('cpu'), opt, cfg=cfg, show=False)

def cpu_name()->str:
    "The CPU's model name (Linux), else the machine type."
    try: names = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')]
    except OSError: names = []
    return names[0] if names else platform.machine()

def epochs_table(a:argparse.Namespace)->tuple:
    "Whole training epochs over synthetic faces, interleaved: (medians, faces per epoch, dataset size)."
    with tempfile.TemporaryDirectory() as d, mock.patch('recursive_fer.epochs.cpu_bf16_native', return_value=True):
        data = make_synthetic_fer(Path(d)/'syn', 'raf-kaggle', n_per_class=a.faces_per_class, n_test_per_class=1,
                                  size=48)
        ds = RafDBDataset(data, 'train', size=48, cache_dir=Path(d)/'cache', progress=False)
        epochs = interleaved({'float32': epoch_fn(False, ds), 'bf16': epoch_fn(True, ds),
                              'bf16, device loader': epoch_fn(True, ds, device_loader=True)}, a.epoch_rounds)
        n = len(ds) // 128 * 128                                      # the DataLoader drops the last partial batch
        return epochs, {k: len(ds) if 'device' in k else n for k in epochs}, len(ds)

def epochs_md(epochs:dict, faces:dict, n_ds:int, rounds:int)->list:
    "The epochs' table, as markdown lines."
    fps = {k: faces[k] / v['median_s'] for k, v in epochs.items()}
    return (['', f'## Whole training epochs ({n_ds} synthetic faces: DataLoader with 1 worker and Albumentations, or '
             f'the device loader), median of {rounds} interleaved rounds', '',
             '| variant | faces | s/epoch | faces/s | vs float32 |', '|---|---|---|---|---|'] +
            [f"| {k} | {faces[k]} | {v['median_s']:.2f} | {fps[k]:.0f} | {fps[k] / fps['float32']:.2f}x |"
             for k, v in epochs.items()])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--rounds', type=int, default=12)
    ap.add_argument('--epoch_rounds', type=int, default=3)
    ap.add_argument('--faces_per_class', type=int, default=150)
    ap.add_argument('--steps_only', action='store_true', help='time the training step only, not whole epochs')
    ap.add_argument('--compiled', action='store_true', help='add float32 with the recursive step compiled')
    ap.add_argument('--out', default=str(ROOT/'benchmarks'/'results'/'cpu_bf16'))
    a = ap.parse_args()
    t0 = time.time()
    variants = {**VARIANTS, **({'float32, compiled step': (False, False, True)} if a.compiled else {})}
    steps = interleaved({k: step_fn(*v) for k, v in variants.items()}, a.rounds)
    epochs, faces, n_ds = ({}, {}, 0) if a.steps_only else epochs_table(a)
    native = 'native bf16' if cpu_bf16_native() else 'no native bf16: emulated'
    res = dict(machine=f'{cpu_name()} ({platform.machine()}, {native}), {torch.get_num_threads()} threads, '
                       f'torch {torch.__version__}', cpu_bf16_native=cpu_bf16_native(),
               command=' '.join(['python', 'benchmarks/cpu_bf16.py'] + sys.argv[1:]), rounds=a.rounds,
               epoch_rounds=a.epoch_rounds, epoch_faces=faces, steps=steps, epochs=epochs, seconds=time.time() - t0)
    md = ["# bf16 autocast on the CPU", '', f"Machine: {res['machine']}; command: `{res['command']}`; "
          f"{res['seconds']:.0f} s.", '', '## One training step of the `cpu` recipe (batch 128, 48px), '
          f'median of {a.rounds} interleaved rounds', '', '| variant | s/step | faces/s | vs float32 |',
          '|---|---|---|---|']
    base = steps['float32']['median_s']
    md += [f"| {k} | {v['median_s']:.3f} | {128 / v['median_s']:.0f} | {base / v['median_s']:.2f}x |"
           for k, v in steps.items()]
    if epochs: md += epochs_md(epochs, faces, n_ds, a.epoch_rounds)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'results.md', '\n'.join(md) + '\n')
    atomic_write(out/'results.json', json.dumps(res, indent=1))
    print('\n'.join(md))

if __name__ == '__main__': main()

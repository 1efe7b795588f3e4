#!/usr/bin/env python
"""What adaptive computation saves, and what it costs: every benchmark of recursive-fer, side by side in one run.

    python benchmarks/run_all.py --quick          # < 10 minutes on 2 CPU cores
    python benchmarks/run_all.py                  # the full run behind nbs/08_benchmarks.ipynb
    python benchmarks/run_all.py --device cuda --sections 1 2 3 --out benchmarks/results/cuda   # on a GPU
    python benchmarks/run_all.py --device cuda --sections 1 3 --compile reduce-overhead \
        --out benchmarks/results/cuda-graphs      # the same, with the recursive step compiled (CUDA graphs)

Measures first, then reports: every section returns its numbers, and its markdown table (its function sits beside the
measuring one) is rendered from them alone: printed as each section ends, then written with the raw numbers,
results.json, and the plots to --out (by default the committed benchmarks/results for the full run, a new temporary
folder for --quick, so a quick run never overwrites them).
`--report results.json` renders the tables again from saved numbers without measuring anything.
Times are medians of several runs; every ratio is taken between numbers measured in this same run. On CUDA each
timed call is bracketed by `torch.cuda.synchronize()`, so the clock sees the GPU's work, not just its launch.
Sections: 1 early-exit inference speed-up, 2 ACT training-step overhead, 3 data pipeline, 4 accuracy against compute,
5 halting-bias initialisation.
"""
from typing import Optional
import argparse, contextlib, copy, dataclasses, io, json, os, platform, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.flop_counter import FlopCounterMode

from recursive_fer.model import RecursiveFER
from recursive_fer.readouts import gflops_per_image
from recursive_fer.utils import atomic_write
from recursive_fer.train import fit
from recursive_fer.config import TrainConfig
from recursive_fer.recipes import demo_config
from recursive_fer.checkpoint import load_checkpoint
from recursive_fer.epochs import run_epoch
from recursive_fer.loader import DeviceLoader
from recursive_fer.loss import DifferentiablePonderLoss
from recursive_fer import runs
from recursive_fer.tracking import current_keys
from recursive_fer.dataset import RafDBDataset, read_table
from recursive_fer.faces import make_synthetic_fer
import data_pipeline
from benchlib import ROOT, DATA, median_seconds, timed_calls


def sync(device:torch.device):
    "Wait for the device's queued work (CUDA runs asynchronously; the CPU needs nothing)."
    if device.type == 'cuda': torch.cuda.synchronize(device)

def median_time(fn, repeats:int, warmup:int=1, device:torch.device=torch.device('cpu'))->float:
    "Median seconds of `fn`, the device's queued work included."
    return median_seconds(fn, repeats, warmup, lambda: sync(device))

def _bisect_bias(model:RecursiveFER, x:torch.Tensor, target:float, w_std:float, seed:int)->float:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.halt.fc.weight.copy_(torch.randn(model.halt.fc.weight.shape, generator=g) * w_std)
        lo, hi = -8.0, 8.0
        for _ in range(16):
            mid = (lo + hi) / 2
            model.halt.fc.bias.fill_(mid)
            if model.act_forward(x).steps.float().mean().item() > target: lo = mid
            else: hi = mid
        model.halt.fc.bias.fill_(lo)
        return model.act_forward(x).steps.float().mean().item()

def interleaved_medians(fns:list, repeats:int, warmup:int=1, device:torch.device=torch.device('cpu'))->list:
    "Median seconds of each function, calling them in turn so that drift on a shared machine hits all alike."
    return [statistics.median(t) for t in timed_calls(fns, repeats, warmup, lambda: sync(device))]

def calibrate(model:RecursiveFER, x:torch.Tensor, target:float, seed:int=0)->float:
    "Set the halting head (random weights of a few scales, bisected bias) so the model averages ~`target` steps on `x`."
    # bisect on a slice, then use the tuned head on all of x
    best, probe = None, x[:64]
    for w_std in (0.5, 0.2, 0.05):
        got = _bisect_bias(model, probe, target, w_std, seed)
        if best is None or abs(got - target) < abs(best[0] - target):
            best = (got, w_std, model.halt.fc.bias.item())
    _bisect_bias(model, probe, target, best[1], seed)
    with torch.no_grad(): return model.act_forward(x).steps.float().mean().item()

def flops_per_image(model:RecursiveFER, x:torch.Tensor, train:bool=False)->float:
    "FLOPs per image counted by torch.utils.flop_counter (forward, or forward + backward)."
    with FlopCounterMode(display=False) as fc:
        if train: model(x)[0].sum().backward()
        else:
            with torch.no_grad(): model(x)
    return fc.get_total_flops() / len(x)

# ================ 1. inference: early exit, compacted against masked: measured, then reported
def measure_inference(a, trained:RecursiveFER, trained_x:torch.Tensor)->list:
    "1. Images/s of compacted early exit against masked full depth, at calibrated and trained halting."
    torch.manual_seed(0)
    x = torch.randn(a.batch, 3, a.size, a.size, device=a.device)
    model = RecursiveFER(n_classes=7, width=a.width, max_steps=8).eval().to(a.device)
    cases = [(f'bias tuned for {t}', model, x, t) for t in (1.5, 3.0, 6.0)]
    cases.append(('trained on synthetic faces', trained.to(a.device), trained_x.to(a.device), None))
    rows = []
    for name, m, xb, target in cases:
        m.eval()
        avg = calibrate(m, xb, target) if target is not None else m.act_forward(xb).steps.float().mean().item()
        def run(compact, model=m):
            def f():
                model.compact = compact
                with torch.no_grad(): model(xb)
            return f
        fns = [run(True), run(False)]
        if a.compile:                                 # the same weights, its step compiled
            mc = copy.deepcopy(m).compile_step(a.compile)
            fns += [run(True, mc), run(False, mc)]
        tc, tm, *tcomp = interleaved_medians(fns, a.repeats, warmup=3 if a.compile else 1, device=a.device)
        m.compact = True
        fc = flops_per_image(m, xb)
        m.compact = False
        fm = flops_per_image(m, xb)
        m.compact = True
        c, mk, ideal = len(xb) / tc, len(xb) / tm, m.max_steps / avg
        rows.append(dict(case=name, avg_steps=avg, compact_ips=c, masked_ips=mk, speedup=c / mk, ideal=ideal,
                         efficiency=c / mk / ideal, flop_ratio=fm / fc, gflops_compact=fc / 1e9,
                         gflops_masked=fm / 1e9))
        if tcomp: rows[-1].update(compiled_compact_ips=len(xb) / tcomp[0], compiled_masked_ips=len(xb) / tcomp[1])
    return rows

def report_inference(s:dict, rows:list)->list:
    return ['## 1. Early exit at inference: compacted batch against masked full depth',
            f"Batch {s['batch']}, {s['size']}x{s['size']} images, width {s['width']}, max_steps 8, CPU threads "
            f"{s['threads']}, median of {s['repeats']} runs. Ideal speed-up = max_steps / average steps (the block "
            'alone); the stem and heads are shared costs, so the ideal for the whole model is lower: the FLOP ratio '
            '(masked / compacted FLOPs, counted by torch.utils.flop_counter) is the best a perfect implementation '
            'could do.', '',
            '| halting | avg steps | compacted (img/s) | masked 8 steps (img/s) | speed-up | ideal 8/steps | % of '
            'ideal '
            '| FLOP ratio | % of FLOP ratio | GFLOPs/img compacted | GFLOPs/img masked |',
            '|---|---|---|---|---|---|---|---|---|---|---|',
            *[f"| {r['case']} | {r['avg_steps']:.2f} | {r['compact_ips']:.0f} | {r['masked_ips']:.0f} | "
              f"{r['speedup']:.2f}x | {r['ideal']:.2f}x | {100 * r['efficiency']:.0f}% | {r['flop_ratio']:.2f}x | "
              f"{100 * r['speedup'] / r['flop_ratio']:.0f}% | {r['gflops_compact']:.3f} | {r['gflops_masked']:.3f} |"
              for r in rows], '', *report_compiled(s, rows)]

def report_compiled(s:dict, rows:list)->list:
    "The compiled step's rows of section 1, when the run timed them (`--compile`)."
    if not rows or 'compiled_compact_ips' not in rows[0]: return []
    return [f"With the recursive step compiled (`torch.compile` mode `{s.get('compile')}`; compacted batches padded to "
            'their bucket), timed in the same interleaved rounds as the eager rows above:', '',
            '| halting | avg steps | compiled compacted (img/s) | compiled masked (img/s) | speed-up | % of FLOP ratio '
            '| compiled compacted / eager compacted |', '|---|---|---|---|---|---|---|',
            *[f"| {r['case']} | {r['avg_steps']:.2f} | {r['compiled_compact_ips']:.0f} | "
              f"{r['compiled_masked_ips']:.0f} | {r['compiled_compact_ips'] / r['compiled_masked_ips']:.2f}x | "
              f"{100 * r['compiled_compact_ips'] / r['compiled_masked_ips'] / r['flop_ratio']:.0f}% | "
              f"{r['compiled_compact_ips'] / r['compact_ips']:.2f}x |" for r in rows], '']

# ================ 2. one training step: fixed depth against ACT: measured, then reported
def measure_training_step(a)->list:
    "2. ms per optimiser step: fixed depth k, ACT halting at exactly k (compacted), and ACT's masked form."
    torch.manual_seed(0)
    x, y = torch.randn(a.train_batch, 3, a.size, a.size), torch.randint(0, 7, (a.train_batch,))
    x, y = x.to(a.device), y.to(a.device)
    rows, loss_fn = [], DifferentiablePonderLoss(tau=0.01).to(a.device)   # cross entropy + 0.01 * ponder cost
    for k in (2, 4):
        fixed = RecursiveFER(n_classes=7, width=a.width, max_steps=k, halting='fixed').to(a.device)
        act = RecursiveFER(n_classes=7, width=a.width, max_steps=8).to(a.device)
        act.load_state_dict(fixed.state_dict(), strict=False)
        # p = sigmoid(b) with 1/k of (1 - eps) reached at step k exactly: cum after k-1 steps < 1 - eps <= cum after k
        p = (1 - act.eps) / (k - 0.5)
        with torch.no_grad():
            act.halt.fc.weight.zero_()
            act.halt.fc.bias.fill_(float(np.log(p / (1 - p))))
        assert (act.act_forward(x).steps == k).all()
        def step(m):
            opt = torch.optim.SGD(m.parameters(), lr=0.0)
            def f():
                loss = loss_fn(*m(x)[:2], y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            return f
        masked = RecursiveFER(n_classes=7, width=a.width, max_steps=8, compact=False).to(a.device)
        masked.load_state_dict(act.state_dict())
        tf, ta, tam = interleaved_medians([step(fixed), step(act), step(masked)], a.repeats, device=a.device)
        rows.append(dict(k=k, fixed_ms=1e3 * tf, act_ms=1e3 * ta, overhead=ta / tf - 1, act_masked_ms=1e3 * tam))
    return rows

def report_training_step(s:dict, rows:list)->list:
    return ['## 2. Training cost of ACT: one optimiser step, ACT against fixed depth at the same number of steps',
            f"Batch {s['train_batch']}, {s['size']}x{s['size']}, width {s['width']}. The ACT model's halting head has "
            'zero weights and a bias that makes every face halt after exactly k steps, so both models do the same '
            'convolutions: the difference is the ACT bookkeeping (halting head, weights, gather/scatter). Median of '
            f"{s['repeats']} interleaved steps.", '',
            '| steps k | fixed depth (ms/step) | ACT, compacted (ms/step) | overhead | ACT, masked form: all 8 steps '
            '(ms/step) | ratio |', '|---|---|---|---|---|---|',
            *[f"| {r['k']} | {r['fixed_ms']:.1f} | {r['act_ms']:.1f} | {100 * r['overhead']:+.1f}% | "
              f"{r['act_masked_ms']:.1f} | {100 * (r['act_masked_ms'] / r['fixed_ms'] - 1):+.1f}% |" for r in rows], '']

# ================ 3. the data pipeline and whole epochs: measured, then reported
def measure_data(a, tmp:Path)->dict:
    "3. Images/s of the decode-once cache and of decoding JPEGs every epoch, and the model's training rate."
    rows = []
    for src in (a.size, 400):
        root = make_synthetic_fer(tmp/f'pipe{src}', 'raf-kaggle', n_per_class=a.data_n, n_test_per_class=1, size=src)
        table, classes = read_table(root, val_frac=0)
        table = table[table.split == 'train']
        cached = RafDBDataset(table=table, classes=classes, split='train', size=a.size, cache_dir=tmp/'pipe-cache',
                              progress=False)
        jpeg = data_pipeline.DecodeEveryTime(table, a.size)
        for w in (0, 1, 2):
            c = statistics.median(data_pipeline.images_per_second(cached, w) for _ in range(a.repeats_data))
            j = statistics.median(data_pipeline.images_per_second(jpeg, w) for _ in range(a.repeats_data))
            rows.append(dict(source_px=src, workers=w, cached_ips=c, jpeg_ips=j))
        if src == a.size: e2e = measure_end_to_end(a, cached)
    m = RecursiveFER(n_classes=7, width=a.width, max_steps=8).to(a.device)
    xb, yb = torch.randn(64, 3, a.size, a.size, device=a.device), torch.randint(0, 7, (64,), device=a.device)
    opt, loss_fn = torch.optim.AdamW(m.parameters(), 1e-3), DifferentiablePonderLoss(tau=0.01).to(a.device)
    def train_step():
        loss = loss_fn(*m(xb)[:2], yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return dict(rows=rows, model_train_ips=64 / median_time(train_step, a.repeats, device=a.device), end_to_end=e2e)

def measure_end_to_end(a, ds:RafDBDataset)->list:
    "Faces/s of whole training epochs (`run_epoch`: loader, augmentation, model, optimiser) and of the model alone."
    cfg = TrainConfig(batch_size=a.e2e_batch, width=a.width, max_steps=8, log_every=25)
    classes = list(ds.classes)
    def model_and_opt():
        torch.manual_seed(0)
        m = RecursiveFER(n_classes=len(classes), width=a.width, max_steps=8).to(a.device)
        if a.compile: m.compile_step(a.compile)
        return m, torch.optim.AdamW(m.parameters(), 1e-3), DifferentiablePonderLoss(0.01).to(a.device)
    def epoch_rate(loader)->float:
        m, opt, loss_fn = model_and_opt()
        run = lambda: run_epoch(m, loader, loss_fn, classes, a.device, opt, cfg=cfg, show=False, reduce=False)
        return len(ds) / median_time(run, a.repeats_data, device=a.device)
    m, opt, loss_fn = model_and_opt()
    xb = torch.randn(a.e2e_batch, 3, a.size, a.size, device=a.device)
    yb = torch.randint(0, len(classes), (a.e2e_batch,), device=a.device)
    def step():
        loss = loss_fn(*m(xb)[:2], yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model_only = a.e2e_batch / median_time(step, a.repeats, device=a.device)
    rows = [dict(loader=f'DataLoader, {w} worker(s), Albumentations',
                 ips=epoch_rate(DataLoader(ds, a.e2e_batch, shuffle=True, num_workers=w,
                                           pin_memory=a.device.type == 'cuda', persistent_workers=w > 0)))
            for w in (0, 2)]
    dev = DeviceLoader(ds, a.e2e_batch, a.device, TrainConfig().aug(), shuffle=True)
    rows.append(dict(loader=f'DeviceLoader (faces in {dev.placement} memory, batch augmentation)', ips=epoch_rate(dev)))
    return [dict(r, model_only_ips=model_only, fraction=r['ips'] / model_only) for r in rows]

def report_data(s:dict, d:dict)->list:
    fastest, model = max(r['cached_ips'] for r in d['rows']), d['model_train_ips']
    return ['## 3. Data pipeline: decode-once cache against decoding JPEGs every epoch, and against the model',
            f"Synthetic JPEG faces ({7 * s['data_n']} per source size) served at {s['size']}px with the training "
            f"augmentation, batch 64, median of {s['repeats_data']} epochs. RAF-DB's aligned faces are 100px JPEGs; "
            "its original images are larger.", '',
            '| JPEG side on disk | workers | cached (img/s) | decode every epoch (img/s) | cache speed-up |',
            '|---|---|---|---|---|',
            *[f"| {r['source_px']} | {r['workers']} | {r['cached_ips']:.0f} | {r['jpeg_ips']:.0f} | "
              f"{r['cached_ips'] / r['jpeg_ips']:.2f}x |" for r in d['rows']], '',
            'Model training throughput for comparison (default model, untrained halting, batch 64): '
            f"**{model:.0f} img/s**. The loader {'is not' if fastest > 2 * model else 'may be'} the bottleneck on this "
            'machine.', '', *report_end_to_end(s, d.get('end_to_end'))]

def report_end_to_end(s:dict, rows:Optional[list])->list:
    if not rows: return []
    return [f"**End to end** on `{s.get('device', 'cpu')}`: whole training epochs (`run_epoch`: loader, augmentation, "
            f"model, optimiser) over the {7 * s['data_n']} faces at {s['size']}px, batch {s['e2e_batch']}, against the "
            f"model alone on one resident batch ({rows[0]['model_only_ips']:.0f} faces/s); median of "
            f"{s['repeats_data']} epochs"
            f"{'' if not s.get('compile') else ', the recursive step compiled (' + s['compile'] + ')'}.", '',
            '| loader | faces/s | share of the model-only rate |', '|---|---|---|',
            *[f"| {r['loader']} | {r['ips']:.0f} | {100 * r['fraction']:.0f}% |" for r in rows], '']

# ================ 4. accuracy against compute: measured, then reported
def train_run(cfg:TrainConfig)->dict:
    "Train and evaluate one run quietly; its best epoch's numbers and every epoch's history."
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        best = runs.run(cfg, resume=False).best                     # train, then test once
    ck = load_checkpoint(best)
    hist = load_checkpoint(best.parent/'last.pt')['history']        # every epoch (best.pt's stops at the best one)
    m, tm = ck['metrics'], Path(cfg.out_dir)/'test_metrics.json'
    test = json.loads(tm.read_text()) if tm.exists() else {}
    return dict(val_acc=m['Val/Accuracy'], val_steps=m['Val/Ponder_Cost'], test_acc=test.get('Test/Accuracy'),
                test_steps=test.get('Test/Ponder_Cost'), best_epoch=ck['epoch'], history=hist, classes=ck['classes'],
                gflops=gflops_per_image(cfg.model_config(len(ck['classes'])), cfg.size, m['Val/Ponder_Cost']))

def datasets(a, tmp:Path)->list:
    "(name, base config) of the data sets the training benchmarks use."
    syn = dataclasses.replace(demo_config(tmp/'syn-data', str(tmp/'x')), wandb_mode='disabled',
                              cache_dir=str(tmp/'cache'), epochs=15 if a.quick else 60)
    out = [('synthetic', syn)]
    if a.ck and Path(a.ck).exists() and not a.quick:
        out.append(('CK+ (subject split)', TrainConfig(data=str(a.ck), subject_split=True, size=48, epochs=30,
                                                     workers=0, wandb_mode='disabled', cache_dir=str(tmp/'cache'),
                                                     out_dir=str(tmp/'x'))))
    return out

def measure_accuracy_compute(a, tmp:Path)->list:
    "4. Accuracy and GFLOPs of ACT at several taus against fixed depths, per data set."
    results = []
    for data_name, base in datasets(a, tmp):
        synthetic = data_name == 'synthetic'
        taus = [0.01, 0.1] if a.quick else [0.001, 0.01, 0.05, 0.2] if synthetic else [0.01, 0.05]
        depths = [1, 3, 6] if a.quick else [1, 2, 3, 4, 6] if synthetic else [2, 4]
        runs = [(f'ACT tau={t}', dict(tau=t)) for t in taus]
        runs += [(f'fixed depth {d}', dict(halting='fixed', max_steps=d, tau=0.0)) for d in depths]
        for name, kw in runs:
            cfg = dataclasses.replace(base, out_dir=str(tmp/f'acc-{len(results)}'), **kw)
            t0 = time.time()
            r = train_run(cfg)
            r.update(data=data_name, model=name, seconds=time.time() - t0, epochs=base.epochs,
                     act_max_steps=base.max_steps)
            results.append(r)
    return results

def report_accuracy_compute(s:dict, rows:list)->list:
    md = ['## 4. Accuracy against compute']
    for data in dict.fromkeys(r['data'] for r in rows):
        rs = [r for r in rows if r['data'] == data]
        md += [f"**{data}**: {rs[0]['epochs']} epochs per run, max_steps {rs[0]['act_max_steps']} for ACT; validation "
               'accuracy of the best epoch (test accuracy, where the data set has a test split, of that checkpoint).',
               '', '| model | val accuracy | test accuracy | avg steps (val) | GFLOPs/img at those steps | time (s) |',
               '|---|---|---|---|---|---|']
        md += [f"| {r['model']} | {r['val_acc']:.3f} | "
               f"{'-' if r['test_acc'] is None else format(r['test_acc'], '.3f')} "
               f"| {r['val_steps']:.2f} | {r['gflops']:.3f} | {r['seconds']:.0f} |" for r in rs] + ['']
    return md

# ================ 5. the halting bias: measured, then reported
def measure_halting_bias(a, tmp:Path)->list:
    "5. The initial halting bias +1 against -3: accuracy, steps and their spread over classes."
    results = []
    for data_name, base in datasets(a, tmp):
        for bias in (1.0, -3.0):
            r = train_run(dataclasses.replace(base, out_dir=str(tmp/f'bias-{len(results)}'), halt_bias_init=bias))
            per = lambda h: [current_keys(h).get(f'Val/Ponder_Cost_Per_Class/{c}', np.nan) for c in r['classes']]
            best = r['history'][r['best_epoch'] - 1]
            r.update(data=data_name, bias=bias, spread_best=float(np.nanstd(per(best))),
                     spread_end=float(np.nanstd(per(r['history'][-1]))), per_class=dict(zip(r['classes'], per(best))))
            results.append(r)
    return results

def report_halting_bias(s:dict, rows:list)->list:
    return ["## 5. Halting-bias initialisation: +1.0 (the default) against -3.0 (SACT's choice)",
            'Same recipe, only the initial halting bias differs. Spread = standard deviation over classes of the mean '
            'validation steps per class, at the best epoch and at the end: a model locked at about two steps for every '
            'face has a spread near 0.', '',
            '| data | bias init | val accuracy | avg steps (val) | per-class steps (val, best epoch) | spread best | '
            'spread end |', '|---|---|---|---|---|---|---|',
            *[f"| {r['data']} | {r['bias']:+.1f} | {r['val_acc']:.3f} | {r['val_steps']:.2f} | "
              + ', '.join(f'{c[:4]} {v:.2f}' for c, v in r['per_class'].items())
              + f" | {r['spread_best']:.3f} | {r['spread_end']:.3f} |" for r in rows], '']

# ================ the whole report, the plots and the command
SECTIONS = {1: ('inference', report_inference), 2: ('training_step', report_training_step), 3: ('data', report_data),
            4: ('accuracy_compute', report_accuracy_compute), 5: ('halting_bias', report_halting_bias)}

def report(res:dict)->str:
    "The whole markdown report, from `res` (the content of results.json) alone."
    s = res['setup']
    gpu = f", device `{s['device']}`" + (f" ({s['gpu']})" if s.get('gpu') else '') if 'device' in s else ''
    md = [f"# recursive-fer benchmarks{' (quick)' if s['quick'] else ''}",
          f"Machine: {s['machine']}, {s['cores']} CPU cores, Python {s['python']}, torch {s['torch']}{gpu}; "
          f"command: `{s['command']}`.", '']
    for key, render in SECTIONS.values():
        if key in res: md += render(s, res[key])
    if 'seconds' in s: md.append(f"Total time: {s['seconds']:.0f}s.")
    if s.get('note'): md.append(s['note'])
    return '\n'.join(md) + '\n'

def plots(out:Path, acc:list, bias:list):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    if acc:
        datas = sorted(set(r['data'] for r in acc))
        fig, axs = plt.subplots(1, len(datas), figsize=(6.5 * len(datas), 4.2), squeeze=False)
        for ax, d in zip(axs[0], datas):
            rs = [r for r in acc if r['data'] == d]
            for kind, marker in (('ACT', 'o'), ('fixed', 's')):
                sel = [r for r in rs if r['model'].startswith(kind)]
                ax.plot([r['val_steps'] for r in sel], [r['val_acc'] for r in sel], marker, ms=8,
                        label='ACT (tau varies)' if kind == 'ACT' else 'fixed depth')
                for r in sel:
                    ax.annotate(r['model'].replace('fixed depth ', 'N=').replace('ACT ', ''),
                                (r['val_steps'], r['val_acc']),
                                          textcoords='offset points', xytext=(5, 4), fontsize=8)
            ax.set(xlabel='average steps (validation)', ylabel='validation accuracy',
                   title=f'Accuracy against compute: {d}')
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        fig.savefig(out/'accuracy_vs_compute.png', dpi=110)
        plt.close(fig)
    if bias:
        datas = sorted(set(r['data'] for r in bias))
        fig, axs = plt.subplots(1, len(datas), figsize=(6.5 * len(datas), 4.2), squeeze=False)
        for ax, d in zip(axs[0], datas):
            for r in [r for r in bias if r['data'] == d]:
                sp = [np.nanstd([current_keys(h).get(f'Val/Ponder_Cost_Per_Class/{c}', np.nan) for c in r['classes']])
                      for h in r['history']]
                st = [current_keys(h)['Val/Ponder_Cost'] for h in r['history']]
                ax.plot(range(1, len(sp) + 1), sp, label=f'bias {r["bias"]:+.0f}: spread of per-class steps')
                ax.plot(range(1, len(st) + 1), np.array(st) / 10, '--',
                        label=f'bias {r["bias"]:+.0f}: average steps / 10')
            ax.set(xlabel='epoch', title=f'Halting-bias initialisation: {d}')
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out/'halting_bias.png', dpi=110)
        plt.close(fig)

def setup(a)->dict:
    "What the report needs to say about this run: machine, command and the parameters of every section."
    return dict(machine=platform.machine(), cores=os.cpu_count(), python=platform.python_version(),
                torch=torch.__version__, threads=torch.get_num_threads(), quick=a.quick,
                command='python benchmarks/run_all.py' + ''.join(f' {x}' for x in sys.argv[1:]),
                device=str(a.device), compile=a.compile,
                gpu=torch.cuda.get_device_name(a.device) if a.device.type == 'cuda' else None,
                **{k: getattr(a, k) for k in ('size', 'width', 'batch', 'train_batch', 'e2e_batch', 'repeats',
                                              'repeats_data', 'data_n')})

def trained_demo_model(a, tmp:Path):
    "A model trained on the synthetic faces, and a batch of its test faces, for section 1."
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cfg = dataclasses.replace(demo_config(tmp/'syn-data', str(tmp/'inf')), wandb_mode='disabled',
                                  cache_dir=str(tmp/'cache'), epochs=10 if a.quick else 60)
        best = fit(cfg, resume=False)
    ck = load_checkpoint(best)
    trained = RecursiveFER(TrainConfig.from_dict(ck['config']).model_config(len(ck['classes'])))
    trained.load_state_dict(ck['model'])
    test = RafDBDataset(cfg.data, 'test', size=cfg.size, transform='eval', cache_dir=cfg.cache_dir, progress=False)
    return trained, torch.stack([test[i % len(test)][0] for i in range(a.batch)])

def measure(a, res:dict):
    "Run the chosen sections, printing each one's table as it ends."
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        runs = {1: lambda: measure_inference(a, *trained_demo_model(a, tmp)), 2: lambda: measure_training_step(a),
                3: lambda: measure_data(a, tmp), 4: lambda: measure_accuracy_compute(a, tmp),
                5: lambda: measure_halting_bias(a, tmp)}
        for n in a.sections:
            key, render = SECTIONS[n]
            res[key] = runs[n]()
            print('\n'.join(render(res['setup'], res[key])), flush=True)

def write(out:Path, res:dict):
    "results.md, results.json (without per-epoch histories) and the plots."
    atomic_write(out/'results.md', report(res))
    strip = lambda rs: [{k: v for k, v in r.items() if k != 'history'} for r in rs] if isinstance(rs, list) else rs
    atomic_write(out/'results.json', json.dumps({k: strip(v) for k, v in res.items()}, indent=1, default=float))
    plots(out, res.get('accuracy_compute', []), res.get('halting_bias', []))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--quick', action='store_true',
                    help='fewer repeats, epochs and configurations (< 10 min on 2 cores)')
    ap.add_argument('--out', default=None, help='folder for results.md, results.json and plots (default: the committed '
                    'benchmarks/results for a full run, a new temporary folder for --quick)')
    ap.add_argument('--ck', default=str(DATA/'ck-plus-48'),
                    help='CK+ folder (used when present, full run only)')
    ap.add_argument('--sections', type=int, nargs='+', default=[1, 2, 3, 4, 5])
    ap.add_argument('--report', default=None, help='a results.json: print its report again, measuring nothing')
    ap.add_argument('--device', default=None, help="'cpu' or 'cuda' for sections 1-3 (default: CUDA when there)")
    ap.add_argument('--compile', default=None, choices=['default', 'reduce-overhead', 'max-autotune'],
                    help="sections 1 and 3: also time the model with its recursive step compiled in this torch.compile "
                    "mode ('reduce-overhead': CUDA graphs)")
    a = ap.parse_args()
    if a.report:
        print(report(json.loads(Path(a.report).read_text())), end='')
        return
    a.device = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    a.size, a.width, a.batch, a.train_batch = 100, 64, 256, 64
    a.e2e_batch = 256 if a.device.type == 'cuda' else 64
    a.repeats, a.repeats_data, a.data_n = (3, 2, 30) if a.quick else (7, 3, 100)
    if a.out is None:
        a.out = tempfile.mkdtemp(prefix='recursive-fer-bench-') if a.quick else str(ROOT/'benchmarks'/'results')
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f'results go to {out}')
    t0, res = time.time(), {'setup': setup(a)}
    measure(a, res)
    res['setup']['seconds'] = time.time() - t0
    write(out, res)
    print(f'\nwrote {out/"results.md"}, {out/"results.json"} and the plots')

if __name__ == '__main__': main()

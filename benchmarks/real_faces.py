#!/usr/bin/env python
"""Real faces: a recipe trained and evaluated on a real data set, its variants side by side in one run.

    python benchmarks/real_faces.py                                  # CPU recipe on the shared FER2013, one seed
    python benchmarks/real_faces.py --recipe gpu --device cuda --seeds 3
    python benchmarks/real_faces.py --epochs 4 --halting             # short budget, plus the halting comparison

Rows, each trained with `fit` on the train split (validation slice for model selection) and evaluated once on test:
  seed stem     the seed's model (TrainConfig defaults: two-conv stem, width 64, bias +1, tau 0.01), recipe's training
  recipe        the recipe itself (residual stem, ACT)
  fixed k       the recipe's network at fixed depth, k = the recipe's mean test steps (rounded), and k = max_steps
  --halting     the recipe with the seed's halting bias +1 and no warm-ups, and with -3 and the tau warm-up but no
                ACT warm-up
--epochs shortens every row's training and scales the recipe's warm-ups by the same factor.
Finished runs are reused when their saved config equals the one asked for (so an interrupted benchmark goes on).
Writes results.md, results.json and three plots to --out.
"""
import argparse, contextlib, dataclasses, json, math, os, platform, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from recursive_fer.readouts import gflops_per_image
from recursive_fer.utils import atomic_write
from recursive_fer.runs import seed_summary
from recursive_fer.config import TrainConfig, flat_config
from recursive_fer.recipes import RECIPES, recipe_config
from recursive_fer.checkpoint import load_checkpoint
from recursive_fer.figures import steps_by_class
from recursive_fer.runs import run
from benchlib import ROOT, DATA

IGNORED = {'out_dir', 'run_name', 'wandb_mode', 'wandb_project', 'cache_dir'}   # do not change what is trained

def short_budget(recipe:str, epochs:int)->dict:
    "The recipe's epochs replaced by `epochs`, its warm-ups scaled by the same factor (at least one epoch each)."
    r, f = RECIPES[recipe], epochs / RECIPES[recipe]['epochs']
    scaled = {k: max(1, round(r[k] * f)) for k in ('act_warmup_epochs', 'tau_warmup_epochs') if r.get(k)}
    return dict(epochs=epochs, **scaled)

def variants(base:TrainConfig, halting:bool)->dict:
    "The ACT rows (name -> config); fixed-depth rows follow from the recipe's measured steps."
    seed_model = {f: getattr(TrainConfig(), f) for f in TrainConfig().model_kwargs()}
    no_warmup = dict(tau_warmup_epochs=0.0, act_warmup_epochs=0)
    rows = {'seed stem': dataclasses.replace(base, **seed_model, tau=TrainConfig().tau, **no_warmup), 'recipe': base}
    if halting:
        rows['bias +1, no warm-ups'] = dataclasses.replace(base, halt_bias_init=1.0, **no_warmup)
        rows['bias -3, tau warm-up only'] = dataclasses.replace(base, act_warmup_epochs=0)
    return rows

def same_run(saved:dict, cfg:TrainConfig)->bool:
    "Whether a saved run's config trains what `cfg` asks for (a field added since then counts at its default)."
    want, saved = cfg.to_dict(), {**TrainConfig().to_dict(), **flat_config(saved)}
    return {k: v for k, v in saved.items() if k not in IGNORED} == {k: v for k, v in want.items() if k not in IGNORED}

def train_and_read(name:str, cfg:TrainConfig)->dict:
    "Train `cfg` (or reuse its finished run) and read back the evaluation of its best checkpoint."
    out = Path(cfg.out_dir)
    last = out/'checkpoints'/'last.pt'
    done = last.exists() and (out/'evaluation'/'report.json').exists()
    if done:
        ck = load_checkpoint(last)
        done = ck['epoch'] == cfg.epochs and same_run(ck['config'], cfg)
    if not done:
        print(f'training {name}: {out} (log: {out}/train.log)', flush=True)
        out.mkdir(parents=True, exist_ok=True)
        with open(out/'train.log', 'a') as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            run(cfg)                                            # train, then test once
    else: print(f'reusing finished run {name}: {out}', flush=True)
    last, rep = load_checkpoint(out/'checkpoints'/'last.pt'), json.loads((out/'evaluation'/'report.json').read_text())
    df = pd.read_csv(out/'evaluation'/'predictions.csv')
    classes, m = rep['metrics']['classes'], rep['metrics']
    df.attrs['classes'] = classes
    sbc = steps_by_class(df, 'steps', classes)
    fixed = cfg.model.halting == 'fixed'
    return dict(name=name, stem=cfg.model.stem, act=not fixed, k=cfg.model.max_steps if fixed else None, seed=cfg.seed,
                accuracy=m['accuracy'], balanced_accuracy=m['balanced_accuracy'], tta_accuracy=m.get('tta_accuracy'),
                mean_steps=float(df.steps.mean()), mean_ponder=float(df.ponder_cost.mean()),
                gflops=gflops_per_image(cfg.model_config(len(classes)), cfg.size, float(df.steps.mean())),
                train_s=last.get('elapsed_s'),
                epochs=last['epoch'], best_epoch=load_checkpoint(out/'checkpoints'/'best.pt')['epoch'],
                class_steps_std=float(sbc['mean'].std(ddof=0)), distinct_steps=int(df.steps.nunique()),
                per_class=sbc[['emotion', 'n', 'mean', 'ci_low', 'ci_high', 'accuracy']].to_dict('records'),
                verdict=rep['hypothesis']['verdict'], supported=rep['hypothesis']['supported'],
                val_curve=[h['Val/Accuracy'] for h in last['history']], out_dir=str(out))

def run_seed(a, base:TrainConfig, seed:int, runs:Path)->list:
    "Every row of one seed: the ACT variants, then fixed depth at the recipe's rounded mean steps and at max_steps."
    rows = []
    for name, cfg in variants(base, a.halting).items():
        slug = name.replace(' ', '-').replace(',', '').replace('+', 'p')
        rows.append(train_and_read(name, dataclasses.replace(cfg, seed=seed, out_dir=str(runs/f'{slug}-s{seed}'))))
    recipe = next(r for r in rows if r['name'] == 'recipe')
    for k in sorted({max(1, round(recipe['mean_steps'])), base.model.max_steps}):
        cfg = dataclasses.replace(base, halting='fixed', max_steps=k, seed=seed, out_dir=str(runs/f'fixed-{k}-s{seed}'))
        rows.append(train_and_read(f'fixed {k}', cfg))
    return rows

def summarise(rows:list)->pd.DataFrame:
    "Mean and spread over seeds of every numeric column, one line per row name (in run order)."
    df = pd.DataFrame([{k: v for k, v in r.items() if k not in ('per_class', 'val_curve')} for r in rows])
    num = ['accuracy', 'balanced_accuracy', 'tta_accuracy', 'mean_steps', 'gflops', 'train_s', 'class_steps_std',
           'distinct_steps']
    g = df.groupby('name', sort=False)
    out = seed_summary(df, 'name', num).drop(columns='seeds')          # one seed: sd NaN
    out['supported'] = g['supported'].apply(lambda s: f'{int(s.sum())}/{len(s)}')
    out['verdict'] = g['verdict'].first()
    return out.reset_index()

def fmt(v, sd=None, f='{:.4f}'):
    if v is None or (isinstance(v, float) and math.isnan(v)): return 'n/a'
    return f.format(v) + ('' if sd is None or (isinstance(sd, float) and math.isnan(sd)) else ' ± ' + f.format(sd))

def _command_args()->str:
    "This invocation's arguments, without where the runs are kept (`--runs`: it changes no number)."
    args, out, skip = sys.argv[1:], [], False
    for x in args:
        if skip:
            skip = False
            continue
        if x == '--runs':
            skip = True
            continue
        if not x.startswith('--runs='): out.append(x)
    return ' '.join(out)

def report(a, base:TrainConfig, rows:list, seconds:float)->str:
    "The markdown report: setup, main table, per-class steps of the ACT rows, verdicts."
    s = summarise(rows)
    recipe_values = {k: v for k, v in base.to_dict().items() if k in RECIPES[a.recipe] or k == 'epochs'}
    md = [f'# Real faces: {Path(a.data).name}, recipe `{a.recipe}`', '',
          f'Machine: {platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, device '
          f'`{a.device or "default"}`{", " + torch.cuda.get_device_name() if torch.cuda.is_available() else ""}; '
          f'command: `python benchmarks/real_faces.py {_command_args()}`; {len(set(r["seed"] for r in rows))} seed(s); '
          f'total {seconds / 60:.0f} min (runs reused from an earlier invocation count only there).', '',
          f'Recipe: `{json.dumps(recipe_values)}`', '',
          '| row | stem | test acc | balanced acc | TTA (flip) acc | mean steps N | GFLOPs/img | train min | '
          'std of class mean steps | distinct step counts | hypothesis supported |',
          '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in s.itertuples():
        stem = next(x['stem'] for x in rows if x['name'] == r.name)
        md.append(f'| {r.name} | {stem} | {fmt(r.accuracy, r.accuracy_sd)} | '
                  f'{fmt(r.balanced_accuracy, r.balanced_accuracy_sd)} | '
                  f'{fmt(r.tta_accuracy, r.tta_accuracy_sd)} | {fmt(r.mean_steps, r.mean_steps_sd, "{:.2f}")} | '
                  f'{fmt(r.gflops, None, "{:.3f}")} | '
                  f'{fmt(None if pd.isna(r.train_s) else r.train_s / 60, None, "{:.1f}")} | '
                  f'{fmt(r.class_steps_std, r.class_steps_std_sd, "{:.3f}")} | {fmt(r.distinct_steps, None, "{:g}")} | '
                  f'{r.supported} |')
    md += ['',
           'Mean steps N: integer recursive steps per test face, single view (fixed depth: k). GFLOPs per image at '
           'those steps (torch.utils.flop_counter: convolutions and linear layers). Train time: wall time of training '
           'and validation (n/a for a run trained before the checkpoint recorded it). Per-class steps: mean N with a '
           '95% bootstrap CI.', '']
    for r in rows:
        if not r['act']: continue
        md += [f'**{r["name"]}** (seed {r["seed"]}): {r["verdict"]}', '',
               '| emotion | faces | mean steps N | 95% CI | recall |',
               '|---|---|---|---|---|']
        md += [f'| {c["emotion"]} | {c["n"]} | {c["mean"]:.3f} | [{c["ci_low"]:.3f}, {c["ci_high"]:.3f}] | '
               f'{c["accuracy"]:.3f} |'
               for c in r['per_class']] + ['']
    return '\n'.join(md)

def plots(rows:list, out:Path):
    "Accuracy against GFLOPs, steps per emotion of the ACT rows, validation curves."
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for i, r in enumerate(rows):                                   # labels staggered: close points stay readable
        ax.scatter(r['gflops'], r['accuracy'], marker='o' if r['act'] else 's', s=50, color='C0' if r['act'] else 'C1')
        ax.annotate(r['name'], (r['gflops'], r['accuracy']), textcoords='offset points', xytext=(6, 12 - 9 * (i % 4)),
                    fontsize=8)
    ax.set(xlabel='GFLOPs per image at the mean test steps', ylabel='test accuracy',
           title='Accuracy against compute (circles: ACT, squares: fixed depth)')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out/'accuracy_vs_gflops.png', dpi=110)
    plt.close(fig)
    act = [r for r in rows if r['act']]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    w = 0.8 / max(len(act), 1)
    for i, r in enumerate(act):
        pc = pd.DataFrame(r['per_class'])
        xs = np.arange(len(pc)) + (i - (len(act) - 1) / 2) * w
        ax.bar(xs, pc['mean'], w, yerr=[pc['mean'] - pc.ci_low, pc.ci_high - pc['mean']], capsize=2,
               label=f'{r["name"]} (seed {r["seed"]})')
    ax.set_xticks(range(len(act[0]['per_class'])), [c['emotion'] for c in act[0]['per_class']])
    ax.set(ylabel='mean steps N (95% CI)', title='Steps per emotion on the test split')
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis='y')
    fig.tight_layout()
    fig.savefig(out/'steps_per_emotion.png', dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for r in rows: ax.plot(range(1, len(r['val_curve']) + 1), r['val_curve'], label=f'{r["name"]} (seed {r["seed"]})')
    ax.set(xlabel='epoch', ylabel='validation accuracy', title='Validation accuracy per epoch')
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out/'val_curves.png', dpi=110)
    plt.close(fig)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--data', default=str(DATA/'fer2013.zip'),
                    help='data set folder or zip, any supported layout')
    ap.add_argument('--recipe', default='cpu', choices=sorted(RECIPES), help='the recipe every row starts from')
    ap.add_argument('--epochs', type=int, default=None,
                    help="override the recipe's epochs (a shorter budget for every row)")
    ap.add_argument('--seeds', type=int, default=1, help='seeds per row (42, 43, ...): the table shows mean ± sd')
    ap.add_argument('--device', default=None, help="'cpu', 'cuda' (default: CUDA when there)")
    ap.add_argument('--halting', action='store_true',
                    help='also train the halting variants (bias +1 without warm-ups; -3 with the tau warm-up only)')
    ap.add_argument('--runs', default=None,
                    help='where the runs go; finished runs there are reused (default: <temp>/recursive-fer-real-faces)')
    ap.add_argument('--out', default=None, help='results folder (default benchmarks/results/real_faces)')
    a = ap.parse_args()
    out = Path(a.out or ROOT/'benchmarks'/'results'/'real_faces')
    out.mkdir(parents=True, exist_ok=True)
    runs = Path(a.runs) if a.runs else Path(tempfile.gettempdir())/'recursive-fer-real-faces'
    base = recipe_config(a.recipe, data=str(Path(a.data).resolve()), wandb_mode='disabled', device=a.device,
                         **(short_budget(a.recipe, a.epochs) if a.epochs else {}))
    t0, rows = time.time(), []
    for seed in range(42, 42 + a.seeds): rows += run_seed(a, base, seed, runs)
    md = report(a, base, rows, time.time() - t0)
    atomic_write(out/'results.md', md + '\n')
    atomic_write(out/'results.json', json.dumps(rows, indent=1, default=float))
    plots(rows, out)
    print(md)
    print(f'\nwrote {out}/results.md, results.json and 3 plots; runs in {runs}')

if __name__ == '__main__': main()

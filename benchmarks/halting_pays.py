#!/usr/bin/env python
"""Which halting pays? Every rule of a halting study against issue 47's targets: its accuracy and mean steps, against
ACT's, and whether its halting follows human difficulty (face level, within class, with the confidence held fixed).

    python benchmarks/halting_pays.py --study benchmarks/results/halting-study benchmarks/results/halting-study-ds

Reads the study folders' runs (`<cell>/seed-<s>/evaluation/report.json`; `copy_study.py` writes them) and writes
pays.md (a row per rule: mean over its seeds, the face-level tests of its halting per seed, each target met or not)
and pays.png (accuracy against mean steps, every seed a point, each rule's oracle dotted) into the first folder. A
rule trained with deep supervision or input injection is a row of its own; ACT's targets are the plain ACT runs'.
"""
import argparse, json
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.utils import atomic_write
from recursive_fer.runs import seed_summary

def runs_table(studies:list # study results folders (paths), in the table's order
              )->pd.DataFrame:
    "One row per finished run of the study folders: rule, seed, accuracy, mean steps N, oracle, face-level tests."
    rows = []
    for rep in [r for study in studies for r in sorted(Path(study).glob('*/seed-*/evaluation/report.json'))]:
        cfg, r = json.loads((rep.parents[1]/'config.json').read_text()), json.loads(rep.read_text())
        m, face = r['metrics'], ((r.get('readouts') or {}).get('halting') or {}).get('face_level') or {}
        row = dict(rule=cfg['halting'], deep_supervision=cfg.get('deep_supervision', 0.0), seed=cfg['seed'],
                   input_injection=bool(cfg.get('input_injection', False)),
                   accuracy=m['accuracy'], balanced=m['balanced_accuracy'], steps=m['mean_steps'],
                   oracle=m.get('oracle_accuracy', np.nan), best_step=max(m.get('per_step_accuracy') or [np.nan]),
                   threshold=(m.get('halting_threshold') or {}).get('threshold', np.nan))
        for t in face.get('tests', []):
            k = t['test']
            row[f'{k}: rho'], row[f'{k}: low'], row[f'{k}: high'] = t['rho'], t['ci_low'], t['ci_high']
        rows.append(row)
    return pd.DataFrame(rows)

def label(r:pd.Series)->str:
    "The rule's row name: its halting and what was added to it (deep supervision, input injection)."
    return (r.rule + (f" + deep supervision {r.deep_supervision:g}" if r.deep_supervision else '')
            + (' + input injection' if r.input_injection else ''))

def follows(g:pd.DataFrame, test:str)->str:
    "'yes' when the test's CI is above 0 in every seed, 'against' when below 0 in every seed, else 'no'."
    if f'{test}: low' not in g or g[f'{test}: low'].isna().all(): return 'not testable'
    if (g[f'{test}: low'] > 0).all(): return 'yes'
    return 'against' if (g[f'{test}: high'] < 0).all() else 'no'

def summary(runs:pd.DataFrame)->pd.DataFrame:
    "Per rule: seeds, means, the face-level verdicts and issue 47's targets against ACT's means."
    act = runs[(runs.rule == 'act') & (runs.deep_supervision == 0) & ~runs.input_injection]
    a_acc, a_steps = (act.accuracy.mean(), act.steps.mean()) if len(act) else (np.nan, np.nan)
    out = []
    for name, g in runs.assign(name=runs.apply(label, axis=1)).groupby('name', sort=False):
        f = {t: follows(g, t) for t in ('overall', 'within class', 'confidence held fixed')}
        s = seed_summary(g, cols=['accuracy']).iloc[0]
        out.append(dict(rule=name, seeds=len(g), accuracy=s.accuracy, accuracy_sd=s.accuracy_sd,
                        balanced=g.balanced.mean(), steps=g.steps.mean(), steps_vs_act=g.steps.mean() / a_steps,
                        oracle=g.oracle.mean(), best_step=g.best_step.mean(),
                        rho=g.get('overall: rho', pd.Series(np.nan)).mean(),
                        **{f'follows ({t})': v for t, v in f.items()},
                        target_met=(f['overall'] == 'yes' and f['within class'] == 'yes'
                                    and g.accuracy.mean() >= a_acc and g.steps.mean() <= 0.6 * a_steps)))
    return pd.DataFrame(out)

def markdown(s:pd.DataFrame, runs:pd.DataFrame)->str:
    pct = lambda v: '-' if pd.isna(v) else f'{100 * v:.1f}%'
    lines = ['| rule | seeds | accuracy (sd) | balanced | mean steps N | of ACT\'s | best fixed depth | oracle | '
             'face-level rho | follows: overall / within class / confidence fixed | target met |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    sd = lambda r: '' if pd.isna(r.accuracy_sd) else f' ({100 * r.accuracy_sd:.1f})'
    rho = lambda r: '-' if pd.isna(r.rho) else f'{r.rho:+.3f}'
    verdicts = lambda r: ' / '.join(r[f'follows ({t})'] for t in ('overall', 'within class', 'confidence held fixed'))
    lines += [f"| {r.rule} | {r.seeds} | {pct(r.accuracy)}{sd(r)} | {pct(r.balanced)} | {r.steps:.2f} | "
              f"{pct(r.steps_vs_act)} | {pct(r.best_step)} | {pct(r.oracle)} | {rho(r)} | {verdicts(r)} | "
              f"{'yes' if r.target_met else 'no'} |" for _, r in s.iterrows()]
    per_seed = ['', '| rule | seed | accuracy | mean steps N | exit threshold | rho overall [95% CI] | within class | '
                'confidence held fixed |', '|---|---|---|---|---|---|---|---|']
    def ci(r:pd.Series, t:str)->str:
        if pd.isna(r.get(f'{t}: rho')): return '-'
        return f"{r[f'{t}: rho']:+.3f} [{r[f'{t}: low']:+.3f}, {r[f'{t}: high']:+.3f}]"
    per_seed += [f"| {label(r)} | {r.seed} | {pct(r.accuracy)} | {r.steps:.2f} | "
                 f"{'-' if pd.isna(r.threshold) else f'{r.threshold:.3f}'} | {ci(r, 'overall')} | "
                 f"{ci(r, 'within class')} | {ci(r, 'confidence held fixed')} |" for _, r in runs.iterrows()]
    return '\n'.join(lines + per_seed)

def plot(runs:pd.DataFrame):
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for i, (name, g) in enumerate(runs.assign(name=runs.apply(label, axis=1)).groupby('name', sort=False)):
        ax.plot(g.steps, g.accuracy, 'o', color=f'C{i}', ms=7, label=f'{name} (n={len(g)})')
        ax.axhline(g.oracle.mean(), color=f'C{i}', ls=':', lw=1)
    ax.set(xlabel='mean steps N (test faces)', ylabel='accuracy (single view)',
           title='Which halting pays? Every seed a point; dotted: right at some step (oracle)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='center left', bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--study', required=True, nargs='+', help='study results folders (copy_study.py)')
    ap.add_argument('--out', default=None, help='where pays.md and pays.png go (default: the first --study folder)')
    a = ap.parse_args()
    missing = [s for s in a.study if not Path(s).is_dir()]
    if missing: raise SystemExit(f'--study: no such folder: {", ".join(missing)}')
    out = Path(a.out or a.study[0])
    out.mkdir(parents=True, exist_ok=True)
    runs = runs_table(a.study)
    if runs.empty: raise SystemExit(f'{", ".join(a.study)}: no finished run')
    md = markdown(summary(runs), runs)
    atomic_write(out/'pays.md', md + '\n')
    fig = plot(runs)
    fig.savefig(out/'pays.png', dpi=110, bbox_inches='tight')
    print(md)

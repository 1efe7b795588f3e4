#!/usr/bin/env python
"""Copy a study's finished runs into a results folder (what a reader needs, no checkpoints) and summarise the copy.

    python benchmarks/copy_study.py --study runs/halting-study --out benchmarks/results/halting-study

Per finished run (`<cell>/seed-<s>/evaluation/report.json` exists): config.json, history.json, test_metrics.json,
evaluation/report.{json,md} and evaluation/figures/accuracy_vs_steps.png; then study.json, and `summarise_study` on the
copy writes study.md, study.csv, study.png and study_steps.png there. Run it again as more runs finish.
"""
import argparse, json, os, shutil
from pathlib import Path
from recursive_fer.study import summarise_study

FILES = ('config.json', 'history.json', 'test_metrics.json', 'evaluation/report.json', 'evaluation/report.md',
         'evaluation/figures/accuracy_vs_steps.png')

def relative_paths(v, root:Path):
    "A JSON value with every absolute path in it made relative to `root` (no machine's paths in the repository)."
    if isinstance(v, dict): return {k: relative_paths(x, root) for k, x in v.items()}
    if isinstance(v, list): return [relative_paths(x, root) for x in v]
    return os.path.relpath(v, root) if isinstance(v, str) and os.path.isabs(v) else v

def copy_file(src:Path, dst:Path):
    "Copy one file; JSON with its absolute paths made relative to the working folder (the repository's root)."
    if src.suffix == '.json':
        dst.write_text(json.dumps(relative_paths(json.loads(src.read_text()), Path.cwd()), indent=1) + '\n')
    else: shutil.copyfile(src, dst)

def copy_study(study:Path, out:Path)->int:
    "Copy every finished run's files and the manifest; the number of runs copied."
    runs = sorted(p.parents[1] for p in study.glob('*/seed-*/evaluation/report.json'))
    for run in runs:
        for f in FILES:
            if (run/f).exists():
                dst = out/run.relative_to(study)/f
                dst.parent.mkdir(parents=True, exist_ok=True)
                copy_file(run/f, dst)
    copy_file(study/'study.json', out/'study.json')
    return len(runs)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--study', required=True, help='the study folder (`recursive-fer study --out_dir`)')
    ap.add_argument('--out', required=True, help='the results folder to write')
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    n = copy_study(Path(a.study), out)
    summarise_study(str(out))
    print(f'{n} finished run(s) copied to {out}; summary: {out/"study.md"}')

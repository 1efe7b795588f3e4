#!/usr/bin/env python
"""Run the notebooks' tests the way `nbdev_test` does, and end with a counts line.

`nbdev_test` prints no counts, so this wraps nbdev's own `test_nb` in parallel and ends with
`nbdev_test: N passed, M failed` (counting notebooks). Exit status 1 on any failure or when no notebook ran.
Usage: python tools/nbtest.py [--flags "slow"] [--path nbs/02_model.ipynb] [--n_workers 2]
"""
import sys, time
from fastcore.script import call_parse
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb
from fastcore.foundation import working_directory

@call_parse
def main(path:str=None,     # notebooks or globs, separated by spaces; default every notebook under nbs/
         flags:str='',      # space-separated test flags to run that are normally skipped (e.g. "slow")
         n_workers:int=2,   # notebooks tested at once
         timing:bool=True): # print each notebook's time
    cfg = get_config()
    paths = path.split() if path else [None]
    files = sorted({f.absolute() for p in paths for f in nbglob(p, as_path=True)})
    if not files: sys.exit('nbdev_test: 0 passed, 0 failed (no notebook found)')
    skip, force = cfg.tst_flags.split(), flags.split()
    start = time.time()
    with working_directory(cfg.nbs_path):
        results = parallel(test_nb, files, skip_flags=skip, force_flags=force, n_workers=min(n_workers, len(files)),
                           basepath=cfg.config_path, pause=0.01, do_print=False)
    passed = [bool(ok) for ok, _ in results]
    for f, (ok, t) in zip(files, results):
        print(f"{'PASS' if ok else 'FAIL'}  {f.relative_to(cfg.config_path)}" + (f"  ({t:.0f}s)" if timing else ''))
    n_ok, n_bad = sum(passed), len(passed) - sum(passed)
    print(f'total {time.time()-start:.0f}s, flags: {" ".join(force) or "(none)"}')
    print(f'nbdev_test: {n_ok} passed, {n_bad} failed')
    if n_bad or not n_ok: sys.exit(1)

"""What the benchmark scripts share: the repository's paths, timing, loading a finished run, and running two versions
of the package side by side. Scripts in this folder import it as `benchlib` (Python puts a script's own folder first
on its path); it needs no `recursive_fer` itself, so a child process can import any version of the package. The
summary over seeds is the package's own: `recursive_fer.runs.seed_summary`.
"""
from typing import Any, Callable, Dict, List, Optional
import io, json, os, statistics, subprocess, sys, tarfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent             # the repository
RESULTS = ROOT/'benchmarks'/'results'
DATA = ROOT.parent/'shared'/'data'                         # where the development data sets live beside the checkout

__all__ = ['ROOT', 'RESULTS', 'DATA', 'timed_calls', 'median_seconds', 'load_run', 'command_line', 'git',
           'extract', 'run_child']

def timed_calls(fns:List[Callable[[], Any]], # the works to time, side by side
                rounds:int=3, # timed calls of each
                warmup:int=1, # untimed calls of each first (caches, lazy initialisation, compilation)
                sync:Optional[Callable[[], Any]]=None # waits for a device's queued work (CUDA), before and after
               )->List[List[float]]: # per function, the seconds of every timed call
    "Wall-clock seconds of every call, the functions called in turn round after round (drift hits all alike)."
    wait = sync or (lambda: None)
    for _ in range(warmup):
        for f in fns: f()
    times = [[] for _ in fns]
    for _ in range(rounds):
        for t, f in zip(times, fns):
            wait()
            t0 = time.perf_counter()
            f()
            wait()
            t.append(time.perf_counter() - t0)
    return times

def median_seconds(fn:Callable[[], Any], # the work to time
                   calls:int=3, # timed calls
                   warmup:int=1, # untimed calls first
                   sync:Optional[Callable[[], Any]]=None # waits for a device's queued work (CUDA)
                  )->float: # the median of the timed calls, in seconds
    "Median wall-clock seconds of `calls` calls of `fn` after `warmup` untimed ones."
    return statistics.median(timed_calls([fn], calls, warmup, sync)[0])

def load_run(path:Path # a run's folder (`--out_dir` of `recursive-fer train`)
            )->Dict[str, Any]: # config, history, test_metrics, report (None where a file is missing)
    "What a finished run left: its config, history, test metrics and evaluation report, as dicts."
    read = lambda f: json.loads((Path(path)/f).read_text()) if (Path(path)/f).exists() else None
    return dict(config=read('config.json'), history=read('history.json'), test_metrics=read('test_metrics.json'),
                report=read('evaluation/report.json'))

def command_line()->str:
    "This script's command as a user types it from the repository root (for the results' README)."
    return ' '.join(['python', str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]])

def git(*args:str)->str:
    "A git command's output in the repository."
    return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

def extract(ref:str, # a commit
            dest:Path # an empty folder
           )->Path: # dest, holding the source tree of `ref`
    "The source tree of commit `ref` (git archive), to import an earlier version of the package from."
    blob = subprocess.run(['git', 'archive', ref], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar: tar.extractall(dest, filter='data')
    return dest

def run_child(script:str, # the benchmark script, run again as the child (`__file__`)
              tree:Path, # the source tree whose `recursive_fer` the child imports
              args:List[str], # the child's arguments
              cwd:Optional[Path]=None # its working folder
             )->Dict[str, Any]: # the JSON object the child printed last, with `recursive_fer` its package's folder
    "Run `script` in a fresh process on `tree`'s package; check that it imported that tree, not another."
    env = dict(os.environ, PYTHONPATH=str(tree), WANDB_MODE='disabled')
    out = subprocess.run([sys.executable, script, *args], env=env, capture_output=True, text=True, cwd=cwd)
    if out.returncode: raise RuntimeError(f'the child on {tree} failed:\n{out.stderr[-3000:]}')
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res['recursive_fer'] != str((Path(tree)/'recursive_fer').resolve()):
        raise RuntimeError(f"the child on {tree} imported {res['recursive_fer']}, not its own tree")
    return res

#!/usr/bin/env python
"""Structure checks CI runs: every module in README.md's module table, importing only modules above it there (the
table is the import order); no import cycle among the package's modules, no module over 400 lines, no notebook
over 500 KB, no stored notebook output holding a temporary path or a progress-bar fragment, and no code line over
120 characters (notebook code cells, benchmarks, tools; nbdev's generated `__all__` lines aside).

Usage: python tools/check_structure.py   (exit status 1, with every problem named, when a check fails)
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG, NBS = ROOT/'recursive_fer', ROOT/'nbs'
MAX_MODULE_LINES, MAX_NOTEBOOK_BYTES, MAX_LINE = 400, 500_000, 120
SCRATCH = re.compile(r'/tmp/|\btmp[a-z0-9_]{8}\b|\d+%\|[^|\n]*\||\d+(?:\.\d+)?it/s|\?it/s'   # temp paths, tqdm bars
                     # wandb banners, cleared bars
                     r'|\x1b\[[0-9;]*m\s*wandb|^wandb: |\A\r[ \t]*\r?\Z', re.M)

def imports_of(path:Path)->set:
    "The package modules a module imports, anywhere in it (lazy imports inside functions too)."
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1: out.add((node.module or '').split('.')[0])
            elif (node.module or '').startswith('recursive_fer.'): out.add(node.module.split('.')[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split('.')[1] for a in node.names if a.name.startswith('recursive_fer.')}
    return out - {''}

def readme_order(readme:Path)->list:
    "The modules of README.md's module table, top to bottom (rows like | `02_model` | `recursive_fer.model` | ...)."
    return re.findall(r'^\| [^|]+ \| `recursive_fer\.(\w+)` \|', readme.read_text(encoding='utf-8'), re.M)

def order_problems(graph:dict, order:list)->list:
    "Modules missing from the table, and imports of a module that sits below the importer in it."
    out = [f'module {m} is missing from README.md\'s module table' for m in sorted(graph) if m not in order]
    pos = {m: i for i, m in enumerate(order)}
    for m in sorted(graph, key=lambda m: pos.get(m, -1)):
        for dep in sorted(graph[m]):
            if m in pos and dep in pos and pos[dep] > pos[m]:
                out.append(f'{m} imports {dep}, which sits below it in README.md\'s module table (the import order): '
                           'move the code, or the row')
    return out

def find_cycle(graph:dict):
    "One import cycle as a list of modules, or None."
    state, stack = {}, []
    def visit(m):
        state[m] = 'open'
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 'open': return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)): return c
        state[m] = 'done'
        stack.pop()
    for m in sorted(graph):
        if m not in state and (c := visit(m)): return c

def scratch_in_outputs(nb_path:Path)->list:
    "(cell id, snippet) for every stored output text holding a temp path or a progress-bar fragment."
    found = []
    for cell in json.loads(nb_path.read_text(encoding='utf-8'))['cells']:
        for out in cell.get('outputs', []):
            texts = [out.get('text', '')] + [v for k, v in out.get('data', {}).items() if k.startswith('text/')]
            for t in texts:
                t = ''.join(t) if isinstance(t, list) else t
                if (m := SCRATCH.search(t)): found.append((cell.get('id'), t[max(0, m.start() - 30):m.end() + 30]))
    return found

def long_lines(path:Path)->list:
    "(line number, length) of every code line over MAX_LINE characters in a notebook's code cells or a script."
    if path.suffix == '.ipynb':
        cells = [c for c in json.loads(path.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code']
        lines = [l for c in cells for l in ''.join(c['source']).split('\n')]
    else: lines = path.read_text(encoding='utf-8').splitlines()
    return [(i, len(l)) for i, l in enumerate(lines, 1) if len(l) > MAX_LINE and not l.startswith('__all__')]

def main()->int:
    # the order check itself: an import of a lower row is caught, an import of a higher row is not
    g = {'a': {'b'}, 'b': set()}
    assert order_problems(g, ['a', 'b']) and not order_problems(g, ['b', 'a'])
    problems = []
    modules = {p.stem: p for p in PKG.glob('*.py') if not p.stem.startswith('_')}
    graph = {m: imports_of(p) & set(modules) for m, p in modules.items()}
    if (cycle := find_cycle(graph)): problems.append('import cycle: ' + ' -> '.join(cycle))
    problems += order_problems(graph, readme_order(ROOT/'README.md'))
    for m, p in sorted(modules.items()):
        n = len(p.read_text(encoding='utf-8').splitlines())
        if n > MAX_MODULE_LINES:
            problems.append(f'{p.relative_to(ROOT)} has {n} lines (at most {MAX_MODULE_LINES}): split it by concern')
    for nb in sorted(NBS.glob('*.ipynb')):
        size = nb.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            problems.append(f'{nb.relative_to(ROOT)} is {size / 1e3:.0f} KB '
                            f'(at most {MAX_NOTEBOOK_BYTES / 1e3:.0f} KB)')
        for cid, snippet in scratch_in_outputs(nb):
            problems.append(f'{nb.relative_to(ROOT)} cell {cid}: a stored output holds scratch: {snippet!r}')
    scripts = sorted((ROOT/'benchmarks').glob('*.py')) + sorted((ROOT/'tools').glob('*.py'))
    for f in sorted(NBS.glob('*.ipynb')) + scripts:
        if (long := long_lines(f)):
            problems.append(f'{f.relative_to(ROOT)}: {len(long)} line(s) over {MAX_LINE} characters, e.g. line '
                            f'{long[0][0]} ({long[0][1]})')
    for p in problems: print('structure:', p)
    print(f'structure: {len(modules)} modules, {len(list(NBS.glob("*.ipynb")))} notebooks checked; '
          + ('OK' if not problems else f'{len(problems)} problem(s)'))
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())

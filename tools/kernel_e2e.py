#!/usr/bin/env python
"""End-to-end run of the committed Kaggle kernel on a fake Kaggle tree, on the CPU (run by .ci/run).

1. A synthetic data set, zipped, under <tmp>/input/<name>/: the Kaggle RAF-DB layout in the first run, FER+'s
   layout (8 classes, votes per face, `label_mode='crossentropy'`) in the second. The first run lets the kernel
   choose the recipe (no GPU here: `cpu`, said in its first output line), the second names `gpu`.
2. A stub `kaggle_secrets` on the kernel's path: one run where it has no key, one where it raises like the real client.
3. A stub `recursive_fer` that fails on import, so the kernel must be self-contained.
4. Tiny epochs through the parameters cell; the notebook executed top to bottom with nbclient, wandb offline.
Then: the data set was extracted under the fake working dir, checkpoints/best.pt and last.pt exist and load, the plots
are image outputs of the executed notebook, the offline wandb run holds the training keys, and the last cell shows
the trained model's predictions on test faces and the model in the box's card line.
5. A third run with no data set attached: the kernel says how to attach one and shows the model in the box on
   synthetic faces instead of failing.
"""
import os, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT/'kaggle_kernel'/'recursive-fer.ipynb'
TINY = dict(epochs=2, batch_size=32, size=48, width=16, stem_widths=[8, 16], max_steps=4, act_warmup_epochs=1,
            tau_warmup_epochs=1, workers=0, lr=3e-3)

STUB_NO_KEY = "class UserSecretsClient:\n    def get_secret(self, label):\n        return None\n"
STUB_RAISES = ("class BackendError(Exception): pass\n"
               "class UserSecretsClient:\n    def get_secret(self, label):\n"
               "        raise BackendError('Unexpected response from the service. Response: {\"errors\": [\"No user "
               "secrets exist for kernel id 1 and label ' + label + '.\"]}')\n")
BLOCK_PACKAGE = "raise ImportError('the Kaggle kernel must not import recursive_fer: it has to be self-contained')\n"

DATA = {'raf-db-dataset': dict(layout='raf-kaggle', marker='DATASET/train', config={}, recipe='auto'),
        'ferplus': dict(layout='ferplus', marker='FER2013Train/label.csv', config=dict(label_mode='crossentropy'),
                        recipe='gpu')}
RECIPE_LINE = {'auto': "recipe 'cpu': no GPU was found", 'gpu': "recipe 'gpu': chosen in the settings"}

def fake_kaggle(tmp:Path, stub:str, name:str='raf-db-dataset', attach:bool=True)->dict:
    "Lay out <tmp>/input/<name>/<zip> (a key of DATA; none if not `attach`) and the stubs; the kernel's environment."
    from recursive_fer.faces import make_synthetic_fer
    from recursive_fer.layouts import ALL_CLASSES, RAF_CLASSES
    (tmp/'input').mkdir()
    if attach:
        inp = tmp/'input'/name
        inp.mkdir(parents=True)
        layout = DATA[name]['layout']
        make_synthetic_fer(tmp/'stage'/name, layout, n_per_class=12, n_test_per_class=4, size=48, as_zip=True,
                           classes=ALL_CLASSES if layout == 'ferplus' else RAF_CLASSES)
        (tmp/'stage'/f'{name}.zip').rename(inp/f'{name}.zip')
    stubs = tmp/'stubs'
    stubs.mkdir()
    (stubs/'kaggle_secrets.py').write_text(stub)
    (stubs/'recursive_fer.py').write_text(BLOCK_PACKAGE)
    env = {k: v for k, v in os.environ.items() if not k.startswith('WANDB')}
    env.update(RECURSIVE_FER_KAGGLE_ROOT=str(tmp), PYTHONPATH=str(stubs), KAGGLE_KERNEL_RUN_TYPE='Batch',
               RECURSIVE_FER_CACHE=str(tmp/'working'/'cache'), MPLBACKEND='module://matplotlib_inline.backend_inline')
    return env

def run_kernel(tmp:Path, env:dict, name:str='raf-db-dataset')->nbformat.NotebookNode:
    "Execute the kernel with tiny settings and the data set's name injected after its parameters cell (as papermill)."
    nb = nbformat.read(KERNEL, as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if 'parameters' in c.metadata.get('tags', []))
    settings = {**TINY, **DATA[name]['config']}
    injected = f"CONFIG.update({settings!r}); DATASET = {name!r}; RECIPE = {DATA[name]['recipe']!r}"
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(injected + '  # injected by tools/kernel_e2e.py'))
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)     # the kernel process inherits this
    try: NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(tmp)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb

def wandb_history(run_dir:Path)->list:
    from recursive_fer.tracking import read_wandb_history
    return read_wandb_history(run_dir)

def check(tmp:Path, nb:nbformat.NotebookNode, expect_line:str, data:str='raf-db-dataset'):
    import torch
    working = tmp/'working'
    assert (working/data/DATA[data]['marker']).exists(), f'data set not extracted under {working}'
    for name in ('best.pt', 'last.pt'):
        ck = torch.load(working/'checkpoints'/name, map_location='cpu', weights_only=True)
        assert ck['epoch'] >= 1 and ck['classes'] and 'model' in ck, name
    assert torch.load(working/'checkpoints'/'last.pt', map_location='cpu',
                      weights_only=True)['epoch'] == TINY['epochs']
    images = sum('image/png' in o.get('data', {}) for c in nb.cells if c.cell_type == 'code' for o in c.outputs)
    votes = DATA[data]['layout'] == 'ferplus'                          # + steps against agreement, agreement gallery
    assert images >= 7 + 2 * votes, f'expected the batch grid, the curves and the evaluation figures, got {images}'
    text = '\n'.join(o.get('text', '') for c in nb.cells if c.cell_type == 'code' for o in c.outputs
                     if o.output_type == 'stream' and o.get('name') == 'stdout')   # not a library's warning
    assert text.count(expect_line) == 1, f'expected {expect_line!r} once in the output, got {text.count(expect_line)}'
    first = text.strip().splitlines()[0]                               # the recipe chosen for the hardware, said first
    assert first.startswith(RECIPE_LINE[DATA[data]['recipe']]), first
    if votes: assert 'face level: ' in text and 'crossentropy labels: faces left out' in text, text[-2000:]
    assert 'the model in the box: recursive-fer `ferplus`' in text, text[-2000:]           # its card's line
    last = [c for c in nb.cells if c.cell_type == 'code'][-1]
    assert any('image/png' in o.get('data', {}) for o in last.outputs), 'no predictions on test faces'
    runs = sorted((working/'run'/'wandb').glob('offline-run-*'))
    assert len({r.name.rsplit('-', 1)[1] for r in runs}) == 1, runs   # one wandb run: training, then the test summary
    assert ck.get('wandb_run_id') == runs[0].name.rsplit('-', 1)[1], (ck.get('wandb_run_id'), runs)
    rows = [r for r in wandb_history(runs[0]) if 'Train/Loss' in r]
    assert len(rows) == TINY['epochs'], rows
    classes = ck['classes']
    assert len(classes) == (8 if votes else 7), classes
    for key in ['Train/Loss', 'Train/Accuracy',
                'Train/Ponder_Cost'] + [f'Train/Ponder_Cost_Per_Class/{c}' for c in classes]:
        assert all(key in r for r in rows), key
    return images

def stdout_text(nb:nbformat.NotebookNode)->str:
    "What the kernel printed (not a library's warning)."
    return '\n'.join(o.get('text', '') for c in nb.cells if c.cell_type == 'code' for o in c.outputs
                     if o.output_type == 'stream' and o.get('name') == 'stdout')

def check_no_data(tmp:Path, nb:nbformat.NotebookNode):
    "No data set attached: how to attach one, no training, the model in the box on synthetic faces."
    text = stdout_text(nb)
    assert 'no data set to train on' in text and 'To train: Add Input' in text, text[-2000:]
    assert not (tmp/'working'/'checkpoints').exists(), 'trained without data?'
    assert 'the model in the box: recursive-fer `ferplus`' in text, text[-2000:]
    last = [c for c in nb.cells if c.cell_type == 'code'][-1]
    assert any('image/png' in o.get('data', {}) for o in last.outputs), 'the model in the box showed nothing'

def main():
    for what, stub, line, data in [('RAF-DB, no key', STUB_NO_KEY, 'wandb: offline', 'raf-db-dataset'),
                                   ('FER+, secrets client raises', STUB_RAISES,
                                    "could not read Kaggle secret 'WANDB_API_KEY' (BackendError", 'ferplus')]:
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            nb = run_kernel(tmp, fake_kaggle(tmp, stub, data), data)
            images = check(tmp, nb, line, data)
        print(f'kernel e2e ({what}): passed in {time.time() - t0:.0f}s, {images} inline images')
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        check_no_data(tmp, run_kernel(tmp, fake_kaggle(tmp, STUB_NO_KEY, attach=False)))
    print(f'kernel e2e (no data set attached): passed in {time.time() - t0:.0f}s')
    print('kernel e2e: 3 passed, 0 failed')

if __name__ == '__main__': main()

#!/usr/bin/python3
"""PyTorch reference for `npm run bench -- --torch`: the same fixed models as lib/src/cli/bench.ts,
trained the same way (SGD momentum 0.9, lr 0.01, softmax cross-entropy, random data), same threads.
Batch mode (--models): prints one JSON line {"available": bool, "reason": str, "samples_per_s": {model: rate}}.
Serve mode (--serve): prints {"available", "reason"}, then answers each stdin line
{"model": name, "steps": n, "warmup": w, "warmup_s": s} with {"model": name, "samples_per_s": rate} (one timed
repeat; the warm-up, at least w steps and s seconds as on the bench's side, runs on a model's first request only),
so that the bench can interleave repeats with its own.
Run with Debian's /usr/bin/python3 (python3-torch)."""
import argparse
import json
import os
import statistics
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--models')
    p.add_argument('--steps', help='JSON object: model -> steps per repeat')
    p.add_argument('--serve', action='store_true')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--warmup-s', type=float, default=0.0, help='warm-up lasts at least this many seconds')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads (torch.set_num_threads)')
    p.add_argument('--blas-threads', type=int, default=None,
                   help="OpenBLAS threads; torch.set_num_threads does not limit them (Debian's torch calls the system "
                        'OpenBLAS for GEMMs, which by default uses every core). Default: same as --threads')
    a = p.parse_args()
    blas_threads = a.threads if a.blas_threads is None else a.blas_threads
    # Must be set before OpenBLAS is loaded (by the torch import).
    os.environ['OPENBLAS_NUM_THREADS'] = str(blas_threads)
    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
        print(json.dumps({'available': False, 'reason': f'import torch failed: {e}'}))
        return
    torch.set_num_threads(a.threads)

    def lenet5():
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def mlp(w):
        return nn.Sequential(nn.Linear(784, w), nn.ReLU(), nn.Linear(w, 10))

    def vgg_small():
        def conv(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.ReLU()]
        return nn.Sequential(*conv(3, 32), *conv(32, 32), nn.MaxPool2d(2), *conv(32, 64), *conv(64, 64), nn.MaxPool2d(2),
                             *conv(64, 128), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128 * 4 * 4, 128), nn.ReLU(),
                             nn.Linear(128, 10))

    class Block(nn.Module):
        def __init__(self, i, o, stride):
            super().__init__()
            self.c1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm2d(o, eps=1e-5, momentum=0.1)
            self.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(o, eps=1e-5, momentum=0.1)
            self.short = None if stride == 1 else nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False),
                                                                nn.BatchNorm2d(o, eps=1e-5, momentum=0.1))

        def forward(self, x):
            y = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))
            return torch.relu(y + (x if self.short is None else self.short(x)))

    def resnet_small():
        return nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16, eps=1e-5, momentum=0.1), nn.ReLU(),
                             Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

    # name -> (builder, input shape (NCHW), batch). Lock-step replicas are timed as one single model:
    # R models trained one after another give the same replica-samples per second.
    table = {
        'lenet5': (lenet5, (1, 28, 28), 64),
        'mlp512': (lambda: mlp(512), (784,), 128),
        'vgg_small': (vgg_small, (3, 32, 32), 64),
        'resnet_small': (resnet_small, (3, 32, 32), 64),
        'mlp16': (lambda: mlp(16), (784,), 128),
        'mlp256': (lambda: mlp(256), (784,), 128),
        'mlp4096': (lambda: mlp(4096), (784,), 128),
        'mlp256_x11_lockstep': (lambda: mlp(256), (784,), 128),
    }
    class Trainer:
        def __init__(self, name):
            build, shape, batch = table[name]
            self.batch = batch
            self.model = build()
            self.model.train()
            self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
            self.loss_fn = nn.CrossEntropyLoss()
            self.xs = [torch.rand((batch,) + shape) for _ in range(4)]
            self.ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]
            self.counter = 0

        def step(self):
            b = self.counter % 4
            self.counter += 1
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(self.xs[b]), self.ys[b])
            loss.backward()
            self.opt.step()

        def warm_up(self, steps, seconds):
            t0 = time.perf_counter()
            done = 0
            while done < steps or time.perf_counter() - t0 < seconds:
                self.step()
                done += 1

        def rate(self, n):
            t0 = time.perf_counter()
            for _ in range(n):
                self.step()
            return self.batch * n / (time.perf_counter() - t0)

    reason = f'torch {torch.__version__}, {a.threads} threads, OpenBLAS {blas_threads} threads'
    if a.serve:
        print(json.dumps({'available': True, 'reason': reason}), flush=True)
        trainers = {}
        for line in sys.stdin:
            req = json.loads(line)
            name = req['model']
            if name not in table:
                print(json.dumps({'model': name, 'error': f'unknown model {name}'}), flush=True)
                continue
            if name not in trainers:
                trainers[name] = Trainer(name)
                trainers[name].warm_up(int(req.get('warmup', 3)), float(req.get('warmup_s', 0)))
            print(json.dumps({'model': name, 'samples_per_s': trainers[name].rate(int(req['steps']))}), flush=True)
        return

    if a.models is None or a.steps is None:
        print('bench_torch: --models and --steps are required without --serve', file=sys.stderr)
        sys.exit(2)
    steps = json.loads(a.steps)
    out = {}
    for name in a.models.split(','):
        if name not in table:
            print(f'bench_torch: unknown model {name}', file=sys.stderr)
            sys.exit(2)
        trainer = Trainer(name)
        trainer.warm_up(a.warmup, a.warmup_s)
        n = int(steps.get(name, 20))
        out[name] = statistics.median(trainer.rate(n) for _ in range(a.repeats))
    print(json.dumps({'available': True, 'reason': reason, 'samples_per_s': out}))


if __name__ == '__main__':
    main()

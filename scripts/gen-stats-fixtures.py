#!/usr/bin/python3
"""Reference values for lib/stats, computed with SciPy / NumPy (Debian python3-scipy).

Run:  /usr/bin/python3 scripts/gen-stats-fixtures.py
Writes test/fixtures/stats/*.json (deterministic: seeded numpy generators). The TypeScript tests in test/stats
compare lib/stats against these numbers; they never recompute them.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.integrate
import scipy.optimize
import scipy.special
import scipy.stats as st
import warnings

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'stats')


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def rounded(a, digits=6):
    """Samples stored with few digits keep the fixtures small; the reference is computed from the stored values."""
    return np.round(np.asarray(a, dtype=np.float64), digits)


def write(name, payload):
    os.makedirs(OUT, exist_ok=True)
    payload = {
        'generator': 'scripts/gen-stats-fixtures.py',
        'scipy': scipy.__version__,
        'numpy': np.__version__,
        **payload,
    }
    path = os.path.join(OUT, name)
    tmp = path + '.tmp'
    with open(tmp, 'w') as fh:
        json.dump(payload, fh, allow_nan=False, separators=(',', ':'))
        fh.write('\n')
    os.replace(tmp, path)
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


def rng(seed):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------------------- normality
def normality():
    cases = []

    def add(name, x):
        x = rounded(x, 7)
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # a warning would mean a degenerate case slipped in
            res = st.shapiro(x)
        cases.append({'name': name, 'x': floats(x), 'w': float(res.statistic), 'p': float(res.pvalue)})

    for i, n in enumerate([3, 3, 4, 5, 6, 7, 8, 10, 11, 12, 20, 50, 100, 500, 2000, 5000]):
        add(f'normal n={n} #{i}', rng(100 + i).normal(size=n))
    add('n=3 nearly collinear (p near 1)', np.array([0.0, 1.0, 2.000001]))
    add('n=3 skewed (small p)', np.array([0.0, 0.001, 1.0]))
    add('lognormal n=30 (skewed)', rng(1).lognormal(size=30))
    add('exponential n=200 (skewed)', rng(2).exponential(size=200))
    add('exponential n=5000 (skewed, tiny p)', rng(3).exponential(size=5000))
    add('uniform n=1000', rng(4).uniform(size=1000))
    add('tied: normal rounded to 0.1, n=60', np.round(rng(5).normal(size=60), 1))
    add('tied: integers 0..4, n=100', rng(6).integers(0, 5, size=100).astype(float))
    add('offset 1e4 + normal, n=300', 1e4 + rng(7).normal(size=300))
    add('scaled 1e-3 * normal, n=80', 1e-3 * rng(8).normal(size=80))
    add('n=9 with outlier (p at SMALL floor?)', np.array([0, 0, 0, 0, 0, 0, 0, 0.01, 50.0]))
    write('normality.json', {'shapiro': cases})


# --------------------------------------------------------------------------------------------- two samples
def two_sample():
    pairs = []

    def pair(name, a, b, digits=6):
        pairs.append((name, rounded(a, digits), rounded(b, digits)))

    r = rng(20)
    pair('small 2 vs 3', r.normal(size=2), r.normal(size=3))
    pair('small 3 vs 4', r.normal(size=3), r.normal(size=4))
    pair('equal n=30 same distribution', r.normal(size=30), r.normal(size=30))
    pair('n=40 vs 55 shifted 0.5', r.normal(size=40), r.normal(0.5, size=55))
    pair('n=100 vs 80 different scale', r.normal(size=100), r.normal(0, 3, size=80))
    pair('far apart (tiny p)', r.normal(size=200), r.normal(3, size=150))
    pair('skewed: lognormal vs exponential', r.lognormal(size=120), r.exponential(size=90))
    pair('tied integers 0..5', r.integers(0, 6, size=70).astype(float), r.integers(0, 6, size=60).astype(float))
    pair('one constant sample', np.full(25, 2.5), r.normal(2.5, size=30))
    pair('large 3000 vs 4000', r.normal(size=3000), r.normal(0.05, 1.1, size=4000), 4)
    pair('equal large n=5000', r.normal(size=5000), r.normal(0.02, size=5000), 4)

    welch, ks, w1 = [], [], []
    for name, a, b in pairs:
        entry = {'name': name, 'a': floats(a), 'b': floats(b)}
        if not (np.ptp(a) == 0 and np.ptp(b) == 0):
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', RuntimeWarning)  # numpy's note on the constant sample
                t = st.ttest_ind(a, b, equal_var=False)
            v1, v2 = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
            df = (v1 + v2) ** 2 / (v1 ** 2 / (len(a) - 1) + v2 ** 2 / (len(b) - 1))
            welch.append({**entry, 't': float(t.statistic), 'df': float(df), 'p': float(t.pvalue)})
        k = st.ks_2samp(a, b)
        ks.append({**entry, 'd': float(k.statistic), 'p': float(k.pvalue)})
        w1.append({**entry, 'w1': float(st.wasserstein_distance(a, b))})

    # KS beyond scipy's exact limit (max(n1, n2) > 10000): scipy's 'asymp' path, kstwo with n = round(en).
    # The big samples are arithmetic progressions (start + step * arange(n)), stored as such to keep the JSON
    # small; the branches of kstwo (Durbin, Pomeranz, Pelz-Good, Smirnov) are all reached.
    r = rng(21)
    small_b = [float(v) for v in r.integers(0, 1000, size=50)]
    big = [
        ('asymp n=12000 vs 12000, shift 20 (Durbin branch)', (0, 1, 12000), (20, 1, 12000)),
        ('asymp n=12000 vs 12000, shift 150 (Pelz-Good branch)', (0, 1, 12000), (150, 1, 12000)),
        ('asymp n=12000 vs 12000, shift 400 (Smirnov branch)', (0, 1, 12000), (400, 1, 12000)),
        ('asymp n=10001 vs 10001 (en = 5000.5 rounds to even)', (0, 1, 10001), (100, 1, 10001)),
        ('asymp n=20000 vs 50, same range (n<=140 branches)', (0, 0.05, 20000), small_b),
        ('asymp n=20000 vs 50, shifted (Pomeranz)', (0, 0.05, 20000), [v + 120 for v in small_b]),
        ('asymp n=20000 vs 50, far (Smirnov)', (0, 0.05, 20000), [v + 600 for v in small_b]),
    ]

    def materialise(spec):
        if isinstance(spec, tuple):
            start, step, n = spec
            return start + step * np.arange(n, dtype=np.float64), {'start': start, 'step': step, 'n': n}
        return np.array(spec), spec

    ks_asymp = []
    for name, sa, sb in big:
        a, ja = materialise(sa)
        b, jb = materialise(sb)
        k = st.ks_2samp(a, b)
        ks_asymp.append({'name': name, 'a': ja, 'b': jb, 'd': float(k.statistic), 'p': float(k.pvalue)})

    # kstwo.sf and smirnov directly, over a grid hitting every branch of scipy's _kolmogn.
    kstwo = []
    for n in [1, 2, 5, 10, 50, 140, 141, 500, 6000, 100000, 200000]:
        for x in [0.3 / n, 0.7 / n, 1.5 / n, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.45, 0.55, 0.8, 1 - 0.5 / n, 0.9999]:
            if 0 < x < 1:
                kstwo.append({'n': n, 'x': x, 'sf': float(st.kstwo.sf(x, n))})
    smirnov = []
    for n in [1, 3, 10, 100, 1000, 1012, 1013, 5000]:
        for x in [0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9]:
            smirnov.append({'n': n, 'x': x, 'sf': float(scipy.special.smirnov(n, x))})
    write('twoSample.json', {'welch': welch, 'ks': ks, 'ksAsymp': ks_asymp, 'wasserstein': w1,
                             'kstwo': kstwo, 'smirnov': smirnov})


# --------------------------------------------------------------------------------------------- correlation
def correlation():
    r = rng(30)
    cases = []

    def add(name, a, b):
        cases.append({'name': name, 'a': floats(rounded(a)), 'b': floats(rounded(b))})

    add('n=2', [1.0, 2.0], [3.0, 1.0])
    add('n=3', r.normal(size=3), r.normal(size=3))
    x = r.normal(size=20)
    add('n=20 correlated', x, x + r.normal(size=20))
    add('n=50 independent', r.normal(size=50), r.normal(size=50))
    x = r.normal(size=500)
    add('n=500 strongly correlated (tiny p)', x, 2 * x + 0.3 * r.normal(size=500))
    add('n=2000 weak', r.normal(size=2000), r.normal(size=2000))
    x = r.integers(0, 4, size=80).astype(float)
    add('ties', x, x + r.integers(0, 3, size=80))
    add('skewed', r.lognormal(size=60), r.exponential(size=60))
    add('perfect linear', np.arange(10.0), 3 * np.arange(10.0) - 1)
    add('perfect monotone, nonlinear', np.arange(1.0, 13.0), np.arange(1.0, 13.0) ** 3)
    add('negatively correlated', np.arange(30.0), -np.arange(30.0) + r.normal(size=30))

    pearson, spearman, linfit = [], [], []
    for c in cases:
        a, b = np.array(c['a']), np.array(c['b'])
        pr = st.pearsonr(a, b)
        pearson.append({**c, 'r': float(pr.statistic), 'p': float(pr.pvalue)})
        if len(a) >= 3:
            sr = st.spearmanr(a, b)
            spearman.append({**c, 'rho': float(sr.statistic), 'p': float(sr.pvalue)})
        lr = st.linregress(a, b)
        linfit.append({**c, 'intercept': float(lr.intercept), 'slope': float(lr.slope), 'r2': float(lr.rvalue ** 2)})
    # y constant: linregress gives r = 0.
    lr = st.linregress([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0])
    linfit.append({'name': 'y constant', 'a': [1.0, 2.0, 3.0, 4.0], 'b': [2.0, 2.0, 2.0, 2.0],
                   'intercept': float(lr.intercept), 'slope': float(lr.slope), 'r2': float(lr.rvalue ** 2)})
    write('correlation.json', {'pearson': pearson, 'spearman': spearman, 'linearFit': linfit})


# --------------------------------------------------------------------------------------------- CKA
# Reference implementation: Kornblith et al.'s published Gram-matrix code (CKA colab), independent of the
# feature-space formulas used for 'features' in lib/stats.
def gram_linear(x):
    return x.dot(x.T)


def center_gram(gram, unbiased=False):
    gram = gram.copy()
    if unbiased:
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = np.sum(gram, 0, dtype=np.float64) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = np.mean(gram, 0, dtype=np.float64)
        means -= np.mean(means) / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka_gram(gram_x, gram_y, debiased=False):
    gram_x = center_gram(gram_x, unbiased=debiased)
    gram_y = center_gram(gram_y, unbiased=debiased)
    scaled_hsic = gram_x.ravel().dot(gram_y.ravel())
    normalization_x = np.linalg.norm(gram_x)
    normalization_y = np.linalg.norm(gram_y)
    return scaled_hsic / (normalization_x * normalization_y)


def unbiased_hsic_song(k, l):
    """Song et al. (2012) unbiased HSIC, written out directly (a second, formula-level reference)."""
    n = k.shape[0]
    k = k.copy()
    l = l.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    one = np.ones(n)
    term = np.trace(k @ l) + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2)) - 2 / (n - 2) * (one @ k @ l @ one)
    return term / (n * (n - 3))


def cka():
    r = rng(40)
    cases = []
    specs = [
        ('n=10 p=3 q=5', 10, 3, 5, 0.0),
        ('n=50 p=20 q=8 related', 50, 20, 8, 1.0),
        ('n=200 p=5 q=5 related', 200, 5, 5, 2.0),
        ('n=30 p=60 q=40 (wide)', 30, 60, 40, 0.5),
        ('n=6 p=2 q=2 (smallest debiased-friendly)', 6, 2, 2, 0.0),
    ]
    for name, n, p, q, strength in specs:
        x = rounded(r.normal(size=(n, p)), 5)
        w = r.normal(size=(p, q))
        y = rounded(strength * x.dot(w) / np.sqrt(p) + r.normal(size=(n, q)) + 3.0, 5)  # offset: centring matters
        kx, ky = gram_linear(x), gram_linear(y)
        biased = cka_gram(kx, ky)
        debiased = cka_gram(kx, ky, debiased=True)
        xc, yc = x - x.mean(0), y - y.mean(0)
        song = unbiased_hsic_song(gram_linear(xc), gram_linear(yc)) / np.sqrt(
            unbiased_hsic_song(gram_linear(xc), gram_linear(xc)) * unbiased_hsic_song(gram_linear(yc), gram_linear(yc)))
        assert abs(song - debiased) < 1e-9 * max(1, abs(debiased)), (song, debiased)
        cases.append({'name': name, 'n': n, 'p': p, 'q': q, 'x': x.tolist(), 'y': y.tolist(),
                      'cka': float(biased), 'ckaDebiased': float(debiased)})
    write('cka.json', {'cases': cases})


# --------------------------------------------------------------------------------------------- assignment
def assignment():
    r = rng(50)
    cases = []

    def add(name, cost):
        cost = np.asarray(cost, dtype=np.float64)
        rows, cols = scipy.optimize.linear_sum_assignment(cost)
        col_of_row = [-1] * cost.shape[0]
        for i, j in zip(rows, cols):
            col_of_row[int(i)] = int(j)
        cases.append({'name': name, 'cost': cost.tolist(), 'colOfRow': col_of_row,
                      'total': float(cost[rows, cols].sum())})

    add('1x1', [[3.5]])
    add('1x5', r.uniform(size=(1, 5)).round(6))
    add('5x5 uniform', r.uniform(size=(5, 5)).round(6))
    add('20x20 uniform', r.uniform(size=(20, 20)).round(6))
    add('8x12 wide', r.uniform(size=(8, 12)).round(6))
    add('12x8 tall', r.uniform(size=(12, 8)).round(6))
    add('10x10 integer ties', r.integers(0, 4, size=(10, 10)))
    add('50x50 normal', r.normal(size=(50, 50)).round(6))
    add('30x30 large offset', (1e6 + r.uniform(size=(30, 30))).round(4))
    add('classic 3x3', [[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    write('assignment.json', {'cases': cases})


# --------------------------------------------------------------------------------------------- intervals
def intervals():
    r = rng(60)
    mean_ci = []
    samples = [
        ('n=2', r.normal(size=2)),
        ('n=5', r.normal(10, 2, size=5)),
        ('n=30 skewed', r.exponential(size=30)),
        ('n=1000', r.normal(size=1000)),
        ('constant n=4', np.full(4, 1.25)),
    ]
    for name, x in samples:
        x = rounded(x)
        for level in [0.5, 0.9, 0.95, 0.99, 0.999]:
            m = float(np.mean(x))
            # Constant sample: scipy returns (nan, nan) (scale = 0); lib/stats returns the degenerate [m, m].
            lo, hi = st.t.interval(level, len(x) - 1, loc=m, scale=st.sem(x)) if np.ptp(x) > 0 else (m, m)
            mean_ci.append({'name': name, 'x': floats(x), 'level': level, 'mean': m, 'lo': float(lo), 'hi': float(hi)})
    # Percentile bootstrap of the mean by scipy (its own generator): a Monte Carlo reference, compared with a
    # tolerance in the tests.
    x = rounded(r.normal(5, 2, size=200))
    boot = st.bootstrap((x,), np.mean, n_resamples=50000, confidence_level=0.95, method='percentile',
                        random_state=rng(61))
    x2 = rounded(r.exponential(size=150))
    boot2 = st.bootstrap((x2,), np.median, n_resamples=50000, confidence_level=0.9, method='percentile',
                         random_state=rng(62))
    bootstrap = [
        {'name': 'mean, normal n=200, 95%', 'stat': 'mean', 'x': floats(x), 'level': 0.95,
         'lo': float(boot.confidence_interval.low), 'hi': float(boot.confidence_interval.high)},
        {'name': 'median, exponential n=150, 90%', 'stat': 'median', 'x': floats(x2), 'level': 0.9,
         'lo': float(boot2.confidence_interval.low), 'hi': float(boot2.confidence_interval.high)},
    ]
    # t quantiles for the special-function tests.
    write('intervals.json', {'meanCI': mean_ci, 'bootstrap': bootstrap})


# --------------------------------------------------------------------------------------------- KDE
def kde():
    r = rng(70)
    cases = []
    datasets = [
        ('n=5', r.normal(size=5)),
        ('n=500 normal', r.normal(size=500)),
        ('skewed n=300', r.lognormal(size=300)),
        ('ties n=100', r.integers(0, 5, size=100).astype(float)),
        ('bimodal n=400', np.concatenate([r.normal(-2, 0.5, size=200), r.normal(2, 1, size=200)])),
    ]
    for name, x in datasets:
        x = rounded(x)
        grid = np.linspace(x.min() - 1, x.max() + 1, 41)
        for bw in ['scott', 'silverman', 0.3]:
            dens = st.gaussian_kde(x, bw_method=bw)(grid)
            cases.append({'name': name, 'x': floats(x), 'grid': floats(grid), 'bw': bw, 'density': floats(dens)})
    write('kde.json', {'cases': cases})


# --------------------------------------------------------------------------------------------- descriptive
def descriptive():
    r = rng(80)
    samples = [
        ('single', np.array([4.2])),
        ('n=2', np.array([1.0, 3.0])),
        ('n=7', r.normal(size=7)),
        ('ties', r.integers(0, 4, size=25).astype(float)),
        ('skewed n=1000', r.lognormal(size=1000)),
        ('constant', np.full(6, -2.0)),
        ('large offset', 1e9 + r.normal(size=50)),
    ]
    qs = [0.0, 0.01, 0.1, 0.25, 0.37, 0.5, 0.75, 0.9, 0.975, 1.0]
    cases = []
    for name, x in samples:
        x = rounded(x)
        entry = {'name': name, 'x': floats(x), 'mean': float(np.mean(x)), 'var0': float(np.var(x)),
                 'std0': float(np.std(x)), 'median': float(np.median(x)),
                 'quantiles': [{'q': q, 'value': float(np.quantile(x, q))} for q in qs],
                 'ranks': floats(st.rankdata(x))}
        if len(x) > 1:
            entry['var1'] = float(np.var(x, ddof=1))
            entry['std1'] = float(np.std(x, ddof=1))
        cases.append(entry)
    write('descriptive.json', {'cases': cases})


# --------------------------------------------------------------------------------------------- divergence
def divergence():
    r = rng(90)
    hist = []

    def add(name, p, q, bins, rng_=None, eps=1e-10):
        p, q = rounded(p), rounded(q)
        if rng_ is None:
            lo, hi = min(p.min(), q.min()), max(p.max(), q.max())
        else:
            lo, hi = rng_
        cp, _ = np.histogram(p, bins=bins, range=(lo, hi))
        cq, _ = np.histogram(q, bins=bins, range=(lo, hi))
        pp = cp / cp.sum() + eps
        qq = cq / cq.sum() + eps
        kl = st.entropy(pp, qq)  # normalises both, KL in nats
        entry = {'name': name, 'p': floats(p), 'q': floats(q), 'bins': bins, 'eps': eps, 'kl': float(kl)}
        if rng_ is not None:
            entry['range'] = [float(lo), float(hi)]
        hist.append(entry)

    add('same distribution', r.normal(size=500), r.normal(size=500), 20)
    add('shifted', r.normal(size=400), r.normal(1, size=300), 30)
    add('different widths, given range', r.normal(size=400), r.normal(0, 2, size=400), 25, (-3.0, 3.0))
    add('disjoint supports (eps matters)', r.uniform(0, 1, size=100), r.uniform(2, 3, size=100), 10)
    add('disjoint supports, eps=1e-3', r.uniform(0, 1, size=100), r.uniform(2, 3, size=100), 10, None, 1e-3)
    add('integer data on bin edges', r.integers(0, 5, size=200).astype(float), r.integers(0, 5, size=150).astype(float), 4)
    add('skewed', r.lognormal(size=300), r.exponential(size=300), 15)
    hist.append({'name': 'both constant and equal (range widened by numpy)', 'p': [1.5] * 5, 'q': [1.5] * 7,
                 'bins': 3, 'eps': 1e-10, 'kl': 0.0})

    gauss = []
    import mpmath
    mpmath.mp.dps = 50
    for mu1, s1, mu2, s2 in [(0, 1, 0, 1), (0, 1, 1, 1), (0, 1, 0, 2), (1.5, 0.3, -0.5, 2.5), (0, 1, 0, 1 + 1e-7),
                             (0, 1, 1e-6, 1), (3, 5, 2, 0.5)]:
        # High-precision closed form (mpmath), cross-checked by numerical integration of p log(p/q).
        exact = (mpmath.log(mpmath.mpf(s2) / s1) + (mpmath.mpf(s1) ** 2 + (mpmath.mpf(mu1) - mu2) ** 2)
                 / (2 * mpmath.mpf(s2) ** 2) - mpmath.mpf(1) / 2)
        f = lambda x: st.norm.pdf(x, mu1, s1) * (st.norm.logpdf(x, mu1, s1) - st.norm.logpdf(x, mu2, s2))
        numeric, _ = scipy.integrate.quad(f, mu1 - 40 * s1, mu1 + 40 * s1, limit=200, epsabs=1e-14)
        assert abs(numeric - float(exact)) < 1e-8, (numeric, exact)
        gauss.append({'mu1': mu1, 'sd1': s1, 'mu2': mu2, 'sd2': s2, 'kl': float(exact)})
    write('divergence.json', {'histogram': hist, 'gaussian': gauss})


# --------------------------------------------------------------------------------------------- special
def special():
    zs = [-38.0, -30.0, -10.0, -5.0, -2.5, -1.0, -0.3, 0.0, 0.2, 0.5, 1.0, 1.96, 3.0, 6.0, 8.5, 12.0, 27.0, 37.5]
    normal = [{'z': z, 'cdf': float(scipy.special.ndtr(z)), 'sf': float(st.norm.sf(z))} for z in zs]
    ps = [1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.025, 0.1, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-12]
    normal_ppf = [{'p': p, 'ppf': float(scipy.special.ndtri(p))} for p in ps]
    t = []
    for df in [1, 2, 3, 4.5, 7.3, 10, 29, 100, 1234.5, 1e5, 1e7]:
        for x in [-40.0, -5.0, -2.0, -0.5, 0.0, 0.1, 1.0, 2.5, 8.0, 30.0, 1e3]:
            t.append({'df': df, 't': x, 'cdf': float(st.t.cdf(x, df)), 'sf': float(st.t.sf(x, df))})
    t_ppf = []
    for df in [1, 2, 3, 4.5, 9, 30, 200, 1e4]:
        for p in [1e-10, 1e-5, 0.0005, 0.005, 0.025, 0.05, 0.25, 0.5, 0.6, 0.9, 0.975, 0.9995]:
            t_ppf.append({'df': df, 'p': p, 'ppf': float(st.t.ppf(p, df))})
    beta = []
    for a, b in [(0.5, 0.5), (1, 1), (2, 3), (0.1, 10), (10, 0.1), (50, 50), (500, 0.5), (2000, 2000), (1e4, 30)]:
        for x in [1e-6, 0.01, 0.2, 0.5, 0.51, 0.8, 0.99, 0.999999]:
            beta.append({'a': a, 'b': b, 'x': x, 'value': float(scipy.special.betainc(a, b, x)),
                         'complement': float(st.beta.sf(x, a, b))})
    gammaln = [{'x': x, 'value': float(scipy.special.gammaln(x))}
               for x in [1e-8, 0.01, 0.5, 1.0, 1.5, 2.0, 2.5, 7.0, 10.3, 100.0, 1e4, 1e8]]
    write('special.json', {'normal': normal, 'normalPpf': normal_ppf, 'studentT': t, 'studentTPpf': t_ppf,
                           'betainc': beta, 'gammaln': gammaln})


def main():
    which = sys.argv[1:] or ['normality', 'two_sample', 'correlation', 'cka', 'assignment', 'intervals', 'kde',
                             'descriptive', 'divergence', 'special']
    for name in which:
        globals()[name]()


if __name__ == '__main__':
    main()

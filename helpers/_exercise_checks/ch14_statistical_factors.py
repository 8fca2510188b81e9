"""Checks of chapter 14, Statistical factors."""

from __future__ import annotations

import numpy as np

from helpers._exercise_checks._data import french
from helpers.exercises import exercise


def _pc1_return(R):
    """The first principal component as a portfolio, weights summing to a positive number."""
    centred = R.to_numpy() - R.to_numpy().mean(axis=0)
    v = np.linalg.eigh(centred.T @ centred)[1][:, -1]
    v = v * np.sign(v.sum())
    return R.to_numpy() @ v


@exercise("sf-ex-ew", stores=["corr_ew", "corr_mkt"])
def pc1_is_the_market(c):
    ff = french()
    p = _pc1_return(ff.portfolios)
    ew = np.corrcoef(p, ff.portfolios.mean(axis=1))[0, 1]
    mkt = np.corrcoef(p, ff.factors["MktRF"])[0, 1]
    got = c.number("corr_ew")
    if np.isclose(abs(got), ew, rtol=1e-6) and got < 0:
        c.expect(False, ok="", hint="`corr_ew` has the wrong sign: flip the PC1 weights so that they sum to a positive number")
        return
    c.close("corr_ew", ew, rtol=1e-6, ok="`corr_ew` is right",
            hint="`corr_ew` is off: correlate R @ weights['PC1'] with R.mean(axis=1), the average over portfolios each month")
    c.close("corr_mkt", mkt, rtol=1e-6, ok="`corr_mkt` is right",
            hint="`corr_mkt` is off: correlate the same PC1 return with ff.factors['MktRF']")


def _rms_oos(gamma, k=5):
    import helpers

    R = french().portfolios
    half = len(R) // 2
    w = helpers.rp_pca(R.iloc[:half], k, gamma=gamma).weights.to_numpy()
    test = R.iloc[half:].to_numpy()
    design = np.column_stack([np.ones(len(test)), test @ w])
    alphas = np.linalg.lstsq(design, test, rcond=None)[0][0]
    return float(np.sqrt(np.mean(alphas**2)))


@exercise("sf-ex-rpalpha", stores=["oos_pca5", "oos_rp5"])
def rp_out_of_sample(c):
    import helpers

    R = french().portfolios
    half = len(R) // 2
    for name, gamma in (("oos_pca5", -1), ("oos_rp5", 20)):
        got = c.number(name)
        expected = _rms_oos(gamma)
        if np.isclose(got, 100 * expected, rtol=1e-6):
            c.expect(False, ok="", hint=f"`{name}` looks like a percentage: store it in decimals")
            continue
        if np.isclose(got, helpers.rp_pca(R.iloc[:half], 5, gamma=gamma).rms_alpha, rtol=1e-6):
            c.expect(False, ok="", hint=f"`{name}` is the in-sample RMS alpha of the first half: measure the "
                     "pricing errors on the second half with .pricing_errors(second)")
            continue
        if np.isclose(got, _rms_oos(gamma, k=3), rtol=1e-6):
            c.expect(False, ok="", hint=f"`{name}` uses three factors: the exercise asks for five")
            continue
        c.close(name, expected, rtol=1e-6, ok=f"`{name}` is right",
                hint=f"`{name}` is off: rp_pca(first, 5, gamma={gamma}).pricing_errors(second), then the root mean square")


@exercise("sf-ex-recovery", stores=["err_60", "err_240"])
def recovery(c):
    import helpers

    def mean_angle(n_dates):
        errors = []
        for s in range(10):
            sim = helpers.simulate_latent_panel(n_dates, 100, seed=s)
            errors.append(helpers.subspace_distance(helpers.IPCA(2).fit(sim.X, sim.y).gamma_, sim.gamma))
        return float(np.mean(errors))

    for name, n_dates in (("err_60", 60), ("err_240", 240)):
        got = c.number(name)
        if not 0 <= got <= 1:
            c.expect(False, ok="", hint=f"`{name}` should be the sine of an angle, between 0 and 1")
            continue
        c.close(name, mean_angle(n_dates), rtol=1e-4, ok=f"`{name}` is right",
                hint=f"`{name}` is off: the mean over seeds 0 to 9 of subspace_distance(IPCA(2).fit(...).gamma_, "
                f"sim.gamma) on simulate_latent_panel({n_dates}, 100, seed=s)")


@exercise("sf-ex-k1", stores=["corr_vol", "ic_vol"])
def one_factor_is_volatility(c):
    import pandas as pd

    import helpers
    from helpers._exercise_checks._data import us_stocks

    stocks = us_stocks()
    pick = np.random.default_rng(0).choice(stocks.X.index.unique("asset"), size=2000, replace=False)
    keep = stocks.X.index.get_level_values("asset").isin(pick)
    X, y = stocks.X[keep], stocks.y[keep]
    Z = helpers.CrossSectionalStandardizer(method="rank", nan_policy="fill").fit_transform(X)
    Z.insert(0, "const", 1.0)
    forecasts = []
    for train, test in helpers.WalkForwardSplit(n_splits=6, test_size=12).split(Z):
        model = helpers.IPCA(1, tol=1e-6, max_iter=5000).fit(Z.iloc[train], y.iloc[train])
        forecasts.append(model.predict(Z.iloc[test]))
    forecast = pd.concat(forecasts)
    vol = Z.loc[forecast.index, "volatility"].to_numpy()
    dates = forecast.index.get_level_values("date")
    corrs = [np.corrcoef(forecast.to_numpy()[dates == d], vol[dates == d])[0, 1] for d in dates.unique()]
    ic = helpers.information_coefficient(y.loc[forecast.index], Z.loc[forecast.index, "volatility"]).mean()
    got = c.number("corr_vol")
    if np.isclose(got, -np.mean(corrs), rtol=1e-6):
        c.expect(False, ok="", hint="`corr_vol` has the wrong sign")
    else:
        c.close("corr_vol", np.mean(corrs), rtol=1e-6, ok="`corr_vol` is right",
                hint="`corr_vol` is off: per test date, the correlation of the K=1 forecast with Z['volatility'] "
                "on the same rows, then the mean over dates")
    c.close("ic_vol", ic, rtol=1e-6, ok="`ic_vol` is right",
            hint="`ic_vol` is off: helpers.information_coefficient(realised returns, volatility rank) on the "
            "test rows, then .mean()")

"""Export of the deterministic mean model to XMILE (OASIS XMILE 1.0), for a cross-check in
another system dynamics tool (the tests and the benchmark run it in PySD).

The export is the expected-value model with the parameter means (``RunConfig(mode=
"expected", fixed=True, runs=1)``), written out flat: one stock per compartment, municipality
and age band (``<compartment>_m<i>_g<j>``), one flow per transition, and auxiliaries for the
constraints, so that Euler integration with ``dt = 1`` month reproduces the engine's monthly
step exactly:

- hazard flows ``pi * stock`` use the stocks at the start of the month;
- ``after_*`` auxiliaries are the stocks after the hazard flows (what the engine sees when it
  places people and hands out homes);
- homes: each ready compartment's after-value times ``MIN(1, homes / ready)`` per
  municipality;
- placements into a pool: each queue's after-value times ``MIN(1, free / waiting)`` with
  ``free = MAX(places - occupied, 0)`` (occupancy after the hazard flows and the moves to a
  home);
- applications, places and homes per month are graphical functions of ``TIME``.

Outputs ``out_<output>_m<i>`` (stocks per municipality) are auxiliaries, to compare with the
engine's outputs month by month. Assessment-speed changes (several regimes) are not
exported.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

import numpy as np

from doorstroom.core.forecast.engine import (
    EDGES,
    PROGRESS_EDGES,
    STOCK_OUTPUTS,
    compile_batch,
    draw_parameters,
    stream,
)
from doorstroom.core.forecast.model import (
    COMPARTMENTS,
    FIRST_PHASE,
    OCCUPYING,
    PRODUCTS,
    QUEUES,
    READY,
    Baseline,
    ForecastError,
)
from doorstroom.core.forecast.scenario import BASELINE, Plan, Scenario, plan

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


def _num(x: float) -> str:
    return repr(float(x))


def _gf(values: Iterable[float]) -> str:
    ys = list(values)
    return (
        f'<gf><xscale min="0" max="{len(ys) - 1}"/>'
        f"<ypts>{','.join(_num(y) for y in ys)}</ypts></gf>"
    )


def to_xmile(baseline: Baseline, scenario: Scenario = BASELINE, *, name: str = "doorstroom") -> str:
    """The XMILE document of the deterministic mean model of ``baseline`` + ``scenario``."""
    pl = plan(baseline, scenario)
    if len(np.unique(pl.assessment, axis=0)) > 1:
        raise ForecastError("assessment-speed changes cannot be exported")
    return _Writer(pl, name).document()


class _Writer:
    def __init__(self, pl: Plan, name: str) -> None:
        self.pl = pl
        self.name = name
        b = pl.baseline
        self.m, self.g = b.shape
        draws = draw_parameters(b, 1, stream(0, 1, 0), fixed=True)
        comp = compile_batch(pl, draws, stochastic=False)
        reg = comp.regimes[0]
        # (E + progress, G, M) edge probabilities; (C, G, M) probability to stay
        self.pu = reg.pu_all.astype(np.float64).reshape(-1, self.g, self.m)
        t = np.arange(b.months)
        trend = np.exp(
            comp.log_trend.astype(np.float64)[..., 0][None] * ((t + 0.5) / 12.0)[:, None, None]
        )
        self.lam = (
            comp.rate.astype(np.float64)[..., 0][None] * pl.exposure.transpose(0, 2, 1) * trend
        )
        self.edges = [(e.src, e.dst) for e in EDGES] + [(c, d) for c, _, d in PROGRESS_EDGES]
        self.lines: list[str] = []
        self.done: set[str] = set()

    def v(self, comp: str, m: int, g: int) -> str:
        return f"{comp}_m{m}_g{g}"

    def add(self, kind: str, name: str, eqn: str, extra: str = "") -> None:
        self.lines.append(f'<{kind} name="{escape(name)}"><eqn>{escape(eqn)}</eqn>{extra}</{kind}>')

    def document(self) -> str:
        b = self.pl.baseline
        m_count, g_count = self.m, self.g
        inflows: dict[str, list[str]] = {}
        outflows: dict[str, list[str]] = {}
        for m in range(m_count):
            for g in range(g_count):
                for e_i, (src, dst) in enumerate(self.edges):
                    p = self.pu[e_i, g, m]
                    if p == 0.0:
                        continue
                    f = f"h{e_i}_m{m}_g{g}"
                    self.add("flow", f, f"{_num(p)} * {self.v(COMPARTMENTS[src], m, g)}")
                    outflows.setdefault(self.v(COMPARTMENTS[src], m, g), []).append(f)
                    if dst >= 0:
                        inflows.setdefault(self.v(COMPARTMENTS[dst], m, g), []).append(f)
                lam = f"lam_m{m}_g{g}"
                self.add("aux", lam, "TIME", _gf(self.lam[:, g, m]))
                f = f"apply_m{m}_g{g}"
                self.add("flow", f, lam)
                inflows.setdefault(self.v("applied", m, g), []).append(f)
                for c in (*[q for p in PRODUCTS for q in QUEUES[p]], *OCCUPYING_ALL, *READY):
                    self._after(c, m, g, inflows, outflows)
        self._homes(inflows, outflows)
        self._placements(inflows, outflows)
        for m in range(m_count):
            for g in range(g_count):
                for c_i, comp in enumerate(COMPARTMENTS):
                    v = self.v(comp, m, g)
                    extra = "".join(f"<inflow>{f}</inflow>" for f in inflows.get(v, ()))
                    extra += "".join(f"<outflow>{f}</outflow>" for f in outflows.get(v, ()))
                    self.add("stock", v, _num(b.initial[c_i, m, g]), extra)
            for o, comps in STOCK_OUTPUTS.items():
                terms = [self.v(c, m, g) for c in comps for g in range(g_count)]
                self.add("aux", f"out_{o}_m{m}", " + ".join(terms))
        body = "\n".join(self.lines)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<xmile version="1.0" xmlns="{NS}">\n'
            f'<header><vendor>doorstroom</vendor><product version="1.0">doorstroom</product>'
            f"<name>{escape(self.name)}</name></header>\n"
            f'<sim_specs method="Euler" time_units="Months"><start>0</start>'
            f"<stop>{b.months}</stop><dt>1</dt></sim_specs>\n"
            f"<model><variables>\n{body}\n</variables></model>\n</xmile>\n"
        )

    def _after(
        self,
        comp: str,
        m: int,
        g: int,
        inflows: dict[str, list[str]],
        outflows: dict[str, list[str]],
    ) -> None:
        """``after_<comp>``: the stock after this month's hazard flows."""
        name = f"after_{self.v(comp, m, g)}"
        if name in self.done:
            return
        self.done.add(name)
        v = self.v(comp, m, g)
        terms = [v] + [f"- {f}" for f in outflows.get(v, []) if f.startswith("h")]
        terms += [f"+ {f}" for f in inflows.get(v, []) if f.startswith("h")]
        self.add("aux", name, " ".join(terms))

    def _placements(self, inflows: dict[str, list[str]], outflows: dict[str, list[str]]) -> None:
        b = self.pl.baseline
        region = np.asarray(b.area.region)
        for p_i, prod in enumerate(PRODUCTS):
            if b.pooling[p_i] == "region":
                pools = [
                    [int(i) for i in np.flatnonzero(region == r)]
                    for r in range(len(b.area.region_names))
                ]
            else:
                pools = [[m] for m in range(self.m)]
            for s_i, members in enumerate(pools):
                pid = f"{prod.value}_s{s_i}"
                cap = np.floor(self.pl.places[p_i][members].sum(axis=0) * b.utilization[p_i] + 0.5)
                self.add("aux", f"places_{pid}", "TIME", _gf(cap))
                occ = [
                    f"after_{self.v(c, m, g)}"
                    for m in members
                    for g in range(self.g)
                    for c in OCCUPYING[prod]
                ]
                occ += [
                    f"- home_{c}_m{m}_g{g}"
                    for m in members
                    for g in range(self.g)
                    for c in OCCUPYING[prod]
                    if c in READY
                ]
                queue = [
                    f"after_{self.v(c, m, g)}"
                    for m in members
                    for g in range(self.g)
                    for c in QUEUES[prod]
                ]
                self.add("aux", f"occupied_{pid}", " + ".join(occ).replace("+ -", "-"))
                self.add("aux", f"waiting_{pid}", " + ".join(queue))
                self.add("aux", f"free_{pid}", f"MAX(places_{pid} - occupied_{pid}, 0)")
                self.add("aux", f"share_{pid}", f"MIN(1, free_{pid} / MAX(waiting_{pid}, 1e-12))")
                for m in members:
                    for g in range(self.g):
                        for q in QUEUES[prod]:
                            f = f"place_{q}_m{m}_g{g}"
                            self.add("flow", f, f"after_{self.v(q, m, g)} * share_{pid}")
                            outflows.setdefault(self.v(q, m, g), []).append(f)
                            first = self.v(FIRST_PHASE[prod], m, g)
                            inflows.setdefault(first, []).append(f)

    def _homes(self, inflows: dict[str, list[str]], outflows: dict[str, list[str]]) -> None:
        for m in range(self.m):
            self.add("aux", f"homes_m{m}", "TIME", _gf(self.pl.homes[m]))
            ready = [f"after_{self.v(r, m, g)}" for g in range(self.g) for r in READY]
            self.add("aux", f"ready_m{m}", " + ".join(ready))
            self.add("aux", f"home_share_m{m}", f"MIN(1, homes_m{m} / MAX(ready_m{m}, 1e-12))")
            for g in range(self.g):
                for r in READY:
                    f = f"home_{r}_m{m}_g{g}"
                    self.add("flow", f, f"after_{self.v(r, m, g)} * home_share_m{m}")
                    outflows.setdefault(self.v(r, m, g), []).append(f)


OCCUPYING_ALL: tuple[str, ...] = tuple(dict.fromkeys(c for p in PRODUCTS for c in OCCUPYING[p]))

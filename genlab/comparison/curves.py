"""Who wins at which budget: quality curves over seeds, the budget ladder, and crossovers.

Every run of a comparison records a quality curve (:mod:`genlab.evaluation.curve`): FID at
log-spaced numbers of images seen, with the training seconds at each point. Here the curves of a
model's seeds become one band, read on a compute axis (``images`` seen or ``train_seconds``):

* :func:`model_band`: mean, min and max over seeds on a log-spaced grid, where every seed has a
  value (linear interpolation in log compute between a run's points, never beyond them);
* :func:`ladder`: each model's FID and rank at a ladder of budgets (doublings);
* :func:`leads`: along the axis, who leads where, over the range every model's band covers (a
  model whose curve has ended, or not begun, is not beaten there: it was not run there); a
  lead is claimed only where the leader's band lies entirely below every other model's band,
  "tie" otherwise; :func:`crossover_text` says it in a sentence, or why it cannot.

Lower is better for every curve metric the engine records as a distance (FID, KID); curves of
precision and recall are kept in the JSON but not ranked here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from genlab.evaluation.curve import interpolate

AXES = {"images": "images seen", "train_seconds": "training time"}
#: Points of the grid on which bands and leads are computed.
GRID = 48


@dataclass
class Band:
    """A model's curve over its seeds on one axis: mean/min/max at each ``x`` of a log-spaced
    grid (for pictures and for finding leads), and the seeds' own curves (for exact values)."""

    model: str
    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]
    seeds: int
    curves: list[list[dict]] = field(default_factory=list, repr=False)
    axis: str = "images"
    metric: str = "fid"

    def at(self, x: float) -> tuple[float, float, float] | None:
        """``(mean, low, high)`` over seeds at ``x`` (each seed interpolated in log x between its
        own points); None where some seed has no value."""
        values = [interpolate(c, self.axis, x, self.metric) for c in self.curves]
        if not values or any(v is None for v in values):
            return None
        return sum(values) / len(values), min(values), max(values)


def curves_of(runs) -> dict[str, list[list[dict]]]:
    """``{model: [curve of each finished seed]}``, runs without a curve left out."""
    found: dict[str, list[list[dict]]] = {}
    for run in runs:
        if run.ok and len(run.curve) >= 1:
            found.setdefault(run.model, []).append(run.curve)
    return found


def log_grid(low: float, high: float, n: int = GRID) -> list[float]:
    if low <= 0 or high <= 0:
        return []
    if high <= low * (1 + 1e-9):
        return [low]
    step = (math.log(high) - math.log(low)) / (n - 1)
    return [math.exp(math.log(low) + i * step) for i in range(n)]


def model_band(model: str, curves: list[list[dict]], axis: str, metric: str = "fid") -> Band:
    """The band of one model's seeds on ``axis``, over the range every seed covers."""
    usable = [[p for p in c if p.get(axis) and p.get(metric) is not None] for c in curves]
    usable = [c for c in usable if c]
    band = Band(model, [], [], [], [], len(usable), usable, axis, metric)
    if not usable:
        return band
    low = max(c[0][axis] for c in usable)
    high = min(c[-1][axis] for c in usable)
    for x in log_grid(low, high):
        values = band.at(x)
        if values is not None:
            band.x.append(x)
            for column, value in zip((band.mean, band.low, band.high), values, strict=True):
                column.append(value)
    return band


def bands(runs, axis: str, metric: str = "fid") -> dict[str, Band]:
    return {m: model_band(m, c, axis, metric) for m, c in curves_of(runs).items()}


def ladder_budgets(all_bands: dict[str, Band], axis: str, rungs: int = 6) -> list[float]:
    """Doublings that some model's band reaches: minutes (1/2, 1, 2, 4, 8 ... ) for seconds,
    4,096 x 2^k images for images; the last ``rungs`` of them."""
    ends = [b.x[-1] for b in all_bands.values() if b.x]
    starts = [b.x[0] for b in all_bands.values() if b.x]
    if not ends:
        return []
    unit = 60.0 if axis == "train_seconds" else 4096.0
    k = math.floor(math.log2(max(ends) / unit) + 1e-9)
    budgets = []
    while unit * 2.0**k >= min(starts) * (1 - 1e-9) and len(budgets) < rungs:
        budgets.append(unit * 2.0**k)
        k -= 1
    return budgets[::-1]


def ladder(all_bands: dict[str, Band], budgets: list[float]) -> list[dict]:
    """One row per budget: ``{"budget": x, "models": {model: {mean, low, high, rank}}}``; a model
    whose band does not reach a budget has no entry there. Rank 1 is the lowest mean."""
    rows = []
    for budget in budgets:
        values = {}
        for model, band in all_bands.items():
            at = band.at(budget)
            if at is not None:
                values[model] = {"mean": at[0], "low": at[1], "high": at[2]}
        for rank, model in enumerate(sorted(values, key=lambda m: values[m]["mean"]), start=1):
            values[model]["rank"] = rank
        rows.append({"budget": budget, "models": values})
    return rows


@dataclass
class Lead:
    """From ``start`` to ``end`` on the axis: ``leader`` is ahead, or (None) the ``tied`` are."""

    start: float
    end: float
    leader: str | None
    tied: tuple[str, ...] = ()


def common_range(all_bands: dict[str, Band]) -> tuple[float, float] | None:
    """``(low, high)`` of the axis that every model's band covers; None if they share none."""
    present = [b for b in all_bands.values() if b.x]
    if len(present) < 2:
        return None
    low, high = max(b.x[0] for b in present), min(b.x[-1] for b in present)
    return (low, high) if high >= low else None


def leads(all_bands: dict[str, Band]) -> list[Lead]:
    """Who leads along the axis where every model has a band; merged into stretches."""
    shared = common_range(all_bands)
    if shared is None:
        return []
    stretches: list[Lead] = []
    for x in log_grid(*shared, GRID * 2):
        here = {m: b.at(x) for m, b in all_bands.items()}
        here = {m: v for m, v in here.items() if v is not None}
        if len(here) < 2:
            continue
        best = min(here, key=lambda m: here[m][0])
        others = [v for m, v in here.items() if m != best]
        if all(here[best][2] < v[1] for v in others):
            lead = Lead(x, x, best)
        else:
            tied = tuple(sorted(m for m, v in here.items() if v[1] <= here[best][2]))
            lead = Lead(x, x, None, tied)
        last = stretches[-1] if stretches else None
        if last is not None and (last.leader, last.tied) == (lead.leader, lead.tied):
            last.end = x
        else:
            stretches.append(lead)
    return stretches


def budget_label(x: float, axis: str, about: bool = False) -> str:
    """``"1.3 min"``, ``"40 s"``, ``"16,384 images"``, ``"128k images"`` (as the figures' ticks:
    :func:`genlab.report.figure.count_label`); ``about``: two significant digits."""
    from genlab.report.figure import count_label

    if about:
        x = float(f"{x:.2g}")
    if axis == "train_seconds":
        if x >= 60:
            return f"{x / 60:.2g} min" if x < 6000 else f"{x / 60:.0f} min"
        return f"{x:.2g} s"
    if x >= 1e5:
        return f"{count_label(x)} images"
    return f"{x:,.0f} images"


def crossover_text(stretches: list[Lead], axis: str) -> str:
    """``"conv_ae leads up to about 1.3 min, tie (conv_ae, dcgan) from 1.3 to 2 min, dcgan
    leads from 2 min on"``; "" when fewer than two models have curves."""
    if not stretches:
        return ""
    parts = []
    for i, s in enumerate(stretches):
        who = f"{s.leader} leads" if s.leader else f"tie ({', '.join(s.tied)})"
        start, end = budget_label(s.start, axis, True), budget_label(s.end, axis, True)
        if len(stretches) == 1:
            parts.append(f"{who} from {start} to {end}")
        elif i == 0:
            parts.append(f"{who} up to about {end}")
        elif i == len(stretches) - 1:
            parts.append(f"{who} from about {start} on")
        else:
            parts.append(f"{who} from about {start} to {end}")
    return "; ".join(parts) + f" ({AXES[axis]}; a lead needs the seed bands apart)."


def no_common_range_text(all_bands: dict[str, Band], axis: str) -> str:
    """Why no lead is claimed on ``axis``: the curves share no stretch of it."""
    present = {m: b for m, b in all_bands.items() if b.x}
    if len(present) < 2 or common_range(all_bands) is not None:
        return ""
    first = min(present, key=lambda m: present[m].x[-1])
    last = max(present, key=lambda m: present[m].x[0])
    return (
        f"no lead claimed on {AXES[axis]}: the curves share no stretch of it ({first} ends at "
        f"about {budget_label(present[first].x[-1], axis, True)}, {last} starts at about "
        f"{budget_label(present[last].x[0], axis, True)}); give every model the same budget on "
        "this axis to compare here."
    )


def summary(runs, metric: str = "fid") -> dict:
    """Everything a report or ``--json`` says about the curves, for both axes."""
    out = {}
    for axis in AXES:
        all_bands = bands(runs, axis, metric)
        stretches = leads(all_bands)
        budgets = ladder_budgets(all_bands, axis)
        out[axis] = {
            "bands": {
                m: {"x": b.x, "mean": b.mean, "low": b.low, "high": b.high, "seeds": b.seeds}
                for m, b in all_bands.items()
            },
            "ladder": ladder(all_bands, budgets),
            "leads": [
                {"from": s.start, "to": s.end, "leader": s.leader, "tied": list(s.tied)}
                for s in stretches
            ],
            "text": crossover_text(stretches, axis) or no_common_range_text(all_bands, axis),
        }
    return out

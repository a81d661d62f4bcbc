"""What a comparison is about to cost, said before it starts: runs x budget, and a time from the
speeds this machine measured in earlier runs (:mod:`genlab.speeds`)."""

from __future__ import annotations

import math

from genlab import speeds


def curve_points(images: float, first: int) -> int:
    """Points of a quality curve over ``images`` images seen: the doublings plus the end."""
    if images < first:
        return 0
    return int(math.floor(math.log2(images / first))) + 2


def _minutes(seconds: float) -> str:
    if seconds < 60:  # start-up, data and pictures (not measured) weigh as much as this
        return "under a minute"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def estimate(plan, train_images: int, slots: int = 1) -> str:
    """``"about 41 min (training 36 min, evaluation 5 min) ..."``: one line for the log;
    ``slots`` runs at a time share the wall clock (each at the speed measured for one)."""
    runs = len(plan.seeds)
    total_train = total_eval = 0.0
    unknown = []
    for model in plan.models:
        measured = speeds.lookup(model, plan.device) or {}
        rate = measured.get("images_per_s")
        images = plan.images or (plan.run_epochs or 0) * train_images
        if plan.budget_minutes:
            seconds = plan.budget_minutes * 60
            if rate and images:
                seconds = min(seconds, images / rate)
                images = seconds * rate
        elif rate and images:
            seconds = images / rate
        else:
            unknown.append(model)
            continue
        per_sample = measured.get("eval_seconds_per_sample")
        evaluation = 0.0
        if plan.evaluate and per_sample:
            curve_n = min(plan.curve, plan.eval_samples) if plan.curve else 0
            points = curve_points(images, plan.curve_from) if curve_n and images else 0
            evaluation = per_sample * (plan.eval_samples + points * curve_n)
        total_train += seconds * runs
        total_eval += evaluation * runs
    known = len(plan.models) - len(unknown)
    total_train, total_eval = total_train / slots, total_eval / slots
    if not known:
        return (
            "time estimate: none yet (no run of "
            f"{', '.join(unknown)} has finished on this machine to measure its speed)"
        )
    total = total_train + total_eval
    text = f"time estimate: {'' if total < 60 else 'about '}{_minutes(total)}"
    text += f" (training {_minutes(total_train)}"
    text += f", evaluation {_minutes(total_eval)})" if total_eval else ")"
    text += " from speeds measured on this machine"
    text += f", {slots} runs at a time" if slots > 1 else ""
    if unknown:
        text += f"; not counted: {', '.join(unknown)} (no speed measured here yet)"
    return text

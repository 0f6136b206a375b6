"""The one place numbers become text, for every report, table and terminal line: accuracies,
percentage points, losses, durations and time ratios — in ``kvsbench report``, ``compare``,
``history``, the course report and the figures' labels. A missing or non-finite value is "—".
Where one kind of number is shown at another precision (compare's ``.2e`` losses, a figure's
two-digit ratios), the function takes it as a parameter, so the rule stays in one place."""

from __future__ import annotations

import math


def finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_pct(x, std=None) -> str:
    """Accuracy as a percentage: ``0.99625 → "99.62 %"``, with ``± std`` when given."""
    if not finite(x):
        return "—"
    if std is not None and finite(std):
        return f"{100 * float(x):.2f} ± {100 * float(std):.2f} %"
    return f"{100 * float(x):.2f} %"


def fmt_pp(x) -> str:
    """A difference of accuracies in percentage points, signed: ``0.0123 → "+1.23 pp"``."""
    if not finite(x):
        return "—"
    v = round(100 * float(x), 2)
    return "0.00 pp" if v == 0 else f"{v:+.2f} pp"


def fmt_change(x, decimals: int = 1) -> str:
    """A relative change as a signed percentage: ``0.123 → "+12.3 %"``."""
    return f"{100 * float(x):+.{decimals}f} %" if finite(x) else "—"


def fmt_loss(x) -> str:
    return f"{float(x):.4g}" if finite(x) else "—"


def fmt_sci(x, digits: int = 1) -> str:
    """Scientific notation, ``digits`` after the point: ``0.000123 → "1.2e-04"``."""
    return f"{float(x):.{digits}e}" if finite(x) else "—"


def fmt_decimal(x, digits: int = 4) -> str:
    """Fixed decimals, as the course printed its accuracies and costs: ``0.94 → "0.9400"``."""
    return f"{float(x):.{digits}f}" if finite(x) else "—"


def fmt_sig(x, digits: int = 2) -> str:
    """``digits`` significant digits and never an exponent, so that the labels of one figure
    share one format: ``0.0123 → "0.012"``, ``29.4 → "29"``, ``1234 → "1200"``."""
    if not finite(x):
        return "—"
    s = f"{float(x):.{digits}g}"
    return f"{float(s):.0f}" if "e" in s else s


def fmt_seconds(x) -> str:
    """A duration: ``0.0123 → "12.3 ms"``, ``4.56 → "4.56 s"``, ``4000 → "1 h 07 min"``."""
    if not finite(x):
        return "—"
    s = float(x)
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    if s < 100:
        return f"{s:.3g} s"
    if s < 3600:
        return f"{s:.0f} s" if s < 600 else f"{s // 60:.0f} min {s % 60:02.0f} s"
    return f"{s // 3600:.0f} h {(s % 3600) // 60:02.0f} min"


def fmt_ratio(x, decimals: int | None = None) -> str:
    """A time ratio to 3 significant digits: ``2.5 → "2.50×"``, ``44.43 → "44.4×"``; with
    ``decimals``, that many after the point at any size (compare's ``44.43×``)."""
    if not finite(x):
        return "—"
    v = float(x)
    if decimals is not None:
        return f"{v:.{decimals}f}×"
    return f"{v:.2f}×" if v < 10 else f"{v:.3g}×" if v < 1000 else f"{v:.0f}×"


def speed_words(ratio) -> str:
    """Keras/scratch time ratio as words: ``2.5 → "2.50× faster"``, ``0.5 → "2.00× slower"``."""
    if not finite(ratio) or float(ratio) <= 0:
        return "of unknown speed"
    r = float(ratio)
    return f"{fmt_ratio(r)} faster" if r >= 1 else f"{fmt_ratio(1 / r)} slower"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def fmt_count(n) -> str:
    """A whole number with thousands separators: ``10000 → "10,000"``."""
    return f"{int(n):,}" if finite(n) else "—"


def fmt_number(x, digits: int = 6) -> str:
    """``digits`` significant digits (``%g``): ``0.001 → "0.001"``, ``1e-07 → "1e-07"``."""
    return f"{float(x):.{digits}g}" if finite(x) else "—"


def fmt_value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "—"
    return str(v)

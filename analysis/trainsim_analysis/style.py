"""Colours and unit choices shared by the plots, so that a kind has one colour everywhere."""
from __future__ import annotations

# Tableau-like colours: compute warm, communication cool, waiting grey.
KIND_COLORS: dict[str, str] = {
    "forward": "#4c9be8",
    "backward": "#1f5fa8",
    "tp_comm": "#f2a541",
    "pp_send": "#b8b8b8",
    "pp_wait": "#d9d9d9",
    "dp_reduce": "#d1495b",
    "dp_gather": "#8e3b8f",
    "optimizer": "#3c9d5d",
    "checkpoint": "#222222",
}
FALLBACK_COLOR = "#999999"


def kind_color(kind: str) -> str:
    """The colour of an event kind (a kind unknown to this package still gets one)."""
    return KIND_COLORS.get(kind, FALLBACK_COLOR)


def power_scale(watts_max: float) -> tuple[float, str]:
    """(divisor, unit) that keeps power axis labels short: W, kW or MW."""
    if watts_max >= 1e6:
        return 1e6, "MW"
    if watts_max >= 1e3:
        return 1e3, "kW"
    return 1.0, "W"


def money_scale(amount_max: float) -> tuple[float, str]:
    """(divisor, prefix) for money: millions when large, as the CLI prints."""
    if amount_max >= 1e6:
        return 1e6, "M "
    if amount_max >= 1e3:
        return 1e3, "k "
    return 1.0, ""

"""Server-rendered SVG charts (no JavaScript, no CDN). Each has a <title> and a <desc>, and the page shows
the same figures in a table next to it. Amounts are Decimal; only pixel positions are computed as floats.
Every amount and percentage on them (axes, labels, tooltips) is written by ``microcredit.core.formatting``,
in the reader's language; the month labels come from the view (``format_month``)."""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from microcredit.core.formatting import MISSING, format_label_value, format_money, format_percent

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 70, 30, 10


def _nothing_to_draw(chart_id: str, title: str, *, hidden: bool = True) -> SafeString:
    """What stands in for a chart with no bar to draw (every value hidden by the board's privacy rule, or
    hidden and zero, or all zero): a sentence that says so and points to the table, rather than an empty
    frame."""
    if hidden:
        sentence = _(
            "%(chart)s: nothing to draw, every figure of the period is hidden (an amount made of fewer "
            "than 5 loans, or one that would single someone out, shows —). The table gives what can be shown."
        )
    else:
        sentence = _("%(chart)s: nothing to draw, every figure of the period is zero (see the table).")
    return format_html(
        '<p class="text-muted small border rounded p-3 mb-0" id="{}" data-testid="chart-empty">{}</p>',
        chart_id,
        sentence % {"chart": title},
    )


def _svg(chart_id: str, title: str, desc: str, height: int, *parts: SafeString) -> SafeString:
    """A chart's frame: its size, its title and description (what a screen reader says), then its parts."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" class="report-chart" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        "{}</svg>",
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def _scale(value: Decimal, top: Decimal, span: int) -> float:
    return 0.0 if not top else float(value / top) * span


def bar_chart(
    *, chart_id: str, title: str, desc: str, labels: list[str], values: list[Decimal | None]
) -> SafeString:
    """Vertical bars, one per label (monthly trends); a value None (hidden) draws no bar and reads "—".
    When no bar would be drawn (every value hidden or zero), a sentence says so instead of an empty chart."""
    if not any(value for value in values if value is not None):
        return _nothing_to_draw(chart_id, title, hidden=any(value is None for value in values) or not values)
    top = max((value for value in values if value is not None), default=Decimal(0)) or Decimal(1)
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = (WIDTH - MARGIN_LEFT) / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = _scale(value or Decimal(0), top, plot_h)
        x = MARGIN_LEFT + index * step
        bars.append(
            (
                f"{x + step * 0.15:.1f}",
                f"{HEIGHT - MARGIN_BOTTOM - h:.1f}",
                f"{step * 0.7:.1f}",
                f"{h:.1f}",
                format_label_value(label, MISSING if value is None else format_money(value)),
                f"{x + step / 2:.1f}",
                HEIGHT - 10,
                label,
            )
        )
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar" fill="#0d6efd"><title>{}</title></rect>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="10">{}</text>',
        bars,
    )
    axis = format_html(
        '<text x="{}" y="{}" text-anchor="end" font-size="10">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" font-size="10">{}</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#666"/>',
        MARGIN_LEFT - 4,
        MARGIN_TOP + 10,
        format_money(top),
        MARGIN_LEFT - 4,
        HEIGHT - MARGIN_BOTTOM,
        format_money(0),
        MARGIN_LEFT,
        HEIGHT - MARGIN_BOTTOM,
        WIDTH,
        HEIGHT - MARGIN_BOTTOM,
    )
    return _svg(chart_id, title, desc, HEIGHT, axis, body)


def par_chart(*, chart_id: str, title: str, desc: str, rows: list[tuple[str, Decimal | None]]) -> SafeString:
    """Horizontal bars on a 0-100 % scale (PAR1, PAR30, PAR90); a sentence instead when no bar would be drawn
    and one of them is hidden (every PAR at 0 % is a figure worth reading: it is drawn)."""
    values = [value for _label, value in rows]
    if all(value is None for value in values) or (None in values and not any(values)):
        return _nothing_to_draw(chart_id, title)
    row_h, width = 34, WIDTH - MARGIN_LEFT - 60
    height = row_h * len(rows) + 10
    bars = []
    for index, (label, value) in enumerate(rows):
        w = _scale(value or Decimal(0), Decimal(100), width)
        y = 5 + index * row_h
        bars.append(
            (
                MARGIN_LEFT - 6,
                y + 18,
                label,
                MARGIN_LEFT,
                y + 4,
                f"{w:.1f}",
                format_label_value(label, format_percent(value)),
                MARGIN_LEFT + w + 4,
                y + 18,
                format_percent(value),
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="20" class="par" fill="#dc3545"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        bars,
    )
    return _svg(chart_id, title, desc, height, body)

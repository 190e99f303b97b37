from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import translation

from doorstroom.core.disclosure import Policy
from doorstroom.web.charts import (
    DASHES,
    PALETTE,
    Chart,
    Target,
    bar_chart,
    line_chart,
    months_between,
    nice_ticks,
    sankey,
)
from doorstroom.web.tables import BODY, Column, Row, Table

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    with translation.override("nl"):
        yield


def month(i: int) -> date:
    return date(2019 + i // 12, i % 12 + 1, 1)


def monthly_table(n_months: int = 24, n_series: int = 3) -> Table:
    columns = [Column("month", "Maand", "month")]
    columns += [Column(f"s{s}", f"Reeks {s}", "int") for s in range(n_series)]
    rows = [
        {"month": month(i), **{f"s{s}": 100 + 10 * s + i for s in range(n_series)}}
        for i in range(n_months)
    ]
    return Table("inflow", "Instroom per maand", columns, rows)


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def assert_csp_safe(svg: str) -> None:
    """Nothing a strict CSP (no inline style, no script) would block."""
    assert " style=" not in svg
    assert "<style" not in svg
    assert "<script" not in svg
    assert not re.search(r"\son[a-z]+=", svg)
    assert "javascript:" not in svg
    assert "href=" not in svg  # no external resources at all


def series_groups(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:g[@class='ds-chart__series']", NS)


# ------------------------------------------------------------------ scales
def test_nice_ticks() -> None:
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(-12, 30) == [-20, -10, 0, 10, 20, 30]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 11) == [0, 2, 4, 6, 8, 10, 12]
    assert nice_ticks(-8, 124) == [-25, 0, 25, 50, 75, 100, 125]


def test_months_between() -> None:
    assert months_between(date(2023, 11, 1), date(2024, 2, 1)) == 3


# ------------------------------------------------------------------ line chart
def test_line_chart_is_accessible_svg() -> None:
    chart = line_chart(monthly_table(), x="month", series=["s0", "s1", "s2"], y_label="Aantal")
    svg = str(chart.svg)
    assert_csp_safe(svg)
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-inflow-title"
    assert root.get("aria-describedby") == "chart-inflow-desc"
    assert root.findtext("svg:title", namespaces=NS) == "Instroom per maand"
    assert "Reeks 0, Reeks 1, Reeks 2" in (root.findtext("svg:desc", namespaces=NS) or "")
    texts = [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert "Aantal" in texts
    assert "jan 2019" in texts
    assert "jan 2020" in texts


def test_each_series_has_its_own_colour_and_dash() -> None:
    root = parse(
        line_chart(monthly_table(n_series=6), x="month", series=[f"s{i}" for i in range(6)])
    )
    groups = series_groups(root)
    assert len(groups) == 6
    styles = [(g.get("stroke"), g[1].get("stroke-dasharray")) for g in groups]
    assert [s[0] for s in styles] == list(PALETTE[:6])
    assert [s[1] for s in styles] == list(DASHES[:6])
    assert len(set(styles)) == 6


def test_the_palette_has_contrast_and_no_repeats() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert len(set(PALETTE)) == len(PALETTE) >= 7  # a stacked chart of 7 destinations
    for colour in PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 3.0, colour  # WCAG 1.4.11 on white


def test_count_axes_have_whole_number_ticks() -> None:
    assert nice_ticks(0, 14) == [0, 2.5, 5, 7.5, 10, 12.5, 15]
    assert nice_ticks(0, 14, integer=True) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    table = Table(
        "few",
        "Weinig",
        [Column("q", "Kwartaal"), Column("n", "Aantal", "int")],
        [{"q": "K1", "n": 3}, {"q": "K2", "n": 14}],
    )
    root = parse(bar_chart(table, category="q", series=["n"]))
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "2,5" not in labels
    assert "2" in labels


def test_a_hidden_bar_shows_its_mark_and_a_reference_line_is_drawn() -> None:
    table = Table(
        "municipalities",
        "Aanmeldingen per gemeente",
        [Column("name", "Gemeente"), Column("n", "Aanmeldingen", "int")],
        [{"name": "Assen", "n": 40}, {"name": "Meppel", "n": 4}, {"name": "Hoogeveen", "n": 25}],
    ).protect()
    chart = bar_chart(
        table,
        category="name",
        series=["n"],
        horizontal=True,
        y_label="Aanmeldingen",
        targets=[Target("Regio: 23", 23)],
    )
    root = parse(chart)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<10" in texts  # where Meppel's bar would be: not an empty row that reads as 0
    assert len(root.findall(".//svg:g[@class='ds-chart__bars']/svg:rect", NS)) == 2
    dashed = [e for e in root.iter("{http://www.w3.org/2000/svg}line") if e.get("stroke-dasharray")]
    assert len(dashed) == 2  # the line and its swatch in the legend
    assert "Aanmeldingen" not in texts[:1]  # one series with an axis title: no legend
    assert "Stippellijn: Regio: 23." in chart.table.notes


def test_a_sankey_node_with_a_hidden_flow_shows_no_total() -> None:
    flows = Table(
        "flows",
        "Routes",
        [Column("a", "Van"), Column("b", "Naar"), Column("n", "Aantal", "int")],
        [
            {"a": "Aanmelding", "b": "BW", "n": 40},
            {"a": "Aanmelding", "b": "BT", "n": 5},
            {"a": "BW", "b": "Woning", "n": 30},
            {"a": "BT", "b": "Woning", "n": 3},
        ],
    ).protect()
    chart = sankey(
        flows, source="a", target="b", value="n", columns=[["Aanmelding"], ["BW", "BT"], ["Woning"]]
    )
    texts = [t.text for t in parse(chart).iter("{http://www.w3.org/2000/svg}text")]
    assert "BW (40)" in texts  # all its flows are shown
    assert "Woning" in texts  # 30 drawn, but the hidden 3 belong to it too
    assert "Aanmelding" in texts
    assert not any(t.startswith("Woning (") for t in texts)


def test_points_are_placed_on_a_time_axis() -> None:
    root = parse(line_chart(monthly_table(n_months=13, n_series=1), x="month", series=["s0"]))
    path = series_groups(root)[0].find("svg:path", NS)
    assert path is not None
    d = path.get("d", "")
    points = [tuple(map(float, p.split())) for p in d.lstrip("M").split(" L")]
    assert len(points) == 13
    xs = [p[0] for p in points]
    steps = {round(b - a, 1) for a, b in itertools.pairwise(xs)}
    assert len(steps) <= 2  # equal spacing (rounding to 0.1 px)
    ys = [p[1] for p in points]
    assert ys == sorted(ys, reverse=True)  # rising values go up


def test_missing_and_hidden_values_leave_gaps() -> None:
    rows = [{"month": month(i), "n": v} for i, v in enumerate([40, 45, None, 50, 55, 3, 60, 61])]
    table = Table(
        "g", "Gaten", [Column("month", "Maand", "month"), Column("n", "Aantal", "int")], rows
    )
    protected = table.protect(Policy(threshold=10))
    group = series_groups(parse(line_chart(protected, x="month", series=["n"])))[0]
    paths = group.findall("svg:path", NS)
    assert len(paths) == 3  # 40-45, 50-55, 60-61: the None and the hidden 3 are gaps
    assert group.findall("svg:circle", NS) == []


def test_isolated_point_is_drawn_as_a_dot() -> None:
    rows = [{"month": month(i), "n": v} for i, v in enumerate([40, None, 50, None, 60, 65])]
    table = Table(
        "d", "Punten", [Column("month", "Maand", "month"), Column("n", "Aantal", "int")], rows
    )
    group = series_groups(parse(line_chart(table, x="month", series=["n"])))[0]
    assert len(group.findall("svg:circle", NS)) == 2
    assert len(group.findall("svg:path", NS)) == 1


def test_band_and_targets() -> None:
    columns = [
        Column("month", "Maand", "month"),
        Column("p50", "Mediaan", "int"),
        Column("p10", "P10", "int"),
        Column("p90", "P90", "int"),
    ]
    rows = [{"month": month(i), "p50": 100 + i, "p10": 90 + i, "p90": 115 + i} for i in range(12)]
    table = Table("forecast", "Prognose", columns, rows)
    chart = line_chart(
        table,
        x="month",
        series=["p50"],
        band=("p10", "p90"),
        band_label="P10 tot P90",
        targets=[Target("Norm", 120), Target("Doel 2020", 80, at=date(2020, 6, 1))],
    )
    root = parse(chart)
    band = root.find(".//svg:g[@class='ds-chart__band']", NS)
    assert band is not None
    assert band.get("fill-opacity") == "0.2"
    assert len(band.findall("svg:path", NS)) == 1
    dashed = [e for e in root.iter(f"{{{NS['svg']}}}line") if e.get("stroke-dasharray") == "6 3"]
    assert len(dashed) == 2  # the target line and its legend swatch
    titles = [t.text for t in root.iter(f"{{{NS['svg']}}}title")]
    assert "Doel 2020" in titles
    texts = [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert "P10 tot P90" in texts
    # The x axis reaches on to the target point (June 2020, after the last month of data):
    # the diamond is the right-most mark, inside the plot.
    diamond = next(
        p
        for p in root.iter(f"{{{NS['svg']}}}path")
        if p.findtext("svg:title", namespaces=NS) == "Doel 2020"
    )
    x_diamond = float(diamond.get("d", "").split()[0].lstrip("M"))
    line_path = series_groups(root)[0].find("svg:path", NS)
    assert line_path is not None
    x_last = float(line_path.get("d", "").split(" L")[-1].split()[0])
    assert x_last < x_diamond <= 720 - 16
    # The table alternative names the targets.
    notes = chart.table.all_notes()
    assert "Doelstelling: Norm: 120." in notes
    assert "Doelstelling: Doel 2020: 80 in jun 2020." in notes


def test_category_axis_for_years() -> None:
    table = Table(
        "years",
        "Per jaar",
        [Column("year", "Jaar"), Column("n", "Aantal", "int")],
        [{"year": str(y), "n": 10 * (y - 2019)} for y in range(2020, 2026)],
    )
    root = parse(line_chart(table, x="year", series=["n"], targets=[Target("Doel", 30, at="2025")]))
    texts = [t.text for t in root.iter(f"{{{NS['svg']}}}text")]
    assert "2020" in texts
    assert "2025" in texts


def test_percent_axis_labels() -> None:
    table = Table(
        "share",
        "Aandeel",
        [Column("month", "Maand", "month"), Column("p", "Aandeel", "percent")],
        [{"month": month(i), "p": 0.1 + i / 100} for i in range(12)],
    )
    texts = [
        t.text
        for t in parse(line_chart(table, x="month", series=["p"])).iter(f"{{{NS['svg']}}}text")
    ]
    assert "20%" in texts or "25%" in texts


def test_output_is_deterministic_and_english_on_request() -> None:
    table = monthly_table()
    first = str(line_chart(table, x="month", series=["s0", "s1"]).svg)
    assert first == str(line_chart(table, x="month", series=["s0", "s1"]).svg)
    with translation.override("en"):
        english = str(line_chart(table, x="month", series=["s0", "s1"]).svg)
    assert "jan 2019" in english
    assert "Line chart of" in english
    assert "Lijndiagram van" in first


def test_labels_are_escaped() -> None:
    table = Table(
        "x",
        "<script>",
        [Column("month", "Maand", "month"), Column("n", "<b>&", "int")],
        [{"month": month(0), "n": 1}, {"month": month(1), "n": 2}],
    )
    svg = str(line_chart(table, x="month", series=["n"]).svg)
    assert "<script>" not in svg
    assert "&lt;b&gt;&amp;" in svg
    ET.fromstring(svg)  # noqa: S314 - well-formed


def test_chart_html_pairs_the_svg_with_its_table() -> None:
    chart = line_chart(monthly_table(), x="month", series=["s0"])
    html = str(chart)
    assert html.startswith('<figure class="ds-chart-figure" id="chart-inflow">')
    assert "<figcaption" in html
    assert "<details" in html
    assert "<summary>Tabel: Instroom per maand</summary>" in html
    assert 'id="table-chart-inflow-table"' in html  # not the id of the page's own table
    assert chart.table.id == "chart-inflow-table"
    assert_csp_safe(html)


# ------------------------------------------------------------------ bar chart
def places_table() -> Table:
    return Table(
        "places",
        "Plaatsen per gemeente",
        [
            Column("name", "Gemeente"),
            Column("bw", "BW", "int"),
            Column("bt", "BT", "int"),
            Column("saldo", "Saldo", "money"),
        ],
        [
            {"name": "Groningen", "bw": 80, "bt": 40, "saldo": -20},
            {"name": "Assen", "bw": 30, "bt": None, "saldo": 15},
            {"name": "Emmen", "bw": 50, "bt": 20, "saldo": 5},
        ],
    )


def rects(root: ET.Element) -> list[ET.Element]:
    group = root.find(".//svg:g[@class='ds-chart__bars']", NS)
    assert group is not None
    return group.findall("svg:rect", NS)


def test_grouped_bars() -> None:
    chart = bar_chart(places_table(), category="name", series=["bw", "bt"])
    assert_csp_safe(str(chart.svg))
    bars = rects(parse(chart))
    assert len(bars) == 5  # one value is missing
    heights = {b.findtext("svg:title", namespaces=NS): float(b.get("height", 0)) for b in bars}
    assert heights["Groningen, BW: 80"] == pytest.approx(2 * heights["Groningen, BT: 40"], rel=0.02)
    assert {b.get("fill") for b in bars} == set(PALETTE[:2])


def test_stacked_bars_add_up() -> None:
    bars = rects(
        parse(bar_chart(places_table(), category="name", series=["bw", "bt"], stacked=True))
    )
    groningen = [
        b for b in bars if (b.findtext("svg:title", namespaces=NS) or "").startswith("Groningen")
    ]
    assert len(groningen) == 2
    bottom_bw = float(groningen[0].get("y", 0)) + float(groningen[0].get("height", 0))
    top_bw = float(groningen[0].get("y", 0))
    bottom_bt = float(groningen[1].get("y", 0)) + float(groningen[1].get("height", 0))
    assert bottom_bt == pytest.approx(top_bw, abs=0.11)  # BT sits on BW
    assert bottom_bw > top_bw
    assert float(groningen[0].get("x", 0)) == float(groningen[1].get("x", 0))


def test_negative_bars_go_below_zero_and_horizontal_bars_name_rows() -> None:
    root = parse(bar_chart(places_table(), category="name", series=["saldo"], horizontal=True))
    bars = {b.findtext("svg:title", namespaces=NS): b for b in rects(root)}
    loss = bars["Groningen, Saldo: € -20,00"]
    gain = bars["Assen, Saldo: € 15,00"]
    assert float(loss.get("x", 0)) + float(loss.get("width", 0)) == pytest.approx(
        float(gain.get("x", 0)), abs=0.11
    )
    labels = root.find(".//svg:g[@class='ds-chart__categories']", NS)
    assert labels is not None
    assert [t.get("text-anchor") for t in labels] == ["end"] * 3
    assert [t.text for t in labels] == ["Groningen", "Assen", "Emmen"]


# ------------------------------------------------------------------ Sankey
def flows_table(rows: list[tuple[str, str, int]]) -> Table:
    return Table(
        "flows",
        "Doorstroom",
        [Column("from", "Van"), Column("to", "Naar"), Column("n", "Aantal", "int")],
        [{"from": a, "to": b, "n": n} for a, b, n in rows],
    )


FLOWS = [
    ("Aanmelding", "BW", 300),
    ("Aanmelding", "BT", 500),
    ("BW", "Eigen woning", 100),
    ("BW", "Elders", 200),
    ("BT", "Eigen woning", 400),
    ("BT", "Elders", 100),
]
COLUMNS = [["Aanmelding"], ["BW", "BT"], ["Eigen woning", "Elders"]]


def flow_paths(root: ET.Element) -> dict[str, tuple[float, float, float]]:
    """title -> (start y, end y, band height) from each flow's path."""
    group = root.find(".//svg:g[@class='ds-chart__flows']", NS)
    assert group is not None
    out = {}
    for path in group.findall("svg:path", NS):
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
        # M x0 y0 C m y0 m y1 x1 y1 L x1 y1+h ...
        y0, y1, y1h = numbers[1], numbers[7], numbers[9]
        out[path.findtext("svg:title", namespaces=NS) or ""] = (y0, y1, y1h - y1)
    return out


def test_sankey_widths_are_proportional_and_layout_is_ordered() -> None:
    chart = sankey(flows_table(FLOWS), source="from", target="to", value="n", columns=COLUMNS)
    assert_csp_safe(str(chart.svg))
    root = parse(chart)
    flows = flow_paths(root)
    assert len(flows) == 6
    unit = flows["Aanmelding → BW: 300"][2] / 300
    for title, (_y0, _y1, h) in flows.items():
        count = int(title.rsplit(": ", 1)[1].replace(".", ""))
        assert h == pytest.approx(count * unit, abs=0.15)
    # Leaving Aanmelding: to BW (above) before BT; entering Eigen woning: from BW before BT.
    assert flows["Aanmelding → BW: 300"][0] < flows["Aanmelding → BT: 500"][0]
    assert flows["BW → Eigen woning: 100"][1] < flows["BT → Eigen woning: 400"][1]
    nodes = root.find(".//svg:g[@class='ds-chart__nodes']", NS)
    assert nodes is not None
    labels = [t.text for t in nodes.findall("svg:text", NS)]
    assert labels == [
        "Aanmelding (800)",
        "BW (300)",
        "BT (500)",
        "Eigen woning (500)",
        "Elders (300)",
    ]


def test_sankey_leaves_out_hidden_flows_and_their_share_of_nodes() -> None:
    rows = [*FLOWS, ("Aanmelding", "MO", 4)]
    table = Table(
        "flows",
        "Doorstroom",
        [Column("from", "Van"), Column("to", "Naar"), Column("n", "Aantal", "int")],
        [{"from": a, "to": b, "n": n} for a, b, n in rows],
        [Row({"from": "Totaal", "to": "", "n": sum(r[2] for r in rows)}, sum_of=BODY)],
    ).protect()
    columns = [["Aanmelding"], ["BW", "BT", "MO"], ["Eigen woning", "Elders"]]
    root = parse(sankey(table, source="from", target="to", value="n", columns=columns))
    flows = flow_paths(root)
    assert not any("MO" in t for t in flows)
    hidden_secondary = [k for k, s in table.suppression.status.items() if s.hidden and k[0] != "r6"]  # type: ignore[union-attr]
    assert len(flows) == 6 - len(hidden_secondary)
    texts = [t.text or "" for t in root.iter(f"{{{NS['svg']}}}text")]
    assert not any(t.startswith("MO (4)") for t in texts)


def test_sankey_refuses_backward_flows() -> None:
    with pytest.raises(ValueError, match="later column"):
        sankey(
            flows_table([("BW", "Aanmelding", 5)]),
            source="from",
            target="to",
            value="n",
            columns=COLUMNS,
        )

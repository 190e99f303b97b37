from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from doorstroom.core.errors import RowErrors
from doorstroom.core.finance import (
    Cap,
    CapKind,
    CostStay,
    FinanceError,
    FundKey,
    FundMember,
    FundSettings,
    Payment,
    PhaseInPath,
    Stream,
    Tariff,
    allocate,
    apportion,
    distribute,
    distribute_from_dict,
    money,
    percent,
    realised_costs,
    settle,
    settle_from_dict,
)
from doorstroom.core.finance.budgets import parse_amount, parse_budget_rows
from doorstroom.core.finance.money import allocate_capped, from_cents, to_cents
from doorstroom.core.journey import Product

D = Decimal
CODES = [f"GM{n:04d}" for n in (14, 37, 47, 765, 1895, 1950, 1952, 1966, 1969, 1979)]

cents = st.integers(min_value=0, max_value=10**11)  # up to a billion euros
codes = st.lists(st.sampled_from(CODES), min_size=1, max_size=len(CODES), unique=True)


def euros(n: int) -> Decimal:
    return from_cents(n)


# ---------------------------------------------------------------- money and rounding
def test_money_refuses_floats_sub_cents_and_nonsense() -> None:
    assert money("1234.5") == D("1234.50")
    assert money(7) == D("7.00")
    with pytest.raises(TypeError):
        money(1.5)  # type: ignore[arg-type]
    with pytest.raises(FinanceError) as info:
        money("1.005")
    assert info.value.message.template.startswith("The amount %(value)s has more than two")
    with pytest.raises(FinanceError):
        money("twelve")
    with pytest.raises(FinanceError):
        money("NaN")


def test_percent_is_checked_and_normalised() -> None:
    assert str(percent("12.50")) == "12.5"
    assert str(percent(D("10.0"))) == "10"
    with pytest.raises(FinanceError):
        percent("100.01")
    with pytest.raises(FinanceError):
        percent("-1")
    assert percent("-20", lowest=-100) == D(-20)


def test_equal_thirds_give_the_extra_cent_to_the_lowest_code() -> None:
    assert allocate(100, {"GM0003": 1, "GM0001": 1, "GM0002": 1}) == {
        "GM0001": 34,
        "GM0002": 33,
        "GM0003": 33,
    }


def test_total_is_rounded_half_to_even_then_cents_go_by_largest_remainder() -> None:
    half = Fraction(1, 2)
    # exact total 1.5 cents -> 2 (half to even); each 0.5 -> floor 0; ties by code
    assert apportion({"B": half, "A": half, "C": half}) == {"A": 1, "B": 1, "C": 0}
    # exact total 2.5 cents -> 2 (half to even)
    assert sum(apportion({"A": Fraction(5, 4), "B": Fraction(5, 4)}).values()) == 2
    # the largest remainder wins before the code
    assert apportion({"A": Fraction(1, 10), "B": Fraction(9, 10)}) == {"A": 0, "B": 1}


@given(st.dictionaries(st.sampled_from(CODES), st.fractions(-(10**9), 10**9), min_size=1))
def test_apportion_adds_up_and_stays_within_a_cent(exact: dict[str, Fraction]) -> None:
    rounded = apportion(exact)
    assert sum(rounded.values()) == round(sum(exact.values()))
    for code, value in exact.items():
        assert abs(rounded[code] - value) < 1
        if value.denominator == 1:
            assert rounded[code] == value  # whole cents are never touched
    shuffled = list(exact.items())
    random.Random(len(exact)).shuffle(shuffled)
    assert apportion(dict(shuffled)) == rounded  # the input order does not matter


@given(cents, st.dictionaries(st.sampled_from(CODES), st.integers(0, 10**9), min_size=1))
def test_allocation_sums_to_the_total_to_the_cent(total: int, weights: dict[str, int]) -> None:
    assume(sum(weights.values()) > 0)
    shares = allocate(total, weights)
    assert sum(shares.values()) == total
    whole = sum(weights.values())
    for code, w in weights.items():
        assert abs(shares[code] - Fraction(total * w, whole)) < 1
        if w == 0:
            assert shares[code] == 0


def test_allocation_by_an_all_zero_key_is_an_error() -> None:
    with pytest.raises(FinanceError):
        allocate(100, {"A": 0, "B": 0})
    assert allocate(0, {"A": 0}) == {"A": 0}


@given(
    cents,
    st.dictionaries(
        st.sampled_from(CODES),
        st.tuples(st.integers(0, 10**9), st.one_of(st.none(), st.integers(0, 10**11))),
        min_size=1,
    ),
)
def test_capped_allocation_respects_caps_and_conserves(
    total: int, spec: dict[str, tuple[int, int | None]]
) -> None:
    weights = {code: w for code, (w, _) in spec.items()}
    caps = {code: c for code, (_, c) in spec.items()}
    try:
        _, exact, held = allocate_capped(total, weights, caps)
    except FinanceError:
        # only when the municipalities with a share cannot raise the total under their caps
        room = sum((10**20 if c is None else c) for k, c in caps.items() if weights[k])
        assert room < total
        return
    assert sum(exact.values()) == total
    rounded = apportion(exact, total)
    assert sum(rounded.values()) == total
    for code, cap in caps.items():
        if cap is not None:
            assert rounded[code] <= cap
        if code in held:
            assert exact[code] == cap


# ---------------------------------------------------------------- phase-in path
def test_linear_path_of_ten_years() -> None:
    path = PhaseInPath.linear(2026)
    assert [str(p) for p in path.percentages] == [str(10 * n) for n in range(1, 11)]
    assert path.end_year == 2035
    assert path.percentage(2025) == 0  # before the path: historical
    assert path.percentage(2030) == 50
    assert path.percentage(2040) == 100  # after the path: the last percentage


@pytest.mark.parametrize(
    ("start", "percentages", "fragment"),
    [
        (2026, (), "at least one year"),
        (2026, ("10", "5"), "goes back"),
        (2026, ("101",), "between"),
        (1900, ("10",), "first year"),
        (2026, ("abc",), "not a percentage"),
    ],
)
def test_bad_paths_are_refused(start: int, percentages: tuple[str, ...], fragment: str) -> None:
    with pytest.raises(FinanceError) as info:
        PhaseInPath(start, tuple(D(p) if p != "abc" else p for p in percentages))  # type: ignore[misc]
    assert fragment in str(info.value)


def test_distribution_by_hand() -> None:
    path = PhaseInPath(2026, (D(25), D(50)))
    result = distribute(
        2026,
        {"GM0014": "3000.00", "GM1969": "1000.00"},
        {"GM0014": "2000.00", "GM1969": "2000.00"},
        path,
    )
    assert result.percentage == 25
    assert result.line("GM0014").budget == D("2750.00")  # 3000*0.75 + 2000*0.25
    assert result.line("GM0014").difference == D("-250.00")
    assert result.line("GM1969").budget == D("1250.00")
    assert result.line("GM1969").difference == D("250.00")
    assert result.total_budget == D("4000.00")
    why = [str(m) for m in result.line("GM0014").explanation]
    assert "Phase-in path 2026: 25% by the objective model, 75% by the historical model." in why
    assert "Loss against the historical amount: 250.00." in why


def test_distribution_rounding_by_hand() -> None:
    # three municipalities each exactly half a cent: total 1.5 cents -> 2 (half to even)
    result = distribute(
        2026,
        dict.fromkeys(("GM0003", "GM0001", "GM0002"), "0.00"),
        dict.fromkeys(("GM0003", "GM0001", "GM0002"), "0.01"),
        PhaseInPath(2026, (D(50),)),
    )
    assert [line.budget for line in result.lines] == [D("0.01"), D("0.01"), D("0.00")]
    assert [line.municipality for line in result.lines] == ["GM0001", "GM0002", "GM0003"]


def test_distribution_needs_both_amounts_and_no_negatives() -> None:
    path = PhaseInPath.linear(2026)
    with pytest.raises(FinanceError) as info:
        distribute(2026, {"A": "1.00", "B": "1.00"}, {"A": "1.00"}, path)
    assert info.value.message.params == {"codes": "B"}
    with pytest.raises(FinanceError):
        distribute(2026, {"A": "-1.00"}, {"A": "1.00"}, path)


amounts = st.dictionaries(st.sampled_from(CODES), cents, min_size=1)


@given(
    st.lists(st.tuples(st.sampled_from(CODES), cents, cents), min_size=1, unique_by=lambda t: t[0]),
    st.decimals(0, 100, places=2),
    st.integers(2020, 2040),
)
def test_distribution_properties(rows: list[tuple[str, int, int]], pct: Decimal, year: int) -> None:
    hist = {c: euros(h) for c, h, _ in rows}
    obj = {c: euros(o) for c, _, o in rows}
    path = PhaseInPath(2020, (pct,))
    result = distribute(year, hist, obj, path)
    exact = sum(
        (
            Fraction(to_cents(hist[c]))
            + (to_cents(obj[c]) - to_cents(hist[c])) * Fraction(pct) / 100
            for c in hist
        ),
        Fraction(0),
    )
    assert to_cents(result.total_budget) == round(exact)
    assert sum(line.difference for line in result.lines) == result.total_budget - sum(hist.values())
    if sum(hist.values()) == sum(obj.values()):
        assert result.total_budget == sum(hist.values())  # only the division changes
    at_zero = distribute(year, hist, obj, PhaseInPath(2020, (D(0),)))
    at_full = distribute(year, hist, obj, PhaseInPath(2020, (D(100),)))
    assert {line.municipality: line.budget for line in at_zero.lines} == hist
    assert {line.municipality: line.budget for line in at_full.lines} == obj
    for line in result.lines:
        low, high = sorted((line.historical, line.objective))
        assert low <= line.budget <= high  # a mix of the two, never outside them
    assert distribute_from_dict(result.inputs()).as_dict() == result.as_dict()


# ---------------------------------------------------------------- solidarity fund
def members(*needs: tuple[str, str]) -> list[FundMember]:
    return [FundMember(code, D(need)) for code, need in needs]


def test_fund_by_hand_without_caps() -> None:
    result = settle(
        2026,
        members(("A", "600.00"), ("B", "300.00"), ("C", "100.00")),
        [Payment("Regional BW facilities", D("1000.00"), payee="A")],
    )
    assert [line.contribution for line in result.lines] == [D("600.00"), D("300.00"), D("100.00")]
    assert [line.settlement for line in result.lines] == [D("-400.00"), D("300.00"), D("100.00")]
    assert result.total_settlement == 0
    why = [str(m) for m in result.line("B").explanation]
    assert why[0] == "Key (share of the total budget need): 300.00 of 1000.00 = 30.0000%."
    assert why[-1] == "Settlement: 300.00 - 0.00 - 0.00: pays 300.00."
    assert str(result.line("A").explanation[-1]).endswith("receives 400.00.")


def test_contribution_cap_is_redistributed_by_the_key() -> None:
    result = settle(
        2026,
        [
            FundMember("A", D("6000.00"), population=6),
            FundMember("B", D("250.00"), population=3),
            FundMember("C", D("1000.00"), population=1),
        ],
        [Payment("Regional BW facilities", D("1000.00"), payee="A")],
        FundSettings(FundKey.POPULATION, caps=(Cap(CapKind.CONTRIBUTION, percent=D(100)),)),
    )
    # by population 600/300/100; B may pay at most its need (250); the other 50 goes 6:1
    # to A and C: 642.857.. and 107.142.. -> the missing cent to A (largest remainder)
    assert [line.contribution for line in result.lines] == [D("642.86"), D("250.00"), D("107.14")]
    assert [line.capped for line in result.lines] == [False, True, False]
    assert result.total_contributions == D("1000.00")
    assert any("Capped at 250.00" in str(m) for m in result.line("B").explanation)
    assert any("Plus 42.857143" in str(m) for m in result.line("A").explanation)


def test_caps_too_tight_are_an_error() -> None:
    with pytest.raises(FinanceError) as info:
        settle(
            2026,
            members(("A", "600.00"), ("B", "400.00")),
            [Payment("centre costs", D("500.00"), "A"), Payment("crisis shelter", D("500.00"))],
            FundSettings(caps=(Cap(CapKind.LOSS, percent=D(10)),)),
        )
    assert info.value.message.params == {"caps": D("600.00"), "total": D("1000.00")}


def test_loss_cap_by_hand() -> None:
    result = settle(
        2026,
        members(("A", "600.00"), ("B", "400.00")),
        [Payment("centre costs", D("900.00"), "A"), Payment("crisis shelter", D("100.00"))],
        FundSettings(caps=(Cap(CapKind.LOSS, percent=D(10)),)),
    )
    a, b = result.lines
    assert (a.cap, b.cap) == (D("960.00"), D("40.00"))
    assert (a.contribution, b.contribution) == (D("960.00"), D("40.00"))
    assert (a.net, b.net) == (D("60.00"), D("40.00"))
    assert (a.settlement, b.settlement) == (D("60.00"), D("40.00"))


def test_reserve_and_advances() -> None:
    result = settle(
        2026,
        [
            FundMember("A", D("500.00"), advance=D("400.00")),
            FundMember("B", D("500.00"), advance=D("600.00")),
        ],
        [Payment("provider", D("1000.00"))],
        FundSettings(reserve_rate=D("2.5"), reserve_opening=D("100.00")),
    )
    assert result.reserve_change == D("25.00")
    assert result.reserve_closing == D("125.00")
    assert result.total_contributions == D("1025.00")
    assert [line.settlement for line in result.lines] == [D("112.50"), D("-87.50")]
    assert result.total_settlement + result.total_advances == D("1025.00")


def test_drawing_more_than_the_reserve_is_an_error() -> None:
    with pytest.raises(FinanceError) as info:
        settle(
            2026,
            members(("A", "1.00")),
            [Payment("provider", D("1000.00"))],
            FundSettings(reserve_rate=D(-10), reserve_opening=D("50.00")),
        )
    assert info.value.message.params["draw"] == D("100.00")


def test_other_keys() -> None:
    people = [
        FundMember("A", D("900.00"), objective=D("100.00"), historical=D("0.00"), population=3),
        FundMember("B", D("100.00"), objective=D("300.00"), historical=D("50.00"), population=1),
    ]
    payments = [Payment("provider", D("100.00"))]
    by = {
        key: [line.contribution for line in settle(2026, people, payments, FundSettings(key)).lines]
        for key in FundKey
    }
    assert by[FundKey.BUDGET_NEED] == [D("90.00"), D("10.00")]
    assert by[FundKey.OBJECTIVE] == [D("25.00"), D("75.00")]
    assert by[FundKey.POPULATION] == [D("75.00"), D("25.00")]
    assert by[FundKey.HISTORICAL] == [D("0.00"), D("100.00")]


@pytest.mark.parametrize(
    ("people", "payments", "fragment"),
    [
        ([], [], "no member"),
        ([FundMember("A", D(1)), FundMember("A", D(2))], [], "occurs twice"),
        ([FundMember("A", D(1))], [Payment("x", D(1), "Z")], "not a member"),
        ([FundMember("A", D(0))], [Payment("x", D(1))], "zero for every"),
    ],
)
def test_bad_fund_input(people: list[FundMember], payments: list[Payment], fragment: str) -> None:
    with pytest.raises(FinanceError) as info:
        settle(2026, people, payments)
    assert fragment in str(info.value)


def test_bad_fund_parts() -> None:
    with pytest.raises(FinanceError):
        Cap(CapKind.LOSS)
    with pytest.raises(FinanceError):
        Cap(CapKind.LOSS, percent=D(1), amount=D(1))
    with pytest.raises(FinanceError):
        Payment("refund", D("-1.00"))
    with pytest.raises(FinanceError):
        FundMember("A", D("-1.00"))
    with pytest.raises(FinanceError):
        FundSettings(reserve_rate=D(-101))


fund_members = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.integers(0, 10**10),
        st.integers(0, 10**10),
        st.integers(0, 10**6),
        st.integers(0, 10**9),
    ),
    min_size=1,
    unique_by=lambda t: t[0],
)
fund_payments = st.lists(
    st.tuples(st.integers(0, 10**10), st.one_of(st.just(""), st.sampled_from(CODES))), max_size=6
)
fund_caps = st.lists(
    st.tuples(
        st.sampled_from(list(CapKind)),
        st.one_of(st.decimals(0, 200, places=1), st.integers(0, 10**10)),
    ),
    max_size=2,
)


@settings(max_examples=200)
@given(
    fund_members,
    fund_payments,
    fund_caps,
    st.sampled_from(list(FundKey)),
    st.decimals(-100, 20, places=2),
    st.integers(0, 150),
)
def test_fund_conserves_money_and_respects_caps(
    rows: list[tuple[str, int, int, int, int]],
    pays: list[tuple[int, str]],
    cap_spec: list[tuple[CapKind, Decimal | int]],
    key: FundKey,
    rate: Decimal,
    load: int,
) -> None:
    people = [
        FundMember(code, euros(need), euros(obj), euros(need // 2), population, euros(adv))
        for code, need, obj, population, adv in rows
    ]
    codes_in = {p.municipality for p in people}
    payments = [
        Payment(f"p{n}", euros(amount), payee if payee in codes_in else "")
        for n, (amount, payee) in enumerate(pays)
    ]
    # a payment of ``load`` % of the total budget need, so that caps in % of it often bind
    payments.append(Payment("load", euros(sum(r[1] for r in rows) * load // 100)))
    caps = tuple(
        Cap(kind, percent=value) if isinstance(value, Decimal) else Cap(kind, amount=euros(value))
        for kind, value in cap_spec
    )
    fund_settings = FundSettings(key, caps, rate, reserve_opening=euros(10**10))
    try:
        result, error = settle(2026, people, payments, fund_settings), None
    except FinanceError as raised:
        result, error = None, raised
    if error is not None or result is None:
        assert error is not None
        if error.message.template.startswith("The reserve"):
            event("the reserve is too small for the draw")
            paid_cents = sum(to_cents(p.amount) for p in payments)
            assert 10**10 + round(paid_cents * Fraction(rate) / 100) < 0
            return
        event("caps or key make it impossible")
        assert error.message.template.startswith(
            ("The caps together", "After the caps", "The distribution key is zero")
        )
        return
    event(f"held at a cap: {sum(line.capped for line in result.lines) > 0}")
    paid = sum((p.amount for p in payments), D("0.00"))
    # contributions = payments + reserve change, to the cent
    assert result.total_contributions == paid + result.reserve_change
    # the settlement balances: what municipalities pay on balance (plus advances) is what
    # went to outside parties plus the reserve change
    assert (
        result.total_settlement + result.total_advances
        == result.external_payments + result.reserve_change
    )
    for line in result.lines:
        assert line.contribution >= 0
        if line.cap is not None:
            assert line.contribution <= line.cap
        for cap in caps:
            member = next(p for p in people if p.municipality == line.municipality)
            limit = from_cents(cap.limit(to_cents(member.budget_need)))
            if cap.kind is CapKind.CONTRIBUTION:
                assert line.contribution <= limit
            else:
                assert line.net <= limit
        if not caps:
            assert abs(line.contribution - line.exact) < D("0.01")
    # deterministic: the order of the members does not matter, and the stored inputs
    # reproduce the result exactly
    again = settle(2026, list(reversed(people)), payments, fund_settings)
    assert again.as_dict() == result.as_dict()
    assert settle_from_dict(result.inputs()).as_dict() == result.as_dict()


# ---------------------------------------------------------------- realised costs
def stay(
    start: date,
    end: date | None,
    facility: int = 1,
    product: Product = Product.BW,
    client: int = 1,
    municipality: str = "GM0014",
) -> CostStay:
    return CostStay(client, facility, product, start, end, municipality)


YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def by_month(result_lines: object) -> dict[tuple[str, Stream, date], tuple[int, Decimal]]:
    return {
        (line.municipality, line.stream, line.month): (line.days, line.amount)
        for line in result_lines
    }  # type: ignore[attr-defined]


def test_stay_across_a_tariff_change_and_a_month_boundary() -> None:
    tariffs = [
        Tariff(D("100.00"), valid_until=date(2026, 3, 15), facility_id=1),
        Tariff(D("120.00"), valid_from=date(2026, 3, 16), facility_id=1),
    ]
    result = realised_costs([stay(date(2026, 3, 10), date(2026, 4, 3))], tariffs, *YEAR)
    # March 10-15: 6 days x 100; March 16-31: 16 x 120; April 1-2: 2 x 120 (leaving day free)
    assert by_month(result.lines) == {
        ("GM0014", Stream.BW, date(2026, 3, 1)): (22, D("2520.00")),
        ("GM0014", Stream.BW, date(2026, 4, 1)): (2, D("240.00")),
    }
    assert [(d.price_per_day, d.days) for d in result.details] == [
        (D("100.00"), 6),
        (D("120.00"), 16),
        (D("120.00"), 2),
    ]
    assert result.total == D("2760.00")


def test_facility_tariff_before_product_tariff_and_fallback_to_product() -> None:
    tariffs = [
        Tariff(D("50.00"), product=Product.MO_NIGHT),
        Tariff(
            D("80.00"), valid_from=date(2026, 2, 10), valid_until=date(2026, 2, 19), facility_id=7
        ),
    ]
    result = realised_costs(
        [stay(date(2026, 2, 1), date(2026, 3, 1), facility=7, product=Product.MO_NIGHT)],
        tariffs,
        *YEAR,
    )
    # Feb 1-9 and 20-28 at the product tariff (one line of 18 days), Feb 10-19 at its own
    assert [(d.tariff_source, d.price_per_day, d.days) for d in result.details] == [
        ("product", D("50.00"), 18),
        ("facility", D("80.00"), 10),
    ]
    assert result.total == D("80.00") * 10 + D("50.00") * 18
    assert result.lines[0].stream is Stream.MO


def test_open_stay_runs_to_the_end_of_the_period_and_earlier_days_are_cut() -> None:
    tariffs = [Tariff(D("10.00"), product=Product.BT_INDIVIDUAL)]
    result = realised_costs(
        [stay(date(2025, 12, 30), None, product=Product.BT_INDIVIDUAL)],
        tariffs,
        date(2026, 1, 1),
        date(2026, 2, 28),
    )
    assert by_month(result.lines) == {
        ("GM0014", Stream.BW, date(2026, 1, 1)): (31, D("310.00")),  # BT counts under BW
        ("GM0014", Stream.BW, date(2026, 2, 1)): (28, D("280.00")),
    }


def test_same_day_stays() -> None:
    tariffs = [Tariff(D("100.00"), facility_id=1), Tariff(D("60.00"), facility_id=2)]
    # in and out on the same day: one day
    alone = realised_costs([stay(date(2026, 5, 5), date(2026, 5, 5))], tariffs, *YEAR)
    assert alone.total == D("100.00")
    # placed and transferred on the same day: the receiving facility charges that day
    moved = realised_costs(
        [
            stay(date(2026, 5, 5), date(2026, 5, 5), facility=1),
            stay(date(2026, 5, 5), date(2026, 5, 7), facility=2),
        ],
        tariffs,
        *YEAR,
    )
    assert [(d.facility_id, d.days) for d in moved.details] == [(2, 2)]
    # two same-day stays on one day: the later one counts, once
    twice = realised_costs(
        [
            stay(date(2026, 5, 5), date(2026, 5, 5), facility=1),
            stay(date(2026, 5, 5), date(2026, 5, 5), facility=2),
        ],
        tariffs,
        *YEAR,
    )
    assert [(d.facility_id, d.days) for d in twice.details] == [(2, 1)]
    # a same-day stay at the end of a longer one (exit on the transfer day)
    ended = realised_costs(
        [
            stay(date(2026, 5, 1), date(2026, 5, 5), facility=1),
            stay(date(2026, 5, 5), date(2026, 5, 5), facility=2),
        ],
        tariffs,
        *YEAR,
    )
    assert [(d.facility_id, d.days) for d in ended.details] == [(1, 4), (2, 1)]


def test_costs_go_to_the_responsible_municipality_per_stream() -> None:
    tariffs = [Tariff(D("100.00"), facility_id=1), Tariff(D("40.00"), facility_id=2)]
    result = realised_costs(
        [
            stay(date(2026, 1, 1), date(2026, 1, 11), client=1, municipality="GM1969"),
            stay(date(2026, 1, 1), date(2026, 1, 6), facility=2, product=Product.MO_24H, client=2),
        ],
        tariffs,
        *YEAR,
    )
    assert result.totals("municipality", "stream") == {
        ("GM1969", Stream.BW): D("1000.00"),
        ("GM0014", Stream.MO): D("200.00"),
    }


@pytest.mark.parametrize(
    ("stays", "tariffs", "fragment"),
    [
        ([stay(date(2026, 1, 1), date(2026, 1, 5))], [], "No tariff for facility 1"),
        (
            [stay(date(2026, 1, 1), date(2026, 1, 5))],
            [Tariff(D(1), facility_id=1), Tariff(D(2), date(2026, 1, 3), facility_id=1)],
            "overlap",
        ),
        ([stay(date(2026, 1, 5), date(2026, 1, 1))], [Tariff(D(1), facility_id=1)], "ends"),
        (
            [stay(date(2026, 1, 1), None), stay(date(2026, 2, 1), date(2026, 3, 1), facility=2)],
            [Tariff(D(1), product=Product.BW)],
            "Two stays of one client overlap",
        ),
        (
            [stay(date(2026, 1, 1), None, product=Product.AMBULANT)],
            [Tariff(D(1), facility_id=1)],
            "no places",
        ),
        (
            [stay(date(2026, 1, 1), None, municipality="")],
            [Tariff(D(1), facility_id=1)],
            "municipality",
        ),
    ],
)
def test_bad_cost_input(stays: list[CostStay], tariffs: list[Tariff], fragment: str) -> None:
    with pytest.raises(FinanceError) as info:
        realised_costs(stays, tariffs, *YEAR)
    assert fragment in str(info.value)


def test_bad_tariffs() -> None:
    with pytest.raises(FinanceError):
        Tariff(D("1.00"))
    with pytest.raises(FinanceError):
        Tariff(D("1.00"), facility_id=1, product=Product.BW)
    with pytest.raises(FinanceError):
        Tariff(D("-1.00"), facility_id=1)
    with pytest.raises(FinanceError):
        Tariff(D("1.00"), date(2026, 2, 1), date(2026, 1, 1), facility_id=1)


day_offsets = st.integers(0, 200)


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            day_offsets,
            st.one_of(st.none(), st.integers(0, 60)),
            st.integers(1, 3),
        ),
        max_size=12,
    ),
    st.lists(st.tuples(day_offsets, st.integers(0, 50_000)), min_size=0, max_size=4),
    day_offsets,
    st.integers(0, 120),
)
def test_costs_equal_a_day_by_day_count(
    spec: list[tuple[int, int, int | None, int]],
    changes: list[tuple[int, int]],
    first: int,
    length: int,
) -> None:
    """Against an independent oracle: walk every calendar day of every stay."""
    base = date(2026, 1, 1)
    # per client, consecutive non-overlapping stays (nothing after an open stay)
    stays: list[CostStay] = []
    cursor: dict[int, date | None] = {}
    for client, gap, duration, facility in spec:
        previous_end = cursor.get(client, base)
        if previous_end is None:
            continue
        start = previous_end + timedelta(days=gap % 40)
        end = None if duration is None else start + timedelta(days=duration)
        stays.append(CostStay(client, facility, Product.BW, start, end, f"GM{client:04d}"))
        cursor[client] = end
    # product tariff from the beginning, changing price at some days; facility 3 has its own
    points = sorted({base + timedelta(days=d) for d, _ in changes})
    prices = [D(p) / 100 for _, p in changes][: len(points)]
    tariffs = [
        Tariff(
            D("99.00"),
            None,
            (points[0] - timedelta(days=1)) if points else None,
            product=Product.BW,
        )
    ]
    for n, point in enumerate(points):
        until = points[n + 1] - timedelta(days=1) if n + 1 < len(points) else None
        tariffs.append(Tariff(prices[n].quantize(D("0.01")), point, until, product=Product.BW))
    tariffs.append(
        Tariff(D("7.77"), base + timedelta(days=30), base + timedelta(days=60), facility_id=3)
    )
    period_start = base + timedelta(days=first)
    period_end = period_start + timedelta(days=length)

    def price(facility: int, day: date) -> Decimal:
        own = [t for t in tariffs if t.facility_id == facility and t.covers(day)]
        general = [t for t in tariffs if t.product is Product.BW and t.covers(day)]
        return (own or general)[0].price_per_day

    expected: dict[tuple[str, date], Decimal] = {}
    by_client: dict[int, list[CostStay]] = {}
    for s in stays:
        by_client.setdefault(s.client, []).append(s)
    for own in by_client.values():
        for s in own:
            if s.end is None:
                days = [s.start + timedelta(days=n) for n in range((period_end - s.start).days + 1)]
            elif s.end > s.start:
                days = [s.start + timedelta(days=n) for n in range((s.end - s.start).days)]
            else:
                others = [
                    o
                    for o in own
                    if o is not s and (o.start <= s.start and (o.end is None or s.start < o.end))
                ]
                later_same = [o for o in own[own.index(s) + 1 :] if o.start == o.end == s.start]
                days = [] if others or later_same else [s.start]
            for day in days:
                if period_start <= day <= period_end:
                    key = (s.municipality, day.replace(day=1))
                    expected[key] = expected.get(key, D("0.00")) + price(s.facility_id, day)
    result = realised_costs(stays, tariffs, period_start, period_end)
    got = {(line.municipality, line.month): line.amount for line in result.lines}
    assert got == expected


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(st.sampled_from(CODES), st.integers(1, 10**9), st.integers(1, 10**5)),
        min_size=2,
        unique_by=lambda t: t[0],
    ),
    st.integers(30, 100),
    st.integers(20, 100),
)
def test_caps_hold_and_the_excess_goes_to_the_others_by_the_key(
    rows: list[tuple[str, int, int]], cap_pct: int, load: int
) -> None:
    """Population key against a cap in % of the budget need: some are capped, some not."""
    people = [FundMember(code, euros(need), population=pop) for code, need, pop in rows]
    to_raise = sum(need for _, need, _ in rows) * load // 100
    try:
        result, error = (
            settle(
                2026,
                people,
                [Payment("costs", euros(to_raise))],
                FundSettings(FundKey.POPULATION, (Cap(CapKind.CONTRIBUTION, percent=D(cap_pct)),)),
            ),
            None,
        )
    except FinanceError as raised:
        result, error = None, raised
    if result is None:
        assert error is not None
        event("impossible")
        return
    held = [line for line in result.lines if line.capped]
    free = [line for line in result.lines if not line.capped]
    event(f"some held, some free: {bool(held) and bool(free)}")
    assert result.total_contributions == euros(to_raise)
    for line in held:
        assert line.contribution == line.cap
    for line in free:
        assert line.cap is not None
        assert line.contribution <= line.cap
    # the free ones share what is left in proportion to the key (within a cent each)
    rest = euros(to_raise) - sum((line.contribution for line in held), D("0.00"))
    weight = sum(line.weight for line in free)
    for line in free:
        exact = Fraction(to_cents(rest)) * line.weight / weight
        assert abs(to_cents(line.contribution) - exact) < 1


def test_plain_facility_price_applies_where_no_tariff_does() -> None:
    tariffs = [Tariff(D("70.00"), date(2026, 3, 1), date(2026, 3, 31), product=Product.BT_CLUSTER)]
    result = realised_costs(
        [stay(date(2026, 2, 27), date(2026, 3, 3), facility=5, product=Product.BT_CLUSTER)],
        tariffs,
        *YEAR,
        fallback={5: D("95.00")},
    )
    # Feb 27-28 at the facility's price, March 1-2 at the product tariff
    assert [(d.tariff_source, d.price_per_day, d.days) for d in result.details] == [
        ("price", D("95.00"), 2),
        ("product", D("70.00"), 2),
    ]


# ---------------------------------------------------------------- budget files
@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1234567,89", "1234567.89"),
        ("€ 1.234.567", "1234567.00"),
        ("12,5", "12.50"),
        ("1.000.000", "1000000.00"),
    ],
)
def test_amounts_as_typed_in_dutch_or_english_sheets(text: str, amount: str) -> None:
    assert parse_amount(text) == D(amount)


@given(st.integers(0, 10**13))
def test_dutch_formatting_reads_back_exactly(cents_value: int) -> None:
    euros_, rest = divmod(cents_value, 100)
    dutch = f"{euros_:,}".replace(",", ".") + f",{rest:02d}"
    assert parse_amount(dutch) == from_cents(cents_value)


def test_budget_file_needs_its_columns_and_lines() -> None:
    with pytest.raises(RowErrors) as info:
        parse_budget_rows([["gemeente", "jaar"], ["GM0014", "2026"]], {"GM0014"})
    assert info.value.errors[0].params == {"columns": "stroom, budget"}
    with pytest.raises(RowErrors, match="1 error"):
        parse_budget_rows([["gemeentecode", "jaar", "stroom", "budget"]], {"GM0014"})
    with pytest.raises(RowErrors):
        parse_budget_rows([], {"GM0014"})
    records = parse_budget_rows(
        [
            ["Code", "Year", "Stream", "Historical", "Objective"],
            ["14", "2026", "Beschermd Wonen", "10,00", "20,00"],
            ["", "", "", "", ""],
            ["GM0014", "2026", "MO", "1", "2"],
        ],
        {"GM0014"},
    )
    assert [(r.municipality, r.stream, r.amount, r.historical) for r in records] == [
        ("GM0014", Stream.BW, None, D("10.00")),
        ("GM0014", Stream.MO, None, D("1.00")),
    ]

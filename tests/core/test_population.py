from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core.errors import RowErrors
from doorstroom.core.population import parse_statline_csv

KNOWN = {"GM0014", "GM1969", "GM0718"}
HEADER = (
    '"ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";"BevolkingOp1Januari_1"\n'
)


def row(i: int, region: str, period: str, value: str, sex: str = "T001038") -> str:
    return f'"{i}";"{sex}";"10000";"T001019";"{region:<10}";"{period}";"{value}"\n'


def test_raw_statline_export_is_read() -> None:
    text = (
        HEADER
        + row(0, "NL01", "2024JJ00", "17942942")
        + row(1, "GM0014", "2024JJ00", "243768")
        + row(2, "GM0014", "2024JJ00", "120000", sex="3000")
        + row(3, "GM1969", "2023JJ00", "65000")
    )
    result = parse_statline_csv(text, KNOWN)
    assert {(r.municipality_code, r.year, r.population) for r in result.records} == {
        ("GM0014", 2024, 243768),
        ("GM1969", 2023, 65000),
    }
    assert result.skipped_rows == 2  # the country total and the men-only row


def test_simple_comma_separated_file_is_read() -> None:
    text = "RegioS,Perioden,Bevolking\nGM0014,2025,245000\n"
    assert parse_statline_csv(text, KNOWN).records[0].population == 245000


def test_every_bad_row_is_listed_with_its_line() -> None:
    text = (
        HEADER
        + row(0, "GM9999", "2024JJ00", "100")  # line 2: unknown code
        + row(1, "GM0014", "2024JJ00", "-5")  # line 3: negative
        + row(2, "GM1969", "2024JJ00", "60000")  # line 4: fine
        + row(3, "GM1969", "2024JJ00", "61000")  # line 5: duplicate of line 4
        + row(4, "GM0718", "2024XX", "1")  # line 6: unreadable period
        + row(5, "GM0718", "2023JJ00", ".")  # line 7: missing
        + row(6, "GM0718", "2022JJ00", "12,5")  # line 8: not a whole number
    )
    with pytest.raises(RowErrors) as info:
        parse_statline_csv(text, KNOWN)
    by_line = {e.line: e for e in info.value.errors}
    assert sorted(by_line) == [2, 3, 5, 6, 7, 8]
    assert by_line[2].params == {"code": "GM9999"}
    assert by_line[5].params["other"] == 4
    assert "negative" in str(by_line[3])


def test_missing_columns_are_reported_for_the_file() -> None:
    with pytest.raises(RowErrors) as info:
        parse_statline_csv("Gemeente;Aantal\nGroningen;5\n", KNOWN)
    assert info.value.errors[0].line == 1


def test_empty_file() -> None:
    with pytest.raises(RowErrors):
        parse_statline_csv("", KNOWN)


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(KNOWN)), st.integers(2000, 2030), st.integers(-10, 10**6)),
        max_size=15,
    )
)
def test_valid_iff_no_negatives_and_no_duplicates(rows: list[tuple[str, int, int]]) -> None:
    text = "RegioS;Perioden;Bevolking\n" + "".join(f"{c};{y}JJ00;{v}\n" for c, y, v in rows)
    keys = [(c, y) for c, y, _ in rows]
    should_pass = bool(rows) and all(v >= 0 for *_, v in rows) and len(set(keys)) == len(keys)
    try:
        result = parse_statline_csv(text, KNOWN)
    except RowErrors:
        assert not should_pass
    else:
        assert should_pass
        assert sorted(
            (r.municipality_code, r.year, r.population) for r in result.records
        ) == sorted(rows)

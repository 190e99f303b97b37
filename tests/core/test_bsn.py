from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from doorstroom.core import bsn

digits9 = st.text(alphabet="0123456789", min_size=9, max_size=9)


def weighted_sum(digits: str) -> int:
    return sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True))


valid_bsns = st.builds(
    lambda p: bsn.make_valid(p), st.text(alphabet="0123456789", min_size=8, max_size=8)
).filter(lambda b: b is not None)


@pytest.mark.parametrize("number", ["111222333", "123456782", "999999990"])
def test_known_valid_numbers(number: str) -> None:
    assert bsn.is_valid(number)
    assert bsn.validate(number) == number


@pytest.mark.parametrize("number", ["123456789", "111111111", "000000001"])
def test_known_invalid_numbers(number: str) -> None:
    assert not bsn.is_valid(number)


def test_all_zeros_passes_the_sum_but_is_rejected() -> None:
    assert bsn.elfproef("000000000")
    assert not bsn.is_valid("000000000")
    with pytest.raises(bsn.InvalidBSN) as info:
        bsn.validate("000000000")
    assert "000000000" in str(info.value.message)  # the message names the rule, not a real BSN


@given(digits9)
def test_elfproef_is_the_weighted_sum_rule(digits: str) -> None:
    assert bsn.elfproef(digits) == (weighted_sum(digits) % 11 == 0)


@given(valid_bsns, st.integers(0, 8), st.integers(1, 9))
def test_every_single_digit_error_is_detected(number: str, position: int, delta: int) -> None:
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not bsn.is_valid(changed)


@given(valid_bsns, st.integers(0, 7))
def test_every_swap_of_adjacent_different_digits_is_detected(number: str, position: int) -> None:
    assume(number[position] != number[position + 1])
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert not bsn.is_valid(swapped)


@given(valid_bsns)
def test_formatting_is_normalised(number: str) -> None:
    assert bsn.validate(f"{number[:4]}.{number[4:6]}.{number[6:]}") == number
    assert bsn.validate(f" {number[:3]} {number[3:6]} {number[6:]} ") == number


def test_eight_digits_get_a_leading_zero() -> None:
    assert bsn.normalise("11222333") == "011222333"


@pytest.mark.parametrize("value", ["", "12345678a", "1234567890", "١٢٣٤٥٦٧٨٢"])
def test_non_bsn_input_is_refused_with_a_message_that_does_not_echo_it(value: str) -> None:
    with pytest.raises(bsn.InvalidBSN) as info:
        bsn.validate(value)
    if value:
        assert value not in str(info.value)


@given(valid_bsns)
def test_digest_is_keyed(number: str) -> None:
    a = bsn.bsn_digest(number, b"key-a")
    assert a == bsn.bsn_digest(number, b"key-a")
    assert a != bsn.bsn_digest(number, b"key-b")
    assert number not in a


@given(valid_bsns, st.text(max_size=30), st.text(max_size=30))
def test_redact_removes_every_valid_bsn_from_text(number: str, before: str, after: str) -> None:
    text = f"{before} {number} {after}"
    assert number not in bsn.redact(text)


@given(digits9)
def test_redact_keeps_nine_digit_numbers_that_are_not_bsns(digits: str) -> None:
    assume(not bsn.is_valid(digits))
    assert bsn.redact(f"bedrag {digits} euro") == f"bedrag {digits} euro"


def test_mask_shows_only_the_last_three_digits() -> None:
    assert bsn.mask("111222333") == "******333"

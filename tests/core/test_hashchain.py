from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core import hashchain

KEY = b"k"


def build(payloads: list[str]) -> list[hashchain.ChainEntry]:
    entries = []
    previous = hashchain.GENESIS
    for n, payload in enumerate(payloads, start=1):
        fields = {"sequence": n, "what": payload}
        digest = hashchain.link(KEY, previous, fields)
        entries.append(hashchain.ChainEntry(n, previous, digest, fields))
        previous = digest
    return entries


payloads = st.lists(st.text(max_size=20), min_size=1, max_size=30)


@given(payloads)
def test_an_intact_chain_verifies(items: list[str]) -> None:
    entries = build(items)
    result = hashchain.verify(
        KEY, entries, head_sequence=len(entries), head_hash=entries[-1].entry_hash
    )
    assert result.ok
    assert result.checked == len(entries)


@given(payloads, st.data())
def test_editing_any_entry_is_detected(items: list[str], data: st.DataObject) -> None:
    entries = build(items)
    i = data.draw(st.integers(0, len(entries) - 1))
    new_value = data.draw(st.text(max_size=20).filter(lambda v: v != items[i]))
    entries[i] = replace(entries[i], fields={**entries[i].fields, "what": new_value})
    assert not hashchain.verify(KEY, entries, head_sequence=len(entries)).ok


@given(payloads.filter(lambda p: len(p) >= 2), st.data())
def test_deleting_any_entry_is_detected(items: list[str], data: st.DataObject) -> None:
    entries = build(items)
    head = (len(entries), entries[-1].entry_hash)
    i = data.draw(st.integers(0, len(entries) - 1))
    del entries[i]
    assert not hashchain.verify(KEY, entries, head_sequence=head[0], head_hash=head[1]).ok


@given(payloads.filter(lambda p: len(p) >= 2), st.data())
def test_reordering_is_detected(items: list[str], data: st.DataObject) -> None:
    entries = build(items)
    i = data.draw(st.integers(0, len(entries) - 2))
    entries[i], entries[i + 1] = entries[i + 1], entries[i]
    assert not hashchain.verify(KEY, entries).ok


def test_a_forged_chain_without_the_key_is_detected() -> None:
    entries = build(["a", "b"])
    forged_fields = {"sequence": 2, "what": "forged"}
    forged_hash = hashchain.link(b"wrong key", entries[0].entry_hash, forged_fields)
    entries[1] = hashchain.ChainEntry(2, entries[0].entry_hash, forged_hash, forged_fields)
    result = hashchain.verify(KEY, entries, head_sequence=2, head_hash=forged_hash)
    assert [p.sequence for p in result.problems] == [2]


def test_truncating_the_tail_is_detected_by_the_head() -> None:
    entries = build(["a", "b", "c"])
    head = (3, entries[-1].entry_hash)
    assert hashchain.verify(KEY, entries[:2]).ok  # without the head it looks fine
    result = hashchain.verify(KEY, entries[:2], head_sequence=head[0], head_hash=head[1])
    assert not result.ok

"""Segments at every boundary: GSM-7 160/161 and 153-character parts, the extension
table counting 2, UCS-2 70/71 and 67-unit parts, emoji as two units."""

from __future__ import annotations

import pytest

from callcenter.domain.segments import GSM7, UCS2, gsm7_units, segment, ucs2_units


@pytest.mark.parametrize(("length", "segments"), [
    (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4),
])
def test_gsm7_is_one_segment_up_to_160_then_parts_of_153(length, segments):
    result = segment("a" * length)
    assert (result.encoding, result.units, result.segments) == (GSM7, length, segments)


@pytest.mark.parametrize("char", list("€[]{}~^|\\") + ["\f"])
def test_extension_table_characters_count_two(char):
    assert gsm7_units(char) == 2
    assert segment("a" * 158 + char).segments == 1  # 160 units
    assert segment("a" * 159 + char).segments == 2  # 161 units
    assert segment(char * 80).units == 160 and segment(char * 80).segments == 1


def test_euro_and_bracket_push_a_message_over_a_part_boundary():
    assert segment("a" * 151 + "€" + "a" * 153).units == 306
    assert segment("a" * 151 + "€" + "a" * 153).segments == 2
    assert segment("a" * 152 + "[" + "a" * 153).segments == 3  # 307 units


def test_the_basic_set_includes_its_accented_and_greek_letters():
    text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r"
    assert segment(text).encoding == GSM7
    assert segment(text).units == len(text)


@pytest.mark.parametrize("text", ["é", "a" * 100 + "ç", "Olá", "`", "naïve"])
def test_anything_outside_the_alphabet_is_ucs2(text):
    # ç (lower case), á, ` and ï are not in GSM 03.38: the whole text becomes UCS-2.
    assert segment(text).encoding == (GSM7 if text == "é" else UCS2)


@pytest.mark.parametrize(("length", "segments"), [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
])
def test_chinese_is_ucs2_one_segment_up_to_70_then_parts_of_67(length, segments):
    result = segment("好" * length)
    assert (result.encoding, result.units, result.segments) == (UCS2, length, segments)


def test_an_emoji_is_two_utf16_units():
    assert ucs2_units("😀") == 2
    assert segment("😀" * 35).segments == 1  # 70 units
    assert segment("😀" * 35 + "a").segments == 2  # 71 units
    assert segment("a" * 68 + "😀").units == 70 and segment("a" * 68 + "😀").segments == 1
    assert segment("a" * 69 + "😀").segments == 2


def test_one_chinese_character_turns_a_latin_message_into_ucs2():
    assert segment("a" * 70 + "好").segments == 2
    assert segment("a" * 69 + "好").segments == 1


def test_empty_text_is_no_segment():
    assert segment("").segments == 0

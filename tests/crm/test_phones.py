import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from crm.phones import format_phone, normalize_phone, try_normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(415) 555-0142",
        "415-555-0142",
        "415.555.0142",
        "4155550142",
        "+1 415 555 0142",
        "1 (415) 555-0142",
        "  +14155550142 ",
    ],
)
def test_local_and_international_formats_normalize_to_e164(typed):
    assert normalize_phone(typed) == "+14155550142"


def test_foreign_number_keeps_its_country():
    assert normalize_phone("+44 20 7946 0123") == "+442079460123"


def test_region_decides_numbers_without_country_code():
    assert normalize_phone("020 7946 0123", region="GB") == "+442079460123"


@pytest.mark.parametrize("typed", ["", "   ", "hello", "123", "+1 415 555", "+999 1234567"])
def test_invalid_numbers_are_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert error.value.messages[0]


def test_absurdly_long_input_is_refused():
    with pytest.raises(ValidationError, match="too long"):
        normalize_phone("1" * 41)


def test_format_phone_is_national_at_home_and_international_abroad():
    assert format_phone("+14155550142") == "(415) 555-0142"
    assert format_phone("+442079460123") == "+44 20 7946 0123"


@given(st.text(max_size=60))
def test_any_text_either_normalizes_to_e164_or_is_refused(text):
    result = try_normalize_phone(text)
    assert result is None or (result.startswith("+") and result[1:].isdigit() and len(result) <= 16)


@pytest.mark.parametrize(
    "typed", ["+1 (415) 555-2026 ext. 9", "415-555-2026 x9", "4155552026;ext=9"]
)
def test_a_number_with_an_extension_is_refused_not_cut(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "extensions cannot be dialled" in error.value.messages[0]
    assert try_normalize_phone(typed) is None

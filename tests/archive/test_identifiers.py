"""ISBN (check digits by python-stdnum) and GPN (10 digits, no invented check rule)."""
import pytest

from qms.archive.identifiers import IdentifierError, format_isbn, parse_gpn, parse_isbn


def test_the_digests_isbn_is_valid_and_normalized():
    parsed = parse_isbn("978-986-02-7092-1")
    assert parsed.isbn13 == "9789860270921" and parsed.isbn10 is None
    assert format_isbn(parsed.isbn13) == "978-986-02-7092-1"


@pytest.mark.parametrize("value", ["978-986-02-7092-2", "9789860270920", "0-306-40615-3"])
def test_a_wrong_check_digit_is_refused(value):
    with pytest.raises(IdentifierError, match="isbn_check"):
        parse_isbn(value)


def test_isbn10_is_kept_and_shown_with_its_isbn13():
    # 0-306-40615-2: the textbook ISBN-10; its ISBN-13 computed by hand:
    # 978030640615 -> 9+21+8+0+3+0+6+12+0+18+1+15 = 93 -> check 7
    parsed = parse_isbn("0 306 40615 2")
    assert parsed.isbn10 == "0306406152" and parsed.isbn13 == "9780306406157"
    assert parse_isbn("080442957X").isbn10 == "080442957X"


@pytest.mark.parametrize("value,code", [("12345", "isbn_length"), ("97898602709211", "isbn_length"),
                                        ("978-986-O2-7092-1", "isbn_chars")])
def test_malformed_isbns_say_why(value, code):
    with pytest.raises(IdentifierError, match=code):
        parse_isbn(value)


def test_gpn_is_ten_digits_without_a_check_rule():
    assert parse_gpn("3810000238") == "3810000238"
    assert parse_gpn("381-000-0238") == "3810000238"
    assert parse_gpn("3810000239") == "3810000239"  # no check digit is published, so none is enforced
    for bad in ("381000023", "38100002380", "38100002X8", ""):
        with pytest.raises(IdentifierError):
            parse_gpn(bad)

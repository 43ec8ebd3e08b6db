from clinicians.models import AGE_BANDS, FORMATS
from matching import vocab


def codes(choices) -> set[str]:
    return {code for code, _label in choices}


def test_it_asks_for_age_bands_and_formats_clinicians_are_described_by():
    assert codes(vocab.CLIENT_AGE_BANDS) <= codes(AGE_BANDS)
    assert codes(vocab.CLIENT_FORMATS) - {"either"} == codes(FORMATS)


def test_it_spells_the_answer_that_needs_no_call_once():
    assert vocab.SAFETY[0][0] == vocab.SAFETY_NOT_AT_ALL

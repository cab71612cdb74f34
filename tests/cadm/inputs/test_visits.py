"""VisitInput: one parser for a visit's examination, at and around each edge."""

import datetime as dt
from decimal import Decimal as D

import pytest

from cadm.inputs import Context, InputInvalid, VisitInput

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)


def parse(confirmed=False, **raw):
    raw.setdefault("visit_on", "2026-01-01")
    return VisitInput.parse(raw, context=Context(today=TODAY, birth_date=BIRTH,
                                                 confirmed=confirmed))


def refusal(confirmed=False, **raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        parse(confirmed, **raw)
    return caught.value.message_dict


@pytest.mark.parametrize(("day", "ok"), [("1980-03-02", False), ("1980-03-03", True),
                                         ("2026-06-01", True), ("2026-06-02", False)])
def test_visit_date_edges(day, ok):
    if ok:
        assert parse(visit_on=day).visit_on.isoformat() == day
    else:
        assert list(refusal(visit_on=day)) == ["visit_on"]


@pytest.mark.parametrize(("mmt8", "ok"), [("-1", False), ("0", True), ("80", True),
                                          ("81", False)])
def test_mmt8_edges(mmt8, ok):
    if ok:
        assert parse(mmt8=mmt8).mmt8 == int(mmt8)
    else:
        assert refusal(mmt8=mmt8, confirmed=True)["mmt8"][0].startswith("MMT-8")


def test_weight_hard_and_soft_edges():
    assert parse(weight_kg="70").weight_kg == D("70")
    assert "weight_kg" in refusal(weight_kg="0.5", confirmed=True)
    assert "weight_kg" in refusal(weight_kg="abc")


def test_codes_come_from_their_vocabulary():
    assert parse(skin=["heliotrope"]).skin == ("heliotrope",)
    assert refusal(skin=["no-such-sign"])["skin"][0].startswith("Skin findings:")
    assert "assessed" in refusal(assessed=["weight"])  # weight is measured, not ticked


def test_skin_only_and_partial_parse_only_their_fields():
    visit = VisitInput.parse({"visit_on": "2026-01-01", "skin": ["heliotrope"], "mmt8": "900"},
                             context=Context(today=TODAY), skin_only=True)
    assert visit.given == {"visit_on", "skin", "notes"} and visit.mmt8 is None
    assert VisitInput.parse({"notes": "x"}, context=Context(today=TODAY),
                            partial=True).visit_data() == {"notes": "x"}

"""The pay arithmetic and the settings' validation: pure functions, no app."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from annotator.core import pay
from annotator.core.schemas.pay import KINDS, MAX_LINES, PaySettings

DEFAULTS_FILE = Path(pay.__file__).parents[1] / "data" / "pay_defaults.json"


@pytest.fixture
def defaults() -> dict:
    return pay.load_defaults()


def settings(raw) -> dict:
    """The settings as the API stores them."""
    return PaySettings.model_validate(raw).as_stored()


def fields_at_fault(error: ValidationError) -> list[str]:
    """Each fault's field as the API's envelope names it: dotted, list indexes in brackets."""
    return ["".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in fault["loc"]).lstrip(".")
            for fault in error.errors()]


def test_the_shipped_defaults_validate_and_every_figure_has_a_source_and_year(defaults):
    assert defaults == settings(json.loads(DEFAULTS_FILE.read_text(encoding="utf-8")))
    figures = [*defaults["pay_models"].values(), *defaults["reference_lines"]]
    assert all(figure["source"] and figure["year"] for figure in figures)
    assert {line["kind"] for line in defaults["reference_lines"]} == set(KINDS)
    assert defaults["exchange_rates"]["date"] and defaults["exchange_rates"]["source"]


def test_the_defaults_carry_the_published_figures(defaults):
    lines = {line["id"]: line for line in defaults["reference_lines"]}
    assert (lines["us-federal-minimum"]["value"], lines["us-federal-minimum"]["year"]) == (7.25, 2009)
    assert (lines["uk-national-living-wage-2025"]["value"], lines["uk-national-living-wage-2025"]["currency"]) == (
        12.21, "GBP")
    assert lines["de-mindestlohn-2026"]["value"] == 13.9
    kenya = lines["ke-nairobi-general-labourer-2024"]
    assert (kenya["value"], kenya["per"], kenya["hours"]) == (16113.75, "month", 225)
    assert "225" in kenya["derivation"] and "assumption" in kenya["derivation"]
    assert lines["time-sama-kenya-lower"]["confidence"] == "secondary"
    assert defaults["pay_models"]["per_polygon"]["value"] == 0.01


def test_to_usd_uses_the_dated_table_and_refuses_unknown_currencies(defaults):
    table = defaults["exchange_rates"]
    assert pay.to_usd(10, "USD", table) == 10
    assert pay.to_usd(10, "EUR", table) == pytest.approx(10 * table["usd_per_unit"]["EUR"])
    assert pay.to_usd(10, "EUR", table["usd_per_unit"]) == pay.to_usd(10, "EUR", table)
    with pytest.raises(KeyError):
        pay.to_usd(1, "VES", table)


def test_piece_rates_pay_per_unit_and_the_hourly_wage_follows_from_the_time():
    model = {"unit": "polygon", "value": 0.01, "currency": "USD", "source": "s", "year": 2008,
             "confidence": "approximate"}
    # One COCO polygon takes about 79 s; 45.57 polygons an hour at a cent each.
    result = pay.earnings(model, active_ms=79_000 * 10, polygons=10, images=1)
    assert result["amount"] == pytest.approx(0.10)
    assert result["effective_hourly"] == pytest.approx(0.10 / (790 / 3600))
    assert (result["source"], result["year"]) == ("s", 2008)


def test_per_image_and_hourly_models():
    per_image = {"unit": "image", "value": 0.5, "currency": "USD"}
    assert pay.earnings(per_image, 3_600_000, polygons=40, images=2)["amount"] == 1.0
    hourly = {"unit": "hour", "value": 7.25, "currency": "USD"}
    result = pay.earnings(hourly, 1.5 * 3_600_000, polygons=0, images=1)
    # docs/labour_figures.md's worked example: a Cityscapes-grade image (1.5 h) at $7.25/h earns $10.88.
    assert round(result["amount"], 2) == 10.88 and result["effective_hourly"] == pytest.approx(7.25)


def test_without_measured_time_there_is_no_hourly_wage(defaults):
    result = pay.earnings(defaults["pay_models"]["per_polygon"], 0, polygons=3, images=1,
                          rates=defaults["exchange_rates"])
    assert result["amount"] == pytest.approx(0.03)
    assert result["effective_hourly"] is None and result["effective_hourly_usd"] is None


def test_earnings_converts_to_usd_when_given_rates(defaults):
    model = {"unit": "hour", "value": 12.82, "currency": "EUR"}
    result = pay.earnings(model, 3_600_000, 0, 0, rates=defaults["exchange_rates"])
    assert result["effective_hourly_usd"] == pytest.approx(12.82 * defaults["exchange_rates"]["usd_per_unit"]["EUR"])


@pytest.mark.parametrize("bad", [{"active_ms": -1}, {"polygons": math.nan}, {"images": True}])
def test_earnings_refuses_negative_or_non_numbers(bad):
    args = {"active_ms": 1000, "polygons": 1, "images": 1, **bad}
    with pytest.raises(ValueError, match=next(iter(bad))):
        pay.earnings({"unit": "polygon", "value": 1, "currency": "USD"}, **args)


@given(rate=st.floats(0, 1000), polygons=st.integers(0, 10_000), images=st.integers(0, 1000),
       unit=st.sampled_from(["polygon", "image", "hour"]), active_ms=st.floats(1, 1e9), factor=st.floats(1.01, 100))
def test_the_effective_wage_is_never_negative_and_falls_as_the_same_pay_takes_longer(rate, polygons, images, unit,
                                                                                       active_ms, factor):
    model = {"unit": unit, "value": rate, "currency": "USD"}
    quick = pay.earnings(model, active_ms, polygons, images)["effective_hourly"]
    slow = pay.earnings(model, active_ms * factor, polygons, images)["effective_hourly"]
    assert quick >= 0 and slow >= 0
    if unit == "hour":  # an hourly rate pays the time: the wage is the rate however long it takes
        assert quick == pytest.approx(rate) and slow == pytest.approx(rate)
    else:  # a piece rate pays the same amount: the wage scales as 1 / time
        assert slow == pytest.approx(quick / factor, rel=1e-9, abs=1e-12)


def broken(defaults: dict, path: str, value) -> dict:
    """A copy of the defaults with one field (dotted path, list indexes as numbers) set, or removed if DELETE."""
    settings = copy.deepcopy(defaults)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = settings
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return settings


DELETE = object()


@pytest.mark.parametrize(("path", "value", "named"), [
    ("pay_models.per_polygon.value", -0.01, "pay_models.per_polygon.value"),
    ("pay_models.per_polygon.value", math.inf, "pay_models.per_polygon.value"),
    ("pay_models.per_polygon.value", math.nan, "pay_models.per_polygon.value"),
    ("pay_models.per_polygon.value", "0.01", "pay_models.per_polygon.value"),
    ("pay_models.hourly.currency", "XYZ", "pay_models.hourly.currency"),
    ("pay_models.hourly.unit", "polygon", "pay_models.hourly.unit"),
    ("pay_models.per_image", DELETE, "pay_models.per_image"),
    ("reference_lines.0.source", "", "reference_lines[0].source"),
    ("reference_lines.0.source", DELETE, "reference_lines[0].source"),
    ("reference_lines.1.year", DELETE, "reference_lines[1].year"),
    ("reference_lines.1.year", "2025", "reference_lines[1].year"),
    ("reference_lines.2.confidence", "NOT VERIFIED", "reference_lines[2].confidence"),
    ("reference_lines.2.kind", "wish", "reference_lines[2].kind"),
    ("reference_lines.3.value", 0, "reference_lines[3].value"),
    ("reference_lines.3.currency", "VES", "reference_lines[3].currency"),
    ("reference_lines.3.label", "x" * 1000, "reference_lines[3].label"),
    ("reference_lines.3.extra", 1, "reference_lines[3].extra"),
    ("reference_lines.5.hours", DELETE, "reference_lines[5].hours"),
    ("reference_lines.5.derivation", DELETE, "reference_lines[5].derivation"),
    ("reference_lines.1.id", "us-federal-minimum", "reference_lines[1].id"),
    ("exchange_rates.date", "June 2025", "exchange_rates.date"),
    ("exchange_rates.usd_per_unit.EUR", 0, "exchange_rates.usd_per_unit.EUR"),
    ("exchange_rates.usd_per_unit.USD", 2, "exchange_rates.usd_per_unit.USD"),
    ("exchange_rates.base", "EUR", "exchange_rates.base"),
    ("model", "per_smile", "model"),
    ("notes", "not a list", "notes"),
    ("surprise", 1, "surprise"),
])
def test_invalid_settings_name_the_field(defaults, path, value, named):
    with pytest.raises(ValidationError) as error:
        settings(broken(defaults, path, value))
    assert fields_at_fault(error.value) == [named]


def test_at_most_40_reference_lines(defaults):
    line = defaults["reference_lines"][0]
    lines = [{**line, "id": f"line-{index}"} for index in range(MAX_LINES + 1)]
    with pytest.raises(ValidationError, match="at most 40 items") as error:
        settings({**defaults, "reference_lines": lines})
    assert fields_at_fault(error.value) == ["reference_lines"]
    assert len(settings({**defaults, "reference_lines": lines[:40]})["reference_lines"]) == 40


def test_a_new_currency_is_usable_once_it_is_in_the_table(defaults):
    changed = broken(defaults, "exchange_rates.usd_per_unit.COP", 0.00024)
    changed["pay_models"]["hourly"]["currency"] = "COP"
    assert settings(changed)["pay_models"]["hourly"]["currency"] == "COP"


def test_text_is_trimmed_and_a_non_object_is_refused(defaults):
    changed = broken(defaults, "reference_lines.0.label", "  US minimum  ")
    assert settings(changed)["reference_lines"][0]["label"] == "US minimum"
    with pytest.raises(ValidationError) as error:
        settings([])
    assert error.value.errors()[0]["type"] == "model_type"


def test_a_daily_wage_keeps_its_hours_and_an_hourly_one_drops_them(defaults):
    lines = {line["per"]: line for line in defaults["reference_lines"]}
    hourly = {**lines["hour"], "hours": 1}
    assert "hours" not in settings({**defaults, "reference_lines": [hourly]})["reference_lines"][0]
    assert settings({**defaults, "reference_lines": [lines["month"]]})["reference_lines"][0]["hours"] > 0


def test_blank_optional_text_is_left_out_and_only_spaces_refused(defaults):
    assert "note" not in settings(broken(defaults, "pay_models.hourly.note", ""))["pay_models"]["hourly"]
    with pytest.raises(ValidationError) as error:
        settings(broken(defaults, "pay_models.hourly.note", "   "))
    assert fields_at_fault(error.value) == ["pay_models.hourly.note"]


def test_work_split_keeps_labour_spent_apart_from_the_work_that_would_be_paid():
    report = {"totals": {"active_ms": 600_000.0},
              "polygons": [{"image_id": 1, "total_ms": 200_000.0, "deleted": False, "closed": True},
                           {"image_id": 1, "total_ms": 100_000.0, "deleted": True, "closed": True},
                           {"image_id": 2, "total_ms": 150_000.0, "deleted": False, "closed": True}],
              "cancelled": [{"total_ms": 50_000.0, "closed": False}],
              "images": [{"image_id": 1}, {"image_id": 2}, {"image_id": 3}]}
    split = pay.work_split(report)
    assert split == {"spent": {"active_ms": 600_000.0, "outlines": 3, "deleted": 1, "cancelled": 1,
                               "cancelled_ms": 50_000.0, "unpaid_ms": 150_000.0, "images": 3},
                     "paid": {"polygons": 2, "images": 2, "polygons_ms": 350_000.0}}
    per_polygon = pay.pay_for({"unit": "polygon", "value": 0.5, "currency": "USD"}, split)
    assert per_polygon["amount"] == 1.0 and per_polygon["effective_hourly"] == pytest.approx(6.0)
    hourly = pay.pay_for({"unit": "hour", "value": 6.0, "currency": "USD"}, split)
    assert hourly["amount"] == pytest.approx(1.0) and "deleted and cancelled work included" in hourly["pays"]

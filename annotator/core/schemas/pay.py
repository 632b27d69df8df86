"""The pay settings (pay models, reference wages, the dated exchange-rate table), as the instructor sends them,
as they are stored, and as the shipped defaults (annotator/data/pay_defaults.json) are read.

Every figure needs its source, year and confidence: a pay figure without provenance invites being made up, and
what is stored is shown to every participant. Rows a reference marks NOT VERIFIED are never accepted: only the
three confidence levels are. A fault of shape (a missing field, a number out of range) is answered as any other
request's (422 "invalid request"); a fault only the data's meaning shows (a currency missing from the rate
table, blank text, a daily wage without its hours) as 422 "invalid pay settings", each naming its field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from annotator.core.schemas.common import refused, refused_at

MODELS = ("per_polygon", "per_image", "hourly")
MODEL_UNITS = {"per_polygon": "polygon", "per_image": "image", "hourly": "hour"}
CONFIDENCE = ("exact", "approximate", "secondary")
KINDS = ("minimum wage", "living wage", "micro-task earnings")
PERIODS = ("hour", "day", "week", "month")
MAX_LINES = 40
MAX_CURRENCIES = 40
MAX_NOTES = 20
MAX_LABEL = 160
MAX_SOURCE = 500
MAX_TEXT = 500
MAX_ID = 64
MAX_VALUE = 1e12
MIN_YEAR, MAX_YEAR = 1900, 2100
MEANING = "invalid pay settings"


def _trimmed(text: str) -> str:
    if not text.strip():
        raise refused("required", MEANING)
    return text.strip()


def _trimmed_or_absent(text: str) -> str | None:
    return None if text == "" else _trimmed(text)  # "" is left out; only spaces is a blank answer


Amount = Annotated[float, Field(ge=0, le=MAX_VALUE, allow_inf_nan=False)]
PositiveAmount = Annotated[float, Field(gt=0, le=MAX_VALUE, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, listed in exchange_rates")]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Confidence = Literal[CONFIDENCE]  # type: ignore[valid-type]
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL), AfterValidator(_trimmed)]
Source = Annotated[str, Field(min_length=1, max_length=MAX_SOURCE), AfterValidator(_trimmed)]
Note = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_trimmed)]
OptionalNote = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_trimmed_or_absent)]


class PayShape(BaseModel):
    # strict: "12" is not a wage; forbid: the settings are stored whole, and a field nobody knows is refused
    # rather than kept.
    model_config = ConfigDict(strict=True, extra="forbid")


class PayModel(PayShape):
    label: Label
    value: Amount
    currency: Currency
    unit: Literal[tuple(MODEL_UNITS.values())] = Field(  # type: ignore[valid-type]
        description="polygon, image or hour: the one its pay model is named after")
    source: Source
    year: Year
    confidence: Confidence
    derivation: OptionalNote | None = None
    note: OptionalNote | None = None


class PayModels(PayShape):
    per_polygon: PayModel
    per_image: PayModel
    hourly: PayModel

    @model_validator(mode="after")
    def _each_pays_its_own_unit(self) -> PayModels:
        for name, unit in MODEL_UNITS.items():
            if getattr(self, name).unit != unit:
                raise refused_at((name, "unit"), getattr(self, name).unit, f"must be {unit!r}", MEANING)
        return self


class ReferenceLine(PayShape):
    id: str = Field(min_length=1, max_length=MAX_ID, pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Label
    value: PositiveAmount
    currency: Currency
    per: Literal[PERIODS]  # type: ignore[valid-type]
    hours: PositiveAmount | None = Field(default=None, description="working hours in one `per`; required unless "
                                                                   "per is hour (then 1 or left out)")
    source: Source
    year: Year
    confidence: Confidence
    kind: Literal[KINDS]  # type: ignore[valid-type]
    derivation: OptionalNote | None = Field(default=None, description="how the hourly figure is made; required "
                                                                      "unless per is hour")
    note: OptionalNote | None = None

    @model_validator(mode="after")
    def _hourly_through_stated_hours(self) -> ReferenceLine:
        """A daily or monthly wage is only hourly through a stated number of hours, and the line says how."""
        if self.per == "hour":
            if self.hours is not None and self.hours != 1:
                raise refused_at(("hours",), self.hours, "must be 1 (or left out) when per is 'hour'", MEANING)
            self.hours = None
        elif self.hours is None:
            raise refused_at(("hours",), None, f"required when per is {self.per!r}: the working hours in one "
                                               f"{self.per}", MEANING)
        elif self.derivation is None:
            raise refused_at(("derivation",), None, f"required when per is {self.per!r}: say how the hourly "
                                                    "figure is made", MEANING)
        return self


class ExchangeRates(PayShape):
    base: Literal["USD"] = Field(description="every comparison is made in US dollars")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the day the rates are from (YYYY-MM-DD): a "
                                                                  "rate without a date cannot be checked")
    source: Source
    confidence: Confidence
    usd_per_unit: dict[Currency, PositiveAmount] = Field(
        min_length=1, max_length=MAX_CURRENCIES, description="US dollars per unit of each currency; USD is 1")

    @model_validator(mode="after")
    def _a_dollar_is_a_dollar(self) -> ExchangeRates:
        if self.usd_per_unit.get("USD") != 1:
            raise refused_at(("usd_per_unit", "USD"), self.usd_per_unit.get("USD"), "must be 1", MEANING)
        return self


class PaySettings(PayShape):
    """The settings as stored and served; `as_stored()` gives them trimmed, with what was left out left out."""

    version: Literal[1] = 1
    model: Literal[MODELS] = Field(description="the pay model the receipt shows first")  # type: ignore[valid-type]
    pay_models: PayModels
    reference_lines: list[ReferenceLine] = Field(max_length=MAX_LINES)
    exchange_rates: ExchangeRates
    notes: Annotated[list[Note] | None, AfterValidator(lambda notes: notes or [])] = Field(
        default_factory=list, max_length=MAX_NOTES)

    @model_validator(mode="after")
    def _currencies_known_and_ids_unique(self) -> PaySettings:
        known = self.exchange_rates.usd_per_unit
        priced = [(("pay_models", name), getattr(self.pay_models, name).currency) for name in MODELS]
        priced += [(("reference_lines", index), line.currency) for index, line in enumerate(self.reference_lines)]
        for where, currency in priced:
            if currency not in known:
                raise refused_at((*where, "currency"), currency, f"unknown currency {currency!r}: add it to "
                                 "exchange_rates.usd_per_unit first", MEANING)
        seen: set[str] = set()
        for index, line in enumerate(self.reference_lines):
            if line.id in seen:
                raise refused_at(("reference_lines", index, "id"), line.id, f"{line.id!r} is used twice", MEANING)
            seen.add(line.id)
        return self

    def as_stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"defaults"})


class PaySettingsBody(PaySettings):
    defaults: bool | None = Field(default=None, description="ignored: GET's answer may be sent back as it is")

"""Agreement between people on one image: figures, CSV, the disagreement map.

Who may look: the instructor (and the single user) always; workshop participants once the instructor shares
the layers (`participants.others_visible()`), else 403 "not shared yet". People are named by pseudonym (`id`)
and a `label`: the instructor sees display names; a participant sees "You" for themselves, "Instructor" for
the instructor's own outlines and "Person N" for everyone else, N being the person's place in the order
people joined (the same on every image). Display names of others stay with the instructor even when shared:
the projected agreement page is where a room compares, and nobody needs to be named there but by choice.

The figures come from the pure `annotator.core.agreement`, the rows from `annotator.store.agreement`;
this module only checks who may look and answers.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, jsonify, request, stream_with_context
from pydantic import BaseModel, ConfigDict, Field

from annotator.core import agreement
from annotator.store import agreement as agreement_store
from annotator.store.models import Annotator
from annotator.web import participants
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import is_instructor
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator

# --- the contract -----------------------------------------------------------------------------------------


class PixelQuery(BaseModel):
    model_config = ConfigDict(strict=False)  # query strings are text

    x: int = Field(ge=0, description="the pixel's column, from 0 to the image's width - 1 (else 422)")
    y: int = Field(ge=0, description="the pixel's row, from 0 to the image's height - 1 (else 422)")


class AgreementPerson(BaseModel):
    id: str = Field(description="pseudonym")
    label: str = Field(description="how the asker sees them: a display name for the instructor; You, "
                                   "Instructor or Person N for a participant")
    name: str | None = Field(description="display name, for the instructor only")
    you: bool
    outlines: int
    objects: int


class ClassCount(BaseModel):
    category: str
    count: int


class AgreementMember(BaseModel):
    person: str
    annotation: int
    category_id: int | None
    category: str
    area: float
    mean_iou: float | None = Field(description="with the object's other outlines")


class AgreementObject(BaseModel):
    id: int
    category: str = Field(description="the class most people gave it")
    classes: list[ClassCount]
    agreed_class: bool
    bbox: list[float] = Field(description="[x, y, width, height] of its first outline")
    members: list[AgreementMember]
    missing: list[str] = Field(description="people who did not outline it")
    mean_iou: float | None
    min_iou: float | None
    iou_matrix: list[list[float | None]] = Field(description="member i's IoU with member j (null on the diagonal)")


class AgreementPair(BaseModel):
    a: str
    b: str
    objects_both: int
    only_a: int
    only_b: int
    mean_iou: float | None


class AgreementConfusion(BaseModel):
    a: str
    b: str
    count: int
    objects: list[int]


class TruthObjectScore(BaseModel):
    id: int
    category: str
    area: float
    bbox: list[float]
    found_by: int
    mean_iou: float | None


class TruthPersonScore(BaseModel):
    person: str
    outlines: int
    matched: int
    class_matches: int
    unmatched_outlines: int
    missed: int
    mean_iou: float | None
    coverage: float | None
    area_coverage: float | None


class TruthMatch(BaseModel):
    gt: int
    gt_category: str
    person: str
    annotation: int
    category: str
    class_match: bool
    iou: float


class GroundTruthScore(BaseModel):
    objects: list[TruthObjectScore]
    people: list[TruthPersonScore]
    matches: list[TruthMatch]


class AgreementImage(BaseModel):
    id: int
    file_name: str
    width: int
    height: int


class DrawnPart(BaseModel):
    points: list[float]
    hole: bool


class AgreementOutline(BaseModel):
    id: int
    person: str
    category_id: int | None
    parts: list[DrawnPart]


class AgreementReport(BaseModel):
    match_iou: float
    people: list[AgreementPerson]
    objects: list[AgreementObject]
    pairwise: list[AgreementPair]
    confusions: list[AgreementConfusion]
    ground_truth: GroundTruthScore | None = Field(description="scores against the sample scene's ground truth; "
                                                              "null for other images")
    image: AgreementImage
    outlines: list[AgreementOutline]


class PixelClass(BaseModel):
    category_id: int | None
    category: str
    count: int
    people: list[str]


class PixelAgreement(BaseModel):
    x: int
    y: int
    people: int
    labelled: int
    unlabelled: int
    classes: list[PixelClass]


# --- who may look ---------------------------------------------------------------------------------------


def _allowed() -> Annotator | None:
    """The asker (None for the instructor), if they may see everyone's outlines; else 403."""
    if is_instructor():
        return None
    me = current_annotator()  # 401 "join first" for a participant without a name
    if not participants.others_visible():
        raise ApiError(403, "not shared yet", "The instructor has not shared everyone's outlines yet.")
    return me


# --- routes ----------------------------------------------------------------------------------------


@bp.get("/images/<int:image_id>/agreement")
@contract(ok=AgreementReport, errors=[404], tags=["agreement"])
def image_agreement(image_id: int) -> Response:
    """How far people agree on one image: objects, pairwise IoU, class confusions, ground truth, outlines."""
    asker = _allowed()
    return jsonify(agreement_store.load(image_id, asker).report(with_outlines=True))


@bp.get("/images/<int:image_id>/agreement.csv")
@contract(errors=[404], tags=["agreement"])
def image_agreement_csv(image_id: int) -> Response:
    """One image's agreement figures as text/csv."""
    asker = _allowed()
    loaded = agreement_store.load(image_id, asker)
    rows = agreement.csv_rows(image_id, loaded.report(), loaded.labels)
    return _csv(agreement.csv_text(rows), f"agreement-image-{image_id}.csv")


@bp.get("/agreement.csv")
@contract(tags=["agreement"])
def all_agreement_csv() -> Response:
    """The agreement figures of every image someone outlined as text/csv, one after another under one header."""
    asker = _allowed()
    ids = agreement_store.outlined_image_ids()

    def lines() -> Iterator[str]:
        yield from agreement.csv_text([])
        for image_id in ids:
            loaded = agreement_store.load(image_id, asker)
            yield from agreement.csv_text(agreement.csv_rows(image_id, loaded.report(), loaded.labels), header=False)

    return _csv(stream_with_context(lines()), "agreement.csv")


def _csv(lines: Iterator[str], file_name: str) -> Response:
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


@bp.get("/images/<int:image_id>/agreement/disagreement.png")
@contract(errors=[404], HTTP_304=None, tags=["agreement"])
def disagreement_png(image_id: int) -> Response:
    """The disagreement map as image/png (green: one class, red: several; fainter where fewer people labelled);
    304 when If-None-Match holds its current ETag."""
    _allowed()
    loaded = agreement_store.load(image_id, None)
    response = Response(mimetype="image/png")
    response.set_etag(loaded.fingerprint)
    response.headers["Cache-Control"] = "private, no-cache"  # revalidate: outlines change during a workshop
    if request.if_none_match.contains(loaded.fingerprint):
        response.status_code = 304  # the browser's copy is current: skip the work
        return response
    image = loaded.image
    pixels = agreement.pixel_agreement(loaded.outlines, image.width, image.height)
    response.set_data(agreement.png(agreement.heat_rgba(pixels)))
    return response


@bp.get("/images/<int:image_id>/agreement/pixel")
@contract(query=PixelQuery, ok=PixelAgreement, errors=[404], tags=["agreement"])
def agreement_pixel(image_id: int, query: PixelQuery) -> Response:
    """Which classes people gave one pixel, and who."""
    asker = _allowed()
    image = agreement_store.library_image(image_id)
    for name, value, size in (("x", query.x, image.width), ("y", query.y, image.height)):
        if value >= size:
            raise ApiError(422, "outside the image", f"{name} must be from 0 to {size - 1} on this image.")
    loaded = agreement_store.ImageOutlines(image, asker)
    return jsonify(agreement.pixel_classes(loaded.outlines, loaded.categories, query.x, query.y))

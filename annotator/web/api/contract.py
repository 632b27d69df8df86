"""The API's contract: request schemas checked on the way in, and the OpenAPI document made from them.

Each JSON view declares its body and query models with `@contract(...)` (spectree over pydantic), placed
below `@admin_required` where there is one, so a participant learns "instructor only" before anything about
the body's shape. A request that does not fit is answered with the error envelope before the view runs,
naming every field at fault; a view that fits takes the parsed model as its `json` or `query` argument and
hands it on (the models are the domain's input types, annotator/core/schemas). A model's own rule may name the
envelope's title (schemas/common.py `refused`). spectree also turns the same models into the OpenAPI 3
document served at /openapi.json and browsed at /api/docs, so the contract cannot drift from what the code
checks.

Responses are documented but not re-checked on the way out: a reply that drifted from its schema must not
turn a saved annotation into a 500. The schemathesis tests check them instead.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify, make_response, render_template
from pydantic import BaseModel, ConfigDict, ValidationError
from spectree import Response, SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.plugins.flask_plugin import FlaskPlugin

from annotator.core.schemas.common import LARGEST_ID, field_path
from annotator.version import __version__
from annotator.web.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorBody(BaseModel):
    """Every refusal: what went wrong in a few words, and a sentence naming the problem."""

    model_config = ConfigDict(extra="allow")  # e.g. a 409 carries the current annotation, a 422 the fields

    error: str
    detail: Any = None


class _ErrorsWithoutInputs(PydanticModelAdapter):
    def validation_errors(self, err: ValidationError) -> Any:
        return err.errors(include_context=False, include_input=False)


class _DocumentedResponses(FlaskPlugin):
    """spectree's Flask plugin with the view's answer passed through untouched: not re-validated (see the
    module docstring) and not read into memory, which spectree's own step does to every answer, streamed
    exports and files included. Its own refusal, which _refuse_invalid replaces, is made without the input:
    uploaded files in it cannot be written as JSON (a 500 for two files where one was expected)."""

    def __init__(self, spectree: Any) -> None:
        super().__init__(spectree)
        self.model_adapter = _ErrorsWithoutInputs()

    def validate_response(self, resp: Any, resp_model: Any, skip_validation: bool, force_resp_serialize: bool):
        return make_response(resp), None


def _describe(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": field_path(error.get("loc", ())) or "body", "problem": error.get("msg", "invalid")}
            for error in errors]


def _require_json(req: Any) -> Any:
    if not req.is_json:
        raise ApiError(415, "JSON body expected", "Send the request body as application/json.")
    body = req.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed JSON", "The request body is not valid JSON (NaN and Infinity are not JSON "
                       "numbers, and nesting is limited).")
    return body


# The labour events riding on a save. The editor answers 400 "invalid events" by saving the outline again
# without them (so a faulty recorder never costs anyone their outline), and splits batches over the limit.
EVENT_FIELDS = ("events", "session_id", "sent_t")


def _refusal(error: ValidationError) -> ApiError:
    raw = error.errors()
    fields = _describe(raw)  # type: ignore[arg-type]
    listed = "; ".join(f"{item['field']}: {item['problem']}" for item in fields[:10])
    more = f" (and {len(fields) - 10} more)" if len(fields) > 10 else ""
    if any(item["type"] == "too_long" and tuple(item["loc"]) == ("events",) for item in raw):
        return ApiError(413, "too many events", listed)
    if all(item["loc"] and item["loc"][0] in EVENT_FIELDS for item in raw):
        return ApiError(400, "invalid events", listed + more, fields=fields[:50])
    # A model's own rule may name its title (core/schemas/common.py `refused`): the one used if all agree.
    titles = {(item.get("ctx") or {}).get("title") for item in raw}
    title = titles.pop() if len(titles) == 1 and None not in titles else "invalid request"
    return ApiError(422, title, listed + more, fields=fields[:50])


def _refuse_invalid(req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """Runs before every contracted view: a body that is not JSON, or a request that breaks the schema,
    is refused here with the envelope (spectree's own reply would be a bare list)."""
    metadata = spec.get_function_metadata(current_app.view_functions[req.endpoint])
    # spectree reads a form post, and a body of false, 0, [] or "", as an empty object
    wants_json = metadata is not None and metadata.json is not None and req.method in BODY_METHODS
    if wants_json and not isinstance(_require_json(req), dict):
        raise ApiError(422, "invalid request", "body: Input should be a JSON object",
                           fields=[{"field": "body", "problem": "Input should be a JSON object"}])
    if isinstance(error, ValidationError):
        raise _refusal(error)
    if error is not None:
        raise ApiError(422, "invalid request", str(error))


def parsed(model: type[Model], req: Any) -> Model:
    """A body spectree cannot check (it reads none on DELETE), parsed into its model, or refused as the
    contract refuses any."""
    try:
        return model.model_validate(_require_json(req))
    except ValidationError as exc:
        raise _refusal(exc) from exc


spec = SpecTree(
    "flask",
    backend=_DocumentedResponses,
    mode="strict",  # only views that declare a contract appear in the document
    title="annotator API",
    version=__version__,
    description=(
        "The JSON API behind the editor, the labour pages and the workshop. Every state-changing request needs "
        "the `X-CSRFToken` header (the page's `<meta name=\"csrf-token\">`); instructor-only operations need "
        "the instructor's token. Every refusal is `{\"error\", \"detail\"}`."),
    annotations=True,
    naming_strategy=lambda model: model.__name__,  # readable names in the document; keep model names unique
    validation_error_status=422,
    validation_error_model=ErrorBody,
    before=_refuse_invalid,
)

# Refusals any API call can meet: a missing CSRF token or malformed request (400), a workshop participant
# who has not joined (401), an instructor-only operation (403), a body over the upload limit (413), too many
# wrong instructor tokens from one address (429, with Retry-After; joins, proposals and saves have limits too).
COMMON_ERRORS = (400, 401, 403, 413, 429)


def contract(*, ok: Any = None, status: int = 200, errors: Iterable[int] = (), json: type[BaseModel] | None = None,
             query: type[BaseModel] | None = None, form: type[BaseModel] | None = None, tags: Iterable[str] = (),
             **more_ok: Any) -> Callable[[Callable], Callable]:
    """Declare a view's request models and its answers for validation and the OpenAPI document.

    `ok` is the success body's model (None: not JSON, e.g. a CSV or PNG; the view's docstring says which),
    `status` its code; `more_ok` adds other successes as HTTP_201=Model; `errors` the statuses beyond
    COMMON_ERRORS this view can answer, each with the envelope.
    """
    codes = set(COMMON_ERRORS) | set(errors)
    if json is not None or query is not None or form is not None:
        codes |= {422}
    if json is not None:
        codes |= {415}
    answers: dict[str, Any] = {f"HTTP_{code}": ErrorBody for code in sorted(codes)}
    answers[f"HTTP_{status}"] = ok
    answers.update(more_ok)
    return spec.validate(json=json, query=query, form=form, resp=Response(**answers), tags=list(tags))


def with_id_ranges(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every integer path parameter (an id) stated as the ids a row can have, 1 to
    LARGEST_ID; spectree writes Flask's `<int:...>` as any int32. Others get 404, as documented. Without the
    range, a fuzzer's boundary values for the id were -2147483648 and 2147483647, and every body it paired
    with them met a 404 instead of the view."""
    document = copy.deepcopy(document)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("schema", {}).get("type") == "integer":
                    parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": LARGEST_ID}
    return document


def init_app(app: Flask) -> None:
    """Serve the OpenAPI document and its browsable page."""

    @app.get("/openapi.json")
    def openapi_document():
        return jsonify(with_id_ranges(spec.spec))

    @app.get("/api/docs")
    def api_docs():
        return render_template("api_docs.html")


__all__ = ["ErrorBody", "contract", "init_app", "parsed", "spec"]

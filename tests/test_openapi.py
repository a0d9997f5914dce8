"""The three OpenAPI documents: valid OpenAPI 3.1, every status each operation can answer
declared, errors as one Problem schema, and input schemas that state every bound the models
enforce.

The apps are built in-process; generating a document touches no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.utils import get_flat_params
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel

from alerting.app import create_app as create_alerting
from alerting.settings import AlertingSettings
from customer_api.app import create_app as create_customer_api
from customer_api.settings import CustomerApiSettings
from guarantee_shared.schemas.rating import RatingBatchRequest, RatingRequest
from guarantee_shared.settings import ServiceSettings
from guarantee_shared.web.app import build_app
from guarantee_shared.web.auth import Principal, require
from guarantee_shared.web.openapi import PROBLEM_REF, api_routes
from guarantee_shared.web.problems import PROBLEM_MEDIA_TYPE
from rating_engine.app import create_app as create_engine
from rating_engine.settings import RatingEngineSettings

# Never connected to: building an app and its document opens no connection.
UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/never"
SERVICES = ("customer-api", "rating-engine", "alerting")
METHODS = ("get", "put", "post", "delete", "patch")
# The engine's scoring routes read their bodies themselves (rating_engine.router); these are the
# models they validate them with, documented by hand in their operations.
HAND_DOCUMENTED_BODIES: dict[tuple[str, str, str], type[BaseModel]] = {
    ("rating-engine", "post", "/v1/score"): RatingRequest,
    ("rating-engine", "post", "/v1/score/batch"): RatingBatchRequest,
}


def build(service: str) -> FastAPI:
    if service == "customer-api":
        return create_customer_api(
            CustomerApiSettings(database_url=UNUSED_DATABASE, environment="test")
        )
    if service == "rating-engine":
        return create_engine(RatingEngineSettings(environment="test"))
    return create_alerting(AlertingSettings(database_url=UNUSED_DATABASE, environment="test"))


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: build(service) for service in SERVICES}


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def statuses(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_openapi_3_1(apps: dict[str, FastAPI], service: str) -> None:
    spec = apps[service].openapi()
    assert spec["openapi"].startswith("3.1")
    errors = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_is_a_problem(apps: dict[str, FastAPI], service: str) -> None:
    spec = apps[service].openapi()
    wrong = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path == "/readyz" and status == "503"):
                continue  # /readyz answers 503 with its checks, like its 200
            content = response.get("content", {})
            if list(content) != [PROBLEM_MEDIA_TYPE] or content[PROBLEM_MEDIA_TYPE] != {
                "schema": {"$ref": PROBLEM_REF}
            }:
                wrong.append(f"{method.upper()} {path} {status}: {content}")
    assert wrong == []
    text = str(spec)
    assert "HTTPValidationError" not in text
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_what_the_kit_answers(
    apps: dict[str, FastAPI], service: str
) -> None:
    """The rules of guarantee_shared.web.openapi hold on every operation, whichever router
    defines it."""
    missing = []
    for method, path, operation in operations(apps[service].openapi()):
        expected = {500}
        if "probes" not in operation.get("tags", []):
            expected |= {422, 429, 401, 403}
            assert operation["security"][0]["HTTPBearer"], f"{method} {path} names no scope"
            www = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert www["required"] is True
        if "{" in path:
            expected.add(404)
        if "requestBody" in operation:
            expected.add(413)
        headers = {
            p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
        }
        if "idempotency-key" in headers:
            expected.add(409)
        if "if-match" in headers:
            expected.add(412)
        if lacking := expected - statuses(operation):
            missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert missing == []


def test_what_each_kind_of_route_answers(apps: dict[str, FastAPI]) -> None:
    customers = apps["customer-api"].openapi()["paths"]
    patch = customers["/v1/customers/{customer_id}"]["patch"]
    # 503: it opens a database session, which answers so while the database is unreachable.
    assert statuses(patch) == {200, 401, 403, 404, 412, 413, 422, 428, 429, 500, 503}
    assert "Retry-After" in patch["responses"]["503"]["headers"]
    assert "Retry-After" in patch["responses"]["429"]["headers"]
    (if_match,) = [p for p in patch["parameters"] if p["name"] == "if-match"]
    assert if_match["required"] is True  # 428 without it
    create = customers["/v1/customers"]["post"]
    assert statuses(create) == {201, 401, 403, 409, 413, 422, 429, 500, 503}
    # The router's own 409 keeps its words; the in-flight Idempotency-Key is added to them.
    assert "existing_id" in create["responses"]["409"]["description"]
    assert "Idempotency-Key" in create["responses"]["409"]["description"]
    assert statuses(customers["/v1/customers"]["get"]) == {200, 401, 403, 422, 429, 500, 503}
    events = customers["/v1/contracts/{contract_id}/events"]["post"]
    assert 412 in statuses(events)
    assert 428 not in statuses(events)  # If-Match is optional on ledger appends
    rate = customers["/v1/customers/{customer_id}/rate"]["post"]
    assert {502, 503} <= statuses(rate)
    assert statuses(customers["/readyz"]["get"]) == {200, 500, 503}
    assert statuses(customers["/healthz"]["get"]) == {200, 500}
    assert list(customers["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    engine = apps["rating-engine"].openapi()["paths"]
    score = engine["/v1/score"]["post"]
    assert statuses(score) == {200, 401, 403, 404, 413, 422, 429, 500}  # no database
    assert score["security"] == [{"HTTPBearer": ["ratings:score"]}]
    imports = customers["/v1/imports"]["post"]
    assert imports["security"] == [{"HTTPBearer": ["customers:write", "contracts:write"]}]


def test_a_merge_patch_body_is_documented_as_one(apps: dict[str, FastAPI]) -> None:
    spec = apps["customer-api"].openapi()
    body = spec["paths"]["/v1/customers/{customer_id}"]["patch"]["requestBody"]["content"]
    refs = {media: content["schema"] for media, content in body.items()}
    assert refs == {
        "application/merge-patch+json": {"$ref": "#/components/schemas/CustomerFieldsPatch"},
        "application/json": {"$ref": "#/components/schemas/CustomerFieldsPatch"},
    }
    patch = spec["components"]["schemas"]["CustomerFieldsPatch"]
    assert "required" not in patch
    assert patch["additionalProperties"] is False
    # An optional field may be removed with null; a required one may not.
    assert {"type": "null"} in patch["properties"]["legal_representative"]["anyOf"]
    assert patch["properties"]["name"]["type"] == "string"


def test_guarantee_ratio_states_its_bounds_and_a_numeric_default(
    apps: dict[str, FastAPI],
) -> None:
    schemas = apps["customer-api"].openapi()["components"]["schemas"]
    ratio = schemas["ContractCreate"]["properties"]["guarantee_ratio"]
    forms = {form["type"]: form for form in ratio["anyOf"]}
    assert forms["number"]["exclusiveMinimum"] == 0
    assert forms["number"]["maximum"] == 1
    assert "minimum" not in forms["number"]
    assert forms["string"]["not"]["pattern"] == r"^0+(\.0+)?$"
    assert ratio["default"] == 1
    assert isinstance(ratio["default"], int | float)


# -- every bound a model enforces is stated by its schema -----------------------------------


@dataclass
class BoundsCheck:
    components: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    _seen: set[int] = field(default_factory=set)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def without_null(self, schema: dict[str, Any]) -> dict[str, Any]:
        schema = self.resolve(schema)
        branches = [b for b in schema.get("anyOf", ()) if self.resolve(b).get("type") != "null"]
        return self.resolve(branches[0]) if len(branches) == 1 else schema

    def accepts(self, schema: dict[str, Any], value: Any) -> bool:
        return Draft202012Validator({**schema, "components": self.components}).is_valid(value)

    def walk(self, core: Any, schema: dict[str, Any], where: str, defs: dict[str, Any]) -> None:
        """Compare a pydantic core schema with the JSON schema documenting it."""
        kind = core["type"]
        if kind == "definitions":
            defs = {**defs, **{d["ref"]: d for d in core["definitions"]}}
            self.walk(core["schema"], schema, where, defs)
        elif kind == "definition-ref":
            self.walk(defs[core["schema_ref"]], schema, where, defs)
        elif kind in ("default", "function-after", "function-before", "function-wrap"):
            if "schema" in core:
                self.walk(core["schema"], schema, where, defs)
        elif kind == "nullable":
            self.walk(core["schema"], self.without_null(schema), where, defs)
        elif kind == "model":
            if id(core) in self._seen:
                return
            self._seen.add(id(core))
            self.walk(core["schema"], self.resolve(schema), where, defs)
        elif kind == "model-fields":
            properties = self.resolve(schema).get("properties", {})
            for name, model_field in core["fields"].items():
                alias = model_field.get("validation_alias") or name
                if alias not in properties:
                    self.problems.append(f"{where}.{alias}: not in the schema")
                    continue
                self.walk(model_field["schema"], properties[alias], f"{where}.{alias}", defs)
        elif kind == "list":
            resolved = self.without_null(schema)
            for key, keyword in (("min_length", "minItems"), ("max_length", "maxItems")):
                self.expect_equal(core, key, resolved, keyword, where)
            if "items_schema" in core:
                self.walk(core["items_schema"], resolved.get("items", {}), f"{where}[]", defs)
        elif kind == "dict" and "values_schema" in core:
            values = self.without_null(schema).get("additionalProperties", {})
            self.walk(
                core["values_schema"], values if isinstance(values, dict) else {}, where, defs
            )
        elif kind == "str":
            resolved = self.without_null(schema)
            for key, keyword in (
                ("min_length", "minLength"),
                ("max_length", "maxLength"),
                ("pattern", "pattern"),
            ):
                self.expect_equal(core, key, resolved, keyword, where)
        elif kind in ("int", "float", "decimal"):
            self.probe_number(core, self.without_null(schema), where)

    def expect_equal(
        self, core: dict[str, Any], key: str, schema: dict[str, Any], keyword: str, where: str
    ) -> None:
        if key in core:
            self.checked += 1
            if schema.get(keyword) != core[key]:
                self.problems.append(f"{where}: enforces {key}={core[key]!r}, states {keyword}=")
                self.problems[-1] += repr(schema.get(keyword))

    def probe_number(self, core: dict[str, Any], schema: dict[str, Any], where: str) -> None:
        """The tighter bound on each side: the value just past it is refused by the schema, the
        one at or just within it accepted. Money is documented as a string, ratios as numbers."""
        as_text = schema.get("type") == "string"
        places = core.get("decimal_places", 6 if core["type"] != "int" else 0)

        def render(value: Decimal) -> Any:
            if as_text:
                return f"{value:.{places}f}"
            return int(value) if core["type"] == "int" else float(value)

        for outward, keys in ((-1, ("gt", "ge")), (1, ("lt", "le"))):
            # (bound, inclusive) of each side; at a tie the exclusive one is the tighter
            candidates = [(Decimal(core[k]), k in ("ge", "le")) for k in keys if k in core]
            if not candidates:
                continue
            bound, inclusive = max(candidates, key=lambda c: (c[0] * -outward, not c[1]))
            self.checked += 1
            step = Decimal(1).scaleb(-places)
            if not as_text:  # a JSON number is a float: a step it can still tell apart
                step = max(step, abs(bound) * Decimal("1e-9"))
            outside = bound + outward * step if inclusive else bound
            inside = bound if inclusive else bound - outward * step
            if self.accepts(schema, render(outside)):
                self.problems.append(f"{where}: enforces {bound} ({keys}), states {schema}")
            if not self.accepts(schema, render(inside)):
                self.problems.append(f"{where}: refuses {render(inside)!r}, which it accepts")


def test_input_schemas_state_every_bound_the_models_enforce(apps: dict[str, FastAPI]) -> None:
    """Lengths, patterns, item counts and numeric bounds of every body and parameter. Bounds on
    dates and rules across fields have no JSON Schema keyword and are left to the
    descriptions."""
    problems: list[str] = []
    checked = 0
    for service, app in apps.items():
        spec = app.openapi()
        check = BoundsCheck(spec["components"]["schemas"])
        for route in api_routes(app):
            for method in sorted(route.methods or ()):
                operation = spec["paths"][route.path_format][method.lower()]
                where = f"{service} {method} {route.path_format}"
                body = operation.get("requestBody", {}).get("content", {})
                documented = next(iter(body.values()), {}).get("schema", {})
                model = HAND_DOCUMENTED_BODIES.get((service, method.lower(), route.path_format))
                if route.body_field is not None:
                    core = route.body_field._type_adapter.core_schema
                    check.walk(core, documented, f"{where} body", {})
                elif model is not None:
                    check.walk(model.__pydantic_core_schema__, documented, f"{where} body", {})
                for param in get_flat_params(route.dependant):
                    location = param.field_info.in_.value
                    name = param.alias.lower().replace("_", "-")
                    (parameter,) = [
                        p
                        for p in operation.get("parameters", [])
                        if p["in"] == location and p["name"].lower().replace("_", "-") == name
                    ]
                    core = param._type_adapter.core_schema
                    check.walk(core, parameter["schema"], f"{where} {location} {name}", {})
        problems += check.problems
        checked += check.checked
    assert problems == []
    assert checked > 200  # the walk reached the models' fields


def test_a_route_added_after_the_first_document_is_completed_too() -> None:
    app = build_app(
        ServiceSettings(environment="test"), service="t", title="t", version="1", description=""
    )
    assert "/v1/late/{item_id}" not in app.openapi()["paths"]

    @app.get("/v1/late/{item_id}")
    async def late(item_id: int, _: Annotated[Principal, Depends(require("admin"))]) -> None:
        return None

    operation = app.openapi()["paths"]["/v1/late/{item_id}"]["get"]
    assert statuses(operation) == {200, 401, 403, 404, 422, 429, 500}


def test_a_probe_that_needs_a_token_says_so() -> None:
    # /metrics may come to need one; a probe is still neither validated nor rate-limited.
    app = build_app(
        ServiceSettings(environment="test"), service="t", title="t", version="1", description=""
    )

    @app.get("/scrape", tags=["probes"])
    async def scrape(_: Annotated[Principal, Depends(require("admin"))]) -> None:
        return None

    assert statuses(app.openapi()["paths"]["/scrape"]["get"]) == {200, 401, 403, 500}

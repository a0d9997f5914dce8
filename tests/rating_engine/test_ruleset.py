"""Ruleset files: v1 is complete, and a broken one stops the service with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rating_engine.__main__ import main
from rating_engine.app import create_app
from rating_engine.ruleset import RulesetError, load_ruleset
from rating_engine.settings import BUILTIN_RULESETS, RatingEngineSettings

V1 = BUILTIN_RULESETS / "v1.yaml"


def v1_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(V1.read_text(encoding="utf-8"))
    return data


def factor(data: dict[str, Any], factor_id: str) -> dict[str, Any]:
    return next(f for f in data["scorecard"]["factors"] if f["id"] == factor_id)


def test_v1_has_every_rule_the_domain_names() -> None:
    ruleset = load_ruleset(V1)
    classes = ruleset.classes
    assert [c.id for c in classes.high_risk] == [f"high_risk.{x}" for x in "abcd"]
    assert [c.id for c in classes.premium] == [f"premium.{x}" for x in "abcd"]
    assert [c.id for c in classes.general] == [f"general.{x}" for x in "abcd"]
    assert {k.id for k in ruleset.knockouts.rules} == {
        "dishonest_executee", "default", "tax_grade_d", "abnormal_operation",
        "unrecovered_compensation",
    }  # fmt: skip
    groups = {f.group for f in ruleset.scorecard.factors}
    assert {"leverage", "liquidity", "profitability", "cash_flow", "growth", "coverage",
            "credit_records", "guarantee_history", "industry", "stability"} <= groups  # fmt: skip
    assert ruleset.review_interval_days == {"low": 180, "medium": 90, "high": 30}
    assert ruleset.scaling.offset == 387.6
    assert ruleset.scaling.factor == 72.13


def _broken(data: dict[str, Any], change: str) -> dict[str, Any]:
    if change == "points out of order":
        factor(data, "debt_ratio")["bins"][0]["points"] = -100
    elif change == "unknown feature":
        factor(data, "roa")["feature"] = "return_on_everything"
    elif change == "bounds not increasing":
        factor(data, "current_ratio")["bins"][1]["lt"] = 0.5
    elif change == "missing points outside the range":
        factor(data, "roa")["missing_points"] = 100
    elif change == "a grade left out":
        data["grades"] = [g for g in data["grades"] if g["grade"] != "BB"]
    elif change == "a clause of the wrong type":
        data["classes"]["high_risk"][2]["when"] = ["debt_ratio", "eq", "high"]
    elif change == "condition id in the wrong class":
        data["classes"]["premium"][0]["id"] = "general.z"
    elif change == "size bounds rising":
        data["size_table"]["rows"][1]["small"]["employees"] = 5000
    elif change == "a strategy missing":
        del data["strategies"]["premium"]
    elif change == "unknown key":
        data["scorecard"]["bonus"] = 10
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("points out of order", "points must be monotone"),
        ("unknown feature", "unknown numeric feature 'return_on_everything'"),
        ("bounds not increasing", "bin bounds must increase"),
        ("missing points outside the range", "missing_points must lie within"),
        ("a grade left out", "grades must list AAA"),
        ("a clause of the wrong type", "does not fit the type of 'debt_ratio'"),
        ("condition id in the wrong class", "must start with 'premium'"),
        ("size bounds rising", "employees bounds must fall"),
        ("a strategy missing", "strategies must give"),
        ("unknown key", "scorecard.bonus"),
    ],
)
def test_a_broken_ruleset_stops_the_app(tmp_path: Path, change: str, message: str) -> None:
    path = tmp_path / "v1.yaml"
    path.write_text(yaml.safe_dump(_broken(v1_data(), change), allow_unicode=True), "utf-8")
    with pytest.raises(RulesetError) as caught:
        create_app(RatingEngineSettings(environment="test", rulesets_dir=tmp_path))
    text = str(caught.value)
    assert str(path) in text
    assert message in text


def test_every_ruleset_is_checked_not_only_the_active_one(tmp_path: Path) -> None:
    (tmp_path / "v1.yaml").write_text(V1.read_text("utf-8"), "utf-8")
    broken = _broken(v1_data(), "points out of order")
    broken["version"] = "v2"
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True), "utf-8")
    with pytest.raises(RulesetError, match=r"v2\.yaml is invalid"):
        create_app(RatingEngineSettings(environment="test", rulesets_dir=tmp_path))


@pytest.mark.parametrize(
    ("files", "active", "message"),
    [
        ({"v1.yaml": "version: [unclosed"}, "v1", "cannot be read"),
        ({"v2.yaml": None}, "v1", "declares version 'v1'; the file must be named v1.yaml"),
        ({}, "v1", "no ruleset (*.yaml) found"),
        ({"v1.yaml": None}, "v7", "the active model version 'v7' has no ruleset"),
    ],
)
def test_unusable_ruleset_directories(
    tmp_path: Path, files: dict[str, str | None], active: str, message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(V1.read_text("utf-8") if text is None else text, "utf-8")
    settings = RatingEngineSettings(
        environment="test", rulesets_dir=tmp_path, active_model_version=active
    )
    with pytest.raises(RulesetError) as caught:
        create_app(settings)
    assert message in str(caught.value)


def test_a_second_version_is_served_beside_the_first(tmp_path: Path) -> None:
    (tmp_path / "v1.yaml").write_text(V1.read_text("utf-8"), "utf-8")
    v2 = v1_data()
    v2["version"] = "v2"
    v2["scorecard"]["base_points"] = 600
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(v2, allow_unicode=True), "utf-8")
    app = create_app(RatingEngineSettings(environment="test", rulesets_dir=tmp_path))
    service = app.state.rating_service
    assert service.models().active == "v1"
    assert [m.version for m in service.models().available] == ["v1", "v2"]
    assert service.ruleset("v2").neutral_points == service.ruleset("v1").neutral_points - 65


def test_main_exits_with_the_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "v1.yaml").write_text("version: v1\n", "utf-8")
    monkeypatch.setenv("RULESETS_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("rating-engine cannot start: ruleset ")
    assert "at scorecard: Field required" in err

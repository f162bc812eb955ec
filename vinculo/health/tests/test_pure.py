"""The engine's arithmetic, rules and words, without a database (no django_db mark: any
query here would fail the test)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.utils import translation

from vinculo.health.config import EngineConfig, overrides_problems
from vinculo.health.engine import account_coverage, cadence, frequency, weighted
from vinculo.health.facts import ContactFacts, Job, Pair
from vinculo.health.peers import (
    GrowthFacts,
    PortfolioFacts,
    fairness_flags,
    growth_gaps,
    portfolio_quadrants,
)
from vinculo.health.rules import (
    bow_tie_play,
    complaint_play,
    contact_plays,
    meal_plays,
    moved_plays,
    no_initiative_play,
    portfolio_plays,
)
from vinculo.health.words import explain, reason_and_action

PURE = ("engine", "peers", "rules", "words", "config", "clock")
AS_OF = dt.date(2026, 6, 30)


@pytest.mark.parametrize("name", PURE)
def test_the_pure_modules_import_no_database_code(name: str) -> None:
    path = Path(__file__).resolve().parent.parent / f"{name}.py"
    tree = ast.parse(path.read_text())
    imported = []
    for node in tree.body:  # module level only: TYPE_CHECKING blocks are for types
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    forbidden = [
        module
        for module in imported
        if module.startswith("django.db")
        or module.endswith(".models")
        or module
        in {
            "vinculo.health.facts",
            "vinculo.health.readers",
            "vinculo.health.selectors",
            "vinculo.health.compute",
        }
    ]
    assert forbidden == []


# --- settings -------------------------------------------------------------------------------


def test_a_table_setting_given_a_number_is_refused_in_spanish() -> None:
    with translation.override("es"):
        problems = overrides_problems({"person_weights": 5})
    assert problems == {
        "person_weights": (
            'person_weights: se esperaba un objeto de nombres y números, como {"cadence": 25}.'
        )
    }


@pytest.mark.parametrize(
    ("overrides", "english"),
    [
        ({"recent_days": "90"}, "recent_days must be a number."),
        ({"recent_days": 0}, "recent_days must be between 7 and 730."),
        ({"recent_days": 30.5}, "recent_days must be a whole number."),
        ({"recent_days": True}, "recent_days must be a number."),
        (
            {"person_weights": {"cadense": 3}},
            "person_weights: unknown key 'cadense'; known: "
            "'cadence', 'frequency', 'depth', 'level', 'promises', 'voice', 'initiative', "
            "'value'.",
        ),
        (
            {"complaint_penalty": {"high": -1}},
            "complaint_penalty: 'high' must be between 0 and 100.",
        ),
        ({"yellow_from": 80}, "yellow_from (80) must not be above green_from (70)."),
        ({"made_up": 1}, "made_up: unknown setting."),
    ],
)
def test_each_setting_is_checked_against_its_type_and_range(
    overrides: dict[str, object], english: str
) -> None:
    with translation.override("en"):
        assert list(overrides_problems(overrides).values()) == [english]


def test_bad_stored_entries_are_skipped_and_good_ones_kept() -> None:
    cfg = EngineConfig.from_overrides(
        {"person_weights": 5, "recent_days": 60, "account_weights": {"people": "x"}, "no": 1}
    )
    assert cfg.recent_days == 60
    assert cfg.person_weights == EngineConfig().person_weights
    assert cfg.account_weights == EngineConfig().account_weights
    assert EngineConfig.from_overrides(["not", "a", "dict"]) == EngineConfig()


def test_table_overrides_merge_with_the_defaults() -> None:
    cfg = EngineConfig.from_overrides({"person_weights": {"cadence": 30}})
    assert cfg.person_weights["cadence"] == 30
    assert cfg.person_weights["frequency"] == 15


def test_bands_follow_the_settings() -> None:
    cfg = EngineConfig.from_overrides({"green_from": 80, "yellow_from": 50})
    assert [cfg.band(v) for v in (80, 79, 50, 49)] == ["green", "yellow", "yellow", "red"]


# --- arithmetic ---------------------------------------------------------------------------


def test_cadence_falls_linearly_to_zero_at_three_times_the_cadence() -> None:
    contact = ContactFacts(last_two_way_at=dt.datetime(2026, 5, 16, 10, tzinfo=dt.UTC))
    component = cadence(AS_OF, contact, 30, True)
    assert (component.value, component.facts) == (
        75,
        {"days_since": 45, "every_days": 30, "agreed": True},
    )


def test_frequency_and_weighting() -> None:
    freq = frequency(ContactFacts(recent=3, prior=6), 90)
    assert (freq.value, freq.facts) == (50, {"recent": 3, "prior": 6, "days": 90})
    assert weighted({"frequency": freq}, {"frequency": 2, "cadence": 5}) == 50


# --- rules ----------------------------------------------------------------------------------


def shrinking(recent: int, prior: int) -> ContactFacts:
    return ContactFacts(
        live_count_recent=recent,
        live_count_prior=prior,
        live_minutes_recent=15.0,
        live_minutes_prior=60.0,
    )


def test_one_short_call_is_not_a_trend() -> None:
    cfg = EngineConfig()
    assert contact_plays(1, 1, shrinking(1, 5), AS_OF, cfg, person=True) == []
    assert contact_plays(1, 1, shrinking(5, 2), AS_OF, cfg, person=True) == []
    [play] = contact_plays(1, 1, shrinking(3, 3), AS_OF, cfg, person=True)
    assert play.facts == {"now": 15, "before": 60, "count_now": 3, "count_before": 3, "days": 180}
    lenient = EngineConfig.from_overrides({"trend_min_observations": 1})
    assert [p.kind for p in contact_plays(1, 1, shrinking(1, 1), AS_OF, lenient, person=True)] == [
        "meetings_shrinking"
    ]


def test_a_lost_account_asks_for_no_initiative() -> None:
    facts = {"recent": 0, "accepted": 0, "last": None, "days": 180}
    assert no_initiative_play(7, facts, True, "lost", AS_OF) is None
    play = no_initiative_play(7, facts, True, "active", AS_OF)
    assert play is not None and (play.kind, play.account_id) == ("no_initiative", 7)


def portfolio_rows() -> list[PortfolioFacts]:
    return [
        PortfolioFacts(1, "b", "active", 600, 900_000.0, 900_000.0),  # invest
        PortfolioFacts(2, "b", "active", 60, 800_000.0, 700_000.0),  # invest
        PortfolioFacts(3, "b", "active", 1200, 10_000.0, 12_000.0),  # reconsider
        PortfolioFacts(4, "b", "active", 0, 0.0, 0.0),  # maintain
        PortfolioFacts(5, "b", "active", 900, 20_000.0, 10_000.0),  # busy but growing
        PortfolioFacts(6, "b", "lost", 2000, 5_000_000.0, 5_000_000.0),  # lost
    ]


def test_the_portfolio_quadrants_against_the_medians_of_accounts_not_lost() -> None:
    judged = portfolio_quadrants(portfolio_rows())
    assert (judged.effort_split_minutes, judged.value_split) == (600.0, 20_000.0)
    assert judged.quadrants == {
        1: "invest",
        2: "invest",
        3: "reconsider",
        4: "maintain",
        5: "invest",  # at the median revenue
        6: "maintain",  # a lost account is never invest nor reconsider
    }


def test_reconsider_is_the_portfolio_quadrant_and_says_its_numbers_in_spanish() -> None:
    [play] = portfolio_plays(portfolio_rows(), [], 2025, EngineConfig(), AS_OF)
    assert (play.kind, play.account_id) == ("reconsider", 3)
    assert play.facts == {
        "hours": 20.0,
        "peer_hours": 10.0,
        "days": 180,
        "revenue": 10_000.0,
        "revenue_before": 12_000.0,
        "peer_revenue": 20_000.0,
        "year": 2025,
        "tier": "b",
    }
    with translation.override("es"):
        reason, action = reason_and_action(play.kind, play.facts)
    assert reason == (
        "20,0 horas con ellos en los últimos 180 días (mediana de la cartera: 10,0) para unos "
        "ingresos de 10\xa0000 en 2025 (mediana: 20\xa0000), sin crecer."
    )
    assert action == "Decide: invertir con un plan de crecimiento o atenderla con menos coste."


def test_growth_gaps_leave_lost_accounts_out() -> None:
    rows = [GrowthFacts(i, "a", "active", 0.4, 3) for i in range(1, 5)]
    rows += [GrowthFacts(5, "a", "active", 0.1, 3), GrowthFacts(6, "a", "lost", 0.05, 0)]
    assert [gap.account_id for gap in growth_gaps(rows, EngineConfig())] == [5]


def test_fairness_flags_habitual_and_robust_outliers() -> None:
    median, mad, flags = fairness_flags([1, 1, 2, 2, 2, 30], [1, 1, 1, 3, 1, 1], EngineConfig())
    assert (median, mad) == (2, 0.5)
    assert [(f.habitual, f.outlier) for f in flags] == [
        (False, False),
        (False, False),
        (False, False),
        (True, False),
        (False, False),
        (False, True),
    ]


# --- words ----------------------------------------------------------------------------------


def test_sentences_take_their_window_from_the_facts() -> None:
    with translation.override("es"):
        depth = explain("depth", {"live_recent": 2, "email_recent": 5, "days": 60})
        silent, _action = reason_and_action(
            "going_silent",
            {"reasons": [{"rule": "inbound_drop", "recent": 1, "prior": 6, "days": 60}]},
        )
        unequal, _action = reason_and_action(
            "concession_outlier",
            {"count": 5, "quarters": 5, "of_quarters": 6, "habitual": True, "outlier": False},
        )
    assert depth == "2 contactos en directo y 5 correos en los últimos 60 días."
    assert silent == (
        "Se está quedando en silencio: sus contactos bajaron de 6 a 1 en los últimos 60 días."
    )
    assert unequal == (
        "Trato desigual: excepciones en 5 de los últimos 6 trimestres (5 concesiones en 6 "
        "trimestres)."
    )


def test_facts_of_an_older_engine_still_read() -> None:
    with translation.override("en"):
        reason, _action = reason_and_action("meetings_shrinking", {"now": 20})
        assert reason == "Meetings are getting shorter: 20 minutes on average, ? before."
        assert explain("frequency", {}) == (
            "0 interactions in the last 90 days against 0 in the 90 days before."
        )


def test_complaint_and_bow_tie_words_use_the_labels_of_the_vocabulary() -> None:
    with translation.override("es"):
        complaint, _action = reason_and_action(
            "complaint_open", {"severity": "high", "age": 3, "answered": False, "target": 7}
        )
        _reason, intro = reason_and_action(
            "bow_tie",
            {
                "pair": ["Luis", "Ana"],
                "share": 0.9,
                "introduce": [
                    {
                        "ours": "Marta",
                        "our_function": "technical_service",
                        "theirs": "Pedro",
                        "their_function": "production",
                    }
                ],
            },
        )
    assert complaint == "Una reclamación de gravedad alta lleva 3 días abierta sin respuesta."
    assert intro == "Presenta a nuestro Marta (servicio técnico) a su Pedro (producción)."


def test_a_complaint_calls_for_a_play_unanswered_from_day_one_or_past_its_target() -> None:
    cfg = EngineConfig()

    def raised(age: int, answered: bool) -> bool:
        return complaint_play(9, 1, 2, "high", age, answered, "Rotura", cfg, AS_OF) is not None

    assert [raised(0, False), raised(1, False), raised(7, True), raised(8, True)] == [
        False,
        True,
        False,
        True,
    ]
    play = complaint_play(9, 1, 2, "high", 8, True, "Rotura", cfg, AS_OF)
    assert play is not None and play.facts == {
        "complaint": 9,
        "severity": "high",
        "age": 8,
        "answered": True,
        "target": 7,
        "text": "Rotura",
    }


def test_the_agendas_section_is_left_to_the_agenda() -> None:
    overrides = {"agenda": {"daily_capacity": 12}, "recent_days": 60}
    assert overrides_problems(overrides) == {}
    assert EngineConfig.from_overrides(overrides).recent_days == 60


def test_a_bow_tie_names_a_counterpart_of_ours_for_each_person_nobody_talks_to() -> None:
    pairs = [Pair(colleague_id=1, person_id=10, count=8)]
    cov = account_coverage(pairs, [], {1: "sales"}, EngineConfig())
    team = [
        Job(10, 5, "purchasing", "", ""),
        Job(11, 5, "production", "", ""),
        Job(12, 5, "finance", "", ""),
    ]
    colleagues = [(1, "Luis", "sales"), (2, "Marta", "technical_service"), (3, "Eva", "sales")]
    play = bow_tie_play(
        5, cov, team, colleagues, {10: "Ana", 11: "Pedro", 12: "Rosa"}, {1: "Luis"}, AS_OF
    )
    assert (play.kind, play.account_id, play.identity) == ("bow_tie", 5, [10])
    assert play.facts == {
        "pair": ["Luis", "Ana"],
        "share": 1.0,
        "introduce": [
            {
                "ours": "Marta",
                "our_function": "technical_service",
                "theirs": "Pedro",
                "their_function": "production",
            },
            # no finance colleague of ours: the first one not yet in the relationship
            {
                "ours": "Marta",
                "our_function": "technical_service",
                "theirs": "Rosa",
                "their_function": "finance",
            },
        ],
    }


def test_only_the_latest_meal_that_brought_nobody_new_is_a_play() -> None:
    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 6, day, 13, tzinfo=dt.UTC)

    rows = [(1, 7, at(1), 10), (2, 7, at(10), 10), (3, 7, at(20), 10), (3, 7, at(20), 11)]
    first = {10: at(1) - dt.timedelta(days=300), 11: at(20)}  # Rosa (11) was new at meal 3
    [play] = meal_plays(rows, first, AS_OF)
    assert (play.kind, play.account_id, play.facts) == (
        "meal_without_new_contact",
        7,
        {"interaction": 2, "date": "2026-06-10", "people": 1},
    )


def test_a_move_warns_the_old_account_and_flags_the_new_one() -> None:
    ended = {10: [(1, 10, 5, dt.date(2026, 6, 10))]}
    started = [(2, 10, 6, dt.date(2026, 6, 11)), (3, 10, 5, dt.date(2026, 6, 20))]
    found = moved_plays(ended, started, {5: "Antigua", 6: "Nueva"}, AS_OF)
    facts = {"from": "Antigua", "to": "Nueva", "from_id": 5, "to_id": 6, "on": "2026-06-11"}
    assert [(p.kind, p.person_id, p.account_id, p.facts, p.identity) for p in found] == [
        ("contact_moved", 10, 5, facts | {"side": "lost"}, [1, 2]),
        ("contact_moved", 10, 6, facts | {"side": "gained"}, [1, 2]),
    ]  # a new job back at the same account (3) is no move

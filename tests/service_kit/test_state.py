"""Dependencies on what a lifespan loads: there, still loading (503), or wrongly typed (a bug)."""

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from moodtune_contracts.errors import NotReady
from moodtune_service_kit.state import from_app_state


def _request(**state: Any) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(**state)))


def test_the_loaded_object_is_handed_to_the_route() -> None:
    get_catalog = from_app_state("catalog", dict)
    assert asyncio.run(get_catalog(_request(catalog={"tracks": 3}))) == {"tracks": 3}
    assert get_catalog.__name__ == "get_catalog"


def test_while_loading_it_answers_not_ready_with_the_services_words() -> None:
    get_model = from_app_state("engine", dict, not_ready="the model is not loaded yet")
    with pytest.raises(NotReady, match="the model is not loaded yet"):
        asyncio.run(get_model(_request(engine=None)))
    with pytest.raises(NotReady, match="still starting"):
        asyncio.run(from_app_state("upstreams", dict)(_request()))


def test_a_wrongly_typed_state_is_a_bug_not_a_503() -> None:
    with pytest.raises(TypeError, match="app.state.settings is str, not dict"):
        asyncio.run(from_app_state("settings", dict)(_request(settings="oops")))

""".env.example lists every setting with its default and is regenerated, never hand-edited."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.envfile import render_env_example, variable_names

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_is_generated_from_settings() -> None:
    text = (ROOT / ".env.example").read_text()
    assert text == render_env_example(), "regenerate with: python -m bot.envfile > .env.example"
    for name in Settings.model_fields:
        assert any(f"# {var}=" in text for var in variable_names(name)), name

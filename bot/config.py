"""Configuration: read once at start-up from YAML, validated, then passed to whoever needs it.

The bot token is deliberately not a config key: it comes from TELEGRAM_BOT_TOKEN or from a
file named by `telegram.token_file`, so that config files can be shared without leaking it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from bot.knowledge.located_yaml import MAX_BYTES, YamlSyntaxError, refuse_aliases
from bot.knowledge.models import LangText

CONFIG_ENV = "MYTHBOT_CONFIG"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DEFAULT_CONFIG = Path("config.yaml")
EXAMPLE_CONFIG = Path("config.example.yaml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the file."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Matching(_Section):
    """Defaults are the values measured on the dev sets (see config.example.yaml)."""

    answer_threshold: float = Field(default=0.45, ge=0, le=1)
    answer_margin: float = Field(default=0.01, ge=0, le=1)
    suggest_threshold: float = Field(default=0.38, ge=0, le=1)
    suggest_known_words: float = Field(default=0.4, ge=0, le=1)
    # Zipf frequency (3 = once per million words); the word lists go down to 3.0, so any
    # value up to 3 means "rarer than the lists"; 0 turns the check off.
    rare_word_zipf: float = Field(default=3.5, ge=0, le=8)
    # Of the four scoring signals, how many must each rank the best entry first to answer with
    # `answer_margin`; with fewer, the best entry must be `answer_margin_disputed` ahead.
    answer_agreement: int = Field(default=3, ge=0, le=4)
    answer_margin_disputed: float = Field(default=0.05, ge=0, le=1)
    # Below this share of known words, no answer and no suggestions, whatever the score.
    min_known_words: float = Field(default=0.2, ge=0, le=1)
    # An entry whose topic words the question uses ranks as if it scored this much more (the
    # order only: answering is decided on the scores). 0 turns the reordering off.
    topic_bonus: float = Field(default=0.1, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Matching:
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        return self


class Country(_Section):
    """Numbers shown in the red-flag reply, per country the patients may live in."""

    name: LangText
    emergency: str = Field(min_length=1)
    doctor_on_call: LangText
    crisis_line: LangText


class Clinic(_Section):
    slug: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str = Field(min_length=1)
    welcome: LangText
    phone: str | None = None
    url: str | None = None
    dutch: Literal["be", "nl"] | None = None  # None: the configuration's `dutch`


class RateLimit(_Section):
    messages: int = Field(ge=1)
    per_seconds: float = Field(gt=0)


class Storage(_Section):
    url: str = Field(min_length=1)
    retention_days: int = Field(ge=1)


class Beliefs(_Section):
    """The opt-in measure of beliefs: the same three statements again after this many days;
    the bot looks for due follow-ups every `check_every_seconds`."""

    follow_up_days: int = Field(default=14, ge=1)
    check_every_seconds: float = Field(default=60.0, gt=0)


class Webhook(_Section):
    """`python -m bot serve` (Telegram posts updates to us) and `python -m bot webhook`."""

    url: str | None = None  # the public HTTPS address Telegram posts to (`webhook set`)
    path: str = Field(default="/telegram", pattern=r"^/[A-Za-z0-9_/-]*$")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; MYTHBOT_WEBHOOK_SECRET wins.
    secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,256}$")
    instances: int = Field(default=1, ge=1)  # how many `serve` run; >1 needs PostgreSQL
    max_connections: int = Field(default=40, ge=1, le=100)  # Telegram's parallel posts
    max_body_bytes: int = Field(default=262_144, ge=1024)  # updates are a few kB


class Telegram(_Section):
    base_url: str = Field(min_length=1)
    bot_username: str = Field(min_length=1)
    token_file: Path | None = None
    # Tries to reach Telegram at start-up before giving up (waits 1, 2, 4… s in between).
    startup_attempts: int = Field(default=5, ge=1, le=20)


class Delivery(_Section):
    """How replies reach people when Telegram fails: tried again with growing pauses (and a
    random spread, so that a recovering Telegram is not hit by everyone at once) until sent."""

    retry_first_seconds: float = Field(default=1.0, gt=0)  # the first pause; doubles ...
    retry_max_seconds: float = Field(default=60.0, gt=0)  # ... up to this
    give_up_after_hours: float = Field(default=48.0, gt=0)  # then the reply is dropped (logged)
    # A reply sent this long after the question starts with a short "sorry for the delay".
    late_after_seconds: float = Field(default=3600.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Delivery:
        if self.retry_first_seconds > self.retry_max_seconds:
            raise ValueError("retry_first_seconds must not be above retry_max_seconds")
        return self


class Config(_Section):
    default_language: Literal["nl", "en"]
    dutch: Literal["be", "nl"] = "be"  # Belgian or Netherlands words (knowledge/dutch.yaml)
    knowledge_dir: Path
    # The built index, kept between runs; default $MYTHBOT_CACHE_DIR, else ~/.cache/mythbot.
    cache_dir: Path | None = None
    matching: Matching
    emergency: list[Country] = Field(min_length=1)
    clinics: list[Clinic] = Field(default_factory=list)
    rate_limit: RateLimit
    admins: list[int] = Field(default_factory=list)
    storage: Storage
    beliefs: Beliefs = Field(default_factory=Beliefs)  # older configs have no such section
    webhook: Webhook = Field(default_factory=Webhook)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]
    telegram: Telegram
    delivery: Delivery = Field(default_factory=Delivery)

    def clinic(self, slug: str) -> Clinic | None:
        return next((c for c in self.clinics if c.slug == slug), None)

    def dutch_for(self, slug: str | None) -> Literal["be", "nl"]:
        """The Dutch a clinic's patients read (Belgian or Netherlands words)."""
        clinic = self.clinic(slug) if slug else None
        return clinic.dutch if clinic is not None and clinic.dutch else self.dutch


def config_path(explicit: str | None) -> Path:
    """--config wins, then MYTHBOT_CONFIG, then ./config.yaml, then the shipped example."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else EXAMPLE_CONFIG


def load_config(path: Path) -> Config:
    """Read and validate `path`; relative paths inside it are taken from the file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
        if len(text) > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} kB; is it the right file?")
        refuse_aliases(text)  # a few lines of them can expand to gigabytes
        data: Any = yaml.safe_load(text)
    except YamlSyntaxError as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc}") from None
    except FileNotFoundError:
        raise ConfigError(f"{path}: the configuration file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError(f"{path}{line}: YAML syntax error"
                          + (f" ({problem})" if problem else "")) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a set of 'key: value' lines")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # An unknown key is most often a misspelt one, which also makes the right one
        # "missing": name the typo first, with the key it probably meant.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        key = ".".join(str(part) for part in err["loc"])
        if err["type"] == "missing":
            reason = "is missing"
        elif err["type"] == "extra_forbidden":
            missing = [str(e["loc"][-1]) for e in errors
                       if e["type"] == "missing" and e["loc"][:-1] == err["loc"][:-1]]
            meant = difflib.get_close_matches(str(err["loc"][-1]), missing, n=1)
            reason = ("is not a known key" + (f" (did you mean '{meant[0]}'?)" if meant
                                              else " (a typo?)"))
        else:
            reason = f"is wrong: {str(err['msg']).removeprefix('Value error, ')}"
        more = len(exc.errors()) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(f"{path}: the key '{key}' {reason}{extra}") from None
    # Every path in the file is taken from the file's folder, so that every command finds
    # the same knowledge base and database whichever folder it is started from.
    base = path.parent
    updates: dict[str, Any] = {
        "knowledge_dir": base / config.knowledge_dir,
        "storage": config.storage.model_copy(
            update={"url": sqlite_relative_to(config.storage.url, base.absolute())}),
    }
    if config.cache_dir is not None:
        updates["cache_dir"] = base / config.cache_dir
    if config.telegram.token_file is not None:
        updates["telegram"] = config.telegram.model_copy(
            update={"token_file": base / config.telegram.token_file}
        )
    return config.model_copy(update=updates)


def sqlite_relative_to(url: str, base: Path) -> str:
    """`url` with a relative SQLite file path made absolute from `base`; others as they are."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.startswith("sqlite"):
        return url
    file, query_sep, query = rest.partition("?")
    if file in ("", ":memory:") or file.startswith("file:") or Path(file).is_absolute():
        return url
    return f"{scheme}:///{(base / file).as_posix()}{query_sep}{query}"


def read_token(config: Config) -> SecretStr | None:
    """The bot token from the environment, else from the token file; None when there is none."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token and config.telegram.token_file is not None:
        try:
            token = config.telegram.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(
                f"telegram.token_file: cannot read {config.telegram.token_file}"
            ) from None
    return SecretStr(token) if token else None

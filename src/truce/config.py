"""Settings: one class, read from the environment with the prefix ``TRUCE_``.

``TRUCE_DATABASE_URL`` picks the database: an SQLite file by default, PostgreSQL by
URL (``postgresql+psycopg://user@host:port/db``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings. Nothing reads the environment at import time."""

    model_config = SettingsConfigDict(env_prefix="TRUCE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/truce.db",
        description="SQLAlchemy URL of the database (SQLite file or PostgreSQL).",
    )
    keys_dir: Path = Field(
        default=Path("var/keys"),
        description="Where `truce init` writes the demo delegates' key files and tokens.",
    )
    log_key_file: Path = Field(
        default=Path("var/keys/sec-log.key"),
        description="Key file of the secretariat's checkpoint key (the scenario's checkpoint_key).",
    )
    clock_key_file: Path | None = Field(
        default=None,
        description="Key file of the secretariat's case clock (role clock): when set,"
        " `truce serve` records every passed deadline as a signed case.lapse.",
    )
    clock_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often the case clock looks for passed deadlines."
    )
    max_request_bytes: int = Field(
        default=8 * 1024 * 1024,
        description="Largest request body the API accepts; larger ones get 413.",
    )
    max_file_bytes: int = Field(
        default=20 * 1024 * 1024,
        description="Largest evidence file accepted by POST /api/v1/files.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        description="Largest canonical act body, in bytes.",
    )
    max_entries_per_request: int = Field(
        default=1000,
        description="Most log entries one GET /log/v1/entries returns.",
    )
    scenario_dir: Path | None = Field(
        default=None,
        description="The scenario folder whose locale/ catalogues translate the scenario's"
        " labels in the web application (default: scenarios/<mechanism id> if present).",
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement.")
    read_only: bool = Field(
        default=False,
        description="Serve a mirror: no signing key, no writes.",
    )
    notify_key_file: Path | None = Field(
        default=None,
        description="Key file of the mechanism's Ed25519 notification key (`truce notify"
        " keygen`): it signs every webhook (v1a). When it or TRUCE_SMTP_HOST is set, `truce"
        " serve` runs the delivery worker.",
    )
    notify_interval_seconds: float = Field(
        default=2.0, gt=0, description="How often the delivery worker looks for what is due."
    )
    notify_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long a delivery a worker has taken is left to it before another"
        " worker may take it (after a crash); longer than the webhook and SMTP timeouts.",
    )
    notify_remind_hours: float = Field(
        default=24.0,
        ge=0,
        description="Remind those who must act this many hours before a case's deadline"
        " (0: no reminders).",
    )
    notify_digest_hour: int = Field(
        default=6,
        ge=0,
        le=23,
        description="The hour (UTC) of the daily digest, for delegates who chose one.",
    )
    notify_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address delegates open the mechanism at: the links in notifications.",
    )
    notify_allow_private_addresses: bool = Field(
        default=False,
        description="Deliver webhooks to private, loopback and link-local addresses (refused"
        " otherwise, so that an endpoint cannot reach into the server's own network).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a webhook endpoint has to answer."
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail notifications (none: no e-mail)."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="STARTTLS on a plain connection (port 587), TLS from the start (465), or"
        " none (a relay on the same machine only).",
    )
    smtp_username: str | None = Field(default=None, description="SMTP user, if it asks one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP user's password.")
    smtp_sender: str = Field(
        default="truce@localhost", description="The From address of e-mail notifications."
    )

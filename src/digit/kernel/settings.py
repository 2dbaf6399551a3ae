"""One typed settings object, read from `DIGIT_*` environment variables.

Settings are built once by the entry point (CLI or tests) and handed to `create_app`; nothing
reads the environment at import time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_MASTER_KEY = "digit-py-development-master-key-do-not-use"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGIT_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    blocks: list[str] = Field(default_factory=list, description="blocks to serve; empty = all")
    log_level: str = "INFO"
    log_json: bool = True
    sql_echo: bool = False

    master_key: SecretStr = SecretStr(DEV_MASTER_KEY)
    fixed_otp: str | None = Field(default=None, description="development-only fixed OTP (DIGIT's mock 123456)")

    events_backend: str = "inprocess"  # inprocess | nats
    nats_url: str = "nats://127.0.0.1:4222"
    files_backend: str = "local"  # local | s3
    s3_endpoint_url: str = ""
    s3_bucket: str = "digit-files"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_region: str = "us-east-1"
    nats_subject_prefix: str = "digit"  # JetStream stream <PREFIX>_EVENTS, subjects <prefix>.<DIGIT topic>
    events_max_attempts: int = 5  # then the delivery goes to the dead-letter table
    events_retry_base_ms: int = 1000  # backoff: base * 2 ** (attempt - 1)
    events_poll_ms: int = 500  # background dispatcher's idle poll
    events_gather_ms: int = 1000  # pause after a busy dispatch round: events pile up into batches under load
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses (or networks) of proxies whose X-Forwarded-For is believed; comma-separated",
    )
    metrics_allowed: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="client addresses (or networks) that may read /metrics; comma-separated",
    )
    url_shortener_allowed_hosts: list[str] = Field(
        default_factory=list, description="hosts short URLs may redirect to; empty = the host of public_url"
    )

    # notifications: SMS goes to the development sink unless a gateway URL template is set
    sms_gateway_url: str = Field(default="", description="URL template: {mobileNumber} {message} {category} {tenantId}")
    sms_gateway_method: str = "GET"  # GET (values in the URL) | POST (also a JSON body)
    smtp_host: str = ""  # empty = emails go to the development sink
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_start_tls: bool = False
    smtp_sender: str = "no-reply@digit.local"
    notification_retry_base_ms: int = 60_000  # backoff: base * 2**(attempt-1)
    notification_max_attempts: int = 5
    pdf_font_dir: str = ""  # folder with NotoSans*.ttf; empty = the fonts the manimgx-fonts package ships

    run_background: bool = True  # periodic work (dispatcher, schedulers) in API processes; off beside `digit worker`
    shutdown_grace_s: int = 3  # on SIGTERM, how long an API process waits for open requests before it stops
    mdms_cache_check_ms: int = 1000  # how often a process looks for master data written by another
    token_cache_ms: int = 60_000  # longest a process trusts a cached token or user (bumps drop them sooner)
    cache_check_ms: int = 1000  # how often a process looks for changes (logout, roles, configs) made by another
    idgen_time_zone: str = "Asia/Kolkata"  # [cy:...] and [fy:...] in ids, as DIGIT's id.timezone=IST
    enc_key_check_ms: int = 5000  # how often a process re-reads which encryption key is active (rotation bound)
    password_hash_time_cost: int = 2
    password_hash_memory_kib: int = 19456
    # identity: tokens, lockout (DIGIT's defaults: 5 failures in 30 min, unlocked after 60), OTPs
    access_token_ttl_seconds: int = 7 * 24 * 3600
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    login_max_failures: int = 5
    login_failure_window_minutes: int = 30
    login_lock_minutes: int = 60
    otp_ttl_seconds: int = 900
    otp_max_sends: int = 5  # per mobile number and purpose within otp_send_window_seconds
    otp_send_window_seconds: int = 900
    otp_max_attempts: int = 5  # wrong codes before an OTP is void
    # throttles per client address (see kernel/network.py) and per number; windows as above
    login_address_max_failures: int = 30  # failed logins from one address, any account, per failure window
    otp_send_max_per_address: int = 30  # OTP requests from one address per otp_send_window_seconds
    otp_send_max_per_number: int = 10  # OTP requests for one number, any type, answered or refused, per window
    # hostile input (kernel/inputs.py): past these a request is refused (413 for bodies, else 400)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)  # any body but a multipart upload
    max_upload_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)  # multipart bodies (filestore uploads)
    max_free_text_bytes: int = Field(default=64 * 1024, ge=256)  # one text, or one additionalDetail as JSON
    max_json_depth: int = Field(default=64, ge=8, le=500)  # nesting of a JSON body

    anonymous_routes: list[str] = Field(
        default_factory=list,
        description="routes that also answer without a token, narrowly (kernel/anonymous.py); blocks add theirs",
    )
    anonymous_max_per_address: int = 120  # anonymous calls from one client address per window; 0 = no limit
    anonymous_window_seconds: int = 60
    open_routes: list[str] = Field(
        default_factory=lambda: [
            "/health",
            "/metrics",
            "/user/oauth/token",
            "/user-otp/v1/_send",
            "/otp/v1/_validate",
            "/user/citizen/_create",
            "/user/password/nologin/_update",
            "/egov-mdms-service/v1/_search",
            "/egov-mdms-service/v1/_get",
            "/mdms-v2/v1/_search",
            "/mdms-v2/v2/_search",
            "/mdms-v2/v2/_count",
            "/mdms-v2/schema/v1/_search",
            "/localization/messages/v1/_search",
            "/localization/messages",
            "/tenant/v1/tenant/_search",
            "/egov-location/location/v11/boundarys/_search",
            "/boundary-service/boundary/_search",
            "/boundary-service/boundary-hierarchy-definition/_search",
            "/boundary-service/boundary-relationships/_search",
        ],
        description="routes reachable without a token (exact route templates; a trailing * matches a prefix)",
    )

    @field_validator("trusted_proxies", "metrics_allowed", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _defaults_and_production_guards(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.var_dir / 'digit.db').resolve()}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        if self.env is Environment.PRODUCTION:
            if self.fixed_otp:
                raise ValueError("DIGIT_FIXED_OTP must not be set when DIGIT_ENV=production")
            if self.master_key.get_secret_value() == DEV_MASTER_KEY:
                raise ValueError("set DIGIT_MASTER_KEY to a secret of your own when DIGIT_ENV=production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def files_dir(self) -> Path:
        return self.var_dir / "files"

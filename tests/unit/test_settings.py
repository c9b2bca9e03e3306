"""Settings from both FC Python runtimes: 3.10 context credentials, 3.12 environment variables."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ossimg.errors import ConfigError
from ossimg.settings import Settings

CREDS = SimpleNamespace(access_key_id="STS.id", access_key_secret="sk-Zr81", security_token="tk-Qa07")


def test_python310_context_credentials(tmp_path):
    context = SimpleNamespace(region="cn-shanghai", credentials=CREDS)
    settings = Settings.from_runtime(context, {}, tmp_path)
    assert settings.credentials.access_key_id == "STS.id"
    assert settings.credentials.security_token == "tk-Qa07"
    assert settings.endpoint == "https://oss-cn-shanghai-internal.aliyuncs.com"
    assert (settings.rules, settings.code_dir, settings.rules_ttl) == ("rules.yaml", tmp_path, 60)
    assert (settings.retry_attempts, settings.retry_base) == (5, 0.05)


def test_python312_environment_credentials(tmp_path):
    context = SimpleNamespace(region="cn-hangzhou")  # 3.12 has no context.credentials
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk",
           "ALIBABA_CLOUD_SECURITY_TOKEN": "tk", "OSSIMG_OSS_ENDPOINT": "http://127.0.0.1:9000",
           "OSSIMG_RULES": "conf/rules.yaml"}  # fmt: skip
    settings = Settings.from_runtime(context, env, tmp_path)
    assert (settings.credentials.access_key_id, settings.credentials.security_token) == ("id", "tk")
    assert settings.endpoint == "http://127.0.0.1:9000"
    assert settings.rules == "conf/rules.yaml"


def test_secrets_stay_out_of_repr(tmp_path):
    settings = Settings.from_runtime(SimpleNamespace(region="r", credentials=CREDS), {}, tmp_path)
    assert "sk-Zr81" not in repr(settings)
    assert "tk-Qa07" not in repr(settings)


@pytest.mark.parametrize(("context", "env", "message"), [
    (SimpleNamespace(region="r"), {}, "no credentials"),
    (SimpleNamespace(region="r"), {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id"}, "no credentials"),
    (SimpleNamespace(credentials=CREDS), {}, "no region"),
    (SimpleNamespace(region="r", credentials=CREDS), {"OSSIMG_RETRY_ATTEMPTS": "0"}, "from 1 to 20, got '0'"),
    (SimpleNamespace(region="r", credentials=CREDS), {"OSSIMG_RETRY_ATTEMPTS": "²"}, "from 1 to 20, got '²'"),
    (SimpleNamespace(region="r", credentials=CREDS), {"OSSIMG_RETRY_BASE": "-1"}, "must not be negative"),
])  # fmt: skip
def test_missing_settings(tmp_path, context, env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_runtime(context, env, tmp_path)

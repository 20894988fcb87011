"""Identity providers come from the environment; a half-configured one stops the start-up."""

import json

from tests.test_settings import run_manage

SHOW = (
    "shell",
    "-c",
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'providers': s.SOCIALACCOUNT_PROVIDERS, 'csp': s.CSP_FORM_ACTION}))",
)


def test_franceconnect_defaults_to_the_integration_platform_and_any_oidc_provider_is_configured(tmp_path):
    result = run_manage(
        *SHOW,
        GUICHET_VAR_DIR=str(tmp_path),
        FRANCECONNECT_ENABLED="true",
        FRANCECONNECT_CLIENT_ID="fc-id",
        FRANCECONNECT_SECRET="fc-secret",
        OIDC_PROVIDERS="mairie",
        OIDC_MAIRIE_NAME="Compte Ma Ville",
        OIDC_MAIRIE_CLIENT_ID="rp",
        OIDC_MAIRIE_SECRET="s",
        OIDC_MAIRIE_SERVER_URL="https://sso.ma-ville.fr/realms/citoyens/",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])  # after the shell's "N objects imported"
    [fc] = data["providers"]["franceconnect"]["APPS"]
    assert fc["settings"]["server_url"] == "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
    assert fc["settings"]["auth_params"] == {"acr_values": "eidas1"}
    assert fc["settings"]["scope"] == ["openid", "given_name", "family_name", "email", "birthdate"]
    [mairie] = data["providers"]["openid_connect"]["APPS"]
    assert (mairie["provider_id"], mairie["name"]) == ("mairie", "Compte Ma Ville")
    assert mairie["settings"]["server_url"] == "https://sso.ma-ville.fr/realms/citoyens"
    assert data["csp"] == ["https://fcp-low.sbx.dev-franceconnect.fr", "https://sso.ma-ville.fr"]


def test_a_provider_without_client_id_is_refused_at_start(tmp_path):
    result = run_manage("check", GUICHET_VAR_DIR=str(tmp_path), FRANCECONNECT_ENABLED="true")
    assert result.returncode != 0
    assert "FRANCECONNECT_CLIENT_ID" in result.stderr

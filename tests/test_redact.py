"""memorybrain.redact: secrets are replaced before storage, code and line numbers survive."""

from __future__ import annotations

import textwrap
import time

import pytest

from memorybrain.redact import find_secrets, is_env_file, redact

# Fake credentials are assembled from pieces so this file holds no token-shaped literal.
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
GITLAB = "glpat-" + "xY3kP9qLm2Nz7Rt5Wv8B"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_TEST = "sk_" + "test_" + "51H8x2KZvKYlo2C0aIiXyZ"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
OPENAI = "sk-" + "proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f"
ANTHROPIC = "sk-ant-" + "api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM_BODY = (
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
)


def lines_equal_except(before: str, after: str, changed: set[int]) -> None:
    """Same line count; lines (1-based) outside ``changed`` are identical."""
    b, a = before.split("\n"), after.split("\n")
    assert len(a) == len(b)
    for n, (x, y) in enumerate(zip(b, a, strict=True), 1):
        if n not in changed:
            assert x == y, n


@pytest.mark.parametrize(
    ("line", "secret", "expected"),
    [
        (
            f'AWS_ACCESS_KEY_ID = "{AWS_ID}"',
            AWS_ID,
            'AWS_ACCESS_KEY_ID = "<redacted:aws-access-key>"',
        ),
        (
            f'aws_secret_access_key = "{AWS_SECRET}"',
            AWS_SECRET,
            'aws_secret_access_key = "<redacted:aws-secret-key>"',
        ),
        (
            f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}",
            AWS_SECRET,
            "AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-key>",
        ),
        (
            f'gh = Github(auth=Auth.Token("{GITHUB}"))',
            GITHUB,
            'gh = Github(auth=Auth.Token("<redacted:github-token>"))',
        ),
        (f'PAT = "{GITHUB_PAT}"', GITHUB_PAT, 'PAT = "<redacted:github-token>"'),
        (
            f'gl = gitlab.Gitlab(url, private_token="{GITLAB}")',
            GITLAB,
            'gl = gitlab.Gitlab(url, private_token="<redacted:gitlab-token>")',
        ),
        (
            f'client = WebClient(token="{SLACK}")',
            SLACK,
            'client = WebClient(token="<redacted:slack-token>")',
        ),
        (f'stripe.api_key = "{STRIPE}"', STRIPE, 'stripe.api_key = "<redacted:stripe-key>"'),
        (f"STRIPE_KEY = '{STRIPE_TEST}'", STRIPE_TEST, "STRIPE_KEY = '<redacted:stripe-key>'"),
        (
            f'MAPS_URL = f"https://maps.googleapis.com/api?key={GOOGLE}"',
            GOOGLE,
            'MAPS_URL = f"https://maps.googleapis.com/api?key=<redacted:google-api-key>"',
        ),
        (
            f'client = OpenAI(api_key="{OPENAI}")',
            OPENAI,
            'client = OpenAI(api_key="<redacted:openai-key>")',
        ),
        (
            f'client = Anthropic(api_key="{ANTHROPIC}")',
            ANTHROPIC,
            'client = Anthropic(api_key="<redacted:anthropic-key>")',
        ),
        (
            f'headers = {{"Authorization": "Bearer {JWT}"}}',
            JWT,
            'headers = {"Authorization": "Bearer <redacted:jwt>"}',
        ),
    ],
)
def test_provider_tokens(line: str, secret: str, expected: str) -> None:
    out = redact(line)
    assert out == expected
    assert secret not in out


def test_connection_string_keeps_user_and_host() -> None:
    code = 'SQLALCHEMY_DATABASE_URI = "postgresql://shop:Pa55w0rd!@db.internal:5432/shop"\n'
    assert redact(code) == ('SQLALCHEMY_DATABASE_URI = "postgresql://shop:<redacted>@db.internal:5432/shop"\n')
    assert redact("redis://default:hunter22@cache:6379/0") == "redis://default:<redacted>@cache:6379/0"
    assert redact("mysql+pymysql://root:toor123@localhost/app") == ("mysql+pymysql://root:<redacted>@localhost/app")


@pytest.mark.parametrize(
    "code",
    [
        'url = f"postgresql://{user}:{password}@{host}/{db}"',
        'url = "postgresql://%(user)s:%(password)s@%(host)s/app"',
        'url = "postgresql://app:${DB_PASSWORD}@db/app"',
        'url = "postgresql://localhost/app"',
        'url = "https://example.com/a:b"',
    ],
)
def test_connection_string_templates_are_code(code: str) -> None:
    assert redact(code) == code


def test_secret_assignments() -> None:
    code = textwrap.dedent(
        """\
        class Config:
            SECRET_KEY = "s3cr3t-dev-key-123"
            JWT_SECRET_KEY = 'Zm9vYmFyYmF6cXV4'
            api_key: str = "abcdef123456"
            db_password = "hunter22"


        settings = {"token": "tok_81hd7Hs9", "password": "", "secret": "qwe.rty.uio9"}
        user = create_user(username="bob", password="correct-horse-42")
        API_KEY = os.getenv("API_KEY", "dev-key-123456")
        """
    )
    out = redact(code)
    assert out == textwrap.dedent(
        """\
        class Config:
            SECRET_KEY = "<redacted:secret>"
            JWT_SECRET_KEY = '<redacted:secret>'
            api_key: str = "<redacted:secret>"
            db_password = "<redacted:password>"


        settings = {"token": "<redacted:token>", "password": "", "secret": "<redacted:secret>"}
        user = create_user(username="bob", password="<redacted:password>")
        API_KEY = os.getenv("API_KEY", "<redacted:secret>")
        """
    )
    assert find_secrets(code) == [
        ("secret", "s3cr3t-dev-key-123"),
        ("secret", "Zm9vYmFyYmF6cXV4"),
        ("secret", "abcdef123456"),
        ("password", "hunter22"),
        ("token", "tok_81hd7Hs9"),
        ("secret", "qwe.rty.uio9"),
        ("password", "correct-horse-42"),
        ("secret", "dev-key-123456"),
    ]


NOT_SECRETS = textwrap.dedent(
    """\
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
    token_url = "/token"
    SECRET_KEY = os.environ["SECRET_KEY"]
    JWT_SECRET = os.getenv("JWT_SECRET")
    PASSWORD_RESET_SUBJECT = "Reset your password"
    TOKEN_HEADER = "Authorization"
    token_type = "bearer"
    SECURITY_PASSWORD_HASH = "bcrypt"
    WANDB_API_KEY = "WANDB_API_KEY"
    OAUTH_PASSWORD = "password"
    RESET_PASSWORD = 'reset_password'
    REFRESH_TOKEN = "refresh-token"
    client_secret_method = "client_secret_basic"
    secret = "string:" + config.get("SECRET_KEY")


    class User(db.Model):
        password_hash = db.Column(db.String(128))
        api_token = db.Column(db.String(64), unique=True)

        def check(self, password: str) -> bool:
            if password == "hunter2":
                return False
            return check_password_hash(self.password_hash, password)


    @app.post("/token")
    def login(form: OAuth2PasswordRequestForm = Depends()):
        token = request.headers.get("Authorization")
        return {"access_token": create_token(form.username), "token_type": "bearer"}


    if not show_secrets:
        config[key] = "[HIDDEN]"
    """
)


def test_false_positives_are_kept() -> None:
    assert redact(NOT_SECRETS) == NOT_SECRETS
    assert find_secrets(NOT_SECRETS) == []


def test_private_key_block_keeps_line_count() -> None:
    code = (
        "import jwt\n"
        "\n"
        'PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----\n'
        f"{PEM_BODY}"
        '-----END RSA PRIVATE KEY-----"""\n'
        "\n"
        "def sign(payload):\n"
        '    return jwt.encode(payload, PRIVATE_KEY, algorithm="RS256")\n'
    )
    out = redact(code)
    assert out == (
        "import jwt\n"
        "\n"
        'PRIVATE_KEY = """<redacted:private-key>\n'
        "\n"
        '\n"""\n'
        "\n"
        "def sign(payload):\n"
        '    return jwt.encode(payload, PRIVATE_KEY, algorithm="RS256")\n'
    )
    assert "MIIEow" not in out
    assert out.count("\n") == code.count("\n")
    assert out.split("\n")[7] == "def sign(payload):"
    assert [kind for kind, _ in find_secrets(code)] == ["private-key"]


def test_private_key_in_one_line_string_and_unterminated() -> None:
    one_line = 'KEY = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"'
    assert redact(one_line) == 'KEY = "<redacted:private-key>\\n"'
    cut = "key = '''-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    out = redact(cut)
    assert out.startswith("key = '''<redacted:private-key>\n")
    assert out.count("\n") == cut.count("\n")


def test_realistic_settings_module() -> None:
    code = textwrap.dedent(
        f"""\
        import os

        DEBUG = False
        SECRET_KEY = "django-insecure-8f#k2!x0qz@1m$v7"
        DATABASES = {{
            "default": {{
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
                "USER": "shop",
                "PASSWORD": "Sup3rS3cret!",
                "HOST": os.environ.get("DB_HOST", "localhost"),
            }}
        }}
        AWS_ACCESS_KEY_ID = "{AWS_ID}"
        AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"
        CELERY_BROKER_URL = "redis://:r3dispass@cache:6379/0"
        STRIPE_SECRET_KEY = "{STRIPE}"
        """
    )
    out = redact(code)
    for secret in ("8f#k2", "Sup3rS3cret!", AWS_ID, AWS_SECRET, "r3dispass", STRIPE):
        assert secret not in out
    lines_equal_except(code, out, {4, 10, 14, 15, 16, 17})
    assert out.split("\n")[3] == 'SECRET_KEY = "<redacted:secret>"'
    assert out.split("\n")[9] == '        "PASSWORD": "<redacted:password>",'
    assert out.split("\n")[15] == 'CELERY_BROKER_URL = "redis://:<redacted>@cache:6379/0"'
    assert '"HOST": os.environ.get("DB_HOST", "localhost")' in out


def test_redact_is_idempotent_and_keeps_clean_text() -> None:
    code = f'TOKEN = "{GITHUB}"\nx = 1\n'
    once = redact(code)
    assert redact(once) == once
    assert redact("") == ""
    plain = "def add(a, b):\n    return a + b\n"
    assert redact(plain) == plain


def test_non_ascii_text_still_folds_case() -> None:
    code = 'MESSAGE = "İstanbul café"\nDB_PASSWORD = "hunter22"\n'
    assert redact(code) == 'MESSAGE = "İstanbul café"\nDB_PASSWORD = "<redacted:password>"\n'


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA PRIVATE KEY-----\n" * 5000,
        "sk-" * 50000,
        "token" * 30000,
        'password = "' * 15000,
        "://" * 50000,
        ("eyJ" + "a" * 20000 + " ") * 8,
        "aws_secret_access_key = " * 6000,
        "a." * 80000 + 'token = "abcdefgh123"',
    ],
)
def test_adversarial_inputs_stay_linear(text: str) -> None:
    start = time.perf_counter()
    out = redact(text)
    assert time.perf_counter() - start < 1.0
    assert out.count("\n") == text.count("\n")


def test_one_megabyte_is_fast() -> None:
    chunk = NOT_SECRETS + f'API_KEY = "{GITHUB}"\nurl = "postgresql://u:p4ss@h/db"\n'
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    start = time.perf_counter()
    out = redact(text)
    assert time.perf_counter() - start < 2.0
    assert out.count("\n") == text.count("\n")
    assert GITHUB not in out


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".env", True),
        ("backend/.env", True),
        (".env.local", True),
        (".env.production", True),
        ("config/prod.env", True),
        (".envrc", True),
        ("environment.py", False),
        ("app/env.py", False),
        ("docs/.environment", False),
        ("envs/readme.md", False),
    ],
)
def test_is_env_file(path: str, expected: bool) -> None:
    assert is_env_file(path) is expected

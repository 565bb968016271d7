"""Secret redaction: applied to every piece of code or text before it is stored.

``redact(text)`` replaces credentials with a visible marker (``<redacted:KIND>``) and keeps
the text's line structure intact, so ``path:line`` provenance stays right: no marker spans a
newline, and a private-key block becomes one marker followed by the block's line breaks.
``find_secrets(text)`` reports what ``redact`` replaces, as ``(kind, matched text)`` pairs.

Rules, applied in order, each one regex pass (skipped when its literal hint is absent):

1. PEM private-key blocks (``private-key``); an unterminated block loses its header line.
2. Provider tokens with a recognisable shape: AWS access key ids, GitHub, GitLab, Slack
   tokens and webhooks, Stripe secret keys, Google API keys, Anthropic and OpenAI keys, JWTs.
3. AWS secret access keys assigned to an ``aws_secret_access_key``-like name.
4. Passwords in connection strings: ``scheme://user:<redacted>@host``. Templated passwords
   (``{password}``, ``${DB_PASS}``, ``%(pw)s``) are code, not secrets, and are kept.
5. String literals assigned to a name that looks secret (``=``, annotated ``name: str =``,
   keyword argument, dict key, or the default of ``os.getenv("NAME", "...")``). A name looks
   secret when it contains secret/password/passwd/pwd/token/api key/access key/private key/
   credential/auth key/signing key/encryption key and its last word is not a descriptor
   such as ``url``, ``hash``, ``type``, ``header`` or ``name`` (``tokenUrl``,
   ``password_hash``, ``token_type``). The literal is kept when it is empty, contains
   whitespace (a message), is a path (``"/token"``) or URL, a template, a short lowercase
   word under six characters (``"token"``), or already redacted. Non-literals such as
   ``os.environ["SECRET_KEY"]`` or ``request.headers.get(...)`` are never touched.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["find_secrets", "is_env_file", "marker", "redact"]

#: ``(kind, matched text)``.
Finding = tuple[str, str]
#: ``(match, original text, findings) -> replacement``, or None to keep the match as is.
Replacer = Callable[[re.Match[str], str, list[Finding]], str | None]

_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_NAME_CHARS = _WORD_CHARS | {"-", "."}


def marker(kind: str) -> str:
    return f"<redacted:{kind}>"


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    hints: tuple[str, ...]  # the pass runs only if one of these occurs in the text
    replace: Replacer
    #: match a lowercase pattern against ``text.lower()`` (same offsets unless a character
    #: lowercases to two): several times faster than ``re.IGNORECASE``.
    fold: bool = False
    folded_fallback: re.Pattern[str] | None = None

    def apply(self, text: str, found: list[Finding], lowered: str | None = None) -> str:
        """One pass over ``text``; ``lowered`` is ``text.lower()`` if the caller has it."""
        if not any(h in text for h in self.hints):
            return text
        pattern, haystack = self.pattern, text
        if self.fold:
            haystack = text.lower() if lowered is None else lowered
            if len(haystack) != len(text):  # a character lowercased to two: offsets shift
                pattern, haystack = self.folded_fallback or pattern, text
        out: list[str] = []
        pos = 0
        for m in pattern.finditer(haystack):
            replacement = self.replace(m, text, found)
            if replacement is None:
                continue
            out.append(text[pos : m.start()])
            out.append(replacement)
            pos = m.end()
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)


def _rule(pattern: str, hints: tuple[str, ...], replace: Replacer, fold: bool = False) -> _Rule:
    compiled = re.compile(pattern)
    fallback = re.compile(pattern, re.IGNORECASE) if fold else None
    return _Rule(compiled, hints, replace, fold, fallback)


def _splice(m: re.Match[str], text: str, group: str, replacement: str) -> str:
    """The match's original text with group ``group`` replaced."""
    return text[m.start() : m.start(group)] + replacement + text[m.end(group) : m.end()]


def _token(kind: str, *, needs_digit: bool = False) -> Replacer:
    """Replace the whole match, unless it continues an identifier on the left."""

    def replace(m: re.Match[str], text: str, found: list[Finding]) -> str | None:
        if m.start() > 0 and text[m.start() - 1] in _WORD_CHARS:
            return None
        if needs_digit and not any(c.isdigit() for c in m.group(0)):
            return None
        found.append((kind, m.group(0)))
        return marker(kind)

    return replace


_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,20}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,20}PRIVATE KEY(?: BLOCK)?-----")
_PEM_MAX = 20000  # characters from BEGIN to END; further apart, only the BEGIN line goes


def _redact_private_keys(text: str, found: list[Finding]) -> str:
    """PEM private-key blocks become one marker plus the block's line breaks.

    Linear: END positions are found once and each BEGIN takes the next one (a lazy
    ``BEGIN.*?END`` regex is quadratic on text full of BEGIN lines without an END).
    An unterminated block loses its BEGIN line from the header on.
    """
    if "PRIVATE KEY" not in text:
        return text
    ends = [m.end() for m in _PEM_END.finditer(text)]
    out: list[str] = []
    pos = 0
    for m in _PEM_BEGIN.finditer(text):
        if m.start() < pos:
            continue
        i = bisect.bisect_left(ends, m.end())
        if i < len(ends) and ends[i] - m.start() <= _PEM_MAX:
            stop = ends[i]
        else:
            newline = text.find("\n", m.end())
            stop = len(text) if newline < 0 else newline
        block = text[m.start() : stop]
        found.append(("private-key", block))
        out += [text[pos : m.start()], marker("private-key") + "\n" * block.count("\n")]
        pos = stop
    out.append(text[pos:])
    return "".join(out)


def _aws_secret(m: re.Match[str], text: str, found: list[Finding]) -> str:
    found.append(("aws-secret-key", text[m.start("secret") : m.end("secret")]))
    return _splice(m, text, "secret", marker("aws-secret-key"))


#: Placeholders filled in at run time: ``{password}``, ``{}``, ``${DB_PASS}``, ``$DB_PASS``,
#: ``%(password)s``, ``<password>``. (Not any ``$`` or ``%``: real keys contain those.)
_TEMPLATE = re.compile(r"\{[A-Za-z_]?[\w.]*\}|\$\{[^}]*\}|^\$[A-Za-z_]\w*$|%\([A-Za-z_]\w*\)[sdr]|<[A-Za-z_][\w .-]*>")


def _connection_password(m: re.Match[str], text: str, found: list[Finding]) -> str | None:
    password = m.group("password")
    if _TEMPLATE.search(password) or set(password) <= {"*"}:
        return None
    found.append(("connection-password", password))
    return f"://{m.group('user')}:<redacted>@"


# --- string literals assigned to secret-looking names -----------------------------------

#: Last words of a name that describe a secret rather than hold one.
_DESCRIPTOR_WORDS = frozenset(
    """url uri urls path paths endpoint route view header headers name names field fields
    type types prefix suffix location hash hashed hasher length len min max expires expiry
    expiration ttl lifetime age regex pattern algorithm algorithms alg label hint help text
    message msg error errors placeholder column attr attribute template form policy validator
    file filename dir env var variable id ids count limit format style class mode scheme
    param params query cookie kwarg kwargs arg args description desc title method methods
    backend store kind level status state flag enabled required version provider source
    strategy rounds iterations""".split()
)

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[_\-.]+")
_SHORT_WORD = re.compile(r"[a-z_\-]{1,5}")
_CONSTANT_NAME = re.compile(r"[A-Z_]+")
_LOWER_IDENTIFIER = re.compile(r"[a-z]+(?:[_\-.:][a-z]+)+")
_OPERATOR_AFTER = re.compile(r"[ \t]*(?:[+%]|in\b|==|!=)")


def _last_word(name: str) -> str:
    parts = [p for p in _SEPARATORS.split(_CAMEL_BOUNDARY.sub("_", name)) if p]
    return parts[-1].lower() if parts else ""


def _looks_secret(value: str) -> bool:
    """Whether a literal assigned to a secret-looking name is plausibly a real secret.

    Not secrets: empty, redacted, messages (whitespace), paths and URLs, templates, short
    lowercase words (``"token"``), names of things rather than values: ALL_CAPS names
    (``"WANDB_API_KEY"``, ``"EMPTY"``), lowercase snake/kebab/dotted identifiers
    (``"client_secret_basic"``), and values that themselves name a secret (``"password"``,
    ``"your-secret-key"``, ``"reset_password"``: placeholders and enum values).
    """
    if not value or "<redacted" in value or any(c.isspace() for c in value):
        return False
    if value.startswith(("/", "./", "../")) or "://" in value:
        return False
    if _TEMPLATE.search(value):
        return False
    if _SHORT_WORD.fullmatch(value) or _CONSTANT_NAME.fullmatch(value):
        return False
    if _LOWER_IDENTIFIER.fullmatch(value):
        return False
    return _SECRET_WORD_RE.search(value.lower()) is None


def _continues_expression(text: str, end: int) -> bool:
    """The literal is an operand (``"Bearer " + t``, ``"x" in y``), not the assigned value."""
    return _OPERATOR_AFTER.match(text, end) is not None


def _secret_kind(name: str) -> str:
    lowered = name.lower()
    if "pass" in lowered or "pwd" in lowered:
        return "password"
    if "token" in lowered:
        return "token"
    return "secret"


def _name_start(text: str, start: int) -> int:
    """Extend a name match to the left over identifier characters (``JWT_`` + ``SECRET``)."""
    limit = max(0, start - 120)
    while start > limit and text[start - 1] in _NAME_CHARS:
        start -= 1
    return start


def _assignment(m: re.Match[str], text: str, found: list[Finding]) -> str | None:
    name = text[_name_start(text, m.start("name")) : m.end("name")]
    value = text[m.start("value") : m.end("value")]
    if _last_word(name) in _DESCRIPTOR_WORDS or not _looks_secret(value):
        return None
    if _continues_expression(text, m.end()):
        return None
    kind = _secret_kind(name)
    found.append((kind, value))
    return _splice(m, text, "value", marker(kind))


#: Lowercase: these rules match against the lowercased text.
_SECRET_WORD = (
    r"(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credentials?|auth[_-]?key|signing[_-]?key|encryption[_-]?key)"
)
_NAME = r"(?P<name>" + _SECRET_WORD + r"[a-z0-9_\-]{0,80})"
_SECRET_WORD_RE = re.compile(_SECRET_WORD)
#: ``name = "v"``, ``name: str = "v"``, ``name="v"``, ``"name": "v"``, ``name: "v"``.
_ASSIGN_OP = (
    r"""["']?[ \t]*"""
    r"(?::[ \t]*(?:[a-z_][\w\[\]., |]{0,60}?[ \t]*=(?!=)[ \t]*)?|=(?!=)[ \t]*)"
)
_LITERAL = r"""[rbuf]{0,2}(?P<q>["'])(?P<value>(?:(?!(?P=q))[^\\\n]|\\.){0,500})(?P=q)"""

_RULES: tuple[_Rule, ...] = (
    _rule(
        r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])",
        ("AKIA", "ASIA", "ABIA", "ACCA"),
        _token("aws-access-key"),
    ),
    _rule(
        r"gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}",
        ("gh",),
        _token("github-token"),
    ),
    _rule(r"glpat-[A-Za-z0-9_\-]{20,200}", ("glpat-",), _token("gitlab-token")),
    _rule(r"xox[abposr]-[A-Za-z0-9\-]{10,300}", ("xox",), _token("slack-token")),
    _rule(
        r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{20,300}",
        ("hooks.slack.com",),
        _token("slack-webhook"),
    ),
    _rule(r"[sr]k_(?:live|test)_[A-Za-z0-9]{10,300}", ("k_live_", "k_test_"), _token("stripe-key")),
    _rule(r"AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", ("AIza",), _token("google-api-key")),
    _rule(r"sk-ant-[A-Za-z0-9_\-]{20,300}", ("sk-ant-",), _token("anthropic-key")),
    _rule(  # sk-..., sk-proj-...: long, with a digit (not a kebab-case word)
        r"sk-[A-Za-z0-9_\-]{32,300}", ("sk-",), _token("openai-key", needs_digit=True)
    ),
    _rule(
        r"eyJ[A-Za-z0-9_\-]{8,2000}\.eyJ[A-Za-z0-9_\-]{8,8000}\.[A-Za-z0-9_\-]{8,2000}",
        ("eyJ",),
        _token("jwt"),
    ),
    _rule(
        r"(?:aws_?secret(?:_?access)?_?key|secret_?access_?key)[\"']?\s*[:=]\s*[\"']?"
        r"(?P<secret>[a-z0-9/+=]{40})(?![a-z0-9/+=])",
        ("ecret", "ECRET"),
        _aws_secret,
        fold=True,
    ),
    _rule(
        r"://(?P<user>[^\s:/@'\"<>]{0,200}):(?P<password>[^\s@/'\"]{1,200})@",
        ("://",),
        _connection_password,
    ),
    _rule(_NAME + _ASSIGN_OP + _LITERAL, ("=", ":"), _assignment, fold=True),
    _rule(  # os.getenv("API_KEY", "default"), os.environ.get('SECRET', 'default')
        r"(?:getenv|environ\.get|environ\.setdefault)\(\s*[\"'][a-z0-9_\-.]*?" + _NAME + r"[\"']\s*,\s*" + _LITERAL,
        ("getenv", "environ."),
        _assignment,
        fold=True,
    ),
)


def _run(text: str) -> tuple[str, list[Finding]]:
    found: list[Finding] = []
    text = _redact_private_keys(text, found)
    lowered: str | None = None
    for rule in _RULES:
        if rule.fold and lowered is None:
            lowered = text.lower()
        result = rule.apply(text, found, lowered)
        if result is not text:
            text, lowered = result, None
    return text, found


def redact(text: str) -> str:
    """``text`` with every detected secret replaced by a marker; line count unchanged."""
    return _run(text)[0]


def find_secrets(text: str) -> list[Finding]:
    """``(kind, matched)`` for every secret ``redact`` replaces, in rule order."""
    return _run(text)[1]


def is_env_file(path: str) -> bool:
    """``.env``, ``.env.*``, ``*.env`` and ``.envrc`` files: never indexed."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name in (".env", ".envrc") or name.startswith(".env.") or name.endswith(".env")

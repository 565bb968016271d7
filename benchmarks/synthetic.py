"""A synthetic FastAPI codebase of any size, for the scale points of ``benchmarks/speed.py``.

    .venv/bin/python -m benchmarks.synthetic OUT_DIR --lines 50000
    .venv/bin/python -m benchmarks.synthetic OUT_DIR --resources 40

The tree looks like a real layered API (the bundled example in ``tests/fixtures/fastapi_app``
grown to many resources): a core package (settings, database session, the error hierarchy and
its handler, pagination, the auth dependency, middleware), and per resource a SQLAlchemy
model, pydantic schemas, a CRUD router whose handlers take ``CurrentUser`` and raise the
project's errors, a service module of helpers with docstrings, and endpoint tests with a test
client. Names come from a fixed vocabulary plus a number, so every resource is distinct and
the output depends only on the arguments (same input, same bytes).

About 394 lines and 25 patterns per resource: 65 patterns per 1,000 lines, denser than the
real corpus (ckan 44, FlaskBB 50), so lines per second measured on it are conservative.
"""

from __future__ import annotations

import argparse
import random
import textwrap
from pathlib import Path

NOUNS = """invoice shipment customer order product review coupon ticket comment notification
warehouse supplier payment refund subscription plan report dashboard widget alert device
sensor reading vehicle driver route stop booking room guest schedule shift employee team
project task milestone sprint release artifact build pipeline deployment cluster node volume
snapshot backup policy rule audit event webhook token session profile address contact lead
campaign segment survey answer question course lesson quiz grade student teacher enrollment
library book author loan member fine playlist track album artist podcast episode channel
recipe ingredient menu table reservation parcel courier claim quote contract asset license
""".split()
ADJECTIVES = """active pending archived public private shared primary external internal daily
monthly urgent default legacy verified draft""".split()
FIELDS = [
    ("name", "String(120)", "str"),
    ("title", "String(200)", "str"),
    ("description", "Text", "str | None"),
    ("status", "String(32)", "str"),
    ("amount", "Numeric(12, 2)", "float"),
    ("quantity", "Integer", "int"),
    ("priority", "Integer", "int"),
    ("email", "String(255)", "str"),
    ("url", "String(500)", "str | None"),
    ("notes", "Text", "str | None"),
    ("code", "String(40)", "str"),
    ("score", "Float", "float"),
    ("is_enabled", "Boolean", "bool"),
    ("external_ref", "String(80)", "str | None"),
]
VERBS = """validate compute normalize summarize reconcile export import archive notify refresh
resolve merge split rank filter schedule estimate enrich audit sync""".split()

#: Lines and patterns one resource adds (measured on generated trees; used to size them).
LINES_PER_RESOURCE = 394
PATTERNS_PER_RESOURCE = 25.5


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def _resource_names(count: int) -> list[str]:
    names = []
    for i in range(count):
        noun = NOUNS[i % len(NOUNS)]
        cycle = i // len(NOUNS)
        if cycle == 0:
            names.append(noun)
        else:
            adj = ADJECTIVES[(cycle - 1) % len(ADJECTIVES)]
            suffix = "" if cycle <= len(ADJECTIVES) else str(cycle)
            names.append(f"{adj}_{noun}{suffix}")
    return names


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = textwrap.dedent(text).lstrip("\n")
    path.write_text(body)
    return body.count("\n")


CORE = {
    "pyproject.toml": """
        [project]
        name = "synthetic-api"
        version = "0.1.0"
        dependencies = ["fastapi>=0.110", "sqlalchemy>=2.0", "pydantic>=2.6", "pyjwt>=2.8", "uvicorn>=0.30"]

        [project.optional-dependencies]
        test = ["pytest>=8", "httpx>=0.27"]
        """,
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/routes/__init__.py": "",
    "app/models/__init__.py": "",
    "app/schemas/__init__.py": "",
    "app/services/__init__.py": "",
    "tests/__init__.py": "",
    "app/core/config.py": """
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            DATABASE_URL: str = "sqlite:///./app.db"
            JWT_SECRET: str = "change-me"
            JWT_ALGORITHM: str = "HS256"
            PAGE_SIZE: int = 50


        settings = Settings()
        """,
    "app/core/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import DeclarativeBase, sessionmaker

        from app.core.config import settings

        engine = create_engine(settings.DATABASE_URL)
        SessionLocal = sessionmaker(bind=engine, autoflush=False)


        class Base(DeclarativeBase):
            pass
        """,
    "app/core/errors.py": '''
        from fastapi import Request
        from fastapi.responses import JSONResponse


        class AppError(Exception):
            """Base class of the errors handlers raise; rendered by ``app_error_handler``."""

            status_code = 400
            code = "bad_request"

            def __init__(self, message: str, code: str | None = None) -> None:
                super().__init__(message)
                self.message = message
                if code:
                    self.code = code


        class NotFoundError(AppError):
            status_code = 404
            code = "not_found"


        class PermissionDeniedError(AppError):
            status_code = 403
            code = "forbidden"


        class AuthError(AppError):
            status_code = 401
            code = "unauthorized"


        class ConflictError(AppError):
            status_code = 409
            code = "conflict"


        async def app_error_handler(request: Request, exc: AppError) -> JSONResponse:
            return JSONResponse(
                status_code=exc.status_code,
                content={"error": {"code": exc.code, "message": exc.message}},
            )
        ''',
    "app/core/pagination.py": '''
        from typing import Generic, TypeVar

        from pydantic import BaseModel
        from sqlalchemy.orm import Query

        T = TypeVar("T")


        class Page(BaseModel, Generic[T]):
            items: list[T]
            total: int
            page: int
            size: int


        def paginate(query: Query, page: int, size: int) -> Page:
            """Apply offset/limit to ``query`` and count the full result set."""
            total = query.order_by(None).count()
            items = query.offset((page - 1) * size).limit(size).all()
            return Page(items=items, total=total, page=page, size=size)
        ''',
    "app/api/deps.py": '''
        from collections.abc import Generator
        from typing import Annotated

        import jwt
        from fastapi import Depends
        from fastapi.security import OAuth2PasswordBearer
        from sqlalchemy.orm import Session

        from app.core.config import settings
        from app.core.db import SessionLocal
        from app.core.errors import AuthError
        from app.models.user import User

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


        def get_db() -> Generator[Session, None, None]:
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()


        SessionDep = Annotated[Session, Depends(get_db)]
        TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


        def get_current_user(db: SessionDep, token: TokenDep) -> User:
            """The user of the bearer token; 401 when it is missing, expired or unknown."""
            if token is None:
                raise AuthError("Not authenticated")
            try:
                payload = jwt.decode(token, settings.JWT_SECRET, algorithms=[settings.JWT_ALGORITHM])
            except jwt.InvalidTokenError as exc:
                raise AuthError("Could not validate credentials") from exc
            user = db.get(User, int(payload["sub"]))
            if user is None or not user.is_active:
                raise AuthError("User not found or inactive")
            return user


        CurrentUser = Annotated[User, Depends(get_current_user)]
        ''',
    "app/models/user.py": """
        from sqlalchemy import Boolean, Integer, String
        from sqlalchemy.orm import Mapped, mapped_column

        from app.core.db import Base


        class User(Base):
            __tablename__ = "users"

            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
            hashed_password: Mapped[str] = mapped_column(String(255))
            is_active: Mapped[bool] = mapped_column(Boolean, default=True)
            is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
        """,
    "tests/conftest.py": """
        import pytest
        from fastapi.testclient import TestClient

        from app.main import app


        @pytest.fixture
        def client():
            return TestClient(app)


        @pytest.fixture
        def auth_headers():
            return {"Authorization": "Bearer test-token"}
        """,
}


def _model(r: str, fields: list[tuple[str, str, str]]) -> str:
    cls = _camel(r)
    cols = "\n".join(
        f"    {name}: Mapped[{py}] = mapped_column({sa.split('(')[0]}{'(' + sa.split('(', 1)[1] if '(' in sa else ''}"
        f"{', nullable=True' if 'None' in py else ''})"
        for name, sa, py in fields
    )
    types = sorted({sa.split("(")[0] for _, sa, _ in fields} | {"DateTime", "ForeignKey", "Integer"})
    return f'''
from datetime import datetime

from sqlalchemy import {", ".join(types)}
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base


class {cls}(Base):
    """A {r.replace("_", " ")} owned by one user."""

    __tablename__ = "{r}s"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
{cols}
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    owner = relationship("User")
'''


def _schemas(r: str, fields: list[tuple[str, str, str]]) -> str:
    cls = _camel(r)
    required = "\n".join(f"    {n}: {py}" + (" = None" if "None" in py else "") for n, _, py in fields)
    optional = "\n".join(f"    {n}: {py.replace(' | None', '')} | None = None" for n, _, py in fields)
    return f"""
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class {cls}Create(BaseModel):
{required}


class {cls}Update(BaseModel):
{optional}


class {cls}Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
{required}
    created_at: datetime
"""


def _routes(r: str, fields: list[tuple[str, str, str]]) -> str:
    cls = _camel(r)
    first = fields[0][0]
    return f'''
from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import NotFoundError, PermissionDeniedError
from app.core.pagination import Page, paginate
from app.models.{r} import {cls}
from app.models.user import User
from app.schemas.{r} import {cls}Create, {cls}Out, {cls}Update
from app.services.{r} import validate_{r}

router = APIRouter(prefix="/api/v1/{r}s", tags=["{r}s"])


def get_{r}_for_user(db: Session, {r}_id: int, user: User) -> {cls}:
    item = db.get({cls}, {r}_id)
    if item is None or item.is_deleted:
        raise NotFoundError(f"{cls} {{{r}_id}} not found")
    if item.owner_id != user.id and not user.is_admin:
        raise PermissionDeniedError("Not your {r.replace("_", " ")}")
    return item


@router.get("/", response_model=Page[{cls}Out])
def list_{r}s(
    db: SessionDep,
    user: CurrentUser,
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=200),
):
    query = db.query({cls}).filter({cls}.owner_id == user.id, {cls}.is_deleted.is_(False))
    return paginate(query.order_by({cls}.id.desc()), page=page, size=size)


@router.post("/", response_model={cls}Out, status_code=201)
def create_{r}(payload: {cls}Create, db: SessionDep, user: CurrentUser) -> {cls}:
    validate_{r}(payload.{first})
    item = {cls}(owner_id=user.id, **payload.model_dump())
    db.add(item)
    db.commit()
    db.refresh(item)
    return item


@router.get("/{{{r}_id}}", response_model={cls}Out)
def get_{r}({r}_id: int, db: SessionDep, user: CurrentUser) -> {cls}:
    return get_{r}_for_user(db, {r}_id, user)


@router.patch("/{{{r}_id}}", response_model={cls}Out)
def update_{r}({r}_id: int, payload: {cls}Update, db: SessionDep, user: CurrentUser) -> {cls}:
    item = get_{r}_for_user(db, {r}_id, user)
    for key, value in payload.model_dump(exclude_unset=True).items():
        setattr(item, key, value)
    db.commit()
    db.refresh(item)
    return item


@router.delete("/{{{r}_id}}", status_code=204)
def delete_{r}({r}_id: int, db: SessionDep, user: CurrentUser) -> None:
    item = get_{r}_for_user(db, {r}_id, user)
    item.is_deleted = True
    db.commit()
'''


def _services(r: str, rng: random.Random, helpers: int) -> str:
    cls = _camel(r)
    out = [
        f'''
"""Business rules for {r.replace("_", " ")}s that the routes share."""

from app.core.errors import ConflictError
from app.models.{r} import {cls}


def validate_{r}(value: object) -> None:
    """Refuse an empty or reserved {r.replace("_", " ")} value before it reaches the database."""
    if value in (None, "", "reserved"):
        raise ConflictError("invalid {r.replace("_", " ")}")
'''
    ]
    verbs = rng.sample(VERBS, k=min(helpers, len(VERBS)))
    for verb in verbs:
        field, _, _ = rng.choice(FIELDS)
        limit = rng.randint(3, 90)
        out.append(
            f'''

def {verb}_{r}_{field}(items: list[{cls}], limit: int = {limit}) -> list[object]:
    """{verb.capitalize()} the {field} of each {r.replace("_", " ")}, at most ``limit`` of them.

    Items without a {field} are skipped; the result keeps the input order.
    """
    out: list[object] = []
    seen: set[object] = set()
    skipped = 0
    for item in items:
        if getattr(item, "is_deleted", False):
            skipped += 1
            continue
        value = getattr(item, "{field}", None)
        if value is None:
            skipped += 1
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                skipped += 1
                continue
        key = (item.owner_id, value)
        if key in seen:
            continue
        seen.add(key)
        out.append(value)
        if len(out) >= limit:
            break
    if skipped and not out:
        raise ConflictError(f"no {r.replace("_", " ")} has a usable {field} ({{skipped}} skipped)")
    return out
'''
        )
    return "".join(out)


def _tests(r: str) -> str:
    return f'''
import pytest

PAYLOAD = {{"name": "sample {r}", "title": "A {r}", "status": "active", "code": "{r[:6].upper()}-1"}}


@pytest.fixture
def created_{r}(client, auth_headers):
    response = client.post("/api/v1/{r}s/", json=PAYLOAD, headers=auth_headers)
    assert response.status_code == 201
    return response.json()


def test_list_{r}s(client, auth_headers, created_{r}):
    response = client.get("/api/v1/{r}s/", params={{"page": 1, "size": 10}}, headers=auth_headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {{"items", "total", "page", "size"}}
    assert body["total"] >= 1
    assert any(item["id"] == created_{r}["id"] for item in body["items"])


def test_create_{r}(client, auth_headers):
    response = client.post("/api/v1/{r}s/", json=PAYLOAD, headers=auth_headers)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] > 0
    assert body["name"] == PAYLOAD["name"]


def test_create_{r}_rejects_reserved(client, auth_headers):
    response = client.post("/api/v1/{r}s/", json={{**PAYLOAD, "name": "reserved"}}, headers=auth_headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_get_{r}_not_found(client, auth_headers):
    response = client.get("/api/v1/{r}s/999999", headers=auth_headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_update_{r}(client, auth_headers, created_{r}):
    url = f"/api/v1/{r}s/{{created_{r}['id']}}"
    response = client.patch(url, json={{"title": "renamed"}}, headers=auth_headers)
    assert response.status_code == 200
    assert response.json()["title"] == "renamed"
    assert client.get(url, headers=auth_headers).json()["title"] == "renamed"


def test_delete_{r}(client, auth_headers, created_{r}):
    url = f"/api/v1/{r}s/{{created_{r}['id']}}"
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert client.get(url, headers=auth_headers).status_code == 404


def test_delete_{r}_requires_auth(client):
    response = client.delete("/api/v1/{r}s/1")
    assert response.status_code == 401
'''


def generate(root: Path, *, resources: int, helpers: int = 6, seed: int = 0) -> dict[str, int]:
    """Write a codebase of ``resources`` resources under ``root``; returns files and lines."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    lines = files = 0
    for rel, text in CORE.items():
        lines += _write(root / rel, text)
        files += 1
    names = _resource_names(resources)
    for r in names:
        fields = rng.sample(FIELDS, k=rng.randint(3, 7))
        for rel, text in (
            (f"app/models/{r}.py", _model(r, fields)),
            (f"app/schemas/{r}.py", _schemas(r, fields)),
            (f"app/api/routes/{r}.py", _routes(r, fields)),
            (f"app/services/{r}.py", _services(r, rng, helpers)),
            (f"tests/api/test_{r}.py", _tests(r)),
        ):
            lines += _write(root / rel, text)
            files += 1
    includes = "\n".join(f"app.include_router({r}.router)" for r in names)
    imports = "\n".join(f"from app.api.routes import {r}" for r in names)
    lines += _write(
        root / "app/main.py",
        f"""
from fastapi import FastAPI

{imports}
from app.core.errors import AppError, app_error_handler

app = FastAPI(title="synthetic")
app.add_exception_handler(AppError, app_error_handler)
{includes}
""",
    )
    files += 1
    return {"resources": resources, "files": files, "lines": lines}


def resources_for_lines(lines: int) -> int:
    return max(1, round(lines / LINES_PER_RESOURCE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--lines", type=int, help="about this many lines of Python")
    group.add_argument("--resources", type=int, help="exactly this many resources")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    count = args.resources or resources_for_lines(args.lines)
    print(generate(args.out, resources=count, seed=args.seed))


if __name__ == "__main__":
    main()

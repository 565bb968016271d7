"""indexers.models: SQLAlchemy, SQLModel, Flask-SQLAlchemy models; pydantic, marshmallow schemas."""

from __future__ import annotations

import json
import textwrap

from indexers import extract_python, models
from indexers.base import ParsedFile
from memorybrain.models import FileExtract, Pattern


def run(source: str, path: str = "app/models.py") -> FileExtract:
    return models.extract(ParsedFile.parse(path, textwrap.dedent(source).encode()))


def by_name(source: str, path: str = "app/models.py") -> dict[str, Pattern]:
    fe = run(source, path)
    return {p.qualname: p for p in fe.patterns}


CLASSIC = """
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(120), unique=True, nullable=False)
    items = relationship("Item", back_populates="owner")


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("users.id"))
    owner = relationship("User", back_populates="items")


def helper():
    return 1
"""


def test_sqlalchemy_classic_model() -> None:
    found = by_name(CLASSIC)
    assert sorted(found) == ["Item", "User"]
    user = found["User"]
    assert user.kind == "model"
    assert user.summary == "model User (users) — id:Integer, email:String(120), items→Item"
    assert user.meta == {
        "orm": "sqlalchemy",
        "table": "users",
        "table_inferred": False,
        "fields": [{"name": "id", "type": "Integer"}, {"name": "email", "type": "String(120)"}],
        "relationships": [{"name": "items", "target": "Item"}],
        "bases": ["Base"],
        "foreign_keys": [],
        "abstract": False,
        "validators": [],
    }
    assert (user.start_line, user.end_line) == (8, 12)
    assert user.code.startswith("class User(Base):")
    item = found["Item"]
    assert item.meta["foreign_keys"] == [{"name": "owner_id", "target": "users.id"}]
    assert item.meta["relationships"] == [{"name": "owner", "target": "User"}]
    json.dumps(item.meta)


def test_sqlalchemy_2_mapped_and_declarative_base_class() -> None:
    found = by_name(
        """
        from typing import Optional
        from sqlalchemy import ForeignKey, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

        class Base(DeclarativeBase):
            pass

        class User(Base):
            __tablename__ = "user_account"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(30))
            fullname: Mapped[Optional[str]]
            addresses: Mapped[list["Address"]] = relationship(back_populates="user")

        class Address(Base):
            __tablename__ = "address"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            user: Mapped["User"] = relationship(back_populates="addresses")
        """
    )
    assert sorted(found) == ["Address", "User"]  # the bare declarative base is not a model
    user = found["User"]
    assert user.meta["fields"] == [
        {"name": "id", "type": "int"},
        {"name": "name", "type": "str"},
        {"name": "fullname", "type": "Optional[str]"},
    ]
    assert user.meta["relationships"] == [{"name": "addresses", "target": "Address"}]
    assert user.summary == ("model User (user_account) — id:int, name:str, fullname:Optional[str], addresses→Address")
    address = found["Address"]
    assert address.meta["relationships"] == [{"name": "user", "target": "User"}]
    assert address.meta["foreign_keys"] == [{"name": "user_id", "target": "user_account.id"}]


def test_project_base_with_columns_and_abstract_and_mixins() -> None:
    found = by_name(
        """
        import sqlalchemy as sa
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

        class Base(DeclarativeBase):
            id: Mapped[int] = mapped_column(primary_key=True)

        class TimestampMixin:
            created_at = sa.Column(sa.DateTime, default=sa.func.now())

        class Tag(Base, TimestampMixin):
            __tablename__ = "tags"
            label = sa.Column(sa.String(50))
        """
    )
    assert found["Base"].meta["abstract"] is True
    assert found["Base"].meta["fields"] == [{"name": "id", "type": "int"}]
    mixin = found["TimestampMixin"]
    assert mixin.meta["abstract"] is True
    assert mixin.meta["table"] is None
    assert mixin.meta["fields"] == [{"name": "created_at", "type": "DateTime"}]
    tag = found["Tag"]
    assert tag.meta["abstract"] is False
    assert tag.meta["fields"] == [{"name": "label", "type": "String(50)"}]
    assert tag.summary == "model Tag (tags) — label:String(50)"


def test_model_detected_by_body_when_base_is_imported() -> None:
    found = by_name(
        """
        from sqlalchemy import Column, Integer, Text
        from app.db.base_class import Base

        class Note(Base):
            __tablename__ = "notes"
            id = Column(Integer, primary_key=True)
            body = Column("body_text", Text)
        """
    )
    assert found["Note"].meta["fields"] == [
        {"name": "id", "type": "Integer"},
        {"name": "body", "type": "Text"},
    ]
    assert found["Note"].meta["orm"] == "sqlalchemy"


def test_sqlmodel_table_and_schemas() -> None:
    found = by_name(
        """
        from typing import Optional
        from sqlmodel import Field, Relationship, SQLModel

        class HeroBase(SQLModel):
            name: str = Field(index=True)
            age: Optional[int] = None

        class Hero(HeroBase, table=True):
            id: Optional[int] = Field(default=None, primary_key=True)
            team_id: Optional[int] = Field(default=None, foreign_key="team.id")
            team: Optional["Team"] = Relationship(back_populates="heroes")

        class HeroCreate(HeroBase):
            pass
        """
    )
    base = found["HeroBase"]
    assert base.kind == "schema"
    assert base.meta == {
        "library": "sqlmodel",
        "fields": [
            {"name": "name", "type": "str", "required": True},
            {"name": "age", "type": "Optional[int]", "required": False},
        ],
        "bases": ["SQLModel"],
        "validators": [],
    }
    hero = found["Hero"]
    assert hero.kind == "model"
    assert hero.meta["orm"] == "sqlmodel"
    assert hero.meta["table"] == "hero"
    assert hero.meta["table_inferred"] is True
    assert hero.meta["fields"] == [
        {"name": "id", "type": "Optional[int]"},
        {"name": "team_id", "type": "Optional[int]"},
    ]
    assert hero.meta["relationships"] == [{"name": "team", "target": "Team"}]
    assert hero.meta["foreign_keys"] == [{"name": "team_id", "target": "team.id"}]
    assert found["HeroCreate"].kind == "schema"
    assert found["HeroCreate"].summary == "schema HeroCreate (sqlmodel) — extends HeroBase"


def test_sqlmodel_table_keyword_with_imported_base() -> None:
    found = by_name(
        """
        from sqlmodel import Field
        from app.schemas.base import NamedSchema

        class StackSchema(NamedSchema, table=True):
            __tablename__ = "stack"
            description: str = Field(nullable=True)
        """
    )
    assert found["StackSchema"].kind == "model"
    assert found["StackSchema"].meta["orm"] == "sqlmodel"
    assert found["StackSchema"].summary == "model StackSchema (stack) — description:str"


def test_flask_sqlalchemy_model() -> None:
    found = by_name(
        """
        from app.extensions import db

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String(80), nullable=False)
            author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
            author = db.relationship("User", backref=db.backref("posts", lazy=True))

        class BlogPost(Post):
            __tablename__ = "blog_posts"
        """
    )
    post = found["Post"]
    assert post.meta["orm"] == "flask-sqlalchemy"
    assert post.meta["table"] == "post"
    assert post.meta["table_inferred"] is True
    assert post.meta["fields"] == [
        {"name": "id", "type": "Integer"},
        {"name": "title", "type": "String(80)"},
        {"name": "author_id", "type": "Integer"},
    ]
    assert post.meta["foreign_keys"] == [{"name": "author_id", "target": "user.id"}]
    assert post.summary == ("model Post (post) — id:Integer, title:String(80), author_id:Integer, author→User")
    blog = found["BlogPost"]
    assert blog.meta["orm"] == "flask-sqlalchemy"
    assert blog.summary == "model BlogPost (blog_posts) — extends Post"


def test_flask_sqlalchemy_abstract_project_base() -> None:
    found = by_name(
        """
        from app import db

        class BaseModel(db.Model):
            __abstract__ = True
            id = db.Column(db.Integer, primary_key=True)

        class UserRole(BaseModel):
            name = db.Column(db.String(20))
        """
    )
    assert found["BaseModel"].meta["abstract"] is True
    assert found["BaseModel"].meta["table"] is None
    role = found["UserRole"]
    assert role.kind == "model"
    assert role.meta["orm"] == "flask-sqlalchemy"
    assert role.meta["table"] == "user_role"


def test_django_and_keras_models_are_not_flask_models() -> None:
    found = by_name(
        """
        from django.db import models
        import keras

        class Article(models.Model):
            title = models.CharField(max_length=10)

        class Net(keras.Model):
            pass
        """
    )
    assert found == {}


def test_pydantic_schemas() -> None:
    found = by_name(
        """
        from typing import ClassVar, Optional
        import pydantic
        from pydantic import BaseModel, Field, field_validator

        class ItemBase(BaseModel):
            name: str
            price: float = Field(..., gt=0)
            description: Optional[str] = None
            tags: list[str] = Field(default_factory=list)
            kind: ClassVar[str] = "item"
            _secret: str = "x"

            @field_validator("name")
            @classmethod
            def name_not_empty(cls, v):
                return v

        class ItemCreate(ItemBase):
            pass

        class Other(pydantic.BaseModel):
            model_config = {"frozen": True}
            count: int = Field(description="how many")
        """,
        "app/schemas.py",
    )
    base = found["ItemBase"]
    assert base.kind == "schema"
    assert base.meta == {
        "library": "pydantic",
        "fields": [
            {"name": "name", "type": "str", "required": True},
            {"name": "price", "type": "float", "required": True},
            {"name": "description", "type": "Optional[str]", "required": False},
            {"name": "tags", "type": "list[str]", "required": False},
        ],
        "bases": ["BaseModel"],
        "validators": ["name_not_empty"],
    }
    assert base.summary == (
        "schema ItemBase (pydantic) — name:str, price:float, description:Optional[str], tags:list[str]"
    )
    assert found["ItemCreate"].meta["library"] == "pydantic"
    assert found["ItemCreate"].meta["bases"] == ["ItemBase"]
    assert found["Other"].meta["fields"] == [{"name": "count", "type": "int", "required": True}]


def test_pydantic_schema_with_imported_base_detected_by_field_usage() -> None:
    found = by_name(
        """
        from pydantic import Field
        from app.models.base import BaseRequest

        class UserRequest(BaseRequest):
            name: str = Field(title="The name")

        class Plain(BaseRequest):
            name: str
        """
    )
    assert list(found) == ["UserRequest"]
    assert found["UserRequest"].meta["library"] == "pydantic"


def test_pydantic_settings() -> None:
    found = by_name(
        """
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_file=".env")
            database_url: str
            debug: bool = False
        """
    )
    settings = found["Settings"]
    assert settings.kind == "schema"
    assert settings.meta["settings"] is True
    assert settings.meta["fields"] == [
        {"name": "database_url", "type": "str", "required": True},
        {"name": "debug", "type": "bool", "required": False},
    ]
    assert settings.summary == "schema Settings (pydantic settings) — database_url:str, debug:bool"


def test_marshmallow_schemas() -> None:
    found = by_name(
        """
        from marshmallow import Schema, fields, validates
        from app.extensions import ma
        from app.models import User

        class ItemSchema(Schema):
            id = fields.Int(dump_only=True)
            name = fields.String(required=True)
            tags = fields.List(fields.String())

            @validates("name")
            def validate_name(self, value):
                pass

        class UserSchema(ma.SQLAlchemyAutoSchema):
            items = fields.Nested(ItemSchema, many=True)

            class Meta:
                model = User
                load_instance = True
        """
    )
    item = found["ItemSchema"]
    assert item.meta == {
        "library": "marshmallow",
        "fields": [
            {"name": "id", "type": "Int", "required": False},
            {"name": "name", "type": "String", "required": True},
            {"name": "tags", "type": "List(String())", "required": False},
        ],
        "bases": ["Schema"],
        "validators": ["validate_name"],
    }
    user = found["UserSchema"]
    assert user.meta["model"] == "User"
    assert user.meta["fields"] == [{"name": "items", "type": "Nested(ItemSchema)", "required": False}]
    assert user.summary == "schema UserSchema (marshmallow, model User) — items:Nested(ItemSchema)"


def test_dataclasses_enums_and_plain_classes_are_not_schemas() -> None:
    found = by_name(
        """
        from dataclasses import dataclass
        from enum import Enum
        from pydantic import BaseModel

        @dataclass
        class Point:
            x: int
            y: int

        class Color(str, Enum):
            RED = "red"

        class Service:
            name: str
        """
    )
    assert found == {}


def test_page_schema_is_left_to_pagination() -> None:
    found = by_name(
        """
        from typing import Generic, TypeVar
        from pydantic import BaseModel

        T = TypeVar("T")

        class Page(BaseModel, Generic[T]):
            items: list[T]
            total: int
        """
    )
    assert found == {}


def test_imperative_mapping_annotations() -> None:
    found = by_name(
        """
        from typing import Optional
        from sqlalchemy import types
        from sqlalchemy.orm import Mapped
        from app.model import domain_object

        class Package(domain_object.DomainObject):
            id: Mapped[str]
            owner_org: Mapped[Optional[str]]
            resources: Mapped[list["Resource"]]
            owner: Mapped[Optional["User"]]
            kind = Column(types.UnicodeText)
        """
    )
    pkg = found["Package"]
    assert pkg.meta["fields"] == [
        {"name": "id", "type": "str"},
        {"name": "owner_org", "type": "Optional[str]"},
        {"name": "kind", "type": "UnicodeText"},
    ]
    assert pkg.meta["relationships"] == [
        {"name": "resources", "target": "Resource"},
        {"name": "owner", "target": "User"},
    ]


def test_long_summaries_are_truncated() -> None:
    cols = "\n".join(f"    c{i} = Column(Integer)" for i in range(12))
    source = f"from sqlalchemy import Column, Integer\n\nclass Wide(Base):\n{cols}\n"
    found = by_name(source)
    assert found["Wide"].summary == (
        "model Wide — c0:Integer, c1:Integer, c2:Integer, c3:Integer, c4:Integer, c5:Integer, c6:Integer, c7:Integer, …"
    )
    assert len(found["Wide"].meta["fields"]) == 12


def test_empty_and_broken_files_do_not_raise() -> None:
    assert run("").patterns == []
    assert run("   \n").patterns == []
    broken = run("class User(Base:\n    id = Column(Integer\n\ndef f(:\n")
    assert all(p.kind in ("model", "schema") for p in broken.patterns)
    bad_bytes = models.extract(ParsedFile.parse("m.py", b"\xff\xfe class X(db.Model): pass"))
    assert isinstance(bad_bytes, FileExtract)


def test_merged_by_extract_python() -> None:
    fe = extract_python("app/models.py", textwrap.dedent(CLASSIC).encode())
    kinds = {p.qualname: p.kind for p in fe.patterns}
    assert kinds["User"] == "model"
    assert kinds["Item"] == "model"
    assert kinds["helper"] == "function"


WTFORMS = """
from flask_wtf import FlaskForm
from wtforms import Form, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[Length(min=8)])
    next_url = "/"

    def validate_email(self, field):
        if field.data.endswith("@example.invalid"):
            raise ValueError("no")


class SearchForm(Form):
    q = StringField()


class Profile(LoginForm):
    bio = StringField("Bio")


class NotAForm:
    name = StringField()
"""


def test_wtforms_forms_are_validation_schemas() -> None:
    found = by_name(WTFORMS, "app/forms.py")
    login = found["LoginForm"]
    assert login.kind == "schema"
    assert login.meta["library"] == "wtforms"
    fields = {f["name"]: f for f in login.meta["fields"]}
    assert set(fields) == {"email", "password"}
    assert fields["email"] == {
        "name": "email",
        "type": "StringField",
        "required": True,
        "validators": ["DataRequired", "Email"],
    }
    assert fields["password"]["required"] is False
    assert login.meta["validators"] == ["validate_email"]
    assert found["SearchForm"].meta["library"] == "wtforms"
    assert found["Profile"].kind == "schema"  # a subclass of a form in the same file
    assert "NotAForm" not in found


def test_a_form_class_without_wtforms_imports_is_not_a_schema() -> None:
    found = by_name("class Form:\n    pass\n\nclass Signup(Form):\n    name = 1\n", "app/forms.py")
    assert "Signup" not in found

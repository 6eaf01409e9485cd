import datetime as dt

from ninja import Schema
from pydantic import Field

from openciq.accounts.choices import OrgUnitKind, Role
from openciq.core.api import Brief, InSchema


class OrgUnitBrief(Brief):
    pass


class OrgUnitIn(InSchema):
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: OrgUnitKind
    parent: int | None = None
    description: str = ""
    is_active: bool = True


class OrgUnitPatch(InSchema):
    code: str | None = Field(None, max_length=32)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: OrgUnitKind | None = None
    description: str | None = None
    is_active: bool | None = None


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: OrgUnitKind
    parent: OrgUnitBrief | None
    path: str
    description: str
    is_active: bool


class UserBrief(Schema):
    id: int
    username: str
    display_name: str


class UserIn(InSchema):
    username: str = Field(max_length=150)
    display_name: str = Field("", max_length=100)
    email: str = ""
    org_unit: int | None = None
    is_active: bool = True
    roles: list[Role] = []
    new_password: str = Field("", description="Sets the password when not empty.")


class UserPatch(InSchema):
    username: str | None = Field(None, max_length=150)
    display_name: str | None = Field(None, max_length=100)
    email: str | None = None
    org_unit: int | None = None
    is_active: bool | None = None
    roles: list[Role] | None = None
    new_password: str | None = None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    org_unit: OrgUnitBrief | None
    is_active: bool
    roles: list[str] = Field(validation_alias="role_names")
    last_login: dt.datetime | None

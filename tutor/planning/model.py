"""The team model: hats, `Person` and `Team`, validated with messages that say what to fix.

Pure: a person's hats are read through a `Skills` table passed in (see `tutor.planning.skills`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator

from tutor.errors import TeamError

Hat = Literal["Product", "Data Scientist", "Data Engineer", "ML Engineer", "SRE/Platform"]
ProductKind = Literal["llm", "ml"]
#: how much of a person the team has: a part-timer or a contractor is never the only owner of
#: something that pages at 3am (the allocator gives them a full-time backup or another owner)
Availability = Literal["full-time", "part-time", "contractor"]
HATS: tuple[Hat, ...] = (
    "Product",
    "Data Scientist",
    "Data Engineer",
    "ML Engineer",
    "SRE/Platform",
)
PRODUCTS: tuple[ProductKind, ...] = ("llm", "ml")

MAX_PEOPLE = 50
MAX_NAME_CHARS = 80
MAX_ROLES = 20
MAX_ROLE_CHARS = 100
NO_PEOPLE = (
    "A team needs at least one person: tell me who is on it, "
    "e.g. 'Ana is a data scientist, Ben runs infra'."
)

_UNSET: Any = object()


class Person(BaseModel):
    """A team member: a name and free role/skill words ("data scientist", "infra", "PM").

    Whitespace is tidied here; whether the name and roles are usable is checked by `Team`,
    which can say which person (by position) is wrong.
    """

    name: str
    roles: list[str] = []
    availability: Availability = "full-time"

    def __init__(self, name: str = _UNSET, roles: Iterable[str] = _UNSET, **data: Any) -> None:
        # Positional use reads naturally: Person("Ana", ["data scientist"]).
        given = {k: v for k, v in (("name", name), ("roles", roles)) if v is not _UNSET}
        super().__init__(**given, **data)

    @field_validator("name", mode="before")
    @classmethod
    def _tidy_name(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value

    @field_validator("roles", mode="before")
    @classmethod
    def _tidy_roles(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        roles = [" ".join(r.split()) if isinstance(r, str) else r for r in value]
        return [r for r in roles if r != ""]


def _person_problem(person: Person) -> str | None:
    if not person.name:
        return "the name is empty: give every person a name (e.g. 'Ana')."
    if len(person.name) > MAX_NAME_CHARS:
        return f"the name is over {MAX_NAME_CHARS} characters: {person.name[:40]!r}…"
    if len(person.roles) > MAX_ROLES:
        return f"at most {MAX_ROLES} roles per person (got {len(person.roles)})."
    for role in person.roles:
        if len(role) > MAX_ROLE_CHARS:
            return f"a role is over {MAX_ROLE_CHARS} characters: {role[:40]!r}…"
    return None


class Team(BaseModel):
    """The people (1 to 50, unique names) and the kind of product they ship."""

    people: list[Person]
    product: ProductKind = "llm"

    def __init__(
        self, people: Iterable[Person] = _UNSET, product: str = _UNSET, **data: Any
    ) -> None:
        """Team([Person("Ana")], "llm"); TeamError with a clear message if it is not valid."""
        given = {k: v for k, v in (("people", people), ("product", product)) if v is not _UNSET}
        try:
            super().__init__(**given, **data)
        except ValidationError as exc:
            raise team_error(exc) from None

    @field_validator("product", mode="before")
    @classmethod
    def _lower_product(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("people")
    @classmethod
    def _check_people(cls, people: list[Person]) -> list[Person]:
        if not people:
            raise ValueError(NO_PEOPLE)
        if len(people) > MAX_PEOPLE:
            raise ValueError(too_many_people(len(people)))
        seen: dict[str, str] = {}
        for number, person in enumerate(people, start=1):
            problem = _person_problem(person)
            if problem:
                raise ValueError(f"Person {number}: {problem}")
            key = person.name.casefold()
            if key in seen:
                raise ValueError(
                    f"Two people are called {seen[key]!r} and {person.name!r}: names must be "
                    "unique (ignoring case), e.g. 'Ana' and 'Ana B'."
                )
            seen[key] = person.name
        return people

    @classmethod
    def build(
        cls, people: Iterable[Person | Mapping[str, Any] | str], product: str = "llm"
    ) -> Team:
        """A validated Team from Persons, {"name", "roles"} mappings or bare names; TeamError."""
        if isinstance(people, str | bytes | Mapping):
            raise TeamError("People must be a list of persons, e.g. [{'name': 'Ana'}].")
        items = [{"name": p} if isinstance(p, str) else p for p in people]
        try:
            return cls.model_validate({"people": items, "product": product})
        except ValidationError as exc:
            raise team_error(exc) from None


def too_many_people(count: int) -> str:
    """The message for a team over the limit (shared with the team reader)."""
    return (
        f"A team can have at most {MAX_PEOPLE} people (got {count}): "
        "allocate each sub-team separately."
    )


def make_team(people: Iterable[Person | Mapping[str, Any] | str], product: str = "llm") -> Team:
    """Same as `Team.build`: a validated Team, or TeamError with a clear message."""
    return Team.build(people, product)


def team_error(exc: ValidationError) -> TeamError:
    """A TeamError whose message says which person (1-based) or field is wrong, and why."""
    messages: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] == "people" and loc[1].isdigit():
            where = f"Person {int(loc[1]) + 1} ({'.'.join(loc[2:]) or 'entry'})"
        else:
            where = "" if loc == ["people"] else ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        msg = f"{where}: {msg}" if where else msg
        if msg not in messages:
            messages.append(msg)
    return TeamError("; ".join(messages))

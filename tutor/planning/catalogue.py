"""The planner's content, as validated frozen models: the responsibility catalogue, the skills
table, advice per missing hat, the default split and the team reader's words.

This is the schema of prompts/responsibilities.toml; `tutor.content.pack.planning_content()` loads
it. Pure: no I/O here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tutor.demo.handoffs import STAGE_NAMES
from tutor.planning.model import HATS, PRODUCTS, Hat, ProductKind

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Responsibility(BaseModel):
    """One MLOps responsibility: its stage, its hat, how critical, for which products."""

    model_config = _FROZEN

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)
    name: str = Field(min_length=1, max_length=80)
    stage: str
    hat: Hat
    critical: bool
    products: tuple[ProductKind, ...] = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=200)
    # Wakes someone at 3am: a full-time person owns it whenever the team has one.
    pages: bool = False

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, stage: str) -> str:
        if stage not in STAGE_NAMES:
            raise ValueError(f"unknown stage {stage!r}; use one of {list(STAGE_NAMES)}")
        return stage


class Catalogue(BaseModel):
    """All responsibilities; every product kind has a critical one in every stage."""

    model_config = _FROZEN

    responsibilities: tuple[Responsibility, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        ids = [r.id for r in self.responsibilities]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate responsibility ids: {duplicates}")
        for product in PRODUCTS:
            missing = [
                stage
                for stage in STAGE_NAMES
                if not any(r.critical and r.stage == stage for r in self.for_product(product))
            ]
            if missing:
                raise ValueError(f"product {product!r} has no critical responsibility in {missing}")
        return self

    def for_product(self, product: str) -> tuple[Responsibility, ...]:
        """The product's responsibilities in lifecycle order (file order within a stage)."""
        items = [r for r in self.responsibilities if product in r.products]
        return tuple(sorted(items, key=lambda r: STAGE_NAMES.index(r.stage)))

    def get(self, responsibility_id: str) -> Responsibility:
        return next(r for r in self.responsibilities if r.id == responsibility_id)


class SkillRow(BaseModel):
    """Phrases that give some hats strongly and others lightly; a row with no hat lists job
    titles that carry no MLOps hat (a designer, sales): the reader knows them as jobs.

    A `field` row names a field of work, not a job ("ML", "AI", "data", "engineer"): its hats
    count only when the person's other words name no job with a hat ("ML stuff (training,
    evals)" is data science; "the ML guy" is ML engineering)."""

    model_config = _FROZEN

    hats: tuple[Hat, ...] = ()
    light: tuple[Hat, ...] = ()
    field: bool = False
    phrases: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _hats_apart(self) -> SkillRow:
        both = set(self.hats) & set(self.light)
        if both:
            raise ValueError(f"skills row {self.phrases[0]!r} gives {sorted(both)} twice")
        return self


class ReaderWords(BaseModel):
    """Words the team reader needs (see the [reader] table of prompts/responsibilities.toml)."""

    model_config = _FROZEN

    indefinites: tuple[str, ...]
    before_things: tuple[str, ...]
    duties: tuple[str, ...]
    naming: tuple[str, ...]
    name_words: tuple[str, ...] = ()
    first_person_plural: tuple[str, ...] = ()
    organisations: tuple[str, ...]
    rates: tuple[str, ...] = ()
    particles: tuple[str, ...]
    titles: tuple[str, ...]
    relations: tuple[str, ...]
    outsiders: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()
    joining: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    second_names: tuple[str, ...] = ()
    person_nouns: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    future: tuple[str, ...] = ()
    first_person: tuple[str, ...]
    mental: tuple[str, ...] = ()
    not_me: tuple[str, ...] = ()
    pronouns: tuple[str, ...]
    copy_roles: tuple[str, ...]
    plural_links: tuple[str, ...]
    links: tuple[str, ...] = ()
    count_nouns: tuple[str, ...]
    count_before: tuple[str, ...]
    solo: tuple[str, ...]
    everything: tuple[str, ...]
    everything_else: tuple[str, ...] = ()
    part_time: tuple[str, ...] = ()
    contract: tuple[str, ...] = ()
    activity: tuple[str, ...]
    headers: tuple[str, ...]
    requests: tuple[str, ...]


class ProductCues(BaseModel):
    model_config = _FROZEN

    llm: tuple[str, ...]
    ml: tuple[str, ...]


class SplitRow(BaseModel):
    model_config = _FROZEN

    size: int = Field(ge=1, le=50)
    roles: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_role_each(self) -> SplitRow:
        if len(self.roles) != self.size:
            raise ValueError(f"default_split size {self.size} has {len(self.roles)} roles")
        return self


class PlanningData(BaseModel):
    """prompts/responsibilities.toml, validated."""

    model_config = _FROZEN

    responsibilities: tuple[Responsibility, ...] = Field(min_length=1)
    skills: tuple[SkillRow, ...] = Field(min_length=1)
    adjacent: dict[Hat, tuple[Hat, ...]]
    advice: dict[Hat, str]
    default_split: tuple[SplitRow, ...] = Field(min_length=1)
    reader: ReaderWords
    product_cues: ProductCues

    @model_validator(mode="after")
    def _every_hat(self) -> PlanningData:
        for table in ("adjacent", "advice"):
            missing = [h for h in HATS if h not in getattr(self, table)]
            if missing:
                raise ValueError(f"[{table}] has no entry for {missing}")
        Catalogue(responsibilities=self.responsibilities)  # the catalogue's own checks
        return self

    @property
    def catalogue(self) -> Catalogue:
        return Catalogue(responsibilities=self.responsibilities)

    def split_for(self, size: int) -> list[str]:
        """The default roles for a team of `size` whose roles nobody gave."""
        rows = {r.size: r.roles for r in self.default_split}
        if size in rows:
            return list(rows[size])
        largest = rows[max(rows)]
        return [largest[i % len(largest)] for i in range(size)]

"""The shared text module: how learner wording is read (spans, lemmas, typos, polarity)."""

from __future__ import annotations

import pytest

from tutor.content.pack import lexicon
from tutor.text import normalize, same_word, tokenize


def roles(text: str, *, asserted: bool | None = True) -> list[str]:
    return lexicon().read(text).ids("role", asserted=asserted)


def test_tokens_keep_their_place_in_the_text() -> None:
    text = "Who gets paged at 3am? The SREs."
    for token in tokenize(text):
        assert text[token.start : token.end].strip()
    quoted = [lexicon().read(text).quote(m) for m in lexicon().read(text).mentions]
    assert "SREs" in quoted


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("data scientists", "Data Scientist"),
        ("productionised", "productionize"),
        ("three people", "3 people"),
        ("isn't", "is not"),
        ("handoffs", "handoff"),
        ("3am", "3 am"),
        ("two DSs and SREs", "2 DS and SRE"),
    ],
)
def test_wording_that_means_the_same_normalises_the_same(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the data enginner", ["data_engineer"]),
        ("a data scientst", ["data_scientist"]),
        ("Machine-learning engineers", ["ml_engineer"]),
        ("PM + DS", ["product", "data_scientist"]),
        ("the data eng team", ["data_engineer"]),
        ("site reliability folks", ["sre_platform"]),
    ],
)
def test_roles_are_recognised_in_learners_spelling(text: str, expected: list[str]) -> None:
    assert roles(text) == expected


@pytest.mark.parametrize(
    ("text", "term", "named"),
    [
        ("Can you run the demo for me?", "keep_running", False),
        ("Who keeps the model running?", "keep_running", True),
        ("the service is runing fine", "keep_running", True),  # a typo of the word as written
        ("Can you share the table again?", "partial_handoff", False),
        ("they have shared ownership of it", "partial_handoff", True),
        ("what's on this page?", "on_call", False),
        ("Who gets paged at 3am?", "on_call", True),
        ("the eval gate and the evals", "eval_gate", True),  # plurals still fold
    ],
)
def test_a_verb_form_phrasing_matches_as_written_not_its_everyday_lemma(
    text: str, term: str, named: bool
) -> None:
    # "running" names the state of keeping a system up; its lemma "run" is an everyday verb.
    assert lexicon().read(text).names(term, asserted=None) is named


def test_short_words_must_be_spelt_exactly() -> None:
    # A length floor: "sre" must not match "are", "de" must not match "do".
    assert not same_word("sre", "are")
    assert not same_word("de", "do")
    assert roles("we are a team and do things") == []


@pytest.mark.parametrize(
    ("text", "asserted", "denied"),
    [
        ("Not the data scientist, the data engineer", ["data_engineer"], ["data_scientist"]),
        (
            "I used to think the data scientist, but it's actually the data engineer",
            ["data_engineer"],
            ["data_scientist"],
        ),
        ("the data scientist doesn't own it", [], ["data_scientist"]),
        ("The SRE team doesn't get involved", [], ["sre_platform"]),
        (
            "ML engineers rather than data scientists productionise models",
            ["ml_engineer"],
            ["data_scientist"],
        ),
        ("neither the DS nor the MLE", [], ["data_scientist", "ml_engineer"]),
        # A negative question expects yes and denies nothing; an imperative still denies.
        ("isn't the SRE the one who gets paged?", ["sre_platform"], []),
        ("doesn't the data engineer own the contract?", ["data_engineer"], []),
        ("don't put the data scientist on call", [], ["data_scientist"]),
    ],
)
def test_denied_and_dropped_beliefs_are_not_asserted(
    text: str, asserted: list[str], denied: list[str]
) -> None:
    assert roles(text) == asserted
    assert sorted(roles(text, asserted=False)) == sorted(denied)


def test_negation_reaches_through_an_or_list_but_not_past_the_clause() -> None:
    reading = lexicon().read(
        "Handoffs don't happen at deployment, data contracts or on-call; they happen at hiring"
    )
    assert not reading.names("data_contract")
    assert not reading.names("on_call")
    reading = lexicon().read("Not the eval gate. The data contract is where it breaks.")
    assert reading.names("data_contract")
    assert not reading.names("eval_gate")


def test_an_aside_in_parentheses_is_marked() -> None:
    reading = lexicon().read("data engineer (the data scientist only consumes it)")
    by_id = {m.id: m for m in reading.of_kind("role")}
    assert not by_id["data_engineer"].aside
    assert by_id["data_scientist"].aside


def test_content_terms_drop_stopwords_and_add_concepts() -> None:
    terms = lexicon().content_terms("Who owns the eval gate?")
    assert "the" not in terms and "who" not in terms
    assert "term:eval_gate" in terms


def test_the_vocabulary_is_one_shared_immutable_object() -> None:
    assert lexicon() is lexicon()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type varies
        lexicon().vocabulary.role[0].name = "x"  # type: ignore[misc]


def test_names_are_masked_before_a_question_is_kept_apart_from_the_learner() -> None:
    from tutor.content.pack import lexicon
    from tutor.text.privacy import mask_names

    lex = lexicon()
    assert mask_names("What if Priya quits?", lex) == "What if [name] quits?"
    assert mask_names("pay in lisbon", lex) == "pay in [name]"
    assert mask_names("Honestly, Grace is our PM", lex) == "Honestly, [name] is our PM"
    assert mask_names("ben is our DS", lex, known=["Ben Okafor"]) == "[name] is our DS"
    kept = "Why not the Data Scientist? Will SRE mark it in MLflow?"
    assert mask_names(kept, lex) == kept


def test_short_role_words_forgive_one_typo_by_length() -> None:
    from tutor.text.lexicon import same_word

    def job(a: str, b: str) -> bool:
        return same_word(a, b, short_words=True)

    assert job("infa", "infra") and job("devosp", "devops")
    assert job("mdoels", "models") and job("pipleines", "pipelines")
    assert not job("sr", "sre")  # under 4 letters: spelt exactly
    assert not job("date", "data")  # a real word is never a typo
    assert not job("nfra", "infra")  # a typo keeps the first letter
    assert not same_word("paris", "pairs")  # open text: only long words forgive a typo

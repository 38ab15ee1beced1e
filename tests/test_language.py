"""Language identification on invented sentences; only the pipeline's language goes to extraction."""
from __future__ import annotations

import pytest

from newsfacts import language
from newsfacts.records import CleanedDocument


@pytest.mark.parametrize(("text", "code"), [
    ("The mayor of Dunhollow said on Monday that the old bridge would reopen to traffic next week.", "en"),
    ("O prefeito de Vila Serena disse na segunda-feira que a ponte velha será reaberta na próxima semana.", "pt"),
    ("Il sindaco di Borgo Alto ha detto lunedì che il vecchio ponte sarà riaperto al traffico la prossima settimana.",
     "it"),
    ("Мэр города Светлогорье заявил в понедельник, что старый мост откроют для движения на следующей неделе.", "ru"),
    ("한빛시 시장은 월요일 낡은 다리가 다음 주에 다시 개통될 것이라고 말했다.", "ko"),
    ("Wali kota Sukamaju mengatakan pada hari Senin bahwa jembatan lama akan dibuka kembali minggu depan.", "id"),
    ("Der Bürgermeister von Lindenau sagte am Montag, die alte Brücke werde nächste Woche wieder geöffnet.", "de"),
])
def test_identifies_the_language_of_a_news_sentence(text, code):
    assert language.identify(text) == code


@pytest.mark.parametrize("text", ["", "   \n", "— • —", "Home"])
def test_too_little_text_is_undetermined(text):
    assert language.identify(text) == language.UNDETERMINED


def test_only_documents_in_the_pipeline_language_are_extracted():
    docs = [CleanedDocument("a", "The council voted on Tuesday to close the harbour for repairs, officials said."),
            CleanedDocument("b", "A câmara votou na terça-feira pelo fechamento do porto para reparos, disseram as autoridades."),
            CleanedDocument("c", "Council members said the repairs would take about three months to complete.")]
    language.tag_languages(docs)
    english, others = language.split_by_language(docs, "en")
    assert [d.doc_id for d in english] == ["a", "c"] and [d.doc_id for d in others] == ["b"]
    assert language.count_by_language(docs) == {"en": 2, "pt": 1}
    facts = language.facts_without_extraction(others[0])
    assert facts.doc_id == "b" and facts.word_count == 15 and not (facts.mentions or facts.figures or facts.quotes)


def test_a_long_body_is_named_by_its_opening():
    english = "The mayor of Dunhollow said on Monday that the old bridge would reopen to traffic next week. "
    portuguese = "O prefeito de Vila Serena disse na segunda-feira que a ponte velha será reaberta na próxima semana. "
    opening = english * (language.READ_CHARS // len(english) + 1)
    assert language.identify(opening + portuguese * 200) == "en"
    assert language.identify(portuguese * 200) == "pt"

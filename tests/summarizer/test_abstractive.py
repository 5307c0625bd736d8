"""The abstractive backend through the real ``load()`` path, on tiny random BART, PEGASUS and T5
checkpoints built in the test (their output is gibberish: structure is asserted, not content)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import summarizer
from config import Settings
from summarizer.abstractive import AbstractiveSummarizer
from summarizer.text import word_count

pytestmark = pytest.mark.slow

SHORT = "The council approved the new budget on Tuesday. Officials said it would cut costs."
LONG = " ".join(
    f"Paragraph {i}: the council approved the new budget after a long debate, and officials "
    f"said the plan would protect jobs in the region number {i}."
    for i in range(40)
)


def _load(folder: Path) -> AbstractiveSummarizer:
    settings = Settings(
        summarizer="abstractive", summarizer_model=str(folder), summarizer_device="cpu"
    )
    loaded = summarizer.load(settings)
    assert isinstance(loaded, AbstractiveSummarizer)
    assert summarizer.load(settings) is loaded  # one model object per configuration
    return loaded


@pytest.mark.parametrize("family", ["bart", "pegasus", "t5"])
def test_tiny_checkpoint_summarizes_a_batch(
    family: str, tiny_model: Callable[[str], Path]
) -> None:
    model = _load(tiny_model(family))
    assert model.model_id == f"abstractive:{tiny_model(family).name}"
    assert model.window == 64
    texts = [SHORT, LONG, "Rescue teams searched the coast for a missing boat overnight."]
    results = model.summarize(texts, max_sentences=2, max_words=12)
    assert len(results) == len(texts)
    for result in results:
        assert result.model_id == model.model_id
        assert len(result.sentences) <= 2
        assert word_count(result.text) <= 12
        assert result.text == " ".join(result.sentences)
        assert result.seconds >= 0
    assert any(r.text for r in results)  # min_length 6: the random model says something


def test_t5_prefix_comes_from_the_config(tiny_model: Callable[[str], Path]) -> None:
    assert _load(tiny_model("t5")).prefix == "summarize: "
    assert _load(tiny_model("bart")).prefix == ""


@pytest.mark.parametrize("family", ["bart", "t5"])
def test_long_article_is_chunked_on_sentences_and_fused(
    family: str, tiny_model: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _load(tiny_model(family))
    (chunks,) = model.preprocess([LONG])
    assert len(chunks) > 1
    tokenizer = model._tokenizer
    for chunk in chunks:
        # whole sentences only, each chunk within the window with the prefix and specials
        assert chunk.startswith("Paragraph")
        assert chunk.endswith(".")
        assert len(tokenizer(model.prefix + chunk)["input_ids"]) <= model.window
    assert " ".join(chunks) == " ".join(LONG.split())

    calls: list[int] = []
    forward = model._forward

    def spy(inputs: list[str], *, max_new_tokens: int) -> list[str]:
        calls.append(len(inputs))
        return forward(inputs, max_new_tokens=max_new_tokens)

    monkeypatch.setattr(model, "_forward", spy)
    (result,) = model.summarize([LONG], max_sentences=3, max_words=20)
    assert calls[0] == len(chunks)  # every chunk in one batched round
    assert len(calls) >= 2  # then the chunk summaries are fused
    assert word_count(result.text) <= 20


def test_generation_budget_follows_max_words(tiny_model: Callable[[str], Path]) -> None:
    model = _load(tiny_model("pegasus"))
    kwargs = model._generation_kwargs(20)
    assert kwargs["max_new_tokens"] == 20
    assert kwargs["min_length"] <= 10
    (result,) = model.summarize([SHORT], max_sentences=1, max_words=3)
    assert word_count(result.text) <= 3
    assert len(result.sentences) <= 1


def test_missing_model_is_a_config_error() -> None:
    from config import ConfigError

    with pytest.raises(ConfigError, match="NEWSBRIEF_SUMMARIZER_MODEL"):
        summarizer.load(Settings(summarizer="abstractive"))


def test_threads_share_one_model(tiny_model: Callable[[str], Path]) -> None:
    import threading

    model = _load(tiny_model("bart"))
    expected = model.summarize([SHORT, LONG], max_words=15)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append([s.text for s in model.summarize([SHORT, LONG], max_words=15)])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [[s.text for s in expected]] * 3  # greedy decoding is deterministic

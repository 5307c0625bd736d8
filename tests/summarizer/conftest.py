"""Summarizer test fixtures: MiniLM loaded once per session, tiny seq2seq checkpoints built on
the fly (random weights, a tokenizer trained on a few sentences) and saved to a temp folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CORPUS = [
    "The council approved the new budget on Tuesday after a long debate.",
    "Officials said the plan would cut costs and protect jobs in the region.",
    "Critics argued that the measure did too little for schools and hospitals.",
    "The mayor promised to publish the full figures next month.",
    "Shares in the company rose 3.5 per cent after the results were announced.",
    "Rescue teams searched the coast for a missing fishing boat overnight.",
    "summarize: a short summary of the news of the day.",
]


def _tokenizer(
    specials: list[str], *, bos: str | None, eos: str, pad: str, unk: str, max_length: int
) -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE(unk_token=unk))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, show_progress=False)
    raw.train_from_iterator(CORPUS * 3, trainer=trainer)
    template = f"{bos} $A {eos}" if bos else f"$A {eos}"
    raw.post_processor = processors.TemplateProcessing(
        single=template,
        special_tokens=[(t, raw.token_to_id(t)) for t in (bos, eos) if t],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=raw,
        bos_token=bos,
        eos_token=eos,
        pad_token=pad,
        unk_token=unk,
        model_max_length=max_length,
    )


def build_tiny(family: str, folder: Path, *, window: int = 64) -> Path:
    """Save a random tiny ``family`` (bart, pegasus, t5) checkpoint with its tokenizer."""
    import torch
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        PegasusConfig,
        PegasusForConditionalGeneration,
        T5Config,
        T5ForConditionalGeneration,
    )

    torch.manual_seed(0)
    model: Any
    if family == "bart":
        tok = _tokenizer(
            ["<s>", "<pad>", "</s>", "<unk>"],
            bos="<s>",
            eos="</s>",
            pad="<pad>",
            unk="<unk>",
            max_length=window,
        )
        config = BartConfig(
            vocab_size=len(tok),
            d_model=16,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=32,
            decoder_ffn_dim=32,
            max_position_embeddings=window,
            bos_token_id=0,
            pad_token_id=1,
            eos_token_id=2,
            decoder_start_token_id=2,
            forced_bos_token_id=None,
        )
        model = BartForConditionalGeneration(config)
    elif family == "pegasus":
        tok = _tokenizer(
            ["<pad>", "</s>", "<unk>"],
            bos=None,
            eos="</s>",
            pad="<pad>",
            unk="<unk>",
            max_length=window,
        )
        config = PegasusConfig(
            vocab_size=len(tok),
            d_model=16,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=32,
            decoder_ffn_dim=32,
            max_position_embeddings=window,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
        model = PegasusForConditionalGeneration(config)
    elif family == "t5":
        tok = _tokenizer(
            ["<pad>", "</s>", "<unk>"],
            bos=None,
            eos="</s>",
            pad="<pad>",
            unk="<unk>",
            max_length=window,
        )
        config = T5Config(
            vocab_size=len(tok),
            d_model=16,
            d_kv=8,
            d_ff=32,
            num_layers=1,
            num_decoder_layers=1,
            num_heads=2,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
            task_specific_params={"summarization": {"prefix": "summarize: "}},
        )
        model = T5ForConditionalGeneration(config)
    else:  # pragma: no cover - test helper misuse
        raise ValueError(family)
    # random weights often emit EOS at once; ask for a few tokens so outputs have some text
    model.generation_config.min_length = 6
    model.generation_config.num_beams = 1
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``tiny_model("bart")`` -> folder of a saved tiny checkpoint (built once per session)."""
    built: dict[str, Path] = {}

    def make(family: str) -> Path:
        if family not in built:
            built[family] = build_tiny(family, tmp_path_factory.mktemp(f"tiny-{family}"))
        return built[family]

    return make

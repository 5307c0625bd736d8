"""A BERT encoder forward pass in plain torch, for loading MiniLM without transformers.

Importing ``transformers``' BERT pulls in its model-loading machinery (``torch.distributed``,
``torch._dynamo``, scipy, sympy): about 4 s of a 5 s load budget on a busy 2-core machine, for a
six-layer encoder. This module reads the same ``config.json`` and ``model.safetensors`` and runs
the same computation (post-LayerNorm BERT, exact GELU, absolute positions, token type 0), so the
embeddings match ``transformers.BertModel`` to float rounding (tested). Checkpoints of any other
architecture go through transformers (:func:`supports`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["BertEncoder", "supports"]


def _config(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return loaded


def supports(folder: Path) -> bool:
    """Whether ``folder`` holds a plain BERT checkpoint this module can run."""
    if not (folder / "model.safetensors").is_file() or not (folder / "config.json").is_file():
        return False
    config = _config(folder)
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
    )


class BertEncoder:
    """The last hidden state of a BERT checkpoint: ``forward(input_ids, mask) -> (B, L, H)``.

    Weights are read once from ``model.safetensors`` (a ``bert.`` prefix, as in checkpoints saved
    from a task head, is dropped) and kept as plain tensors on ``device``; inference only.
    """

    def __init__(self, folder: Path, *, device: str = "cpu") -> None:
        import torch
        from safetensors.torch import load_file

        config = _config(folder)
        self.hidden_size = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        raw = load_file(str(folder / "model.safetensors"), device=device)
        self._w = {k.removeprefix("bert."): v for k, v in raw.items()}
        self._torch = torch

    def _p(self, name: str) -> Any:
        return self._w[name]

    def forward(self, input_ids: Any, mask: Any) -> Any:
        """Hidden states for ``input_ids`` (``(B, L)`` int64) under ``mask`` (1 = token)."""
        torch = self._torch
        fn = torch.nn.functional
        p = self._p
        width = input_ids.shape[1]
        positions = torch.arange(width, device=input_ids.device)
        x = (
            fn.embedding(input_ids, p("embeddings.word_embeddings.weight"))
            + p("embeddings.position_embeddings.weight")[positions]
            + p("embeddings.token_type_embeddings.weight")[0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        batch, heads = x.shape[0], self.heads
        size = self.hidden_size // heads
        keep = mask.bool()[:, None, None, :]  # (B, 1, 1, L): attend to real tokens only
        for i in range(self.layers):
            pre = f"encoder.layer.{i}."

            def split(t: Any) -> Any:
                return t.view(batch, width, heads, size).transpose(1, 2)

            q = split(self._linear(x, pre + "attention.self.query"))
            k = split(self._linear(x, pre + "attention.self.key"))
            v = split(self._linear(x, pre + "attention.self.value"))
            context = fn.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            context = context.transpose(1, 2).reshape(batch, width, self.hidden_size)
            attended = self._linear(context, pre + "attention.output.dense")
            x = self._norm(attended + x, pre + "attention.output.LayerNorm")
            inner = fn.gelu(self._linear(x, pre + "intermediate.dense"))
            out = self._linear(inner, pre + "output.dense")
            x = self._norm(out + x, pre + "output.LayerNorm")
        return x

    def _linear(self, x: Any, name: str) -> Any:
        return self._torch.nn.functional.linear(
            x, self._w[name + ".weight"], self._w[name + ".bias"]
        )

    def _norm(self, x: Any, name: str) -> Any:
        return self._torch.nn.functional.layer_norm(
            x, (self.hidden_size,), self._w[name + ".weight"], self._w[name + ".bias"], self.eps
        )

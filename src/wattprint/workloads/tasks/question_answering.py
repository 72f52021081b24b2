"""Extractive question answering: the answer is a span of the context (squad, squad_v2, sciq in the study).

Post-processing is the usual span argmax: over context tokens only, the pair (start, end) with
``start <= end < start + max_answer_tokens`` maximising ``start_logit + end_logit``. With the option
``null_answer=true`` (SQuAD v2 models) the answer is empty when the first token's score
``start_logit[0] + end_logit[0]`` beats the best span, as transformers' pipeline does with
``handle_impossible_answer``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, chunks, inference_mode, max_length, to_device, tokenizer_of


@register_task
class QuestionAnswering(BaseTask):
    name = "question-answering"
    aliases = ("qa", "extractive-qa")
    description = "find the answer span in a context: an encoder forward pass and a span argmax"
    input_kind = "qa"
    default_model = "arch:bert-base"
    tiny_model = "arch:bert-tiny"
    auto_class = "AutoModelForQuestionAnswering"
    default_options: ClassVar[dict[str, Any]] = {"max_length": 384, "max_answer_tokens": 30, "null_answer": False}
    demo_n = 2

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        tok = tokenizer_of(model)
        limit = min(int(self.options["max_length"] or max_length(model)), max_length(model))
        batches = []
        for group in chunks(items, batch_size):
            questions = [str(it["question"]) for it in group]
            contexts = [str(it["context"]) for it in group]
            enc = tok(questions, contexts, padding=True, truncation="only_second", max_length=limit,
                      return_offsets_mapping=True, return_tensors="pt")
            data = to_device(model, enc)
            aux = {"offsets": enc["offset_mapping"], "contexts": contexts,
                   "sequence_ids": [enc.sequence_ids(i) for i in range(len(group))]}
            batches.append(Batch(data=data, size=len(group),
                                 meta={"input_tokens": int(enc["attention_mask"].sum()), "aux": aux}))
        return batches

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            out = model.model(**batch.data)
        return out.start_logits, out.end_logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        import torch

        start_all, end_all = (t.float().cpu() for t in output)
        aux = batch.meta["aux"]
        answers = []
        for r in range(start_all.shape[0]):
            in_context = torch.tensor([s == 1 for s in aux["sequence_ids"][r]])
            if not bool(in_context.any()):
                answers.append({"answer": "", "score": 0.0, "start": 0, "end": 0})
                continue
            start = start_all[r].masked_fill(~in_context, float("-inf"))
            end = end_all[r].masked_fill(~in_context, float("-inf"))
            scores = start[:, None] + end[None, :]
            n = scores.shape[0]
            idx = torch.arange(n)
            longest = int(self.options["max_answer_tokens"])
            band = (idx[None, :] >= idx[:, None]) & (idx[None, :] < idx[:, None] + longest)
            scores = scores.masked_fill(~band, float("-inf"))
            flat = int(scores.argmax())
            s, e = divmod(flat, n)
            null = float(start_all[r, 0] + end_all[r, 0])
            if self.options.get("null_answer") and null > float(scores.flatten()[flat]):
                answers.append({"answer": "", "score": 0.0, "start": 0, "end": 0})
                continue
            offsets = aux["offsets"][r]
            c0, c1 = int(offsets[s][0]), int(offsets[e][1])
            probs = (start.softmax(0)[s] * end.softmax(0)[e]).item()
            answers.append({"answer": aux["contexts"][r][c0:c1], "score": float(probs), "start": c0, "end": c1})
        return answers

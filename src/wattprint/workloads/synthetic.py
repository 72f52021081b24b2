"""Built-in synthetic inputs, generated deterministically from a seed.

Lengths follow the study's protocol so that a synthetic run costs what a real
one would: texts long enough for 20-word prompts, QA contexts of about a
paragraph, summarization passages of a few hundred words, 640x480 RGB images
with shapes on them (so a detector has edges to work on), and image prompts of
more than 50 words (the image-generation task cuts them to 50).

Words are drawn from a fixed list of common English words with Zipf weights
(rank r has weight 1/r), which gives a realistic token-length distribution for
subword tokenizers. No network, no files: the same seed always gives the same
items.
"""

from __future__ import annotations

import random
from typing import Any

# Common English words, roughly by frequency (most frequent first).
WORDS: tuple[str, ...] = tuple(
    """
the of and to a in is it you that he was for on are with as his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their
time if will way about many then them write would like so these her long make thing see him two has look
more day could go come did number sound no most people my over know water than call first who may down side
been now find any new work part take get place made live where after back little only round man year came
show every good me give our under name very through just form sentence great think say help low line differ
turn cause much mean before move right boy old too same tell does set three want air well also play small end
put home read hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth father head
stand own page should country found answer school grow study still learn plant cover food sun four between
state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late
run while press close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second book carry
took science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face wood
main enough plain girl usual young ready above ever red list though feel talk bird soon body dog family direct
pose leave song measure door product black short numeral class wind question happen complete ship area half
rock order fire south problem piece told knew pass since top whole king space heard best hour better true
during hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
less morning ten simple several vowel toward war lay against pattern slow center love person money serve
appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark
machine note wait plan figure star box noun field rest correct able pound done beauty drive stood contain
front teach week final gave green oh quick develop ocean warm free minute strong special mind behind clear
tail produce fact street inch multiply nothing course stay wheel full force blue object decide surface deep
moon island foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago
ran check game shape equate miss brought heat snow tire bring yes distant fill east paint language among
film movie actor scene plot story director performance character funny boring brilliant terrible wonderful
""".split()
)

_WEIGHTS = [1.0 / (rank + 1) for rank in range(len(WORDS))]

SUBJECTS = ("a lighthouse", "an old castle", "a red fox", "a city street", "a mountain lake", "a robot",
            "a bowl of fruit", "a sailing ship", "a forest cabin", "a portrait of a woman", "a dragon",
            "a desert road", "a cup of coffee", "a cat on a sofa", "a space station", "a flower garden")
STYLES = ("highly detailed", "digital painting", "oil on canvas", "cinematic lighting", "trending on artstation",
          "4k", "sharp focus", "concept art", "octane render", "golden hour", "soft light", "volumetric fog",
          "by a famous artist", "studio photograph", "watercolor", "matte painting", "ultra realistic", "bokeh")

#: study defaults: 640x480 (width x height) images
IMAGE_SIZE: tuple[int, int] = (640, 480)


def _rng(seed: int, index: int, salt: str) -> random.Random:
    return random.Random(f"{salt}:{seed}:{index}")


def words(rng: random.Random, k: int) -> list[str]:
    """``k`` words drawn with Zipf weights."""
    return rng.choices(WORDS, weights=_WEIGHTS, k=k)


def sentence(rng: random.Random, lo: int = 6, hi: int = 18) -> str:
    ws = words(rng, rng.randint(lo, hi))
    return " ".join([ws[0].capitalize(), *ws[1:]]) + "."


def paragraph(rng: random.Random, min_words: int) -> str:
    """Sentences until at least ``min_words`` words."""
    out: list[str] = []
    total = 0
    while total < min_words:
        s = sentence(rng)
        out.append(s)
        total += len(s.split())
    return " ".join(out)


def text_item(seed: int, index: int) -> str:
    """A short review-like text of 25-80 words (enough for 20-word prompts and masked-LM inputs)."""
    rng = _rng(seed, index, "text")
    return paragraph(rng, rng.randint(25, 80))


def qa_item(seed: int, index: int) -> dict[str, str]:
    """An extractive-QA item: a question and a context of 60-160 words."""
    rng = _rng(seed, index, "qa")
    q = words(rng, rng.randint(5, 10))
    question = " ".join(["What", *q]) + "?"
    return {"question": question, "context": paragraph(rng, rng.randint(60, 160))}


def passage_item(seed: int, index: int) -> str:
    """A summarization passage of 150-400 words."""
    rng = _rng(seed, index, "passage")
    return paragraph(rng, rng.randint(150, 400))


def pair_item(seed: int, index: int) -> dict[str, str]:
    """Two sentences for similarity scoring."""
    rng = _rng(seed, index, "pair")
    return {"sentence1": sentence(rng, 8, 20), "sentence2": sentence(rng, 8, 20)}


def prompt_item(seed: int, index: int) -> str:
    """An image prompt of 55-75 words (the task cuts it to 50)."""
    rng = _rng(seed, index, "prompt")
    parts = [rng.choice(SUBJECTS)]
    while len(" ".join(parts).split()) < rng.randint(55, 75):
        parts.append(rng.choice(STYLES) if rng.random() < 0.6 else " ".join(words(rng, 3)))
    return ", ".join(parts)


def image_item(seed: int, index: int, size: tuple[int, int] = IMAGE_SIZE) -> Any:
    """A ``size`` (width, height) RGB PIL image: a gradient background with random shapes."""
    from PIL import Image, ImageDraw

    rng = _rng(seed, index, "image")
    w, h = size
    c1 = [rng.randint(0, 255) for _ in range(3)]
    c2 = [rng.randint(0, 255) for _ in range(3)]
    # vertical gradient built line by line (fast, no numpy needed)
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / max(h - 1, 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(c1, c2, strict=False)))
    for _ in range(rng.randint(3, 8)):
        x0, y0 = rng.randint(0, w - 40), rng.randint(0, h - 40)
        x1, y1 = rng.randint(x0 + 20, min(w, x0 + w // 2)), rng.randint(y0 + 20, min(h, y0 + h // 2))
        color = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=color)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=color)
    return img


GENERATORS = {
    "text": text_item,
    "qa": qa_item,
    "passage": passage_item,
    "pair": pair_item,
    "prompt": prompt_item,
    "image": image_item,
}


def corpus(n_sentences: int = 4000, seed: int = 1234) -> list[str]:
    """Deterministic sentences for training the offline tokenizers."""
    rng = random.Random(seed)
    extra = [s for s in SUBJECTS + STYLES]
    return [sentence(rng) if i % 10 else rng.choice(extra) for i in range(n_sentences)]


def items(kind: str, n: int, seed: int = 0) -> list[Any]:
    """``n`` synthetic items of ``kind`` (text, qa, passage, pair, prompt, image)."""
    try:
        gen = GENERATORS[kind]
    except KeyError:
        raise ValueError(f"no synthetic generator for {kind!r}") from None
    return [gen(seed, i) for i in range(n)]

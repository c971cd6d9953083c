"""No unquoted passage of eight or more words in the book's prose is shared with a lecture deck.

The scan (``originality.py``) reads the text, captions and alt text of every page in ``book/``
and every deck in the lectures folder, and lists each run of at least eight consecutive words
the two have in common outside quotation marks. Quoting a deck, with a citation, is fine;
following its sentences word for word without quotes is not.
"""
from pathlib import Path

import pytest
from originality import (
    BREAK,
    N,
    deck_ngrams,
    lectures_dir,
    ngrams,
    prose,
    shared_runs,
    words,
)

BOOK = Path(__file__).resolve().parents[1] / "book"
DECKS = lectures_dir()


@pytest.fixture(scope="module")
def deck_grams():
    if DECKS is None:
        pytest.skip("the lecture decks are not on this machine (set DLCORE_LECTURES to their folder)")
    return deck_ngrams(DECKS)


@pytest.mark.parametrize("page", sorted(BOOK.glob("*.md")), ids=lambda p: p.name)
def test_the_book_says_it_in_its_own_words(page, deck_grams):
    runs = shared_runs(words(prose(page.read_text(encoding="utf-8"))), deck_grams)
    assert not runs, (f"{page.name} shares these runs of {N}+ words with a deck; reword them or "
                      "quote them with a citation:\n  " + "\n  ".join(runs))


# ------------------------------------------------------------ the scanner itself can fail
DECK = ("Stochastic gradient descent (online training): calculates error gradient for a single "
        "instance, then takes a step in weight space")


def test_a_copied_passage_is_found_and_a_quoted_one_is_not():
    grams = ngrams(words(DECK))
    copied = "Online training calculates error gradient for a single instance, then takes a step."
    assert shared_runs(words(prose(copied)), grams) == [
        "online train calculat error gradient for a single instance then tak a step"]
    inflected = "Online training calculated error gradients for a single instance, then took a step."
    assert shared_runs(words(prose(inflected)), grams)        # changed endings do not hide it
    quoted = 'Online training "calculates error gradient for a single instance, then takes a step".'
    assert shared_runs(words(prose(quoted)), grams) == []
    seven = "It calculates error gradient for a single example."       # 6 shared words: fine
    assert shared_runs(words(prose(seven)), grams) == []
    wrapped = 'Online training "calculates error gradient for a single\ninstance, then takes a step".'
    assert shared_runs(words(prose(wrapped)), grams) == []          # a quote may wrap a line
    two_paragraphs = 'A "stray mark.\n\nOnline training calculates error gradient for a single instance, then."'
    assert shared_runs(words(prose(two_paragraphs)), grams)           # but not span paragraphs
    assert shared_runs(words(prose(seven)), grams) == []


def test_code_maths_and_captions_are_read_as_a_reader_sees_them():
    page = """---
jupytext: {}
---
Text $calculates error gradient for a single instance then takes$ more.

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: |
      it calculates error gradient for a single instance, then takes a step in weight space
  image:
    alt: "an alt text"
---
x = "calculates error gradient for a single instance then takes a step"
```
"""
    text = prose(page)
    assert "calculates error gradient" in text.split(BREAK)[0]      # the caption is prose
    assert 'x = ' not in text and "more" in text                     # the code and maths are not
    assert len(shared_runs(words(text), ngrams(words(DECK)))) == 1  # only the caption's run

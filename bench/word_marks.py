"""How many benchmark texts tokenize differently now that words keep their combining marks.

`normalize_words` (new models) keeps combining marks (Unicode category M)
inside words; `normalize_text` (models saved before it) made them spaces.
For each shared dataset this counts the texts whose words differ between
the two (`word_runs` beside the same fold with marks dropped), so that a
change of tokenization is measured, not assumed. Reads `../shared/data`;
exits with a note when it is absent.

    python bench/word_marks.py
"""

import sys

import regex
from quality_data import DATA  # (bench/, the script's folder)
from quality_data import DATASETS
from quality_data import load_file

from genreclf.preprocessing.text_vectorizer import fold_text_python
from genreclf.preprocessing.text_vectorizer import word_runs

_LETTERS_AND_DIGITS = regex.compile(r"[\p{L}\p{N}]+")  # `normalize_text`'s words
_MARK = regex.compile(r"\p{M}")


def main():
    if not DATA.is_dir():
        sys.exit(f"No shared data at {DATA}: set GENRECLF_SHARED_DATA. Nothing measured.")
    print("| dataset | texts | tokens change in | example words with a mark |")
    print("|---|---:|---:|---|")
    for name in DATASETS:
        train, test = load_file(name, aclimdb_rows=25_000)
        texts = list(train.texts) + (list(test.texts) if test is not None else [])
        changed, examples = 0, []
        for text in texts:
            words = word_runs(text)
            if words != _LETTERS_AND_DIGITS.findall(fold_text_python(text)):
                changed += 1
                examples += [w for w in words if _MARK.search(w)][:1]
        shown = ", ".join(repr(w) for w in examples[:3]) or "-"
        print(f"| {name} | {len(texts):,} | {changed:,} | {shown} |")


if __name__ == "__main__":
    main()

"""In-graph text preprocessing: everything that turns raw strings into tensors."""

from genreclf.preprocessing.text_vectorizer import DEFAULT_STANDARDIZE
from genreclf.preprocessing.text_vectorizer import make_text_vectorizer
from genreclf.preprocessing.text_vectorizer import normalize_text
from genreclf.preprocessing.text_vectorizer import normalize_words

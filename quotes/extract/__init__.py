"""Extraction: the only package that imports spaCy or coreferee.

The stages, in order (`pipeline.Extractor` runs them): `nlp` (the spaCy pipeline and the
coreferee wrapper), `parsed` (the article as every later stage reads it, built once:
text, token offsets, sentences, quoted tokens), `marks` (quotation-mark pairing, text only), `detect` (quoted spans and
cues), `attribute` and `resolve` (the patterns and the article's names), `speech` (trained:
is it speech?), `candidates` and `scorer` (trained: who said it?), `situate` (date and venue).
Importing this package loads nothing: each stage is imported where it is used.
"""

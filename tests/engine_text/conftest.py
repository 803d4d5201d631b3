"""Fixtures for the text-frontend tests: dev tokenizers written by our own writer."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.text import TextFrontend, TextTokenizer, write_tokenizer_files


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tok") / "vq32k-phoneme-tokenizer"
    write_tokenizer_files(path, size="tiny")
    return path


@pytest.fixture(scope="session")
def tiny_tok(tiny_dir) -> TextTokenizer:
    return TextTokenizer.from_dir(tiny_dir)


@pytest.fixture(scope="session")
def full_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tokfull") / "vq32k-phoneme-tokenizer"
    write_tokenizer_files(path, size="full")
    return path


@pytest.fixture(scope="session")
def full_tok(full_dir) -> TextTokenizer:
    return TextTokenizer.from_dir(full_dir)


@pytest.fixture(scope="session")
def frontend(tiny_tok) -> TextFrontend:
    return TextFrontend(tiny_tok)

import numpy as np

from a2perf.envs.web.primitives import all_texts
from a2perf.envs.web.tokens import NULL_ID, OOV_ID, Vocabulary, tokenize, vocabulary_tokens


def test_tokenize_hand_checked():
    assert tokenize("form-control") == ["form", "-", "control"]
    assert tokenize("name_first") == ["name_first"]
    assert tokenize("413 E Mountain View") == ["413", "e", "mountain", "view"]
    assert tokenize("john@email.com") == ["john", "@", "email", "com"]
    assert tokenize("Los Angeles Airport (LAX)") == ["los", "angeles", "airport", "(", "lax", ")"]
    assert tokenize(None) == [] and tokenize("") == [] and tokenize("None") == []


def test_null_and_oov_ids_are_fixed():
    vocab = Vocabulary()
    assert (NULL_ID, OOV_ID) == (0, 1)
    assert vocab.encode("").tolist() == [0] * 10
    row = vocab.encode("zzqx_unknown_token Submit")
    assert row[0] == OOV_ID and row[1] == vocab.ids["submit"] and row[1] >= 2
    assert vocab.size == len(vocabulary_tokens()) + 2


def test_encode_truncates_to_ten_tokens():
    row = Vocabulary().encode("1 2 3 4 5 6 7 8 9 10 11 12")
    assert row.shape == (10,) and row.dtype == np.int32 and (row > 1).all()


def test_frozen_vocabulary_covers_every_text_and_is_sorted():
    toks = vocabulary_tokens()
    assert list(toks) == sorted(set(toks))
    vocab = Vocabulary()
    missing = sorted({t for text in all_texts() for t in tokenize(text)} - set(vocab.ids))
    assert missing == [], "regenerate vocab.txt from primitives.all_texts()"
    assert vocab.size <= 500  # fits A2Perf's max_vocab_size

"""One search key for the grid, the item pickers and the services."""

from __future__ import annotations

from app.domain.search import item_search_key, same_key, search_key, search_words


def test_full_width_letters_digits_and_spaces_are_made_plain() -> None:
    assert search_key("ＴＷ－００１") == "tw-001"
    assert search_words("フェイス\u3000紺") == ["フェイス", "紺"]
    assert all(word in item_search_key("TW-002", "今治タオル フェイス 紺", None)
               for word in search_words("フェイス\u3000紺"))


def test_an_exact_code_or_jan_typed_in_full_width_is_exact() -> None:
    assert same_key(" ＴＷ－００２ ", "TW-002")
    assert same_key("４９０１２３４５６７００２", "4901234567002")
    assert not same_key("TW-00", "TW-002")
    assert not same_key("TW-002", None)

"""CSV as shops exchange it: every encoding and delimiter read, nothing silently replaced."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from app.files import csv_io
from app.files.common import FileRefused, OperationCancelled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("stock_cp932.csv", "cp932", ","),
    ("stock_utf8_bom.csv", "utf-8-sig", ","),
    ("stock_utf8_semicolon.csv", "utf-8", ";"),
    ("stock_utf16_tab.txt", "utf-16", "\t"),
])
def test_encoding_and_delimiter_are_detected(name, encoding, delimiter):
    table = csv_io.read_csv(FIXTURES / name)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    codes = [row[0] for _, row in table.rows[1:]]
    assert codes[:2] == ["00123", "00124"]


def test_cp932_only_characters_are_read():
    table = csv_io.read_csv(FIXTURES / "stock_cp932.csv")
    names = [row[1] for _, row in table.rows[1:]]
    assert names == ["髙島屋 今治タオル①", "今治タオル 青", "ﾀｵﾙ ｾｯﾄ"]


def test_euc_jp_is_recognised():
    table = csv_io.read_csv(FIXTURES / "stock_euc_jp.csv")
    assert table.rows[1][1][1] == "今治タオル 白 大判サイズ"


def test_quoted_newlines_keep_row_numbers_as_excel_counts_them():
    table = csv_io.read_csv(FIXTURES / "stock_utf8_bom.csv")
    assert [number for number, _ in table.rows] == [1, 2, 4]  # row 3 is blank
    assert table.rows[1][1][1] == "Towel, white\r\n(large)"
    assert table.blank_rows == 1


def test_override_of_encoding_and_delimiter(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("コード|数\n1|2\n".encode("cp932"))
    table = csv_io.read_csv(path, encoding="Shift_JIS", delimiter="|")
    assert table.encoding == "cp932" and table.rows[1][1] == ("1", "2")


def test_wrong_encoding_names_the_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"code,qty\n" + "あ,1\n".encode("cp932"))
    with pytest.raises(FileRefused) as caught:
        csv_io.read_csv(path, encoding="utf-8")
    problem = caught.value.problems[0]
    assert problem.row == 2 and "utf-8" in problem.text()


def test_unknown_encoding_name_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(FileRefused, match="Unknown encoding"):
        csv_io.read_csv(path, encoding="klingon")


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a\tb\tc\n1\t2,5\t3\n", "\t"),
    ("a;b\n1;2\n", ";"),
    ("a,b\n1,2\n", ","),
    ("only\none\n", ","),
])
def test_delimiter_detection(text, delimiter):
    assert csv_io.detect_delimiter(text) == delimiter


def test_bom_wins_even_when_utf8_is_forced(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"code,qty\n1,2\n")
    table = csv_io.read_csv(path, encoding="utf-8")
    assert table.rows[0][1][0] == "code"


def test_writing_cp932_reports_characters_it_cannot_hold(tmp_path):
    path = tmp_path / "out.csv"
    rows = [["00123", "タオル〜白"], ["00124", "ok"], ["00125", "−5℃ 🍣"]]
    with pytest.raises(FileRefused) as caught:
        csv_io.write_csv(path, ["code", "name"], rows, "cp932")
    found = [(p.row, p.column, p.params["char"]) for p in caught.value.problems]
    assert found == [(2, "B", "〜"), (4, "B", "−")]
    assert "～" in caught.value.problems[0].text()  # what CP932 would have written
    assert not path.exists()  # nothing written


def test_writing_utf8_bom_and_cp932(tmp_path):
    for encoding in ("utf-8-sig", "cp932"):
        path = tmp_path / f"{encoding}.csv"
        csv_io.write_csv(path, ["商品コード", "在庫数"], [["00123", 5], ["髙", None]], encoding)
        table = csv_io.read_csv(path)
        assert table.encoding == encoding
        assert table.rows[1][1] == ("00123", "5") and table.rows[2][1] == ("髙", "")


def test_cancel_stops_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("code,qty\n" + "".join(f"{i},1\n" for i in range(5000)))
    with pytest.raises(OperationCancelled):
        csv_io.read_csv(path, cancelled=lambda: True)


def test_default_encoding_follows_the_system(monkeypatch):
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert csv_io.default_encoding() == "cp932"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setattr(csv_io.locale, "getlocale", lambda: ("en_US", "UTF-8"))
    monkeypatch.setattr(csv_io.locale, "getencoding", lambda: "UTF-8")  # a Japanese Windows: cp932
    monkeypatch.delenv("LC_CTYPE", raising=False)
    assert csv_io.default_encoding() == "utf-8-sig"


# 楽天 RMS normal-item.csv as the shop downloads it (RMS 商品一括編集, item CSV): Shift_JIS,
# comma-separated, every field double-quoted, a parent row per 商品管理番号 with the HTML
# descriptions (several lines, ``&nbsp;`` and CSS with ``;``, attributes quoted as ``""``)
# followed by its SKU rows (SKU管理番号, システム連携用SKU番号, 在庫数).
_RAKUTEN_HEADER = (
    "商品管理番号（商品URL）", "商品番号", "商品名", "倉庫指定", "サーチ表示", "消費税",
    "PC用キャッチコピー", "PC用商品説明文", "スマートフォン用商品説明文", "PC用販売説明文",
    "SKU管理番号", "システム連携用SKU番号", "バリエーション項目選択肢1", "通常購入販売価格",
    "在庫数")
_RAKUTEN_HTML = (
    '<table width="100%" style="font-size:12px;color:#333;">\r\n'
    '<tr><td style="padding:4px;">素材&nbsp;:&nbsp;綿100%</td></tr>\r\n'
    + "".join(f"<p>ポイント{n}&nbsp;:&nbsp;やわらかい&nbsp;;&nbsp;吸水性&nbsp;;&nbsp;日本製"
              "</p>\r\n" for n in range(30))
    + '<img src="https://image.rakuten.co.jp/shop/cabinet/towel.jpg" width="100%">\r\n'
    "</table>")


def _rakuten_normal_item(items: int) -> bytes:
    def line(values: tuple[str, ...]) -> str:
        return ",".join('"' + v.replace('"', '""') + '"' for v in values) + "\r\n"

    text = line(_RAKUTEN_HEADER)
    for i in range(items):
        text += line((f"towel-{i}", f"T{i}", f"今治タオル {i}", "0", "1", "1", "ふわふわ",
                      _RAKUTEN_HTML, _RAKUTEN_HTML, _RAKUTEN_HTML, "", "", "", "", ""))
        text += line((f"towel-{i}", "", "", "", "", "", "", "", "", "", f"towel-{i}-white",
                      f"T{i}W", "白", "1980", str(i)))
    return text.encode("cp932")


def test_rakuten_item_file_with_multi_line_html_is_read_as_comma_separated(tmp_path):
    path = tmp_path / "normal-item.csv"
    path.write_bytes(_rakuten_normal_item(10))
    table = csv_io.read_csv(path)
    assert (table.encoding, table.delimiter) == ("cp932", ",")
    assert [len(values) for _, values in table.rows] == [len(_RAKUTEN_HEADER)] * 21
    parent, sku = table.rows[1][1], table.rows[2][1]
    assert parent[7] == _RAKUTEN_HTML
    assert (sku[10], sku[11], sku[14]) == ("towel-0-white", "T0W", "0")


@pytest.mark.parametrize(("text", "delimiter"), [
    ('"a","b"\r\n"1","x;y;z"\r\n', ","),  # ; splits more, but every field is quoted for ,
    ('a;b\r\n1;"say ""hi"", then go"\r\n', ";"),
    ('a,b\r\n1,5" screen;wide\r\n2,7" screen;tall\r\n', ","),
])
def test_delimiter_detection_sees_where_quoted_fields_start_and_end(text, delimiter):
    assert csv_io.detect_delimiter(text) == delimiter

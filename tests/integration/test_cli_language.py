"""Messages in the user's language: Japanese on a Japanese system, English elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys


def run(db: str, language: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": language, "LC_ALL": language, "LANGUAGE": "",
           "QT_QPA_PLATFORM": "offscreen"}
    env.pop("RENDO_DB", None)
    return subprocess.run([sys.executable, "-m", "app", "--db", db, *args], env=env,
                          capture_output=True, encoding="utf-8", timeout=60)


def test_a_refusal_reads_in_japanese_on_a_japanese_system(tmp_path):
    refused = run(str(tmp_path / "ja.sqlite3"), "ja_JP.UTF-8", "adjust", "00123", "+1")
    assert refused.returncode == 2
    assert "rendo: 商品コード 00123 の商品はありません。" in refused.stderr.splitlines()


def test_the_same_refusal_reads_in_english_elsewhere(tmp_path):
    refused = run(str(tmp_path / "en.sqlite3"), "en_US.UTF-8", "adjust", "00123", "+1")
    assert refused.returncode == 2
    assert "rendo: There is no item with code 00123." in refused.stderr.splitlines()


def test_history_and_stock_use_the_windows_japanese_words(tmp_path):
    db = str(tmp_path / "ja.sqlite3")
    for args in (("item", "add", "A"), ("adjust", "A", "+5", "--reason", "receive")):
        assert run(db, "ja_JP.UTF-8", *args).returncode == 0
    history = run(db, "ja_JP.UTF-8", "history", "A").stdout.splitlines()
    assert history[0].split("\t")[2:4] == ["+5", "入荷"]
    header, row = run(db, "ja_JP.UTF-8", "stock").stdout.splitlines()
    assert header.split("\t")[0] == "コード" and header.split("\t")[2] == "実在庫"
    assert row.split("\t")[:3] == ["A", "単品", "5"]

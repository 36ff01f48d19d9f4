<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>{text!r} is not a whole number</source>
        <translation>{text!r} は整数ではありません</translation>
    </message>
    <message>
        <source>{text!r} cannot be negative</source>
        <translation>{text!r}: 負の数は指定できません</translation>
    </message>
    <message>
        <source>{text!r} is not COMPONENT:QUANTITY</source>
        <translation>{text!r} は「構成商品:数量」の形ではありません</translation>
    </message>
    <message>
        <source>Rendo: one stock ledger for every channel.</source>
        <translation>Rendo（連動）: すべての店舗の在庫をひとつの台帳で管理します。</translation>
    </message>
    <message>
        <source>database file or URL (default: RENDO_DB or the user&apos;s data directory)</source>
        <translation>データベースのファイルまたは URL（既定: RENDO_DB、なければユーザーのデータフォルダー）</translation>
    </message>
    <message>
        <source>create the --db file&apos;s folder if it does not exist</source>
        <translation>--db のファイルのフォルダーがなければ作成する</translation>
    </message>
    <message>
        <source>open the window offscreen once and exit (packaging check)</source>
        <translation>画面を表示せずにウィンドウを一度開いて終了する（パッケージの動作確認）</translation>
    </message>
    <message>
        <source>print the version and exit</source>
        <translation>バージョンを表示して終了する</translation>
    </message>
    <message>
        <source>items</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>add a single item</source>
        <translation>単品を追加する</translation>
    </message>
    <message>
        <source>the item&apos;s code (text: 00123 and 123 differ)</source>
        <translation>商品コード（文字列: 00123 と 123 は別の商品）</translation>
    </message>
    <message>
        <source>the item&apos;s name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>JAN (barcode)</source>
        <translation>JAN（バーコード）</translation>
    </message>
    <message>
        <source>made to order: channels always show their unlimited number</source>
        <translation>受注生産: 店舗には常に「無制限」の数を表示する</translation>
    </message>
    <message>
        <source>list items</source>
        <translation>商品の一覧を表示する</translation>
    </message>
    <message>
        <source>machine-readable output</source>
        <translation>プログラム向けの出力（JSON）</translation>
    </message>
    <message>
        <source>set products</source>
        <translation>セット商品</translation>
    </message>
    <message>
        <source>define a set: rendo set define SET A:1 B:2</source>
        <translation>セット商品を定義する: rendo set define セット A:1 B:2</translation>
    </message>
    <message>
        <source>the set&apos;s code (created if new)</source>
        <translation>セット商品のコード（なければ作成）</translation>
    </message>
    <message>
        <source>COMPONENT:QUANTITY, one for each component</source>
        <translation>構成商品:数量（構成商品ごとに 1 つ）</translation>
    </message>
    <message>
        <source>change on hand: +N, -N or =N</source>
        <translation>実在庫を変更する: +N、-N、=N</translation>
    </message>
    <message>
        <source>the item&apos;s code</source>
        <translation>商品コード</translation>
    </message>
    <message>
        <source>+N adds, -N takes away, =N is a count</source>
        <translation>+N で加算、-N で減算、=N で数を指定（棚卸）</translation>
    </message>
    <message>
        <source>manual, stocktake, receive, damage, return or a note</source>
        <translation>manual（手動）、stocktake（棚卸）、receive（入荷）、damage（破損）、return（返品）、またはメモ</translation>
    </message>
    <message>
        <source>units kept back from every channel</source>
        <translation>どの店舗にも出さずに確保しておく数</translation>
    </message>
    <message>
        <source>units</source>
        <translation>個</translation>
    </message>
    <message>
        <source>units an item may sell below zero</source>
        <translation>在庫 0 を下回って販売してよい数（バックオーダー）</translation>
    </message>
    <message>
        <source>low-stock threshold (or none)</source>
        <translation>在庫僅少とする数（または none）</translation>
    </message>
    <message>
        <source>units, or none</source>
        <translation>個数、または none</translation>
    </message>
    <message>
        <source>channels</source>
        <translation>店舗</translation>
    </message>
    <message>
        <source>add a channel</source>
        <translation>店舗を追加する</translation>
    </message>
    <message>
        <source>the channel&apos;s name in Rendo</source>
        <translation>Rendo での店舗名</translation>
    </message>
    <message>
        <source>first sync: push Rendo&apos;s numbers or pull the channel&apos;s</source>
        <translation>初回同期: Rendo の数を送る（push）か、店舗の数を採用する（pull）か</translation>
    </message>
    <message>
        <source>the most this channel may show</source>
        <translation>この店舗に表示する数の上限</translation>
    </message>
    <message>
        <source>what it shows for unlimited items (default 9999)</source>
        <translation>無制限の商品に表示する数（既定 9999）</translation>
    </message>
    <message>
        <source>list channels with their sync status</source>
        <translation>店舗の一覧と同期の状態を表示する</translation>
    </message>
    <message>
        <source>replace a channel&apos;s credentials (kept in the keyring)</source>
        <translation>店舗の認証情報を入れ替える（OS の資格情報ストアに保存）</translation>
    </message>
    <message>
        <source>the channel&apos;s name</source>
        <translation>店舗名</translation>
    </message>
    <message>
        <source>the channel&apos;s kind: manual (a column of numbers, not synced), sandbox (the local demo shop) or the channel&apos;s own name</source>
        <translation>店舗の種類: manual (数を並べるだけで連動しない)、sandbox (このPC上のデモ店舗)、または各モールの名前</translation>
    </message>
    <message>
        <source>the channel&apos;s API address (https://…); for channels with a known address, it replaces its host (a test double)</source>
        <translation>店舗のAPIのアドレス (https://…)。アドレスが決まっている店舗では、そのホストを置き換えます (テスト用)</translation>
    </message>
    <message>
        <source>a setting of the channel&apos;s type (repeatable)</source>
        <translation>店舗の種類ごとの設定 (複数指定可)</translation>
    </message>
    <message>
        <source>read the credentials from standard input, one key=value a line (kept in the keyring)</source>
        <translation>認証情報を標準入力から1行に1つ key=value で読み込む (キーリングに保存)</translation>
    </message>
    <message>
        <source>read the credentials from standard input, one key=value a line</source>
        <translation>認証情報を標準入力から1行に1つ key=value で読み込む</translation>
    </message>
    <message>
        <source>remove a channel, its listings and credentials (movements stay)</source>
        <translation>店舗とその出品・認証情報を削除する（入出庫履歴は残ります）</translation>
    </message>
    <message>
        <source>choose the first sync: push or pull</source>
        <translation>初回同期の方法を選ぶ: push または pull</translation>
    </message>
    <message>
        <source>push: Rendo&apos;s numbers win; pull: the channel&apos;s do</source>
        <translation>push: Rendo の数を送る、pull: 店舗の数を採用する</translation>
    </message>
    <message>
        <source>what the first sync would change</source>
        <translation>初回同期で変わる内容を表示する</translation>
    </message>
    <message>
        <source>seconds between syncs (5-3600)</source>
        <translation>同期の間隔（秒、5〜3600）</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>sync the channels</source>
        <translation>店舗と同期する</translation>
    </message>
    <message>
        <source>one cycle of every channel</source>
        <translation>すべての店舗を 1 回同期する</translation>
    </message>
    <message>
        <source>keep syncing until Ctrl+C</source>
        <translation>Ctrl+C まで同期を続ける</translation>
    </message>
    <message>
        <source>seconds between cycles with --watch (default 15)</source>
        <translation>--watch での同期の間隔（秒、既定 15）</translation>
    </message>
    <message>
        <source>order lines no item matches yet</source>
        <translation>まだ商品に割り当てられていない注文明細</translation>
    </message>
    <message>
        <source>map a channel&apos;s item id to an item code</source>
        <translation>店舗の商品IDを商品コードに対応付ける</translation>
    </message>
    <message>
        <source>the id the channel&apos;s orders name</source>
        <translation>店舗の注文に書かれている商品ID</translation>
    </message>
    <message>
        <source>the item&apos;s code in Rendo</source>
        <translation>Rendo の商品コード</translation>
    </message>
    <message>
        <source>the local sandbox shop</source>
        <translation>この PC のサンドボックス店舗</translation>
    </message>
    <message>
        <source>run a sandbox shop on this PC</source>
        <translation>この PC でサンドボックス店舗を動かす</translation>
    </message>
    <message>
        <source>port (default: any free one)</source>
        <translation>ポート（既定: 空いているポート）</translation>
    </message>
    <message>
        <source>CSV of sku,quantity</source>
        <translation>sku,quantity の CSV</translation>
    </message>
    <message>
        <source>a demo shop with three sandbox channels</source>
        <translation>サンドボックス店舗 3 つのデモ</translation>
    </message>
    <message>
        <source>no window: sync in the terminal</source>
        <translation>ウィンドウなし: 端末で同期する</translation>
    </message>
    <message>
        <source>with --headless, stop after this many seconds</source>
        <translation>--headless のとき、この秒数で終了する</translation>
    </message>
    <message>
        <source>allocation patterns</source>
        <translation>在庫配分パターン</translation>
    </message>
    <message>
        <source>add an allocation pattern</source>
        <translation>在庫配分パターンを追加する</translation>
    </message>
    <message>
        <source>the pattern&apos;s name</source>
        <translation>パターン名</translation>
    </message>
    <message>
        <source>channels in priority order, comma-separated</source>
        <translation>優先する順の店舗（カンマ区切り）</translation>
    </message>
    <message>
        <source>e.g. &quot;&lt;=10:A=50%%,B=30%%,C=20%%&quot;; tried in the order given</source>
        <translation>例 &quot;&lt;=10:A=50%%,B=30%%,C=20%%&quot;。指定した順に判定します</translation>
    </message>
    <message>
        <source>keep units left by rounding instead of giving them out</source>
        <translation>端数で余った数を配らずに残す</translation>
    </message>
    <message>
        <source>give items a pattern</source>
        <translation>商品にパターンを割り当てる</translation>
    </message>
    <message>
        <source>item codes</source>
        <translation>商品コード</translation>
    </message>
    <message>
        <source>list patterns</source>
        <translation>パターンの一覧を表示する</translation>
    </message>
    <message>
        <source>display offset: +N, -N, N or none</source>
        <translation>表示在庫設定: +N、-N、N、または none</translation>
    </message>
    <message>
        <source>+N adds, -N takes away, N shows at most N; none removes it</source>
        <translation>+N で加算、-N で減算、N で最大 N を表示、none で解除</translation>
    </message>
    <message>
        <source>for this channel only</source>
        <translation>この店舗だけに設定する</translation>
    </message>
    <message>
        <source>append the reverse of a movement</source>
        <translation>入出庫を取り消す（逆の入出庫を追加）</translation>
    </message>
    <message>
        <source>the movement&apos;s number (see history)</source>
        <translation>入出庫番号（history で確認）</translation>
    </message>
    <message>
        <source>movements of an item</source>
        <translation>商品の入出庫履歴</translation>
    </message>
    <message>
        <source>verify the database file and that on hand equals the sum of movements</source>
        <translation>データベースファイルと、実在庫が入出庫の合計と一致することを検査する</translation>
    </message>
    <message>
        <source>copy the database to FILE (safe while Rendo runs)</source>
        <translation>データベースを FILE にコピーする（Rendo の実行中でも安全）</translation>
    </message>
    <message>
        <source>the copy to write (never overwritten)</source>
        <translation>書き出すコピー（上書きはしません）</translation>
    </message>
    <message>
        <source>computed stock of every item</source>
        <translation>全商品の計算済み在庫</translation>
    </message>
    <message>
        <source>machine-readable output (a stable format)</source>
        <translation>プログラム向けの出力（形式は固定）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>{code}: item added</source>
        <translation>{code}: 商品を追加しました</translation>
    </message>
    <message>
        <source>{code}: set of {components}</source>
        <translation>{code}: セット商品（{components}）</translation>
    </message>
    <message>
        <source>{code}: on hand {before} → {after}</source>
        <translation>{code}: 実在庫 {before} → {after}</translation>
    </message>
    <message>
        <source>{code}: on hand stays {count}; nothing written</source>
        <translation>{code}: 実在庫は {count} のまま。何も書き込んでいません</translation>
    </message>
    <message>
        <source>{change} (movement {id})</source>
        <translation>{change}（入出庫番号 {id}）</translation>
    </message>
    <message>
        <source>reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>backorder allowance</source>
        <translation>バックオーダー可能数</translation>
    </message>
    <message>
        <source>reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>{code}: {field} {before} → {after}</source>
        <translation>{code}: {field} {before} → {after}</translation>
    </message>
    <message>
        <source>allocation pattern {name} saved: {tiers}</source>
        <translation>在庫配分パターン「{name}」を保存しました: {tiers}</translation>
    </message>
    <message>
        <source>{codes}: allocation pattern {name}</source>
        <translation>{codes}: 在庫配分パターン「{name}」</translation>
    </message>
    <message>
        <source>hold-back</source>
        <translation>端数を残す</translation>
    </message>
    <message>
        <source>priority {channels}</source>
        <translation>優先 {channels}</translation>
    </message>
    <message>
        <source>{code}: display offset on {channel} {before} → {after}</source>
        <translation>{code}: {channel} の表示在庫設定 {before} → {after}</translation>
    </message>
    <message>
        <source>{code}: display offset {before} → {after}</source>
        <translation>{code}: 表示在庫設定 {before} → {after}</translation>
    </message>
    <message>
        <source>movement {id} undone by movement {undo}: {change}</source>
        <translation>入出庫番号 {id} を入出庫番号 {undo} で取り消しました: {change}</translation>
    </message>
    <message>
        <source>(undone by {id})</source>
        <translation>（{id} で取り消し済み）</translation>
    </message>
    <message>
        <source>database: {problem}</source>
        <translation>データベース: {problem}</translation>
    </message>
    <message>
        <source>database: {table} row {row} refers to a {parent} row that is not there</source>
        <translation>データベース: {table} の行 {row} が存在しない {parent} の行を参照しています</translation>
    </message>
    <message>
        <source>The database {location} is damaged: Rendo will not write to it. Restore a backup: close Rendo, then copy the newest file from {backups} in its place.</source>
        <translation>データベース {location} が壊れています。Rendo はこのファイルに書き込みません。バックアップから戻してください: Rendo を閉じ、{backups} の一番新しいファイルをこのファイルの代わりにコピーします。</translation>
    </message>
    <message>
        <source>{code}: on hand {cached} but movements add up to {ledger}</source>
        <translation>{code}: 実在庫 {cached} と入出庫履歴の合計 {ledger} が一致しません</translation>
    </message>
    <message>
        <source>ledger ok</source>
        <translation>入出庫履歴: 実在庫と一致しています</translation>
    </message>
    <message>
        <source>backup written to {file}</source>
        <translation>バックアップを {file} に書き出しました</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>無効</translation>
    </message>
    <message>
        <source>waiting for the first-sync choice</source>
        <translation>初回同期の選択待ち</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>not synced yet</source>
        <translation>未同期</translation>
    </message>
    <message>
        <source>stopped: enter new credentials</source>
        <translation>停止中: 新しい認証情報を入力してください</translation>
    </message>
    <message>
        <source>push Rendo&apos;s numbers</source>
        <translation>Rendo の数を送る</translation>
    </message>
    <message>
        <source>take the channel&apos;s numbers</source>
        <translation>店舗の数を採用する</translation>
    </message>
    <message>
        <source>standard input</source>
        <translation>標準入力</translation>
    </message>
    <message>
        <source>channel {name} added ({type}); first sync: {first}</source>
        <translation>店舗「{name}」を追加しました（{type}）。初回同期: {first}</translation>
    </message>
    <message>
        <source>channel {name} added ({type}); choose its first sync: rendo channel first {name} push|pull</source>
        <translation>店舗「{name}」を追加しました（{type}）。初回同期の方法を選んでください: rendo channel first {name} push|pull</translation>
    </message>
    <message>
        <source>channel {name} added ({type})</source>
        <translation>店舗「{name}」を追加しました（{type}）</translation>
    </message>
    <message>
        <source>credentials of channel {name} replaced</source>
        <translation>店舗「{name}」の認証情報を入れ替えました</translation>
    </message>
    <message>
        <source>channel {name} removed</source>
        <translation>店舗「{name}」を削除しました</translation>
    </message>
    <message>
        <source>{name}: first sync: {first}</source>
        <translation>{name}: 初回同期: {first}</translation>
    </message>
    <message>
        <source>{name}: a sync every {seconds} s</source>
        <translation>{name}: {seconds} 秒ごとに同期</translation>
    </message>
    <message>
        <source>code</source>
        <translation>商品コード</translation>
    </message>
    <message>
        <source>channel item</source>
        <translation>店舗の商品ID</translation>
    </message>
    <message>
        <source>channel shows</source>
        <translation>店舗の在庫数</translation>
    </message>
    <message>
        <source>Rendo</source>
        <translation>Rendo</translation>
    </message>
    <message>
        <source>last {when}</source>
        <translation>最終 {when}</translation>
    </message>
    <message>
        <source>next {when}</source>
        <translation>次回 {when}</translation>
    </message>
    <message>
        <source>listings {n}</source>
        <translation>出品 {n}</translation>
    </message>
    <message>
        <source>suspended {n}</source>
        <translation>停止中 {n}</translation>
    </message>
    <message>
        <source>drift {n}</source>
        <translation>差異 {n}</translation>
    </message>
    <message>
        <source>{channel}: waiting for the first sync choice: rendo channel first {channel} push|pull</source>
        <translation>{channel}: 初回同期の方法の選択待ち（rendo channel first {channel} push|pull で選択）</translation>
    </message>
    <message>
        <source>{channel}: synced by {pc}, not by this PC</source>
        <translation>{channel}: このPCではなく {pc} が同期しています</translation>
    </message>
    <message>
        <source>{channel}: orders {orders}, unmatched {unmatched}, uploaded {uploaded}, refused {refused}, drift {drift}{error}</source>
        <translation>{channel}: 注文 {orders}、未割当 {unmatched}、送信 {uploaded}、拒否 {refused}、差異 {drift}{error}</translation>
    </message>
    <message numerus="yes">
        <source>{channel}: %n listings wait for the channel&apos;s allowance of calls (the next in {seconds} s)</source>
        <translation>
            <numerusform>{channel}: %n 件の出品が店舗のAPI呼び出し枠を待っています (次は {seconds} 秒後)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{channel}: {item} → {code}; %n waiting order lines applied</source>
        <translation>
            <numerusform>{channel}: {item} → {code}。待機中の注文明細 %n 件を反映しました</numerusform>
        </translation>
    </message>
    <message>
        <source>rendo: stopped (Ctrl+C); the next sync goes on from where this one stopped</source>
        <translation>rendo: 中断しました (Ctrl+C)。次回の同期は中断したところから続けます</translation>
    </message>
    <message>
        <source>rendo: the database answers again; the sync goes on</source>
        <translation>rendo: データベースが再び応答しました。同期を続けます</translation>
    </message>
    <message>
        <source> (trying again in {seconds} s)</source>
        <translation>（{seconds} 秒後に再試行）</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>キャンセル済み</translation>
    </message>
    <message>
        <source>refused: {reason}</source>
        <translation>受け付けませんでした: {reason}</translation>
    </message>
    <message>
        <source>sandbox shop at {url} (Ctrl+C to stop)</source>
        <translation>サンドボックス店舗: {url}（Ctrl+C で停止）</translation>
    </message>
    <message>
        <source>(unchanged)</source>
        <translation>（変更なし）</translation>
    </message>
    <message>
        <source>{text!r} is not FIELD=COLUMN</source>
        <translation>{text!r} は「項目=列」の形ではありません</translation>
    </message>
    <message>
        <source>{text!r} is not a date (YYYY-MM-DD)</source>
        <translation>{text!r} は日付（YYYY-MM-DD）ではありません</translation>
    </message>
    <message>
        <source>dry run: nothing was written</source>
        <translation>ドライラン: 確認のみで、何も書き込んでいません</translation>
    </message>
    <message numerus="yes">
        <source>rendo: … and %n more problems</source>
        <translation>
            <numerusform>rendo: …ほか %n 件の問題</numerusform>
        </translation>
    </message>
    <message>
        <source>{file} ({read}): {rows}, {changed} changed, {created}</source>
        <translation>{file}（{read}）: {rows}、変更 {changed} 件、{created}</translation>
    </message>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n new items</source>
        <translation>
            <numerusform>新規商品 %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>batch {batch}: undo with rendo import-undo {batch}</source>
        <translation>取り込み番号 {batch}（取り消すには: rendo import-undo {batch}）</translation>
    </message>
    <message numerus="yes">
        <source>%n movements reversed (batch {batch})</source>
        <translation>
            <numerusform>入出庫 %n 件を取り消しました（番号 {batch}）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n rows ({format})</source>
        <translation>
            <numerusform>{file}: %n 行（{format}）</numerusform>
        </translation>
    </message>
    <message>
        <source>import stock counts or master data (.csv, .xlsx)</source>
        <translation>在庫数またはマスターデータを取り込む（.csv、.xlsx）</translation>
    </message>
    <message>
        <source>.csv, .tsv, .txt or .xlsx file</source>
        <translation>.csv、.tsv、.txt または .xlsx ファイル</translation>
    </message>
    <message>
        <source>what the file holds (default stock)</source>
        <translation>ファイルの内容（既定 stock: 在庫数）</translation>
    </message>
    <message>
        <source>stock: overwrite (stocktake), add or subtract (default overwrite)</source>
        <translation>在庫数の扱い: overwrite（棚卸・上書き）、add（加算）、subtract（減算）（既定 overwrite）</translation>
    </message>
    <message>
        <source>CSV encoding (default: detected): utf-8, cp932…</source>
        <translation>CSV の文字コード（既定: 自動判定）: utf-8、cp932…</translation>
    </message>
    <message>
        <source>CSV delimiter (default: detected): comma, tab, ;</source>
        <translation>CSV の区切り文字（既定: 自動判定）: カンマ、タブ、;</translation>
    </message>
    <message>
        <source>.xlsx sheet (default: the first)</source>
        <translation>.xlsx のシート（既定: 最初のシート）</translation>
    </message>
    <message>
        <source>which column holds a field: header text, letter or number</source>
        <translation>項目がどの列にあるか: 見出しの文字、列の記号または番号</translation>
    </message>
    <message>
        <source>row number of the header row (0: none; default: found)</source>
        <translation>見出し行の行番号（0: 見出しなし、既定: 自動で探す）</translation>
    </message>
    <message>
        <source>stock: the channel&apos;s file format (default: recognised from the header; rendo: Rendo&apos;s own columns)</source>
        <translation>stock: チャネルのファイル形式(省略時は見出しから判別。rendo: Rendo 独自の列)</translation>
    </message>
    <message>
        <source>Shopify: the location to read, or all for their sum</source>
        <translation>Shopify: 読み込むロケーション。all で全ロケーションの合計</translation>
    </message>
    <message>
        <source>create items for unknown codes instead of refusing them</source>
        <translation>未登録のコードは取り込みを止めずに商品を作成する</translation>
    </message>
    <message>
        <source>show every row&apos;s change and every problem; write nothing</source>
        <translation>すべての行の変更と問題を表示し、何も書き込まない</translation>
    </message>
    <message>
        <source>list every row&apos;s change</source>
        <translation>すべての行の変更を表示する</translation>
    </message>
    <message>
        <source>reverse every movement of one import</source>
        <translation>ひとつの取り込みの入出庫をすべて取り消す</translation>
    </message>
    <message>
        <source>the batch an import printed</source>
        <translation>取り込み時に表示された取り込み番号</translation>
    </message>
    <message>
        <source>export a list (.csv, .tsv, .xlsx)</source>
        <translation>一覧を書き出す（.csv、.tsv、.xlsx）</translation>
    </message>
    <message>
        <source>which list</source>
        <translation>書き出す一覧</translation>
    </message>
    <message>
        <source>the file to write (.csv, .tsv or .xlsx)</source>
        <translation>書き出すファイル（.csv、.tsv または .xlsx）</translation>
    </message>
    <message>
        <source>CSV encoding (default: cp932 on a Japanese system, else utf-8-sig)</source>
        <translation>CSV の文字コード（既定: 日本語環境では cp932、それ以外は utf-8-sig）</translation>
    </message>
    <message>
        <source>history: first day</source>
        <translation>入出庫履歴: 開始日</translation>
    </message>
    <message>
        <source>history: last day</source>
        <translation>入出庫履歴: 終了日</translation>
    </message>
    <message>
        <source>header language</source>
        <translation>見出しの言語</translation>
    </message>
    <message>
        <source>an empty file to fill in for an import</source>
        <translation>取り込み用の空のひな形ファイル</translation>
    </message>
    <message>
        <source>which import</source>
        <translation>取り込みの種類</translation>
    </message>
    <message>
        <source>the file to write (.csv or .xlsx)</source>
        <translation>書き出すファイル（.csv または .xlsx）</translation>
    </message>
    <message>
        <source>CSV encoding</source>
        <translation>CSV の文字コード</translation>
    </message>
    <message>
        <source>{channel}: orders {orders}, uploaded {uploaded}{error}</source>
        <translation>{channel}: 注文 {orders} 件、送信 {uploaded} 件{error}</translation>
    </message>
    <message>
        <source>a shop&apos;s PostgreSQL database, shared by several PCs</source>
        <translation>複数のPCで共有するショップのPostgreSQLデータベース</translation>
    </message>
    <message>
        <source>prepare an empty PostgreSQL database for the shop</source>
        <translation>空のPostgreSQLデータベースをショップ用に準備する</translation>
    </message>
    <message>
        <source>postgresql://USER:PASSWORD@HOST:5432/DATABASE</source>
        <translation>postgresql://ユーザー:パスワード@ホスト:5432/データベース</translation>
    </message>
    <message>
        <source>copy the shop in a SQLite file into an empty PostgreSQL database</source>
        <translation>SQLiteファイルのショップを空のPostgreSQLデータベースへコピーする</translation>
    </message>
    <message>
        <source>the shop&apos;s file: sqlite:PATH</source>
        <translation>ショップのファイル: sqlite:パス</translation>
    </message>
    <message>
        <source>{location} already holds the shop&apos;s tables (schema {version}); nothing to do.</source>
        <translation>{location} にはすでにショップのテーブルがあります(スキーマ {version})。何もする必要はありません。</translation>
    </message>
    <message>
        <source>{location} is ready for the shop (schema {version}). Start Rendo on each PC with --db and this address, or set RENDO_DB to it.</source>
        <translation>{location} はショップ用に準備できました(スキーマ {version})。各PCで --db にこのアドレスを指定して Rendo を起動するか、RENDO_DB にこのアドレスを設定してください。</translation>
    </message>
    <message>
        <source>Copied the shop to {location}: {items}, {movements}, {channels}, {listings}.</source>
        <translation>ショップを {location} にコピーしました: {items}、{movements}、{channels}、{listings}。</translation>
    </message>
    <message numerus="yes">
        <source>%n items</source>
        <translation>
            <numerusform>商品 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n movements</source>
        <translation>
            <numerusform>入出庫 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n channels</source>
        <translation>
            <numerusform>チャネル %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n listings</source>
        <translation>
            <numerusform>出品 %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Credentials stay in each PC&apos;s keyring and were not copied. On every other PC that syncs, enter them for: {channels} (rendo channel credentials NAME, or the channel&apos;s settings in the window).</source>
        <translation>認証情報は各PCのキーリングに保存されているため、コピーされていません。同期するほかのPCでは、次のチャネルの認証情報を入力してください: {channels}(rendo channel credentials 名前、またはウィンドウのチャネル設定から)。</translation>
    </message>
    <message>
        <source>The file {file} was not changed. Start Rendo on each PC with --db and the new address, or set RENDO_DB to it.</source>
        <translation>ファイル {file} は変更していません。各PCで --db に新しいアドレスを指定して Rendo を起動するか、RENDO_DB にそのアドレスを設定してください。</translation>
    </message>
</context>
<context>
    <name>AdjustDialog</name>
    <message>
        <source>Change on hand</source>
        <translation>実在庫の変更</translation>
    </message>
    <message>
        <source>&amp;Adjustment</source>
        <translation>調整(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Stocktake</source>
        <translation>棚卸(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Received</source>
        <translation>入荷(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Damaged</source>
        <translation>破損(&amp;D)</translation>
    </message>
    <message>
        <source>Re&amp;turned</source>
        <translation>返品(&amp;T)</translation>
    </message>
    <message>
        <source>Optional: delivery slip, who counted…</source>
        <translation>任意：納品書番号、担当者など</translation>
    </message>
    <message>
        <source>On hand now:</source>
        <translation>現在の実在庫：</translation>
    </message>
    <message>
        <source>&amp;New on hand:</source>
        <translation>新しい実在庫(&amp;N)：</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由：</translation>
    </message>
    <message>
        <source>N&amp;ote:</source>
        <translation>メモ(&amp;O)：</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>記録</translation>
    </message>
    <message>
        <source>no change</source>
        <translation>変更なし</translation>
    </message>
    <message>
        <source>({delta:+d})</source>
        <translation>（{delta:+d}）</translation>
    </message>
</context>
<context>
    <name>AppMain</name>
    <message>
        <source>rendo: no display found to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Start Rendo from a desktop session, or use the command line: rendo --help</source>
        <translation>rendo: ウィンドウを開くディスプレイが見つかりません（DISPLAY も WAYLAND_DISPLAY も設定されていません）。デスクトップから Rendo を起動するか、コマンドラインを使ってください: rendo --help</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist, so there is no shop there yet.

Create the folder and start a new, empty shop in it?</source>
        <translation>フォルダー {folder} がないため、そこにはまだショップがありません。

フォルダーを作成して、新しい空のショップを始めますか？</translation>
    </message>
    <message>
        <source>Rendo cannot open the database {location}:
{error}</source>
        <translation>データベース {location} を開けません:
{error}</translation>
    </message>
</context>
<context>
    <name>BulkEdits</name>
    <message>
        <source>Reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>Reserved units of {n} items:</source>
        <translation>{n} 品目の確保在庫：</translation>
    </message>
    <message>
        <source>Set reserved to {n}</source>
        <translation>確保在庫を {n} に設定</translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>Reorder point of {n} items:</source>
        <translation>{n} 品目の発注点：</translation>
    </message>
    <message>
        <source>No reorder point</source>
        <translation>発注点なし</translation>
    </message>
    <message>
        <source>Remove reorder point</source>
        <translation>発注点を解除</translation>
    </message>
    <message>
        <source>Set reorder point to {n}</source>
        <translation>発注点を {n} に設定</translation>
    </message>
    <message>
        <source>Backorders are set on singles, not on sets.</source>
        <translation>バックオーダーは単品に設定します（セット商品には設定できません）。</translation>
    </message>
    <message>
        <source>Backorder allowance</source>
        <translation>バックオーダー(予約)可能数</translation>
    </message>
    <message>
        <source>Units {n} items may sell below zero:</source>
        <translation>{n} 品目が 0 未満まで販売できる数：</translation>
    </message>
    <message>
        <source>Set backorder allowance to {n}</source>
        <translation>バックオーダー(予約)可能数を {n} に設定</translation>
    </message>
    <message>
        <source>Make unlimited</source>
        <translation>無制限にする</translation>
    </message>
    <message>
        <source>Make limited</source>
        <translation>無制限を解除</translation>
    </message>
</context>
<context>
    <name>ChannelDialog</name>
    <message>
        <source>Channels</source>
        <translation>店舗の設定</translation>
    </message>
    <message>
        <source>Add channel</source>
        <translation>店舗を追加</translation>
    </message>
    <message>
        <source>Your channels</source>
        <translation>登録済みの店舗</translation>
    </message>
    <message>
        <source>e.g. rakuten</source>
        <translation>例：rakuten</translation>
    </message>
    <message>
        <source>Sync this channel</source>
        <translation>この店舗と同期する</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必須</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>任意</translation>
    </message>
    <message>
        <source>Kept in this PC&apos;s keyring (Windows Credential Manager, macOS Keychain…), never in Rendo&apos;s database.</source>
        <translation>トークンはこのPCの資格情報ストア（Windows 資格情報マネージャー、macOS キーチェーンなど）に保存され、Rendo のデータベースには保存されません。</translation>
    </message>
    <message>
        <source>Received from the channel — kept when you save</source>
        <translation>店舗から受け取り済み — 保存すると一緒に保存されます</translation>
    </message>
    <message>
        <source>Enter the {label}.</source>
        <translation>{label}を入力してください。</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>上限なし</translation>
    </message>
    <message>
        <source>The highest number Rendo ever shows on this channel.</source>
        <translation>この店舗に表示する在庫数の上限です。</translation>
    </message>
    <message>
        <source>What this channel shows for made-to-order (unlimited) items.</source>
        <translation>受注生産・無制限の商品について、この店舗に表示する数です。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>API address</source>
        <translation>APIのアドレス</translation>
    </message>
    <message>
        <source>Maximum shown</source>
        <translation>表示の上限</translation>
    </message>
    <message>
        <source>Shown for unlimited items</source>
        <translation>無制限商品の表示数</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>接続テスト</translation>
    </message>
    <message>
        <source>Choose first sync…</source>
        <translation>初回同期の方法を選ぶ…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Test address</source>
        <translation>テスト用アドレス</translation>
    </message>
    <message>
        <source>Optional: only to point Rendo at a test copy of the channel. Leave it empty to use the channel itself.</source>
        <translation>任意: 店舗のテスト環境に接続する場合だけ入力します。通常は空欄のままにしてください。</translation>
    </message>
    <message>
        <source>{name} (disabled)</source>
        <translation>{name}（無効）</translation>
    </message>
    <message>
        <source>Saved — type a new one only to replace it</source>
        <translation>保存済み（変更するときだけ入力してください）</translation>
    </message>
    <message>
        <source>New channel</source>
        <translation>新しい店舗</translation>
    </message>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt; is not synced yet: choose whether Rendo takes the channel&apos;s numbers or uploads its own.</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt; はまだ同期していません。店舗の在庫数を採用するか、Rendo の在庫数で上書きするかを選んでください。</translation>
    </message>
    <message>
        <source>Give the channel a short name, e.g. rakuten or yahoo.</source>
        <translation>店舗の名前を入力してください（例：rakuten、yahoo）。</translation>
    </message>
    <message>
        <source>A channel name cannot contain = , or :</source>
        <translation>店舗の名前に「=」「,」「:」は使えません。</translation>
    </message>
    <message>
        <source>There is already a channel called {name}.</source>
        <translation>「{name}」という店舗はすでに登録されています。</translation>
    </message>
    <message>
        <source>Enter the address of the channel&apos;s API.</source>
        <translation>店舗のAPIのアドレスを入力してください。</translation>
    </message>
    <message>
        <source>{name} added. Before it syncs, choose how the first sync starts.</source>
        <translation>{name} を追加しました。同期を始める前に、初回同期の方法を選んでください。</translation>
    </message>
    <message>
        <source>{name} saved.</source>
        <translation>{name} の設定を保存しました。</translation>
    </message>
    <message>
        <source>Asking the channel…</source>
        <translation>店舗に問い合わせています…</translation>
    </message>
    <message>
        <source>Connected: the channel answers.</source>
        <translation>接続できました。店舗から応答があります。</translation>
    </message>
    <message>
        <source>Not connected: {message}</source>
        <translation>接続できません：{message}</translation>
    </message>
</context>
<context>
    <name>ChannelErrors</name>
    <message>
        <source>{channel} refused Rendo&apos;s credentials; this channel is stopped. Enter new ones ({renew}) in the channel&apos;s settings.</source>
        <translation>{channel} が Rendo の認証情報を受け付けませんでした。この店舗の連動を停止しています。店舗の設定で新しい認証情報 ({renew}) を入力してください。</translation>
    </message>
    <message>
        <source>The credentials of {channel} have expired; this channel is stopped. Renew them ({renew}) and enter them in the channel&apos;s settings.</source>
        <translation>{channel} の認証情報の期限が切れました。この店舗の連動を停止しています。認証情報 ({renew}) を更新し、店舗の設定で入力してください。</translation>
    </message>
    <message>
        <source>{channel} could not be reached; Rendo tries again later.</source>
        <translation>{channel} に接続できませんでした。しばらくしてから再試行します。</translation>
    </message>
    <message>
        <source>{channel} asked Rendo to slow down; Rendo waits and tries again.</source>
        <translation>{channel} からアクセスを控えるよう求められました。待ってから再試行します。</translation>
    </message>
    <message>
        <source>{channel} had a problem on its side; Rendo tries again later.</source>
        <translation>{channel} 側でエラーが発生しました。しばらくしてから再試行します。</translation>
    </message>
    <message>
        <source>{channel} answered in a way Rendo cannot read; Rendo tries again later.</source>
        <translation>{channel} の応答を読み取れませんでした。しばらくしてから再試行します。</translation>
    </message>
    <message>
        <source>{channel}: what Rendo asked for does not exist there; check the channel&apos;s address and settings.</source>
        <translation>{channel}: 要求したものが見つかりません。店舗のアドレスと設定を確認してください。</translation>
    </message>
    <message>
        <source>{channel} refused Rendo&apos;s request; Rendo tries again later.</source>
        <translation>{channel} がリクエストを拒否しました。しばらくしてから再試行します。</translation>
    </message>
</context>
<context>
    <name>ChannelExpiry</name>
    <message>
        <source>{credential} expires in {n} days ({date})</source>
        <translation>{credential}の有効期限まであと {n} 日です ({date})</translation>
    </message>
    <message>
        <source>{credential} expires tomorrow ({date})</source>
        <translation>{credential}の有効期限は明日です ({date})</translation>
    </message>
    <message>
        <source>{credential} expires today ({date})</source>
        <translation>{credential}の有効期限は今日です ({date})</translation>
    </message>
    <message>
        <source>{credential} expired on {date}</source>
        <translation>{credential}の有効期限が切れました ({date})</translation>
    </message>
    <message>
        <source>Renew it on the channel&apos;s site, then enter the new one and its end date in the settings of {channel}.</source>
        <translation>店舗の管理画面で更新し、新しい値と有効期限を {channel} の設定に入力してください。</translation>
    </message>
</context>
<context>
    <name>ChannelTypes</name>
    <message>
        <source>Manual (not synced)</source>
        <translation>手動 (連動しない)</translation>
    </message>
    <message>
        <source>Sandbox shop (demo and tests)</source>
        <translation>サンドボックス店舗 (デモ・テスト用)</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>トークン</translation>
    </message>
    <message>
        <source>The token the sandbox shop was started with (none: leave empty).</source>
        <translation>サンドボックス店舗の起動時に指定したトークン (なければ空欄)。</translation>
    </message>
    <message>
        <source>BASE</source>
        <translation>BASE</translation>
    </message>
    <message>
        <source>Redirect URI</source>
        <translation>リダイレクトURI</translation>
    </message>
    <message>
        <source>The callback URL registered for the app at BASE Developers (Apps → your app), exactly as registered.</source>
        <translation>BASE Developers (アプリ → 作成したアプリ) に登録したコールバックURL。登録したとおりに入力してください。</translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation>クライアントID</translation>
    </message>
    <message>
        <source>BASE Developers (developers.thebase.in) → register an app (scopes read_items, write_items, read_orders) → its client_id.</source>
        <translation>BASE Developers (developers.thebase.in) → アプリを登録 (権限 read_items, write_items, read_orders) → その client_id。</translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation>クライアントシークレット</translation>
    </message>
    <message>
        <source>BASE Developers → your app → its client_secret.</source>
        <translation>BASE Developers → 作成したアプリ → その client_secret。</translation>
    </message>
    <message>
        <source>Seller Central → Apps and Services → Develop Apps: register as a developer (roles Inventory and Order Tracking, Product Listing), add a private app, then View → LWA credentials.</source>
        <translation>セラーセントラル → アプリとサービス → アプリの開発: 開発者として登録し (ロール: 在庫と注文の追跡、商品の出品)、非公開アプリを追加して、「表示」→ LWA認証情報 を開きます。</translation>
    </message>
    <message>
        <source>Amazon (Selling Partner API)</source>
        <translation>Amazon (SP-API)</translation>
    </message>
    <message>
        <source>Seller ID</source>
        <translation>セラーID</translation>
    </message>
    <message>
        <source>Seller Central → Settings → Account Info → Merchant Token.</source>
        <translation>セラーセントラル → 設定 → 出品用アカウント情報 → 出品者トークン。</translation>
    </message>
    <message>
        <source>Marketplace ID</source>
        <translation>マーケットプレイスID</translation>
    </message>
    <message>
        <source>A1VC38T7YXB528 is Amazon.co.jp.</source>
        <translation>A1VC38T7YXB528 が Amazon.co.jp です。</translation>
    </message>
    <message>
        <source>LWA client ID</source>
        <translation>LWA クライアントID</translation>
    </message>
    <message>
        <source>LWA client secret</source>
        <translation>LWA クライアントシークレット</translation>
    </message>
    <message>
        <source>Shown with the client ID (your app → View → LWA credentials).</source>
        <translation>クライアントIDと一緒に表示されます（アプリ → 「表示」 → LWA認証情報）。</translation>
    </message>
    <message>
        <source>Refresh token</source>
        <translation>リフレッシュトークン</translation>
    </message>
    <message>
        <source>Develop Apps → your app → Authorize app (self-authorisation): copy the refresh token shown.</source>
        <translation>アプリの開発 → 作成したアプリ → アプリを承認 (セルフ承認): 表示されたリフレッシュトークンをコピーします。</translation>
    </message>
    <message>
        <source>Filled in by &quot;Connect&quot;: BASE asks you to allow Rendo, then Rendo keeps the token (renewed on its own).</source>
        <translation>「接続」で自動入力されます: BASE で Rendo を許可すると、Rendo がトークンを保存します (自動で更新されます)。</translation>
    </message>
    <message>
        <source>Shopify</source>
        <translation>Shopify</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>ロケーション</translation>
    </message>
    <message>
        <source>The Shopify location whose stock Rendo keeps in step: its name or id as shown in Settings → Locations. Leave empty for the shop&apos;s default (primary) location.</source>
        <translation>Rendo が在庫を連動させる Shopify のロケーション: 設定 → ロケーション に表示される名前またはID。空欄ならストアのデフォルト (メイン) ロケーションです。</translation>
    </message>
    <message>
        <source>Admin API access token</source>
        <translation>Admin API アクセストークン</translation>
    </message>
    <message>
        <source>In Shopify&apos;s admin: Settings → Apps and sales channels → Develop apps → Create an app. Under Configuration, give the Admin API access scopes read_inventory, write_inventory, read_orders, read_locations and read_products, then install the app and copy the Admin API access token (shpat_…) once shown.</source>
        <translation>Shopify 管理画面: 設定 → アプリと販売チャネル → アプリを開発 → アプリを作成。「設定」で Admin API のアクセススコープ read_inventory, write_inventory, read_orders, read_locations, read_products を付与し、アプリをインストールして、表示された Admin API アクセストークン (shpat_…) をコピーします (表示は一度だけです)。</translation>
    </message>
    <message>
        <source>In WordPress: WooCommerce → Settings → Advanced → REST API → Add key, with Read/Write permissions; copy it when it is shown (it is shown only once).</source>
        <translation>WordPress: WooCommerce → 設定 → 高度な設定 → REST API → キーを追加 (権限: 読み取り/書き込み)。表示されたときにコピーしてください (表示は一度だけです)。</translation>
    </message>
    <message>
        <source>WooCommerce</source>
        <translation>WooCommerce</translation>
    </message>
    <message>
        <source>Consumer key</source>
        <translation>コンシューマーキー</translation>
    </message>
    <message>
        <source>Consumer secret</source>
        <translation>コンシューマーシークレット</translation>
    </message>
    <message>
        <source>Yahoo!ショッピング</source>
        <translation>Yahoo!ショッピング</translation>
    </message>
    <message>
        <source>Store account</source>
        <translation>ストアアカウント</translation>
    </message>
    <message>
        <source>Your ストアアカウント (seller_id), as in ストアクリエイターPro.</source>
        <translation>ストアクリエイターPro に表示されるストアアカウント (seller_id)。</translation>
    </message>
    <message>
        <source>The callback URL registered for the app at Yahoo! デベロッパーネットワーク, exactly as registered.</source>
        <translation>Yahoo! デベロッパーネットワークでアプリに登録したコールバックURL。登録したとおりに入力してください。</translation>
    </message>
    <message>
        <source>Requests per second</source>
        <translation>1秒あたりのリクエスト数</translation>
    </message>
    <message>
        <source>1 unless Yahoo! raised your app&apos;s limit (at most 10).</source>
        <translation>Yahoo! がアプリの上限を引き上げていない限り 1 (最大 10)。</translation>
    </message>
    <message>
        <source>Yahoo! デベロッパーネットワーク → アプリケーションの管理 → your app for the Yahoo!ショッピング ストアAPI → Client ID.</source>
        <translation>Yahoo! デベロッパーネットワーク → アプリケーションの管理 → Yahoo!ショッピング ストアAPI 用のアプリ → Client ID。</translation>
    </message>
    <message>
        <source>The same app&apos;s シークレット.</source>
        <translation>同じアプリのシークレット。</translation>
    </message>
    <message>
        <source>Filled in by &quot;Connect&quot;: Yahoo! asks you to allow Rendo, then Rendo keeps the token (renewed on its own).</source>
        <translation>「接続」で自動入力されます: Yahoo! で Rendo を許可すると、Rendo がトークンを保存します (自動で更新されます)。</translation>
    </message>
    <message>
        <source>Public key</source>
        <translation>公開鍵</translation>
    </message>
    <message>
        <source>ストアクリエイターPro → 設定 → API管理 → 公開鍵: the whole key. Without it Yahoo! asks for a new authorization every 12 hours.</source>
        <translation>ストアクリエイターPro → 設定 → API管理 → 公開鍵: 鍵全体を貼り付けます。ないと Yahoo! は12時間ごとに再認可を求めます。</translation>
    </message>
    <message>
        <source>Public key version</source>
        <translation>公開鍵のバージョン</translation>
    </message>
    <message>
        <source>The key&apos;s version shown beside it in ストアクリエイターPro.</source>
        <translation>ストアクリエイターPro で鍵の横に表示されるバージョン。</translation>
    </message>
    <message>
        <source>No public key is set: without it Yahoo! asks for a new authorization within 12 hours. Add the public key from ストアクリエイターPro.</source>
        <translation>公開鍵が設定されていません。このままでは Yahoo! が12時間以内に再認可を求めます。ストアクリエイターPro の公開鍵を追加してください。</translation>
    </message>
    <message>
        <source>Rakuten Ichiba</source>
        <translation>楽天市場</translation>
    </message>
    <message>
        <source>License key expires</source>
        <translation>ライセンスキーの有効期限</translation>
    </message>
    <message>
        <source>The date (YYYY-MM-DD) the license key ends, 90 days after it was issued. RMS shows it with the key: RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定 (ライセンスキーの有効期限). Rendo warns 14 days ahead.</source>
        <translation>ライセンスキーの有効期限 (YYYY-MM-DD、発行から90日)。RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定 にキーと一緒に表示されます。Rendo は14日前からお知らせします。</translation>
    </message>
    <message>
        <source>Service secret</source>
        <translation>サービスシークレット</translation>
    </message>
    <message>
        <source>RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定: the serviceSecret shown for your shop.</source>
        <translation>RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定 に表示される serviceSecret。</translation>
    </message>
    <message>
        <source>License key</source>
        <translation>ライセンスキー</translation>
    </message>
    <message>
        <source>RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定: the licenseKey (issue a new one there every 90 days, with 在庫API and 受注API allowed).</source>
        <translation>RMS → 店舗様向け情報・サービス → WEB APIサービス → 利用設定 の licenseKey (90日ごとに再発行し、在庫API・受注APIの利用を許可してください)。</translation>
    </message>
</context>
<context>
    <name>ConditionEditor</name>
    <message>
        <source>always</source>
        <translation>いつでも</translation>
    </message>
    <message>
        <source>The tier holds when the item&apos;s sellable is …</source>
        <translation>商品の販売可能数がこの条件に当てはまるとき、この段の配分を使います</translation>
    </message>
</context>
<context>
    <name>ConnectBox</name>
    <message>
        <source>Connect…</source>
        <translation>接続…</translation>
    </message>
    <message>
        <source>Opens the channel&apos;s page in your browser where you allow Rendo to manage your stock; the channel then gives Rendo its keys.</source>
        <translation>ブラウザで店舗のページを開き、Rendo に在庫管理を許可します。許可すると店舗から Rendo に鍵が渡されます。</translation>
    </message>
    <message>
        <source>The code, or the whole address</source>
        <translation>コード、またはアドレス全体</translation>
    </message>
    <message>
        <source>Use code</source>
        <translation>コードを使う</translation>
    </message>
    <message>
        <source>Allow Rendo on the channel&apos;s page in your browser; Rendo waits for the answer here.</source>
        <translation>ブラウザの店舗ページで Rendo を許可してください。Rendo はここで応答を待っています。</translation>
    </message>
    <message>
        <source>Allow Rendo on the channel&apos;s page in your browser, then paste the code it shows (or the whole address) here.</source>
        <translation>ブラウザの店舗ページで Rendo を許可し、表示されたコード (またはアドレス全体) をここに貼り付けてください。</translation>
    </message>
    <message>
        <source>Asking the channel for its keys…</source>
        <translation>店舗に鍵を問い合わせています…</translation>
    </message>
    <message>
        <source>Connected: the channel&apos;s keys are saved.</source>
        <translation>接続しました: 店舗の鍵を保存しました。</translation>
    </message>
    <message>
        <source>Connected: the channel&apos;s keys are kept with the channel when you save it.</source>
        <translation>接続しました: 店舗を保存すると鍵も一緒に保存されます。</translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>Disconnected from the database, retrying…</source>
        <translation>データベースとの接続が切れました。再接続しています…</translation>
    </message>
    <message>
        <source>Changes cannot be saved until it is back: an edit made now is refused, not lost. The grid shows the numbers as they were at {time}; once the database answers, it shows what changed meanwhile.</source>
        <translation>接続が戻るまで変更は保存できません。今行った編集は保存されずにお知らせします(黙って失われることはありません)。一覧には {time} 時点の数が表示されています。データベースが応答すると、その間の変更が反映されます。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The allocation pattern needs a name.</source>
        <translation>在庫配分パターンの名前を入力してください。</translation>
    </message>
    <message>
        <source>Pattern {pattern}: add at least one tier.</source>
        <translation>パターン「{pattern}」：段階を1つ以上追加してください。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the condition cannot use a negative number ({value}).</source>
        <translation>パターン「{pattern}」の {tier} 段階目：条件にマイナスの数（{value}）は使えません。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the condition&apos;s number {value} is more than {max}.</source>
        <translation>パターン「{pattern}」の段 {tier}: 条件の数 {value} が上限 {max} を超えています。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: channel {channel} is named twice.</source>
        <translation>パターン「{pattern}」の {tier} 段階目：店舗「{channel}」が2回指定されています。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: there is no channel called {channel}.</source>
        <translation>パターン「{pattern}」の {tier} 段階目：「{channel}」という店舗はありません。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the share of {channel} cannot be negative ({value}).</source>
        <translation>パターン「{pattern}」の {tier} 段階目：店舗「{channel}」の配分はマイナスにできません（{value}）。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the share of {channel} ({value}) is more than {max}.</source>
        <translation>パターン「{pattern}」の段 {tier}: {channel} の配分（{value}）が上限 {max} を超えています。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the percentages add up to {total}%, more than 100%.</source>
        <translation>パターン「{pattern}」の {tier} 段階目：割合の合計が {total}% になり、100% を超えています。</translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: &quot;same as sellable&quot; cannot be mixed with percentages or fixed counts (the channels would sell more than there is).</source>
        <translation>パターン「{pattern}」の {tier} 段階目：「同数」（販売可能数をそのまま表示）は、割合や固定の個数と同じ段階では使えません（店舗の合計が在庫を上回り、売り越しになります）。</translation>
    </message>
    <message>
        <source>Pattern {pattern}: channel {channel} is twice in the priority order.</source>
        <translation>パターン「{pattern}」：優先順位に店舗「{channel}」が2回入っています。</translation>
    </message>
    <message>
        <source>Pattern {pattern}: the priority order names {channel}, which is not a channel.</source>
        <translation>パターン「{pattern}」：優先順位の「{channel}」は登録されている店舗ではありません。</translation>
    </message>
    <message>
        <source>Condition {text!r} is not like &lt;=10, &lt;5, &gt;=3, =0 or *.</source>
        <translation>条件 {text!r} の書き方が正しくありません。&lt;=10、&lt;5、&gt;=3、=0、* のように指定してください。</translation>
    </message>
    <message>
        <source>Share {text!r} is not N%, a count, same or 0.</source>
        <translation>配分 {text!r} の書き方が正しくありません。N%、個数、same（同数）、0 のいずれかで指定してください。</translation>
    </message>
    <message>
        <source>Share {text!r} cannot be negative.</source>
        <translation>配分 {text!r} はマイナスにできません。</translation>
    </message>
    <message>
        <source>Tier {text!r} is not like &quot;&lt;=10:A=50%,B=30%,C=20%&quot;.</source>
        <translation>段階 {text!r} の書き方が正しくありません（例：&lt;=10:A=50%,B=30%,C=20%）。</translation>
    </message>
    <message>
        <source>In tier {text!r}, {part!r} is not CHANNEL=SHARE.</source>
        <translation>段階 {text!r} の {part!r} が「店舗名=配分」の形になっていません。</translation>
    </message>
    <message>
        <source>There is no item with code {code}.</source>
        <translation>商品コード {code} の商品はありません。</translation>
    </message>
    <message>
        <source>The item code is empty.</source>
        <translation>商品コードが入力されていません。</translation>
    </message>
    <message>
        <source>The item code {code!r} contains a control character.</source>
        <translation>商品コード {code!r} に制御文字が含まれています。</translation>
    </message>
    <message>
        <source>The channel name {name!r} contains a control character.</source>
        <translation>店舗名 {name!r} に制御文字が含まれています。</translation>
    </message>
    <message>
        <source>The item name {name!r} contains a control character.</source>
        <translation>商品名 {name!r} に制御文字が含まれています。</translation>
    </message>
    <message>
        <source>{where}: {value} is too large; Rendo keeps counts of at most {max}.</source>
        <translation>{where}: {value} は大きすぎます。Rendo で扱える数は {max} までです。</translation>
    </message>
    <message>
        <source>{where}: a display offset cannot have a negative amount ({value}).</source>
        <translation>{where}: 表示在庫設定の数に負の数は使えません（{value}）。</translation>
    </message>
    <message>
        <source>Display offset {text!r} is not +N, -N, a fixed N or none.</source>
        <translation>表示在庫設定 {text!r} の書き方が正しくありません。+N（加算）、-N（減算）、N（固定）、none（なし）のいずれかで指定してください。</translation>
    </message>
    <message>
        <source>Order {order} line {line} on {channel} has a negative quantity ({qty}).</source>
        <translation>店舗「{channel}」の注文 {order}、明細 {line} の数量がマイナスです（{qty}）。</translation>
    </message>
    <message>
        <source>Order {order} line {line} on {channel} has a quantity of {qty}, more than {max}; the order was not applied.</source>
        <translation>{channel} の注文 {order} の明細 {line} の数量 {qty} が上限 {max} を超えているため、この注文は反映していません。</translation>
    </message>
    <message>
        <source>Order {order} line {line} on {channel} would take the on hand of {code} from {on_hand} to {after}, beyond ±{max}; the order was not applied.</source>
        <translation>{channel} の注文 {order} の明細 {line} を反映すると {code} の実在庫が {on_hand} から {after} になり ±{max} を超えるため、この注文は反映していません。</translation>
    </message>
    <message>
        <source>Set {code} needs at least one component.</source>
        <translation>セット商品 {code} には構成品を1つ以上登録してください。</translation>
    </message>
    <message>
        <source>Set {code}: component {component} needs a quantity of 1 or more (got {quantity}).</source>
        <translation>セット商品 {code}：構成品 {component} の数量は1以上にしてください（入力値：{quantity}）。</translation>
    </message>
    <message>
        <source>Set {code}: component {component} is named twice.</source>
        <translation>セット商品 {code}：構成品 {component} が2回指定されています。</translation>
    </message>
    <message>
        <source>Set {code} would contain itself: {loop}.</source>
        <translation>セット商品 {code} が自分自身を構成品に含むことになるため、登録できません（{loop}）。</translation>
    </message>
    <message>
        <source>Set {code}: one unit would use {units} units of {component}, more than {max}.</source>
        <translation>セット商品 {code}: 1 セットで {component} を {units} 個使うことになり、上限 {max} を超えます。</translation>
    </message>
    <message>
        <source>Lines of different orders were given as one order ({order}).</source>
        <translation>別々の注文の明細が、1つの注文（{order}）としてまとめて渡されました。</translation>
    </message>
    <message>
        <source>There is no channel called {name}.</source>
        <translation>「{name}」という店舗はありません。</translation>
    </message>
    <message>
        <source>Adjustment {text!r} is not +N, -N or =N.</source>
        <translation>在庫調整 {text!r} の書き方が正しくありません。+N、-N、=N のいずれかで指定してください。</translation>
    </message>
    <message>
        <source>An item with code {code} already exists.</source>
        <translation>商品コード {code} の商品はすでに登録されています。</translation>
    </message>
    <message>
        <source>Unknown import kind {kind}; use one of {kinds}.</source>
        <translation>取り込みの種類 {kind} には対応していません。{kinds} のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>Unknown import mode {mode}; use overwrite, add or subtract.</source>
        <translation>取り込み方法 {mode} には対応していません。overwrite（上書き）、add（加算）、subtract（減算）のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>Unknown file format {format}; use one of {formats}.</source>
        <translation>不明なファイル形式 {format} です。次のいずれかを指定してください: {formats}。</translation>
    </message>
    <message>
        <source>{file} is an old Excel .xls file; save it as .xlsx (Excel workbook) or CSV and import that.</source>
        <translation>{file} は古い Excel 形式（.xls）のファイルです。.xlsx（Excel ブック）または CSV 形式で保存し直してから取り込んでください。</translation>
    </message>
    <message>
        <source>{file}: Rendo imports .csv, .txt, .tsv and .xlsx files.</source>
        <translation>{file}：Rendo で取り込めるのは .csv、.txt、.tsv、.xlsx ファイルです。</translation>
    </message>
    <message>
        <source>the cell is part of the merged cells {cells}; unmerge them and fill in every row.</source>
        <translation>このセルは結合されたセル（{cells}）の一部です。セルの結合を解除し、すべての行に値を入力してください。</translation>
    </message>
    <message>
        <source>the code is empty.</source>
        <translation>商品コードが空欄です。</translation>
    </message>
    <message>
        <source>the cell is empty.</source>
        <translation>セルが空欄です。</translation>
    </message>
    <message>
        <source>there is no item with code {code} (did you mean {similar}? Excel may have dropped its leading zeros: format the column as text).</source>
        <translation>商品コード {code} の商品はありません（{similar} のことですか？ Excel で先頭の 0 が消えた可能性があります。列の書式を「文字列」にしてください）。</translation>
    </message>
    <message>
        <source>there is no item with code {code}.</source>
        <translation>商品コード {code} の商品はありません。</translation>
    </message>
    <message>
        <source>{key} appears again in this file (first in row {first}).</source>
        <translation>{key} がこのファイル内で重複しています（最初は {first} 行目）。</translation>
    </message>
    <message>
        <source>negative count {value} in overwrite mode: a stocktake count cannot be below 0.</source>
        <translation>上書き（棚卸）では、マイナスの数（{value}）は使えません。棚卸数は 0 以上にしてください。</translation>
    </message>
    <message>
        <source>{value} is negative; to take stock away use the subtract mode.</source>
        <translation>{value} はマイナスです。在庫を減らすときは減算（subtract）で取り込んでください。</translation>
    </message>
    <message>
        <source>{value} is negative; to add stock use the add mode.</source>
        <translation>{value} はマイナスです。在庫を増やすときは加算（add）で取り込んでください。</translation>
    </message>
    <message>
        <source>no item has the JAN {jan}.</source>
        <translation>JANコード {jan} の商品はありません。</translation>
    </message>
    <message>
        <source>the JAN {jan} belongs to several items ({codes}); use their codes.</source>
        <translation>JANコード {jan} の商品が複数あります（{codes}）。商品コードで指定してください。</translation>
    </message>
    <message>
        <source>{code} is a set: it has no shelf stock of its own; count its components instead.</source>
        <translation>{code} はセット商品のため、それ自体の実在庫はありません。構成品を棚卸してください。</translation>
    </message>
    <message>
        <source>the count of {code} is empty (write 0 for none).</source>
        <translation>{code} の数が空欄です(在庫なしは 0 と書いてください)。</translation>
    </message>
    <message>
        <source>{code}: taking away {value} would leave {after} (on hand {before}); stock cannot go below 0.</source>
        <translation>{code}：{value} を減らすと {after} になります（実在庫 {before}）。在庫は 0 未満にできません。</translation>
    </message>
    <message>
        <source>{code}: on hand would become {after}, more than {max}.</source>
        <translation>{code}：実在庫が {after} になり、上限の {max} を超えます。</translation>
    </message>
    <message>
        <source>new item {code}: Excel stored this code as a number, so any leading zeros are lost; format the column as text if it had some.</source>
        <translation>新規商品 {code}：Excel がこのコードを数値として保存しているため、先頭の 0 は失われています。先頭が 0 のコードの場合は、列の書式を「文字列」にしてください。</translation>
    </message>
    <message>
        <source>{code} is a set: backorders are set on its components.</source>
        <translation>{code} はセット商品です。バックオーダー(予約)可能数は構成品に設定してください。</translation>
    </message>
    <message>
        <source>a component needs a quantity of 1 or more (got {value}).</source>
        <translation>構成品の数量は 1 以上にしてください（入力値：{value}）。</translation>
    </message>
    <message>
        <source>{code} has stock movements of its own, so it cannot become a set (a set has no shelf stock).</source>
        <translation>{code} には在庫や入出庫履歴があるため、セット商品にできません（セット商品は実在庫を持ちません）。</translation>
    </message>
    <message>
        <source>there is no allocation pattern called {name}.</source>
        <translation>「{name}」という在庫配分パターンはありません。</translation>
    </message>
    <message>
        <source>there is no channel called {name}.</source>
        <translation>「{name}」という店舗はありません。</translation>
    </message>
    <message>
        <source>There is no import {batch}.</source>
        <translation>取り込み番号 {batch} の取り込みはありません。</translation>
    </message>
    <message>
        <source>Import {batch} has already been undone.</source>
        <translation>取り込み番号 {batch} の取り込みはすでに取り消されています。</translation>
    </message>
    <message>
        <source>{code}: undoing would leave {after} on hand (now {on_hand}); adjust it by hand instead.</source>
        <translation>{code}：取り消すと実在庫が {after} になります（現在 {on_hand}）。手動で在庫を調整してください。</translation>
    </message>
    <message>
        <source>{code}: undoing would leave {after} on hand (now {on_hand}), more than {max}; adjust it by hand instead.</source>
        <translation>{code}: 取り消すと実在庫が {after} になり（現在 {on_hand}）、上限 {max} を超えます。手動で調整してください。</translation>
    </message>
    <message>
        <source>{code}: reserved cannot be negative (got {value}).</source>
        <translation>{code}：確保在庫はマイナスにできません（入力値 {value}）。</translation>
    </message>
    <message>
        <source>{code}: the backorder allowance cannot be negative (got {value}).</source>
        <translation>{code}：バックオーダー(予約)可能数はマイナスにできません（入力値 {value}）。</translation>
    </message>
    <message>
        <source>{code}: the reorder point cannot be negative (got {value}).</source>
        <translation>{code}：発注点はマイナスにできません（入力値 {value}）。</translation>
    </message>
    <message>
        <source>{code} is a set: it has no shelf stock of its own. Adjust its components instead.</source>
        <translation>{code} はセット商品のため、それ自体の実在庫はありません。構成品の在庫を調整してください。</translation>
    </message>
    <message>
        <source>{code}: on hand {on_hand} {change} would go below 0.</source>
        <translation>{code}：実在庫 {on_hand} に {change} を適用すると 0 未満になります。</translation>
    </message>
    <message>
        <source>{code}: on hand {on_hand} {change} would go above {max}.</source>
        <translation>{code}: 実在庫 {on_hand} に {change} すると上限 {max} を超えます。</translation>
    </message>
    <message>
        <source>There is no movement {id}.</source>
        <translation>入出庫番号 {id} の入出庫履歴はありません。</translation>
    </message>
    <message>
        <source>Movement {id} comes from an order; cancel or change the order on its channel instead.</source>
        <translation>入出庫番号 {id} は注文による入出庫のため、ここでは取り消せません。店舗側で注文をキャンセルまたは変更してください。</translation>
    </message>
    <message>
        <source>Movement {id} has already been undone.</source>
        <translation>入出庫番号 {id} はすでに取り消されています。</translation>
    </message>
    <message>
        <source>Undoing movement {id} would take {code} below 0 (on hand {on_hand}).</source>
        <translation>入出庫番号 {id} を取り消すと、{code} の在庫が 0 未満になります（実在庫 {on_hand}）。</translation>
    </message>
    <message>
        <source>Undoing movement {id} would take {code} above {max} (on hand {on_hand}).</source>
        <translation>入出庫番号 {id} を取り消すと {code} が上限 {max} を超えます（実在庫 {on_hand}）。</translation>
    </message>
    <message>
        <source>Channel name {name!r} must not be empty or contain = , or :.</source>
        <translation>店舗名 {name!r} は使えません。店舗名は空欄にせず、「=」「,」「:」を含めないでください。</translation>
    </message>
    <message>
        <source>Unknown channel type {type}; the types are: {types}.</source>
        <translation>店舗の種類 {type} はありません。種類: {types}。</translation>
    </message>
    <message>
        <source>The maximum of channel {name} cannot be negative.</source>
        <translation>店舗「{name}」の表示の上限はマイナスにできません。</translation>
    </message>
    <message>
        <source>The unlimited number of channel {name} cannot be negative.</source>
        <translation>店舗「{name}」の無制限商品の表示数はマイナスにできません。</translation>
    </message>
    <message>
        <source>Channel {name}: {type} shows at most {ceiling}; {value} is more than it accepts.</source>
        <translation>店舗 {name}: {type} に表示できるのは最大 {ceiling} です。{value} は受け付けられません。</translation>
    </message>
    <message>
        <source>Channel {name}: a {type} channel has no setting {key}; its settings are: {keys}.</source>
        <translation>店舗 {name}: {type} には設定 {key} がありません。設定できるもの: {keys}。</translation>
    </message>
    <message>
        <source>Channel {name} needs the setting {key} (--set {key}=…).</source>
        <translation>店舗 {name} には設定 {key} が必要です (--set {key}=…)。</translation>
    </message>
    <message>
        <source>Channel {name}: {key} must be a date written YYYY-MM-DD (for example 2027-03-31).</source>
        <translation>店舗 {name}: {key} は YYYY-MM-DD 形式の日付で入力してください (例: 2027-03-31)。</translation>
    </message>
    <message>
        <source>Channel {name}: a credential line is not key=value for one of its credentials: {keys}.</source>
        <translation>店舗 {name}: 認証情報の行が key=value の形になっていません。認証情報: {keys}。</translation>
    </message>
    <message>
        <source>Channel {name}: a {type} channel has no credential {key}; its credentials are: {keys}.</source>
        <translation>店舗 {name}: {type} には認証情報 {key} がありません。認証情報: {keys}。</translation>
    </message>
    <message>
        <source>Channel {name} needs the credentials {keys} (one key=value a line on standard input).</source>
        <translation>店舗 {name} には認証情報 {keys} が必要です (標準入力に1行に1つ key=value)。</translation>
    </message>
    <message>
        <source>{source}, line {line}: expected key=value.</source>
        <translation>{source} の {line} 行目: key=value の形で指定してください。</translation>
    </message>
    <message>
        <source>{source}, line {line}: {key} is given twice.</source>
        <translation>{source} の {line} 行目: {key} が2回指定されています。</translation>
    </message>
    <message>
        <source>Channel {name}: the value of {key} is too long or contains control characters.</source>
        <translation>店舗 {name}: {key} の値が長すぎるか、制御文字を含んでいます。</translation>
    </message>
    <message>
        <source>Channel {name} needs the address of its API (--url).</source>
        <translation>店舗「{name}」の API のアドレスを指定してください（--url）。</translation>
    </message>
    <message>
        <source>A channel called {name} already exists.</source>
        <translation>「{name}」という店舗はすでに登録されています。</translation>
    </message>
    <message>
        <source>No credentials for channel {name} were given on standard input.</source>
        <translation>店舗「{name}」の認証情報が標準入力から渡されていません。</translation>
    </message>
    <message>
        <source>Channel {name} is used by the allocation pattern {pattern}; change or delete the pattern first.</source>
        <translation>店舗「{name}」は在庫配分パターン「{pattern}」で使われています。先にパターンを変更するか削除してください。</translation>
    </message>
    <message>
        <source>An allocation pattern called {name} already exists.</source>
        <translation>「{name}」という在庫配分パターンはすでにあります。</translation>
    </message>
    <message>
        <source>There is no allocation pattern called {name}.</source>
        <translation>「{name}」という在庫配分パターンはありません。</translation>
    </message>
    <message>
        <source>The first sync is push or pull, not {mode!r}.</source>
        <translation>初回同期の方法は push（Rendo の在庫数で上書き）か pull（店舗の在庫数を採用）で指定してください（入力値：{mode!r}）。</translation>
    </message>
    <message>
        <source>Channel {name} has already had its first sync.</source>
        <translation>店舗「{name}」は初回同期が済んでいます。</translation>
    </message>
    <message>
        <source>The sync interval must be between {low} and {high} seconds (got {seconds}).</source>
        <translation>同期の間隔は {low}～{high} 秒の範囲で指定してください（入力値：{seconds}）。</translation>
    </message>
    <message>
        <source>Channel {channel} has no listing {listing}.</source>
        <translation>店舗「{channel}」に出品 {listing} はありません。</translation>
    </message>
    <message>
        <source>{code} is a set: its number on {channel} cannot become on hand; adjust its components.</source>
        <translation>{code} はセット商品のため、店舗「{channel}」の在庫数を実在庫として採用できません。構成品の在庫を調整してください。</translation>
    </message>
    <message>
        <source>The channel address is empty or contains a space, a control character or a character outside ASCII: type it again as https://host/…</source>
        <translation>店舗のアドレスが空か、空白・制御文字・半角英数字以外の文字を含んでいます。https://ホスト名/… の形で入力し直してください。</translation>
    </message>
    <message>
        <source>The channel address contains a backslash (\): use / only.</source>
        <translation>店舗のアドレスにバックスラッシュ（\）が含まれています。/ だけを使ってください。</translation>
    </message>
    <message>
        <source>The channel address must not contain a user name or password (user:password@…): give credentials with --token-stdin.</source>
        <translation>店舗のアドレスにユーザー名やパスワード（user:password@…）は含められません。認証情報は --token-stdin で渡してください。</translation>
    </message>
    <message>
        <source>The channel address must not contain ? or #: give only https://host[:port][/path].</source>
        <translation>店舗のアドレスに ? や # は含められません。https://ホスト名[:ポート][/パス] だけを指定してください。</translation>
    </message>
    <message>
        <source>Channel address {url} must start with https:// (plain http:// only to this PC, for the sandbox).</source>
        <translation>店舗のアドレス {url} は https:// で始めてください（http:// はこのPC上のサンドボックス店舗にだけ使えます）。</translation>
    </message>
    <message>
        <source>Channel address {url} is ambiguous: write it as https://host[:port][/path].</source>
        <translation>店舗のアドレス {url} はあいまいです。https://ホスト名[:ポート][/パス] の形で書いてください。</translation>
    </message>
    <message>
        <source>Channel address {url} has no host name.</source>
        <translation>店舗のアドレス {url} にホスト名がありません。</translation>
    </message>
    <message>
        <source>The host of channel address {url} must be written without % escapes.</source>
        <translation>店舗のアドレス {url} のホスト名に % エスケープは使えません。</translation>
    </message>
    <message>
        <source>Channel address {url} has an invalid IPv6 address.</source>
        <translation>店舗のアドレス {url} の IPv6 アドレスが正しくありません。</translation>
    </message>
    <message>
        <source>The host of channel address {url} has an empty part (a dot at the end or two dots in a row).</source>
        <translation>店舗のアドレス {url} のホスト名に空の部分があります（末尾のドット、または連続したドット）。</translation>
    </message>
    <message>
        <source>The host of channel address {url} is an IP address in a short or unusual form: write it as four decimal numbers, e.g. 127.0.0.1.</source>
        <translation>店舗のアドレス {url} のホストは省略形や特殊な形の IP アドレスです。127.0.0.1 のように 10 進数 4 つで書いてください。</translation>
    </message>
    <message>
        <source>The host of channel address {url} may contain only letters, digits, - and dots.</source>
        <translation>店舗のアドレス {url} のホスト名に使えるのは英字・数字・「-」・ドットだけです。</translation>
    </message>
    <message>
        <source>The port of channel address {url} must be a number from 1 to 65535.</source>
        <translation>店舗のアドレス {url} のポートは 1〜65535 の数でなければなりません。</translation>
    </message>
    <message>
        <source>--from and --to are for the history export only.</source>
        <translation>--from と --to は入出庫履歴の書き出し（history）でのみ使えます。</translation>
    </message>
    <message>
        <source>{file}, row {row}, column {column}: {reason}</source>
        <translation>{file}、{row} 行目、列 {column}：{reason}</translation>
    </message>
    <message>
        <source>{file}, row {row}: {reason}</source>
        <translation>{file}、{row} 行目：{reason}</translation>
    </message>
    <message>
        <source>{file}, column {column}: {reason}</source>
        <translation>{file}、列 {column}：{reason}</translation>
    </message>
    <message>
        <source>{file}: {reason}</source>
        <translation>{file}：{reason}</translation>
    </message>
    <message>
        <source>the cell holds more than {max} characters, the most a cell may hold.</source>
        <translation>セルの文字数が、1 つのセルに入る上限の {max} 文字を超えています。</translation>
    </message>
    <message>
        <source>{file}, row {row}, column {column}: the cell holds more than {max} characters, the most a cell may hold.</source>
        <translation>{file} の {row} 行目 {column} 列: セルの文字数が、1 つのセルに入る上限の {max} 文字を超えています。</translation>
    </message>
    <message>
        <source>the row has a filled cell beyond the {max} columns Rendo reads; delete the cells right of column {last} and try again.</source>
        <translation>Rendo が読む {max} 列より右に値の入ったセルがあります。{last} 列より右のセルを削除してからやり直してください。</translation>
    </message>
    <message>
        <source>{file}, row {row}, column {column}: the row has a filled cell beyond the {max} columns Rendo reads; delete the cells right of column {last} and try again.</source>
        <translation>{file} の {row} 行目 {column} 列: Rendo が読む {max} 列より右に値の入ったセルがあります。{last} 列より右のセルを削除してからやり直してください。</translation>
    </message>
    <message>
        <source>the file has more than {max} rows (or {cells} cells); split it into smaller files.</source>
        <translation>ファイルの行数が {max} 行（またはセル数が {cells}）を超えています。小さなファイルに分けてください。</translation>
    </message>
    <message>
        <source>{file}, row {row}: the file has more than {max} rows (or {cells} cells); split it into smaller files.</source>
        <translation>{file} の {row} 行目: ファイルの行数が {max} 行（またはセル数が {cells}）を超えています。小さなファイルに分けてください。</translation>
    </message>
    <message>
        <source>Unknown encoding {name!r}; use utf-8, utf-8-sig or cp932.</source>
        <translation>文字コード {name!r} には対応していません。utf-8、utf-8-sig、cp932 のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>Unknown delimiter {name!r}; use comma, tab or semicolon.</source>
        <translation>区切り文字 {name!r} には対応していません。comma（カンマ）、tab（タブ）、semicolon（セミコロン）のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>cannot tell the file&apos;s encoding; choose it (utf-8, cp932…).</source>
        <translation>ファイルの文字コードを判別できません。文字コード（utf-8、cp932 など）を指定してください。</translation>
    </message>
    <message>
        <source>byte 0x{byte} cannot be read as {encoding}; choose the file&apos;s encoding.</source>
        <translation>バイト 0x{byte} を {encoding} として読み取れません。ファイルの文字コードを指定してください。</translation>
    </message>
    <message>
        <source>{file} cannot be read as {encoding}.</source>
        <translation>{file} を {encoding} として読み取れません。</translation>
    </message>
    <message>
        <source>the file is larger than {max} MB; split it into smaller files.</source>
        <translation>ファイルが {max} MB を超えています。小さなファイルに分けてください。</translation>
    </message>
    <message>
        <source>cannot read the file ({error}).</source>
        <translation>ファイルを読み込めません（{error}）。</translation>
    </message>
    <message>
        <source>the file is not valid CSV near line {line} ({error}).</source>
        <translation>{line} 行目付近が CSV として正しくありません（{error}）。</translation>
    </message>
    <message>
        <source>{encoding} cannot hold the character {char!r} (U+{code:04X}) in {value!r}; export as UTF-8 (BOM) or .xlsx, or change the text.</source>
        <translation>{value!r} の文字 {char!r}（U+{code:04X}）は {encoding} で保存できません。UTF-8（BOM付き）か .xlsx で書き出すか、文字を変更してください。</translation>
    </message>
    <message>
        <source>{encoding} cannot hold the character {char!r} (U+{code:04X}) in {value!r} (it would become {instead!r}); export as UTF-8 (BOM) or .xlsx, or change the text.</source>
        <translation>{value!r} の文字 {char!r}（U+{code:04X}）は {encoding} ではそのまま保存できません（{instead!r} に変わります）。UTF-8（BOM付き）か .xlsx で書き出すか、文字を変更してください。</translation>
    </message>
    <message>
        <source>{field} is not a column of the {kind} import (columns: {fields}).</source>
        <translation>{field} は {kind} の取り込みの列ではありません（列: {fields}）。</translation>
    </message>
    <message>
        <source>the header row is empty.</source>
        <translation>見出し行が空です。</translation>
    </message>
    <message>
        <source>there is no column {column!r} for the {field}.</source>
        <translation>{field} に指定された列 {column!r} がありません。</translation>
    </message>
    <message>
        <source>columns {columns} could all be the {field}; choose one (--column {field}=COLUMN).</source>
        <translation>{field} に当てはまる列が複数あります（{columns}）。どれか1つを選んでください（--column {field}=列）。</translation>
    </message>
    <message>
        <source>no column for the {field} (a header such as {labels}); columns found: {present}. Choose it in the mapping step (--column {field}=COLUMN).</source>
        <translation>{field} の列がありません（見出しの例：{labels}）。見つかった列：{present}。列の対応付けで選んでください（--column {field}=列）。</translation>
    </message>
    <message>
        <source>no header row found for the {kind} import in the first {rows} rows; the file needs columns {wanted}. Rename the headers or choose the columns (--column FIELD=COLUMN).</source>
        <translation>先頭から {rows} 行以内に、{kind} の取り込み用の見出し行が見つかりません。必要な列：{wanted}。見出しの名前を変えるか、列を選んでください（--column 項目=列）。</translation>
    </message>
    <message>
        <source>Unknown template {kind}; use one of {kinds}.</source>
        <translation>テンプレートの種類 {kind} には対応していません。{kinds} のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>{file}: a template is a .xlsx, .csv or .tsv file.</source>
        <translation>{file}：テンプレートは .xlsx、.csv、.tsv のいずれかの形式で保存してください。</translation>
    </message>
    <message>
        <source>the cell holds the Excel error {error}.</source>
        <translation>セルが Excel のエラー値 {error} になっています。</translation>
    </message>
    <message>
        <source>the cell holds a formula whose result was never saved; open the file in Excel, save it, and import again (or paste the values).</source>
        <translation>セルの数式の計算結果が保存されていません。Excel でファイルを開いて保存してから、もう一度取り込んでください（または値として貼り付けてください）。</translation>
    </message>
    <message>
        <source>the code cell holds a date ({value}); Excel may have turned the code into a date: format the column as text.</source>
        <translation>商品コードのセルが日付（{value}）になっています。Excel がコードを日付に変換した可能性があります。列の書式を「文字列」にしてください。</translation>
    </message>
    <message>
        <source>the code cell holds TRUE or FALSE.</source>
        <translation>商品コードのセルが TRUE または FALSE になっています。</translation>
    </message>
    <message>
        <source>the code is {length} characters long; a code has at most {max}.</source>
        <translation>コードが {length} 文字あります。コードは {max} 文字までです。</translation>
    </message>
    <message>
        <source>the code {value} was stored as a number and Excel has dropped digits; format the column as text and enter the codes again.</source>
        <translation>コード {value} が数値として保存され、Excel で桁が失われています。列の書式を「文字列」にして、コードを入力し直してください。</translation>
    </message>
    <message>
        <source>the cell holds a date or time ({value}), not a number; format the column as a number.</source>
        <translation>セルが数値ではなく日付・時刻（{value}）になっています。列の書式を「数値」にしてください。</translation>
    </message>
    <message>
        <source>TRUE or FALSE is not a number.</source>
        <translation>TRUE / FALSE は数値ではありません。</translation>
    </message>
    <message>
        <source>{value} is not a whole number.</source>
        <translation>{value} は整数ではありません。</translation>
    </message>
    <message>
        <source>{value} is too large (at most {max}).</source>
        <translation>{value} は大きすぎます（上限 {max}）。</translation>
    </message>
    <message>
        <source>{value!r} is a date or time, not a number.</source>
        <translation>{value!r} は日付・時刻です。数値を入力してください。</translation>
    </message>
    <message>
        <source>{value!r} is not a whole number.</source>
        <translation>{value!r} は整数ではありません。</translation>
    </message>
    <message>
        <source>{value} is negative; it must be 0 or more.</source>
        <translation>{value} はマイナスです。0 以上にしてください。</translation>
    </message>
    <message>
        <source>{value!r} is not yes or no (1/0, ○/×).</source>
        <translation>{value!r} は「はい／いいえ」として読み取れません（1/0、○/× などで入力してください）。</translation>
    </message>
    <message>
        <source>the part {part} of the workbook unpacks to {size} MB, more than the {max} MB Rendo reads; split the data into smaller files or save it as CSV.</source>
        <translation>ブックの {part} は展開すると {size} MB になり、Rendo が読む上限 {max} MB を超えます。データを小さなファイルに分けるか、CSV で保存してください。</translation>
    </message>
    <message>
        <source>this is not an Excel .xlsx file Rendo can read ({error}). Save it as .xlsx (Excel workbook) or CSV.</source>
        <translation>Rendo で読み込める Excel（.xlsx）ファイルではありません（{error}）。.xlsx（Excel ブック）または CSV 形式で保存し直してください。</translation>
    </message>
    <message>
        <source>there is no sheet called {sheet!r} (sheets: {sheets}).</source>
        <translation>シート {sheet!r} がありません（シート：{sheets}）。</translation>
    </message>
    <message>
        <source>the workbook has no visible sheet.</source>
        <translation>ブックに表示されているシートがありません。</translation>
    </message>
    <message>
        <source>{value!r} holds a control character that Excel cannot store.</source>
        <translation>{value!r} に Excel で保存できない制御文字が含まれています。</translation>
    </message>
    <message>
        <source>The start date {start} is after the end date {end}.</source>
        <translation>開始日 {start} が終了日 {end} より後になっています。</translation>
    </message>
    <message>
        <source>Unknown export {kind}; use one of {kinds}.</source>
        <translation>書き出しの種類 {kind} には対応していません。{kinds} のいずれかを指定してください。</translation>
    </message>
    <message>
        <source>{file}: Rendo exports .csv, .tsv and .xlsx files.</source>
        <translation>{file}：Rendo で書き出せるのは .csv、.tsv、.xlsx ファイルです。</translation>
    </message>
    <message>
        <source>This database was written by a newer Rendo (schema {version}, this one knows {latest}). Update Rendo before opening it.</source>
        <translation>このデータベースは新しいバージョンの Rendo で作成されています（スキーマ {version}。このバージョンが対応しているのは {latest} までです）。Rendo をアップデートしてから開いてください。</translation>
    </message>
    <message>
        <source>The demo needs a new or empty database, and {location} already holds a shop.</source>
        <translation>デモには新しいか空のデータベースが必要ですが、{location} にはすでにショップのデータがあります。</translation>
    </message>
    <message>
        <source>The credentials of channel {channel} could not be saved in the system&apos;s keyring ({type}); nothing was changed. Unlock or set up the keyring (Windows Credential Manager, macOS Keychain, Secret Service on Linux) and try again.</source>
        <translation>店舗「{channel}」の認証情報を OS の資格情報ストアに保存できませんでした（{type}）。何も変更していません。資格情報ストア（Windows の資格情報マネージャー、macOS のキーチェーン、Linux の Secret Service）のロックを解除するか設定してから、やり直してください。</translation>
    </message>
    <message>
        <source>The credentials of channel {channel} could not be read from the system&apos;s keyring ({type}). Unlock or set up the keyring (Windows Credential Manager, macOS Keychain, Secret Service on Linux); Rendo tries again.</source>
        <translation>店舗 {channel} の認証情報をシステムのキーリングから読み込めませんでした ({type})。キーリング (Windows 資格情報マネージャー、macOS キーチェーン、Linux の Secret Service) のロックを解除するか設定してください。Rendo は再試行します。</translation>
    </message>
    <message>
        <source>Rendo makes backups of database files only; back up a PostgreSQL database on its server (pg_dump).</source>
        <translation>Rendo がバックアップできるのはデータベースファイルだけです。PostgreSQL のデータベースはサーバー側でバックアップしてください（pg_dump）。</translation>
    </message>
    <message>
        <source>{file} already exists; choose another name or delete it first.</source>
        <translation>{file} はすでにあります。別の名前にするか、先に削除してください。</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist.</source>
        <translation>フォルダー {folder} がありません。</translation>
    </message>
    <message>
        <source>The database {location} is busy: another program is writing to it. Wait a moment and try again; if it stays busy, close the other Rendo or sync.</source>
        <translation>データベース {location} は使用中です（別のプログラムが書き込んでいます）。少し待ってからやり直してください。続く場合は、ほかの Rendo や同期を閉じてください。</translation>
    </message>
    <message>
        <source>The disk that holds the database {location} is full; nothing was written. Free some space and try again.</source>
        <translation>データベース {location} のあるディスクがいっぱいです。何も書き込んでいません。空き容量を増やしてからやり直してください。</translation>
    </message>
    <message>
        <source>The database {location} cannot be written to (a read-only file, folder or drive). Check its permissions, or copy it to a folder you can write to.</source>
        <translation>データベース {location} に書き込めません（読み取り専用のファイル、フォルダー、ドライブ）。アクセス権を確認するか、書き込めるフォルダーにコピーしてください。</translation>
    </message>
    <message>
        <source>The database {location} is damaged or is not a Rendo database ({detail}). Rendo will not write to it. Restore a backup: close Rendo, then copy the newest file from {backups} in its place.</source>
        <translation>データベース {location} が壊れているか、Rendo のデータベースではありません（{detail}）。Rendo はこのファイルに書き込みません。バックアップから戻してください: Rendo を閉じ、{backups} の一番新しいファイルをこのファイルの代わりにコピーします。</translation>
    </message>
    <message>
        <source>The database {location} is damaged or is not a Rendo database ({detail}). Rendo will not write to it. Check the path given with --db or RENDO_DB; there is no backup of it in {backups}.</source>
        <translation>データベース {location} が壊れているか、Rendo のデータベースではありません（{detail}）。Rendo はこのファイルに書き込みません。--db または RENDO_DB で指定したパスを確認してください。{backups} にはこのファイルのバックアップがありません。</translation>
    </message>
    <message>
        <source>The disk that holds the database {location} could not be read or written ({detail}). Check the disk or drive and try again.</source>
        <translation>データベース {location} のあるディスクを読み書きできませんでした（{detail}）。ディスクやドライブを確認してからやり直してください。</translation>
    </message>
    <message>
        <source>The database {location} cannot be opened ({detail}). Check that the folder exists and that you may write to it.</source>
        <translation>データベース {location} を開けません（{detail}）。フォルダーがあり、書き込みできることを確認してください。</translation>
    </message>
    <message>
        <source>The database server {location} cannot be reached ({detail}). Check that it is running and that the address is right, then try again.</source>
        <translation>データベースサーバー {location} に接続できません（{detail}）。サーバーが動いていて、アドレスが正しいことを確認してからやり直してください。</translation>
    </message>
    <message>
        <source>The database server {location} cannot be reached ({detail}), so nothing was saved. Rendo reconnects by itself: try again once the server answers.</source>
        <translation>データベースサーバー {location} に接続できないため、何も保存されませんでした({detail})。Rendo は自動的に再接続します。サーバーが応答したらもう一度お試しください。</translation>
    </message>
    <message>
        <source>The connection to the database server {location} was lost while saving ({detail}): Rendo cannot tell whether the change was saved. Once it has reconnected, the window shows what the database holds: look at the item&apos;s history before doing it again.</source>
        <translation>保存中にデータベースサーバー {location} との接続が切れました({detail})。変更が保存されたかどうか Rendo には判断できません。再接続するとウィンドウにデータベースの内容が表示されますので、もう一度行う前に商品の入出庫履歴を確認してください。</translation>
    </message>
    <message>
        <source>This Rendo cannot open the database {location}: {detail}. Use a database file, or a Rendo built with PostgreSQL support.</source>
        <translation>この Rendo ではデータベース {location} を開けません: {detail}。データベースファイルを使うか、PostgreSQL に対応した Rendo を使ってください。</translation>
    </message>
    <message>
        <source>The database {location} refused a change ({detail}). Run rendo check; if it reports damage, restore a backup from {backups}.</source>
        <translation>データベース {location} が変更を受け付けませんでした（{detail}）。rendo check を実行し、破損が見つかったら {backups} のバックアップから戻してください。</translation>
    </message>
    <message>
        <source>The database {location} cannot be used ({detail}). Check the disk and try again.</source>
        <translation>データベース {location} を使えません（{detail}）。ディスクを確認してからやり直してください。</translation>
    </message>
    <message>
        <source>The database {location} was busy with the same change from another PC, and trying again did not help; nothing was written ({detail}). Try again in a moment.</source>
        <translation>データベース {location} はほかのPCからの同じ変更を処理中で、再試行しても書き込めませんでした。何も書き込んでいません({detail})。しばらくしてからもう一度お試しください。</translation>
    </message>
    <message>
        <source>The database server {location} refused the login ({detail}). Check the user name and password in the address, and that this user may use the database.</source>
        <translation>データベースサーバー {location} がログインを拒否しました({detail})。アドレスのユーザー名とパスワード、そしてそのユーザーがデータベースを使えるかを確認してください。</translation>
    </message>
    <message>
        <source>The database server {location} has no such database ({detail}). Check its name in the address, or create it on the server first.</source>
        <translation>データベースサーバー {location} にそのデータベースはありません({detail})。アドレスのデータベース名を確認するか、先にサーバー上で作成してください。</translation>
    </message>
    <message>
        <source>{location} is a folder, not a database file. Name a file, for example {example}.</source>
        <translation>{location} はフォルダーで、データベースファイルではありません。ファイルを指定してください（例: {example}）。</translation>
    </message>
    <message>
        <source>{location} cannot be a database: {file} is a file, not a folder.</source>
        <translation>{location} はデータベースにできません: {file} はフォルダーではなくファイルです。</translation>
    </message>
    <message>
        <source>{file} cannot be used ({detail}). Check the path and that you may write there.</source>
        <translation>{file} を使えません（{detail}）。パスと、そこに書き込めることを確認してください。</translation>
    </message>
    <message>
        <source>{location} is not a database Rendo can open: give a file path or a postgresql:// address.</source>
        <translation>{location} は Rendo が開けるデータベースではありません。ファイルのパスか postgresql:// のアドレスを指定してください。</translation>
    </message>
    <message>
        <source>The folder {folder} of the database {location} does not exist. Check the path, or add --create to start a new, empty shop there.</source>
        <translation>データベース {location} のフォルダー {folder} がありません。パスを確認するか、--create を付けてそこで新しい空のショップを始めてください。</translation>
    </message>
    <message>
        <source>--interval must be more than 0 and at most {high} seconds (got {seconds}).</source>
        <translation>--interval は 0 より大きく {high} 秒以下にしてください（指定: {seconds}）。</translation>
    </message>
    <message>
        <source>BASE needs the app&apos;s client_id and its redirect_uri before connecting.</source>
        <translation>BASE に接続する前に、アプリの client_id とリダイレクトURIを入力してください。</translation>
    </message>
    <message>
        <source>BASE needs the app&apos;s client_id and client_secret before connecting.</source>
        <translation>BASE に接続する前に、アプリの client_id と client_secret を入力してください。</translation>
    </message>
    <message>
        <source>Channel {name} needs the credentials {keys}: enter them in the channel&apos;s form.</source>
        <translation>店舗 {name} には認証情報 {keys} が必要です。店舗の設定画面で入力してください。</translation>
    </message>
    <message>
        <source>Paste the code the channel showed after you allowed Rendo (or the whole address).</source>
        <translation>Rendo を許可したあとに店舗が表示したコード (またはアドレス全体) を貼り付けてください。</translation>
    </message>
    <message>
        <source>This does not look like an authorization code: paste the code or the whole address.</source>
        <translation>認可コードではないようです。コードまたはアドレス全体を貼り付けてください。</translation>
    </message>
    <message>
        <source>The channel did not authorize Rendo ({error}). Click Connect… to try again.</source>
        <translation>店舗が Rendo を許可しませんでした ({error})。「接続…」をクリックしてやり直してください。</translation>
    </message>
    <message>
        <source>This answer does not belong to the authorization Rendo asked for just now. Click Connect… and allow Rendo again.</source>
        <translation>この応答は、いま Rendo が求めた許可のものではありません。「接続…」をクリックして、もう一度 Rendo を許可してください。</translation>
    </message>
    <message>
        <source>The channel&apos;s answer holds no authorization code.</source>
        <translation>店舗の応答に認可コードが含まれていません。</translation>
    </message>
    <message>
        <source>No answer came from the browser within {minutes} minutes. Click Connect… to try again.</source>
        <translation>{minutes} 分以内にブラウザから応答がありませんでした。「接続…」をクリックしてやり直してください。</translation>
    </message>
    <message>
        <source>Rendo cannot listen for the answer at {host}:{port} on this PC (the port is in use or not allowed). Close the program using it, or register another redirect address.</source>
        <translation>このPCの {host}:{port} で応答を待ち受けられません (ポートが使用中か、許可されていません)。そのポートを使っているプログラムを閉じるか、別のリダイレクトアドレスを登録してください。</translation>
    </message>
    <message>
        <source>Yahoo! needs the app&apos;s client_id and its redirect_uri before connecting.</source>
        <translation>Yahoo! に接続する前に、アプリの client_id とリダイレクトURIを入力してください。</translation>
    </message>
    <message>
        <source>Yahoo! needs the app&apos;s client_id and client_secret before connecting.</source>
        <translation>Yahoo! に接続する前に、アプリの client_id と client_secret を入力してください。</translation>
    </message>
    <message>
        <source>{location} is not a PostgreSQL address: give one like postgresql://USER:PASSWORD@HOST:5432/DATABASE.</source>
        <translation>{location} はPostgreSQLのアドレスではありません。postgresql://ユーザー:パスワード@ホスト:5432/データベース の形で指定してください。</translation>
    </message>
    <message>
        <source>{location} is not a shop&apos;s SQLite file: give one like sqlite:PATH (for example sqlite:{example}).</source>
        <translation>{location} はショップのSQLiteファイルではありません。sqlite:パス の形で指定してください(例: sqlite:{example})。</translation>
    </message>
    <message>
        <source>There is no database file {path}. Check the path after sqlite:.</source>
        <translation>データベースファイル {path} がありません。sqlite: の後のパスを確認してください。</translation>
    </message>
    <message>
        <source>The database {location} already holds a shop ({items} items, {movements} movements); nothing was copied. Copy into an empty database.</source>
        <translation>データベース {location} にはすでにショップがあります(商品 {items} 件、入出庫 {movements} 件)。何もコピーしていません。空のデータベースへコピーしてください。</translation>
    </message>
    <message>
        <source>The database {location} holds tables that are not Rendo&apos;s ({tables}); nothing was changed. Use an empty database of its own for the shop.</source>
        <translation>データベース {location} には Rendo のものではないテーブルがあります({tables})。何も変更していません。ショップ専用の空のデータベースを使ってください。</translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n problems; nothing was imported.</source>
        <translation>
            <numerusform>{file}：問題が %n 件あるため、何も取り込んでいません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Import {file} cannot be undone: %n problems; nothing was changed.</source>
        <translation>
            <numerusform>{file} の取り込みは取り消せません：問題が %n 件あるため、何も変更していません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n cells hold characters {encoding} cannot write; nothing was written.</source>
        <translation>
            <numerusform>{file}：{encoding} で保存できない文字を含むセルが %n 個あるため、何も書き出していません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n cells hold characters Excel cannot store; nothing was written.</source>
        <translation>
            <numerusform>{file}：Excel で保存できない文字を含むセルが %n 個あるため、何も書き出していません。</numerusform>
        </translation>
    </message>
    <message>
        <source>the file does not look like the {label}: it lacks {columns}.</source>
        <translation>このファイルは {label} ではないようです: {columns} がありません。</translation>
    </message>
    <message>
        <source>this Shopify export has no On hand column, only quantities that leave out the units already ordered; export again with &quot;All quantity types&quot;.</source>
        <translation>この Shopify のエクスポートには On hand(手持ち)列がなく、注文済みの数を除いた数量しかありません。「すべての数量タイプ」を選んでエクスポートし直してください。</translation>
    </message>
    <message>
        <source>the file holds the stock of {count} locations ({locations}); choose one with --location NAME, or --location all for their sum.</source>
        <translation>このファイルには {count} か所のロケーション({locations})の在庫があります。--location 名前 でひとつ選ぶか、合計なら --location all を指定してください。</translation>
    </message>
    <message>
        <source>there is no location {location} in the file (locations: {locations}).</source>
        <translation>ファイルにロケーション {location} はありません(ロケーション: {locations})。</translation>
    </message>
    <message>
        <source>mode {mode} makes the quantity a change, not a count; Rendo imports counts from quantity.csv: clear the mode cell or count the stock.</source>
        <translation>mode {mode} では数量が在庫数ではなく増減になります。Rendo は quantity.csv から在庫数を取り込みます。mode の欄を空にするか、在庫を数えた数にしてください。</translation>
    </message>
    <message>
        <source>Yahoo!&apos;s data.csv holds item data but no stock; download quantity.csv (在庫) from ストアクリエイターPro and import that.</source>
        <translation>Yahoo! の data.csv は商品データで、在庫数は含まれていません。ストアクリエイターPro から quantity.csv(在庫)をダウンロードして取り込んでください。</translation>
    </message>
    <message>
        <source>--location is for Shopify&apos;s inventory export, not a {label}.</source>
        <translation>--location は Shopify の在庫エクスポート用です。{label} には使えません。</translation>
    </message>
    <message>
        <source>a {label} holds changes to add (negative: to take away), not counts to {mode}; import it without --mode.</source>
        <translation>{label} は足す増減(マイナスは引く)を持つファイルで、{mode} する在庫数ではありません。--mode を付けずに取り込んでください。</translation>
    </message>
</context>
<context>
    <name>ExpiryBanners</name>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt;: {ending}. {renew}</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt;: {ending}。{renew}</translation>
    </message>
    <message>
        <source>Channels…</source>
        <translation>店舗の設定…</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export</source>
        <translation>書き出し</translation>
    </message>
    <message>
        <source>CSV, Shift_JIS (CP932)</source>
        <translation>CSV（Shift_JIS / CP932）</translation>
    </message>
    <message>
        <source>CSV, UTF-8 with BOM</source>
        <translation>CSV（UTF-8 BOM付き）</translation>
    </message>
    <message>
        <source>Excel workbook (.xlsx)</source>
        <translation>Excel ブック（.xlsx）</translation>
    </message>
    <message>
        <source>File to write</source>
        <translation>書き出すファイル</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>参照(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;List:</source>
        <translation>一覧(&amp;L):</translation>
    </message>
    <message>
        <source>&amp;Period (from, to):</source>
        <translation>期間（開始・終了）(&amp;P):</translation>
    </message>
    <message>
        <source>F&amp;ormat:</source>
        <translation>形式(&amp;O):</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>ファイル(&amp;F):</translation>
    </message>
    <message>
        <source>Templates for importing</source>
        <translation>取り込み用のテンプレート</translation>
    </message>
    <message>
        <source>Save &amp;template…</source>
        <translation>テンプレートを保存(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>書き出し(&amp;E)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
    <message>
        <source>Stock list</source>
        <translation>在庫一覧</translation>
    </message>
    <message>
        <source>Reorder list (below reorder point)</source>
        <translation>発注リスト（発注点割れ）</translation>
    </message>
    <message>
        <source>Movement history</source>
        <translation>入出庫履歴</translation>
    </message>
    <message>
        <source>Unmatched order lines</source>
        <translation>未割当の注文明細</translation>
    </message>
    <message>
        <source>Item master</source>
        <translation>商品マスタ</translation>
    </message>
    <message>
        <source>Stock counts</source>
        <translation>在庫数（棚卸）</translation>
    </message>
    <message>
        <source>Set compositions</source>
        <translation>セット構成</translation>
    </message>
    <message>
        <source>Allocation pattern of each item</source>
        <translation>商品ごとの配分パターン</translation>
    </message>
    <message>
        <source>Display offsets</source>
        <translation>表示在庫設定</translation>
    </message>
    <message>
        <source>Channel code map</source>
        <translation>店舗の商品コード対応表</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>中止</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel ブック (*.xlsx)</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV ファイル (*.csv)</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>書き出し先</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>中止しました。ファイルは書き出していません。</translation>
    </message>
    <message>
        <source>{rows} rows written to {file}.</source>
        <translation>{rows} 行を {file} に書き出しました。</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>All</source>
        <translation>すべて</translation>
    </message>
    <message>
        <source>Low stock</source>
        <translation>在庫わずか</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>在庫切れ</translation>
    </message>
    <message>
        <source>Sets</source>
        <translation>セット商品</translation>
    </message>
    <message>
        <source>Backordered</source>
        <translation>バックオーダー</translation>
    </message>
    <message>
        <source>Oversold</source>
        <translation>売り越し</translation>
    </message>
    <message>
        <source>Unmatched orders</source>
        <translation>未割当の注文</translation>
    </message>
    <message>
        <source>Sync problems</source>
        <translation>同期の問題</translation>
    </message>
    <message>
        <source>Every item</source>
        <translation>すべての商品</translation>
    </message>
    <message>
        <source>Sellable at or below the reorder point</source>
        <translation>販売可能数が発注点以下の商品</translation>
    </message>
    <message>
        <source>Nothing left to sell</source>
        <translation>販売可能数が 0 の商品</translation>
    </message>
    <message>
        <source>Sets made of other items</source>
        <translation>他の商品を組み合わせたセット商品</translation>
    </message>
    <message>
        <source>Sold below zero within the backorder allowance</source>
        <translation>バックオーダー可能数の範囲で在庫 0 を下回って販売した商品</translation>
    </message>
    <message>
        <source>Oversold: more sold than on hand plus the backorder allowance</source>
        <translation>売り越し: 実在庫とバックオーダー可能数を超えて販売した商品</translation>
    </message>
    <message>
        <source>Items with a listing stopped after repeated refusals or changed by hand on the channel</source>
        <translation>受け付けられず停止した出品、または店舗側で手で変更された出品のある商品</translation>
    </message>
    <message>
        <source>Order lines no item matches yet</source>
        <translation>どの商品にも対応していない注文明細</translation>
    </message>
    <message>
        <source>Search code, name, JAN</source>
        <translation>コード・商品名・JANで検索</translation>
    </message>
    <message>
        <source>Search (Ctrl+F). A barcode scanner works here too: an exact code or JAN followed by Enter selects that item.</source>
        <translation>検索（Ctrl+F）。バーコードリーダーも使えます。商品コードかJANと Enter で、その商品を選択します。</translation>
    </message>
</context>
<context>
    <name>FirstSyncDialog</name>
    <message>
        <source>First sync with {name}</source>
        <translation>{name} との初回同期</translation>
    </message>
    <message>
        <source>Rendo has not synced with &lt;b&gt;{name}&lt;/b&gt; yet. Compare what the channel shows now with what Rendo would upload, then choose which numbers are right. Until you choose, Rendo neither reads orders from this channel nor changes its numbers.</source>
        <translation>Rendo はまだ &lt;b&gt;{name}&lt;/b&gt; と同期していません。店舗に今表示されている数と Rendo が送る数を見比べて、どちらが正しいかを選んでください。選ぶまで、この店舗の注文の取り込みも在庫数の変更も行いません。</translation>
    </message>
    <message>
        <source>Reading the channel&apos;s listings…</source>
        <translation>店舗の出品を読み込んでいます…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再読み込み</translation>
    </message>
    <message>
        <source>Show only rows that differ</source>
        <translation>違いのある行だけ表示</translation>
    </message>
    <message>
        <source>Which numbers are right?</source>
        <translation>どちらの数を採用しますか？</translation>
    </message>
    <message>
        <source>Take the channel&apos;s numbers</source>
        <translation>店舗の数を採用</translation>
    </message>
    <message>
        <source>Rendo&apos;s on-hand count of each single item listed here becomes the number the channel shows (recorded as a stocktake). Sets follow their components. Choose this when the channel&apos;s numbers are the ones you trust.</source>
        <translation>ここに出品されている単品の実在庫を、店舗に表示されている数に合わせます（棚卸として記録）。セット商品は構成品から計算されます。店舗の数のほうが正しいときに選んでください。</translation>
    </message>
    <message>
        <source>Push Rendo&apos;s numbers</source>
        <translation>Rendoの数で上書き</translation>
    </message>
    <message>
        <source>The channel&apos;s numbers are replaced by what Rendo computes. Choose this when Rendo&apos;s stock is the one you counted.</source>
        <translation>店舗の表示数を、Rendo が計算した数に置き換えます。Rendo の在庫数が実際に数えた数のときに選んでください。</translation>
    </message>
    <message>
        <source>Decide later</source>
        <translation>あとで決める</translation>
    </message>
    <message>
        <source>Start syncing</source>
        <translation>同期を開始</translation>
    </message>
    <message>
        <source>{name} lists {total} item(s): {same} the same, {differs} different, {missing} not in Rendo.</source>
        <translation>{name} の出品 {total} 件：同じ {same} 件、違う {differs} 件、Rendo にない商品 {missing} 件。</translation>
    </message>
    <message>
        <source>{name} lists no items yet. Either choice is safe.</source>
        <translation>{name} にはまだ出品がありません。どちらを選んでも問題ありません。</translation>
    </message>
    <message>
        <source>Items not in Rendo are left alone until they are added to Rendo.</source>
        <translation>Rendo にない商品は、Rendo に登録されるまで同期しません。</translation>
    </message>
    <message>
        <source>Pushing Rendo&apos;s numbers would show 0 for {n} item(s) the channel has in stock now (red rows). Check them before you push.</source>
        <translation>Rendoの数で上書きすると、店舗に在庫がある {n} 件が 0（在庫切れ）になります（赤い行）。上書きする前に確認してください。</translation>
    </message>
    <message>
        <source>I checked the red rows: show 0 for them on {name}.</source>
        <translation>赤い行を確認しました。{name} でこれらを 0 にします。</translation>
    </message>
    <message>
        <source>Rendo could not read {name}&apos;s listings: {message}</source>
        <translation>{name} の出品を読み込めませんでした：{message}</translation>
    </message>
    <message>
        <source>Choose which numbers are right before you start syncing.</source>
        <translation>同期を始める前に、どちらの数が正しいかを選んでください。</translation>
    </message>
</context>
<context>
    <name>FormatBox</name>
    <message>
        <source>&amp;Location:</source>
        <translation>ロケーション(&amp;L):</translation>
    </message>
    <message>
        <source>File &amp;format:</source>
        <translation>ファイル形式(&amp;F):</translation>
    </message>
    <message>
        <source>Columns by hand (choose them below)</source>
        <translation>列を手動で選ぶ(下で選択)</translation>
    </message>
    <message>
        <source>{format} (detected)</source>
        <translation>{format}(自動判別)</translation>
    </message>
    <message>
        <source>Choose a location…</source>
        <translation>ロケーションを選択…</translation>
    </message>
    <message>
        <source>The sum of all locations</source>
        <translation>全ロケーションの合計</translation>
    </message>
    <message>
        <source>No channel file format recognised from the header: the columns are found from their names.</source>
        <translation>見出しからチャネルのファイル形式を判別できませんでした。列は見出しの名前から探します。</translation>
    </message>
    <message>
        <source>The columns chosen below are read; the rows are not skipped as the {format} does.</source>
        <translation>下で選んだ列を読み込みます。{format} のように行を読み飛ばすことはしません。</translation>
    </message>
    <message>
        <source>The file holds the stock of {count} locations ({locations}): choose the one to import, or their sum.</source>
        <translation>このファイルには {count} か所のロケーション({locations})の在庫があります。取り込むロケーションか、合計を選んでください。</translation>
    </message>
    <message>
        <source>code from column {code}, count from column {count}</source>
        <translation>コードは {code} 列、数は {count} 列から</translation>
    </message>
    <message>
        <source>commas</source>
        <translation>カンマ</translation>
    </message>
    <message>
        <source>tabs</source>
        <translation>タブ</translation>
    </message>
    <message>
        <source>semicolons</source>
        <translation>セミコロン</translation>
    </message>
    <message>
        <source>The {format} is separated by {written}, but the file was read as separated by {read}: if it is one, go back and choose the delimiter.</source>
        <translation>{format} は{written}区切りですが、このファイルは{read}区切りとして読み込まれました。その形式のファイルなら、前に戻って区切り文字を選んでください。</translation>
    </message>
</context>
<context>
    <name>Formats</name>
    <message>
        <source>units in orders not yet confirmed</source>
        <translation>未確定の注文の数</translation>
    </message>
    <message>
        <source>in Amazon&apos;s Japanese report this is the pending quantity, not stock</source>
        <translation>Amazon の日本語レポートでは、これは在庫ではなく保留中の数量です</translation>
    </message>
    <message>
        <source>listings fulfilled by Amazon (FBA) without a quantity</source>
        <translation>数量のない Amazon 出荷(FBA)の出品</translation>
    </message>
    <message>
        <source>Amazon listings report</source>
        <translation>Amazon 出品レポート</translation>
    </message>
    <message>
        <source>Amazon inventory file (在庫ファイル, price and quantity)</source>
        <translation>Amazon 在庫ファイル(価格と数量)</translation>
    </message>
    <message>
        <source>detected</source>
        <translation>自動判別</translation>
    </message>
    <message>
        <source>chosen with --format</source>
        <translation>形式を指定</translation>
    </message>
    <message>
        <source>file format: {label} ({how}, --format {name}); stock rows: {rows}</source>
        <translation>ファイル形式: {label}({how}、--format {name})。在庫の行: {rows}</translation>
    </message>
    <message>
        <source>skipped, {reason}: {count} (rows {rows})</source>
        <translation>読み飛ばし、{reason}: {count} 行({rows} 行目)</translation>
    </message>
    <message>
        <source>code: 種類コード and 種類在庫数 on a 種類&apos;s row, else 商品コード and 在庫数</source>
        <translation>コード: 種類の行は 種類コード と 種類在庫数、それ以外は 商品コード と 在庫数</translation>
    </message>
    <message>
        <source>parent rows (an item whose 種類 have their own rows)</source>
        <translation>親の行(種類ごとの行がある商品)</translation>
    </message>
    <message>
        <source>BASE item file</source>
        <translation>BASE 商品ファイル</translation>
    </message>
    <message>
        <source>not read as stock: column {column} ({reason})</source>
        <translation>在庫として読まない列: {column}({reason})</translation>
    </message>
    <message>
        <source>counts: changes added to the stock (negative: taken away), as ネクストエンジン reads this file</source>
        <translation>数: ネクストエンジンと同じく、在庫に足す増減として読みます(マイナスは引く)</translation>
    </message>
    <message>
        <source>ネクストエンジン stock file</source>
        <translation>ネクストエンジン 在庫ファイル</translation>
    </message>
    <message>
        <source>parent rows (an item&apos;s row: no SKU code, no count)</source>
        <translation>親の行(商品の行: SKUコードも数もなし)</translation>
    </message>
    <message>
        <source>code: システム連携用SKU番号 where the SKU has one, else SKU管理番号 (as Rendo&apos;s 楽天 channel names SKUs)</source>
        <translation>コード: システム連携用SKU番号があればそれ、なければ SKU管理番号(Rendo の楽天チャネルと同じ)</translation>
    </message>
    <message>
        <source>code: 商品管理番号 + 横軸選択肢子番号 + 縦軸選択肢子番号</source>
        <translation>コード: 商品管理番号 + 横軸選択肢子番号 + 縦軸選択肢子番号</translation>
    </message>
    <message>
        <source>options that are not stock (選択肢タイプ other than i)</source>
        <translation>在庫ではない選択肢(選択肢タイプが i 以外)</translation>
    </message>
    <message>
        <source>items with 在庫タイプ 2 (their stock is in select.csv)</source>
        <translation>在庫タイプ 2 の商品(在庫は select.csv にあります)</translation>
    </message>
    <message>
        <source>items with 在庫タイプ 0 (no stock kept)</source>
        <translation>在庫タイプ 0 の商品(在庫設定なし)</translation>
    </message>
    <message>
        <source>楽天 SKU item file (normal-item.csv)</source>
        <translation>楽天 SKU商品ファイル(normal-item.csv)</translation>
    </message>
    <message>
        <source>楽天 option stock file (select.csv)</source>
        <translation>楽天 項目選択肢別在庫ファイル(select.csv)</translation>
    </message>
    <message>
        <source>楽天 item file (dl-item.csv / item.csv)</source>
        <translation>楽天 商品ファイル(dl-item.csv / item.csv)</translation>
    </message>
    <message>
        <source>location: {location}</source>
        <translation>ロケーション: {location}</translation>
    </message>
    <message>
        <source>location: the sum of {locations}</source>
        <translation>ロケーション: {locations} の合計</translation>
    </message>
    <message>
        <source>variants not stocked at the location</source>
        <translation>そのロケーションで在庫を扱わないバリエーション</translation>
    </message>
    <message>
        <source>Shopify inventory export</source>
        <translation>Shopify 在庫エクスポート</translation>
    </message>
    <message>
        <source>on hand less the units ordered</source>
        <translation>手持ちから注文済みを引いた数</translation>
    </message>
    <message>
        <source>units ordered, not shipped</source>
        <translation>注文済み・未出荷の数</translation>
    </message>
    <message>
        <source>units on their way</source>
        <translation>入荷予定の数</translation>
    </message>
    <message>
        <source>the column for an upload</source>
        <translation>アップロード用の列</translation>
    </message>
    <message>
        <source>code: sub-code (個別商品コード) where the row has one, else code</source>
        <translation>コード: 個別商品コード(sub-code)があればそれ、なければ code</translation>
    </message>
    <message>
        <source>parent rows (an item whose options have their own sub-code rows)</source>
        <translation>親の行(オプションごとに sub-code の行がある商品)</translation>
    </message>
    <message>
        <source>Yahoo! stock file (quantity.csv)</source>
        <translation>Yahoo! 在庫ファイル(quantity.csv)</translation>
    </message>
    <message>
        <source>a flag: orders beyond the stock</source>
        <translation>フラグ: 在庫を超えた注文の受付</translation>
    </message>
    <message>
        <source>a flag: sold out</source>
        <translation>フラグ: 売り切れ</translation>
    </message>
    <message>
        <source>Yahoo! item data file (data.csv)</source>
        <translation>Yahoo! 商品データファイル(data.csv)</translation>
    </message>
</context>
<context>
    <name>ImportApplyPage</name>
    <message>
        <source>Apply</source>
        <translation>適用</translation>
    </message>
    <message>
        <source>Import number:</source>
        <translation>取り込み番号:</translation>
    </message>
    <message>
        <source>&amp;Undo this import</source>
        <translation>この取り込みを取り消す(&amp;U)</translation>
    </message>
    <message>
        <source>Importing {file}…</source>
        <translation>{file} を取り込んでいます…</translation>
    </message>
    <message>
        <source>Imported {file}: {rows} rows, {changed} changed, {created} new items.</source>
        <translation>{file} を取り込みました：{rows} 行、変更 {changed} 件、新規商品 {created} 件。</translation>
    </message>
    <message>
        <source>Nothing was imported.</source>
        <translation>何も取り込んでいません。</translation>
    </message>
    <message>
        <source>Cancelled: nothing was changed.</source>
        <translation>中止しました。何も変更していません。</translation>
    </message>
    <message>
        <source>The import was undone: {count} changes reversed.</source>
        <translation>取り込みを取り消しました（{count} 件の在庫の増減を元に戻しました）。</translation>
    </message>
</context>
<context>
    <name>ImportFilePage</name>
    <message>
        <source>Choose the file</source>
        <translation>ファイルを選ぶ</translation>
    </message>
    <message>
        <source>A .csv or Excel (.xlsx) file. The files of 楽天, Yahoo!, BASE, Shopify, Amazon and ネクストエンジン are recognised; other files&apos; columns are found from their headers. You can check both in the next step.</source>
        <translation>.csv または Excel(.xlsx)ファイル。楽天・Yahoo!・BASE・Shopify・Amazon・ネクストエンジンのファイルは形式を判別します。それ以外のファイルは見出しから列を探します。どちらも次の手順で確認できます。</translation>
    </message>
    <message>
        <source>File to import (.csv, .xlsx)</source>
        <translation>取り込むファイル（.csv、.xlsx）</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>参照(&amp;B)…</translation>
    </message>
    <message>
        <source>Detect automatically</source>
        <translation>自動判定</translation>
    </message>
    <message>
        <source>Shift_JIS (CP932)</source>
        <translation>Shift_JIS（CP932）</translation>
    </message>
    <message>
        <source>UTF-8</source>
        <translation>UTF-8</translation>
    </message>
    <message>
        <source>UTF-8 with BOM</source>
        <translation>UTF-8（BOM付き）</translation>
    </message>
    <message>
        <source>Comma (,)</source>
        <translation>カンマ（,）</translation>
    </message>
    <message>
        <source>Tab</source>
        <translation>タブ</translation>
    </message>
    <message>
        <source>Semicolon (;)</source>
        <translation>セミコロン（;）</translation>
    </message>
    <message>
        <source>Create new items for codes Rendo does not know yet</source>
        <translation>未登録の商品コードは新しい商品として登録する</translation>
    </message>
    <message>
        <source>Save an empty &amp;template for this kind…</source>
        <translation>この種類のテンプレートを保存(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>ファイル(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;Contents:</source>
        <translation>内容(&amp;C):</translation>
    </message>
    <message>
        <source>&amp;Mode:</source>
        <translation>取り込み方法(&amp;M):</translation>
    </message>
    <message>
        <source>&amp;Encoding (CSV):</source>
        <translation>文字コード（CSV）(&amp;E):</translation>
    </message>
    <message>
        <source>&amp;Delimiter (CSV):</source>
        <translation>区切り文字（CSV）(&amp;D):</translation>
    </message>
    <message>
        <source>Stock counts</source>
        <translation>在庫数（棚卸）</translation>
    </message>
    <message>
        <source>Item master</source>
        <translation>商品マスタ</translation>
    </message>
    <message>
        <source>Set compositions</source>
        <translation>セット構成</translation>
    </message>
    <message>
        <source>Allocation pattern of each item</source>
        <translation>商品ごとの配分パターン</translation>
    </message>
    <message>
        <source>Display offsets</source>
        <translation>表示在庫設定</translation>
    </message>
    <message>
        <source>Channel code map</source>
        <translation>店舗の商品コード対応表</translation>
    </message>
    <message>
        <source>Overwrite with the counted number (stocktake)</source>
        <translation>棚卸（上書き）：数えた数にする</translation>
    </message>
    <message>
        <source>Add to on hand</source>
        <translation>加算：在庫数に足す</translation>
    </message>
    <message>
        <source>Subtract from on hand</source>
        <translation>減算：在庫数から引く</translation>
    </message>
    <message>
        <source>Import a file</source>
        <translation>ファイルを取り込む</translation>
    </message>
    <message>
        <source>Spreadsheets (*.csv *.xlsx *.txt *.tsv);;All files (*)</source>
        <translation>表のファイル (*.csv *.xlsx *.txt *.tsv);;すべてのファイル (*)</translation>
    </message>
</context>
<context>
    <name>ImportMappingPage</name>
    <message>
        <source>Match the columns</source>
        <translation>列の対応</translation>
    </message>
    <message>
        <source>Check which column of the file holds each field. Fields marked required need a column.</source>
        <translation>それぞれの項目がファイルのどの列にあるか確認してください。「必須」の項目には列が必要です。</translation>
    </message>
    <message>
        <source>none (the file has no header row)</source>
        <translation>なし（見出し行のないファイル）</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>項目</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>ファイルの列</translation>
    </message>
    <message>
        <source>First row</source>
        <translation>1 行目の値</translation>
    </message>
    <message>
        <source>&amp;Header row:</source>
        <translation>見出しの行(&amp;H):</translation>
    </message>
    <message>
        <source>Item code</source>
        <translation>商品コード</translation>
    </message>
    <message>
        <source>JAN code</source>
        <translation>JANコード</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>カラー</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>サイズ</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>Backorder allowance</source>
        <translation>バックオーダー</translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>無制限</translation>
    </message>
    <message>
        <source>Set code</source>
        <translation>セット商品コード</translation>
    </message>
    <message>
        <source>Component code</source>
        <translation>構成商品コード</translation>
    </message>
    <message>
        <source>Units per set</source>
        <translation>セット 1 つに入る数</translation>
    </message>
    <message>
        <source>Allocation pattern</source>
        <translation>配分パターン</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>店舗（チャネル）</translation>
    </message>
    <message>
        <source>Display offset</source>
        <translation>表示在庫設定</translation>
    </message>
    <message>
        <source>Channel&apos;s item id</source>
        <translation>店舗側の商品ID</translation>
    </message>
    <message numerus="yes">
        <source>{file} ({read}): %n rows</source>
        <translation>
            <numerusform>{file}（{read}）: %n 行</numerusform>
        </translation>
    </message>
    <message>
        <source>Check the file format</source>
        <translation>ファイル形式の確認</translation>
    </message>
    <message>
        <source>Rendo reads this file as its channel writes it. If the format is wrong, choose another, or the columns by hand.</source>
        <translation>Rendo はこのファイルをチャネルの形式どおりに読み込みます。形式が違う場合は、別の形式を選ぶか、列を手動で選んでください。</translation>
    </message>
    <message>
        <source>(not used)</source>
        <translation>（使わない）</translation>
    </message>
    <message>
        <source>required (either)</source>
        <translation>どちらか必須</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必須</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>任意</translation>
    </message>
</context>
<context>
    <name>ImportPreviewPage</name>
    <message>
        <source>Preview</source>
        <translation>プレビュー</translation>
    </message>
    <message>
        <source>Nothing has been changed yet. Check the changes, then press Apply.</source>
        <translation>まだ何も変更していません。内容を確認して「適用」を押してください。</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>適用(&amp;A)</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>商品コード</translation>
    </message>
    <message>
        <source>What</source>
        <translation>項目</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>変更前</translation>
    </message>
    <message>
        <source>After</source>
        <translation>変更後</translation>
    </message>
    <message>
        <source>File</source>
        <translation>ファイル</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>在庫数</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>新しい商品</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>セット</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>JAN code</source>
        <translation>JANコード</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>バリエーション</translation>
    </message>
    <message>
        <source>Components</source>
        <translation>構成</translation>
    </message>
    <message>
        <source>Allocation pattern</source>
        <translation>配分パターン</translation>
    </message>
    <message>
        <source>Display offset</source>
        <translation>表示在庫設定</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>Code map</source>
        <translation>商品コード対応</translation>
    </message>
    <message>
        <source>Backorder allowance</source>
        <translation>バックオーダー</translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>無制限</translation>
    </message>
    <message>
        <source>Checking every row…</source>
        <translation>すべての行を確認しています…</translation>
    </message>
    <message>
        <source>{what} ({detail})</source>
        <translation>{what}（{detail}）</translation>
    </message>
    <message>
        <source>{file}: {rows}, {changed} to change, {created}, {problems}.</source>
        <translation>{file}：{rows}、変更 {changed} 件、{created}、{problems}。</translation>
    </message>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n new items</source>
        <translation>
            <numerusform>新規商品 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n problems</source>
        <translation>
            <numerusform>問題 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>There are %n problems. Correct the file and import it again: nothing is changed until every row is right.</source>
        <translation>
            <numerusform>問題が %n 件あります。ファイルを直してもう一度取り込んでください。すべての行が正しくなるまで、何も変更しません。</numerusform>
        </translation>
    </message>
    <message>
        <source>The file changes nothing.</source>
        <translation>このファイルで変わるものはありません。</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>… and {count} more</source>
        <translation>…ほか {count} 件</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>取り込み</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>中止しています…</translation>
    </message>
</context>
<context>
    <name>ItemDetail</name>
    <message>
        <source>Order</source>
        <translation>注文</translation>
    </message>
    <message>
        <source>Cancellation</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Adjustment</source>
        <translation>調整</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>取込</translation>
    </message>
    <message>
        <source>Stocktake</source>
        <translation>棚卸</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>入荷</translation>
    </message>
    <message>
        <source>Damaged</source>
        <translation>破損</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>返品</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>In step</source>
        <translation>同期済み</translation>
    </message>
    <message>
        <source>Not confirmed yet</source>
        <translation>未確認</translation>
    </message>
    <message>
        <source>Upload refused</source>
        <translation>更新エラー</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>停止中</translation>
    </message>
    <message>
        <source>Changed on the channel</source>
        <translation>店舗側で変更</translation>
    </message>
    <message>
        <source>Not found on the channel</source>
        <translation>店舗に見つかりません</translation>
    </message>
</context>
<context>
    <name>ItemDetailPanel</name>
    <message>
        <source>On hand</source>
        <translation>実在庫</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>販売可能数</translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>JAN:</source>
        <translation>JAN：</translation>
    </message>
    <message>
        <source>Backorder allowance:</source>
        <translation>バックオーダー(予約)可能数：</translation>
    </message>
    <message>
        <source>Unlimited:</source>
        <translation>無制限：</translation>
    </message>
    <message>
        <source>Allocation pattern:</source>
        <translation>在庫配分パターン：</translation>
    </message>
    <message>
        <source>Display offset:</source>
        <translation>表示在庫設定：</translation>
    </message>
    <message>
        <source>Components:</source>
        <translation>構成：</translation>
    </message>
    <message>
        <source>Limited by:</source>
        <translation>制限部品：</translation>
    </message>
    <message>
        <source>Edit set…</source>
        <translation>セット構成を編集…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日時</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>増減</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>参照</translation>
    </message>
    <message>
        <source>By</source>
        <translation>担当</translation>
    </message>
    <message>
        <source>&amp;Undo this movement</source>
        <translation>この入出庫を取り消す(&amp;U)</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>店舗</translation>
    </message>
    <message>
        <source>Listing id</source>
        <translation>出品ID</translation>
    </message>
    <message>
        <source>Shows</source>
        <translation>表示数</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>確認済み数</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>History</source>
        <translation>推移</translation>
    </message>
    <message>
        <source>Movements</source>
        <translation>入出庫履歴</translation>
    </message>
    <message>
        <source>Channels</source>
        <translation>出品</translation>
    </message>
    <message>
        <source>Select an item to see its details.</source>
        <translation>商品を選択すると、ここに詳細が表示されます。</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>セット商品</translation>
    </message>
    <message>
        <source>Single</source>
        <translation>単品</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>無制限</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>はい</translation>
    </message>
    <message>
        <source>No</source>
        <translation>いいえ</translation>
    </message>
    <message>
        <source>None (every channel shows sellable)</source>
        <translation>なし（全店同数）</translation>
    </message>
    <message>
        <source>all channels {offset}</source>
        <translation>全店舗 {offset}</translation>
    </message>
    <message>
        <source>None</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>{reason} (undone)</source>
        <translation>{reason}（取消済み）</translation>
    </message>
    <message>
        <source>A set has no shelf stock of its own: its sellable number comes from its components.</source>
        <translation>セット商品には棚在庫がありません。販売可能数は構成部品の在庫から計算されます。</translation>
    </message>
    <message>
        <source>No stock movements yet.</source>
        <translation>まだ入出庫がありません。</translation>
    </message>
    <message>
        <source>Reorder point {n}</source>
        <translation>発注点 {n}</translation>
    </message>
    <message>
        <source>Sellable is drawn with today&apos;s reserved and backorder allowance.</source>
        <translation>販売可能数は現在の確保在庫とバックオーダー(予約)可能数で計算しています。</translation>
    </message>
    <message>
        <source>Not listed / manual</source>
        <translation>出品なし／手動</translation>
    </message>
    <message>
        <source>(channel shows {qty})</source>
        <translation>（店舗側 {qty}）</translation>
    </message>
    <message>
        <source>Confirmed {time}</source>
        <translation>{time} に確認</translation>
    </message>
    <message>
        <source>Order movements change with the order on its channel.</source>
        <translation>注文による入出庫は、店舗で注文を変更・キャンセルすると反映されます。</translation>
    </message>
</context>
<context>
    <name>ItemPickerDialog</name>
    <message>
        <source>Map to an item</source>
        <translation>商品に割り当て</translation>
    </message>
    <message>
        <source>Orders on {channel} name an item Rendo does not know: &lt;b&gt;{id}&lt;/b&gt;. Choose the Rendo item it is. The {lines} waiting order line(s) ({units} units) are applied to it, and from now on {id} on {channel} counts as that item.</source>
        <translation>{channel} の注文に、Rendo にない商品 &lt;b&gt;{id}&lt;/b&gt; が含まれています。どの商品にあたるかを選んでください。待っている注文 {lines} 行（計 {units} 点）がその商品に適用され、今後 {channel} の {id} はその商品として扱われます。</translation>
    </message>
    <message>
        <source>Code, name or JAN…</source>
        <translation>コード・商品名・JAN で検索…</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>割り当て</translation>
    </message>
    <message>
        <source>set</source>
        <translation>セット商品</translation>
    </message>
    <message>
        <source>Sellable now: {n}</source>
        <translation>現在の販売可能数：{n}</translation>
    </message>
    <message>
        <source>No item matches. Try part of the name or the code.</source>
        <translation>該当する商品がありません。商品名やコードの一部で検索してください。</translation>
    </message>
    <message>
        <source>Type a code, a name or a JAN.</source>
        <translation>コード・商品名・JAN を入力してください。</translation>
    </message>
</context>
<context>
    <name>ItemSearch</name>
    <message>
        <source>Code, name or JAN…</source>
        <translation>コード・商品名・JAN で検索…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Item details</source>
        <translation>商品詳細</translation>
    </message>
    <message>
        <source>{channel}: {message}</source>
        <translation>{channel}：{message}</translation>
    </message>
    <message>
        <source>Rendo</source>
        <translation>Rendo</translation>
    </message>
    <message>
        <source>No item has the code or JAN “{text}”.</source>
        <translation>商品コードまたはJANが「{text}」の商品はありません。</translation>
    </message>
    <message>
        <source>{code} is a set: change the on hand of its components.</source>
        <translation>{code} はセット商品です。構成部品の実在庫を変更してください。</translation>
    </message>
    <message>
        <source>About Rendo</source>
        <translation>Rendo について</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Rendo {version}&lt;/h3&gt;&lt;p&gt;One stock ledger for every shop you sell on: orders from each channel lower the numbers on all the others within seconds.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Rendo {version}&lt;/h3&gt;&lt;p&gt;販売しているすべてのお店の在庫を、ひとつの台帳で管理します。どの店舗で注文が入っても、数秒で他のすべての店舗の在庫数に反映されます。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>NoticeBar</name>
    <message>
        <source>Dismiss</source>
        <translation>閉じる</translation>
    </message>
</context>
<context>
    <name>OAuthRedirect</name>
    <message>
        <source>Rendo is connected to the channel. You can close this tab and go back to Rendo.</source>
        <translation>Rendo は店舗に接続しました。このタブを閉じて Rendo に戻ってください。</translation>
    </message>
    <message>
        <source>Rendo was not authorized. You can close this tab; click Connect… in Rendo to try again.</source>
        <translation>Rendo は許可されませんでした。このタブを閉じ、Rendo の「接続…」からやり直してください。</translation>
    </message>
    <message>
        <source>This answer does not belong to Rendo&apos;s request. Rendo keeps waiting for the right one.</source>
        <translation>この応答は Rendo の要求のものではありません。Rendo は正しい応答を待ち続けます。</translation>
    </message>
    <message>
        <source>Rendo</source>
        <translation>Rendo</translation>
    </message>
</context>
<context>
    <name>OffsetDialog</name>
    <message>
        <source>Display stock — {code} {name}</source>
        <translation>表示在庫設定 — {code} {name}</translation>
    </message>
    <message>
        <source>Display stock — {n} items</source>
        <translation>表示在庫設定 — {n} 商品</translation>
    </message>
    <message>
        <source>All stores</source>
        <translation>すべての店舗</translation>
    </message>
    <message>
        <source>None</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>Add +N</source>
        <translation>加算（＋N）</translation>
    </message>
    <message>
        <source>Subtract −N</source>
        <translation>減算（−N）</translation>
    </message>
    <message>
        <source>At most N (fixed)</source>
        <translation>固定（最大 N）</translation>
    </message>
    <message>
        <source>Amount N</source>
        <translation>数量 N</translation>
    </message>
    <message>
        <source>N =</source>
        <translation>N =</translation>
    </message>
    <message>
        <source>Applies to</source>
        <translation>対象店舗</translation>
    </message>
    <message>
        <source>Display</source>
        <translation>表示在庫</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>コード</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>販売可能数</translation>
    </message>
    <message>
        <source>What each store will show</source>
        <translation>各店舗に表示される在庫数</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Every store shows its share as it is.</source>
        <translation>各店舗に配分された数をそのまま表示します。</translation>
    </message>
    <message>
        <source>{store} follows the setting for all stores.</source>
        <translation>{store} は「すべての店舗」の設定に従います。</translation>
    </message>
    <message>
        <source>Every store</source>
        <translation>各店舗</translation>
    </message>
    <message>
        <source>{where}: shows {n} more than its share (goods you can restock at once).</source>
        <translation>{where}：配分された数に {n} を足して表示します（すぐに仕入れられる商品など）。</translation>
    </message>
    <message>
        <source>{where}: shows {n} fewer than its share, never below 0 (a safety margin against overselling).</source>
        <translation>{where}：配分された数から {n} を引いて表示します（0 未満にはなりません。売り越しを防ぐための余裕分）。</translation>
    </message>
    <message>
        <source>{where}: shows at most {n}; less when there is less.</source>
        <translation>{where}：最大 {n} まで表示します（在庫がそれより少なければその数）。</translation>
    </message>
    <message>
        <source>The selected items have different settings now; OK gives them all this one.</source>
        <translation>選択中の商品は現在の設定がそれぞれ異なります。OK を押すと、すべてこの設定になります。</translation>
    </message>
    <message>
        <source>unlimited</source>
        <translation>無制限</translation>
    </message>
    <message>
        <source>This item has its own setting for {store}; it stays.</source>
        <translation>この商品には {store} 個別の設定があり、そちらが優先されます。</translation>
    </message>
    <message>
        <source>Showing the first {shown} of {n} items.</source>
        <translation>{n} 商品のうち最初の {shown} 件を表示しています。</translation>
    </message>
    <message>
        <source>Items with their own setting for a store keep it for that store: {codes}.</source>
        <translation>店舗別の個別設定がある商品は、その店舗では個別設定が優先されます：{codes}</translation>
    </message>
</context>
<context>
    <name>PackDialog</name>
    <message>
        <source>Create N-packs</source>
        <translation>まとめ売りセットの作成</translation>
    </message>
    <message>
        <source>Sell several units of one item as one product: each pack size becomes a set of that many units, and its stock follows the item&apos;s.</source>
        <translation>1つの商品を複数個まとめて1商品として販売します。入数ごとにセット商品が作られ、在庫は元の商品の在庫から自動で計算されます。</translation>
    </message>
    <message>
        <source>Search by code, name or JAN…</source>
        <translation>コード・商品名・JAN で検索…</translation>
    </message>
    <message>
        <source>e.g. 2, 3, 5</source>
        <translation>例：2, 3, 5</translation>
    </message>
    <message>
        <source>units per pack, separated by commas</source>
        <translation>1セットあたりの個数（カンマ区切り）</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Pack sizes</source>
        <translation>入数</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>入数</translation>
    </message>
    <message>
        <source>Set code</source>
        <translation>セット商品コード</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>Can sell</source>
        <translation>販売可能数</translation>
    </message>
    <message>
        <source>Double-click a code or name to change it.</source>
        <translation>コードや商品名はダブルクリックで変更できます。</translation>
    </message>
    <message>
        <source>Create sets</source>
        <translation>セットを作成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>{code} {name} — sellable {n}</source>
        <translation>{code} {name} — 販売可能数 {n}</translation>
    </message>
    <message>
        <source>{name} {n}-pack</source>
        <translation>{name} {n}個セット</translation>
    </message>
    <message>
        <source>Choose the item to sell in packs.</source>
        <translation>まとめ売りする商品を選んでください。</translation>
    </message>
    <message>
        <source>Type the pack sizes, for example 2, 3, 5.</source>
        <translation>入数を入力してください（例：2, 3, 5）。</translation>
    </message>
    <message>
        <source>“{text}” is not a pack size: type whole numbers from 2 to {max}.</source>
        <translation>「{text}」は入数として使えません。2〜{max} の整数を入力してください。</translation>
    </message>
    <message>
        <source>The pack of {n} needs a code.</source>
        <translation>{n}個セットのコードを入力してください。</translation>
    </message>
    <message>
        <source>Code {code} is used twice.</source>
        <translation>コード {code} が重複しています。</translation>
    </message>
    <message>
        <source>{code} already exists: change its code or leave out the pack of {n}.</source>
        <translation>{code} はすでに登録されています。コードを変更するか、入数 {n} を外してください。</translation>
    </message>
</context>
<context>
    <name>PatternDialog</name>
    <message>
        <source>Allocation patterns</source>
        <translation>在庫配分パターン</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新規</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>複製</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>Patterns</source>
        <translation>パターン一覧</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>パターン名</translation>
    </message>
    <message>
        <source>When sellable is</source>
        <translation>販売可能数の条件</translation>
    </message>
    <message>
        <source>Add tier</source>
        <translation>段を追加</translation>
    </message>
    <message>
        <source>Remove tier</source>
        <translation>段を削除</translation>
    </message>
    <message>
        <source>Move the tier up (checked earlier)</source>
        <translation>段を上へ（先に判定）</translation>
    </message>
    <message>
        <source>Move the tier down</source>
        <translation>段を下へ</translation>
    </message>
    <message>
        <source>Tiers are checked from the top and the first that holds decides (when none holds, every store shows the whole sellable). The last row is a preview for the sellable you type.</source>
        <translation>上の段から順に判定し、最初に当てはまった段の配分を使います（どの段にも当てはまらなければ全店同数）。最後の行は、入力した販売可能数での試算です。</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>配分</translation>
    </message>
    <message>
        <source>Drag a store, or use the arrows, to change the order</source>
        <translation>店舗をドラッグするか矢印ボタンで順番を変えます</translation>
    </message>
    <message>
        <source>Higher priority</source>
        <translation>優先順位を上げる</translation>
    </message>
    <message>
        <source>Lower priority</source>
        <translation>優先順位を下げる</translation>
    </message>
    <message>
        <source>Hold back units left by rounding</source>
        <translation>端数はどの店舗にも配分しない</translation>
    </message>
    <message>
        <source>Units that rounding down leaves over are shown on no store.</source>
        <translation>切り捨てで余った端数を、どの店舗にも表示しません。</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>プレビュー</translation>
    </message>
    <message>
        <source>Items found by search:</source>
        <translation>検索で見つかった商品：</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>優先順位</translation>
    </message>
    <message>
        <source>Units left by rounding</source>
        <translation>端数の配分</translation>
    </message>
    <message>
        <source>Code, name or JAN…</source>
        <translation>コード・商品名・JAN で検索…</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>商品への割り当て</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>（名前なし）</translation>
    </message>
    <message>
        <source>New pattern</source>
        <translation>新しいパターン</translation>
    </message>
    <message>
        <source>{name} (copy)</source>
        <translation>{name} のコピー</translation>
    </message>
    <message>
        <source>Type a sellable to see what each store shows</source>
        <translation>販売可能数を入力すると、各店舗に表示される数がわかります</translation>
    </message>
    <message>
        <source>Sellable for the preview</source>
        <translation>プレビュー用の販売可能数</translation>
    </message>
    <message>
        <source>Items using it: {n}</source>
        <translation>使用中の商品：{n} 件</translation>
    </message>
    <message>
        <source>Not saved yet</source>
        <translation>未保存</translation>
    </message>
    <message>
        <source>There is no allocation pattern yet: press New.</source>
        <translation>在庫配分パターンはまだありません。「新規」で作成してください。</translation>
    </message>
    <message>
        <source>OK deletes “{name}”; its {n} items then show the whole sellable on every store.</source>
        <translation>OK を押すと「{name}」を削除します。使用中の {n} 件の商品は、全店舗に販売可能数をそのまま表示するようになります。</translation>
    </message>
    <message>
        <source>OK deletes “{name}”.</source>
        <translation>OK を押すと「{name}」を削除します。</translation>
    </message>
    <message>
        <source>Another pattern is already called {name}.</source>
        <translation>「{name}」という名前のパターンはすでにあります。</translation>
    </message>
    <message>
        <source>{name} is the saved name of a pattern you renamed: press OK first, then use this name.</source>
        <translation>「{name}」は名前を変更したパターンの保存済みの名前です。いったん OK で保存してから、この名前を使ってください。</translation>
    </message>
    <message>
        <source>Correct the pattern to see the preview.</source>
        <translation>パターンの誤りを直すとプレビューが表示されます。</translation>
    </message>
    <message>
        <source>Sellable {n}: no tier holds, every store shows {n}.</source>
        <translation>販売可能数 {n}：どの段にも当てはまらないため、全店舗に {n} を表示します（全店同数）。</translation>
    </message>
    <message>
        <source>Sellable {n}: tier {tier} holds.</source>
        <translation>販売可能数 {n}：{tier} 段目の配分を使います。</translation>
    </message>
    <message>
        <source>{n} not shown on any store.</source>
        <translation>{n} 個はどの店舗にも表示しません。</translation>
    </message>
    <message>
        <source>Leave the items&apos; patterns as they are</source>
        <translation>商品の配分パターンは変更しない</translation>
    </message>
    <message>
        <source>Use “{name}” for these items</source>
        <translation>「{name}」を割り当てる</translation>
    </message>
    <message>
        <source>Use no pattern for these items (every store shows the whole sellable)</source>
        <translation>配分パターンを外す（全店舗に販売可能数をそのまま表示）</translation>
    </message>
    <message>
        <source>Selected items: {n} ({codes})</source>
        <translation>選択中の商品：{n} 件（{codes}）</translation>
    </message>
    <message>
        <source>Selected items: none</source>
        <translation>選択中の商品：なし</translation>
    </message>
    <message>
        <source>Found: {n}</source>
        <translation>該当：{n} 件</translation>
    </message>
</context>
<context>
    <name>PreviewModel</name>
    <message>
        <source>Channel&apos;s item ID</source>
        <translation>店舗の商品ID</translation>
    </message>
    <message>
        <source>Rendo item</source>
        <translation>Rendo の商品</translation>
    </message>
    <message>
        <source>Channel shows now</source>
        <translation>店舗の現在の数</translation>
    </message>
    <message>
        <source>Rendo would upload</source>
        <translation>Rendo が送る数</translation>
    </message>
    <message>
        <source>If you choose this</source>
        <translation>選んだ場合</translation>
    </message>
    <message>
        <source>Not in Rendo: not synced</source>
        <translation>Rendo にない商品（同期しません）</translation>
    </message>
    <message>
        <source>Pushing would show 0 here</source>
        <translation>上書きすると 0 になります</translation>
    </message>
    <message>
        <source>Differs</source>
        <translation>違いあり</translation>
    </message>
    <message>
        <source>Same</source>
        <translation>同じ</translation>
    </message>
    <message>
        <source>No change</source>
        <translation>変更なし</translation>
    </message>
    <message>
        <source>Channel {old} → 0 (shown as sold out)</source>
        <translation>店舗 {old} → 0（在庫切れ表示）</translation>
    </message>
    <message>
        <source>Channel {old} → {new}</source>
        <translation>店舗 {old} → {new}</translation>
    </message>
    <message>
        <source>Set: follows its components</source>
        <translation>セット商品（構成品から計算）</translation>
    </message>
    <message>
        <source>On hand {old} → {new}</source>
        <translation>実在庫 {old} → {new}</translation>
    </message>
    <message>
        <source>(not in Rendo)</source>
        <translation>（Rendo にありません）</translation>
    </message>
    <message>
        <source>The channel shows {n} now; Rendo would upload 0. Check the item&apos;s stock in Rendo before pushing.</source>
        <translation>店舗では今 {n} ですが、Rendo は 0 を送ります。上書きする前に Rendo の在庫を確認してください。</translation>
    </message>
</context>
<context>
    <name>SetEditorDialog</name>
    <message>
        <source>New set</source>
        <translation>新しいセット商品</translation>
    </message>
    <message>
        <source>Set composition — {code}</source>
        <translation>セット商品の構成 — {code}</translation>
    </message>
    <message>
        <source>e.g. GIFT-01</source>
        <translation>例：GIFT-01</translation>
    </message>
    <message>
        <source>Name shown in the stock list</source>
        <translation>在庫一覧に表示される商品名</translation>
    </message>
    <message>
        <source>Set code</source>
        <translation>セット商品コード</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>Add a component: code, name or JAN…</source>
        <translation>構成品を追加：コード・商品名・JAN で検索…</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>追加</translation>
    </message>
    <message>
        <source>Component</source>
        <translation>構成品コード</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>販売可能数</translation>
    </message>
    <message>
        <source>Makes</source>
        <translation>作れる数</translation>
    </message>
    <message>
        <source>How many sets this component&apos;s sellable stock can make</source>
        <translation>この構成品の販売可能数で作れるセットの数</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>外す</translation>
    </message>
    <message>
        <source>Nested sets show what they are made of.</source>
        <translation>構成品がセット商品の場合は、その中身も表示します。</translation>
    </message>
    <message>
        <source>Components</source>
        <translation>構成品</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Create N-packs…</source>
        <translation>まとめ売りセットを作成…</translation>
    </message>
    <message>
        <source>Create sets of 2, 3… of one item at once</source>
        <translation>1つの商品の 2個セット・3個セット… をまとめて作成します</translation>
    </message>
    <message>
        <source>Quantity of {code}</source>
        <translation>{code} の数量</translation>
    </message>
    <message>
        <source>{name} (set)</source>
        <translation>{name}（セット）</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>制限なし</translation>
    </message>
    <message>
        <source>Can sell: —</source>
        <translation>販売可能数：—</translation>
    </message>
    <message>
        <source>Can sell: &lt;b&gt;unlimited&lt;/b&gt; (every component is unlimited)</source>
        <translation>販売可能数：&lt;b&gt;無制限&lt;/b&gt;（すべての構成品が無制限）</translation>
    </message>
    <message>
        <source>Can sell {n}</source>
        <translation>販売可能数 {n}</translation>
    </message>
    <message>
        <source>Can sell {n}, limited by {item}</source>
        <translation>販売可能数 {n}（{item} の在庫で決まります）</translation>
    </message>
    <message>
        <source>Enter a code for the new set.</source>
        <translation>新しいセット商品のコードを入力してください。</translation>
    </message>
    <message>
        <source>Add the items this set is made of: search by code, name or JAN.</source>
        <translation>このセットを構成する商品を追加してください（コード・商品名・JAN で検索）。</translation>
    </message>
    <message>
        <source>{code} is a single item now. Saving makes it a set: it then has no shelf stock of its own and sells what its components allow.</source>
        <translation>{code} は現在は単品です。保存するとセット商品になり、自身の棚在庫は持たず、構成品の在庫から販売可能数が決まります。</translation>
    </message>
    <message>
        <source>An item with code {code} already exists. Choose another code, or edit that item&apos;s composition from the stock list.</source>
        <translation>コード {code} の商品はすでにあります。別のコードにするか、在庫一覧からその商品の構成を編集してください。</translation>
    </message>
    <message>
        <source>A set cannot contain itself: {loop}. Remove {component} from the components.</source>
        <translation>セット商品は自分自身を含むことができません：{loop}。構成品から {component} を外してください。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Match the system ({language})</source>
        <translation>システムに合わせる（{language}）</translation>
    </message>
    <message>
        <source>The sync panel of every PC sharing this shop says which PC syncs each channel, by this name. Empty: the computer&apos;s name ({host}).</source>
        <translation>このショップを共有する各PCの同期パネルに、どのPCが各チャネルを同期しているかがこの名前で表示されます。空欄の場合はコンピューター名({host})です。</translation>
    </message>
    <message>
        <source>Display &amp;language:</source>
        <translation>表示言語(&amp;L):</translation>
    </message>
    <message>
        <source>This PC&apos;s &amp;name:</source>
        <translation>このPCの名前(&amp;N):</translation>
    </message>
    <message>
        <source>The new language is used after you restart Rendo.</source>
        <translation>新しい言語は Rendo を再起動すると反映されます。</translation>
    </message>
</context>
<context>
    <name>ShareEditor</name>
    <message>
        <source>units</source>
        <translation>個</translation>
    </message>
    <message>
        <source>all</source>
        <translation>同数</translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>A percentage of sellable (rounded down)</source>
        <translation>販売可能数に対する割合（端数は切り捨て）</translation>
    </message>
    <message>
        <source>A fixed number of units</source>
        <translation>固定の個数</translation>
    </message>
    <message>
        <source>The whole sellable</source>
        <translation>販売可能数をそのまま表示（全店同数）</translation>
    </message>
    <message>
        <source>Nothing: this store shows 0</source>
        <translation>この店舗には表示しない（0）</translation>
    </message>
</context>
<context>
    <name>StatusParts</name>
    <message>
        <source>Database: {path}</source>
        <translation>データベース：{path}</translation>
    </message>
    <message>
        <source>{total} items ({sets} sets)</source>
        <translation>{total} 品目（うちセット {sets}）</translation>
    </message>
</context>
<context>
    <name>StatusSync</name>
    <message>
        <source>disabled</source>
        <translation>無効</translation>
    </message>
    <message>
        <source>waiting for the first-sync choice</source>
        <translation>初回同期の方法の選択待ち</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>stopped: enter new credentials</source>
        <translation>停止中: 新しい認証情報を入力してください</translation>
    </message>
    <message>
        <source>in step</source>
        <translation>同期済み</translation>
    </message>
    <message>
        <source>not synced yet</source>
        <translation>未同期</translation>
    </message>
    <message>
        <source>{name}: manual (not synced)</source>
        <translation>{name}：手動（同期なし）</translation>
    </message>
    <message>
        <source>last {time}</source>
        <translation>最終 {time}</translation>
    </message>
    <message>
        <source>No channels yet</source>
        <translation>店舗未登録</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>同期中…</translation>
    </message>
    <message>
        <source>Sync failing: {channels}</source>
        <translation>同期エラー：{channels}</translation>
    </message>
    <message>
        <source>First sync waits for you: {channels}</source>
        <translation>初回同期の選択待ち：{channels}</translation>
    </message>
    <message>
        <source>Manual channels only</source>
        <translation>手動店舗のみ</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>未同期</translation>
    </message>
    <message>
        <source>Synced {time}</source>
        <translation>同期済み {time}</translation>
    </message>
    <message>
        <source>next {time}</source>
        <translation>次回 {time}</translation>
    </message>
    <message>
        <source>{n} suspended</source>
        <translation>停止中 {n} 件</translation>
    </message>
</context>
<context>
    <name>StockModel</name>
    <message>
        <source>Code</source>
        <translation>コード</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>商品名</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>バリエーション</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>実在庫</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>確保在庫</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>販売可能数</translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation>発注点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Limited by</source>
        <translation>制限部品</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>無制限</translation>
    </message>
    <message>
        <source>Oversold</source>
        <translation>売り越し</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>在庫切れ</translation>
    </message>
    <message>
        <source>Backordered</source>
        <translation>バックオーダー</translation>
    </message>
    <message>
        <source>Low stock</source>
        <translation>在庫わずか</translation>
    </message>
    <message>
        <source>In stock</source>
        <translation>在庫あり</translation>
    </message>
    <message>
        <source>not confirmed by the channel yet</source>
        <translation>店舗での反映が未確認です</translation>
    </message>
    <message>
        <source>the last upload was refused</source>
        <translation>前回の在庫更新が拒否されました</translation>
    </message>
    <message>
        <source>suspended after repeated errors</source>
        <translation>エラーが続いたため停止中です</translation>
    </message>
    <message>
        <source>changed by hand on the channel</source>
        <translation>店舗側で手動変更されています</translation>
    </message>
    <message>
        <source>not found on the channel</source>
        <translation>店舗に見つかりません</translation>
    </message>
    <message>
        <source>What channel {name} shows</source>
        <translation>{name} に表示する在庫数</translation>
    </message>
    <message>
        <source>A set has no shelf stock: its sellable number comes from its components.</source>
        <translation>セット商品には棚在庫がありません。販売可能数は構成部品から計算されます。</translation>
    </message>
    <message>
        <source>{channel}: {state}</source>
        <translation>{channel}：{state}</translation>
    </message>
    <message>
        <source>Last error: {error}</source>
        <translation>最後のエラー：{error}</translation>
    </message>
    <message>
        <source>The channel shows {qty}.</source>
        <translation>店舗側の表示は {qty} です。</translation>
    </message>
    <message>
        <source>The component that limits how many sets can be sold</source>
        <translation>セットの販売可能数を制限している構成部品</translation>
    </message>
    <message>
        <source>A channel listing of this item needs attention.</source>
        <translation>この商品の出品に確認が必要です。</translation>
    </message>
</context>
<context>
    <name>SyncLeaderLabel</name>
    <message>
        <source>this PC</source>
        <translation>このPC</translation>
    </message>
    <message>
        <source>No PC is syncing now</source>
        <translation>現在同期しているPCはありません</translation>
    </message>
    <message>
        <source>Synced by {pc}</source>
        <translation>同期担当: {pc}</translation>
    </message>
    <message>
        <source>Synced by {pcs}</source>
        <translation>同期担当: {pcs}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>{pc} ({channels})</source>
        <translation>{pc}({channels})</translation>
    </message>
    <message>
        <source>{channel}: synced by {pc}</source>
        <translation>{channel}: {pc} が同期</translation>
    </message>
    <message>
        <source>{channel}: no PC syncs it now</source>
        <translation>{channel}: 現在同期しているPCはありません</translation>
    </message>
    <message>
        <source>Only one PC syncs each channel; when it sleeps or quits, another PC running Rendo takes over within 30 seconds. This PC&apos;s name: {name}</source>
        <translation>各チャネルを同期するのは1台のPCだけです。そのPCがスリープまたは終了すると、Rendo を起動しているほかのPCが30秒以内に引き継ぎます。このPCの名前: {name}</translation>
    </message>
</context>
<context>
    <name>SyncPanel</name>
    <message>
        <source>Sync</source>
        <translation>同期</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>店舗</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>最終同期</translation>
    </message>
    <message>
        <source>Next sync</source>
        <translation>次回同期</translation>
    </message>
    <message>
        <source>Listings</source>
        <translation>出品数</translation>
    </message>
    <message>
        <source>Orders read</source>
        <translation>取込注文</translation>
    </message>
    <message>
        <source>Uploads</source>
        <translation>在庫更新</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>エラー内容</translation>
    </message>
    <message>
        <source>Rate budget</source>
        <translation>API残り回数</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>今すぐ同期</translation>
    </message>
    <message>
        <source>Read new orders from every channel and upload the numbers now.</source>
        <translation>すべての店舗から新しい注文を読み込み、在庫数を今すぐ送信します。</translation>
    </message>
    <message>
        <source>Pause sync</source>
        <translation>同期を一時停止</translation>
    </message>
    <message>
        <source>While sync is paused Rendo neither reads orders nor uploads numbers: the channels may oversell. Resume as soon as you can.</source>
        <translation>一時停止中は注文の取り込みも在庫数の送信も行わないため、売り越しが起きることがあります。できるだけ早く再開してください。</translation>
    </message>
    <message>
        <source>Channel settings…</source>
        <translation>店舗の設定…</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Channel&apos;s item ID</source>
        <translation>店舗の商品ID</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>拒否回数</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>再試行</translation>
    </message>
    <message>
        <source>Send the selected listings to their channel again at once.</source>
        <translation>選んだ出品を、すぐにもう一度店舗へ送信します。</translation>
    </message>
    <message>
        <source>No stopped listings. Rendo stops a listing here when its channel refuses it several times in a row.</source>
        <translation>停止中の出品はありません。店舗から続けて拒否された出品は、送信を止めてここに表示します。</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>注文番号</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受信</translation>
    </message>
    <message>
        <source>Map to item…</source>
        <translation>商品に割り当て…</translation>
    </message>
    <message>
        <source>Tell Rendo which item this is; the waiting orders are then applied to it.</source>
        <translation>どの商品かを指定すると、待っている注文がその商品に適用されます。</translation>
    </message>
    <message>
        <source>Every order line is matched to an item.</source>
        <translation>未割当の注文はありません。</translation>
    </message>
    <message>
        <source>Channel shows</source>
        <translation>店舗の表示数</translation>
    </message>
    <message>
        <source>Rendo&apos;s number</source>
        <translation>Rendo の数</translation>
    </message>
    <message>
        <source>Last confirmed</source>
        <translation>最終確認</translation>
    </message>
    <message>
        <source>Take channel&apos;s number</source>
        <translation>店舗の数を採用</translation>
    </message>
    <message>
        <source>The number typed on the channel is right: record it as the item&apos;s on-hand count (a stocktake movement); the other channels follow.</source>
        <translation>店舗で入力された数が正しい場合：その数を実在庫として記録します（棚卸）。ほかの店舗にも反映されます。</translation>
    </message>
    <message>
        <source>Push ours</source>
        <translation>Rendoの数で上書き</translation>
    </message>
    <message>
        <source>Rendo&apos;s number is right: overwrite the channel&apos;s number with it.</source>
        <translation>Rendo の数が正しい場合：店舗の数を Rendo の数で上書きします。</translation>
    </message>
    <message>
        <source>No numbers were changed by hand on a channel.</source>
        <translation>店舗で手動変更された在庫数はありません。</translation>
    </message>
    <message>
        <source>Last successful sync: {when}</source>
        <translation>最後に成功した同期：{when}</translation>
    </message>
    <message>
        <source>No sync has succeeded yet.</source>
        <translation>まだ一度も同期に成功していません。</translation>
    </message>
    <message>
        <source>Failing ({n} times in a row)</source>
        <translation>エラー（{n}回連続）</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>未実施</translation>
    </message>
    <message>
        <source>Details: {message}</source>
        <translation>詳細：{message}</translation>
    </message>
    <message>
        <source>After new credentials</source>
        <translation>新しい認証情報の入力後</translation>
    </message>
    <message>
        <source>After your choice</source>
        <translation>選択後</translation>
    </message>
    <message>
        <source>Syncing now</source>
        <translation>同期中</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>一時停止中</translation>
    </message>
    <message>
        <source>Any moment</source>
        <translation>まもなく</translation>
    </message>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt; is connected but not synced yet. First choose whether Rendo takes the channel&apos;s numbers or uploads its own.</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt; は接続済みですが、まだ同期していません。まず、店舗の在庫数を採用するか、Rendo の在庫数で上書きするかを選んでください。</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>選ぶ…</translation>
    </message>
    <message>
        <source>Resume sync</source>
        <translation>同期を再開</translation>
    </message>
    <message>
        <source>Stopped listings</source>
        <translation>停止中の出品</translation>
    </message>
    <message>
        <source>Unmatched order lines</source>
        <translation>未割当の注文</translation>
    </message>
    <message>
        <source>Changed on the channel</source>
        <translation>手動変更の検出</translation>
    </message>
    <message>
        <source>{title} ({n})</source>
        <translation>{title}（{n}）</translation>
    </message>
    <message>
        <source>Not found on {channel}: check the id there, or map this item to the channel&apos;s own id</source>
        <translation>{channel} に見つかりません: 店舗側の商品IDを確認するか、この商品を店舗の商品IDに割り当ててください</translation>
    </message>
    <message>
        <source>{n} times</source>
        <translation>{n}回</translation>
    </message>
    <message>
        <source>Rendo last uploaded {n}; someone changed it on the channel.</source>
        <translation>Rendo が最後に送った数は {n} です。店舗側で変更されました。</translation>
    </message>
    <message>
        <source>{n} (cancelled)</source>
        <translation>{n}（キャンセル）</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>受付不可</translation>
    </message>
    <message>
        <source>Syncing every channel now…</source>
        <translation>すべての店舗と同期しています…</translation>
    </message>
    <message>
        <source>Sending {n} listing(s) again…</source>
        <translation>{n} 件の出品を再送しています…</translation>
    </message>
    <message>
        <source>Sending {n} listing(s) again.</source>
        <translation>{n} 件の出品をもう一度送信します。</translation>
    </message>
    <message>
        <source>Working on {n} item(s)…</source>
        <translation>{n} 件を処理しています…</translation>
    </message>
    <message>
        <source>Took the channel&apos;s number for {n} item(s).</source>
        <translation>{n} 件の商品で店舗の数を採用しました。</translation>
    </message>
    <message>
        <source>Uploading Rendo&apos;s number for {n} item(s).</source>
        <translation>{n} 件の商品を Rendo の数で上書きします。</translation>
    </message>
    <message>
        <source>{id} on {channel} is now {code}; {n} order line(s) applied.</source>
        <translation>{channel} の {id} を {code} に割り当て、注文 {n} 行を適用しました。</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>Click to open the sync panel.</source>
        <translation>クリックすると同期パネルを開きます。</translation>
    </message>
</context>
<context>
    <name>SyncSummary</name>
    <message>
        <source>{name}: {state} · last sync {last}</source>
        <translation>{name}：{state} · 最終同期 {last}</translation>
    </message>
    <message>
        <source> · {n} item(s) to check</source>
        <translation> · 要確認 {n} 件</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>同期中…</translation>
    </message>
    <message>
        <source>{name}: error</source>
        <translation>{name}：エラー</translation>
    </message>
    <message>
        <source> (+{n} more)</source>
        <translation>（他 {n} 店舗）</translation>
    </message>
    <message>
        <source>Database disconnected, retrying…</source>
        <translation>データベース切断中・再接続しています…</translation>
    </message>
    <message>
        <source>{name}: stopped, enter new credentials</source>
        <translation>{name}: 停止中、新しい認証情報を入力してください</translation>
    </message>
    <message>
        <source>Sync paused</source>
        <translation>同期を一時停止中</translation>
    </message>
    <message>
        <source>{name}: choose how to start</source>
        <translation>{name}：初回同期の選択待ち</translation>
    </message>
    <message>
        <source>No channel to sync</source>
        <translation>同期する店舗はありません</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>未同期</translation>
    </message>
    <message>
        <source>All channels OK · {time}</source>
        <translation>全店舗 OK · {time}</translation>
    </message>
</context>
<context>
    <name>SyncWords</name>
    <message>
        <source>Syncing…</source>
        <translation>同期中…</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Failing</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>Stopped: enter new credentials</source>
        <translation>停止中: 新しい認証情報を入力してください</translation>
    </message>
    <message>
        <source>Waiting for first-sync choice</source>
        <translation>初回同期の選択待ち</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>無効</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>未同期</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>一時停止中</translation>
    </message>
    <message>
        <source>Manual (not synced)</source>
        <translation>手動（同期なし）</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>手動</translation>
    </message>
    <message>
        <source>Sandbox shop</source>
        <translation>サンドボックス店舗</translation>
    </message>
    <message>
        <source>{n} listings to upload</source>
        <translation>アップロード待ち {n} 件</translation>
    </message>
    <message>
        <source>{n} listings to upload, about {hours} h {minutes} min</source>
        <translation>アップロード待ち {n} 件、あと約 {hours} 時間 {minutes} 分</translation>
    </message>
    <message>
        <source>{n} of {total} points left</source>
        <translation>{total} ポイント中 残り {n}</translation>
    </message>
    <message>
        <source>{n} of {total} calls left</source>
        <translation>{total} 回中 残り {n} 回</translation>
    </message>
    <message>
        <source>{month}/{day} {time}</source>
        <translation>{month}/{day} {time}</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n}秒</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n}分</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n}時間</translation>
    </message>
    <message>
        <source>{n} d</source>
        <translation>{n}日</translation>
    </message>
    <message>
        <source>{time}, in {span}</source>
        <translation>{time}（{span}後）</translation>
    </message>
    <message>
        <source>{time}, now</source>
        <translation>{time}（今）</translation>
    </message>
    <message>
        <source>{time} ({span} ago)</source>
        <translation>{time}（{span}前）</translation>
    </message>
    <message>
        <source>{codes} and {n} more</source>
        <translation>{codes} ほか {n} 件</translation>
    </message>
    <message>
        <source>The channel</source>
        <translation>店舗</translation>
    </message>
</context>
<context>
    <name>SyncWorker</name>
    <message>
        <source>Database</source>
        <translation>データベース</translation>
    </message>
</context>
<context>
    <name>TemplateSaver</name>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel ブック (*.xlsx)</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV ファイル (*.csv)</translation>
    </message>
    <message>
        <source>Save a template</source>
        <translation>テンプレートを保存</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Show Rendo</source>
        <translation>Rendo を表示</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>今すぐ同期</translation>
    </message>
    <message>
        <source>Pause sync</source>
        <translation>同期を一時停止</translation>
    </message>
    <message>
        <source>Quit Rendo</source>
        <translation>Rendo を終了</translation>
    </message>
    <message>
        <source>Rendo keeps syncing</source>
        <translation>Rendo は同期を続けています</translation>
    </message>
    <message>
        <source>The window is closed, but Rendo keeps your channels in sync from the tray. To stop it, choose Quit Rendo in the tray icon&apos;s menu.</source>
        <translation>ウィンドウを閉じても、Rendo は通知領域（タスクトレイ）で各店舗との同期を続けます。終了するには、トレイアイコンのメニューから「Rendo を終了」を選んでください。</translation>
    </message>
    <message>
        <source>Out of stock and low stock</source>
        <translation>在庫切れ・在庫僅少</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>在庫切れ</translation>
    </message>
    <message>
        <source>Low stock</source>
        <translation>在庫僅少</translation>
    </message>
    <message>
        <source>{item} is out of stock.</source>
        <translation>{item} が在庫切れになりました。</translation>
    </message>
    <message>
        <source>{item} is at or below its reorder point ({n} left to sell).</source>
        <translation>{item} が発注点以下になりました（販売可能数 {n}）。</translation>
    </message>
    <message>
        <source>{n} items are out of stock: {codes}</source>
        <translation>{n} 件の商品が在庫切れになりました：{codes}</translation>
    </message>
    <message>
        <source>{n} items are low on stock: {codes}</source>
        <translation>{n} 件の商品が発注点以下になりました：{codes}</translation>
    </message>
    <message>
        <source>{name}: sync stopped</source>
        <translation>{name}: 連動を停止しました</translation>
    </message>
    <message>
        <source>{reason} Until then, {name} may sell items that are gone.</source>
        <translation>{reason} それまでの間、{name} では在庫のない商品が売れてしまう可能性があります。</translation>
    </message>
    <message>
        <source>{name}: sync keeps failing</source>
        <translation>{name}：同期エラーが続いています</translation>
    </message>
    <message>
        <source>The last {n} syncs with {name} failed. {reason} Until it works again, {name} may sell items that are gone.</source>
        <translation>{name} との同期が {n} 回続けて失敗しました。{reason}同期が回復するまで、{name} で在庫のない商品が売れてしまうおそれがあります。</translation>
    </message>
    <message>
        <source>{name}: sync works again</source>
        <translation>{name}：同期が回復しました</translation>
    </message>
    <message>
        <source>Rendo synced with {name} again.</source>
        <translation>{name} と再び同期できました。</translation>
    </message>
    <message>
        <source>{name}: a credential has ended</source>
        <translation>{name}: 認証情報の有効期限が切れました</translation>
    </message>
    <message>
        <source>{name}: a credential ends soon</source>
        <translation>{name}: 認証情報の有効期限が近づいています</translation>
    </message>
    <message>
        <source>{ending}. {renew}</source>
        <translation>{ending}。{renew}</translation>
    </message>
</context>
<context>
    <name>UndoCommands</name>
    <message>
        <source>Set on hand of {code} to {count}</source>
        <translation>{code} の実在庫を {count} に変更</translation>
    </message>
    <message>
        <source>Undo movement {id} of {code}</source>
        <translation>{code} の入出庫 {id} を取り消し</translation>
    </message>
</context>
<context>
    <name>UnmatchedModel</name>
    <message>
        <source>Channel</source>
        <translation>店舗</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>注文番号</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>明細</translation>
    </message>
    <message>
        <source>Channel&apos;s item id</source>
        <translation>店舗の商品ID</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>受信日時</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>受付不可</translation>
    </message>
    <message>
        <source>{qty} (cancelled)</source>
        <translation>{qty}（キャンセル）</translation>
    </message>
</context>
<context>
    <name>UnmatchedPage</name>
    <message>
        <source>These order lines name an item id that Rendo does not know. Map each id to one of your items: the waiting lines are applied at once, and later orders follow the mapping.</source>
        <translation>これらの注文明細には、Rendo に登録されていない商品IDが書かれています。IDを商品に割り当てると、待機中の明細がすぐに在庫へ反映され、以後の注文もその割り当てに従います。</translation>
    </message>
    <message>
        <source>&amp;Map to item…</source>
        <translation>商品に割り当て(&amp;M)…</translation>
    </message>
    <message>
        <source>No unmatched order lines: every order found its item.</source>
        <translation>未割当の注文明細はありません。すべての注文が商品に対応しています。</translation>
    </message>
    <message>
        <source>Map to item</source>
        <translation>商品に割り当て</translation>
    </message>
    <message>
        <source>Item code for “{id}” on {channel}:</source>
        <translation>{channel} の「{id}」に対応する商品コード：</translation>
    </message>
    <message>
        <source>{count} waiting order lines applied to {code}.</source>
        <translation>待機中の注文明細 {count} 件を {code} に反映しました。</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <source>&amp;Undo</source>
        <translation>元に戻す(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>やり直し(&amp;R)</translation>
    </message>
    <message>
        <source>Undo: {what}</source>
        <translation>元に戻す：{what}</translation>
    </message>
    <message>
        <source>Redo: {what}</source>
        <translation>やり直し：{what}</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>取り込み(&amp;I)…</translation>
    </message>
    <message>
        <source>Import stock counts or master data from a .csv or .xlsx file (Ctrl+I)</source>
        <translation>CSV・Excel ファイルから在庫数や商品マスタを取り込みます (Ctrl+I)</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>書き出し(&amp;E)…</translation>
    </message>
    <message>
        <source>Write the stock list, reorder list, history… as CSV or Excel (Ctrl+E)</source>
        <translation>在庫一覧・発注リスト・履歴などを CSV や Excel に書き出します (Ctrl+E)</translation>
    </message>
    <message>
        <source>Save &amp;template…</source>
        <translation>テンプレートを保存(&amp;T)…</translation>
    </message>
    <message>
        <source>An empty file to fill in for an import</source>
        <translation>取り込み用の空のファイル</translation>
    </message>
    <message>
        <source>&amp;Change on hand…</source>
        <translation>実在庫を変更(&amp;C)…</translation>
    </message>
    <message>
        <source>Record a new on-hand count with its reason (F2)</source>
        <translation>新しい実在庫数を理由とともに記録します（F2）</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>検索(&amp;F)…</translation>
    </message>
    <message>
        <source>Item &amp;details</source>
        <translation>商品詳細(&amp;D)</translation>
    </message>
    <message>
        <source>Show the selected item&apos;s details (Enter)</source>
        <translation>選択した商品の詳細を表示します（Enter）</translation>
    </message>
    <message>
        <source>Set &amp;reserved…</source>
        <translation>確保在庫を設定(&amp;R)…</translation>
    </message>
    <message>
        <source>Set reorder &amp;point…</source>
        <translation>発注点を設定(&amp;P)…</translation>
    </message>
    <message>
        <source>Set &amp;backorder allowance…</source>
        <translation>バックオーダー(予約)可能数を設定(&amp;B)…</translation>
    </message>
    <message>
        <source>Make &amp;unlimited</source>
        <translation>無制限にする(&amp;U)</translation>
    </message>
    <message>
        <source>Make &amp;limited</source>
        <translation>無制限を解除(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Allocation pattern…</source>
        <translation>在庫配分パターン(&amp;A)…</translation>
    </message>
    <message>
        <source>How the selected items&apos; stock is split among channels when it is low</source>
        <translation>在庫が少ないとき、選択した商品の在庫を各店舗にどう配分するか</translation>
    </message>
    <message>
        <source>&amp;Display offset…</source>
        <translation>表示在庫設定(&amp;D)…</translation>
    </message>
    <message>
        <source>Show more, fewer or a fixed number on the channels</source>
        <translation>店舗に表示する在庫数を増やす・減らす・固定する</translation>
    </message>
    <message>
        <source>Edit &amp;set…</source>
        <translation>セット構成を編集(&amp;S)…</translation>
    </message>
    <message>
        <source>Components and quantities of the selected set</source>
        <translation>選択したセット商品の構成部品と数量</translation>
    </message>
    <message>
        <source>&amp;New set…</source>
        <translation>新しいセット商品(&amp;N)…</translation>
    </message>
    <message>
        <source>Make a set of items you already have</source>
        <translation>登録済みの商品を組み合わせてセット商品を作ります</translation>
    </message>
    <message>
        <source>N-&amp;pack sets…</source>
        <translation>まとめ売りセットを作成(&amp;P)…</translation>
    </message>
    <message>
        <source>Sets of 2, 3… of the selected item (まとめ売り)</source>
        <translation>選択した商品の 2 個・3 個…のセット（まとめ売り）を作ります</translation>
    </message>
    <message>
        <source>&amp;Sync now</source>
        <translation>今すぐ同期(&amp;S)</translation>
    </message>
    <message>
        <source>Read new orders and upload every channel&apos;s numbers now (F5)</source>
        <translation>新しい注文を読み込み、全店舗の在庫数を今すぐ送信します（F5）</translation>
    </message>
    <message>
        <source>&amp;Pause sync</source>
        <translation>同期を一時停止(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Channels…</source>
        <translation>店舗設定(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;About Rendo</source>
        <translation>Rendo について(&amp;A)</translation>
    </message>
    <message>
        <source>S&amp;ettings…</source>
        <translation>設定(&amp;E)…</translation>
    </message>
    <message>
        <source>Sync is not running in this window</source>
        <translation>このウィンドウでは同期は動いていません</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>編集(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Items</source>
        <translation>商品(&amp;I)</translation>
    </message>
    <message>
        <source>Change &amp;selected items</source>
        <translation>選択した商品を一括変更(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>Item &amp;panel</source>
        <translation>商品詳細パネル(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Sync</source>
        <translation>同期(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>メインツールバー</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>今すぐ同期</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>やり直し</translation>
    </message>
    <message>
        <source>Change on hand</source>
        <translation>実在庫を変更</translation>
    </message>
    <message>
        <source>Edit set</source>
        <translation>セット構成</translation>
    </message>
    <message>
        <source>Allocation</source>
        <translation>在庫配分</translation>
    </message>
    <message>
        <source>Display offset</source>
        <translation>表示在庫</translation>
    </message>
    <message>
        <source>Item panel</source>
        <translation>詳細パネル</translation>
    </message>
    <message>
        <source>Change selected</source>
        <translation>一括変更</translation>
    </message>
    <message>
        <source>Reserved, reorder point, backorders, unlimited, allocation pattern or display offset of every selected item</source>
        <translation>選択したすべての商品の確保在庫・発注点・バックオーダー・無制限・在庫配分パターン・表示在庫設定を変更します</translation>
    </message>
</context>
<context>
    <name>argparse</name>
    <message>
        <source>usage: </source>
        <translation>使い方: </translation>
    </message>
    <message>
        <source>positional arguments</source>
        <translation>引数</translation>
    </message>
    <message>
        <source>options</source>
        <translation>オプション</translation>
    </message>
    <message>
        <source>show this help message and exit</source>
        <translation>このヘルプを表示して終了する</translation>
    </message>
    <message>
        <source>argument %(argument_name)s: %(message)s</source>
        <translation>引数 %(argument_name)s: %(message)s</translation>
    </message>
    <message>
        <source>unrecognized arguments: %s</source>
        <translation>認識できない引数: %s</translation>
    </message>
    <message>
        <source>not allowed with argument %s</source>
        <translation>引数 %s と同時には指定できません</translation>
    </message>
    <message>
        <source>ignored explicit argument %r</source>
        <translation>指定された値 %r は使われません</translation>
    </message>
    <message>
        <source>the following arguments are required: %s</source>
        <translation>次の引数が必要です: %s</translation>
    </message>
    <message>
        <source>one of the arguments %s is required</source>
        <translation>引数 %s のどれかが必要です</translation>
    </message>
    <message>
        <source>expected one argument</source>
        <translation>値が 1 つ必要です</translation>
    </message>
    <message>
        <source>expected at most one argument</source>
        <translation>値は 1 つまでです</translation>
    </message>
    <message>
        <source>expected at least one argument</source>
        <translation>値が 1 つ以上必要です</translation>
    </message>
    <message>
        <source>expected %s argument</source>
        <translation>値が %s 個必要です</translation>
    </message>
    <message>
        <source>expected %s arguments</source>
        <translation>値が %s 個必要です</translation>
    </message>
    <message>
        <source>ambiguous option: %(option)s could match %(matches)s</source>
        <translation>あいまいなオプション: %(option)s は %(matches)s のどれにも当てはまります</translation>
    </message>
    <message>
        <source>unexpected option string: %s</source>
        <translation>想定外のオプション: %s</translation>
    </message>
    <message>
        <source>invalid %(type)s value: %(value)r</source>
        <translation>%(type)s の値として正しくありません: %(value)r</translation>
    </message>
    <message>
        <source>invalid choice: %(value)r (choose from %(choices)s)</source>
        <translation>選べない値です: %(value)r（%(choices)s から選んでください）</translation>
    </message>
    <message>
        <source>unknown parser %(parser_name)r (choices: %(choices)s)</source>
        <translation>不明なコマンド %(parser_name)r（選べるもの: %(choices)s）</translation>
    </message>
    <message>
        <source>can&apos;t open &apos;%(filename)s&apos;: %(error)s</source>
        <translation>&apos;%(filename)s&apos; を開けません: %(error)s</translation>
    </message>
</context>
</TS>

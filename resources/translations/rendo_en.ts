<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>movement {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{code}: on hand {cached} but movements add up to {ledger}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ledger ok</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>channel item</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>channel shows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rendo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>next {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listings {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>suspended {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>drift {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{channel}: waiting for the first sync choice: rendo channel first {channel} push|pull</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{channel}: orders {orders}, unmatched {unmatched}, uploaded {uploaded}, refused {refused}, drift {drift}{error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} waiting order lines applied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sandbox shop at {url} (Ctrl+C to stop)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AppMain</name>
    <message>
        <source>Rendo cannot open the database {location}:
{error}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The allocation pattern needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}: add at least one tier.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the condition cannot use a negative number ({value}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: channel {channel} is named twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: there is no channel called {channel}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the share of {channel} cannot be negative ({value}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: the percentages add up to {total}%, more than 100%.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}, tier {tier}: &quot;same as sellable&quot; cannot be mixed with percentages or fixed counts (the channels would sell more than there is).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}: channel {channel} is twice in the priority order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pattern {pattern}: the priority order names {channel}, which is not a channel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Condition {text!r} is not like &lt;=10, &lt;5, &gt;=3, =0 or *.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share {text!r} is not N%, a count, same or 0.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share {text!r} cannot be negative.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tier {text!r} is not like &quot;&lt;=10:A=50%,B=30%,C=20%&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In tier {text!r}, {part!r} is not CHANNEL=SHARE.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no item with code {code}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The item code is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The item code {code!r} contains a control character.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{what} of {code} cannot be negative (got {value}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Display offset {text!r} is not +N, -N, a fixed N or none.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order} line {line} on {channel} has a negative quantity ({qty}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set {code} needs at least one component.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set {code}: component {component} needs a quantity of 1 or more (got {quantity}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set {code}: component {component} is named twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set {code} would contain itself: {loop}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lines of different orders were given as one order ({order}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no channel called {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adjustment {text!r} is not +N, -N or =N.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An item with code {code} already exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backorder allowance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reorder point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{code} is a set: backorders are set on its components.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{code} has stock movements of its own, so it cannot become a set (a set has no shelf stock).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{code} is a set: it has no shelf stock of its own. Adjust its components instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{code}: on hand {on_hand} {change} would go below 0.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no movement {id}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Movement {id} comes from an order; cancel or change the order on its channel instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Movement {id} has already been undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undoing movement {id} would take {code} below 0 (on hand {on_hand}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel name {name!r} must not be empty or contain = , or :.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The maximum of channel {name} cannot be negative.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The unlimited number of channel {name} cannot be negative.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown channel type {type}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel {name} needs the address of its API (--url).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A channel called {name} already exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An allocation pattern called {name} already exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no allocation pattern called {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The first sync is push or pull, not {mode!r}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel {name} has already had its first sync.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel address {url} must start with https:// (plain http:// only to this PC, for the sandbox).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The credentials of channel {channel} could not be saved in the system&apos;s keyring ({kind}).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On hand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>

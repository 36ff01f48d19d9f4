<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name></name>
    <message numerus="yes">
        <source>%n items</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n movements</source>
        <translation>
            <numerusform>%n movement</numerusform>
            <numerusform>%n movements</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n channels</source>
        <translation>
            <numerusform>%n channel</numerusform>
            <numerusform>%n channels</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n listings</source>
        <translation>
            <numerusform>%n listing</numerusform>
            <numerusform>%n listings</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>rendo: … and %n more problems</source>
        <translation>
            <numerusform>rendo: … and %n more problem</numerusform>
            <numerusform>rendo: … and %n more problems</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n row</numerusform>
            <numerusform>%n rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n new items</source>
        <translation>
            <numerusform>%n new item</numerusform>
            <numerusform>%n new items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n movements reversed (batch {batch})</source>
        <translation>
            <numerusform>%n movement reversed (batch {batch})</numerusform>
            <numerusform>%n movements reversed (batch {batch})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n rows ({format})</source>
        <translation>
            <numerusform>{file}: %n row ({format})</numerusform>
            <numerusform>{file}: %n rows ({format})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{channel}: %n listings wait for the channel&apos;s allowance of calls (the next in {seconds} s)</source>
        <translation>
            <numerusform>{channel}: %n listing waits for the channel&apos;s allowance of calls (the next in {seconds} s)</numerusform>
            <numerusform>{channel}: %n listings wait for the channel&apos;s allowance of calls (the next in {seconds} s)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{channel}: {item} → {code}; %n waiting order lines applied</source>
        <translation>
            <numerusform>{channel}: {item} → {code}; %n waiting order line applied</numerusform>
            <numerusform>{channel}: {item} → {code}; %n waiting order lines applied</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message numerus="yes">
        <source>{file}: %n problems; nothing was imported.</source>
        <translation>
            <numerusform>{file}: %n problem; nothing was imported.</numerusform>
            <numerusform>{file}: %n problems; nothing was imported.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Import {file} cannot be undone: %n problems; nothing was changed.</source>
        <translation>
            <numerusform>Import {file} cannot be undone: %n problem; nothing was changed.</numerusform>
            <numerusform>Import {file} cannot be undone: %n problems; nothing was changed.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n cells hold characters {encoding} cannot write; nothing was written.</source>
        <translation>
            <numerusform>{file}: %n cell holds characters {encoding} cannot write; nothing was written.</numerusform>
            <numerusform>{file}: %n cells hold characters {encoding} cannot write; nothing was written.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file}: %n cells hold characters Excel cannot store; nothing was written.</source>
        <translation>
            <numerusform>{file}: %n cell holds characters Excel cannot store; nothing was written.</numerusform>
            <numerusform>{file}: %n cells hold characters Excel cannot store; nothing was written.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImportMappingPage</name>
    <message numerus="yes">
        <source>{file} ({read}): %n rows</source>
        <translation>
            <numerusform>{file} ({read}): %n row</numerusform>
            <numerusform>{file} ({read}): %n rows</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImportPreviewPage</name>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n row</numerusform>
            <numerusform>%n rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n new items</source>
        <translation>
            <numerusform>%n new item</numerusform>
            <numerusform>%n new items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n problems</source>
        <translation>
            <numerusform>%n problem</numerusform>
            <numerusform>%n problems</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>There are %n problems. Correct the file and import it again: nothing is changed until every row is right.</source>
        <translation>
            <numerusform>There is %n problem. Correct the file and import it again: nothing is changed until every row is right.</numerusform>
            <numerusform>There are %n problems. Correct the file and import it again: nothing is changed until every row is right.</numerusform>
        </translation>
    </message>
</context>
</TS>

# ruff: noqa: RUF001 - the corpus holds the look-alike characters attackers paste
"""A corpus of hostile strings and files: what `make fuzz` feeds every importer, parser, form
and API write besides the inputs hypothesis generates. Each entry is named, so a failure says
which one."""

from __future__ import annotations

import gzip
import io
import zipfile

# Strings: the hostile values a field, a name, a header or a cell may hold.
HOSTILE_STRINGS: dict[str, str] = {
    "empty": "",
    "spaces": "   ",
    "nul": "a\x00b",
    "only nul": "\x00",
    "controls": "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "c1 controls": "\x85\x9b31m\x9c",
    "ansi escape": "\x1b[31mred\x1b[0m\x07",
    "rtl override": "\u202etxt.exe",
    "bidi isolates": "\u2066a\u2069\u2067b\u2069\u2068c\u2069",
    "zero width": "ma\u200bybe\u200d\ufeff",
    "line separators": "one\u2028two\u2029three\x0bfour\x0cfive\r\nsix",
    "html script": '<script>alert("x")</script>',
    "html img": '<img src=x onerror="alert(1)">',
    "javascript url": "javascript:alert(document.cookie)",
    "markdown link": "[click](https://evil.example/)",
    "markdown image": "![](https://tracker.example/pixel.gif)",
    "markdown code": "``` `x` ```",
    "shell substitution": "$(touch owned)",
    "shell backticks": "`touch owned`",
    "shell separators": "a; touch owned && rm -rf x || true | cat > f &",
    "shell newline": "NoSrc\ntouch owned\n#",
    "shell quotes": "a'b\"c\\d",
    "placeholders": "{source} {scenes} %s %(x)s {0}",
    "csv formula": '=HYPERLINK("http://evil.example","x")',
    "csv formula plus": "+1+cmd|' /C calc'!A0",
    "sql": "'; DROP TABLE errata_comment; --",
    "path traversal": "../../../../etc/passwd",
    "huge number": "9" * 5000,
    "huge negative": "-" + "9" * 400,
    "float overflow": "1e999999",
    "nan": "NaN",
    "infinity": "-Infinity",
    "time look-alike": "99999999:99:99",
    "many colons": ":" * 5000,
    "long word": "a" * 20_000,
    "long line": "word " * 60_000,
    "emoji": "👍🏽🧑‍🔬 " * 50,
    "combining": "e" + "\u0301" * 500,
    "replacement chars": "\ufffd\ufffe\uffff",
    "unicode digits": "٣:٤٥ ６:０３ ³²",
    "format string": "%n%n%n %x %s {0!r:>{1}}",
    "xml entity": "&lt;&amp;&#0;&#x110000;",
}


def deep_json(depth: int, *, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# Request bodies: deep nesting, huge numbers, constants JSON does not have, NUL and junk.
HOSTILE_JSON: dict[str, bytes] = {
    "nested arrays 100k": deep_json(100_000).encode(),
    "nested objects 50k": deep_object(50_000).encode(),
    "nested 65": deep_json(65).encode(),
    "huge integer": b'{"text": 1' + b"0" * 5000 + b"}",
    "huge float": b'{"timestamp_s": 1e999999, "text": "x"}',
    "nan": b'{"timestamp_s": NaN, "text": "x"}',
    "nul in string": b'{"text": "a\\u0000b", "name": "x\\u0000"}',
    "raw nul": b'{"text": "a\x00b"}',
    "lone surrogate": b'{"text": "\\udc00"}',
    "not utf-8": b'{"text": "\xff\xfe"}',
    "truncated": b'{"text": "abc',
    "array not object": b"[1, 2, 3]",
    "string not object": b'"text"',
    "duplicate keys": b'{"text": "a", "text": "b"}',
    "empty": b"",
    "whitespace": b" \n\t ",
    "bom": b'\xef\xbb\xbf{"text": "x"}',
}


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("comments.csv", b"\x00" * (20 * 1024 * 1024))
    return buffer.getvalue()


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<xmeml><sequence><name>&lol9;</name></sequence></xmeml>\n"
)

EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    "<xmeml><sequence><name>&xxe;</name></sequence></xmeml>\n"
)


def hostile_files() -> dict[str, bytes]:
    """Files for every reader: bombs, deep nesting, giant lines, binary junk, and each hostile
    string in a cell, a line and a JSON field."""
    files: dict[str, bytes] = {
        "empty": b"",
        "zip bomb": _zip_bomb(),
        "gzip bomb": gzip.compress(b"\x00" * (20 * 1024 * 1024)),
        "binary": bytes(range(256)) * 64,
        "not utf-8": b"author,text\nAda,\xff\xfe\xfa broken\n",
        "giant line": b"author,text\nAda," + b"x" * (1024 * 1024) + b"\n",
        "giant line no newline": b"y" * (1024 * 1024),
        "many empty lines": b"\n" * 200_000,
        "deep json": deep_json(100_000).encode(),
        "deep json in items": b'{"items": [' + deep_json(100_000).encode() + b"]}",
        "deep object in snippet": b'{"items":[{"snippet":' + deep_object(50_000).encode() + b"}]}",
        "huge integer id": b'{"items":[{"id":' + b"9" * 100_000 + b"}]}",
        "billion laughs": BILLION_LAUGHS.encode(),
        "external entity": EXTERNAL_ENTITY.encode(),
        "deep xml": ("<a>" * 100_000 + "</a>" * 100_000).encode(),
        "csv quote never closed": b'author,text\nAda,"never closed\n' + b"more\n" * 1000,
        "csv huge timestamp": b"author,text,timestamp\nAda,hi," + b"9" * 5000 + b"\n",
        "csv reply loop": b"external_id,parent_id,text\na,b,x\nb,c,y\nc,a,z\n",
        "csv self reply": b"external_id,parent_id,text\na,a,x\n",
        "patreon timestamp junk": b"Comments\n\ntimestamp: " + b"9" * 5000 + b"\n\nhello\n",
        "manim deep unary": ("-" * 200_000 + "1").encode(),
        "manim deep parens": ("(" * 5000 + ")" * 5000).encode(),
        "manim deep lists": ("x = " + "[" * 100_000 + "]" * 100_000).encode(),
        "manim class loop": b"class A(B):\n pass\nclass B(A):\n pass\n",
        "otio deep": deep_json(50_000).encode(),
        "otio wrong schema": b'{"OTIO_SCHEMA": "Timeline.1", "tracks": '
        + b"[" * 60
        + b"]" * 60
        + b"}",
        "edl junk event": (
            b"TITLE: x\n001  AX V C 00:00:00:00 99:99:99:99 00:00:00:00 00:00:01:00\n"
        ),
    }
    for name, value in HOSTILE_STRINGS.items():
        encoded = value.encode("utf-8", "surrogatepass")
        cell = encoded.replace(b'"', b'""')
        files[f"csv cell: {name}"] = (
            b'external_id,author,text,timestamp,created_at\n1,"'
            + cell
            + b'","'
            + cell
            + b'","'
            + cell
            + b'","'
            + cell
            + b'"\n'
        )
        files[f"paste: {name}"] = b"Comments\n\n" + encoded + b"\n\nAda Lovelace\n"
        files[f"youtube: {name}"] = (
            b'{"items":[{"id":"t1","snippet":{"channelId":"c","topLevelComment":{"id":"'
            + cell.replace(b"\\", b"\\\\")[:200]
            + b'","snippet":{"textOriginal":"'
            + encoded.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
            + b'","authorDisplayName":"x","publishedAt":"2017-10-05T14:30:00Z"}}}}]}'
        )
        files[f"timeline csv: {name}"] = b'"' + cell + b'",0,10\n'
        files[f"manim: {name}"] = b"class " + encoded[:200] + b"(Scene):\n    pass\n"
    return files

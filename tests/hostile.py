"""What an editor (or a compromised account) might type where the public reads it: each must reach
every reader as the very text typed, never as markup that a page, a feed reader or a spreadsheet runs."""

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    # Already escaped once: a reader that decodes one level too many would get live markup.
    "&lt;img src=x onerror=alert(1)&gt;",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
]

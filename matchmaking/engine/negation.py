"""What a participant says they do not want is not an interest.

"Em không thích lập trình, em thích vẽ tranh" (I don't like programming, I like painting) names
programming; read as a bag of words it was an interest in programming, and the student was offered
programming events second and fourth. A participant's text is read with its negated clauses taken out
(``without_negated``, applied by ``vectors.participant_document``): from a cue of dislike ("không thích",
"ghét", "don't like", "not interested in") to the end of its clause, which is the next line break or
stop, comma, semicolon, colon, question or exclamation mark, a word that turns the sentence ("nhưng",
"còn", "but", "instead") or a word of liking that starts a new wish ("em thích", "I love").

Only participants' texts: a posting that says "không cần biết lập trình" (no programming needed) or
"no experience required" says something of its audience, not of its subject, and is read whole.
Narrow by design: "không biết lập trình nhưng muốn học" (I can't code yet but want to learn) and "not
only coding but also design" keep everything, because "không biết" and "not only" are no cue of
dislike. Cues and turns are matched as whole words, in any case, with or without Vietnamese marks.
"""

from __future__ import annotations

import re

# A cue of dislike: Vietnamese as written or typed bare, then English.
_CUES = [
    r"(?:không|khong|chẳng|chả) (?:thích|thich|muốn|muon|ưa|ua|hứng thú|hung thu|quan tâm|quan tam|mê|yêu)",
    r"ghét|ghet",
    r"(?:do not|don't|dont|doesn't|does not|didn't|never) (?:like|love|enjoy|want|care for)",
    r"dislikes?|hates?",
    r"not (?:interested|into|keen|a fan)",
    r"no interest",
]
# What ends a negated clause besides a break: a turn, or a new wish.
_TURNS = [
    r"nhưng|nhung|còn|tuy nhiên|tuy nhien|thay vào đó|thay vao do|mà là|ma la",
    r"(?:em|mình|minh|tôi|toi|con|tớ|to) (?:thích|thich|muốn|muon|mê|yêu|yeu|đam mê|dam me)",
    r"but|however|instead|rather|though|whereas",
    r"i (?:like|love|prefer|enjoy|want|am interested|'m interested)",
]
_CUE = re.compile(rf"(?<!\w)(?:{'|'.join(_CUES)})(?!\w)", re.IGNORECASE)
_END = re.compile(rf"[\n.,;:!?]|(?<!\w)(?:{'|'.join(_TURNS)})(?!\w)", re.IGNORECASE)


def without_negated(text: str) -> str:
    """``text`` with each negated clause, its cue included, replaced by a line break (so that the words
    on either side do not join into one phrase)."""
    if not _CUE.search(text):
        return text
    out, at = [], 0
    while (cue := _CUE.search(text, at)) is not None:
        end = _END.search(text, cue.end())
        stop = end.start() if end is not None else len(text)
        out.append(text[at : cue.start()])
        out.append("\n")
        at = stop
    out.append(text[at:])
    return "".join(out)

"""The short-keyword index's text (migration 0006), shared by the database layer,
which registers short_keys on every SQLite connection for the index's triggers, and
by crm.queries.search, which looks keywords up in it. No imports from the app."""

from __future__ import annotations

# Ends every piece in <table>_short_fts; a control character no one types, and
# short_keys drops it from the text, so a trigram ending in it is a real piece.
SHORT_END = "\x1f"
SHORT_KEYS_FUNCTION = "search_short_keys"  # name the triggers of migration 0006 call
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def short_keys(*texts: str | None) -> str:
    """The text <table>_short_fts indexes for a row's searchable columns: SHORT_END,
    then each distinct character followed by SHORT_END, then each distinct pair of
    neighbouring characters (within one column) followed by SHORT_END.

    Under the trigram tokenizer, "␟c␟" occurs only for a character c of the text
    and "ab␟" only for a pair ab (every other trigram has SHORT_END elsewhere).
    ASCII letters are folded here, as SQLite's LIKE folds them, and the table is
    case-sensitive, so no other folding creeps in. Deterministic and stable: the
    delete trigger recomputes a row's text to remove it from the (contentless)
    index, so changing this function needs a migration that rebuilds the tables.
    """
    chars: set[str] = set()
    pairs: set[str] = set()
    for text in texts:
        if not text:
            continue
        text = str(text).replace(SHORT_END, "").translate(_ASCII_LOWER)
        chars.update(text)
        pairs.update(text[i:i + 2] for i in range(len(text) - 1))
    return SHORT_END + "".join(c + SHORT_END for c in sorted(chars)) + "".join(
        p + SHORT_END for p in sorted(pairs))


def short_key(q: str) -> str:
    """The trigram of short_keys that marks a keyword of one or two characters."""
    q = q.translate(_ASCII_LOWER)
    return SHORT_END + q + SHORT_END if len(q) == 1 else q + SHORT_END


def register_sqlite_functions(dbapi_connection) -> None:
    """Called by crm.db on every new SQLite connection (the triggers need it)."""
    dbapi_connection.create_function(SHORT_KEYS_FUNCTION, -1, short_keys, deterministic=True)


# --- the pickers' lookup keys (migration 0020) ----------------------------------------
LOOKUP_KEYS_MAX = 600  # characters kept in <table>.lookup_keys
_DROPPED = str.maketrans("", "", " \t()（）[]【】〔〕<>《》「」'\"“”‘’·.,，、-—_/")


def lookup_keys(name: str | None) -> str:
    """What a picker also finds a row by, besides its name's own text: the name's
    pinyin initials (长春高新技术 → ccgxjs) and the name without brackets, spaces and
    punctuation in lower case (吉林亚泰（集团） → 吉林亚泰集团, so 亚泰集团 finds it).
    Stored in ``lookup_keys`` and searched as a substring; a name's ordinary text is
    searched through the list's keyword index (crm.queries.search)."""
    if not name:
        return ""
    import unicodedata

    from pypinyin import Style, lazy_pinyin  # only where keys are computed (slow import)

    key = unicodedata.normalize("NFKC", str(name)).lower().translate(_DROPPED)
    # a Han character gives its first letter; other text comes back as written
    initials = "".join(lazy_pinyin(key, style=Style.FIRST_LETTER))
    return f"{initials.lower()} {key}"[:LOOKUP_KEYS_MAX]

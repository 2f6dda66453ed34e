#!/usr/bin/env python3
"""check_merged.py FEEDWRIGHT_RSS MANIFEST_JSON [BASELINE_RSS]

"Same merged item set": compares the item links of feedwright's merged
channel (OUT/merged/rss.xml) with manifest.json's `newest_unique_links` (the
100 newest links after dedupe, computed by gen-corpus.py) and, if given,
with baseline_merge.py's merged.rss.xml. For each pair it prints OK or
MISMATCH, both counts, how many links only one side has (the first few of
them), and whether the order also matches (first differing position).
Exit status 0 when every comparison is OK, 1 otherwise.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def rss_links(path):
    if not os.path.exists(path):
        return None
    return [(el.findtext("link") or "").strip() for el in ET.parse(path).getroot().iter("item")]


def compare(name_a, a, name_b, b, show=5):
    if a is None or b is None:
        print("  MISMATCH %s vs %s: missing file (%s)" % (name_a, name_b, name_a if a is None else name_b))
        return False
    sa, sb = set(a), set(b)
    ok = sa == sb and len(a) == len(b)
    order = "same order" if a == b else "order differs"
    if a != b:
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        order += " (first at position %d: %s vs %s)" % (
            i + 1, a[i] if i < len(a) else "-", b[i] if i < len(b) else "-")
    print("  %-8s %s %d vs %s %d items; only %s: %d, only %s: %d; %s%s" % (
        "OK" if ok else "MISMATCH", name_a, len(a), name_b, len(b), name_a, len(sa - sb),
        name_b, len(sb - sa), order,
        "" if len(sa) == len(a) else "; %s has %d duplicate links" % (name_a, len(a) - len(sa))))
    if not ok:
        for label, only, src in ((name_a, sa - sb, a), (name_b, sb - sa, b)):
            if only:
                first = [l for l in src if l in only][:show]
                print("           only %s (first %d, in its order): %s" % (label, len(first), ", ".join(first)))
    return ok


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    fw = rss_links(argv[0])
    with open(argv[1], encoding="utf-8") as fh:
        expected = json.load(fh)["newest_unique_links"]
    ok = compare("feedwright", fw, "manifest", expected)
    if len(argv) == 3:
        ok = compare("feedwright", fw, "baseline", rss_links(argv[2])) and ok
    print("same merged item set: %s" % ("OK" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

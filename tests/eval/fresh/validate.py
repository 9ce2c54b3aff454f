"""Check questions.jsonl against corpus/: every line parses; every non-null expected is 4-15 words,
occurs exactly once in exactly one corpus file, within a single source line, with no markup characters.
Prints OK (exit 0) or PROBLEMS (exit 1) last."""
import json, os, re, collections, sys
D = os.path.dirname(os.path.abspath(__file__))
corpus = {n: open(os.path.join(D, "corpus", n), encoding="utf-8").read() for n in sorted(os.listdir(os.path.join(D, "corpus")))}
bad = 0; na = nu = 0; perdoc = collections.Counter(); qs = set()
for i, line in enumerate(open(os.path.join(D, "questions.jsonl"), encoding="utf-8"), 1):
    try:
        r = json.loads(line)
    except ValueError as ex:
        bad += 1; print(i, "bad json", ex); continue
    if not isinstance(r, dict) or set(r) != {"question", "expected"} or not isinstance(r["question"], str) \
            or not (r["expected"] is None or isinstance(r["expected"], str)):
        bad += 1; print(i, "keys or types"); continue
    if r["question"] in qs:
        bad += 1; print(i, "dup question"); continue
    qs.add(r["question"])
    e = r["expected"]
    if e is None:
        nu += 1; continue
    na += 1
    files = [n for n, t in corpus.items() if e in t]
    occ = sum(t.count(e) for t in corpus.values())
    lines = [n for n, t in corpus.items() for l in t.splitlines() if e in l]
    wc = len(e.split())
    probs = []
    if len(files) != 1: probs.append(f"files={files}")
    if occ != 1: probs.append(f"occ={occ}")
    if len(lines) != 1: probs.append("not within one line")
    if not 4 <= wc <= 15: probs.append(f"words={wc}")
    if re.search(r"[<>&`*\[\]]", e): probs.append("markup char")
    if probs: bad += 1; print(i, e, probs)
    else: perdoc[files[0]] += 1
print("answerable", na, "unanswerable", nu, "bad", bad, dict(perdoc))
print("OK" if not bad else "PROBLEMS")
sys.exit(1 if bad else 0)

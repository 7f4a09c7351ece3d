# text processing: build a synthetic text, then tokenise, count words in dicts, build an
# index, format a report and do find/replace/join work (str- and dict-heavy).
import sys

WORDS = 400000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    WORDS //= 50

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua", "bri", "sto"]


def make_text(n):
    state = 7
    words = []
    for i in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        k = 1 + (state >> 8) % 3
        w = "".join(SYLLABLES[(state >> (4 * j + 3)) % len(SYLLABLES)] for j in range(k))
        if (state >> 20) % 11 == 0:
            w = w.capitalize()
        words.append(w)
        if i % 13 == 12:
            words[-1] += "."
        elif i % 7 == 6:
            words[-1] += ","
    lines = []
    for i in range(0, len(words), 12):
        lines.append(" ".join(words[i : i + 12]))
    return "\n".join(lines)


def tokenise(text):
    out = []
    for line in text.splitlines():
        for tok in line.split():
            tok = tok.strip(".,").lower()
            if tok:
                out.append(tok)
    return out


def count(tokens):
    freq = {}
    for t in tokens:
        freq[t] = freq.get(t, 0) + 1
    return freq


def index(text):
    where = {}
    for lineno, line in enumerate(text.split("\n")):
        for tok in line.split():
            key = tok.strip(".,").lower()
            where.setdefault(key, []).append(lineno)
    return where


def bigrams(tokens):
    pairs = {}
    for a, b in zip(tokens, tokens[1:]):
        key = a + " " + b
        pairs[key] = pairs.get(key, 0) + 1
    return pairs


def report(freq, top):
    items = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    rows = [f"{w:<12}|{n:>6}|{n * 100 / len(freq):8.2f}" for w, n in items]
    return "\n".join(rows)


text = make_text(WORDS)
tokens = tokenise(text)
freq = count(tokens)
where = index(text)
pairs = bigrams(tokens)
print(report(freq, 5))
print(len(tokens), len(freq), len(pairs), max(pairs.values()))
print(sum(len(v) for v in where.values()), where[tokens[0]][:5])
replaced = text.replace("ka", "KA").replace("sto", "")
print(len(replaced), replaced.count("KA"), text.find("quabri"), text.rfind("zeze"))
caps = [w for w in text.split() if w[:1].isupper()]
print(len(caps), "-".join(caps[:4]).upper(), text[:40].title())
acc = 0
for w in tokens[:20000]:
    acc = (acc * 31 + len(w.encode()) + ord(w[-1])) % 1000000007
print(acc, "%s|%r|%d" % (tokens[1], tokens[2], len(text)))

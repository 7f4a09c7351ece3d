# go-like search: random playouts on a small Go board with groups, liberties, captures and
# a no-suicide rule, choosing the opening move with the best playout score.
import sys

SIZE = 7
PLAYOUTS = 6
CANDIDATES = SIZE * SIZE
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    PLAYOUTS, CANDIDATES = 1, 6
EMPTY, BLACK, WHITE = 0, 1, 2


class Rng:
    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


class Board:
    def __init__(self, size):
        self.size = size
        self.cells = [EMPTY] * (size * size)
        self.neighbours = []
        for p in range(size * size):
            r, c = divmod(p, size)
            ns = []
            if r > 0:
                ns.append(p - size)
            if r < size - 1:
                ns.append(p + size)
            if c > 0:
                ns.append(p - 1)
            if c < size - 1:
                ns.append(p + 1)
            self.neighbours.append(ns)

    def copy(self):
        b = Board.__new__(Board)
        b.size = self.size
        b.cells = self.cells[:]
        b.neighbours = self.neighbours
        return b

    def group(self, p):
        colour = self.cells[p]
        stones = {p}
        liberties = set()
        todo = [p]
        while todo:
            q = todo.pop()
            for n in self.neighbours[q]:
                v = self.cells[n]
                if v == EMPTY:
                    liberties.add(n)
                elif v == colour and n not in stones:
                    stones.add(n)
                    todo.append(n)
        return stones, liberties

    def play(self, p, colour):
        if self.cells[p] != EMPTY:
            return False
        self.cells[p] = colour
        enemy = 3 - colour
        captured = 0
        for n in self.neighbours[p]:
            if self.cells[n] == enemy:
                stones, libs = self.group(n)
                if not libs:
                    for s in stones:
                        self.cells[s] = EMPTY
                    captured += len(stones)
        if not captured:
            _, libs = self.group(p)
            if not libs:
                self.cells[p] = EMPTY
                return False
        return True

    def is_eye(self, p, colour):
        return all(self.cells[n] == colour for n in self.neighbours[p])

    def score(self, colour):
        total = 0
        for p, v in enumerate(self.cells):
            if v == colour:
                total += 1
            elif v == EMPTY and self.is_eye(p, colour):
                total += 1
        return total


def playout(board, colour, rng):
    passes = 0
    moves = 0
    while passes < 2 and moves < 200:
        empties = [p for p, v in enumerate(board.cells) if v == EMPTY and not board.is_eye(p, colour)]
        played = False
        while empties:
            i = rng.below(len(empties))
            p = empties[i]
            empties[i] = empties[-1]
            empties.pop()
            if board.play(p, colour):
                played = True
                break
        passes = 0 if played else passes + 1
        colour = 3 - colour
        moves += 1
    return board.score(BLACK) - board.score(WHITE), moves


def best_move(board, rng):
    best, best_score = None, None
    total_moves = 0
    for p in range(CANDIDATES):
        trial = board.copy()
        if not trial.play(p, BLACK):
            continue
        score = 0
        for _ in range(PLAYOUTS):
            s, m = playout(trial.copy(), WHITE, rng)
            score += s
            total_moves += m
        if best_score is None or score > best_score:
            best, best_score = p, score
    return best, best_score, total_moves


rng = Rng(2024)
board = Board(SIZE)
print(best_move(board, rng))

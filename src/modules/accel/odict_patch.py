# The C OrderedDict view names for collections' pure OrderedDict: run by
# src/modules/collections/odict.rs with the views as globals K, I, V and the
# class as O (compiled by scripts/gen_accel.py).
def __repr__(self):
    return f'{type(self).__name__}({list(self)!r})'
for cls, name in ((K, 'odict_keys'), (I, 'odict_items'), (V, 'odict_values')):
    cls.__name__ = cls.__qualname__ = name
    cls.__module__ = 'builtins'
    cls.__repr__ = __repr__
def __iter__(self):
    root = self._OrderedDict__root
    links = self._OrderedDict__map
    size = len(links)
    curr = root.next
    while curr is not root:
        step = curr.next
        yield curr.key
        if len(links) != size or curr.next is not step:
            raise RuntimeError('OrderedDict mutated during iteration')
        curr = step
def __reversed__(self):
    root = self._OrderedDict__root
    links = self._OrderedDict__map
    size = len(links)
    curr = root.prev
    while curr is not root:
        step = curr.prev
        yield curr.key
        if len(links) != size or curr.prev is not step:
            raise RuntimeError('OrderedDict mutated during iteration')
        curr = step
for f in (__iter__, __reversed__):
    f.__qualname__ = 'OrderedDict.' + f.__name__
    setattr(O, f.__name__, f)

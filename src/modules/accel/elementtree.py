# pycvm's _elementtree: xml.etree.ElementTree's pure-Python classes with
# what a program sees of CPython's C Element, SubElement, TreeBuilder and
# XMLParser: keys() and items() are lists, itertext() also yields the text
# of comments and processing instructions, truth is len() without a
# FutureWarning, expat's character data reaches a target unbuffered, and a
# ParseError is raised straight from the parser (no chained ExpatError).
import sys as _sys

_ET = _sys.modules["xml.etree.ElementTree"]
ParseError = _ET.ParseError
TreeBuilder = _ET.TreeBuilder
_factories = (None, None)

__all__ = ["Element", "SubElement", "TreeBuilder", "XMLParser", "ParseError"]


def _need(what, value, cls, cname):
    if not isinstance(value, cls):
        got = "None" if value is None else type(value).__name__
        raise TypeError(f"{what} must be {cname}, not {got}")


_ELEMENT = "xml.etree.ElementTree.Element"


def _check_element(value):
    if not isinstance(value, Element):
        raise TypeError(f'expected an Element, not "{type(value).__name__}"')


def _child_index(index):
    if not hasattr(type(index), "__index__"):
        raise TypeError("element indices must be integers")
    return index.__index__()


def _attrib_keyword(extra):
    """C's get_attrib_from_keywords: an `attrib` keyword must be a dict."""
    if "attrib" not in extra:
        return {}
    attrib = extra.pop("attrib")
    if not isinstance(attrib, dict):
        raise TypeError(f"attrib must be dict, not {type(attrib).__name__}")
    return attrib


class Element(_ET.Element):
    __module__ = "xml.etree.ElementTree"

    def __init__(self, *args, **extra):
        if not 1 <= len(args) <= 2:
            raise TypeError(f"Element() takes {'at least 1 argument' if not args else 'at most 2 arguments'}"
                            f" ({len(args)} given)")
        if len(args) == 2:
            _need("Element() argument 2", args[1], dict, "dict")
            attrib = args[1]
        else:
            attrib = _attrib_keyword(extra)
        super().__init__(args[0], {**attrib, **extra})

    def __repr__(self):
        return f"<Element {self.tag!r} at {id(self):#x}>"

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._children[index]
        i = _child_index(index)
        try:
            return self._children[i]
        except IndexError:
            pass
        raise IndexError("child index out of range")

    def __setitem__(self, index, element):
        if isinstance(index, slice):
            element = list(element)
            for e in element:
                _check_element(e)
            self._children[index] = element
            return
        i = _child_index(index)
        _check_element(element)
        try:
            self._children[i] = element
            return
        except IndexError:
            pass
        raise IndexError("child assignment index out of range")

    def __delitem__(self, index):
        if isinstance(index, slice):
            del self._children[index]
            return
        i = _child_index(index)
        try:
            del self._children[i]
            return
        except IndexError:
            pass
        raise IndexError("child assignment index out of range")

    def __bool__(self):
        return len(self._children) != 0

    def makeelement(self, tag, attrib):
        _need("makeelement() argument 2", attrib, dict, "dict")
        return Element(tag, attrib)

    def append(self, subelement):
        _need("append() argument", subelement, Element, _ELEMENT)
        self._children.append(subelement)

    def insert(self, index, subelement):
        _need("insert() argument 2", subelement, Element, _ELEMENT)
        self._children.insert(index, subelement)

    def remove(self, subelement):
        _need("remove() argument", subelement, Element, _ELEMENT)
        self._children.remove(subelement)

    def extend(self, elements):
        for element in elements:
            _check_element(element)
            self._children.append(element)

    def keys(self):
        return list(self.attrib)

    def items(self):
        return list(self.attrib.items())

    def itertext(self):
        t = self.text
        if t:
            yield t
        for e in self._children:
            yield from Element.itertext(e)
            t = e.tail
            if t:
                yield t


Element.__qualname__ = "Element"


def SubElement(parent, tag, *args, **extra):
    _need("SubElement() argument 1", parent, Element, _ELEMENT)
    if len(args) > 1:
        raise TypeError(f"SubElement() takes at most 3 arguments ({len(args) + 2} given)")
    if args:
        attrib = args[0]
        _need("SubElement() argument 3", attrib, dict, "dict")
    else:
        attrib = _attrib_keyword(extra)
    element = Element(tag, {**attrib, **extra})
    parent.append(element)
    return element


def _parse_error(value):
    err = ParseError(value)
    err.code = value.code
    err.position = value.lineno, value.offset
    return err


class XMLParser(_ET.XMLParser):
    __module__ = "xml.etree.ElementTree"

    def __init__(self, *, target=None, encoding=None):
        super().__init__(target=target, encoding=encoding)
        self.parser.buffer_text = 0

    def feed(self, data):
        try:
            self.parser.Parse(data, False)
        except self._error as v:
            err = _parse_error(v)
        else:
            return
        raise err

    def close(self):
        try:
            self.parser.Parse(b"", True)
        except self._error as v:
            err = _parse_error(v)
        else:
            err = None
        if err is not None:
            raise err
        try:
            close_handler = self.target.close
        except AttributeError:
            return None
        return close_handler()


XMLParser.__qualname__ = "XMLParser"


def _set_factories(comment_factory, pi_factory):
    global _factories
    old, _factories = _factories, (comment_factory, pi_factory)
    return old

/* The bulk path's line scanner, compiled when a C compiler is at hand (optional).
 *
 * One pass over a chunk of complete lines does what analyzer.fastparse_mask does with polars:
 * split lines, find the lines holding a trigger literal (or longer than the line cap), the
 * lines holding a block opener and the lines inside the windows those open, and check that
 * the chunk is valid UTF-8. The literals come from Python (parsers.prefilter), so there is
 * still one set of patterns; analyzer.fastscan falls back to the polars path when this module
 * is missing or a chunk is not valid UTF-8, and tests check both give the same candidates.
 *
 * Literal search: every literal is filed under one two-byte window of it (the rarest-looking
 * one); a line is walked byte pair by byte pair against a 64 Kbit table of filed windows, and
 * only a hit compares the few literals filed there.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *text; /* points into the literal's bytes object, kept alive by `keep` */
    Py_ssize_t len;
    Py_ssize_t off;   /* where the filed two-byte window starts in the literal */
    long width;       /* opener window width, or -1 for a trigger */
} Entry;

typedef struct {
    PyObject_HEAD
    uint8_t bits[8192];   /* bit k: some literal is filed under the byte pair k */
    uint32_t *start;      /* entries filed under pair k: order[start[k] .. start[k + 1]) */
    Entry *entries;
    uint32_t *order;
    Py_ssize_t count;
    Py_ssize_t max_len;
    PyObject *keep;       /* the literal bytes objects */
} Scanner;

/* Rough rarity of a byte in log text: letters, digits and spaces are common. */
static int byte_cost(unsigned char c) {
    if (c == ' ') return 3;
    if (c >= 'a' && c <= 'z') return 2;
    if (c >= '0' && c <= '9') return 2;
    if (c >= 'A' && c <= 'Z') return 1;
    return 0;
}

static Py_ssize_t rarest_pair(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t best = 0;
    int best_cost = 1 << 30;
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        int cost = byte_cost(s[i]) + byte_cost(s[i + 1]);
        if (cost < best_cost) {
            best_cost = cost;
            best = i;
        }
    }
    return best;
}

static unsigned pair_at(const unsigned char *s) { return ((unsigned)s[0] << 8) | s[1]; }

static void Scanner_dealloc(Scanner *self) {
    free(self->start);
    free(self->entries);
    free(self->order);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Scanner(triggers: tuple[bytes, ...], openers: tuple[tuple[bytes, int], ...], max_len: int) */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds) {
    PyObject *triggers, *openers;
    Py_ssize_t max_len;
    static char *kwlist[] = {"triggers", "openers", "max_len", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!n", kwlist, &PyTuple_Type, &triggers,
                                     &PyTuple_Type, &openers, &max_len))
        return -1;
    Py_ssize_t nt = PyTuple_GET_SIZE(triggers), no = PyTuple_GET_SIZE(openers);
    self->count = nt + no;
    self->max_len = max_len;
    self->entries = calloc((size_t)(self->count ? self->count : 1), sizeof(Entry));
    self->order = calloc((size_t)(self->count ? self->count : 1), sizeof(uint32_t));
    self->start = calloc(65537, sizeof(uint32_t));
    self->keep = PyList_New(0);
    if (!self->entries || !self->order || !self->start || !self->keep) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->bits, 0, sizeof self->bits);
    for (Py_ssize_t i = 0; i < self->count; i++) {
        PyObject *lit;
        long width = -1;
        if (i < nt) {
            lit = PyTuple_GET_ITEM(triggers, i);
        } else {
            PyObject *rule = PyTuple_GET_ITEM(openers, i - nt);
            if (!PyTuple_Check(rule) || PyTuple_GET_SIZE(rule) != 2) {
                PyErr_SetString(PyExc_TypeError, "an opener is a (bytes, int) pair");
                return -1;
            }
            lit = PyTuple_GET_ITEM(rule, 0);
            width = PyLong_AsLong(PyTuple_GET_ITEM(rule, 1));
            if (width < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "an opener's width is not negative");
                return -1;
            }
        }
        if (!PyBytes_Check(lit) || PyBytes_GET_SIZE(lit) < 2) {
            PyErr_SetString(PyExc_ValueError, "a literal is bytes of at least two bytes");
            return -1;
        }
        if (PyList_Append(self->keep, lit) < 0) return -1;
        Entry *e = &self->entries[i];
        e->text = PyBytes_AS_STRING(lit);
        e->len = PyBytes_GET_SIZE(lit);
        e->off = rarest_pair((const unsigned char *)e->text, e->len);
        e->width = width;
        unsigned k = pair_at((const unsigned char *)e->text + e->off);
        self->bits[k >> 3] |= (uint8_t)(1u << (k & 7));
        self->start[k + 1]++;
    }
    for (unsigned k = 0; k < 65536; k++) self->start[k + 1] += self->start[k];
    uint32_t *fill = calloc(65536, sizeof(uint32_t));
    if (!fill) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < self->count; i++) {
        Entry *e = &self->entries[i];
        unsigned k = pair_at((const unsigned char *)e->text + e->off);
        self->order[self->start[k] + fill[k]++] = (uint32_t)i;
    }
    free(fill);
    return 0;
}

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), 0 when invalid. Rejects
 * what Python's strict decoder rejects: overlong forms, surrogates, code points past U+10FFFF. */
static Py_ssize_t utf8_seq(const unsigned char *s, Py_ssize_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;
        if (c == 0xED && s[1] > 0x9F) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] > 0x8F) return 0;
        return 4;
    }
    return 0;
}

static int valid_utf8(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    while (i < n) {
        Py_ssize_t k = utf8_seq(s + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

/* What one line holds: a trigger (1/0), and the widest opener window (-1: no opener). */
static void match_line(const Scanner *self, const unsigned char *p, Py_ssize_t n, int *trig,
                       long *width, unsigned *high) {
    unsigned hi = 0;
    *trig = 0;
    *width = -1;
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        hi |= p[i];
        unsigned k = pair_at(p + i);
        if (!((self->bits[k >> 3] >> (k & 7)) & 1)) continue;
        for (uint32_t j = self->start[k]; j < self->start[k + 1]; j++) {
            const Entry *e = &self->entries[self->order[j]];
            Py_ssize_t s = i - e->off;
            if (s < 0 || s + e->len > n || memcmp(p + s, e->text, (size_t)e->len) != 0) continue;
            if (e->width < 0)
                *trig = 1;
            else if (e->width > *width)
                *width = e->width;
        }
    }
    if (n) hi |= p[n - 1];
    *high = hi;
}

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static int buf_put(Buf *b, const void *src, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

/* scan(data, end, carry) -> (lines, idx, triggered, texts, reach) or None (invalid UTF-8).
 *
 * data[:end] holds complete lines (end just after a newline). idx: the candidate lines' numbers
 * in the chunk (native uint32), triggered: one byte per candidate (1: holds a trigger or is
 * oversized; 0: only inside a window), texts: the candidate lines, each ending in a newline,
 * reach: how many lines of the next chunk this chunk's windows (and the carry) cover. */
static PyObject *Scanner_scan(Scanner *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t end, carry;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &end, &carry)) return NULL;
    if (end < 0 || end > view.len || carry < 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "end or carry out of range");
        return NULL;
    }
    const unsigned char *base = view.buf, *p = base, *stop = base + end;
    Buf idx = {0}, trig = {0}, texts = {0};
    Py_ssize_t line = 0, cover = carry - 1; /* last line inside a window so far */
    int bad = 0, oom = 0;
    Py_BEGIN_ALLOW_THREADS
    while (p < stop) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (!nl) nl = stop; /* end not after a newline: the rest counts as a line */
        Py_ssize_t n = nl - p, body = (n && p[n - 1] == '\r') ? n - 1 : n;
        int t;
        long width;
        unsigned high;
        match_line(self, p, n, &t, &width, &high);
        if ((high & 0x80) && !valid_utf8(p, n)) {
            bad = 1;
            break;
        }
        t = t || body > self->max_len;
        if (width >= 0 && line + width > cover) cover = line + width;
        if (t || width >= 0 || line <= cover) {
            uint32_t at = (uint32_t)line;
            uint8_t flag = (uint8_t)t;
            if (buf_put(&idx, &at, sizeof at) || buf_put(&trig, &flag, 1) ||
                buf_put(&texts, p, (size_t)n) || buf_put(&texts, "\n", 1)) {
                oom = 1;
                break;
            }
        }
        line++;
        p = nl + 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *out = NULL;
    if (oom) {
        PyErr_NoMemory();
    } else if (bad) {
        out = Py_NewRef(Py_None);
    } else {
        Py_ssize_t reach = cover - (line - 1);
        out = Py_BuildValue("(ny#y#y#n)", line, idx.data ? idx.data : "", (Py_ssize_t)idx.len,
                            trig.data ? trig.data : "", (Py_ssize_t)trig.len,
                            texts.data ? texts.data : "", (Py_ssize_t)texts.len,
                            reach > 0 ? reach : 0);
    }
    free(idx.data);
    free(trig.data);
    free(texts.data);
    return out;
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_VARARGS,
     "scan(data, end, carry) -> (lines, idx, triggered, texts, reach) or None"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analyzer._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Candidate-line scanner over literal triggers and block openers.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "analyzer._scan", "The bulk path's compiled line scanner.", -1, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&scan_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

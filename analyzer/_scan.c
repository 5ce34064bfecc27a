/* The bulk path's line scanner, compiled when a C compiler is at hand (optional).
 *
 * One pass over a chunk of complete lines does what analyzer.fastparse_mask does with polars:
 * split lines, find the lines holding a trigger literal (or longer than the line cap), the
 * lines holding a block opener and the lines inside the windows those open, and check that
 * the chunk is valid UTF-8. The literals come from Python (parsers.prefilter), so there is
 * still one set of patterns; analyzer.fastscan falls back to the polars path when this module
 * is missing or a chunk is not valid UTF-8, and tests check both give the same candidates.
 *
 * Literal search: a literal of three bytes or more is filed under two overlapping two-byte
 * windows of it (the rarest-looking pair of neighbours), so that looking at the byte pairs that
 * start at even offsets of a line always meets one of them; each such pair is tested against a
 * 64 Kbit table of filed windows, and only a hit compares the few literals filed there.
 * Two-byte literals (CANN code heads such as ``E1``) are also looked for at odd offsets, where
 * the second byte of an even pair is their first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_native.h"

typedef struct {
    const char *text; /* points into the literal's bytes object, kept alive by `keep` */
    Py_ssize_t len;
    long width; /* opener window width, or -1 for a trigger */
} Entry;

typedef struct {
    uint32_t entry; /* index into entries */
    uint32_t off;   /* where the filed two-byte window starts in the literal */
} Filing;

typedef struct {
    PyObject_HEAD
    uint8_t bits[8192];     /* bit k: some literal is filed under the byte pair k */
    uint8_t look[8192];     /* bit k: pair k is filed, or its second byte is a short head */
    uint32_t *start;        /* filings under pair k: filings[start[k] .. start[k + 1]) */
    Filing *filings;
    Entry *entries;
    Py_ssize_t count;
    uint8_t short_head[256]; /* 1: the first byte of some two-byte literal */
    Py_ssize_t max_len;
    PyObject *keep;         /* the literal bytes objects */
} Scanner;

/* Rough rarity of a byte in log text: letters, digits and spaces are common. */
static int byte_cost(unsigned char c) {
    if (c == ' ') return 3;
    if (c >= 'a' && c <= 'z') return 2;
    if (c >= '0' && c <= '9') return 2;
    if (c >= 'A' && c <= 'Z') return 1;
    return 0;
}

/* The byte pair at s as one number (little-endian order: one 16-bit load on most machines). */
static inline unsigned pair_at(const unsigned char *s) { return s[0] | ((unsigned)s[1] << 8); }

static inline int filed(const Scanner *self, unsigned k) {
    return (self->bits[k >> 3] >> (k & 7)) & 1;
}

/* The offset k of the rarest pair of neighbouring windows (k, k + 1) of s (n >= 3): fewest
 * occurrences in the sample text (`freq`), then the rarest-looking bytes. */
static Py_ssize_t rarest_windows(const unsigned char *s, Py_ssize_t n, const uint32_t *freq) {
    Py_ssize_t best = 0;
    uint64_t best_cost = UINT64_MAX;
    for (Py_ssize_t k = 0; k + 2 < n; k++) {
        uint64_t seen = (uint64_t)freq[pair_at(s + k)] + freq[pair_at(s + k + 1)];
        uint64_t cost = seen * 16 + (uint64_t)(byte_cost(s[k]) + 2 * byte_cost(s[k + 1]) +
                                               byte_cost(s[k + 2]));
        if (cost < best_cost) {
            best_cost = cost;
            best = k;
        }
    }
    return best;
}

static int file_literals(Scanner *self, PyObject *triggers, PyObject *openers, Py_ssize_t max_len,
                         const uint32_t *freq);

static void Scanner_dealloc(Scanner *self) {
    free(self->start);
    free(self->entries);
    free(self->filings);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Scanner(triggers: tuple[bytes, ...], openers: tuple[tuple[bytes, int], ...], max_len: int,
 *         sample: bytes = b"") -- sample: text like what will be scanned, to file literals under
 * windows it rarely holds (speed only: any sample gives the same answers). */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds) {
    PyObject *triggers, *openers;
    Py_ssize_t max_len;
    Py_buffer sample = {0};
    static char *kwlist[] = {"triggers", "openers", "max_len", "sample", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!n|y*", kwlist, &PyTuple_Type, &triggers,
                                     &PyTuple_Type, &openers, &max_len, &sample))
        return -1;
    uint32_t *freq = calloc(65536, sizeof(uint32_t));
    if (!freq) {
        PyBuffer_Release(&sample);
        PyErr_NoMemory();
        return -1;
    }
    const unsigned char *text = sample.buf;
    for (Py_ssize_t i = 0; i + 1 < sample.len; i++) freq[pair_at(text + i)]++;
    PyBuffer_Release(&sample);
    int rc = file_literals(self, triggers, openers, max_len, freq);
    free(freq);
    return rc;
}

static int file_literals(Scanner *self, PyObject *triggers, PyObject *openers, Py_ssize_t max_len,
                         const uint32_t *freq) {
    Py_ssize_t nt = PyTuple_GET_SIZE(triggers), no = PyTuple_GET_SIZE(openers);
    self->count = nt + no;
    self->max_len = max_len;
    self->entries = calloc((size_t)(self->count ? self->count : 1), sizeof(Entry));
    self->filings = calloc((size_t)(self->count ? 2 * self->count : 1), sizeof(Filing));
    self->start = calloc(65537, sizeof(uint32_t));
    self->keep = PyList_New(0);
    if (!self->entries || !self->filings || !self->start || !self->keep) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->bits, 0, sizeof self->bits);
    memset(self->short_head, 0, sizeof self->short_head);
    memset(self->look, 0, sizeof self->look);
    Py_ssize_t nfilings = 0;
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
        e->width = width;
        const unsigned char *t = (const unsigned char *)e->text;
        if (e->len == 2) { /* at even offsets like the others, at odd ones by its first byte */
            self->short_head[t[0]] = 1;
            self->filings[nfilings++] = (Filing){(uint32_t)i, 0};
        } else {
            Py_ssize_t k = rarest_windows(t, e->len, freq);
            self->filings[nfilings++] = (Filing){(uint32_t)i, (uint32_t)k};
            self->filings[nfilings++] = (Filing){(uint32_t)i, (uint32_t)k + 1};
        }
    }
    /* Sort the filings by pair (counting sort) and set the table's bits. */
    Filing *sorted = calloc((size_t)(nfilings ? nfilings : 1), sizeof(Filing));
    uint32_t *fill = calloc(65536, sizeof(uint32_t));
    if (!sorted || !fill) {
        free(sorted);
        free(fill);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t f = 0; f < nfilings; f++) {
        const Entry *e = &self->entries[self->filings[f].entry];
        unsigned k = pair_at((const unsigned char *)e->text + self->filings[f].off);
        self->bits[k >> 3] |= (uint8_t)(1u << (k & 7));
        self->start[k + 1]++;
    }
    for (unsigned k = 0; k < 65536; k++) self->start[k + 1] += self->start[k];
    for (Py_ssize_t f = 0; f < nfilings; f++) {
        const Entry *e = &self->entries[self->filings[f].entry];
        unsigned k = pair_at((const unsigned char *)e->text + self->filings[f].off);
        sorted[self->start[k] + fill[k]++] = self->filings[f];
    }
    free(fill);
    free(self->filings);
    self->filings = sorted;
    for (unsigned k = 0; k < 65536; k++)
        if (filed(self, k) || self->short_head[k >> 8]) self->look[k >> 3] |= (uint8_t)(1u << (k & 7));
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


/* The literals filed under pair k, the byte pair at p[i], that occur in p[0:n]: a trigger
 * sets *trig, an opener widens *width. */
static void check_pair(const Scanner *self, const unsigned char *p, Py_ssize_t n, Py_ssize_t i,
                       unsigned k, int *trig, long *width) {
    for (uint32_t j = self->start[k]; j < self->start[k + 1]; j++) {
        const Filing *f = &self->filings[j];
        const Entry *e = &self->entries[f->entry];
        Py_ssize_t s = i - (Py_ssize_t)f->off;
        if (s < 0 || s + e->len > n || memcmp(p + s, e->text, (size_t)e->len) != 0) continue;
        if (e->width < 0)
            *trig = 1;
        else if (e->width > *width)
            *width = e->width;
    }
}

/* True when some byte of p[0:n] is not ASCII (eight bytes at a time). */
static int has_high(const unsigned char *p, Py_ssize_t n) {
    uint64_t acc = 0, word;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&word, p + i, 8);
        acc |= word;
    }
    for (; i < n; i++) acc |= p[i];
    return (acc & 0x8080808080808080ULL) != 0;
}

/* What one line holds: a trigger (1/0), and the widest opener window (-1: no opener). */
static void match_line(const Scanner *self, const unsigned char *p, Py_ssize_t n, int *trig,
                       long *width) {
    *trig = 0;
    *width = -1;
    for (Py_ssize_t i = 0; i + 1 < n; i += 2) {
        unsigned k = pair_at(p + i);
        if (!((self->look[k >> 3] >> (k & 7)) & 1)) continue; /* most pairs: one look-up */
        if (filed(self, k)) check_pair(self, p, n, i, k, trig, width);
        if (self->short_head[p[i + 1]] && i + 2 < n) { /* a two-byte literal at odd i + 1 */
            k = pair_at(p + i + 1);
            if (filed(self, k)) check_pair(self, p, n, i + 1, k, trig, width);
        }
    }
}


/* scan(data, end, carry) -> (lines, idx, triggered, texts, reach) or None (invalid UTF-8).
 *
 * data[:end] holds complete lines (end just after a newline). idx: the candidate lines' numbers
 * in the chunk (a uint32 column), triggered: a uint8 column, one per candidate (1: holds a trigger or is
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
    Buf idx = {0}, trig = {0};
    /* The candidates' text is written straight into the bytes object returned (at most the
     * chunk and a newline for a last line without one; shrunk at the end): no growing buffer
     * copied along, nor a last copy. Never empty, so never the shared empty bytes object. */
    PyObject *texts = PyBytes_FromStringAndSize(NULL, end + 1);
    if (!texts) {
        PyBuffer_Release(&view);
        return NULL;
    }
    char *out_text = PyBytes_AS_STRING(texts);
    size_t text_len = 0;
    Py_ssize_t line = 0, cover = carry - 1; /* last line inside a window so far */
    int bad = 0, oom = 0;
    Py_BEGIN_ALLOW_THREADS
    while (p < stop) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (!nl) nl = stop; /* end not after a newline: the rest counts as a line */
        Py_ssize_t n = nl - p, body = (n && p[n - 1] == '\r') ? n - 1 : n;
        int t;
        long width;
        match_line(self, p, n, &t, &width);
        if (has_high(p, n) && !valid_utf8(p, n)) {
            bad = 1;
            break;
        }
        t = t || body > self->max_len;
        if (width >= 0 && line + width > cover) cover = line + width;
        if (t || width >= 0 || line <= cover) {
            uint32_t at = (uint32_t)line;
            uint8_t flag = (uint8_t)t;
            if (buf_put(&idx, &at, sizeof at) || buf_put(&trig, &flag, 1)) {
                oom = 1;
                break;
            }
            memcpy(out_text + text_len, p, (size_t)n);
            out_text[text_len + (size_t)n] = '\n';
            text_len += (size_t)n + 1;
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
    } else if (_PyBytes_Resize(&texts, (Py_ssize_t)text_len) == 0) {
        Py_ssize_t reach = cover - (line - 1);
        PyObject *at = column_new(idx.data, (int64_t)(idx.len / 4), "I");
        PyObject *flags = column_new(trig.data, (int64_t)trig.len, "C");
        idx.data = trig.data = NULL; /* the columns own them */
        if (at && flags) out = Py_BuildValue("(nOOOn)", line, at, flags, texts, reach > 0 ? reach : 0);
        Py_XDECREF(at);
        Py_XDECREF(flags);
    }
    Py_XDECREF(texts);
    free(idx.data);
    free(trig.data);
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
    PyModuleDef_HEAD_INIT, "analyzer._scan", "The bulk path's compiled line scanner.", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&ScannerType) < 0 || PyType_Ready(&ColumnType) < 0) return NULL;
    PyObject *m = PyModule_Create(&scan_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* Bodies of Megatron's ``| key: value |`` lines, for the bulk path (optional, like _scan.c).
 *
 * analyzer.fastparse_vec reads iteration and timer lines with polars: split the text after the
 * first ``|`` at every ``|``, cut each piece at its first ``:`` (pieces without one are
 * skipped), strip spaces off the value, and require a plain decimal number. This module does
 * the same in one pass over the lines and returns numbers, not strings. What a key means stays
 * in Python: each distinct raw key gets an id here, Python gives every id a code (a field, an
 * extra, or "send the line to Python"), and a call that meets a key without a code returns
 * the new ids instead of rows, to be called again once they have one.
 *
 * Numbers are read by PyOS_string_to_double: Python's own float(), so the records are those of
 * the line path to the last bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_native.h"

/* Codes Python gives keys (>= 0: a field's column). */
#define CODE_UNKNOWN (-100) /* no code yet */
#define CODE_EXTRA (-1)     /* iteration: goes to extra; timer: a timer name */
#define CODE_BAD (-2)       /* the line goes to the Python parser */

typedef struct {
    uint64_t hash;
    const char *text; /* into a bytes object of `keys` */
    Py_ssize_t len;
    int32_t id;
} Slot;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    size_t cap, used;
    PyObject *keys; /* list: id -> raw key bytes */
    int32_t *codes;
    size_t codes_cap;
} Bodies;


static uint64_t fnv1a(const char *s, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int grow_slots(Bodies *self) {
    size_t cap = self->cap ? self->cap * 2 : 64;
    Slot *slots = calloc(cap, sizeof(Slot));
    if (!slots) return -1;
    for (size_t i = 0; i < self->cap; i++) {
        Slot *s = &self->slots[i];
        if (!s->text) continue;
        size_t j = (size_t)s->hash & (cap - 1);
        while (slots[j].text) j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(self->slots);
    self->slots = slots;
    self->cap = cap;
    return 0;
}

/* The id of a raw key, added with CODE_UNKNOWN when new; -1 on error (exception set). */
static int32_t intern(Bodies *self, const char *s, Py_ssize_t n) {
    if ((self->used + 1) * 2 > self->cap && grow_slots(self) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    uint64_t h = fnv1a(s, n);
    size_t j = (size_t)h & (self->cap - 1);
    while (self->slots[j].text) {
        Slot *slot = &self->slots[j];
        if (slot->hash == h && slot->len == n && memcmp(slot->text, s, (size_t)n) == 0)
            return slot->id;
        j = (j + 1) & (self->cap - 1);
    }
    PyObject *key = PyBytes_FromStringAndSize(s, n);
    if (!key || PyList_Append(self->keys, key) < 0) {
        Py_XDECREF(key);
        return -1;
    }
    Py_DECREF(key);
    int32_t id = (int32_t)self->used;
    if ((size_t)id >= self->codes_cap) {
        size_t cap = self->codes_cap ? self->codes_cap * 2 : 64;
        int32_t *codes = realloc(self->codes, cap * sizeof(int32_t));
        if (!codes) {
            PyErr_NoMemory();
            return -1;
        }
        self->codes = codes;
        self->codes_cap = cap;
    }
    self->codes[id] = CODE_UNKNOWN;
    self->slots[j] = (Slot){h, PyBytes_AS_STRING(key), n, id};
    self->used++;
    return id;
}

static int digits(const char *s, Py_ssize_t n, Py_ssize_t *i, int lo, int hi) {
    int k = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        (*i)++;
        k++;
    }
    return k >= lo && k <= hi;
}

/* -?[0-9]{1,30}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})? , the whole of s. */
static int is_number(const char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (!digits(s, n, &i, 1, 30)) return 0;
    if (i < n && s[i] == '.') {
        i++;
        if (!digits(s, n, &i, 1, 30)) return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        if (!digits(s, n, &i, 1, 2)) return 0;
    }
    return i == n;
}

/* -?[0-9]{1,15} , the whole of s. */
static int is_int(const char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    if (i < n && s[i] == '-') i++;
    return digits(s, n, &i, 1, 15) && i == n;
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A checked number (is_number) as Python's float() reads it. Most take the exact fast path:
 * at most 15 significant digits (an exact double) scaled by a power of ten up to 1e22 (also
 * exact), so one multiplication or division rounds correctly, as float() does; the rest go to
 * PyOS_string_to_double, Python's own parser. */
static double to_double(const char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    int neg = s[0] == '-', digits = 0, exp = 0;
    uint64_t m = 0;
    i += neg;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (m || s[i] != '0') digits++;
        m = m * 10 + (uint64_t)(s[i] - '0');
        if (digits > 15) goto slow;
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (m || s[i] != '0') digits++;
            m = m * 10 + (uint64_t)(s[i] - '0');
            exp--;
            if (digits > 15) goto slow;
        }
    }
    if (i < n) { /* e or E, a sign, one or two digits */
        int eneg = s[++i] == '-', e = 0;
        if (s[i] == '-' || s[i] == '+') i++;
        for (; i < n; i++) e = e * 10 + (s[i] - '0');
        exp += eneg ? -e : e;
    }
    if (exp < -22 || exp > 22) goto slow;
    double x = (double)m;
    x = exp < 0 ? x / POW10[-exp] : x * POW10[exp];
    return neg ? -x : x;
slow:;
    char tmp[80]; /* a checked number is at most 67 bytes */
    memcpy(tmp, s, (size_t)n);
    tmp[n] = '\0';
    return PyOS_string_to_double(tmp, NULL, NULL);
}

static void Bodies_dealloc(Bodies *self) {
    free(self->slots);
    free(self->codes);
    Py_XDECREF(self->keys);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Bodies_init(Bodies *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "", kwlist)) return -1;
    self->keys = PyList_New(0);
    return self->keys ? grow_slots(self) : -1;
}

/* set_code(id, code): what key `id` means from now on. */
static PyObject *Bodies_set_code(Bodies *self, PyObject *args) {
    Py_ssize_t id;
    int code;
    if (!PyArg_ParseTuple(args, "ni", &id, &code)) return NULL;
    if (id < 0 || (size_t)id >= self->used) {
        PyErr_SetString(PyExc_IndexError, "no such key id");
        return NULL;
    }
    self->codes[id] = code;
    Py_RETURN_NONE;
}

/* key(id) -> the raw key bytes. */
static PyObject *Bodies_key(Bodies *self, PyObject *args) {
    Py_ssize_t id;
    if (!PyArg_ParseTuple(args, "n", &id)) return NULL;
    if (id < 0 || (size_t)id >= self->used) {
        PyErr_SetString(PyExc_IndexError, "no such key id");
        return NULL;
    }
    return Py_NewRef(PyList_GET_ITEM(self->keys, id));
}

typedef struct {
    Buf ok;                      /* u8 per line */
    Buf values;                  /* iteration: f64 per line and field, NaN where absent */
    Buf pair_line, pair_key;     /* u32 per pair: extras (iteration) or names (timer) */
    Buf pair_value;              /* f64 per pair */
} Out;

static void out_free(Out *o) {
    free(o->ok.data);
    free(o->values.data);
    free(o->pair_line.data);
    free(o->pair_key.data);
    free(o->pair_value.data);
}

/* One line's pieces after its first '|'. Returns 0, or -1 on error; *ok = 0 when a piece
 * sends the line to Python; *missing = 1 when a key has no code yet. Iteration (nfields > 0):
 * fields into vals (the last value wins; a checked number is never NaN), extras to the pair buffers. Timer (nfields ==
 * 0): every piece to the pair buffers. Pairs of a line that turns out bad are dropped. */
static int parse_line(Bodies *self, const char *p, Py_ssize_t n, uint32_t line, int nfields,
                      const uint8_t *int_field, Out *o, double *vals, int *ok,
                      int *missing) {
    size_t pairs_before = o->pair_line.len / sizeof(uint32_t);
    const char *bar = memchr(p, '|', (size_t)n);
    *ok = 1;
    if (!bar) return 0; /* no pieces at all */
    const char *end = p + n, *seg = bar + 1;
    while (seg <= end) {
        const char *next = memchr(seg, '|', (size_t)(end - seg));
        if (!next) next = end;
        const char *colon = memchr(seg, ':', (size_t)(next - seg));
        if (colon) {
            const char *v = colon + 1, *ve = next;
            while (v < ve && *v == ' ') v++;
            while (ve > v && ve[-1] == ' ') ve--;
            int32_t id = intern(self, seg, colon - seg);
            if (id < 0) return -1;
            int32_t code = self->codes[id];
            if (code == CODE_UNKNOWN) {
                *missing = 1;
            } else if (code == CODE_BAD || !is_number(v, ve - v) ||
                       (code >= 0 && code < nfields && int_field[code] && !is_int(v, ve - v))) {
                *ok = 0;
            } else if (*ok && !*missing) {
                double x = to_double(v, ve - v);
                if (code >= 0 && code < nfields) {
                    vals[code] = x;
                } else {
                    uint32_t k = (uint32_t)id;
                    if (buf_put(&o->pair_line, &line, 4) || buf_put(&o->pair_key, &k, 4) ||
                        buf_put(&o->pair_value, &x, 8))
                        return -1;
                }
            }
        }
        if (next == end) break;
        seg = next + 1;
    }
    if (!*ok) { /* drop this line's pairs */
        o->pair_line.len = pairs_before * 4;
        o->pair_key.len = pairs_before * 4;
        o->pair_value.len = pairs_before * 8;
    }
    return 0;
}

typedef struct {
    const char *p;
    Py_ssize_t n;
} Span;

/* The lines of `text` split at newlines (a final newline ends the last line; with `raw`, one
 * carriage return before a newline is not part of the line, as polars' read_lines has it). */
static Span *split_lines(const char *text, Py_ssize_t size, int raw, Py_ssize_t *count) {
    Py_ssize_t cap = 1024, k = 0;
    Span *spans = malloc((size_t)cap * sizeof(Span));
    const char *p = text, *stop = text + size;
    while (spans) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (!nl && raw && p == stop) break; /* after the final newline of raw text */
        if (!nl) nl = stop;
        if (k == cap) {
            Span *grown = realloc(spans, (size_t)(cap *= 2) * sizeof(Span));
            if (!grown) {
                free(spans);
                return NULL;
            }
            spans = grown;
        }
        Py_ssize_t n = nl - p;
        if (raw && n && p[n - 1] == '\r') n--;
        spans[k++] = (Span){p, n};
        if (nl == stop) break;
        p = nl + 1;
    }
    *count = k;
    return spans;
}

/* parse(source, rows, nfields, int_fields) -> columns (ok, values, pair_line, pair_key,
 * pair_value), or a list of the key ids that need a code first.
 *
 * source: str, lines joined by newlines; or bytes, lines each ending in a newline (the bulk
 * scanner's candidates). rows: None for every line, or a list of the line numbers to read
 * (the output's line numbers are positions in it). nfields: columns of an iteration line (0:
 * timer lines); int_fields: one byte per field, 1 where the value must be an integer. */
static PyObject *Bodies_parse(Bodies *self, PyObject *args) {
    PyObject *source, *rows;
    int nfields;
    Py_buffer ints;
    if (!PyArg_ParseTuple(args, "OOiy*", &source, &rows, &nfields, &ints)) return NULL;
    Py_ssize_t size, count = 0, wanted;
    const char *text = NULL;
    int raw = PyBytes_Check(source);
    if (raw) {
        text = PyBytes_AS_STRING(source);
        size = PyBytes_GET_SIZE(source);
    } else if (PyUnicode_Check(source)) {
        text = PyUnicode_AsUTF8AndSize(source, &size);
    } else {
        PyErr_SetString(PyExc_TypeError, "source is str or bytes");
    }
    if (text && (nfields < 0 || nfields > 64 || ints.len < nfields))
        PyErr_SetString(PyExc_ValueError, "nfields out of range");
    if (text && rows != Py_None && !PyList_Check(rows))
        PyErr_SetString(PyExc_TypeError, "rows is None or a list");
    Span *spans = PyErr_Occurred() ? NULL : split_lines(text, size, raw, &count);
    if (!spans) {
        PyBuffer_Release(&ints);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        return NULL;
    }
    wanted = rows == Py_None ? count : PyList_GET_SIZE(rows);
    Out o = {0};
    double vals[64];
    int missing = 0, failed = 0;
    for (Py_ssize_t j = 0; j < wanted && !failed; j++) {
        Py_ssize_t at = j;
        if (rows != Py_None) {
            at = PyLong_AsSsize_t(PyList_GET_ITEM(rows, j));
            if (at < 0 || at >= count) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "no such line");
                failed = 1;
                break;
            }
        }
        int ok;
        for (int f = 0; f < nfields; f++) vals[f] = Py_NAN;
        if (parse_line(self, spans[at].p, spans[at].n, (uint32_t)j, nfields, ints.buf, &o, vals,
                       &ok, &missing) ||
            (!missing && (buf_put(&o.ok, &(uint8_t){(uint8_t)ok}, 1) ||
                          buf_put(&o.values, vals, sizeof(double) * (size_t)nfields))))
            failed = 1;
    }
    free(spans);
    PyBuffer_Release(&ints);
    PyObject *result = NULL;
    if (failed) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
    } else if (missing) {
        result = PyList_New(0);
        for (size_t id = 0; result && id < self->used; id++) {
            if (self->codes[id] != CODE_UNKNOWN) continue;
            PyObject *k = PyLong_FromSize_t(id);
            if (!k || PyList_Append(result, k) < 0) Py_CLEAR(result);
            Py_XDECREF(k);
        }
    } else {
        PyObject *cols[5] = {
            column_new(o.ok.data, (int64_t)o.ok.len, "C"),
            column_new(o.values.data, (int64_t)(o.values.len / 8), "g"),
            column_new(o.pair_line.data, (int64_t)(o.pair_line.len / 4), "I"),
            column_new(o.pair_key.data, (int64_t)(o.pair_key.len / 4), "I"),
            column_new(o.pair_value.data, (int64_t)(o.pair_value.len / 8), "g"),
        };
        o = (Out){0}; /* the columns own the buffers */
        if (cols[0] && cols[1] && cols[2] && cols[3] && cols[4])
            result = Py_BuildValue("(OOOOO)", cols[0], cols[1], cols[2], cols[3], cols[4]);
        for (int c = 0; c < 5; c++) Py_XDECREF(cols[c]);
    }
    out_free(&o);
    return result;
}

static PyMethodDef Bodies_methods[] = {
    {"parse", (PyCFunction)Bodies_parse, METH_VARARGS,
     "parse(source, rows, nfields, int_fields) -> columns, or the key ids needing a code"},
    {"set_code", (PyCFunction)Bodies_set_code, METH_VARARGS, "set_code(id, code)"},
    {"key", (PyCFunction)Bodies_key, METH_VARARGS, "key(id) -> raw key bytes"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject BodiesType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analyzer._bodies.Bodies",
    .tp_basicsize = sizeof(Bodies),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Key/value pieces of Megatron iteration and timer lines, with interned keys.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Bodies_init,
    .tp_dealloc = (destructor)Bodies_dealloc,
    .tp_methods = Bodies_methods,
};

static struct PyModuleDef bodies_module = {
    PyModuleDef_HEAD_INIT, "analyzer._bodies", "Megatron line bodies, compiled.", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__bodies(void) {
    if (PyType_Ready(&BodiesType) < 0 || PyType_Ready(&ColumnType) < 0) return NULL;
    PyObject *m = PyModule_Create(&bodies_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Bodies", (PyObject *)&BodiesType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

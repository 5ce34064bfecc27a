/* What the compiled modules share: a growing buffer, and a column of fixed-width numbers handed
 * to polars without a copy, through the Arrow PyCapsule interface (``__arrow_c_array__``):
 * polars builds a Series over the buffer and frees it when done. Each module includes this and
 * readies ColumnType.
 *
 * The buffer's ownership moves to the exported array, so a column can be exported once; the
 * release callbacks only free memory (they may run on a thread without the GIL).
 */
#ifndef ANALYZER_NATIVE_H
#define ANALYZER_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'd buffer that grows by doubling. */
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

/* The Arrow C data interface (ABI-stable, arrow.apache.org/docs/format/CDataInterface.html). */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif

typedef struct {
    PyObject_HEAD
    void *data;          /* malloc'd; NULL once exported */
    int64_t length;
    int exported;
    const char *format;  /* "C" uint8, "I" uint32, "g" float64 */
} Column;

static void column_release_schema(struct ArrowSchema *schema) { schema->release = NULL; }

static void column_release_array(struct ArrowArray *array) {
    free((void *)array->buffers[1]);
    free(array->buffers);
    array->release = NULL;
}

static void column_free_schema_capsule(PyObject *capsule) {
    struct ArrowSchema *schema = PyCapsule_GetPointer(capsule, "arrow_schema");
    if (!schema) return;
    if (schema->release) schema->release(schema);
    free(schema);
}

static void column_free_array_capsule(PyObject *capsule) {
    struct ArrowArray *array = PyCapsule_GetPointer(capsule, "arrow_array");
    if (!array) return;
    if (array->release) array->release(array);
    free(array);
}

/* __arrow_c_array__(requested_schema=None) -> (schema capsule, array capsule) */
static PyObject *Column_arrow_c_array(Column *self, PyObject *args, PyObject *kwds) {
    PyObject *requested = Py_None;
    static char *kwlist[] = {"requested_schema", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &requested)) return NULL;
    if (self->exported) {
        PyErr_SetString(PyExc_ValueError, "this column was exported already");
        return NULL;
    }
    struct ArrowSchema *schema = calloc(1, sizeof *schema);
    struct ArrowArray *array = calloc(1, sizeof *array);
    const void **buffers = calloc(2, sizeof(void *));
    if (!schema || !array || !buffers) {
        free(schema);
        free(array);
        free(buffers);
        return PyErr_NoMemory();
    }
    *schema = (struct ArrowSchema){self->format, "", NULL, 2 /* nullable */, 0, NULL, NULL,
                                   column_release_schema, NULL};
    buffers[0] = NULL; /* no nulls */
    buffers[1] = self->data ? self->data : malloc(1); /* never NULL, even when empty */
    *array = (struct ArrowArray){self->length, 0, 0, 2, 0, buffers, NULL, NULL,
                                 column_release_array, NULL};
    self->data = NULL;
    self->exported = 1;
    PyObject *s = PyCapsule_New(schema, "arrow_schema", column_free_schema_capsule);
    if (!s) {
        column_release_array(array);
        free(array);
        free(schema);
        return NULL;
    }
    PyObject *a = PyCapsule_New(array, "arrow_array", column_free_array_capsule);
    if (!a) {
        Py_DECREF(s);
        column_release_array(array);
        free(array);
        return NULL;
    }
    return Py_BuildValue("(NN)", s, a);
}

static Py_ssize_t Column_len(Column *self) { return self->exported ? 0 : (Py_ssize_t)self->length; }

static void Column_dealloc(Column *self) {
    free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Column_methods[] = {
    {"__arrow_c_array__", (PyCFunction)(void (*)(void))Column_arrow_c_array,
     METH_VARARGS | METH_KEYWORDS, "Export as an Arrow array (once; the buffer moves)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Column_as_sequence = {.sq_length = (lenfunc)Column_len};

static PyTypeObject ColumnType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analyzer.Column",
    .tp_basicsize = sizeof(Column),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Numbers for polars, exported without a copy (Arrow PyCapsule interface).",
    .tp_dealloc = (destructor)Column_dealloc,
    .tp_methods = Column_methods,
    .tp_as_sequence = &Column_as_sequence,
};

/* A new column taking over `data` (malloc'd, `length` items; freed here on failure). */
static PyObject *column_new(void *data, int64_t length, const char *format) {
    Column *col = PyObject_New(Column, &ColumnType);
    if (!col) {
        free(data);
        return NULL;
    }
    col->data = data;
    col->length = length;
    col->exported = 0;
    col->format = format;
    return (PyObject *)col;
}

#endif

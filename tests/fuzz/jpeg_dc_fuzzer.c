/*
 * libFuzzer harness for the DC decoder (core/imaging/_jpeg_dc.c), which reads untrusted files.
 *
 * Built with ASan and UBSan by run.sh, and run with PYTHONMALLOC=malloc so that every Python
 * object the decoder fills (its planes) is a separate allocation ASan guards. Beyond memory
 * errors and undefined behaviour it stops on what eighth.py could not handle: an exception
 * other than NotImplementedError, ValueError or MemoryError, or an answer whose planes do not
 * hold blocks_w * blocks_h bytes.
 */
#include "../../core/imaging/_jpeg_dc.c"

#include <stdio.h>

static void fail(const char *what) {
    fprintf(stderr, "jpeg_dc_fuzzer: %s\n", what);
    if (PyErr_Occurred()) PyErr_Print();
    abort();
}

static void check_answer(PyObject *out) {
    int width, height, adobe;
    PyObject *components;
    if (!PyArg_ParseTuple(out, "iiiO!", &width, &height, &adobe, &PyTuple_Type, &components)) {
        fail("the answer is not (width, height, adobe_transform, components)");
    }
    Py_ssize_t n = PyTuple_GET_SIZE(components);
    if (width <= 0 || height <= 0 || (n != 1 && n != 3)) fail("impossible size or components");
    for (Py_ssize_t c = 0; c < n; c++) {
        int id, h, v, blocks_w, blocks_h;
        PyObject *plane;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(components, c), "iiiO!ii", &id, &h, &v,
                              &PyBytes_Type, &plane, &blocks_w, &blocks_h)) {
            fail("a component is not (id, h, v, plane, blocks_w, blocks_h)");
        }
        if (h < 1 || v < 1 || blocks_w < 1 || blocks_h < 1 ||
            PyBytes_GET_SIZE(plane) != (Py_ssize_t)blocks_w * blocks_h) {
            fail("a plane does not hold blocks_w * blocks_h bytes");
        }
        /* One byte past a plane is the bytes object's own terminator, inside its allocation:
         * ASan cannot see a write there, so look at it. */
        if (PyBytes_AS_STRING(plane)[PyBytes_GET_SIZE(plane)] != '\0') {
            fail("a write past the end of a plane");
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    Py_InitializeEx(0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size);
    if (!bytes) fail("out of memory making the input");
    PyObject *out = dc_planes(NULL, bytes);
    if (out) {
        check_answer(out);
        Py_DECREF(out);
    } else if (PyErr_ExceptionMatches(PyExc_NotImplementedError) ||
               PyErr_ExceptionMatches(PyExc_ValueError) ||
               PyErr_ExceptionMatches(PyExc_MemoryError)) {
        PyErr_Clear();
    } else {
        fail("an exception eighth.py does not expect");
    }
    Py_DECREF(bytes);
    return 0;
}

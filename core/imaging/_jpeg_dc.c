/*
 * A JPEG decoder that reads only what a grid thumbnail needs: the DC coefficient of every block.
 *
 * At 1/8 scale libjpeg turns each 8x8 block into one pixel, its DC value, yet it still decodes
 * every AC coefficient in full before throwing it away. Here each AC coefficient is skipped with
 * one table lookup on the combined length of its Huffman code and its magnitude bits, over an
 * entropy-coded segment that has been unstuffed up front. The pixels are exactly libjpeg's 1x1
 * IDCT: (DC * Q0 + 4) >> 3, level-shifted and clamped.
 *
 * Handles baseline and extended sequential Huffman JPEGs, 8-bit, 1 or 3 components in one
 * interleaved scan, any sampling factors, restart intervals. Everything else (progressive,
 * arithmetic, 12-bit, CMYK, several scans) raises NotImplementedError so that the caller falls
 * back to libjpeg. Damaged data raises ValueError; the caller falls back too, and libjpeg then
 * reports the damage in its own words. The input is untrusted: every read is bounds-checked.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOOK 13                      /* bits looked at per table lookup */
#define PAD 4096                     /* zero bytes after the segment: > bits one MCU can use */
#define MAX_COMPONENTS 3
#define MAX_BLOCKS_IN_MCU 10

/* ---- Huffman tables ----------------------------------------------------------------------- */

typedef struct {
    int present;
    uint8_t counts[17];              /* codes of each length 1..16 */
    uint8_t symbols[256];
    int32_t maxcode[18];             /* canonical decoding of codes longer than LOOK */
    int32_t valoffset[17];
    /* DC: (length << 8) | symbol, 0 when the code is longer than LOOK or invalid. */
    uint16_t dc_fast[1 << LOOK];
    /* AC: (advance << 8) | total bits; advance 0 = end of block; whole entry 0 = slow path. */
    uint16_t ac_fast[1 << LOOK];
    /* AC, several symbols at once: bits 0-3 bits used, 4-10 coefficients advanced, 15 end of
     * block reached; 0 when not even the first symbol fits in LOOK bits. */
    uint16_t ac_multi[1 << LOOK];
} Huffman;

static int build_huffman(Huffman *h, int is_ac) {
    int code = 0, k = 0;
    uint16_t lengths[256];
    uint16_t codes[256];
    for (int len = 1; len <= 16; len++) {
        h->valoffset[len] = k - code;
        for (int i = 0; i < h->counts[len]; i++) {
            if (k >= 256) return -1;
            lengths[k] = (uint16_t)len;
            codes[k] = (uint16_t)code;
            code++;
            k++;
        }
        if (code >= (1 << len)) return -1;         /* more codes than the length allows */
        h->maxcode[len] = h->counts[len] ? code - 1 : -1;
        code <<= 1;
    }
    h->maxcode[17] = 0x7fffffff;
    if (!is_ac) {
        for (int i = 0; i < k; i++) {
            if (h->symbols[i] > 15) return -1;    /* as libjpeg: a bogus DC table */
        }
    }
    memset(h->dc_fast, 0, sizeof h->dc_fast);
    memset(h->ac_fast, 0, sizeof h->ac_fast);
    for (int i = 0; i < k; i++) {
        int len = lengths[i];
        if (len > LOOK) continue;
        int sym = h->symbols[i];
        int first = codes[i] << (LOOK - len);
        int span = 1 << (LOOK - len);
        for (int j = 0; j < span; j++) {
            if (!is_ac) {
                h->dc_fast[first + j] = (uint16_t)((len << 8) | sym);
            } else {
                int run = sym >> 4, size = sym & 15;
                int total = len + size;
                if (total > LOOK) continue;                 /* slow path */
                int advance;
                if (size == 0 && run == 0) advance = 0;     /* end of block */
                else if (size == 0 && run == 15) advance = 16;
                else if (size == 0) continue;               /* invalid: slow path reports it */
                else advance = run + 1;
                h->ac_fast[first + j] = (uint16_t)((advance << 8) | total);
            }
        }
    }
    if (is_ac) {
        for (int i = 0; i < (1 << LOOK); i++) {
            int used = 0, advance = 0, end = 0;
            for (;;) {
                uint16_t a = h->ac_fast[(i << used) & ((1 << LOOK) - 1)];
                if (!a || used + (a & 0xFF) > LOOK) break;
                used += a & 0xFF;
                if (!(a >> 8)) { end = 1; break; }
                advance += a >> 8;
                if (advance >= 64) break;
            }
            h->ac_multi[i] = used ? (uint16_t)((end << 15) | (advance << 4) | used) : 0;
        }
    }
    h->present = 1;
    return 0;
}

/* ---- Bit reader over the unstuffed segment --------------------------------------------------- */

typedef struct {
    const uint8_t *buf;
    size_t pos;                      /* next byte to load */
    uint64_t bits;                   /* MSB-aligned */
    int count;                       /* valid bits in `bits` */
} Bits;

/* Eight bytes as one big-endian number. A byte swap where the compiler has one for a
 * little-endian machine (GCC, Clang, MSVC); otherwise shifts, which GCC and Clang turn into
 * the same instruction anyway. */
#if defined(_MSC_VER) && !defined(__clang__)
#define BSWAP64(v) _byteswap_uint64(v)   /* <stdlib.h>; Windows runs little-endian only */
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BSWAP64(v) __builtin_bswap64(v)
#endif

static inline uint64_t load_be64(const uint8_t *p) {
#ifdef BSWAP64
    uint64_t v;
    memcpy(&v, p, 8);
    return BSWAP64(v);
#else
    return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
           ((uint64_t)p[3] << 32) | ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
           ((uint64_t)p[6] << 8) | (uint64_t)p[7];
#endif
}

/* After this, at least 56 bits are available (reads at most 8 bytes past pos: PAD covers it). */
static inline void refill(Bits *b) {
    b->bits |= load_be64(b->buf + b->pos) >> b->count;
    b->pos += (63 - b->count) >> 3;
    b->count |= 56;
}

static inline uint32_t peek(const Bits *b, int n) { return (uint32_t)(b->bits >> (64 - n)); }

static inline void drop(Bits *b, int n) {
    b->bits <<= n;
    b->count -= n;
}

/* A code longer than LOOK bits (or any code, when the fast table has no entry). -1: invalid. */
static int slow_symbol(Bits *b, const Huffman *h) {
    uint32_t window = peek(b, 16);
    for (int len = 1; len <= 16; len++) {
        int32_t code = (int32_t)(window >> (16 - len));
        if (code <= h->maxcode[len] && h->maxcode[len] >= 0) {
            int index = code + h->valoffset[len];
            if (index < 0 || index > 255) return -1;
            drop(b, len);
            return h->symbols[index];
        }
    }
    return -1;
}

/* ---- The decoder ------------------------------------------------------------------------------ */

typedef struct {
    int id, h, v, tq;
    int dc_table, ac_table;
    int blocks_w, blocks_h;          /* the component's blocks in whole MCUs */
    uint8_t *plane;
    int pred;
} Component;

typedef struct {
    const uint8_t *data;
    size_t size;
    int width, height, precision, sof, ncomp;
    Component comp[4];
    int quant[4][2];                 /* [table] = {present, DC quantiser} */
    Huffman *dc[4], *ac[4];
    int restart_interval;
    int adobe_transform;             /* -1: no Adobe marker */
    size_t scan_start;               /* first byte of entropy-coded data */
    int scan_order[MAX_COMPONENTS];
    int scan_ncomp;
} Jpeg;

static PyObject *unsupported(const char *what) {
    PyErr_SetString(PyExc_NotImplementedError, what);
    return NULL;
}

static PyObject *damaged(const char *what) {
    PyErr_SetString(PyExc_ValueError, what);
    return NULL;
}

static inline int u16(const uint8_t *p) { return (p[0] << 8) | p[1]; }

/* Read markers up to and including the first SOS. Returns 0, or -1 with an exception set. */
static int read_headers(Jpeg *j) {
    const uint8_t *d = j->data;
    size_t n = j->size, p = 2;
    if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) { damaged("not a JPEG"); return -1; }
    for (;;) {
        if (p >= n) { damaged("no scan"); return -1; }
        if (d[p] != 0xFF) { unsupported("stray bytes between segments"); return -1; }
        while (p < n && d[p] == 0xFF) p++;     /* fill bytes */
        if (p >= n) { damaged("no scan"); return -1; }
        int marker = d[p++];
        if (marker == 0x00) { unsupported("stray bytes between segments"); return -1; }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;
        if (marker == 0xD9) { damaged("no scan"); return -1; }
        if (p + 2 > n) { damaged("cut short"); return -1; }
        size_t len = (size_t)u16(d + p);
        if (len < 2 || p + len > n) { damaged("cut short"); return -1; }
        const uint8_t *s = d + p + 2;
        size_t slen = len - 2;
        p += len;
        switch (marker) {
        case 0xC0: case 0xC1: {
            if (j->sof) { unsupported("several frames"); return -1; }
            if (slen < 6) { damaged("bad frame header"); return -1; }
            j->sof = marker;
            j->precision = s[0];
            j->height = u16(s + 1);
            j->width = u16(s + 3);
            j->ncomp = s[5];
            if (j->precision != 8) { unsupported("not 8-bit"); return -1; }
            if (j->ncomp != 1 && j->ncomp != 3) { unsupported("not grey or YCbCr"); return -1; }
            if (slen < 6 + 3 * (size_t)j->ncomp) { damaged("bad frame header"); return -1; }
            if (j->width == 0 || j->height == 0) { unsupported("height from a DNL marker"); return -1; }
            if (j->width > 65500 || j->height > 65500) { damaged("too large"); return -1; }
            for (int c = 0; c < j->ncomp; c++) {
                Component *cp = &j->comp[c];
                cp->id = s[6 + 3 * c];
                cp->h = s[7 + 3 * c] >> 4;
                cp->v = s[7 + 3 * c] & 15;
                cp->tq = s[8 + 3 * c];
                if (cp->h < 1 || cp->h > 4 || cp->v < 1 || cp->v > 4 || cp->tq > 3) {
                    damaged("bad sampling factors"); return -1;
                }
            }
            break;
        }
        case 0xC2: case 0xC3: case 0xC5: case 0xC6: case 0xC7:
        case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
            unsupported("not a sequential Huffman JPEG"); return -1;
        case 0xC4: {                                 /* DHT */
            size_t q = 0;
            while (q < slen) {
                if (q + 17 > slen) { damaged("bad Huffman table"); return -1; }
                int tc = s[q] >> 4, th = s[q] & 15;
                if (tc > 1 || th > 3) { damaged("bad Huffman table"); return -1; }
                Huffman **slot = tc ? &j->ac[th] : &j->dc[th];
                if (!*slot && !(*slot = PyMem_Calloc(1, sizeof(Huffman)))) {
                    PyErr_NoMemory(); return -1;
                }
                Huffman *h = *slot;
                int total = 0;
                h->counts[0] = 0;
                for (int i = 1; i <= 16; i++) { h->counts[i] = s[q + i]; total += s[q + i]; }
                q += 17;
                if (total > 256 || q + total > slen) { damaged("bad Huffman table"); return -1; }
                memcpy(h->symbols, s + q, (size_t)total);
                q += total;
                if (build_huffman(h, tc) != 0) { damaged("bad Huffman table"); return -1; }
            }
            break;
        }
        case 0xDB: {                                 /* DQT: only the DC quantiser matters */
            size_t q = 0;
            while (q < slen) {
                int pq = s[q] >> 4, tq = s[q] & 15;
                size_t size = pq ? 129 : 65;
                if (pq > 1 || tq > 3 || q + size > slen) { damaged("bad quantisation table"); return -1; }
                j->quant[tq][0] = 1;
                j->quant[tq][1] = pq ? u16(s + q + 1) : s[q + 1];
                q += size;
            }
            break;
        }
        case 0xDD:                                   /* DRI */
            if (slen < 2) { damaged("bad restart interval"); return -1; }
            j->restart_interval = u16(s);
            break;
        case 0xEE:                                   /* APP14 "Adobe" */
            if (slen >= 12 && memcmp(s, "Adobe", 5) == 0) j->adobe_transform = s[11];
            break;
        case 0xDA: {                                 /* SOS */
            if (!j->sof) { damaged("scan before frame"); return -1; }
            if (slen < 1) { damaged("bad scan header"); return -1; }
            int ns = s[0];
            if (ns != j->ncomp) { unsupported("several scans"); return -1; }
            if (slen < 1 + 2 * (size_t)ns + 3) { damaged("bad scan header"); return -1; }
            for (int i = 0; i < ns; i++) {
                int id = s[1 + 2 * i], found = -1;
                for (int c = 0; c < j->ncomp; c++) if (j->comp[c].id == id) found = c;
                if (found < 0) { damaged("scan of an unknown component"); return -1; }
                for (int k = 0; k < i; k++) if (j->scan_order[k] == found) {
                    damaged("component twice in a scan"); return -1;
                }
                j->scan_order[i] = found;
                j->comp[found].dc_table = s[2 + 2 * i] >> 4;
                j->comp[found].ac_table = s[2 + 2 * i] & 15;
                if (j->comp[found].dc_table > 3 || j->comp[found].ac_table > 3) {
                    damaged("bad scan header"); return -1;
                }
            }
            const uint8_t *t = s + 1 + 2 * ns;       /* Ss, Se, Ah/Al */
            if (t[0] != 0 || t[1] != 63 || t[2] != 0) { unsupported("not a sequential scan"); return -1; }
            j->scan_ncomp = ns;
            j->scan_start = p;
            return 0;
        }
        default:
            break;                                   /* APPn, COM, ...: nothing we need */
        }
    }
}

/*
 * Copy the entropy-coded data without its byte stuffing (FF 00 -> FF), recording where each
 * restart interval starts. Stops at the first other marker (normally EOI) or the end of data.
 */
static uint8_t *unstuff(const Jpeg *j, size_t *out_len, size_t **starts, size_t *nstarts) {
    const uint8_t *d = j->data + j->scan_start;
    size_t n = j->size - j->scan_start;
    uint8_t *out = PyMem_Malloc(n + PAD);
    size_t cap = 64, count = 1;
    size_t *st = PyMem_Malloc(cap * sizeof(size_t));
    if (!out || !st) { PyMem_Free(out); PyMem_Free(st); PyErr_NoMemory(); return NULL; }
    st[0] = 0;
    size_t i = 0, o = 0;
    while (i < n) {
        const uint8_t *ff = memchr(d + i, 0xFF, n - i);
        size_t run = ff ? (size_t)(ff - (d + i)) : n - i;
        memcpy(out + o, d + i, run);
        o += run;
        i += run;
        if (!ff) break;
        /* d[i] == 0xFF */
        size_t k = i + 1;
        while (k < n && d[k] == 0xFF) k++;           /* fill bytes before a marker */
        if (k >= n) break;
        if (d[k] == 0x00) {
            out[o++] = 0xFF;
            i = k + 1;
        } else if (d[k] >= 0xD0 && d[k] <= 0xD7) {
            if (count == cap) {
                cap *= 2;
                size_t *grown = PyMem_Realloc(st, cap * sizeof(size_t));
                if (!grown) { PyMem_Free(out); PyMem_Free(st); PyErr_NoMemory(); return NULL; }
                st = grown;
            }
            st[count++] = o;
            i = k + 1;
        } else {
            break;                                   /* EOI or another marker: end of scan */
        }
    }
    memset(out + o, 0, PAD);
    *out_len = o;
    *starts = st;
    *nstarts = count;
    return out;
}

static inline int extend(uint32_t v, int size) {
    return v < (1u << (size - 1)) ? (int)v - (1 << size) + 1 : (int)v;
}

/* One block: returns its DC difference added to the predictor, or INT32_MIN when invalid. */
static inline int decode_block(Bits *b, const Huffman *dc, const Huffman *ac) {
    refill(b);
    int size;
    uint16_t e = dc->dc_fast[peek(b, LOOK)];
    if (e) {
        drop(b, e >> 8);
        size = e & 0xFF;
    } else {
        size = slow_symbol(b, dc);
        if (size < 0) return INT32_MIN;
    }
    if (size > 11) return INT32_MIN;
    int diff = 0;
    if (size) {
        diff = extend(peek(b, size), size);
        drop(b, size);
    }
    for (int k = 1;;) {
        refill(b);
        uint32_t window = peek(b, LOOK);
        uint16_t m = ac->ac_multi[window];
        int advance = (m >> 4) & 0x7F;
        if (m && k + advance + (m >> 15) <= 64) {
            /* Every symbol of the entry lies within this block (an end-of-block code too: it
             * can only follow a coefficient before the 64th). */
            drop(b, m & 15);
            k += advance;
            if ((m & 0x8000) || k >= 64) break;
            continue;
        }
        uint16_t a = ac->ac_fast[window];
        if (a) {
            drop(b, a & 0xFF);
            advance = a >> 8;
        } else {
            int sym = slow_symbol(b, ac);
            if (sym < 0) return INT32_MIN;
            int run = sym >> 4, bits = sym & 15;
            if (bits > 10 || (bits == 0 && run != 0 && run != 15)) return INT32_MIN;
            drop(b, bits);
            advance = bits ? run + 1 : run ? 16 : 0;
        }
        if (!advance) break;
        k += advance;
        if (k >= 64) {
            if (k > 64) return INT32_MIN;
            break;
        }
    }
    return diff;
}

static PyObject *decode_scan(Jpeg *j) {
    int hmax = 1, vmax = 1;
    for (int c = 0; c < j->ncomp; c++) {
        if (j->comp[c].h > hmax) hmax = j->comp[c].h;
        if (j->comp[c].v > vmax) vmax = j->comp[c].v;
    }
    for (int c = 0; c < j->ncomp; c++) {
        Component *cp = &j->comp[c];
        /* libjpeg scales luma by IDCT when chroma is sampled finer, and handles fractional
         * ratios its own way: those pictures are libjpeg's to decode. */
        if (hmax % cp->h || vmax % cp->v) return unsupported("fractional sampling");
    }
    if (j->ncomp == 3 && (j->comp[0].h != hmax || j->comp[0].v != vmax)) {
        return unsupported("chroma sampled finer than luma");
    }
    int blocks_in_mcu = 0;
    for (int c = 0; c < j->ncomp; c++) {
        Component *cp = &j->comp[c];
        if (!j->quant[cp->tq][0]) return damaged("missing quantisation table");
        if (!j->dc[cp->dc_table] || !j->ac[cp->ac_table]) return damaged("missing Huffman table");
        blocks_in_mcu += cp->h * cp->v;
    }
    int single = j->ncomp == 1;
    long mcus_x, mcus_y;
    if (single) {
        /* A non-interleaved scan: one block per MCU, over the component's own blocks. */
        Component *cp = &j->comp[0];
        long cw = ((long)j->width * cp->h + hmax - 1) / hmax;
        long ch = ((long)j->height * cp->v + vmax - 1) / vmax;
        mcus_x = (cw + 7) / 8;
        mcus_y = (ch + 7) / 8;
        cp->blocks_w = (int)mcus_x;
        cp->blocks_h = (int)mcus_y;
    } else {
        if (blocks_in_mcu > MAX_BLOCKS_IN_MCU) return damaged("too many blocks in an MCU");
        mcus_x = (j->width + 8L * hmax - 1) / (8L * hmax);
        mcus_y = (j->height + 8L * vmax - 1) / (8L * vmax);
        for (int c = 0; c < j->ncomp; c++) {
            j->comp[c].blocks_w = (int)(mcus_x * j->comp[c].h);
            j->comp[c].blocks_h = (int)(mcus_y * j->comp[c].v);
        }
    }

    size_t seg_len, nstarts;
    size_t *starts;
    uint8_t *seg = unstuff(j, &seg_len, &starts, &nstarts);
    if (!seg) return NULL;

    PyObject *planes[MAX_COMPONENTS] = {NULL, NULL, NULL};
    PyObject *result = NULL;
    for (int c = 0; c < j->ncomp; c++) {
        Component *cp = &j->comp[c];
        planes[c] = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cp->blocks_w * cp->blocks_h);
        if (!planes[c]) goto done;
        cp->plane = (uint8_t *)PyBytes_AS_STRING(planes[c]);
        cp->pred = 0;
    }

    const char *problem = NULL;
    Py_BEGIN_ALLOW_THREADS
    Bits b = {seg, 0, 0, 0};
    long total = mcus_x * mcus_y, interval = j->restart_interval;
    size_t next_start = 1;
    size_t limit_bits = seg_len * 8;
    for (long m = 0; m < total && !problem; m++) {
        if (interval && m && m % interval == 0) {
            if (next_start >= nstarts) { problem = "restart marker missing"; break; }
            b.pos = starts[next_start++];
            b.bits = 0;
            b.count = 0;
            for (int c = 0; c < j->ncomp; c++) j->comp[c].pred = 0;
        }
        long mx = m % mcus_x, my = m / mcus_x;
        for (int i = 0; i < j->scan_ncomp && !problem; i++) {
            Component *cp = &j->comp[j->scan_order[i]];
            int hs = single ? 1 : cp->h, vs = single ? 1 : cp->v;
            const Huffman *dc = j->dc[cp->dc_table], *ac = j->ac[cp->ac_table];
            int q0 = (int16_t)j->quant[cp->tq][1];  /* libjpeg's multiplier is a short */
            for (int by = 0; by < vs; by++) {
                for (int bx = 0; bx < hs; bx++) {
                    int diff = decode_block(&b, dc, ac);
                    if (diff == INT32_MIN) { problem = "bad Huffman code"; break; }
                    cp->pred = (int16_t)(cp->pred + diff);   /* libjpeg keeps a JCOEF */
                    /* libjpeg's 1x1 IDCT: descale, then its range limit, which wraps at 10 bits. */
                    int dc = (cp->pred * q0 + 4) >> 3;
                    int value = (((dc & 1023) ^ 512) - 512) + 128;
                    value = value < 0 ? 0 : value > 255 ? 255 : value;
                    long row = my * vs + by, col = mx * hs + bx;
                    cp->plane[row * cp->blocks_w + col] = (uint8_t)value;
                }
                if (problem) break;
            }
        }
        /* Bits used so far must lie within the segment (the zero padding is not data). */
        if (b.pos * 8 - (size_t)b.count > limit_bits + 7) problem = "the JPEG is cut short";
    }
    Py_END_ALLOW_THREADS
    if (problem) {
        damaged(problem);
        goto done;
    }
    result = PyTuple_New(j->ncomp);
    if (!result) goto done;
    for (int c = 0; c < j->ncomp; c++) {
        Component *cp = &j->comp[c];
        PyObject *item = Py_BuildValue("(iiiOii)", cp->id, single ? hmax : cp->h,
                                       single ? vmax : cp->v, planes[c], cp->blocks_w, cp->blocks_h);
        if (!item) { Py_CLEAR(result); goto done; }
        PyTuple_SET_ITEM(result, c, item);
    }
done:
    for (int c = 0; c < MAX_COMPONENTS; c++) Py_XDECREF(planes[c]);
    PyMem_Free(seg);
    PyMem_Free(starts);
    return result;
}

static PyObject *dc_planes(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0) return NULL;
    Jpeg j;
    memset(&j, 0, sizeof j);
    j.data = view.buf;
    j.size = (size_t)view.len;
    j.adobe_transform = -1;
    PyObject *out = NULL;
    if (read_headers(&j) == 0) {
        PyObject *components = decode_scan(&j);
        if (components) {
            out = Py_BuildValue("(iiiN)", j.width, j.height, j.adobe_transform, components);
        }
    }
    for (int t = 0; t < 4; t++) { PyMem_Free(j.dc[t]); PyMem_Free(j.ac[t]); }
    PyBuffer_Release(&view);
    return out;
}

static PyMethodDef methods[] = {
    {"dc_planes", dc_planes, METH_O,
     "dc_planes(jpeg_bytes) -> (width, height, adobe_transform, components)\n\n"
     "Each component is (id, h, v, plane, blocks_w, blocks_h): one byte per 8x8 block, its\n"
     "DC value as libjpeg's 1/8-scale decode gives it, over whole MCUs. NotImplementedError\n"
     "for JPEGs this decoder leaves to libjpeg, ValueError for damaged data."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_jpeg_dc", "DC-only JPEG decoding for grid thumbnails.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__jpeg_dc(void) { return PyModule_Create(&module); }

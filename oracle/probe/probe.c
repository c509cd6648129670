/*
 * oracle-probe: runs xenabi's oracle corpus on real Xen and records every answer.
 *
 *   oracle-probe drive [--domU ID] [--out FILE] CASES...   (in dom0)
 *   oracle-probe serve                                     (in the PV domU)
 *
 * The driver reads the case files (docs/ORACLE.md describes their format), issues each call
 * through /dev/xen/privcmd (IOCTL_PRIVCMD_HYPERCALL) itself or, for calls the domU issues, hands
 * the fully resolved call to the domU's probe through xenstore (data/oracle-req and
 * data/oracle-ans under the domU's home), and writes the record: the canonical call and what Xen
 * answered (return value, every byte of the argument struct and of the buffers afterwards).
 *
 * The server (in the domU) grants one page of its own to dom0 with gntalloc, publishes the grant
 * reference, and then runs the calls it is handed until it is told to stop.
 *
 * Our own code, MIT licence (oracle/LICENSE). Xen's ABI is taken from libxen-dev's headers.
 */
#define _GNU_SOURCE
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/evtchn.h>
#include <poll.h>

#define MAXBUF 8
#define MAXRANGE 32
#define MAXVARS 256
#define LINE 16384
#define ARGMAX 4096

/* ---------------------------------------------------------------- small helpers */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "oracle-probe: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void hex_out(char *dst, const uint8_t *src, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[src[i] >> 4];
        dst[2 * i + 1] = digits[src[i] & 15];
    }
    dst[2 * n] = 0;
}

static int hex_in(uint8_t *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(src + 2 * i, "%2x", &v) != 1)
            return -1;
        dst[i] = (uint8_t)v;
    }
    return (int)(n / 2);
}

static void put_le(uint8_t *p, int w, uint64_t v)
{
    for (int i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int w)
{
    uint64_t v = 0;
    for (int i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---------------------------------------------------------------- variables */

static struct { char name[32]; uint64_t value; } vars[MAXVARS];
static int nvars, nglobal; /* vars[0..nglobal) outlive a case; the rest are the case's own */

static int var_find(const char *name)
{
    for (int i = 0; i < nvars; i++)
        if (!strcmp(vars[i].name, name))
            return i;
    return -1;
}

static void var_set(const char *name, uint64_t v)
{
    int i = var_find(name);
    if (i < 0) {
        if (nvars == MAXVARS)
            die("too many variables");
        i = nvars++;
        snprintf(vars[i].name, sizeof vars[i].name, "%s", name);
    }
    vars[i].value = v;
}

/* ---------------------------------------------------------------- one call */

struct range { int buf; /* -1: the argument struct */ int off, len; char var[32]; };

struct call {
    int remote;            /* issued by the domU */
    char name[64];         /* evtchn.alloc_unbound */
    uint64_t op, sub, count;
    int okif;              /* >= 0: saves only when the i16 status at this offset is 0 */
    int has_argaddr;       /* the struct pointer is argaddr, not our page (EFAULT cases) */
    uint64_t argaddr;
    uint8_t in[ARGMAX];
    int inlen;
    int nbuf;
    struct { char name[16]; int size; uint8_t init[ARGMAX]; int initlen; } buf[MAXBUF];
    int nptr;
    struct { int off; int buf; } ptr[MAXRANGE];
    int nsym, nsave, nmask;
    struct range sym[MAXRANGE], save[MAXRANGE], mask[MAXRANGE];
    /* the answer */
    int64_t rc;
    uint8_t out[ARGMAX];
    uint8_t bufout[MAXBUF][ARGMAX];
};

static int privcmd_fd = -1;

static int64_t raw_hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
    privcmd_hypercall_t h = { .op = op, .arg = { a0, a1, a2, 0, 0 } };
    long r = ioctl(privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h);
    return r < 0 ? -(int64_t)errno : (int64_t)r;
}

static uint8_t *page_alloc(void)
{
    uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    if (mlock(p, 4096))
        die("mlock: %s", strerror(errno));
    return p;
}

/* Issues the call in this domain: the struct and each buffer sit in their own locked page. */
static void exec_local(struct call *c)
{
    static uint8_t *argpage, *bufpage[MAXBUF];
    if (!argpage) {
        argpage = page_alloc();
        for (int i = 0; i < MAXBUF; i++)
            bufpage[i] = page_alloc();
    }
    memset(argpage, 0, 4096);
    memcpy(argpage, c->in, c->inlen);
    for (int i = 0; i < c->nbuf; i++) {
        memset(bufpage[i], 0, 4096);
        memcpy(bufpage[i], c->buf[i].init, c->buf[i].initlen);
    }
    for (int i = 0; i < c->nptr; i++)
        put_le(argpage + c->ptr[i].off, 8, (uint64_t)(uintptr_t)bufpage[c->ptr[i].buf]);
    uint64_t a = c->has_argaddr ? c->argaddr : (uint64_t)(uintptr_t)argpage;
    if (c->op == __HYPERVISOR_grant_table_op)
        c->rc = raw_hypercall(c->op, c->sub, a, c->count);
    else
        c->rc = raw_hypercall(c->op, c->sub, a, 0);
    memcpy(c->out, argpage, c->inlen);
    for (int i = 0; i < c->nbuf; i++)
        memcpy(c->bufout[i], bufpage[i], c->buf[i].size);
}

/* ---------------------------------------------------------------- xenstore (wire protocol) */

enum { XS_READ = 2, XS_WRITE = 11, XS_ERROR = 16 };
struct xs_hdr { uint32_t type, req_id, tx_id, len; };
static int xs_fd = -1;
static uint32_t xs_req;

static void xs_open(void)
{
    static const char *socks[] = { "/run/xenstored/socket", "/var/run/xenstored/socket" };
    for (unsigned i = 0; i < sizeof socks / sizeof *socks; i++) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        snprintf(a.sun_path, sizeof a.sun_path, "%s", socks[i]);
        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
            xs_fd = s;
            return;
        }
        if (s >= 0)
            close(s);
    }
    static const char *devs[] = { "/dev/xen/xenbus", "/proc/xen/xenbus" };
    for (unsigned i = 0; i < sizeof devs / sizeof *devs; i++)
        if ((xs_fd = open(devs[i], O_RDWR)) >= 0)
            return;
    die("no xenstore connection");
}

static int full_read(int fd, void *p, size_t n)
{
    uint8_t *q = p;
    while (n) {
        ssize_t r = read(fd, q, n);
        if (r <= 0)
            return -1;
        q += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One request; the reply payload (NUL-terminated) goes to out. Returns 0, or -1 on XS_ERROR. */
static int xs_request(uint32_t type, const char *path, const char *value, char *out, size_t cap)
{
    char msg[8192];
    size_t plen = strlen(path) + 1, vlen = value ? strlen(value) : 0;
    struct xs_hdr h = { type, ++xs_req, 0, (uint32_t)(plen + vlen) };
    if (sizeof h + plen + vlen > sizeof msg)
        die("xenstore request too long");
    memcpy(msg, &h, sizeof h);
    memcpy(msg + sizeof h, path, plen);
    if (vlen)
        memcpy(msg + sizeof h + plen, value, vlen);
    if (write(xs_fd, msg, sizeof h + plen + vlen) != (ssize_t)(sizeof h + plen + vlen))
        die("xenstore write: %s", strerror(errno));
    for (;;) {
        struct xs_hdr r;
        if (full_read(xs_fd, &r, sizeof r) || r.len >= sizeof msg)
            die("xenstore read failed");
        if (full_read(xs_fd, msg, r.len))
            die("xenstore read failed");
        msg[r.len] = 0;
        if (r.req_id != h.req_id)
            continue; /* a watch event or a stale answer */
        if (out) {
            snprintf(out, cap, "%s", msg);
        }
        return r.type == XS_ERROR ? -1 : 0;
    }
}

/* ---------------------------------------------------------------- parsing a case line */

static const struct { const char *name; int op; int sub; } subops[] = {
    { "evtchn.bind_interdomain", 32, 0 }, { "evtchn.bind_virq", 32, 1 }, { "evtchn.bind_pirq", 32, 2 },
    { "evtchn.close", 32, 3 }, { "evtchn.send", 32, 4 }, { "evtchn.status", 32, 5 },
    { "evtchn.alloc_unbound", 32, 6 }, { "evtchn.bind_ipi", 32, 7 }, { "evtchn.bind_vcpu", 32, 8 },
    { "evtchn.unmask", 32, 9 }, { "evtchn.reset", 32, 10 }, { "evtchn.init_control", 32, 11 },
    { "evtchn.expand_array", 32, 12 }, { "evtchn.set_priority", 32, 13 },
    { "gnttab.map_grant_ref", 20, 0 }, { "gnttab.unmap_grant_ref", 20, 1 }, { "gnttab.setup_table", 20, 2 },
    { "gnttab.dump_table", 20, 3 }, { "gnttab.transfer", 20, 4 }, { "gnttab.copy", 20, 5 },
    { "gnttab.query_size", 20, 6 }, { "gnttab.unmap_and_replace", 20, 7 }, { "gnttab.set_version", 20, 8 },
    { "gnttab.get_status_frames", 20, 9 }, { "gnttab.get_version", 20, 10 },
    { "gnttab.swap_grant_ref", 20, 11 }, { "gnttab.cache_flush", 20, 12 },
};

static char perr[256];

static int parse_num(const char *s, uint64_t *v)
{
    if (*s == '$') {
        int i = var_find(s + 1);
        if (i < 0) {
            snprintf(perr, sizeof perr, "variable %s is not set", s + 1);
            return -1;
        }
        *v = vars[i].value;
        return 0;
    }
    char *end;
    errno = 0;
    *v = *s == '-' ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
    if (errno || end == s || *end) {
        snprintf(perr, sizeof perr, "bad number %s", s);
        return -1;
    }
    return 0;
}

/* Lays out FIELDS (u8:V,u16:V,u32:V,u64:V,zN,x:HEX) at dst; $var fields are added to syms. */
static int parse_fields(const char *spec, uint8_t *dst, int cap, struct call *c, int sym_ok)
{
    char tmp[LINE];
    snprintf(tmp, sizeof tmp, "%s", spec);
    int off = 0;
    for (char *save, *f = strtok_r(tmp, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        int w = 0;
        if (f[0] == 'z') {
            int n = atoi(f + 1);
            if (n <= 0 || off + n > cap)
                goto bad;
            memset(dst + off, 0, n);
            off += n;
            continue;
        }
        if (!strncmp(f, "x:", 2)) {
            int n = hex_in(dst + off, (size_t)(cap - off), f + 2);
            if (n < 0)
                goto bad;
            off += n;
            continue;
        }
        if (!strncmp(f, "u8:", 3))
            w = 1;
        else if (!strncmp(f, "u16:", 4))
            w = 2;
        else if (!strncmp(f, "u32:", 4))
            w = 4;
        else if (!strncmp(f, "u64:", 4))
            w = 8;
        else
            goto bad;
        const char *val = strchr(f, ':') + 1;
        uint64_t v;
        if (off + w > cap || parse_num(val, &v))
            return -1;
        put_le(dst + off, w, v);
        if (*val == '$' && sym_ok) {
            if (c->nsym == MAXRANGE)
                goto bad;
            struct range *r = &c->sym[c->nsym++];
            r->buf = -1;
            r->off = off;
            r->len = w;
            snprintf(r->var, sizeof r->var, "%s", val + 1);
        }
        off += w;
    }
    return off;
bad:
    snprintf(perr, sizeof perr, "bad field list %s", spec);
    return -1;
}

static int buf_index(struct call *c, const char *name)
{
    for (int i = 0; i < c->nbuf; i++)
        if (!strcmp(c->buf[i].name, name))
            return i;
    snprintf(perr, sizeof perr, "no buffer %s", name);
    return -1;
}

/* "OFF:LEN" or "NAME@OFF:LEN" */
static int parse_range(struct call *c, char *s, struct range *r)
{
    r->buf = -1;
    char *at = strchr(s, '@');
    if (at) {
        *at = 0;
        if ((r->buf = buf_index(c, s)) < 0)
            return -1;
        s = at + 1;
    }
    if (sscanf(s, "%d:%d", &r->off, &r->len) != 2 || r->off < 0 || r->len <= 0) {
        snprintf(perr, sizeof perr, "bad range %s", s);
        return -1;
    }
    return 0;
}

/* A case line: DOM NAME [count=N] [in=FIELDS] [buf=NAME:SIZE[:FIELDS]] [ptr=OFF:NAME]
 * [save=VAR:RANGE] [eq=OFF:W:VAR] [mask=RANGE]. */
static int parse_call(char *line, struct call *c)
{
    memset(c, 0, sizeof *c);
    c->count = 1;
    c->okif = -1;
    char *save, *tok = strtok_r(line, " \t", &save);
    if (!strcmp(tok, "dom0"))
        c->remote = 0;
    else if (!strcmp(tok, "domU"))
        c->remote = 1;
    else {
        snprintf(perr, sizeof perr, "unknown domain %s", tok);
        return -1;
    }
    tok = strtok_r(NULL, " \t", &save);
    if (!tok) {
        snprintf(perr, sizeof perr, "no hypercall");
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%s", tok);
    int found = 0;
    for (unsigned i = 0; i < sizeof subops / sizeof *subops; i++)
        if (!strcmp(subops[i].name, tok)) {
            c->op = subops[i].op;
            c->sub = subops[i].sub;
            found = 1;
        }
    if (!found) { /* evtchn.99, gnttab.99, or OP.SUB */
        char *dot = strchr(tok, '.');
        if (!dot) {
            snprintf(perr, sizeof perr, "unknown call %s", tok);
            return -1;
        }
        *dot = 0;
        c->op = !strcmp(tok, "evtchn") ? 32 : !strcmp(tok, "gnttab") ? 20 : strtoull(tok, NULL, 0);
        c->sub = strtoull(dot + 1, NULL, 0);
        *dot = '.';
    }
    while ((tok = strtok_r(NULL, " \t", &save))) {
        char *eqs = strchr(tok, '=');
        if (!eqs) {
            snprintf(perr, sizeof perr, "bad token %s", tok);
            return -1;
        }
        *eqs = 0;
        char *v = eqs + 1;
        if (!strcmp(tok, "count")) {
            if (parse_num(v, &c->count))
                return -1;
        } else if (!strcmp(tok, "argaddr")) {
            if (parse_num(v, &c->argaddr))
                return -1;
            c->has_argaddr = 1;
        } else if (!strcmp(tok, "okif")) {
            c->okif = atoi(v);
        } else if (!strcmp(tok, "in")) {
            if ((c->inlen = parse_fields(v, c->in, ARGMAX, c, 1)) < 0)
                return -1;
        } else if (!strcmp(tok, "buf")) {
            if (c->nbuf == MAXBUF)
                return -1;
            char *n = strtok(v, ":"), *sz = strtok(NULL, ":"), *init = strtok(NULL, "");
            if (!n || !sz)
                return -1;
            snprintf(c->buf[c->nbuf].name, sizeof c->buf[c->nbuf].name, "%s", n);
            c->buf[c->nbuf].size = atoi(sz);
            if (c->buf[c->nbuf].size <= 0 || c->buf[c->nbuf].size > 1024) {
                snprintf(perr, sizeof perr, "buffer size 1..1024");
                return -1;
            }
            if (init && (c->buf[c->nbuf].initlen = parse_fields(init, c->buf[c->nbuf].init,
                                                                 c->buf[c->nbuf].size, c, 0)) < 0)
                return -1;
            c->nbuf++;
        } else if (!strcmp(tok, "ptr")) {
            char *colon = strchr(v, ':');
            if (!colon || c->nptr == MAXRANGE)
                return -1;
            *colon = 0;
            c->ptr[c->nptr].off = atoi(v);
            if ((c->ptr[c->nptr].buf = buf_index(c, colon + 1)) < 0)
                return -1;
            c->nptr++;
        } else if (!strcmp(tok, "save")) {
            char *colon = strchr(v, ':');
            if (!colon || c->nsave == MAXRANGE)
                return -1;
            *colon = 0;
            struct range *r = &c->save[c->nsave];
            if (parse_range(c, colon + 1, r))
                return -1;
            snprintf(r->var, sizeof r->var, "%s", v);
            c->nsave++;
        } else if (!strcmp(tok, "eq")) {
            struct range *r = &c->sym[c->nsym];
            char var[32];
            if (c->nsym == MAXRANGE || sscanf(v, "%d:%d:%31s", &r->off, &r->len, var) != 3)
                return -1;
            r->buf = -1;
            snprintf(r->var, sizeof r->var, "%s", var);
            c->nsym++;
        } else if (!strcmp(tok, "mask")) {
            if (c->nmask == MAXRANGE || parse_range(c, v, &c->mask[c->nmask]))
                return -1;
            c->nmask++;
        } else {
            snprintf(perr, sizeof perr, "unknown key %s", tok);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the wire form of a call */

/* The canonical line: what the record holds and what the domU is handed. */
static void format_call(const struct call *c, char *s, size_t cap)
{
    char hex[2 * ARGMAX + 1];
    size_t n = 0;
    hex_out(hex, c->in, c->inlen);
    n += snprintf(s + n, cap - n, "call %s op=%llu sub=%llu vcpu=0 count=%llu in=%s", c->remote ? "domU" : "dom0",
                  (unsigned long long)c->op, (unsigned long long)c->sub, (unsigned long long)c->count, hex);
    if (c->has_argaddr)
        n += snprintf(s + n, cap - n, " argaddr=%llu", (unsigned long long)c->argaddr);
    if (c->okif >= 0)
        n += snprintf(s + n, cap - n, " okif=%d", c->okif);
    for (int i = 0; i < c->nbuf; i++) {
        hex_out(hex, c->buf[i].init, c->buf[i].initlen);
        n += snprintf(s + n, cap - n, " buf=%s:%d:%s", c->buf[i].name, c->buf[i].size, hex);
    }
    for (int i = 0; i < c->nptr; i++)
        n += snprintf(s + n, cap - n, " ptr=%d:%s", c->ptr[i].off, c->buf[c->ptr[i].buf].name);
    for (int i = 0; i < c->nsym; i++)
        n += snprintf(s + n, cap - n, " sym=%d:%d:%s", c->sym[i].off, c->sym[i].len, c->sym[i].var);
    for (int i = 0; i < c->nsave; i++) {
        const struct range *r = &c->save[i];
        if (r->buf >= 0)
            n += snprintf(s + n, cap - n, " save=%s:%s@%d:%d", r->var, c->buf[r->buf].name, r->off, r->len);
        else
            n += snprintf(s + n, cap - n, " save=%s:%d:%d", r->var, r->off, r->len);
    }
    for (int i = 0; i < c->nmask; i++) {
        const struct range *r = &c->mask[i];
        if (r->buf >= 0)
            n += snprintf(s + n, cap - n, " mask=%s@%d:%d", c->buf[r->buf].name, r->off, r->len);
        else
            n += snprintf(s + n, cap - n, " mask=%d:%d", r->off, r->len);
    }
    snprintf(s + n, cap - n, " name=%s", c->name);
}

static void format_answer(const struct call *c, char *s, size_t cap)
{
    char hex[2 * ARGMAX + 1];
    size_t n = 0;
    hex_out(hex, c->out, c->inlen);
    n += snprintf(s + n, cap - n, "rc=%lld out=%s", (long long)c->rc, hex);
    for (int i = 0; i < c->nbuf; i++) {
        hex_out(hex, c->bufout[i], c->buf[i].size);
        n += snprintf(s + n, cap - n, " buf.%s=%s", c->buf[i].name, hex);
    }
}

/* The domU side: a canonical line (no syms, saves or masks are needed there) back to a call. */
static int parse_wire(char *line, struct call *c)
{
    memset(c, 0, sizeof *c);
    char *save, *tok = strtok_r(line, " ", &save);
    if (!tok || strcmp(tok, "call"))
        return -1;
    strtok_r(NULL, " ", &save); /* domain */
    while ((tok = strtok_r(NULL, " ", &save))) {
        if (!strncmp(tok, "op=", 3))
            c->op = strtoull(tok + 3, NULL, 0);
        else if (!strncmp(tok, "sub=", 4))
            c->sub = strtoull(tok + 4, NULL, 0);
        else if (!strncmp(tok, "count=", 6))
            c->count = strtoull(tok + 6, NULL, 0);
        else if (!strncmp(tok, "in=", 3))
            c->inlen = hex_in(c->in, ARGMAX, tok + 3);
        else if (!strncmp(tok, "argaddr=", 8)) {
            c->argaddr = strtoull(tok + 8, NULL, 0);
            c->has_argaddr = 1;
        }
        else if (!strncmp(tok, "buf=", 4)) {
            char *n = strtok(tok + 4, ":"), *sz = strtok(NULL, ":"), *h = strtok(NULL, "");
            snprintf(c->buf[c->nbuf].name, sizeof c->buf[c->nbuf].name, "%s", n);
            c->buf[c->nbuf].size = atoi(sz);
            c->buf[c->nbuf].initlen = h ? hex_in(c->buf[c->nbuf].init, ARGMAX, h) : 0;
            c->nbuf++;
        } else if (!strncmp(tok, "ptr=", 4)) {
            char *colon = strchr(tok, ':');
            *colon = 0;
            c->ptr[c->nptr].off = atoi(tok + 4);
            c->ptr[c->nptr].buf = buf_index(c, colon + 1);
            c->nptr++;
        } else if (!strncmp(tok, "sym=", 4) && c->nsym < MAXRANGE) {
            struct range *r = &c->sym[c->nsym++];
            r->buf = -1;
            sscanf(tok + 4, "%d:%d:%31s", &r->off, &r->len, r->var);
        } else if (!strncmp(tok, "save=", 5) && c->nsave < MAXRANGE) {
            char *colon = strchr(tok, ':');
            *colon = 0;
            struct range *r = &c->save[c->nsave++];
            snprintf(r->var, sizeof r->var, "%s", tok + 5);
            parse_range(c, colon + 1, r);
        } else if (!strncmp(tok, "mask=", 5) && c->nmask < MAXRANGE) {
            parse_range(c, tok + 5, &c->mask[c->nmask++]);
        } else if (!strncmp(tok, "name=", 5)) {
            snprintf(c->name, sizeof c->name, "%s", tok + 5);
        }
    }
    return c->inlen < 0 ? -1 : 0;
}

/* The answer line "ret rc=.. out=.. buf.N=.. var.V=.." into c (its buffers already named). */
static void parse_answer(char *line, struct call *c, void (*on_var)(const char *, uint64_t))
{
    char *save;
    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (!strncmp(tok, "rc=", 3))
            c->rc = strtoll(tok + 3, NULL, 0);
        else if (!strncmp(tok, "out=", 4))
            hex_in(c->out, ARGMAX, tok + 4);
        else if (!strncmp(tok, "buf.", 4) || !strncmp(tok, "var.", 4)) {
            char *eqs = strchr(tok, '=');
            if (!eqs)
                continue;
            *eqs = 0;
            if (tok[0] == 'v') {
                if (on_var)
                    on_var(tok + 4, strtoull(eqs + 1, NULL, 0));
                continue;
            }
            int b = buf_index(c, tok + 4);
            if (b >= 0)
                hex_in(c->bufout[b], ARGMAX, eqs + 1);
        }
    }
}

/* ---------------------------------------------------------------- the mailbox
 *
 * The fast way to the domU: a page the domU grants to dom0 (gntalloc; dom0 maps it with gntdev)
 * and an interdomain event channel (/dev/xen/evtchn on both sides). u32 request sequence @0,
 * u32 answer sequence @4, the request line and then the answer line at @8. The domain that
 * grants the page has an entry pinned while it is mapped, which set_version refuses (-EBUSY),
 * so a case file can switch the rest of the run to xenstore ("transport xenstore"). */

struct mailbox { volatile uint32_t req, ans; char text[4088]; };
static struct mailbox *mb;
static int evt_fd = -1, mb_gntdev = -1;
static uint32_t mb_port;
static uint64_t mb_index;

static void evt_notify(void)
{
    struct ioctl_evtchn_notify n = { mb_port };
    ioctl(evt_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

/* Blocks until an event arrives on the mailbox port (or timeout_ms), then unmasks it. */
static void evt_wait(int timeout_ms)
{
    struct pollfd pfd = { evt_fd, POLLIN, 0 };
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    uint32_t port;
    if (read(evt_fd, &port, sizeof port) == sizeof port)
        if (write(evt_fd, &port, sizeof port) != sizeof port)
            die("evtchn unmask: %s", strerror(errno));
}

/* ---------------------------------------------------------------- driver (dom0) */

static int domU = -1;
static char homeU[64];
static unsigned seq;

static int mb_exchange(const char *req, char *ans, size_t cap)
{
    if (strlen(req) >= sizeof mb->text)
        die("a request of %zu bytes does not fit the mailbox", strlen(req));
    strcpy(mb->text, req);
    __sync_synchronize();
    uint32_t want = mb->req + 1;
    mb->req = want;
    evt_notify();
    for (int waited = 0; mb->ans != want; waited += 100) {
        if (waited > 30000)
            die("the domU did not answer through the mailbox");
        evt_wait(100);
    }
    __sync_synchronize();
    snprintf(ans, cap, "%s", mb->text);
    return 0;
}

/* The rest of the run talks to the domU over xenstore; the mailbox page is unmapped. */
static void switch_to_xenstore(void)
{
    char ans[64];
    if (!mb)
        return;
    mb_exchange("xenstore", ans, sizeof ans);
    struct ioctl_gntdev_unmap_grant_ref u = { .index = mb_index, .count = 1 };
    munmap((void *)mb, 4096);
    if (ioctl(mb_gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u))
        fprintf(stderr, "oracle-probe: gntdev unmap: %s\n", strerror(errno));
    mb = NULL;
}

static void mb_connect(uint32_t gref, uint32_t remote_port)
{
    if ((mb_gntdev = open("/dev/xen/gntdev", O_RDWR)) < 0 || (evt_fd = open("/dev/xen/evtchn", O_RDWR)) < 0)
        die("open gntdev/evtchn: %s", strerror(errno));
    struct ioctl_gntdev_map_grant_ref m = { .count = 1 };
    m.refs[0].domid = (uint32_t)domU;
    m.refs[0].ref = gref;
    if (ioctl(mb_gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &m))
        die("gntdev map: %s", strerror(errno));
    mb_index = m.index;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mb_gntdev, (off_t)m.index);
    if (p == MAP_FAILED)
        die("gntdev mmap: %s", strerror(errno));
    struct ioctl_evtchn_bind_interdomain b = { (unsigned)domU, remote_port };
    int port = ioctl(evt_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (port < 0)
        die("evtchn bind: %s", strerror(errno));
    mb_port = (uint32_t)port;
    mb = p;
}

static void exec_remote(struct call *c)
{
    char line[LINE], req[LINE + 32], ans[LINE];
    format_call(c, line, sizeof line);
    snprintf(req, sizeof req, "%u %s", ++seq, line);
    if (mb) {
        mb_exchange(req, ans, sizeof ans);
        parse_answer(strchr(ans, ' ') + 1, c, NULL);
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/data/oracle-req", homeU);
    if (xs_request(XS_WRITE, path, req, NULL, 0))
        die("cannot write %s", path);
    snprintf(path, sizeof path, "%s/data/oracle-ans", homeU);
    for (int tries = 0;; tries++) {
        unsigned got;
        if (xs_request(XS_READ, path, NULL, ans, sizeof ans) == 0 && sscanf(ans, "%u", &got) == 1 && got == seq)
            break;
        if (tries > 30000)
            die("the domU did not answer call %u", seq);
        sleep_ms(1);
    }
    parse_answer(strchr(ans, ' ') + 1, c, NULL);
}

static FILE *rec;
static int ncases, ncalls, nskipped;

static void record(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(rec, fmt, ap);
    va_end(ap);
    fputc('\n', rec);
    fflush(rec);
}

static void run_line(char *line, const char *where)
{
    static struct call c;
    char copy[LINE], canon[LINE], ans[LINE];
    snprintf(copy, sizeof copy, "%s", line);
    if (parse_call(copy, &c)) {
        record("skip %s: %s", where, perr);
        nskipped++;
        return;
    }
    if (c.remote && domU < 0) {
        record("skip %s: no domU", where);
        nskipped++;
        return;
    }
    format_call(&c, canon, sizeof canon);
    record("%s", canon);
    if (c.remote)
        exec_remote(&c);
    else
        exec_local(&c);
    ncalls++;
    format_answer(&c, ans, sizeof ans);
    size_t n = strlen(ans);
    for (int i = 0; i < c.nsave; i++) {
        const struct range *r = &c.save[i];
        const uint8_t *src = r->buf >= 0 ? c.bufout[r->buf] : c.out;
        uint64_t v = get_le(src + r->off, r->len);
        if (c.rc >= 0 && (c.okif < 0 || get_le(c.out + c.okif, 2) == 0)) {
            var_set(r->var, v);
            n += snprintf(ans + n, sizeof ans - n, " var.%s=%llu", r->var, (unsigned long long)v);
        }
    }
    record("ret %s", ans);
}

static void drive(int argc, char **argv)
{
    char line[LINE];
    for (int f = 0; f < argc; f++) {
        FILE *in = fopen(argv[f], "r");
        if (!in)
            die("cannot open %s", argv[f]);
        const char *base = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
        record("file %s", base);
        int lineno = 0, open_case = 0;
        while (fgets(line, sizeof line, in)) {
            lineno++;
            line[strcspn(line, "\r\n")] = 0;
            char *s = line;
            while (*s == ' ' || *s == '\t')
                s++;
            if (!*s || *s == '#')
                continue;
            char where[300];
            snprintf(where, sizeof where, "%s:%d", base, lineno);
            if (!strcmp(s, "transport xenstore")) {
                if (open_case)
                    record("end");
                open_case = 0;
                switch_to_xenstore();
                record("transport xenstore");
                continue;
            }
            if (!strncmp(s, "case ", 5)) {
                if (open_case)
                    record("end");
                record("case %s", s + 5);
                nvars = nglobal;
                open_case = 1;
                ncases++;
                fprintf(stderr, "oracle-probe: case %d %s\n", ncases, s + 5);
            } else if (!open_case) {
                record("skip %s: call outside a case", where);
                nskipped++;
            } else {
                run_line(s, where);
            }
        }
        if (open_case)
            record("end");
        fclose(in);
    }
}

/* Xen's version through the same door (__HYPERVISOR_xen_version = 17). */
static void record_header(void)
{
    static uint8_t *p;
    if (!p)
        p = page_alloc();
    int64_t v = raw_hypercall(17, 0 /* XENVER_version */, 0, 0);
    memset(p, 0, 4096);
    raw_hypercall(17, 1 /* XENVER_extraversion */, (uint64_t)(uintptr_t)p, 0);
    record("oracle-record 1");
    record("xen %lld.%lld%s", (long long)(v >> 16), (long long)(v & 0xffff), (char *)p);
    for (int i = 0; i < nvars; i++)
        record("var %s=%llu", vars[i].name, (unsigned long long)vars[i].value);
}

static void pin_to_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        fprintf(stderr, "oracle-probe: cannot pin to cpu 0: %s\n", strerror(errno));
}

/* A page of this domain granted to domid with gntalloc, filled with a pattern; returns the ref. */
static uint32_t grant_page(int domid, uint8_t pattern)
{
    static int fd = -1;
    if (fd < 0 && (fd = open("/dev/xen/gntalloc", O_RDWR)) < 0)
        die("open /dev/xen/gntalloc: %s", strerror(errno));
    struct ioctl_gntalloc_alloc_gref a = { .domid = (uint16_t)domid, .flags = GNTALLOC_FLAG_WRITABLE, .count = 1 };
    if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &a))
        die("gntalloc: %s", strerror(errno));
    uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.index);
    if (p == MAP_FAILED)
        die("gntalloc mmap: %s", strerror(errno));
    for (int i = 0; i < 4096; i++)
        p[i] = (uint8_t)(pattern + i);
    return a.gref_ids[0];
}

static void open_privcmd(void)
{
    if ((privcmd_fd = open("/dev/xen/privcmd", O_RDWR)) < 0 && (privcmd_fd = open("/proc/xen/privcmd", O_RDWR)) < 0)
        die("open privcmd: %s", strerror(errno));
}

static int cmd_drive(int argc, char **argv)
{
    const char *out = NULL;
    int i = 0;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--domU") && i + 1 < argc)
            domU = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else
            break;
    }
    rec = out ? fopen(out, "w") : stdout;
    if (!rec)
        die("cannot open %s", out);
    pin_to_cpu0();
    open_privcmd();
    var_set("dom0", 0);
    var_set("self", 0x7ff0);
    var_set("gref_00", grant_page(0, 0x10));
    if (domU >= 0) {
        char path[128], val[256];
        xs_open();
        snprintf(homeU, sizeof homeU, "/local/domain/%d", domU);
        var_set("domU", (uint64_t)domU);
        var_set("gref_0u", grant_page(domU, 0x20));
        snprintf(path, sizeof path, "%s/data/oracle-ready", homeU);
        int t = 0;
        while (xs_request(XS_READ, path, NULL, val, sizeof val) != 0) {
            if (++t > 1200)
                die("the domU's probe did not start");
            sleep_ms(100);
        }
        unsigned g, mg, mp;
        if (sscanf(val, "gref_u0=%u mailbox=%u port=%u", &g, &mg, &mp) != 3)
            die("bad %s: %s", path, val);
        var_set("gref_u0", g);
        mb_connect(mg, mp);
    }
    record_header();
    nglobal = nvars;
    time_t t0 = time(NULL);
    drive(argc - i, argv + i);
    if (domU >= 0) {
        char path[128];
        switch_to_xenstore();
        snprintf(path, sizeof path, "%s/data/oracle-req", homeU);
        xs_request(XS_WRITE, path, "stop", NULL, 0);
    }
    record("end-record cases=%d calls=%d skipped=%d", ncases, ncalls, nskipped);
    fprintf(stderr, "oracle-probe: %d cases, %d calls, %d skipped in %ld s\n", ncases, ncalls, nskipped,
            (long)(time(NULL) - t0));
    return 0;
}

/* ---------------------------------------------------------------- server (domU) */

/* Runs one request line "SEQ call ..." and writes "SEQ rc=.. out=.." to ans. */
static void serve_one(char *req, char *ans, size_t cap)
{
    static struct call c;
    char *sp = strchr(req, ' ');
    if (!sp) {
        snprintf(ans, cap, "0 rc=-9999 out=");
        return;
    }
    *sp = 0;
    if (parse_wire(sp + 1, &c) == 0) {
        char a[LINE];
        exec_local(&c);
        format_answer(&c, a, sizeof a);
        snprintf(ans, cap, "%.20s %s", req, a);
    } else {
        snprintf(ans, cap, "%.20s rc=-9999 out=", req);
    }
}

static int cmd_serve(void)
{
    static char req[LINE + 32], ans[LINE + 32];
    char last[32] = "";
    pin_to_cpu0();
    open_privcmd();
    xs_open();
    uint32_t g = grant_page(0, 0x40);
    /* the mailbox: a page of ours granted to dom0 and an unbound port for dom0 */
    static int gfd = -1;
    if ((gfd = open("/dev/xen/gntalloc", O_RDWR)) < 0 || (evt_fd = open("/dev/xen/evtchn", O_RDWR)) < 0)
        die("open gntalloc/evtchn: %s", strerror(errno));
    struct ioctl_gntalloc_alloc_gref a = { .domid = 0, .flags = GNTALLOC_FLAG_WRITABLE, .count = 1 };
    if (ioctl(gfd, IOCTL_GNTALLOC_ALLOC_GREF, &a))
        die("gntalloc: %s", strerror(errno));
    mb = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, (off_t)a.index);
    if (mb == MAP_FAILED)
        die("gntalloc mmap: %s", strerror(errno));
    memset((void *)mb, 0, 4096);
    struct ioctl_evtchn_bind_unbound_port u = { 0 };
    int port = ioctl(evt_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    if (port < 0)
        die("evtchn unbound: %s", strerror(errno));
    mb_port = (uint32_t)port;
    snprintf(ans, sizeof ans, "gref_u0=%u mailbox=%u port=%u", g, a.gref_ids[0], mb_port);
    if (xs_request(XS_WRITE, "data/oracle-ready", ans, NULL, 0))
        die("cannot write data/oracle-ready");
    fprintf(stderr, "oracle-probe: serving (%s)\n", ans);
    uint32_t done = 0;
    for (;;) { /* the mailbox, until dom0 asks for xenstore */
        if (mb->req == done) {
            evt_wait(1000);
            continue;
        }
        __sync_synchronize();
        uint32_t r = mb->req;
        snprintf(req, sizeof req, "%s", mb->text);
        if (!strcmp(req, "xenstore")) {
            strcpy(mb->text, "ok");
            __sync_synchronize();
            mb->ans = r;
            evt_notify();
            break;
        }
        serve_one(req, ans, sizeof ans);
        if (strlen(ans) >= sizeof mb->text)
            snprintf(ans, sizeof ans, "%u rc=-9998 out=", r);
        strcpy(mb->text, ans);
        __sync_synchronize();
        mb->ans = done = r;
        evt_notify();
    }
    for (;;) { /* xenstore */
        if (xs_request(XS_READ, "data/oracle-req", NULL, req, sizeof req) != 0) {
            sleep_ms(2);
            continue;
        }
        if (!strcmp(req, "stop"))
            break;
        char *sp = strchr(req, ' ');
        if (!sp || (size_t)(sp - req) >= sizeof last)
            continue;
        if (!strncmp(req, last, (size_t)(sp - req)) && last[sp - req] == 0) {
            sleep_ms(1);
            continue;
        }
        memcpy(last, req, (size_t)(sp - req));
        last[sp - req] = 0;
        serve_one(req, ans, sizeof ans);
        if (xs_request(XS_WRITE, "data/oracle-ans", ans, NULL, 0))
            die("cannot write data/oracle-ans");
    }
    fprintf(stderr, "oracle-probe: stopped\n");
    return 0;
}

/* ---------------------------------------------------------------- compare (on the host) */

/* Two records of the same corpus (the committed one and a fresh one) compared the way the Java
 * replay compares xenabi's answers with a record: the rc exactly; every byte of the struct and
 * the buffers, except ptr, mask and save ranges; sym ranges hold each side's own variable value
 * when the recorded bytes held the recording side's value. docs/ORACLE.md states the rules. */
struct side {
    char **lines;
    int nlines;
    struct { char name[32]; uint64_t v; } vars[MAXVARS];
    int nvars, nglobal;
};
static struct side *cur_side;

static void side_var(const char *name, uint64_t v)
{
    struct side *sd = cur_side;
    for (int i = 0; i < sd->nvars; i++)
        if (!strcmp(sd->vars[i].name, name)) {
            sd->vars[i].v = v;
            return;
        }
    if (sd->nvars < MAXVARS) {
        snprintf(sd->vars[sd->nvars].name, 32, "%s", name);
        sd->vars[sd->nvars++].v = v;
    }
}

static int side_get(struct side *sd, const char *name, uint64_t *v)
{
    for (int i = 0; i < sd->nvars; i++)
        if (!strcmp(sd->vars[i].name, name)) {
            *v = sd->vars[i].v;
            return 0;
        }
    return -1;
}

/* Reads a record: its lines, and the global variables of its header. */
static void side_load(struct side *sd, const char *file)
{
    FILE *f = fopen(file, "r");
    static char line[LINE];
    int cap = 0;
    if (!f)
        die("cannot open %s", file);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "var ", 4)) {
            char *eqs = strchr(line, '=');
            if (eqs) {
                *eqs = 0;
                cur_side = sd;
                side_var(line + 4, strtoull(eqs + 1, NULL, 0));
            }
            continue;
        }
        if (sd->nlines == cap) {
            cap = cap ? 2 * cap : 1024;
            sd->lines = realloc(sd->lines, (size_t)cap * sizeof *sd->lines);
        }
        sd->lines[sd->nlines++] = strdup(line);
    }
    fclose(f);
    sd->nglobal = sd->nvars;
}

static int side_find_case(struct side *sd, const char *casename)
{
    for (int i = 0; i < sd->nlines; i++)
        if (!strncmp(sd->lines[i], "case ", 5) && !strcmp(sd->lines[i] + 5, casename))
            return i;
    return -1;
}

/* 1 where a byte is compared raw, 0 where it is skipped, 2 where it is a sym byte. */
static void byte_rules(const struct call *c, int buf, int len, uint8_t *rule, int *symidx)
{
    for (int i = 0; i < len; i++) {
        rule[i] = 1;
        symidx[i] = -1;
    }
    if (buf < 0)
        for (int i = 0; i < c->nptr; i++)
            for (int k = 0; k < 8 && c->ptr[i].off + k < len; k++)
                rule[c->ptr[i].off + k] = 0;
    for (int i = 0; i < c->nsave; i++)
        if (c->save[i].buf == buf)
            for (int k = 0; k < c->save[i].len && c->save[i].off + k < len; k++)
                rule[c->save[i].off + k] = 0;
    for (int i = 0; i < c->nmask; i++)
        if (c->mask[i].buf == buf)
            for (int k = 0; k < c->mask[i].len && c->mask[i].off + k < len; k++)
                rule[c->mask[i].off + k] = 0;
    if (buf < 0)
        for (int i = 0; i < c->nsym; i++)
            for (int k = 0; k < c->sym[i].len && c->sym[i].off + k < len; k++)
                if (rule[c->sym[i].off + k]) {
                    rule[c->sym[i].off + k] = 2;
                    symidx[c->sym[i].off + k] = i;
                }
}

static int compare_bytes(const char *what, const struct call *ce, struct side *se, const uint8_t *e,
                         struct side *sa, const uint8_t *a, int buf, int len, char *msg, size_t cap)
{
    uint8_t rule[ARGMAX];
    int symidx[ARGMAX];
    byte_rules(ce, buf, len, rule, symidx);
    for (int i = 0; i < len; i++) {
        if (rule[i] == 0)
            continue;
        if (rule[i] == 2) {
            const struct range *r = &ce->sym[symidx[i]];
            uint64_t ve, va;
            if (i != r->off)
                continue;
            if (side_get(se, r->var, &ve) || side_get(sa, r->var, &va)) {
                snprintf(msg, cap, "%s: variable %s unknown", what, r->var);
                return 1;
            }
            uint64_t be = get_le(e + r->off, r->len), ba = get_le(a + r->off, r->len);
            uint64_t mask = r->len == 8 ? ~0ULL : ((1ULL << (8 * r->len)) - 1);
            int e_sym = be == (ve & mask);
            uint64_t want = e_sym ? (va & mask) : be;
            if (ba != want) {
                snprintf(msg, cap, "%s @%d:%d: expected %s%llx, got %llx", what, r->off, r->len,
                         e_sym ? "$" : "", (unsigned long long)(e_sym ? ve : be), (unsigned long long)ba);
                return 1;
            }
            continue;
        }
        if (e[i] != a[i]) {
            char he[65], ha[65];
            int n = len - i < 32 ? len - i : 32;
            hex_out(he, e + i, n);
            hex_out(ha, a + i, n);
            snprintf(msg, cap, "%s @%d: expected %s, got %s", what, i, he, ha);
            return 1;
        }
    }
    return 0;
}

/* Compares one case, from line ie of the expected record and line ia of the actual one. */
static int compare_case(struct side *se, int ie, struct side *sa, int ia, int *calls)
{
    static struct call ce, ca;
    static char tmp[LINE];
    const char *name = se->lines[ie] + 5;
    char msg[512];
    se->nvars = se->nglobal;
    sa->nvars = sa->nglobal;
    for (int k = 1;; k++) {
        const char *le = ie + k < se->nlines ? se->lines[ie + k] : "end";
        const char *la = ia + k < sa->nlines ? sa->lines[ia + k] : "end";
        if (!strncmp(le, "call ", 5) && !strncmp(la, "call ", 5)) {
            snprintf(tmp, sizeof tmp, "%s", le);
            parse_wire(tmp, &ce);
            snprintf(tmp, sizeof tmp, "%s", la);
            parse_wire(tmp, &ca);
            (*calls)++;
            if (ce.op != ca.op || ce.sub != ca.sub || ce.count != ca.count || ce.inlen != ca.inlen) {
                printf("DIFF %s: call %d differs (%s)\n", name, k, ce.name);
                return 1;
            }
            continue;
        }
        if (!strncmp(le, "ret ", 4) && !strncmp(la, "ret ", 4)) {
            snprintf(tmp, sizeof tmp, "%s", le + 4);
            cur_side = se;
            parse_answer(tmp, &ce, side_var);
            snprintf(tmp, sizeof tmp, "%s", la + 4);
            cur_side = sa;
            parse_answer(tmp, &ca, side_var);
            int bad = 0;
            if (ce.rc != ca.rc) {
                snprintf(msg, sizeof msg, "rc: expected %lld, got %lld", (long long)ce.rc, (long long)ca.rc);
                bad = 1;
            }
            if (!bad)
                bad = compare_bytes("out", &ce, se, ce.out, sa, ca.out, -1, ce.inlen, msg, sizeof msg);
            for (int b = 0; !bad && b < ce.nbuf; b++)
                bad = compare_bytes(ce.buf[b].name, &ce, se, ce.bufout[b], sa, ca.bufout[b], b, ce.buf[b].size,
                                    msg, sizeof msg);
            if (bad) {
                printf("DIFF %s: %s %s\n", name, ce.name, msg);
                return 1;
            }
            continue;
        }
        if (strcmp(le, la)) {
            printf("DIFF %s: expected \"%.100s\", got \"%.100s\"\n", name, le, la);
            return 1;
        }
        if (!strcmp(le, "end"))
            return 0;
    }
}

static int cmd_compare(const char *fe, const char *fa)
{
    static struct side se, sa;
    int diffs = 0, calls = 0, cases = 0, missing = 0;
    side_load(&se, fe);
    side_load(&sa, fa);
    for (int i = 0; i < se.nlines; i++) {
        if (strncmp(se.lines[i], "case ", 5))
            continue;
        cases++;
        int j = side_find_case(&sa, se.lines[i] + 5);
        if (j < 0) {
            printf("MISSING %s: not in %s\n", se.lines[i] + 5, fa);
            missing++;
            continue;
        }
        diffs += compare_case(&se, i, &sa, j, &calls);
    }
    for (int j = 0; j < sa.nlines; j++)
        if (!strncmp(sa.lines[j], "case ", 5) && side_find_case(&se, sa.lines[j] + 5) < 0) {
            printf("NEW %s: only in %s\n", sa.lines[j] + 5, fa);
            missing++;
        }
    printf("compare: %d cases, %d calls compared, %d divergences, %d cases in one record only\n", cases, calls,
           diffs, missing);
    return diffs || missing ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "compare"))
        return cmd_compare(argv[2], argv[3]);
    if (argc >= 2 && !strcmp(argv[1], "drive"))
        return cmd_drive(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cmd_serve();
    fprintf(stderr, "usage: oracle-probe drive [--domU ID] [--out FILE] CASES... | serve | compare EXPECTED ACTUAL\n");
    return 2;
}

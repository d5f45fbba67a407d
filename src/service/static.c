/*
 * static.c - the web UI's files: GET / is the root's index.html, GET /ui/X
 * is the root's file X.  Only regular files inside the root are served,
 * with the content type of their extension.
 *
 * The path is refused (404, the same reply as a missing file, so a probe
 * learns nothing) when it is empty, absolute, has an empty, "." or ".."
 * segment, a backslash, or a control byte (a percent-encoded NUL arrives
 * as 0x01, see http.c).  What is left is resolved with realpath() and must
 * still lie inside the resolved root, so no symlink leads out of it; the
 * resolved file is then opened with O_NOFOLLOW and checked to be a regular
 * file on the open descriptor, not on the name.
 */
/* realpath() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/service_internal.h"

static const struct {
    const char *ext, *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0];
             i++)
            if (strcmp(dot, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

/* 1 when rel is a plain relative path: segments neither empty nor "." nor
 * "..", no backslash, no control byte. */
static int safe_relative(const char *rel)
{
    if (!*rel || *rel == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return 0;
    const char *seg = rel;
    while (*seg) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || (n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        seg += n;
        if (*seg == '/') {
            seg++;
            if (!*seg)
                return 0; /* a trailing slash names no file */
        }
    }
    return 1;
}

static void not_found(svc_reply_t *rep)
{
    svc_reply_fail(rep, 404, "PARLEY_ENOTFOUND", "no such file");
    rep->api = 0;
}

void svc_static_serve(const svc_t *svc, const char *url, svc_reply_t *rep)
{
    const char *rel;
    if (strcmp(url, "/") == 0 || strcmp(url, "/ui/") == 0)
        rel = "index.html";
    else if (strncmp(url, "/ui/", 4) == 0)
        rel = url + 4;
    else
        rel = NULL;
    char joined[PATH_MAX], real[PATH_MAX];
    size_t root_len = strlen(svc->web_root);
    if (!rel || !svc->web_root[0] || !safe_relative(rel) ||
        snprintf(joined, sizeof joined, "%s/%s", svc->web_root, rel) >=
            (int)sizeof joined ||
        !realpath(joined, real) || strncmp(real, svc->web_root, root_len) ||
        real[root_len] != '/') {
        not_found(rep);
        return;
    }
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(rep);
        return;
    }
    rep->status = 200;
    rep->content_type = content_type(real);
    rep->fd = fd;
    rep->fd_size = (uint64_t)sb.st_size;
    rep->api = 0;
}

// Why not URLSession: swift-corelibs-foundation's URLSession leaks about 28 bytes in every
// request on Linux (in CFURLSessionCurlHostIsEqual, measured with heaptrack), which a console
// polling 20 nodes every second turns into about 100 MB a day.
//
// libcurl is loaded (dlopen) by the first request, not linked: it brings about thirty
// libraries (OpenSSL, GnuTLS, Kerberos, LDAP, …) whose loading and initialisers took 5 ms of
// every start (measured in BENCHMARKS.md, "Start-up"), and their pages, for commands that make
// no HTTP request at all. Its header still gives the types and constants.
#include "CHTTP.h"
#include <curl/curl.h>
#include <ctype.h>
#include <dlfcn.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} libcurl;

static pthread_once_t global_init = PTHREAD_ONCE_INIT;
static char global_error[200]; // why libcurl cannot be used; empty when it can

static void initialize(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(global_error, sizeof global_error, "libcurl: %s", why ? why : "cannot load libcurl.so.4");
        return;
    }
    struct { void **into; const char *name; } functions[] = {
        { (void **)&libcurl.global_init, "curl_global_init" }, { (void **)&libcurl.easy_init, "curl_easy_init" },
        { (void **)&libcurl.easy_setopt, "curl_easy_setopt" }, { (void **)&libcurl.easy_perform, "curl_easy_perform" },
        { (void **)&libcurl.easy_getinfo, "curl_easy_getinfo" }, { (void **)&libcurl.easy_cleanup, "curl_easy_cleanup" },
        { (void **)&libcurl.easy_strerror, "curl_easy_strerror" }, { (void **)&libcurl.slist_append, "curl_slist_append" },
        { (void **)&libcurl.slist_free_all, "curl_slist_free_all" },
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        if (!(*functions[i].into = dlsym(library, functions[i].name))) {
            snprintf(global_error, sizeof global_error, "libcurl: %s is missing from libcurl.so.4", functions[i].name);
            return;
        }
    }
    CURLcode status = libcurl.global_init(CURL_GLOBAL_DEFAULT);
    if (status != CURLE_OK) snprintf(global_error, sizeof global_error, "libcurl: %s", libcurl.easy_strerror(status));
}

typedef struct {
    hadeck_http_response *response;
    size_t capacity, max_body;
    int too_large;
} sink;

static size_t collect(char *data, size_t size, size_t count, void *context) {
    sink *into = context;
    size_t bytes = size * count;
    hadeck_http_response *response = into->response;
    if (response->length + bytes > into->max_body) { into->too_large = 1; return 0; }
    if (response->length + bytes > into->capacity) {
        size_t capacity = into->capacity ? into->capacity : 4096;
        while (capacity < response->length + bytes) capacity *= 2;
        unsigned char *grown = realloc(response->body, capacity);
        if (!grown) return 0;
        response->body = grown;
        into->capacity = capacity;
    }
    memcpy(response->body + response->length, data, bytes);
    response->length += bytes;
    return bytes;
}

// ---- Plain http:// without libcurl -------------------------------------------------------
// A poll asks every node's health endpoint, usually over plain HTTP inside the cluster's
// network. Loading libcurl for that brought its ~30 libraries' pages into the console (about
// 7 MiB of its RSS, BENCHMARKS.md "The console"): plain http:// is spoken here, one request per
// connection (Connection: close); https:// and anything unusual in the address go to libcurl.

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Waits for `events` on `fd` until `deadline`: 1 ready, 0 timed out, -1 error.
static int wait_for(int fd, short events, long long deadline) {
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = { fd, events, 0 };
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

// Splits "http://HOST[:PORT][/PATH]" (no user information, fragment or IPv6 zone); 0 when the
// address is anything else (libcurl then takes it).
static int split_http_url(const char *url, char *host, size_t host_size, char *port, size_t port_size, const char **path) {
    if (strncmp(url, "http://", 7) != 0) return 0;
    const char *authority = url + 7, *end = authority + strcspn(authority, "/?#");
    if (*end == '#' || strchr(end, '#') || memchr(authority, '@', (size_t)(end - authority))) return 0;
    for (const char *c = url; *c; c++) if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f) return 0;
    const char *host_start = authority, *host_end, *colon;
    if (*authority == '[') {
        host_start = authority + 1;
        host_end = memchr(host_start, ']', (size_t)(end - host_start));
        if (!host_end || memchr(host_start, '%', (size_t)(host_end - host_start))) return 0;
        colon = host_end + 1 < end && host_end[1] == ':' ? host_end + 1 : NULL;
        if (!colon && host_end + 1 != end) return 0;
    } else {
        colon = memchr(authority, ':', (size_t)(end - authority));
        host_end = colon ? colon : end;
    }
    size_t host_length = (size_t)(host_end - host_start), port_length = colon ? (size_t)(end - colon - 1) : 2;
    if (host_length == 0 || host_length >= host_size || port_length == 0 || port_length >= port_size) return 0;
    memcpy(host, host_start, host_length);
    host[host_length] = 0;
    if (colon) {
        for (const char *c = colon + 1; c < end; c++) if (*c < '0' || *c > '9') return 0;
        memcpy(port, colon + 1, port_length);
        port[port_length] = 0;
    } else {
        snprintf(port, port_size, "80");
    }
    *path = *end ? end : "/";
    return 1;
}

static int connect_by_deadline(const char *host, const char *port, long long deadline, long timeout_ms, char *error, size_t error_size) {
    struct addrinfo hints, *addresses = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int resolved = getaddrinfo(host, port, &hints, &addresses);
    if (resolved != 0) { snprintf(error, error_size, "Could not resolve host: %s", host); return -1; }
    int fd = -1, last_error = 0, timed_out = 0;
    for (struct addrinfo *a = addresses; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) { last_error = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            int ready = errno == EINPROGRESS ? wait_for(fd, POLLOUT, deadline) : -1;
            int so_error = errno;
            socklen_t length = sizeof so_error;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) == 0 && so_error == 0) break;
            if (ready == 0) timed_out = 1;
            last_error = so_error;
            close(fd);
            fd = -1;
            if (timed_out) break;
        }
    }
    freeaddrinfo(addresses);
    if (fd < 0) {
        if (timed_out) snprintf(error, error_size, "Connection timed out after %ld milliseconds", timeout_ms);
        else snprintf(error, error_size, "Failed to connect to %s port %s: %s", host, port, strerror(last_error));
    }
    return fd;
}

// Case-insensitive: whether the header block `headers` has a line "NAME: VALUE" and where its value starts.
static const char *header_value(const char *headers, const char *name) {
    size_t length = strlen(name);
    for (const char *line = headers; line && *line; line = strstr(line, "\r\n") ? strstr(line, "\r\n") + 2 : NULL) {
        if (strncasecmp(line, name, length) == 0 && line[length] == ':') {
            const char *value = line + length + 1;
            while (*value == ' ' || *value == '\t') value++;
            return value;
        }
    }
    return NULL;
}

// A chunked body in `in` (`length` bytes so far): 1 when complete (the last chunk and the
// trailers' end are there), 0 when more must come, -1 when malformed, -2 when the data is
// over `max`. The data goes to `out` when not NULL; `*decoded` is its length.
static int decode_chunked(const char *in, size_t length, unsigned char *out, size_t max, size_t *decoded) {
    size_t at = 0, total = 0;
    for (;;) {
        const char *line_end = memchr(in + at, '\n', length - at);
        if (!line_end) return length - at > 1024 ? -1 : 0;
        size_t size = 0, digits = 0;
        for (const char *c = in + at; c < line_end && isxdigit((unsigned char)*c); c++, digits++) {
            if (size > (SIZE_MAX >> 4)) return -2;
            size = size * 16 + (size_t)(isdigit((unsigned char)*c) ? *c - '0' : (tolower((unsigned char)*c) - 'a' + 10));
        }
        if (digits == 0) return -1;
        at = (size_t)(line_end - in) + 1;
        if (size == 0) {
            // Trailers, if any, up to an empty line.
            for (;;) {
                const char *trailer_end = memchr(in + at, '\n', length - at);
                if (!trailer_end) return 0;
                size_t line = (size_t)(trailer_end - in) - at;
                at = (size_t)(trailer_end - in) + 1;
                if (line == 0 || (line == 1 && in[at - 2] == '\r')) { *decoded = total; return 1; }
            }
        }
        if (size > max || total + size > max) return -2;
        if (length - at < size + 2) return 0;
        if (out) memcpy(out + total, in + at, size);
        total += size;
        at += size;
        if (in[at] == '\r') at++;
        if (at >= length || in[at] != '\n') return at >= length ? 0 : -1;
        at++;
    }
}

static int plain_http(const char *method, const char *host, const char *port, const char *path, const char *header,
                      long timeout_ms, size_t max_body, hadeck_http_response *response, sink *into) {
    long long deadline = now_ms() + timeout_ms;
    int fd = connect_by_deadline(host, port, deadline, timeout_ms, response->error, sizeof response->error);
    if (fd < 0) return -1;
    int post = strcmp(method, "POST") == 0;
    char request[8192];
    int length = snprintf(request, sizeof request, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: hadeck\r\nAccept: */*\r\n%s%s%sConnection: close\r\n\r\n",
                          method, path, strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
                          strcmp(port, "80") ? ":" : "", strcmp(port, "80") ? port : "",
                          header ? header : "", header ? "\r\n" : "",
                          post ? "Content-Length: 0\r\nContent-Type: application/x-www-form-urlencoded\r\n" : "");
    if (length < 0 || (size_t)length >= sizeof request) { close(fd); snprintf(response->error, sizeof response->error, "the address is too long"); return -1; }
    for (int done = 0; done < length;) {
        int ready = wait_for(fd, POLLOUT, deadline);
        ssize_t n = ready == 1 ? send(fd, request + done, (size_t)(length - done), MSG_NOSIGNAL) : -1;
        if (n < 0 && ready == 1 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {
            if (ready == 0) snprintf(response->error, sizeof response->error, "Operation timed out after %ld milliseconds", timeout_ms);
            else snprintf(response->error, sizeof response->error, "Send failure: %s", strerror(errno));
            close(fd);
            return -1;
        }
        done += (int)n;
        response->sent = 1;
    }

    // The whole answer, as it comes: headers (at most 64 KiB), then the body as the headers frame it.
    enum { HEADERS_MAX = 64 << 10 };
    size_t capacity = 16 << 10, have = 0, body_start = 0, body_length = 0;
    char *data = malloc(capacity + 1);
    char *error = response->error;
    size_t error_size = sizeof response->error;
    long long content_length = -1;
    int result = -1, closed = 0, chunked = 0;
    if (!data) { close(fd); snprintf(error, error_size, "out of memory"); return -1; }
    for (;;) {
        if (!body_start) {
            data[have] = 0;
            char *end = strstr(data, "\r\n\r\n");
            if (end) {
                size_t header_end = (size_t)(end - data) + 2;
                int status = 0;
                if (sscanf(data, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100) {
                    snprintf(error, error_size, "Unsupported HTTP response");
                    break;
                }
                if (status < 200) { // 100 Continue and the like: the real answer follows
                    memmove(data, data + header_end + 2, have - header_end - 2);
                    have -= header_end + 2;
                    continue;
                }
                response->status = status;
                data[header_end] = 0; // the header block, for header_value
                const char *encoding = header_value(data, "Transfer-Encoding");
                const char *declared = header_value(data, "Content-Length");
                chunked = encoding && strncasecmp(encoding, "chunked", 7) == 0;
                if (!chunked && declared) {
                    char *after;
                    errno = 0;
                    content_length = strtoll(declared, &after, 10);
                    if (errno || content_length < 0 || (*after && *after != '\r')) { snprintf(error, error_size, "Invalid Content-Length"); break; }
                    if ((unsigned long long)content_length > max_body) { into->too_large = 1; break; }
                }
                if (status == 204 || status == 304) { content_length = 0; chunked = 0; }
                body_start = header_end + 2;
            } else if (have > HEADERS_MAX) {
                snprintf(error, error_size, "the response's headers are too long");
                break;
            }
        }
        if (body_start) {
            size_t body = have - body_start;
            if (chunked) {
                int decoded = decode_chunked(data + body_start, body, NULL, max_body, &body_length);
                if (decoded == 1) { result = 0; break; }
                if (decoded == -1) { snprintf(error, error_size, "Invalid chunked encoding"); break; }
                if (decoded == -2) { into->too_large = 1; break; }
            } else if (content_length >= 0 && body >= (size_t)content_length) {
                body_length = (size_t)content_length;
                result = 0;
                break;
            } else if (body > max_body) {
                into->too_large = 1;
                break;
            } else if (closed && content_length < 0) {
                body_length = body; // no length given: the answer is what came until the end
                result = 0;
                break;
            }
        }
        if (closed) { snprintf(error, error_size, body_start ? "the answer ended early" : "Empty reply from server"); break; }
        if (have == capacity) {
            if (capacity > 2 * max_body + HEADERS_MAX) { into->too_large = 1; break; } // chunk framing included
            capacity *= 2;
            char *grown = realloc(data, capacity + 1);
            if (!grown) { snprintf(error, error_size, "out of memory"); break; }
            data = grown;
        }
        int ready = wait_for(fd, POLLIN, deadline);
        if (ready == 0) { snprintf(error, error_size, "Operation timed out after %ld milliseconds", timeout_ms); break; }
        ssize_t n = ready == 1 ? recv(fd, data + have, capacity - have, 0) : -1;
        if (n < 0) {
            if (ready == 1 && (errno == EINTR || errno == EAGAIN)) continue;
            snprintf(error, error_size, "Recv failure: %s", strerror(errno));
            break;
        }
        if (n == 0) closed = 1;
        have += (size_t)n;
    }
    close(fd);
    if (into->too_large) {
        snprintf(error, error_size, "the response is larger than %zu bytes", max_body);
        result = -1;
    }
    if (result == 0 && body_length) {
        response->body = malloc(body_length);
        if (!response->body) {
            snprintf(error, error_size, "out of memory");
            result = -1;
        } else if (chunked) {
            decode_chunked(data + body_start, have - body_start, response->body, max_body, &response->length);
        } else {
            memcpy(response->body, data + body_start, body_length);
            response->length = body_length;
        }
    }
    free(data);
    return result;
}

int hadeck_http_request(const char *method, const char *url, const char *header, long timeout_ms,
                        size_t max_body, hadeck_http_response *response) {
    memset(response, 0, sizeof(*response));
    char host[256], port[8];
    const char *path;
    if (split_http_url(url, host, sizeof host, port, sizeof port, &path)) {
        sink into = { response, 0, max_body, 0 };
        int result = plain_http(method, host, port, path, header, timeout_ms, max_body, response, &into);
        if (result != 0) hadeck_http_free(response);
        return result;
    }
    pthread_once(&global_init, initialize);
    if (global_error[0]) {
        snprintf(response->error, sizeof(response->error), "%s", global_error);
        return -1;
    }
    CURL *curl = libcurl.easy_init();
    if (!curl) { snprintf(response->error, sizeof(response->error), "libcurl: cannot start a request"); return -1; }
    char error[CURL_ERROR_SIZE] = "";
    sink into = { response, 0, max_body, 0 };
    struct curl_slist *headers = header ? libcurl.slist_append(NULL, header) : NULL;

    libcurl.easy_setopt(curl, CURLOPT_URL, url);
    libcurl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    libcurl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); // the API key goes to this address only
    libcurl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);       // threads: no SIGALRM for timeouts
    libcurl.easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    libcurl.easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    libcurl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    libcurl.easy_setopt(curl, CURLOPT_WRITEDATA, &into);
    if (headers) libcurl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "POST") == 0) {
        libcurl.easy_setopt(curl, CURLOPT_POST, 1L);
        libcurl.easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        libcurl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }

    CURLcode code = libcurl.easy_perform(curl);
    long request_size = 0;
    libcurl.easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
    response->sent = request_size > 0;
    if (code == CURLE_OK) {
        libcurl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    } else if (into.too_large) {
        snprintf(response->error, sizeof(response->error), "the response is larger than %zu bytes", max_body);
    } else {
        snprintf(response->error, sizeof(response->error), "%s", error[0] ? error : libcurl.easy_strerror(code));
    }
    libcurl.slist_free_all(headers);
    libcurl.easy_cleanup(curl);
    if (code != CURLE_OK) { hadeck_http_free(response); return -1; }
    return 0;
}

void hadeck_http_free(hadeck_http_response *response) {
    free(response->body);
    response->body = NULL;
    response->length = 0;
}

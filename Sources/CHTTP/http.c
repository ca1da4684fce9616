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
#include <dlfcn.h>
#include <pthread.h>
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

int hadeck_http_request(const char *method, const char *url, const char *header, long timeout_ms,
                        size_t max_body, hadeck_http_response *response) {
    memset(response, 0, sizeof(*response));
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

// Why not URLSession: swift-corelibs-foundation's URLSession leaks about 28 bytes in every
// request on Linux (in CFURLSessionCurlHostIsEqual, measured with heaptrack), which a console
// polling 20 nodes every second turns into about 100 MB a day.
#include "CHTTP.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t global_init = PTHREAD_ONCE_INIT;
static CURLcode global_status = CURLE_OK;
static void initialize(void) { global_status = curl_global_init(CURL_GLOBAL_DEFAULT); }

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
    if (global_status != CURLE_OK) {
        snprintf(response->error, sizeof(response->error), "libcurl: %s", curl_easy_strerror(global_status));
        return -1;
    }
    CURL *curl = curl_easy_init();
    if (!curl) { snprintf(response->error, sizeof(response->error), "libcurl: cannot start a request"); return -1; }
    char error[CURL_ERROR_SIZE] = "";
    sink into = { response, 0, max_body, 0 };
    struct curl_slist *headers = header ? curl_slist_append(NULL, header) : NULL;

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); // the API key goes to this address only
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);       // threads: no SIGALRM for timeouts
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &into);
    if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }

    CURLcode code = curl_easy_perform(curl);
    long request_size = 0;
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
    response->sent = request_size > 0;
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    } else if (into.too_large) {
        snprintf(response->error, sizeof(response->error), "the response is larger than %zu bytes", max_body);
    } else {
        snprintf(response->error, sizeof(response->error), "%s", error[0] ? error : curl_easy_strerror(code));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) { hadeck_http_free(response); return -1; }
    return 0;
}

void hadeck_http_free(hadeck_http_response *response) {
    free(response->body);
    response->body = NULL;
    response->length = 0;
}

// One HTTP request through libcurl's easy interface, whose variadic curl_easy_setopt Swift
// cannot call. Not URLSession: on Linux it leaks memory in every request (see http.c).
#ifndef HADECK_CHTTP_H
#define HADECK_CHTTP_H

#include <stddef.h>

typedef struct {
    long status;           // the HTTP status; 0 when no response came
    unsigned char *body;   // malloc'ed; free with hadeck_http_free
    size_t length;
    char error[256];       // why the request failed, when it did
    int sent;              // whether the request reached the server (so a failure may follow its effect)
} hadeck_http_response;

/// Sends `method` ("GET" or "POST", with an empty body) to `url` (http or https only, no
/// redirects followed), with `header` ("Name: value") if not NULL, giving up after
/// `timeout_ms`; a body over `max_body` bytes fails the request. Returns 0, or -1 with
/// `response->error` set. Safe to call from many threads at once.
int hadeck_http_request(const char *method, const char *url, const char *header, long timeout_ms,
                        size_t max_body, hadeck_http_response *response);

void hadeck_http_free(hadeck_http_response *response);

#endif

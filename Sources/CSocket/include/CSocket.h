// Unix-domain socket helpers whose C macros (sockaddr_un, CMSG_*) Swift cannot use directly.
#ifndef HADECK_CSOCKET_H
#define HADECK_CSOCKET_H

/// Connects to the Unix socket at `path`; returns a close-on-exec fd, or -1 with errno set.
int hadeck_unix_connect(const char *path);

/// Sends `fd` over the Unix socket `sock` (SCM_RIGHTS) with one byte of data; 0 or -1.
int hadeck_send_fd(int sock, int fd);

#endif

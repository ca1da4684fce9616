#include "CProcess.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int hadeck_forbid_memory_dumps(void) {
    struct rlimit none = { 0, 0 };
    int result = setrlimit(RLIMIT_CORE, &none);
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) result = -1;
#endif
    return result;
}

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
#define CRASH_SIGNALS (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction before[CRASH_SIGNALS];
static int installed;

// Set by the console's curses thread when it takes the terminal and gives it back; read by the handler.
static volatile sig_atomic_t terminal_fd = -1;
static struct termios terminal_settings;
static char leave_sequence[512];
static size_t leave_length;

static void on_crash(int sig, siginfo_t *info, void *context) {
    int fd = terminal_fd;
    if (fd >= 0) {
        terminal_fd = -1; // once: a second fault in here must not loop
        tcsetattr(fd, TCSANOW, &terminal_settings);
        for (size_t done = 0; done < leave_length;) {
            ssize_t n = write(fd, leave_sequence + done, leave_length - done);
            if (n <= 0) break;
            done += (size_t)n;
        }
    }
    for (size_t i = 0; i < CRASH_SIGNALS; i++) {
        if (crash_signals[i] != sig) continue;
        struct sigaction *previous = &before[i];
        if ((previous->sa_flags & SA_SIGINFO) && previous->sa_sigaction) {
            previous->sa_sigaction(sig, info, context);
        } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
            previous->sa_handler(sig);
        }
    }
    // End as the crash would have: the signal's default action (no core file: see above).
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(sig, &fallback, NULL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, sig);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    raise(sig);
}

int hadeck_restore_terminal_on_crash(int fd, const struct termios *settings, const char *leave) {
    terminal_fd = -1;
    if (fd < 0) return 0;
    terminal_settings = *settings;
    leave_length = 0;
    if (leave) {
        leave_length = strlen(leave);
        if (leave_length > sizeof leave_sequence) leave_length = sizeof leave_sequence;
        memcpy(leave_sequence, leave, leave_length);
    }
    if (!installed) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_crash;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK; // on the runtime's alternate stack: a stack overflow too
        sigemptyset(&action.sa_mask);
        for (size_t i = 0; i < CRASH_SIGNALS; i++) {
            if (sigaction(crash_signals[i], &action, &before[i]) != 0) return -1;
        }
        installed = 1;
    }
    terminal_fd = fd;
    return 0;
}

int hadeck_flush_stdout(void) { return fflush(stdout); }

int hadeck_stdout_failed(void) { return ferror(stdout); }

void hadeck_clear_stdout_error(void) { clearerr(stdout); }

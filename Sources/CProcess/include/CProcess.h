// Process-wide set-up Swift cannot do itself: prctl is a variadic C function, and a crash
// signal's handler must call only async-signal-safe functions.
#ifndef HADECK_CPROCESS_H
#define HADECK_CPROCESS_H

#include <termios.h>

/// Makes this process produce no core file and refuses other processes of the same user
/// the right to read its memory (RLIMIT_CORE 0, PR_SET_DUMPABLE 0, as ssh-agent does).
/// Returns 0, or -1 with errno set when either could not be set.
int hadeck_forbid_memory_dumps(void);

/// Should the process crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP) from now on,
/// first put terminal `fd` back as `settings` had it and write `leave` to it (the terminal's
/// own sequences for leaving the full screen), so that the crash report which follows is
/// readable and the shell usable; then the handler that was there before (Swift's crash
/// reporter) runs, and the process ends of the signal. `fd` -1 disarms it. 0, or -1.
int hadeck_restore_terminal_on_crash(int fd, const struct termios *settings, const char *leave);

/// stdio's own standard output (Swift 6 will not touch the C global `stdout`): fflush it
/// (0, or EOF with errno set); whether a write to it has failed (non-zero when so); forget
/// that it has.
int hadeck_flush_stdout(void);
int hadeck_stdout_failed(void);
void hadeck_clear_stdout_error(void);

#endif

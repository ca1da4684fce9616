// What must happen before the Swift runtime starts (its crash reporter's settings) and before
// any thread starts (the allocator's arenas): only C runs early enough (start.c).
#ifndef HADECK_CSTART_H
#define HADECK_CSTART_H

/// What Swift's crash reporter prints unless the administrator chose otherwise: every
/// thread's backtrace, but no registers (its register dump shows 16 bytes of memory at each
/// one, which may be a key), no prompt waiting at the terminal, on stderr (stdout may be JSON).
/// (`threads=all` alone is not honoured: `preset=full` is what shows every thread.)
#define HADECK_CRASH_REPORT_SETTINGS "preset=full,interactive=no,registers=none,images=mentioned,sanitize=yes,output-to=stderr"

/// Whether the crash report settings missed the Swift runtime, so that this program must run
/// itself again (same process, same arguments) for them to take effect: 1 when this process
/// set `SWIFT_BACKTRACE` after the runtime had read it (the runtime is a shared library,
/// initialised before this program: a build linked against the toolchain); 0 when the
/// runtime saw them (it is linked into this program, `-static-stdlib`: what the package
/// ships), or when `SWIFT_BACKTRACE` was set before this program started.
int hadeck_crash_settings_need_restart(void);

#endif

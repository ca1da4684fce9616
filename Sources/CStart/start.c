#define _GNU_SOURCE
#include "CStart.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The Swift runtime reads SWIFT_BACKTRACE once, in a static initialiser of its own. Where the
// runtime is linked into this program, the initialisers of this program's .init_array run in
// order of priority, and a prioritised one (101) before every unprioritised C++ initialiser of
// the runtime: setting the variable here takes effect with no second start. Where the runtime
// is a shared library, its initialisers ran before this program's, and only a new exec helps.

// Swift's runtime, declared here (SwiftShims/RuntimeStubs.h) to ask which image holds it and
// to hand it the argument vector.
extern void swift_retain(void);
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);
// This program's image, from its first byte to its end (the linkers define both for an
// executable). Asking dladdr instead scanned the dynamic symbol table: 4% of a start.
extern char __executable_start[], _end[];

static int need_restart;

static int swift_runtime_is_in_this_program(void) {
    const char *runtime = (const char *)(void *)swift_retain;
    return runtime >= __executable_start && runtime < _end;
}

// glibc calls .init_array functions with (argc, argv, envp).
__attribute__((constructor(101))) static void hadeck_set_crash_report_settings(int argc, char **argv, char **envp) {
    (void)envp;
    // Two malloc arenas, not glibc's eight per core: every thread that allocates (the console
    // keeps one per node's ssh session and one per health request) otherwise gets an arena
    // of its own, each keeping freed memory: 16 arenas held 7 MiB of the console's 9.5 MiB of
    // anonymous memory (BENCHMARKS.md, "The console"). Before any thread starts; an
    // administrator's MALLOC_ARENA_MAX is left to glibc.
    if (getenv("MALLOC_ARENA_MAX") == NULL) mallopt(M_ARENA_MAX, 2);
    if (getenv("SWIFT_BACKTRACE") != NULL) return; // the administrator's choice, or the second start
    // setenv moves `environ` off the stack, where the runtime (linked in, initialised after
    // this) looks for argv by walking back from it: it would find no arguments at all. It
    // takes them from here instead.
    _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);

    static char settings[sizeof HADECK_CRASH_REPORT_SETTINGS + sizeof ",swift-backtrace=" + PATH_MAX];
    snprintf(settings, sizeof settings, "%s", HADECK_CRASH_REPORT_SETTINGS);
    // The runtime looks for its crash reporter (swift-backtrace) beside a toolchain's layout,
    // which an installed package has not: the package puts a static one in ../lib/hadeck.
    char program[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", program, sizeof program - 1);
    if (length > 0) {
        program[length] = 0;
        char *slash = strrchr(program, '/');
        if (slash) {
            *slash = 0;
            char reporter[PATH_MAX];
            if (snprintf(reporter, sizeof reporter, "%s/../lib/hadeck/swift-backtrace", program) < (int)sizeof reporter
                && access(reporter, X_OK) == 0) {
                char *resolved = realpath(reporter, NULL);
                if (resolved && !strchr(resolved, ',')) { // a comma would end the setting
                    snprintf(settings, sizeof settings, "%s,swift-backtrace=%s", HADECK_CRASH_REPORT_SETTINGS, resolved);
                }
                free(resolved);
            }
        }
    }
    setenv("SWIFT_BACKTRACE", settings, 0);
    need_restart = !swift_runtime_is_in_this_program();
}

int hadeck_crash_settings_need_restart(void) { return need_restart; }

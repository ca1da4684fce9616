#include "CProcess.h"

#include <sys/resource.h>
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
